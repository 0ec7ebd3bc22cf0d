/**
 * /healthz tells the public only up or down; /metrics is served only to the bearer of METRICS_TOKEN,
 * and does not exist without it.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearerMatches } from '../../src/web/routes/ops.js';
import { makeApp } from '../support/app.js';
import { describeEachEngine, freshDatabase } from '../support/db.js';

const TOKEN = 'k3V9-metrics-token-for-tests-0123456789abcdef';

describeEachEngine('operations endpoints', (get, engine) => {
  let open: FastifyInstance;
  let guarded: FastifyInstance;
  beforeAll(async () => {
    open = await makeApp(get());
    guarded = await makeApp(get(), { env: { METRICS_TOKEN: TOKEN } });
  });
  afterAll(async () => {
    await open.close();
    await guarded.close();
  });

  it('says only that it is up: no database type or anything else', async () => {
    const res = await open.inject('/healthz');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
    expect(res.body).not.toContain(engine);
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('answers 503 {"status":"unavailable"} when the database does not answer', async () => {
    const database = await freshDatabase(engine);
    const app = await makeApp(database);
    try {
      await database.close();
      const res = await app.inject('/healthz');
      expect(res.statusCode).toBe(503);
      expect(res.json()).toEqual({ status: 'unavailable' });
    } finally {
      await app.close();
      // Closing again is harmless; PostgreSQL's test database is dropped.
      await database.drop();
    }
  });

  it('has no /metrics without METRICS_TOKEN, whatever the request says', async () => {
    for (const headers of [{}, { authorization: `Bearer ${TOKEN}` }, { accept: 'application/json' }]) {
      const res = await open.inject({ url: '/metrics', headers });
      expect(res.statusCode).toBe(404);
      expect(res.body).not.toContain('homeroom_');
    }
  });

  it('refuses /metrics without the right bearer token', async () => {
    const wrong: Record<string, string>[] = [
      {},
      { authorization: '' },
      { authorization: 'Bearer' },
      { authorization: 'Bearer ' },
      { authorization: `Bearer ${TOKEN}x` },
      { authorization: `Bearer ${TOKEN.slice(0, -1)}` },
      { authorization: `Bearer ${TOKEN.replace(/.$/, 'g')}` },
      { authorization: `Basic ${Buffer.from(`prometheus:${TOKEN}`).toString('base64')}` },
      { authorization: TOKEN },
      { authorization: `Bearer ${TOKEN} ${TOKEN}` },
    ];
    for (const headers of wrong) {
      const res = await guarded.inject({ url: '/metrics', headers });
      expect(res.statusCode, JSON.stringify(headers)).toBe(401);
      expect(res.headers['www-authenticate']).toBe('Bearer realm="metrics"');
      expect(res.body).not.toContain('homeroom_');
    }
  });

  it('serves /metrics to the bearer of METRICS_TOKEN: routes by pattern, never raw URLs', async () => {
    await guarded.inject('/sign-in');
    await guarded.inject('/no/such/page');
    const res = await guarded.inject({ url: '/metrics', headers: { authorization: `Bearer ${TOKEN}` } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/plain');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).toContain('homeroom_http_request_duration_seconds_bucket');
    expect(res.body).toContain('route="/sign-in"');
    expect(res.body).not.toContain('/no/such/page');
    // The scheme's name is case-insensitive (RFC 9110).
    expect((await guarded.inject({ url: '/metrics', headers: { authorization: `bearer ${TOKEN}` } })).statusCode).toBe(200);
  });

  it("samples the event loop's delay every 100 ms", async () => {
    // After a few samples the shortest interval recorded is about 0.1 s (at prom-client's 10 ms it would be about 0.01 s).
    await new Promise((resolve) => setTimeout(resolve, 350));
    const later = (await guarded.inject({ url: '/metrics', headers: { authorization: `Bearer ${TOKEN}` } })).body;
    const shortest = Number(/^homeroom_nodejs_eventloop_lag_min_seconds (\S+)$/m.exec(later)?.[1]);
    expect(shortest).toBeGreaterThan(0.09);
    expect(shortest).toBeLessThan(1);
  });
});

describe('bearer token comparison', () => {
  it('matches only the exact token after "Bearer "', () => {
    expect(bearerMatches(`Bearer ${TOKEN}`, TOKEN)).toBe(true);
    expect(bearerMatches(undefined, TOKEN)).toBe(false);
    expect(bearerMatches('Bearer ', TOKEN)).toBe(false);
    expect(bearerMatches(`Bearer ${TOKEN.toUpperCase()}`, TOKEN)).toBe(false);
  });
});
