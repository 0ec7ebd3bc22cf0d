import type { Database } from '../../src/db/connect.js';
import { jobHandlers } from '../../src/jobs/registry.js';
import { startWorker } from '../../src/jobs/worker.js';

/** Runs every queued job that is due, as the background worker does (the self-serve forms queue their work). */
export async function runJobs(database: Database, now: () => Date = () => new Date()): Promise<void> {
  const worker = startWorker({ database, handlers: jobHandlers({ baseUrl: 'http://portal.test' }), now, pollMs: 0 });
  while (await worker.runOnce());
  await worker.stop();
}
