/**
 * A worker runs the handlers of the job kinds it knows, one job at a time, polling when idle. The web
 * process runs one (`homeroom serve`); `homeroom worker` runs one on its own, for districts that
 * separate web and background work.
 */
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import type { Database } from '../db/connect.js';
import { claimNext, complete, fail } from './queue.js';

export type JobHandler = (payload: unknown, context: { database: Database; now: () => Date }) => Promise<void>;

export interface Worker {
  /** runs at most one due job; true when it ran one */
  runOnce(): Promise<boolean>;
  stop(): Promise<void>;
}

export function startWorker(options: {
  database: Database;
  handlers: Record<string, JobHandler>;
  now: () => Date;
  pollMs?: number;
  leaseMs?: number;
  onError?: (error: unknown, kind: string) => void;
}): Worker {
  const id = `${os.hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  const kinds = Object.keys(options.handlers);
  const leaseMs = options.leaseMs ?? 15 * 60_000;
  let stopped = false;
  let current: Promise<boolean> = Promise.resolve(false);

  const runOnce = async (): Promise<boolean> => {
    const { db, dialect } = options.database;
    const job = await claimNext(db, dialect, id, kinds, options.now(), leaseMs);
    if (!job) return false;
    try {
      await (options.handlers[job.kind] as JobHandler)(job.payload, { database: options.database, now: options.now });
      await complete(db, job, id, options.now());
    } catch (error) {
      options.onError?.(error, job.kind);
      await fail(db, job, id, error, options.now());
    }
    return true;
  };

  let timer: NodeJS.Timeout | undefined;
  const loop = () => {
    if (stopped) return;
    current = runOnce().catch((error: unknown) => {
      options.onError?.(error, 'claim');
      return false;
    });
    void current.then((ran) => {
      if (stopped) return;
      timer = setTimeout(loop, ran ? 0 : (options.pollMs ?? 5_000));
      timer.unref();
    });
  };
  if (options.pollMs !== 0) loop();

  return {
    runOnce: () => {
      current = runOnce();
      return current;
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await current.catch(() => false);
    },
  };
}
