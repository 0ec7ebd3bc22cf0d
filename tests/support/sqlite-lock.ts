import { Worker } from 'node:worker_threads';

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
