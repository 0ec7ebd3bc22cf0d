/**
 * The job queue: rows in `jobs`. A job is claimed by one worker with a lease (an UPDATE of the next due
 * row, `FOR UPDATE SKIP LOCKED` on PostgreSQL so several workers never wait on each other). The holder
 * renews its lease while the job runs (a heartbeat, worker.ts); a worker that dies leaves a lease that
 * runs out, and the job is claimed again — at once when another worker on the same machine can tell the
 * holder's process is gone (`releaseAbandoned`). Failures retry with back-off up to `max_attempts`. `unique_key` makes enqueueing idempotent (scheduled runs, one per slot).
 */
import { sql, type Kysely, type RawBuilder } from 'kysely';
import { writeUnlessBusy, type Dialect } from '../db/connect.js';
import type { DB } from '../db/schema.js';

export interface NewJob {
  kind: string;
  payload?: unknown;
  runAt?: Date;
  uniqueKey?: string;
  maxAttempts?: number;
}

function jobRow(job: NewJob, now: Date) {
  return {
    kind: job.kind,
    payload: JSON.stringify(job.payload ?? {}),
    run_at: (job.runAt ?? now).toISOString(),
    max_attempts: job.maxAttempts ?? 5,
    unique_key: job.uniqueKey ?? null,
    locked_by: null,
    locked_until: null,
    last_error: null,
    created_at: now.toISOString(),
    finished_at: null,
  };
}

/** Adds a job; returns its id, or null when a job with the same unique key already exists. */
export async function enqueue(db: Kysely<DB>, job: NewJob, now: Date): Promise<number | null> {
  const row = await db
    .insertInto('jobs')
    .values(jobRow(job, now))
    .onConflict((oc) => oc.column('unique_key').doNothing())
    .returning('id')
    .executeTakeFirst();
  return row?.id ?? null;
}

/** Adds many jobs in one statement (a batch of a bulk run); jobs whose unique key exists are left out. */
export async function enqueueMany(db: Kysely<DB>, jobs: NewJob[], now: Date): Promise<void> {
  if (jobs.length === 0) return;
  await db
    .insertInto('jobs')
    .values(jobs.map((job) => jobRow(job, now)))
    .onConflict((oc) => oc.column('unique_key').doNothing())
    .execute();
}

export interface ClaimedJob {
  id: number;
  kind: string;
  payload: unknown;
  attempts: number;
  maxAttempts: number;
}

/** Takes the next due job of these kinds for `workerId`, for `leaseMs`; null when none is due. */
export async function claimNext(
  db: Kysely<DB>,
  dialect: Dialect,
  workerId: string,
  kinds: string[],
  now: Date,
  leaseMs: number,
): Promise<ClaimedJob | null> {
  if (kinds.length === 0) return null;
  const t = now.toISOString();
  const until = new Date(now.getTime() + leaseMs).toISOString();
  const lock = dialect === 'postgres' ? sql`for update skip locked` : sql``;
  if (dialect === 'sqlite') {
    // A worker polls every few seconds, in a web process: on SQLite it writes only when a job is due, and
    // never waits for the write lock (better-sqlite3 waits synchronously, stopping the whole process while
    // an import holds the lock). A claim skipped for that is made at the next poll.
    const due = await sql<{ id: number }>`
      select id from jobs
       where kind in (${sql.join(kinds)})
         and ((status = 'queued' and run_at <= ${t}) or (status = 'running' and locked_until < ${t}))
       limit 1`.execute(db);
    if (due.rows.length === 0) return null;
    let claimed: ClaimedJob | null = null;
    await writeUnlessBusy(db, async (d) => {
      claimed = await claimWith(d, workerId, kinds, t, until, lock);
    });
    return claimed;
  }
  return claimWith(db, workerId, kinds, t, until, lock);
}

