/**
 * The nightly pickup with the real reader and loader (issue 20): the hand-written 1.2 fixture packages
 * dropped into a folder — a bulk package, a delta after it, an older bulk package it supersedes, one
 * still being written — are imported in order and moved aside; a package that fails stops the night.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connect } from '../../src/db/connect.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { importDropped } from '../../src/domain/oneroster/nightly.js';
import { enqueue } from '../../src/jobs/queue.js';
import { jobHandlers } from '../../src/jobs/registry.js';
import { startWorker } from '../../src/jobs/worker.js';
import { describeEachEngine } from '../support/db.js';

const FIXTURES = path.resolve(import.meta.dirname, '../fixtures/oneroster');
const NOW = new Date('2026-10-06T06:00:00Z');
const DAY = 86_400_000;

function drop(dir: string, fixture: string, name: string, changedAt: Date): void {
  const to = path.join(dir, name);
  fs.cpSync(path.join(FIXTURES, fixture), to, { recursive: true });
  for (const f of [...fs.readdirSync(to).map((n) => path.join(to, n)), to]) fs.utimesSync(f, changedAt, changedAt);
}

describeEachEngine('the nightly OneRoster pickup', (get) => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'homeroom-nightly-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const active = async () =>
    (await get().db.selectFrom('students').select(['sourced_id', 'enrollment_status']).where('sourced_id', 'is not', null).orderBy('sourced_id').execute()).map(
      (s) => `${s.sourced_id}:${s.enrollment_status}`,
    );

  it('imports the newest full package and the delta after it, in order; moves each aside; leaves what is still arriving', async () => {
    drop(dir, 'v12-bulk', 'old-full', new Date(NOW.getTime() - 3 * DAY));
    drop(dir, 'v12-bulk', 'full', new Date(NOW.getTime() - 2 * DAY));
    drop(dir, 'v12-delta', 'delta', new Date(NOW.getTime() - DAY));
    drop(dir, 'v12-delta', 'arriving', new Date(NOW.getTime() - 5_000));
    const result = await importDropped(get(), dir, () => NOW);
    expect(result.superseded).toEqual(['old-full']);
    expect(result.read.map((r) => [r.name, r.ok])).toEqual([
      ['full', true],
      ['delta', true],
    ]);
    expect(result.left).toEqual([]);
    expect(fs.readdirSync(dir).sort()).toEqual(['arriving', 'processed', 'superseded']);
    expect(fs.readdirSync(path.join(dir, 'processed')).sort()).toEqual(['2026-10-06T06-00-00-000Z-delta', '2026-10-06T06-00-00-000Z-full']);
    // The bulk package's 8 students; the delta took Ethan Brooks (stu-004) away.
    const students = await active();
    expect(students).toHaveLength(8);
    expect(students.find((s) => s.startsWith('stu-004:'))).not.toBe('stu-004:active');
    const runs = await get().db.selectFrom('import_runs').select(['status', 'source']).orderBy('id').execute();
    expect(runs.map((r) => [r.status, path.basename(r.source ?? '')])).toEqual([
      ['done', 'full'],
      ['done', 'delta'],
    ]);
  });

  it('a package that fails goes to failed/ and the packages after it wait for the next night', async () => {
    drop(dir, 'v12-bulk', 'full', new Date(NOW.getTime() - 3 * DAY));
    // A version Homeroom does not read: an error, nothing written.
    const manifest = path.join(dir, 'full', 'manifest.csv');
    fs.writeFileSync(manifest, fs.readFileSync(manifest, 'utf8').replace('oneroster.version,1.2', 'oneroster.version,9.9'));
    fs.utimesSync(manifest, new Date(NOW.getTime() - 3 * DAY), new Date(NOW.getTime() - 3 * DAY));
    drop(dir, 'v12-delta', 'delta', new Date(NOW.getTime() - DAY));
    const before = await active();
    const result = await importDropped(get(), dir, () => NOW);
    expect(result.read.map((r) => [r.name, r.ok])).toEqual([['full', false]]);
    expect(result.left).toEqual(['delta']);
    expect(fs.readdirSync(dir).sort()).toEqual(['delta', 'failed']);
    expect(await active()).toEqual(before);
  });

  it('an empty or missing folder: nothing to do', async () => {
    expect(await importDropped(get(), dir, () => NOW)).toEqual({ read: [], superseded: [], left: [] });
    expect(await importDropped(get(), path.join(dir, 'none'), () => NOW)).toEqual({ read: [], superseded: [], left: [] });
  });
});

describe('the nightly job on an embedded database file', () => {
  it('imports on a connection of its own: the worker’s connection is free meanwhile and sees the result', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'homeroom-nightly-job-'));
    const url = `sqlite:${path.join(dir, 'h.sqlite')}`;
    const inbox = path.join(dir, 'inbox');
    fs.mkdirSync(inbox);
    drop(inbox, 'v12-bulk', 'full', new Date(NOW.getTime() - DAY));
    const database = await connect(url);
    try {
      await migrateToLatest(database);
      await enqueue(database.db, { kind: 'oneroster.nightly' }, NOW);
      const worker = startWorker({ database, handlers: jobHandlers({ baseUrl: 'http://portal.test', importDir: inbox, databaseUrl: url }), now: () => NOW, pollMs: 0 });
      // While the job runs, this process's own connection answers (it is not the import's).
      const running = worker.runOnce();
      const during = await database.db.selectFrom('jobs').select('status').executeTakeFirstOrThrow();
      expect(['queued', 'running', 'done']).toContain(during.status);
      expect(await running).toBe(true);
      await worker.stop();
      const n = await database.db.selectFrom('students').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      expect(Number(n.n)).toBe(8);
      expect(fs.readdirSync(path.join(inbox, 'processed'))).toHaveLength(1);
    } finally {
      await database.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
