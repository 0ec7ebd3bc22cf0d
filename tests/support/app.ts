import type { FastifyInstance } from 'fastify';
import { loadConfig } from '../../src/config/env.js';
import { buildApp } from '../../src/web/app.js';
import type { TestDatabase } from './db.js';

export async function makeApp(
  database: TestDatabase,
  { demoMode = true, now }: { demoMode?: boolean; now?: () => Date } = {},
): Promise<FastifyInstance> {
  const config = loadConfig({ DEMO_MODE: String(demoMode), LOG_LEVEL: 'silent' });
  const app = await buildApp({ config, database, logger: false, ...(now ? { now } : {}) });
  await app.ready();
  return app;
}
