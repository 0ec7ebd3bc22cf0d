import { beforeEach, expect, it } from 'vitest';
import { connect } from '../../src/db/connect.js';
import { claimNext, complete, enqueue, fail, retryDelayMs } from '../../src/jobs/queue.js';
import { enqueueSlot, nextRun, startScheduler } from '../../src/jobs/scheduler.js';
import { startWorker } from '../../src/jobs/worker.js';
import { describeEachEngine } from '../support/db.js';

const NOW = new Date('2026-11-25T12:00:00.000Z');
const later = (ms: number) => new Date(NOW.getTime() + ms);

describeEachEngine('job queue', (get, engine) => {
  beforeEach(async () => {
    await get().db.deleteFrom('jobs').execute();
  });

  it('enqueues once per unique key, and hands out due jobs oldest first', async () => {
    const { db, dialect } = get();
    expect(await enqueue(db, { kind: 'a', uniqueKey: 'a@1' }, NOW)).toBeTypeOf('number');
    expect(await enqueue(db, { kind: 'a', uniqueKey: 'a@1' }, NOW)).toBeNull();
    await enqueue(db, { kind: 'a', payload: { n: 2 }, runAt: later(-1000) }, NOW);
    await enqueue(db, { kind: 'a', payload: { n: 3 }, runAt: later(60_000) }, NOW);
    await enqueue(db, { kind: 'b' }, NOW);
    const first = await claimNext(db, dialect, 'w1', ['a'], NOW, 60_000);
    expect(first?.payload).toEqual({ n: 2 });
    const second = await claimNext(db, dialect, 'w1', ['a'], NOW, 60_000);
    expect(second?.kind).toBe('a');
    expect(await claimNext(db, dialect, 'w1', ['a'], NOW, 60_000)).toBeNull();
    await complete(db, first!, 'w1', NOW);
    await complete(db, second!, 'w1', NOW);
    expect((await claimNext(db, dialect, 'w1', ['a'], later(61_000), 60_000))?.payload).toEqual({ n: 3 });
  });

  it('retries a failed job with back-off, then gives up', async () => {
    const { db, dialect } = get();
    await enqueue(db, { kind: 'flaky', maxAttempts: 2 }, NOW);
    const job = await claimNext(db, dialect, 'w', ['flaky'], NOW, 60_000);
    await fail(db, job!, 'w', new Error('mail server down'), NOW);
    expect(await claimNext(db, dialect, 'w', ['flaky'], later(retryDelayMs(1) - 1), 60_000)).toBeNull();
    const again = await claimNext(db, dialect, 'w', ['flaky'], later(retryDelayMs(1)), 60_000);
    expect(again?.attempts).toBe(2);
    await fail(db, again!, 'w', new Error('still down'), later(retryDelayMs(1)));
    const row = await db.selectFrom('jobs').selectAll().executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: 'failed', attempts: 2, last_error: 'still down' });
  });

  it('gives the job of a worker that died to another one when its lease ends', async () => {
    const { db, dialect } = get();
    await enqueue(db, { kind: 'long' }, NOW);
    const lost = await claimNext(db, dialect, 'dead', ['long'], NOW, 60_000);
    expect(await claimNext(db, dialect, 'alive', ['long'], later(30_000), 60_000)).toBeNull();
    const taken = await claimNext(db, dialect, 'alive', ['long'], later(61_000), 60_000);
    expect(taken?.id).toBe(lost?.id);
    // The dead worker coming back cannot mark it done; the live one can.
    await complete(db, lost!, 'dead', later(62_000));
    expect((await db.selectFrom('jobs').select('status').executeTakeFirstOrThrow()).status).toBe('running');
    await complete(db, taken!, 'alive', later(62_000));
    expect((await db.selectFrom('jobs').select('status').executeTakeFirstOrThrow()).status).toBe('done');
  });

  it('never gives one job to two workers at once', async () => {
    const { db } = get();
    for (let i = 0; i < 30; i++) await enqueue(db, { kind: 'race', payload: { i } }, NOW);
    // Two separate connections (pools) on PostgreSQL; SQLite has one writer anyway.
    const url = get().url;
    const other = engine === 'postgres' && url ? await connect(url, { poolSize: 2 }) : get();
    try {
      const claim = async (database: typeof other, w: string) => {
        const got: number[] = [];
        for (;;) {
          const job = await claimNext(database.db, database.dialect, w, ['race'], NOW, 60_000);
          if (!job) return got;
          got.push(job.id);
        }
      };
      const [a, b] = await Promise.all([claim(get(), 'w1'), claim(other, 'w2')]);
      expect(a.length + b.length).toBe(30);
      expect(new Set([...a, ...b]).size).toBe(30);
    } finally {
      if (other !== get()) await other.close();
    }
  });

  it('runs handlers in a worker and records failures', async () => {
    const seen: unknown[] = [];
    const worker = startWorker({
      database: get(),
      now: () => NOW,
      pollMs: 0,
      handlers: {
        ok: async (payload) => void seen.push(payload),
        broken: async () => {
          throw new Error('boom');
        },
      },
    });
    await enqueue(get().db, { kind: 'ok', payload: { hello: 'world' } }, NOW);
    await enqueue(get().db, { kind: 'broken' }, NOW);
    expect(await worker.runOnce()).toBe(true);
    expect(await worker.runOnce()).toBe(true);
    expect(await worker.runOnce()).toBe(false);
    await worker.stop();
    expect(seen).toEqual([{ hello: 'world' }]);
    const rows = await get().db.selectFrom('jobs').select(['kind', 'status', 'last_error']).orderBy('id').execute();
    expect(rows).toEqual([
      { kind: 'ok', status: 'done', last_error: null },
      { kind: 'broken', status: 'queued', last_error: 'boom' },
    ]);
  });

  it('schedules in the district time zone, one job per slot', async () => {
    // 02:00 in Chicago on 26 November is 08:00 UTC; in July it is 07:00 UTC (daylight time).
    expect(nextRun('0 2 * * *', 'America/Chicago', NOW)?.toISOString()).toBe('2026-11-26T08:00:00.000Z');
    expect(nextRun('0 2 * * *', 'America/Chicago', new Date('2026-07-01T12:00:00Z'))?.toISOString()).toBe('2026-07-02T07:00:00.000Z');
    const schedule = { kind: 'nightly', pattern: '0 2 * * *', timeZone: 'America/Chicago' };
    const slot = new Date('2026-11-26T08:00:00.000Z');
    expect(await enqueueSlot(get().db, schedule, slot, NOW)).toBeTypeOf('number');
    expect(await enqueueSlot(get().db, schedule, slot, NOW)).toBeNull();
    expect(await get().db.selectFrom('jobs').select('unique_key').execute()).toEqual([{ unique_key: 'nightly@2026-11-26T08:00:00.000Z' }]);
  });

  it('enqueues a job when its schedule fires', async () => {
    // Every second (croner reads a sixth field as seconds): one slot must fire within 1.5 s.
    const scheduler = startScheduler({ db: get().db, schedules: [{ kind: 'tick', pattern: '* * * * * *', timeZone: 'UTC' }], now: () => new Date() });
    try {
      await new Promise((r) => setTimeout(r, 1_500));
    } finally {
      scheduler.stop();
    }
    const jobs = await get().db.selectFrom('jobs').select(['kind', 'unique_key']).execute();
    expect(jobs.length).toBeGreaterThanOrEqual(1);
    expect(jobs.every((j) => j.kind === 'tick' && /^tick@\d{4}-\d{2}-\d{2}T/.test(j.unique_key ?? ''))).toBe(true);
  });
});
