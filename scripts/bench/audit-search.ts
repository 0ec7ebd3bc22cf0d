/**
 * What a search of the audit log costs on a district-scale log (ADR 0030): N rows (default 2,000,000)
 * written set-based into a fresh database, then each kind of search timed (median of 5, after one warm-up).
 *
 *   npx tsx scripts/bench/audit-search.ts [--rows N] [--engine sqlite|postgres]
 * PostgreSQL: TEST_DATABASE_URL (a server where it may create and drop a database).
 */
import { performance } from 'node:perf_hooks';
import { sql } from 'kysely';
import { operatorScope } from '../../src/domain/access/staff.js';
import { searchAuditLog, type AuditSearch } from '../../src/domain/audit/search.js';
import fs from 'node:fs';
import pg from 'pg';
import { connect } from '../../src/db/connect.js';
import { migrateToLatest } from '../../src/db/migrate.js';

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : fallback;
};
const rows = Number(arg('rows', '2000000'));
const engine = arg('engine', 'sqlite') as 'sqlite' | 'postgres';

const file = '/tmp/homeroom-bench-audit.sqlite';
const pgUrl = process.env.TEST_DATABASE_URL;
const admin = async (q: string) => {
  const client = new pg.Client({ connectionString: pgUrl });
  await client.connect();
  await client.query(q);
  await client.end();
};
let url = `sqlite:${file}`;
if (engine === 'postgres') {
  if (!pgUrl) throw new Error('TEST_DATABASE_URL is not set');
  await admin('drop database if exists homeroom_bench_audit');
  await admin('create database homeroom_bench_audit');
  const u = new URL(pgUrl);
  u.pathname = '/homeroom_bench_audit';
  url = u.toString();
} else {
  for (const f of [file, `${file}-wal`, `${file}-shm`]) fs.rmSync(f, { force: true });
}
const database = await connect(url);
await migrateToLatest(database);
const { db } = database;
try {
  // 20,000 accounts acting over a year; one action in 40 kinds; one row in four about a student.
  const started = performance.now();
  const values = engine === 'postgres'
    ? sql`select ('2026-01-01T00:00:00Z'::timestamptz + (g * interval '15 seconds')),
            1 + (g * 7919) % 20000,
            (array['sign_in','sign_out','sign_in.failed','student.viewed_by_staff','gradebook.scores','attendance.taken','password.changed','staff.updated'])[1 + g % 8] || case when g % 5 = 0 then '.x' || (g % 5)::text else '' end,
            case when g % 4 = 0 then 'student' else 'user_account' end, 1 + (g * 104729) % 100000, '10.0.' || (g % 250)::text || '.1', null
          from generate_series(1::bigint, ${rows}::bigint) g`
    : sql`with recursive n(g) as (select 1 union all select g + 1 from n where g < ${rows})
          select strftime('%Y-%m-%dT%H:%M:%fZ', '2026-01-01', '+' || (g * 15) || ' seconds'), 1 + (g * 7919) % 20000,
            case g % 8 when 0 then 'sign_in' when 1 then 'sign_out' when 2 then 'sign_in.failed' when 3 then 'student.viewed_by_staff' when 4 then 'gradebook.scores'
              when 5 then 'attendance.taken' when 6 then 'password.changed' else 'staff.updated' end || case when g % 5 = 0 then '.x' || (g % 5) else '' end,
            case when g % 4 = 0 then 'student' else 'user_account' end, 1 + (g * 104729) % 100000, '10.0.' || (g % 250) || '.1', null from n`;
  await sql`insert into audit_log (at, actor_account_id, action, subject_type, subject_id, ip, details) ${values}`.execute(db);
  if (engine === 'postgres') await sql`analyze audit_log`.execute(db);
  else await sql`analyze`.execute(db);
  console.log(`${engine}: ${rows.toLocaleString('en')} audit rows written in ${((performance.now() - started) / 1000).toFixed(1)} s`);

  // The person and student searches need an account and a student to name: one of each, made here.
  const t = new Date().toISOString();
  await db.insertInto('staff').values({ id: 900001, sourced_id: null, staff_number: 'B-1', first_name: 'Bench', last_name: 'Mark', email: 'bench@example.org', phone: null, title: null, school_id: null, created_at: t, updated_at: t, updated_by: null }).execute();
  await db
    .insertInto('user_accounts')
    .values({ id: 1234, username: 'bench', username_key: 'bench', password_hash: null, status: 'active', security_email: 'bench@example.org', security_email_confirmed_at: null, person_kind: 'staff', student_id: null, guardian_id: null, staff_id: 900001, locale: null, created_at: t, updated_at: t, updated_by: null })
    .execute();
  const reader = { scope: operatorScope(), actorAccountId: 1, ip: null };
  const base: AuditSearch = { person: '', student: '', kind: '', from: '', to: '', page: 1 };
  const cases: [string, Partial<AuditSearch>][] = [
    ['newest page, no filter', {}],
    ['page 20, no filter', { page: 20 }],
    ['one person (actor or subject)', { person: 'bench' }],
    ['one kind', { kind: 'password' }],
    ['a rare kind', { kind: 'staff' }],
    ['one week', { from: '2026-03-01', to: '2026-03-07' }],
    ['one person, one month', { person: 'bench', from: '2026-02-01', to: '2026-02-28' }],
    ['one kind, one day', { kind: 'sign_in', from: '2026-02-10', to: '2026-02-10' }],
  ];
  for (const [name, over] of cases) {
    const times: number[] = [];
    for (let i = 0; i < 6; i++) {
      const s = performance.now();
      await searchAuditLog(db, reader, { ...base, ...over }, 'America/Chicago', new Date());
      if (i > 0) times.push(performance.now() - s);
    }
    times.sort((a, b) => a - b);
    console.log(`  ${name.padEnd(36)} median ${times[2]!.toFixed(1)} ms, worst ${times[4]!.toFixed(1)} ms`);
  }
} finally {
  await database.close();
  if (engine === 'postgres') await admin('drop database if exists homeroom_bench_audit');
  else for (const f of [file, `${file}-wal`, `${file}-shm`]) fs.rmSync(f, { force: true });
}
