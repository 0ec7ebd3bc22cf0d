import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterEach, beforeEach } from 'vitest';
import { connect, type Database } from '../../src/db/connect.js';
import { migrateToLatest } from '../../src/db/migrate.js';

/** Another thread that takes SQLite's write lock and keeps it until `release()`. */
export async function holdWriteLock(file: string): Promise<{ release(): Promise<void> }> {
  const flag = new Int32Array(new SharedArrayBuffer(4));
  const holder = new Worker(
    `const { parentPort, workerData } = require('node:worker_threads');
     const SQLite = require('better-sqlite3');
     const db = new SQLite(workerData.file); db.exec('begin immediate'); parentPort.postMessage('locked');
     Atomics.wait(workerData.flag, 0, 0); db.exec('commit'); db.close();`,
    { eval: true, workerData: { file, flag } },
  );
  await new Promise((resolve) => holder.once('message', resolve));
  return {
    async release() {
      Atomics.store(flag, 0, 1);
      Atomics.notify(flag, 0);
      await new Promise((resolve) => holder.once('exit', resolve));
    },
  };
}

/**
 * A migrated SQLite database in a file of its own for each test of the calling `describe` (made before
 * each, closed and removed after): for tests about the file itself (its write lock, its statistics).
 */
export function sqliteFilePerTest(prefix: string): { database(): Database; file(): string } {
  let dir = '';
  let database: Database | undefined;
  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), `homeroom-${prefix}-`));
    database = await connect(`sqlite:${path.join(dir, 'db.sqlite')}`);
    await migrateToLatest(database);
  });
  afterEach(async () => {
    await database?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return { database: () => database!, file: () => path.join(dir, 'db.sqlite') };
}
