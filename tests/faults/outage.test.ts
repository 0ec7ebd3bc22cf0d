/**
 * The database away and back (issue 18, item 5): pages answer 503 with Retry-After in the reader's
 * language and keep the district's name; the log hears of the outage once, and once of its end.
 */
import { Writable } from 'node:stream';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/env.js';
import { isDatabaseUnavailable } from '../../src/db/errors.js';
import { loadDemo } from '../../src/domain/demo/load.js';
import { buildApp } from '../../src/web/app.js';
import { describeEachEngine, PG_URL } from '../support/db.js';
import { Client } from '../support/http.js';

describeEachEngine('the database away and back', (get, engine) => {
  let app: FastifyInstance;
  const lines: { level: number; msg: string; refused?: number }[] = [];
  let dir = '';

  beforeAll(async () => {
    await loadDemo(get(), { students: 20, seed: 6, startYear: 2026 });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'homeroom-outage-'));
    const stream = new Writable({
      write(chunk, _encoding, done) {
        for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line) as (typeof lines)[number]);
        done();
      },
    });
    const config = loadConfig({ LOG_LEVEL: 'info', DATA_DIR: dir, BASE_URL: 'http://portal.test' });
    app = await buildApp({ config, database: get(), logger: { level: 'info', stream }, mailIntervalMs: 0 });
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** Connections to the test's database refused (and the open ones ended), or allowed again. */
  const refuseConnections = async (refuse: boolean) => {
    const name = new URL(get().url!).pathname.slice(1);
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    try {
      await admin.query(`alter database ${name} allow_connections ${refuse ? 'false' : 'true'}`);
      if (refuse) await admin.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()', [name]);
    } finally {
      await admin.end();
    }
  };

  it('tells the errors of a database that cannot be reached from other errors', () => {
    expect(isDatabaseUnavailable(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }))).toBe(true);
    expect(isDatabaseUnavailable(Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }))).toBe(true);
    expect(isDatabaseUnavailable(Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' }))).toBe(true);
    expect(isDatabaseUnavailable(new Error('wrapped', { cause: Object.assign(new Error('x'), { code: '08006' }) }))).toBe(true);
    expect(isDatabaseUnavailable(Object.assign(new Error('duplicate key value violates unique constraint'), { code: '23505' }))).toBe(false);
    expect(isDatabaseUnavailable(Object.assign(new Error('UNIQUE constraint failed'), { code: 'SQLITE_CONSTRAINT_UNIQUE' }))).toBe(false);
    expect(isDatabaseUnavailable(new TypeError('x is undefined'))).toBe(false);
  });

  it.runIf(engine === 'postgres')('answers 503 with Retry-After and the district’s name while it is away, logs it once, and serves again when it is back', async () => {
    const parent = new Client(app);
    expect((await parent.get('/sign-in')).statusCode).toBe(200);
    lines.length = 0;
    await refuseConnections(true);
    try {
      const answers = [];
      for (let i = 0; i < 6; i++) answers.push(await new Client(app).get('/sign-in'));
      const spanish = await new Client(app, { 'accept-language': 'es' }).get('/sign-in');
      const json = await new Client(app, { accept: 'application/json' }).get('/sign-in');
      const health = await new Client(app).get('/healthz');
      for (const res of answers) {
        expect(res.statusCode).toBe(503);
        expect(res.headers['retry-after']).toBe('30');
        expect(res.body).toContain('The portal is briefly unavailable');
        // The district's own name, not "Homeroom", on the page of an outage.
        expect(res.body).toContain('Cedar Valley Public Schools');
      }
      expect(spanish.statusCode).toBe(503);
      expect(spanish.body).toContain('El portal no está disponible por un momento');
      expect(json.statusCode).toBe(503);
      expect(JSON.parse(json.body)).toEqual({ error: 'unavailable' });
      expect(health.statusCode).toBe(503);
      const errors = lines.filter((l) => l.level >= 50);
      expect(errors.map((l) => l.msg)).toEqual(['the database cannot be reached: pages answer 503 until it is back']);
    } finally {
      await refuseConnections(false);
    }
    // Back: the next pages are served, with no restart, and the log says so once.
    const back = await new Client(app).get('/sign-in');
    expect(back.statusCode).toBe(200);
    const told = lines.filter((l) => l.msg === 'the database is back');
    expect(told).toHaveLength(1);
    expect(told[0]!.refused).toBeGreaterThanOrEqual(6);
  });
});
