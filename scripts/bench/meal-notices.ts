/**
 * What the low-balance notices cost in a day's point-of-sale import (issue 24, ADR 0040): the demo
 * district with an account for every guardian with portal rights (as the nightly run would make them),
 * then a file of one $3.25 lunch per student — which takes every demo balance of $12.00 (one student in
 * nine) below the district's $10 default — as a dry run with Payments hidden (nothing decided), as a dry
 * run with it shown, then for real; then the `meals.low_balance` jobs the import queued are run by a
 * worker, as the background work would after the commit, and timed apart. Prints JSON.
 *
 *   tsx scripts/bench/meal-notices.ts <database-url> <students>
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { sql } from 'kysely';
import { connect, refreshPlannerStatistics } from '../../src/db/connect.js';
import { operatorScope } from '../../src/domain/access/staff.js';
import { getDistrictProfile } from '../../src/domain/district/service.js';
import { importMeals } from '../../src/domain/meals/import.js';
import { LOW_BALANCE_JOB } from '../../src/domain/meals/low-balance.js';
import { jobHandlers } from '../../src/jobs/registry.js';
import { startWorker } from '../../src/jobs/worker.js';

const [url, students] = process.argv.slice(2);
if (!url || !students) throw new Error('usage: meal-notices.ts <database-url> <students>');
const root = path.resolve(import.meta.dirname, '../..');
execFileSync(path.join(root, 'node_modules/.bin/tsx'), ['scripts/bench/demo-load.ts', url, students], { cwd: root, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
const database = await connect(url);
const db = database.db;
const stamp = '2026-07-01T12:00:00.000Z';
const instant = database.dialect === 'postgres' ? sql`cast(${stamp} as timestamptz)` : sql`${stamp}`;
// An account for every guardian with portal rights and none yet, with a confirmed address.
await sql`insert into user_accounts (username, username_key, password_hash, security_email, security_email_confirmed_at, person_kind, guardian_id, locale, created_at, updated_at)
  select 'bench-g' || cast(g.id as text), 'bench-g' || cast(g.id as text), null, 'g' || cast(g.id as text) || '@bench.example.org', ${instant}, 'guardian', g.id, null, ${instant}, ${instant}
    from guardians g
   where exists (select 1 from student_guardians sg where sg.guardian_id = g.id and sg.portal_access = 1 and sg.rights_revoked = 0)
     and not exists (select 1 from user_accounts ua where ua.guardian_id = g.id)`.execute(db);
// Planner statistics as they are by the time a district's accounts meet a change: housekeeping's on
// SQLite (within ten minutes of the accounts' night), autovacuum's ANALYZE on PostgreSQL.
if (!(await refreshPlannerStatistics(db))) await sql`analyze user_accounts`.execute(db);
const accounts = Number((await db.selectFrom('user_accounts').select((eb) => eb.fn.countAll().as('n')).where('person_kind', '=', 'guardian').executeTakeFirstOrThrow()).n);
const district = await getDistrictProfile(db);
const numbers = (await db.selectFrom('students').select('student_number').where('enrollment_status', '=', 'active').orderBy('id').execute()).map((s) => s.student_number);
const file = (prefix: string) => Buffer.from(`transaction_id,student_number,time,amount,item\n${numbers.map((n, i) => `${prefix}${i},${n},2026-12-04 11:${String(i % 60).padStart(2, '0')},3.25,Lunch`).join('\n')}\n`);
const actor = { scope: operatorScope(), actorAccountId: null, ip: null };
const time = async (content: Buffer, dryRun: boolean) => {
  const started = performance.now();
  const report = await importMeals(db, actor, content, { file: 'pos.csv', timeZone: district.timeZone, dryRun, now: new Date('2026-12-04T20:00:00Z') });
  if (!report.ok) throw new Error('refused');
  return { ms: Math.round(performance.now() - started), added: report.added };
};
const count = async () => Number((await db.selectFrom('notifications').select((eb) => eb.fn.countAll().as('n')).where('kind', '=', 'mealLow').executeTakeFirstOrThrow()).n);
// The same file as a dry run without notices (the district's Payments tool hidden: nothing is decided), then with them.
const settings = JSON.parse((await db.selectFrom('district').select('settings').executeTakeFirstOrThrow()).settings) as { tools: Record<string, boolean> };
await db.updateTable('district').set({ settings: JSON.stringify({ ...settings, tools: { ...settings.tools, payments: false } }) }).execute();
const without = await time(file('A'), true);
await db.updateTable('district').set({ settings: JSON.stringify(settings) }).execute();
const dryWith = await time(file('A'), true);
const real = await time(file('A'), false);
const noticesAtCommit = await count();
// The notices, written after the commit by the jobs the import queued (only this kind runs here).
const handlers = jobHandlers({ baseUrl: 'http://bench.test' });
const worker = startWorker({ database, handlers: { [LOW_BALANCE_JOB]: handlers[LOW_BALANCE_JOB]! }, now: () => new Date('2026-12-04T20:00:00Z'), pollMs: 0 });
const started = performance.now();
let jobs = 0;
while (await worker.runOnce()) jobs++;
await worker.stop();
const afterCommit = { ms: Math.round(performance.now() - started), jobs };
console.log(JSON.stringify({ engine: database.dialect, students: numbers.length, guardianAccounts: accounts, dryRunWithoutNotices: without, dryRunWithNotices: dryWith, imported: real, noticesAtCommit, noticesJobs: afterCommit, notices: await count() }));
await database.close();
