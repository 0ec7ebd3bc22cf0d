/**
 * The low-balance notices of a point-of-sale import are written after its commit, by jobs queued in the
 * import's transaction (issue 24, ADR 0040's revisit of 2026-12-07, later): nothing before the commit, a
 * dry run queues nothing, a committed import is told once even when the process dies between the commit
 * and the job or a worker dies after the job's work, and the balance told is the one the import left,
 * not the one the job finds. Every balance below is worked out by hand from the steps.
 */
import type { Kysely } from 'kysely';
import { beforeAll, expect, it } from 'vitest';
import type { DB } from '../../src/db/schema.js';
import { officeScope, type StaffActor } from '../../src/domain/access/staff.js';
import { setThreshold } from '../../src/domain/meals/family.js';
import { importMeals } from '../../src/domain/meals/import.js';
import { LOW_BALANCE_JOB, runLowBalanceNotices } from '../../src/domain/meals/low-balance.js';
import { recordOfficeEntry } from '../../src/domain/meals/office.js';
import { jobHandlers } from '../../src/jobs/registry.js';
import { LEASE_MS, startWorker } from '../../src/jobs/worker.js';
import { describeEachEngine } from '../support/db.js';
import { guardianWithChild, schoolYear, staffMember, type Family } from '../support/factories.js';
import { runJobs } from '../support/jobs.js';

// 18:00 UTC is noon in Chicago: outside the district's quiet hours.
const NOW = new Date('2027-02-09T18:00:00Z');
const ZONE = 'America/Chicago';

