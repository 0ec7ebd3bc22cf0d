/**
 * A worker runs the handlers of the job kinds it knows, one job at a time, polling when idle. The web
 * process runs one (`homeroom serve`); `homeroom worker` runs one on its own, for districts that
 * separate web and background work.
 *
 * Leases are short (two minutes) and renewed by a heartbeat while a job runs, so that a job whose
 * process died is taken again within minutes, however long the job itself takes. A worker that starts,
 * and every idle poll, also ends the leases of holders on the same machine whose process is known to be
 * gone (holders.ts): their jobs run again at once. A handler whose lease was taken over sees its
 * `signal` aborted and stops at its next step.
 */
import type { Database } from '../db/connect.js';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { faultPoint } from './faults.js';
import { holderGone, holderId } from './holders.js';
import { claimNext, complete, fail, releaseAbandoned, renewLease } from './queue.js';

export const LEASE_MS = 2 * 60_000;

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
  /** the job's id and its holder (this worker): what a run records as its owner */
  jobId: number;
  holder: string;
  /** aborted when the lease was lost (another worker took the job over): stop at the next step */
  signal: AbortSignal;
}

export type JobHandler = (payload: unknown, context: JobContext) => Promise<void>;

export interface Worker {
  /** this worker's holder name (holders.ts) */
  id: string;
  /** ends the leases of jobs whose holder is known to be gone (done at start and when idle, unless pollMs is 0) */
  recover(): Promise<number[]>;
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
  /** how often a running job's lease is renewed; a quarter of the lease unless told */
  heartbeatMs?: number;
  onError?: (error: unknown, kind: string) => void;
  /** told of jobs whose dead holder's lease this worker ended */
  onReleased?: (jobIds: number[]) => void;
  /** whether a holder's process is gone (holders.ts; tests give their own) */
  isGone?: (holder: string | null) => boolean;
  /**
   * A test's fault-injection seam: true makes the worker stop after the handler, before it completes
   * the job or records a failure — what a process killed at that moment leaves behind.
   */
  dieBeforeComplete?: (kind: string) => boolean;
}): Worker {
  const id = holderId();
  const kinds = Object.keys(options.handlers);
  const leaseMs = options.leaseMs ?? LEASE_MS;
  const heartbeatMs = options.heartbeatMs ?? Math.floor(leaseMs / 4);
  const isGone = options.isGone ?? holderGone;
  let stopped = false;
  let current: Promise<boolean> = Promise.resolve(false);

  const release = async () => {
    const released = await releaseAbandoned(options.database.db, options.now(), isGone);
    if (released.length > 0) options.onReleased?.(released);
    return released;
  };

  const runOnce = async (): Promise<boolean> => {
    const { db, dialect } = options.database;
    const job = await claimNext(db, dialect, id, kinds, options.now(), leaseMs);
    if (!job) return false;
    const lease = new AbortController();
    const heartbeat = setInterval(() => {
      renewLease(db, job.id, id, options.now(), leaseMs)
        .then((held) => {
          if (!held) lease.abort(new Error('the job was taken over by another worker'));
        })
        .catch((error: unknown) => options.onError?.(error, `${job.kind} (heartbeat)`));
    }, heartbeatMs);
    heartbeat.unref();
    try {
      const finish = (trx: Kysely<DB>) => complete(trx, job, id, options.now());
      const context: JobContext = { database: options.database, now: options.now, finish, jobId: job.id, holder: id, signal: lease.signal };
      await (options.handlers[job.kind] as JobHandler)(job.payload, context);
      faultPoint('job.after-work');
      if (options.dieBeforeComplete?.(job.kind)) return true;
      await complete(db, job, id, options.now());
    } catch (error) {
      options.onError?.(error, job.kind);
      await fail(db, job, id, error, options.now());
    } finally {
      clearInterval(heartbeat);
    }
    return true;
  };

  let timer: NodeJS.Timeout | undefined;
  const loop = () => {
    if (stopped) return;
    current = runOnce()
      .then(async (ran) => {
        // Idle: look for jobs whose holder died, so that they run now rather than when the lease ends.
        if (!ran) await release();
        return ran;
      })
      .catch((error: unknown) => {
        options.onError?.(error, 'claim');
        return false;
      });
    void current.then((ran) => {
      if (stopped) return;
      timer = setTimeout(loop, ran ? 0 : (options.pollMs ?? 5_000));
      timer.unref();
    });
  };
  if (options.pollMs !== 0) {
    current = release()
      .catch((error: unknown) => options.onError?.(error, 'release'))
      .then(() => false as const);
    void current.then(loop);
  }

  return {
    id,
    recover: release,
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