async function claimWith(db: Kysely<DB>, workerId: string, kinds: string[], t: string, until: string, lock: RawBuilder<unknown>): Promise<ClaimedJob | null> {
  const result = await sql<{ id: number; kind: string; payload: string; attempts: number; max_attempts: number }>`
    update jobs
       set status = 'running', locked_by = ${workerId}, locked_until = ${until}, attempts = attempts + 1
     where id = (
       select id from jobs
        where kind in (${sql.join(kinds)})
          and ((status = 'queued' and run_at <= ${t}) or (status = 'running' and locked_until < ${t}))
        order by run_at, id
        limit 1
        ${lock})
    returning id, kind, payload, attempts, max_attempts`.execute(db);
  const row = result.rows[0];
  if (!row) return null;
  return { id: row.id, kind: row.kind, payload: JSON.parse(row.payload) as unknown, attempts: row.attempts, maxAttempts: row.max_attempts };
}

/** Extends the lease of a job this worker holds; false when it no longer holds it (taken over, ended). */
export async function renewLease(db: Kysely<DB>, jobId: number, workerId: string, now: Date, leaseMs: number): Promise<boolean> {
  let held = true;
  // On SQLite a heartbeat does not wait for the write lock (see claimNext): while another connection
  // holds it, nobody can take the job over either, and the next heartbeat renews.
  await writeUnlessBusy(db, async (d) => {
    const result = await d
      .updateTable('jobs')
      .set({ locked_until: new Date(now.getTime() + leaseMs).toISOString() })
      .where('id', '=', jobId)
      .where('status', '=', 'running')
      .where('locked_by', '=', workerId)
      .executeTakeFirst();
    held = Number(result.numUpdatedRows) === 1;
  });
  return held;
}

/**
 * Ends at once the leases of running jobs whose holder is known to be gone (`isGone`, holders.ts), so
 * the next claim takes them instead of waiting for the lease to run out. Returns the jobs released.
 */
export async function releaseAbandoned(db: Kysely<DB>, now: Date, isGone: (holder: string | null) => boolean): Promise<number[]> {
  const running = await db
    .selectFrom('jobs')
    .select(['id', 'locked_by'])
    .where('status', '=', 'running')
    .where('locked_until', '>=', now.toISOString())
    .execute();
  const released: number[] = [];
  for (const job of running) {
    if (!isGone(job.locked_by)) continue;
    const result = await db
      .updateTable('jobs')
      .set({ locked_until: new Date(0).toISOString() })
      .where('id', '=', job.id)
      .where('status', '=', 'running')
      .where('locked_by', '=', job.locked_by)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 1) released.push(job.id);
  }
  return released;
}

/** Marks the running job done, in the transaction given: how a handler ends its job together with its work (worker.ts). */
export type JobFinish = (trx: Kysely<DB>) => Promise<void>;

export async function complete(db: Kysely<DB>, job: ClaimedJob, workerId: string, now: Date): Promise<void> {
  await db
    .updateTable('jobs')
    .set({ status: 'done', finished_at: now.toISOString(), locked_by: null, locked_until: null, last_error: null })
    .where('id', '=', job.id)
    .where('locked_by', '=', workerId)
    .execute();
}

/** Back-off after a failure: 30 s, 1 min, 2 min … up to an hour. */
export function retryDelayMs(attempts: number): number {
  return Math.min(30_000 * 2 ** Math.max(0, attempts - 1), 3_600_000);
}

export async function fail(db: Kysely<DB>, job: ClaimedJob, workerId: string, error: unknown, now: Date): Promise<void> {
  const last = job.attempts >= job.maxAttempts;
  await db
    .updateTable('jobs')
    .set({
      status: last ? 'failed' : 'queued',
      run_at: last ? now.toISOString() : new Date(now.getTime() + retryDelayMs(job.attempts)).toISOString(),
      finished_at: last ? now.toISOString() : null,
      locked_by: null,
      locked_until: null,
      last_error: String(error instanceof Error ? error.message : error).slice(0, 1000),
    })
    .where('id', '=', job.id)
    .where('locked_by', '=', workerId)
    .execute();
}
