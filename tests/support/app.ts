import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { loadConfig } from '../../src/config/env.js';
import { buildApp } from '../../src/web/app.js';
import type { TestDatabase } from './db.js';

export async function makeApp(
  database: TestDatabase,
  {
    demoMode = true,
    now,
    smtpUrl,
    env = {},
  }: { demoMode?: boolean; now?: () => Date; smtpUrl?: string; /** more environment variables (TRUST_PROXY, METRICS_TOKEN …) */ env?: Record<string, string> } = {},
): Promise<FastifyInstance> {
  // Email without SMTP goes to files: keep them out of the project's data/ folder.
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'homeroom-test-'));
  const config = loadConfig({
    DEMO_MODE: String(demoMode),
    LOG_LEVEL: 'silent',
    DATA_DIR: dataDir,
    BASE_URL: 'http://portal.test',
    MAIL_FROM: 'Cedar Valley Portal <portal@cedarvalley.example.org>',
    ...(smtpUrl ? { SMTP_URL: smtpUrl } : {}),
    ...env,
  });
  const app = await buildApp({ config, database, logger: false, mailIntervalMs: 0, ...(now ? { now } : {}) });
  app.addHook('onClose', async () => fs.rmSync(dataDir, { recursive: true, force: true }));
  await app.ready();
  return app;
}