describeEachEngine('the low-balance notices of an import, after its commit', (get) => {
  let db: Kysely<DB>;
  let office: StaffActor;
  /** Maya (00412): her mother Rosa has the district's $10 default */
  let rosa: Family;
  /** Leo (00413): his father Tom chose $5 */
  let tom: Family;
  /** Ana (00414): her mother Eva has the default */
  let eva: Family;
  let serial = 0;

  beforeAll(async () => {
    db = get().db;
    const world = await schoolYear(db, { today: '2027-02-09', timeZone: ZONE });
    rosa = await guardianWithChild(db, world, { student: { first: 'Maya', last: 'Ortiz', number: '00412' }, guardian: { first: 'Rosa', last: 'Ortiz' }, accounts: 'guardian' });
    tom = await guardianWithChild(db, world, { student: { first: 'Leo', last: 'Park', number: '00413' }, guardian: { first: 'Tom', last: 'Park' }, accounts: 'guardian' });
    eva = await guardianWithChild(db, world, { student: { first: 'Ana', last: 'Lind', number: '00414' }, guardian: { first: 'Eva', last: 'Lind' }, accounts: 'guardian' });
    expect(await setThreshold(db, tom.guardian.id, '5', NOW)).toEqual({ ok: true });
    const o = await staffMember(db, world, { first: 'Tia', last: 'Cole', roles: [{ role: 'office' }] });
    office = { scope: await officeScope(db, o.id), actorAccountId: o.account!.id, ip: null };
    // $12.00 each to start with (a deposit tells nobody).
    for (const f of [rosa, tom, eva]) await deposit(f, 1200);
  });

  const deposit = (f: Family, cents: number) => recordOfficeEntry(db, office, f.student.id, { kind: 'deposit', amountCents: cents, method: 'cash', checkNumber: null, reason: null }, NOW);
  /** A point-of-sale file: [student number, dollars] per purchase, each with a new transaction id. */
  const file = (...rows: [string, string][]) => Buffer.from(`transaction_id,student_number,time,amount,item\n${rows.map(([n, a]) => `J-${++serial},${n},2027-02-09 11:30,${a},Lunch`).join('\n')}\n`);
  const pos = (content: Buffer, dryRun = false) => importMeals(db, office, content, { file: 'pos.csv', timeZone: ZONE, dryRun, now: NOW });
  /** The balances told to a guardian, oldest first. */
  const told = async (f: Family) =>
    (await db.selectFrom('notifications').select('params').where('account_id', '=', f.guardianAccount!.id).where('kind', '=', 'mealLow').orderBy('id').execute()).map(
      (r) => (JSON.parse(r.params) as { balance: string }).balance,
    );
  const jobs = () => db.selectFrom('jobs').select(['id', 'status', 'payload']).where('kind', '=', LOW_BALANCE_JOB).orderBy('id').execute();
  const lastEntry = async (f: Family) => (await db.selectFrom('meal_ledger').select('id').where('student_id', '=', f.student.id).orderBy('id', 'desc').executeTakeFirstOrThrow()).id;

  it('queues the crossings with the import and tells nobody before the job; a process gone between the commit and the job loses nothing', async () => {
    // Maya: $12.00 − $2.00 − $1.25 = $8.75 (below $10, in two purchases: one crossing);
    // Leo: $12.00 − $3.00 = $9.00 (below the district's $10, a threshold in use, but not Tom's $5);
    // Ana: $12.00 − $1.50 = $10.50 (no threshold crossed).
    const report = await pos(file(['412', '2.00'], ['413', '3.00'], ['00412', '1.25'], ['414', '1.50']));
    expect([report.ok, report.added]).toEqual([true, 4]);
    // Committed: the balances moved, and nobody is told yet.
    for (const f of [rosa, tom, eva]) expect(await told(f)).toEqual([]);
    const queued = await jobs();
    expect(queued.map((j) => j.status)).toEqual(['queued']);
    expect(JSON.parse(queued[0]!.payload)).toEqual({
      moves: [
        [rosa.student.id, 1200, 875, await lastEntry(rosa)],
        [tom.student.id, 1200, 900, await lastEntry(tom)],
      ].sort((a, b) => a[0]! - b[0]!),
    });
    // The process that imported is gone; a worker started later runs the job.
    await runJobs(get(), () => NOW);
    expect(await told(rosa)).toEqual(['$8.75']);
    expect(await told(tom)).toEqual([]);
    expect(await told(eva)).toEqual([]);
    expect((await jobs()).map((j) => j.status)).toEqual(['done']);
  });

  it('tells the balance the import left, not the one the job finds', async () => {
    // Leo: $9.00 − $4.50 = $4.50, below Tom's $5; then, before the job runs, $20.00 at the office: $24.50.
    await pos(file(['413', '4.50']));
    await deposit(tom, 2000);
    expect(Number((await db.selectFrom('meal_accounts').select('balance_cents').where('student_id', '=', tom.student.id).executeTakeFirstOrThrow()).balance_cents)).toBe(2450);
    await runJobs(get(), () => NOW);
    expect(await told(tom)).toEqual(['$4.50']);
    expect(await told(rosa)).toEqual(['$8.75']);
  });

  it('a dry run queues nothing and tells nobody; a file imported again adds nothing and queues nothing', async () => {
    // Ana: $10.50 − $1.00 = $9.50 would cross $10.
    const content = file(['414', '1.00']);
    const before = (await jobs()).length;
    const dry = await pos(content, true);
    expect([dry.ok, dry.dryRun, dry.added]).toEqual([true, true, 1]);
    expect((await jobs()).length).toBe(before);
    await runJobs(get(), () => NOW);
    expect(await told(eva)).toEqual([]);
    // For real: queued once, told once.
    expect((await pos(content)).added).toBe(1);
    expect((await jobs()).length).toBe(before + 1);
    await runJobs(get(), () => NOW);
    expect(await told(eva)).toEqual(['$9.50']);
    // The same file again: no row, no move, no job.
    expect((await pos(content)).added).toBe(0);
    expect((await jobs()).length).toBe(before + 1);
  });

  it('a job run twice, or taken over after its worker died with the work done, tells each guardian once', async () => {
    // Back up: Maya $8.75 + $5.00 = $13.75, Ana $9.50 + $5.00 = $14.50. Then Maya − $4.00 = $9.75, Ana − $5.00 = $9.50: both cross $10 again.
    await deposit(rosa, 500);
    await deposit(eva, 500);
    await pos(file(['412', '4.00'], ['414', '5.00']));
    const [job] = (await jobs()).filter((j) => j.status === 'queued');
    expect(job).toBeDefined();
    // A worker that dies after the job's work, before marking it done (as kill -9 would leave it).
    const handlers = jobHandlers({ baseUrl: 'http://portal.test' });
    const doomed = startWorker({ database: get(), handlers, now: () => NOW, pollMs: 0, dieBeforeComplete: () => true, isGone: () => false });
    expect(await doomed.runOnce()).toBe(true);
    await doomed.stop();
    expect(await told(rosa)).toEqual(['$8.75', '$9.75']);
    expect(await told(eva)).toEqual(['$9.50', '$9.50']);
    // Its lease runs out; another worker takes the job and runs it again: nothing more.
    const later = new Date(NOW.getTime() + LEASE_MS + 60_000);
    const healthy = startWorker({ database: get(), handlers, now: () => later, pollMs: 0, isGone: () => false });
    expect(await healthy.runOnce()).toBe(true);
    await healthy.stop();
    expect((await db.selectFrom('jobs').select('status').where('id', '=', job!.id).executeTakeFirstOrThrow()).status).toBe('done');
    // And its payload run once more by hand: nothing written.
    expect(await runLowBalanceNotices(db, JSON.parse(job!.payload), () => later)).toBe(0);
    expect(await told(rosa)).toEqual(['$8.75', '$9.75']);
    expect(await told(eva)).toEqual(['$9.50', '$9.50']);
    expect(await told(tom)).toEqual(['$4.50']);
  });

  it('refuses a payload that is not a list of moves', async () => {
    await expect(runLowBalanceNotices(db, { moves: [[1, 2, 3]] }, () => NOW)).rejects.toThrow();
    await expect(runLowBalanceNotices(db, {}, () => NOW)).rejects.toThrow();
  });
});
