/**
 * A worker runs the handlers of the job kinds it knows, one job at a time, polling when idle. The web
 * process runs one (`homeroom serve`); `homeroom worker` runs one on its own, for districts that
 * separate web and background work.
 */
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import type { Database } from '../db/connect.js';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { claimNext, complete, fail } from './queue.js';

/**
 * What a handler gets besides its payload. `finish(trx)` marks the job done inside the handler's own
 * transaction: a handler whose work is one transaction (an email and its link) calls it there, so that
 * the work and the job's completion are written together — a worker that dies after the commit leaves a
 * finished job, not one that runs again and sends a second email (issue 18).
 */
export interface JobContext {
  database: Database;
  now: () => Date;
  finish: (trx: Kysely<DB>) => Promise<void>;
}

export type JobHandler = (payload: unknown, context: JobContext) => Promise<void>;

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
  /**
   * A test's fault-injection seam: true makes the worker stop after the handler, before it completes
   * the job or records a failure — what a process killed at that moment leaves behind.
   */
  dieBeforeComplete?: (kind: string) => boolean;
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
      const finish = (trx: Kysely<DB>) => complete(trx, job, id, options.now());
      await (options.handlers[job.kind] as JobHandler)(job.payload, { database: options.database, now: options.now, finish });
      if (options.dieBeforeComplete?.(job.kind)) return true;
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
