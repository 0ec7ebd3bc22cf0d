/**
 * An import holds no write lock while it reads its package (issue 20, ADR 0028): the package is staged
 * into the run connection's temporary tables outside any write transaction, and only checks and apply
 * take one. While a run is held in the middle of its staging, another connection commits a write
 * (on SQLite with no busy timeout: a held write lock would fail it at once), a second import runs to
 * its end without marking the live run failed, and a job worker's lease heartbeat keeps being written.
 * Both engines; SQLite in a file, since an in-memory database has no second connection.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { connect, type Database, type Dialect } from '../../src/db/connect.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { importPackage, type ImportReport } from '../../src/domain/oneroster/load/index.js';
import { ProblemSink, type OneRosterFile, type OneRosterPackage, type RecordOf } from '../../src/domain/oneroster/records.js';
import { enqueue } from '../../src/jobs/queue.js';
import { startWorker } from '../../src/jobs/worker.js';
import { ENGINES, freshDatabase } from '../support/db.js';
import { clock, MINUTE } from '../support/http.js';
import { bulkRecords, enrollment, memoryPackage, NOW, role, user, demographic, type Records } from '../support/oneroster.js';

/** A package that stops in the middle of `file` (after its `after`-th record) until released. */
function heldPackage(records: Records, file: OneRosterFile, after: number) {
  const inner = memoryPackage(records);
  let release!: () => void;
  let reached!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const atGate = new Promise<void>((resolve) => (reached = resolve));
  const pkg: OneRosterPackage = {
    ...inner,
    async *rows<K extends OneRosterFile>(f: K): AsyncIterable<RecordOf[K]> {
      let n = 0;
      for await (const r of inner.rows(f)) {
        yield r;
        n += 1;
        if (f === file && n === after) {
          reached();
          await gate;
        }
      }
    },
  };
  return { pkg, atGate, release };
}

/** The tests' district with more students, so that the enrollments file has rows to stop in. */
function district(): Records {
  const records = bulkRecords();
  for (let i = 0; i < 20; i++) {
    records.users!.push(user(`X${i}`, `Student${i}`, 'Extra', { identifier: `9${String(i).padStart(5, '0')}`, grades: [9], primaryOrgSourcedId: 'S1' }));
    records.roles!.push(role(`X${i}`, 'student', 'S1'));
    records.enrollments!.push(enrollment(`XE${i}`, 'K1', `X${i}`, 'student', 'S1'));
    records.demographics!.push(demographic(`X${i}`, '2011-05-06'));
  }
  return records;
}

const run = (database: Database, pkg: OneRosterPackage, now = NOW): Promise<ImportReport> =>
  importPackage(database, pkg, new ProblemSink(), { dryRun: false, now, actorAccountId: null });

const count = async (database: Database, table: 'students' | 'section_enrollments') =>
  Number((await database.db.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

const runStatus = async (database: Database, id: number) => (await database.db.selectFrom('import_runs').select('status').where('id', '=', id).executeTakeFirstOrThrow()).status;

for (const engine of ENGINES) {
  describe(`an import reads its package without the write lock [${engine}]`, () => {
    let url = '';
    let cleanup: () => Promise<void> = async () => undefined;
    const open: Database[] = [];
    /** a new connection (a pool on PostgreSQL) to the test's database */
    const connection = async () => {
      const database = await connect(url);
      open.push(database);
      return database;
    };

    beforeAll(async () => {
      if (engine === 'sqlite') {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'homeroom-write-lock-'));
        url = `sqlite:${path.join(dir, 'test.sqlite')}`;
        const database = await connect(url);
        await migrateToLatest(database);
        await database.close();
        cleanup = async () => fs.rmSync(dir, { recursive: true, force: true });
      } else {
        const database = await freshDatabase(engine as Dialect);
        url = database.url!;
        cleanup = () => database.drop();
      }
    });
    afterAll(async () => {
      for (const database of open) await database.close();
      await cleanup();
    });

    it('another connection commits a write, and a second import runs, while the first is staging', async () => {
      const importing = await connection();
      const other = await connection();
      // SQLite: no waiting for a lock; a write lock held by the import would fail the write at once.
      if (engine === 'sqlite') await sql`pragma busy_timeout = 0`.execute(other.db);

      const held = heldPackage(district(), 'enrollments', 5);
      const first = run(importing, held.pkg);
      await held.atGate;

      // The run is logged as running; nothing it read is visible to anyone else.
      const [running] = await other.db.selectFrom('import_runs').select(['id', 'status']).execute();
      expect(running).toMatchObject({ status: 'running' });
      expect(await count(other, 'students')).toBe(0);

      // A staff-like write: a transaction (SQLite: `begin immediate`, the write lock) that commits.
      await other.db.transaction().execute((trx) => enqueue(trx, { kind: 'test.noop', payload: { at: 'staging' } }, NOW));
      expect(await other.db.selectFrom('jobs').select('kind').execute()).toEqual([{ kind: 'test.noop' }]);

      if (engine === 'sqlite') {
        // A second import on another connection reads, applies and commits while the first still reads;
        // it leaves the first run, whose process is alive, running.
        const second = await run(await connection(), memoryPackage(district()), new Date('2026-09-15T14:01:00.000Z'));
        expect(second.ok).toBe(true);
        expect(second.counts.students.created).toBe(22);
        expect(await runStatus(other, running!.id)).toBe('running');
      }

      held.release();
      const report = await first;
      expect(report.ok).toBe(true);
      expect(await runStatus(other, running!.id)).toBe('done');
      expect(await count(other, 'students')).toBe(22);
      expect(await count(other, 'section_enrollments')).toBe(22);
      // The write made meanwhile is kept.
      expect(await other.db.selectFrom('jobs').select('kind').execute()).toEqual([{ kind: 'test.noop' }]);
    });

    it("a job worker's lease heartbeat is written while an import job stages", async () => {
      const shared = await connection();
      const time = clock('2026-09-15T14:00:00Z');
      const held = heldPackage(district(), 'users', 3);
      let report: ImportReport | undefined;
      // As the upload job does on SQLite (jobs/registry.ts): the import gets a connection of its own,
      // while the worker renews the lease on the process's shared one.
      const handlers = {
        'test.import': async () => {
          const own = await connect(url);
          try {
            report = await run(own, held.pkg, time.now());
          } finally {
            await own.close();
          }
        },
      };
      const id = (await enqueue(shared.db, { kind: 'test.import', maxAttempts: 1 }, time.now()))!;
      const worker = startWorker({ database: shared, handlers, now: time.now, pollMs: 0, leaseMs: MINUTE, heartbeatMs: 5 });
      const ran = worker.runOnce();
      await held.atGate;
      const until = async () => new Date((await shared.db.selectFrom('jobs').select('locked_until').where('id', '=', id).executeTakeFirstOrThrow()).locked_until as string).getTime();
      // The run outlives its first lease twice over; every heartbeat moves the lease on.
      for (let i = 0; i < 4; i++) {
        time.advance(MINUTE / 2);
        await vi.waitFor(async () => expect(await until()).toBe(time.now().getTime() + MINUTE), { timeout: 5_000 });
      }
      held.release();
      expect(await ran).toBe(true);
      await worker.stop();
      expect(report?.ok).toBe(true);
      expect(await shared.db.selectFrom('jobs').select(['status', 'attempts']).where('id', '=', id).executeTakeFirstOrThrow()).toEqual({ status: 'done', attempts: 1 });
    });
  });
}
