/** Operations: /healthz for load balancers, /metrics for Prometheus. */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { sql } from 'kysely';
import { collectDefaultMetrics, Histogram, Registry } from 'prom-client';

async function ops(app: FastifyInstance): Promise<void> {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'homeroom_' });
  const duration = new Histogram({
    name: 'homeroom_http_request_duration_seconds',
    help: 'Time to answer HTTP requests, by route and status',
    labelNames: ['method', 'route', 'status_code'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
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
      return reply.header('cache-control', 'no-store').send({ status: 'ok', database: app.services.database.dialect });
    } catch (error) {
      app.log.error({ err: error }, 'health check: database unreachable');
      return reply.code(503).header('cache-control', 'no-store').send({ status: 'unavailable' });
    }
  });

  app.get('/metrics', async (_request, reply) => {
    return reply.header('content-type', registry.contentType).send(await registry.metrics());
  });
}

/** Not encapsulated: the timing hook must see every route of the app. */
export const opsRoutes = fp(ops, { name: 'homeroom-ops' });
