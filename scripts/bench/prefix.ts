/**
 * The prefix of a family page alone (ADR 0070), asked the way it was (the session, the readable students,
 * the header's counts: three statements) and the way it is (one), in turn, 6 × 500 times each over 200
 * students' and guardians' sessions made for the run (and deleted after it): CPU of this process per
 * prefix, its wall time, and on PostgreSQL the CPU of the database's server processes (/proc, Linux).
 *
 *   tsx scripts/bench/prefix.ts <database-url>     (a district loaded before, e.g. by demo-load.ts)
 */
import fs from 'node:fs';
import { sql } from 'kysely';
import { hashToken } from '../../src/domain/accounts/tokens.js';
import { connect } from '../../src/db/connect.js';
import { resumePortalSession } from '../../src/domain/portal/prefix.js';
import { resumeSession, startSession } from '../../src/domain/accounts/sessions.js';
import { studentsReadableBy } from '../../src/domain/access/portal.js';
import { messageReader } from '../../src/domain/messages/service.js';
import { headerCounts } from '../../src/domain/portal/header.js';
const url = process.argv[2];
if (!url) throw new Error('usage: prefix.ts <database-url>');
const database = await connect(url);
const db = database.db;
const settings = { sessionIdleMinutes: 600, sessionAbsoluteHours: 12, rememberDeviceDays: 30 };
const accounts = await db.selectFrom('user_accounts').select('id').where('person_kind', 'in', ['guardian', 'student']).where('status', '=', 'active').orderBy('id').limit(200).execute();
const tokens: string[] = [];
for (const a of accounts) tokens.push((await startSession(db, a.id, { persistent: false, ip: null, userAgent: null, settings, now: new Date() })).token);
const old = async (token: string) => {
  const s = (await resumeSession(db, token, settings, new Date()))!;
  const students = await studentsReadableBy(db, s.account, null);
  const reader = await messageReader(db, s.account, null, students);
  await headerCounts(db, { messages: reader, notifications: { accountId: s.account.id, readable: students } });
};
const neu = async (token: string) => { await resumePortalSession(db, token, settings, new Date(), { adultBornOnOrBefore: null, counts: 'both' }); };
const pgCpu = async () => {
  if (!url.startsWith('postgres')) return 0;
  const { rows } = await sql<{ pid: number }>`select pid from pg_stat_activity where datname = current_database()`.execute(db);
  let ticks = 0;
  for (const { pid } of rows) { try { const f = fs.readFileSync(`/proc/${pid}/stat`, 'latin1').split(') ')[1]!.split(' '); ticks += Number(f[11]) + Number(f[12]); } catch { /* gone */ } }
  return ticks * 10;
};
const run = async (f: (t: string) => Promise<void>, n: number) => { const p0 = await pgCpu(); const c = process.cpuUsage(); const t0 = performance.now(); for (let i = 0; i < n; i++) await f(tokens[i % tokens.length]!); const u = process.cpuUsage(c); const wall = (performance.now() - t0) / n; return { cpu: (u.user + u.system) / 1000 / n, wall, pg: ((await pgCpu()) - p0) / n }; };
await run(old, 400); await run(neu, 400);
const res: Record<string, { cpu: number; wall: number; pg: number }[]> = { old: [], new: [] };
for (let r = 0; r < 6; r++) { res.old!.push(await run(old, 500)); res.new!.push(await run(neu, 500)); }
const med = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!.toFixed(3);
for (const k of ['old', 'new']) console.log(url.split(':')[0], k, 'cpu ms/prefix median', med(res[k]!.map((x) => x.cpu)), 'all', res[k]!.map((x) => x.cpu.toFixed(3)).join(' '), 'wall median', med(res[k]!.map((x) => x.wall)), 'pg cpu median', med(res[k]!.map((x) => x.pg)));
await db.deleteFrom('sessions').where('id', 'in', tokens.map(hashToken)).execute();
await database.close();
