/**
 * Runs that finish their story (issue 18, item 4): a job's lease is short and renewed while the job
 * runs; a job whose holder's process is gone is taken over at once, not when its lease ends; a handler
 * whose job was taken over is told to stop; a nightly run whose process died ends "interrupted", and the
 * run that takes its work up says so.
 */
import { spawnSync } from 'node:child_process';
import { expect, it, vi } from 'vitest';
import { endAbandonedRuns, generateParentAccounts, recentRuns } from '../../src/domain/accounts/parent-generation.js';
import { loadDemo } from '../../src/domain/demo/load.js';
import { holderId } from '../../src/jobs/holders.js';
import { claimNext, enqueue } from '../../src/jobs/queue.js';
import { jobHandlers } from '../../src/jobs/registry.js';
import { LEASE_MS, startWorker } from '../../src/jobs/worker.js';
import { describeEachEngine } from '../support/db.js';
import { clock, MINUTE } from '../support/http.js';

/** The holder name a process on this machine that has ended would have left behind. */
function deadHolder(): string {
  const pid = Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);
  const [host, , tag, , scope] = holderId().split(':');
  return [host, pid, tag, '-', scope].join(':');
}

describeEachEngine('leases that follow their holder', (get) => {
  const time = clock('2026-11-25T15:00:00Z');
  const job = (id: number) => get().db.selectFrom('jobs').select(['status', 'attempts', 'locked_by', 'locked_until']).where('id', '=', id).executeTakeFirstOrThrow();
  const until = async (id: number) => new Date((await job(id)).locked_until as string).getTime();

  it('renews the lease of a long job, so no other worker takes it', async () => {
    let finishJob!: () => void;
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    const handlers = {
      'test.long': async () => {
        started();
        await new Promise<void>((resolve) => (finishJob = resolve));
      },
    };
    const id = (await enqueue(get().db, { kind: 'test.long' }, time.now()))!;
    const holder = startWorker({ database: get(), handlers, now: time.now, pollMs: 0, leaseMs: MINUTE, heartbeatMs: 5 });
    const ran = holder.runOnce();
    await running;
    expect(await until(id)).toBe(time.now().getTime() + MINUTE);
    // The job outlives its first lease twice over; each heartbeat moves the lease on.
    for (let i = 0; i < 4; i++) {
      time.advance(MINUTE / 2);
      await vi.waitFor(async () => expect(await until(id)).toBe(time.now().getTime() + MINUTE));
    }
    const other = startWorker({ database: get(), handlers, now: time.now, pollMs: 0, leaseMs: MINUTE });
    expect(await other.runOnce()).toBe(false);
    finishJob();
    await ran;
    expect(await job(id)).toMatchObject({ status: 'done', attempts: 1 });
    await holder.stop();
    await other.stop();
  });

  it('tells a handler to stop when another worker took its job over', async () => {
    let seen: unknown = null;
    const id = (await enqueue(get().db, { kind: 'test.watch' }, time.now()))!;
    const worker = startWorker({
      database: get(),
      now: time.now,
      pollMs: 0,
      heartbeatMs: 5,
      handlers: {
        'test.watch': async (_payload, { signal }) => {
          // What a takeover after a stalled holder's lease ran out writes.
          await get().db.updateTable('jobs').set({ locked_by: 'another-worker' }).where('id', '=', id).execute();
          await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve()));
          seen = signal.reason;
          signal.throwIfAborted();
        },
      },
    });
    expect(await worker.runOnce()).toBe(true);
    await worker.stop();
    expect(String(seen)).toContain('taken over by another worker');
    // The job is the new holder's: the stopped handler wrote neither a failure nor a completion.
    expect(await job(id)).toMatchObject({ status: 'running', attempts: 1, locked_by: 'another-worker' });
  });

  it('takes over at once a job whose holder process is gone, and leaves living and unknown holders alone', async () => {
    const ran: string[] = [];
    const handlers = { 'test.orphan': async (payload: unknown) => void ran.push((payload as { name: string }).name) };
    const { db, dialect } = get();
    const holders = { dead: deadHolder(), alive: holderId(), elsewhere: `another-host:${process.pid}:abc123:-:-` };
    const ids: Record<string, number> = {};
    for (const [name, holder] of Object.entries(holders)) {
      ids[name] = (await enqueue(db, { kind: 'test.orphan', payload: { name } }, time.now()))!;
      expect((await claimNext(db, dialect, holder, ['test.orphan'], time.now(), LEASE_MS))?.id).toBe(ids[name]);
    }
    const released: number[][] = [];
    // A worker that polls releases at its start and runs the dead holder's job with no time passing.
    const worker = startWorker({ database: get(), handlers, now: time.now, pollMs: 10, onReleased: (list) => released.push(list) });
    await vi.waitFor(async () => expect((await job(ids.dead!)).status).toBe('done'));
    await worker.stop();
    expect(released).toEqual([[ids.dead]]);
    expect(ran).toEqual(['dead']);
    expect(await job(ids.dead!)).toMatchObject({ status: 'done', attempts: 2 });
    expect(await job(ids.alive!)).toMatchObject({ status: 'running', locked_by: holders.alive });
    expect(await job(ids.elsewhere!)).toMatchObject({ status: 'running', locked_by: holders.elsewhere });
    // The others wait for their lease to end, then run.
    time.advance(LEASE_MS + 1);
    const later = startWorker({ database: get(), handlers, now: time.now, pollMs: 0 });
    while (await later.runOnce());
    await later.stop();
    expect(ran.sort()).toEqual(['alive', 'dead', 'elsewhere']);
  });
});

