/**
 * Operations: /healthz for load balancers (up or down, nothing more), /metrics for Prometheus, only
 * to the bearer of METRICS_TOKEN (without it, /metrics does not exist).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { isDatabaseUnavailable } from '../../db/errors.js';
import { sql } from 'kysely';
import { collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { mailCounts } from '../../domain/system/mail-status.js';

/** How often the event loop's delay is sampled for /metrics */
export const EVENT_LOOP_SAMPLE_MS = 100;

const digest = (value: string) => createHash('sha256').update(value).digest();

/**
 * Does an Authorization header carry this bearer token? Compared as sha-256 digests in constant
 * time, so neither the token's characters nor its length show in the time of the answer.
 */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const given = /^Bearer +(\S+) *$/i.exec(header ?? '')?.[1] ?? '';
  return timingSafeEqual(digest(given), digest(token)) && given !== '';
}

async function ops(app: FastifyInstance): Promise<void> {
  const registry = new Registry();
  // The event-loop delay is sampled every 100 ms, not prom-client's default 10 ms: its timer woke an
  // idle server 100 times a second (measured: 1,956 wake-ups and 230 ms of CPU in 20 idle seconds;
  // 209 and 90 ms at 100 ms), and during a sign-in storm each wake-up competes with the password
  // hashing for the cores. Ten samples a second still show a busy event loop.
  collectDefaultMetrics({ register: registry, prefix: 'homeroom_', eventLoopMonitoringPrecision: EVENT_LOOP_SAMPLE_MS });
  const duration = new Histogram({
    name: 'homeroom_http_request_duration_seconds',
    help: 'Time to answer HTTP requests, by route and status',
    labelNames: ['method', 'route', 'status_code'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });

  // The email queue, read from the database at each scrape (the same for every process).
  new Gauge({
    name: 'homeroom_email_messages',
    help: 'Emails by state: queued (not yet tried), failing (to be tried again), gave_up, sent_24h',
    labelNames: ['state'],
    registers: [registry],
    async collect() {
      try {
        const counts = await mailCounts(app.services.database.db, app.services.now());
        this.set({ state: 'queued' }, counts.queued);
        this.set({ state: 'failing' }, counts.failing);
        this.set({ state: 'gave_up' }, counts.gaveUp);
        this.set({ state: 'sent_24h' }, counts.sentToday);
      } catch (error) {
        // A scrape during an outage still answers, without these counts.
        if (!isDatabaseUnavailable(error)) throw error;
      }
    },
  });

  app.addHook('onResponse', (request, reply, done) => {
    duration.observe(
      {
        method: request.method,
        // the route pattern, never the raw URL: no ids or tokens in metrics
        route: request.routeOptions.url ?? 'unmatched',
        status_code: String(reply.statusCode),
      },
      reply.elapsedTime / 1000,
    );
    done();
  });

  app.get('/healthz', async (_request, reply) => {
    try {
      await sql`select 1`.execute(app.services.database.db);
      // Up or down only: which database (or anything else) runs here is none of the public's business.
      return reply.header('cache-control', 'no-store').send({ status: 'ok' });
    } catch (error) {
      // A database that cannot be reached is told to the log once per outage (DistrictCache).
      if (isDatabaseUnavailable(error)) app.services.districts.databaseIsAway(error);
      else app.log.error({ err: error }, 'health check: database unreachable');
      return reply.code(503).header('cache-control', 'no-store').send({ status: 'unavailable' });
    }
  });

  // Routes, statuses and the process's figures are for the operators' Prometheus only.
  const token = app.services.config.metricsToken;
  if (token) {
    app.get('/metrics', async (request, reply) => {
      reply.header('cache-control', 'no-store');
      if (!bearerMatches(request.headers.authorization, token)) {
        return reply.code(401).header('www-authenticate', 'Bearer realm="metrics"').send({ error: 'unauthorized' });
      }
      return reply.header('content-type', registry.contentType).send(await registry.metrics());
    });
  }
}

/** Not encapsulated: the timing hook must see every route of the app. */
export const opsRoutes = fp(ops, { name: 'homeroom-ops' });
