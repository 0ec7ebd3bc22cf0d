/**
 * The background passes of a web process (the outbox's delivery, the job worker's poll and heartbeat)
 * never wait for SQLite's write lock. better-sqlite3 waits for a lock synchronously: a pass that waited
 * stopped the whole process — every page — for the busy timeout (5 s) at each poll while an import held
 * the lock (BENCHMARKS.md, "the portal during a 1 % delta"). Here another thread holds the lock for as
 * long as the test wants; without the fix each pass below throws SQLITE_BUSY after waiting.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/connect.js';
import { deliverPending, enqueueEmail, type Transport } from '../../src/email/outbox.js';
import { claimNext, enqueue, renewLease } from '../../src/jobs/queue.js';
import { holdWriteLock, sqliteFilePerTest } from '../support/sqlite-lock.js';

describe('background writes while another connection holds the SQLite write lock', () => {
  let database: Database;
  let file: string;
  const sqlite = sqliteFilePerTest('background');
  beforeEach(() => {
    database = sqlite.database();
    file = sqlite.file();
  });
  const now = new Date('2027-02-09T18:00:00Z');

  it('the outbox pass sends nothing and claims nothing while the lock is held, then sends everything', async () => {
    await enqueueEmail(database.db, { kind: 'notice', to: 'a@example.org', locale: 'en', subject: 'One', text: 'one', html: '<p>one</p>' }, now);
    // A message whose send was interrupted (claimed, then the process stopped): counted as sent by the next pass.
    await enqueueEmail(database.db, { kind: 'notice', to: 'b@example.org', locale: 'en', subject: 'Two', text: 'two', html: '<p>two</p>' }, now);
    await database.db.updateTable('email_outbox').set({ sending_at: '2027-02-09T17:00:00.000Z', attempts: 1 }).where('subject', '=', 'Two').execute();
    const sent: string[] = [];
    const transport: Transport = { send: async (m) => void sent.push(m.subject) };
    const lock = await holdWriteLock(file);
    try {
      expect(await deliverPending(database.db, transport, { from: 'portal@example.org', now: () => now })).toBe(0);
      expect(sent).toEqual([]);
    } finally {
      await lock.release();
    }
    const rows = await database.db.selectFrom('email_outbox').select(['subject', 'attempts', 'sent_at']).orderBy('id').execute();
    expect(rows).toEqual([
      { subject: 'One', attempts: 0, sent_at: null },
      { subject: 'Two', attempts: 1, sent_at: null },
    ]);
    expect(await deliverPending(database.db, transport, { from: 'portal@example.org', now: () => now })).toBe(1);
    expect(sent).toEqual(['One']);
    const after = await database.db.selectFrom('email_outbox').select(['subject', 'sent_at']).orderBy('id').execute();
    expect(after.map((r) => [r.subject, r.sent_at !== null])).toEqual([
      ['One', true],
      ['Two', true],
    ]);
  });

  it("the worker's poll claims nothing and its heartbeat keeps the lease while the lock is held; both work after", async () => {
    const held = await enqueue(database.db, { kind: 'first' }, now);
    const claimed = await claimNext(database.db, 'sqlite', 'worker-a', ['first', 'second'], now, 120_000);
    expect(claimed?.id).toBe(held);
    const due = await enqueue(database.db, { kind: 'second' }, now);
    const lock = await holdWriteLock(file);
    try {
      expect(await claimNext(database.db, 'sqlite', 'worker-a', ['second'], now, 120_000)).toBeNull();
      // Unknown, not lost: nobody else can take the job over while the lock is held either.
      expect(await renewLease(database.db, held!, 'worker-a', new Date(now.getTime() + 60_000), 120_000)).toBe(true);
    } finally {
      await lock.release();
    }
    expect((await claimNext(database.db, 'sqlite', 'worker-a', ['second'], now, 120_000))?.id).toBe(due);
    expect(await renewLease(database.db, held!, 'worker-a', new Date(now.getTime() + 60_000), 120_000)).toBe(true);
    expect(await renewLease(database.db, held!, 'worker-b', new Date(now.getTime() + 60_000), 120_000)).toBe(false);
    // Nothing due: the poll answers without writing.
    expect(await claimNext(database.db, 'sqlite', 'worker-a', ['second'], now, 120_000)).toBeNull();
  });
  it("a message's sent mark waits for the lock without stopping the process, and is written once the lock is free", async () => {
    await enqueueEmail(database.db, { kind: 'notice', to: 'c@example.org', locale: 'en', subject: 'Three', text: 'three', html: '<p>three</p>' }, now);
    let lock: { release(): Promise<void> } | null = null;
    // The lock is taken by another connection while the message is on its way (after the claim, before the mark).
    const transport: Transport = {
      send: async () => {
        lock = await holdWriteLock(file);
      },
    };
    const pass = deliverPending(database.db, transport, { from: 'portal@example.org', now: () => now });
    while (lock === null) await new Promise((resolve) => setTimeout(resolve, 5));
    // The process goes on: timers fire while the mark waits (a synchronous wait would hold them all).
    for (let i = 0; i < 5; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    const meanwhile = await database.db.selectFrom('email_outbox').select(['sent_at', 'sending_at']).where('subject', '=', 'Three').executeTakeFirstOrThrow();
    expect(meanwhile.sent_at).toBeNull();
    expect(meanwhile.sending_at).not.toBeNull();
    await (lock as unknown as { release(): Promise<void> }).release();
    expect(await pass).toBe(1);
    const after = await database.db.selectFrom('email_outbox').select(['sent_at', 'sending_at']).where('subject', '=', 'Three').executeTakeFirstOrThrow();
    expect(after.sent_at).not.toBeNull();
    expect(after.sending_at).toBeNull();
  });
});