describeEachEngine('nightly runs that finish their story', (get) => {
  const time = clock('2026-11-25T08:00:00Z');
  /** a worker for one kind of job (the demo's welcome emails wait in the queue too) */
  const workerFor = (kind: string) =>
    startWorker({ database: get(), handlers: { [kind]: jobHandlers({ baseUrl: 'http://portal.test' })[kind]! }, now: time.now, pollMs: 0 });
  const runs = () => get().db.selectFrom('account_generation_runs').select(['id', 'status', 'resumed_from', 'job_id', 'finished_at']).orderBy('id').execute();
  const deadRun = async (fields: { holder: string; job_id?: number }) =>
    (
      await get()
        .db.insertInto('account_generation_runs')
        .values({ started_at: time.now().toISOString(), finished_at: null, started_by: null, error: null, ...fields })
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id;

  it('ends a run whose process died as interrupted, and the next run resumes it', async () => {
    await loadDemo(get(), { students: 20, seed: 41, startYear: 2026 });
    const dead = await deadRun({ holder: deadHolder() });
    time.advance(MINUTE);
    const summary = await generateParentAccounts(get().db, { now: time.now });
    expect(summary.resumedFrom).toBe(dead);
    expect(await runs()).toEqual([
      { id: dead, status: 'interrupted', resumed_from: null, job_id: null, finished_at: expect.anything() },
      { id: summary.runId, status: 'done', resumed_from: dead, job_id: null, finished_at: expect.anything() },
    ]);
    const listed = await recentRuns(get().db);
    expect(listed[0]).toMatchObject({ id: summary.runId, resumed_started_at: expect.anything() });
    expect(new Date(listed[0]!.resumed_started_at as string).getTime()).toBe(time.now().getTime() - MINUTE);
    // Only once: a later run resumes nothing.
    expect((await generateParentAccounts(get().db, { now: time.now })).resumedFrom).toBeNull();
  });

  it('leaves a run of a living process running', async () => {
    const living = await deadRun({ holder: holderId() });
    expect(await endAbandonedRuns(get().db, time.now())).toEqual([]);
    expect((await runs()).find((r) => r.id === living)?.status).toBe('running');
    await get().db.deleteFrom('account_generation_runs').where('id', '=', living).execute();
  });

  it('ends the run of a job that was taken over, and the worker that took it resumes it', async () => {
    const { db, dialect } = get();
    const jobId = (await enqueue(db, { kind: 'accounts.generate', payload: {} }, time.now()))!;
    // A worker on another machine claimed the job, started its run and went silent.
    const silent = `other-host:4242:abc123:-:-`;
    await claimNext(db, dialect, silent, ['accounts.generate'], time.now(), LEASE_MS);
    const stalled = await deadRun({ holder: silent, job_id: jobId });
    expect(await endAbandonedRuns(db, time.now())).toEqual([]);
    time.advance(LEASE_MS + 1);
    const worker = workerFor('accounts.generate');
    expect(await worker.runOnce()).toBe(true);
    await worker.stop();
    const [before, after] = (await runs()).slice(-2);
    expect(before).toMatchObject({ id: stalled, status: 'interrupted', job_id: jobId });
    expect(after).toMatchObject({ status: 'done', job_id: jobId, resumed_from: stalled });
  });

  it('ends the run of a job that has moved on without it (housekeeping, for other machines)', async () => {
    const { db, dialect } = get();
    const jobId = (await enqueue(db, { kind: 'accounts.generate', payload: {} }, time.now()))!;
    const holder = `other-host:4243:abc123:-:-`;
    await claimNext(db, dialect, holder, ['accounts.generate'], time.now(), LEASE_MS);
    const orphan = await deadRun({ holder, job_id: jobId });
    // its lease ran out and nobody has taken the job yet
    time.advance(LEASE_MS + 1);
    await enqueue(db, { kind: 'accounts.housekeeping' }, time.now());
    const worker = workerFor('accounts.housekeeping');
    expect(await worker.runOnce()).toBe(true);
    await worker.stop();
    expect((await runs()).find((r) => r.id === orphan)?.status).toBe('interrupted');
  });
});
