/**
 * The cost of one gradebook or attendance request, measured inside one process (issue 19): what can be
 * measured on a shared machine, where latencies cannot. The app is built in this process and asked
 * through `app.inject` (no socket), one request at a time, as the gradebook and bell benchmarks ask it:
 *
 * - the gradebook: open a 35-student section's grid of 60 assignments (`GET`), save one whole column
 *   from the form that page carried (`POST`, 303; gradebook.ts builds the form as a browser sends it),
 *   with every cell (as without JavaScript) and with the typed cells' points only (as gradebook.js sends it);
 * - a bell: open a section's roster (`GET`), submit it with about 6 % of the students marked absent or
 *   tardy (`POST`, 303), and the page the 303 leads to (`GET`), one section after another;
 * - the inbox (issue 21): a guardian with 2,000 messages (messages.ts's: every third one unread) reads
 *   `GET /messages?page=N`, N = 1 to 5 in turn, as the messages benchmark asks for it; the first page
 *   (which also shows the current announcements) apart from pages 2–5;
 * - the portal (issue 5): the four pages the portal benchmark asks for (Today, Grades, Assignments,
 *   Attendance) of 400 random students and guardians (portal.ts's sessions), one kind at a time.
 *
 * For each kind of request, per request: the CPU time of this process (process.cpuUsage: the app, the
 * database driver, SQLite itself on that engine), the statements sent to the database (every `query` of
 * the PostgreSQL client or every run of a SQLite statement: `begin` and `commit` included — one round trip
 * each on PostgreSQL), the CPU time of PostgreSQL's server processes that served this database's
 * connections (/proc, Linux; the database's other users are not counted), and the bytes of the answer
 * (gzipped, as a browser asks) and of the form sent.
 *
 *   tsx scripts/bench/cost.ts <database-url> [--students 600] [--rounds 40] [--statements] [--parts gradebook,bell,inbox,portal]
 *
 * An empty database is first given the demo district (`--students`, as of today). `--statements` also
 * prints the statements of one request of each kind; `--parts` measures only those named. The inbox's
 * guardian is given their 2,000 messages once (a later run on the same database finds them).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import SQLite from 'better-sqlite3';
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import { loadConfig } from '../../src/config/env.js';
import { connect, isPostgresUrl } from '../../src/db/connect.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { localDate } from '../../src/domain/calendar/dates.js';
import { loadDemo } from '../../src/domain/demo/load.js';
import { portalLinks } from '../../src/domain/access/guardian-links.js';
import { startSession } from '../../src/domain/accounts/sessions.js';
import { buildApp } from '../../src/web/app.js';
import { districtToday, prepareBell } from './attendance.js';
import { openGradebook, prepare, saveColumn } from './gradebook.js';
import { sessions } from './portal.js';
import { seeded, tags } from './staff.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    students: { type: 'string', default: '600' },
    rounds: { type: 'string', default: '40' },
    statements: { type: 'boolean', default: false },
    parts: { type: 'string', default: 'gradebook,bell,inbox' },
  },
});
const url = positionals[0];
if (!url) throw new Error('usage: cost.ts <database-url> [--students N] [--rounds N] [--statements] [--parts gradebook,bell,inbox,portal]');
const rounds = Number(values.rounds);
const parts = new Set(values.parts.split(','));
for (const part of parts) if (!['gradebook', 'bell', 'inbox', 'portal'].includes(part)) throw new Error(`unknown part: ${part}`);

// ── counting statements: installed before any connection is made ───────────────────────────────────
let counting = false;
let statements = 0;
let texts: string[] | null = null;
const counted = (text: string) => {
  if (!counting) return;
  statements++;
  texts?.push(text.replace(/\s+/g, ' ').slice(0, 160));
};
{
  const query = pg.Client.prototype.query as (...args: unknown[]) => unknown;
  (pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown }).query = function (this: pg.Client, ...args: unknown[]) {
    const config = args[0];
    counted(typeof config === 'string' ? config : String((config as { text?: string })?.text ?? ''));
    return query.apply(this, args);
  };
  const probe = new SQLite(':memory:');
  const statement = Object.getPrototypeOf(probe.prepare('select 1')) as Record<string, (...args: unknown[]) => unknown>;
  for (const method of ['run', 'get', 'all', 'iterate']) {
    const original = statement[method]!;
    statement[method] = function (this: { source: string }, ...args: unknown[]) {
      counted(this.source);
      return original.apply(this, args);
    };
  }
  probe.close();
}

// ── PostgreSQL's CPU: the server processes of this database's connections ────────────────────────────
const postgres = isPostgresUrl(url);
const admin = postgres ? new pg.Client({ connectionString: url }) : null;
await admin?.connect();
const TICK_MS = 1000 / 100;
async function postgresCpuMs(): Promise<number> {
  if (!admin) return 0;
  const was = counting;
  counting = false;
  const { rows } = await admin.query<{ pid: number }>('select pid from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()');
  counting = was;
  let ticks = 0;
  for (const { pid } of rows) {
    try {
      const f = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
      const fields = f.slice(f.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // ended meanwhile
    }
  }
  return ticks * TICK_MS;
}

// ── the district ─────────────────────────────────────────────────────────────────────────────────────
{
  const database = await connect(url);
  await migrateToLatest(database);
  const has = await database.db.selectFrom('district').select('id').executeTakeFirst();
  if (!has) {
    console.error(`loading the demo district (${values.students} students)…`);
    await loadDemo(database, { students: Number(values.students), seed: 1, startYear: 2026, asOf: localDate(new Date(), 'America/Chicago') });
  }
  await database.close();
}
const gradebook = parts.has('gradebook')
  ? await prepare(url, { databaseUrl: url, label: '', students: 0, seconds: 0, concurrency: 1, sectionSize: 35, assignments: 60, portalRate: 0, think: [0, 0], processes: 1, warmSeconds: 0 }, seeded(31))
  : null;
const section = gradebook?.sections[0];
if (gradebook && !section) throw new Error('no section for the gradebook');
const bell = parts.has('bell') ? await prepareBell(url, await districtToday(url), rounds + 3, seeded(19)) : null;
const inboxToken = parts.has('inbox') ? await prepareInbox(url) : null;
const portalPeople = parts.has('portal') ? await sessions(url, 400, 7) : null;

/**
 * The inbox's guardian (the first guardian account with a child to read) and their 2,000 messages, as
 * messages.ts gives them: copies of one office message addressed to them alone, every third one unread;
 * added once, kept for later runs. A session of a day for them: its token.
 */
async function prepareInbox(databaseUrl: string): Promise<string> {
  const database = await connect(databaseUrl);
  const db = database.db;
  try {
    const guardian = await portalLinks(db)
      .innerJoin('user_accounts as a', 'a.guardian_id', 'sg.guardian_id')
      .select(['a.id', 'a.guardian_id'])
      .where('a.status', '=', 'active')
      .orderBy('a.id')
      .executeTakeFirstOrThrow();
    const admin = await db.selectFrom('user_accounts').select('id').where('person_kind', '=', 'staff').orderBy('id').executeTakeFirstOrThrow();
    const had = await db.selectFrom('message_recipients').select((eb) => eb.fn.countAll<number | string>().as('n')).where('person_kind', '=', 'guardian').where('person_id', '=', guardian.guardian_id!).executeTakeFirstOrThrow();
    const stamp = new Date().toISOString();
    for (let i = Number(had.n); i < 2000; i += 200) {
      const batch = Array.from({ length: Math.min(200, 2000 - i) }, (_, k) => i + k);
      const ids = await db
        .insertInto('messages')
        .values(batch.map((n) => ({ sender_account_id: admin.id, sender_name: `Sender ${n % 40}`, sender_role: 'office' as const, subject_en: `Message ${n}`, body_en: 'x', subject_es: null, body_es: null, audience: '{"kind":"district","readers":"guardians"}', thread_root_id: null, thread_person_kind: null, thread_person_id: null, status: 'sent' as const, send_at: stamp, sent_at: stamp, created_at: stamp })))
        .returning('id')
        .execute();
      await db
        .insertInto('message_recipients')
        .values(ids.map(({ id }, k) => ({ message_id: id, person_kind: 'guardian' as const, person_id: guardian.guardian_id!, student_id: null, locale: 'en', read_at: batch[k]! % 3 === 0 ? null : stamp })))
        .execute();
    }
    const session = await startSession(db, guardian.id, { persistent: true, ip: null, userAgent: 'homeroom-cost', settings: { sessionIdleMinutes: 600, sessionAbsoluteHours: 12, rememberDeviceDays: 1 }, now: new Date() });
    return session.token;
  } finally {
    await database.close();
  }
}

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'homeroom-cost-'));
const config = loadConfig({ DATABASE_URL: url, DEMO_MODE: 'false', LOG_LEVEL: 'silent', DATA_DIR: dataDir, BASE_URL: 'http://portal.test' });
const database = await connect(url);
const app: FastifyInstance = await buildApp({ config, database, logger: false, mailIntervalMs: 0 });
await app.ready();

/** A browser of one staff member: its cookies kept from answer to answer. */
function browser(token: string) {
  const cookies = new Map([['hr_session', token]]);
  const keep = (setCookie: string | string[] | undefined) => {
    for (const line of ([] as string[]).concat(setCookie ?? [])) {
      const m = /^([^=;]+)=([^;]*)/.exec(line);
      if (m) cookies.set(m[1]!, m[2]!);
    }
  };
  const headers = () => ({ cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join('; '), 'accept-encoding': 'gzip, deflate, br' });
  return {
    async get(path: string) {
      const res = await app.inject({ method: 'GET', url: path, headers: headers() });
      keep(res.headers['set-cookie']);
      return res;
    },
    async post(path: string, form: [string, string][]) {
      const payload = new URLSearchParams(form).toString();
      const res = await app.inject({ method: 'POST', url: path, payload, headers: { ...headers(), 'content-type': 'application/x-www-form-urlencoded', origin: 'http://portal.test' } });
      keep(res.headers['set-cookie']);
      return { res, sent: Buffer.byteLength(payload) };
    },
  };
}
type Answer = Awaited<ReturnType<ReturnType<typeof browser>['get']>>;

interface Tally {
  n: number;
  cpuMs: number;
  statements: number;
  pgMs: number;
  bytes: number;
  sent: number;
}
const tallies = new Map<string, Tally>();
/** Runs one request, adding its cost to its kind; `expect` is the status it must answer. */
async function measured<T extends { res: Answer; sent?: number } | Answer>(kind: string, expect: number, request: () => Promise<T>): Promise<T> {
  const pgBefore = await postgresCpuMs();
  const show = values.statements && !tallies.has(kind);
  texts = show ? [] : null;
  statements = 0;
  counting = true;
  const cpu = process.cpuUsage();
  const out = await request();
  const used = process.cpuUsage(cpu);
  counting = false;
  const pgAfter = await postgresCpuMs();
  const res = ('res' in out ? out.res : out) as Answer;
  if (res.statusCode !== expect) throw new Error(`${kind}: ${res.statusCode} (expected ${expect}): ${res.body.slice(0, 300)}`);
  const t = tallies.get(kind) ?? { n: 0, cpuMs: 0, statements: 0, pgMs: 0, bytes: 0, sent: 0 };
  t.n++;
  t.cpuMs += (used.user + used.system) / 1000;
  t.statements += statements;
  t.pgMs += pgAfter - pgBefore;
  t.bytes += res.rawPayload.length;
  t.sent += 'sent' in out ? (out.sent ?? 0) : 0;
  tallies.set(kind, t);
  if (show) console.error(`\n${kind}: ${texts!.length} statements\n  ${texts!.join('\n  ')}`);
  return out;
}

const gunzip = async (res: Answer) => (res.headers['content-encoding'] === 'gzip' ? (await import('node:zlib')).gunzipSync(res.rawPayload).toString('utf8') : res.body);
const summary: string[] = [];

if (gradebook && section) {
  const teacher = browser(gradebook.tokens.get(section.staffId)!);
  /**
   * The column's form (gradebook.ts), each of its cells typed as one more point than the page showed (modulo
   * the points possible + 1): every cell changes, whatever an earlier run of this script saved there.
   */
  const columnForm = (page: string, round: number, changedOnly = false) => {
    const form = saveColumn(section, page, round, changedOnly);
    const column = section.assignments[round % section.assignments.length]!;
    const shown = new Map(tags(page, 'input').map((i) => [i.name, i.value]));
    for (const field of form.form) {
      const cell = /^p_(\d+)_(\d+)$/.exec(field[0]);
      if (cell && Number(cell[2]) === column.id) field[1] = String((Number(shown.get(field[0]) || 0) + 1) % (Math.floor(column.pointsPossible) + 1));
    }
    return form;
  };
  // Warm-up, not counted: the code paths compiled, prepared statements made, caches filled.
  for (let round = 0; round < 3; round++) {
    const page = await gunzip(await teacher.get(openGradebook(section)));
    const form = columnForm(page, 1000 + round);
    const saved = await teacher.post(form.url, form.form);
    if (saved.res.statusCode !== 303) throw new Error(`warm-up save: ${saved.res.statusCode}`);
  }
  let htmlBytes = 0;
  for (let round = 0; round < rounds; round++) {
    const opened = await measured('gradebook: open (GET)', 200, () => teacher.get(openGradebook(section)));
    const page = await gunzip(opened);
    htmlBytes = Buffer.byteLength(page);
    const form = columnForm(page, round);
    await measured('gradebook: save a column (POST)', 303, () => teacher.post(form.url, form.form));
    // The same save as gradebook.js sends it: the typed column's points, not every cell's.
    const next = await gunzip(await teacher.get(openGradebook(section)));
    const sent = columnForm(next, round + 500, true);
    await measured('gradebook: save a column, as gradebook.js sends it (POST)', 303, () => teacher.post(sent.url, sent.form));
  }
  summary.push(`${section.students.length} × ${section.assignments.length} gradebook (page ${(htmlBytes / 1024).toFixed(0)} KiB of HTML)`);
}

/** The roster's form as a browser sends it: about 6 % of the students marked with one of the page's codes. */
function rosterForm(html: string, random: () => number): [string, string][] {
  const inputs = tags(html, 'input');
  const hidden = (name: string) => inputs.find((i) => i.name === name)?.value ?? '';
  const codes = [...new Set(tags(html, 'option').map((o) => o.value!).filter((v) => /^\d+$/.test(v)))];
  const form: [string, string][] = [
    ['_csrf', hidden('_csrf')],
    ['date', hidden('date')],
    ['version', hidden('version')],
  ];
  for (const id of inputs.filter((i) => i.name === 'student').map((i) => i.value!)) {
    form.push(['student', id]);
    form.push([`mark_${id}`, random() < 0.06 && codes.length > 0 ? codes[Math.floor(random() * codes.length)]! : 'present']);
  }
  return form;
}
if (bell) {
  const marks = seeded(7);
  let rosterBytes = 0;
  for (const [i, p] of bell.picked.entries()) {
    const staff = browser(bell.tokens.get(p.staffId)!);
    const path = `/staff/classes/${p.sectionId}/attendance`;
    const warm = i < 3;
    const run = <T extends { res: Answer; sent?: number } | Answer>(kind: string, expect: number, request: () => Promise<T>) => (warm ? request() : measured(kind, expect, request));
    const opened = await run('attendance: open the roster (GET)', 200, () => staff.get(path));
    const html = await gunzip(opened);
    rosterBytes = Buffer.byteLength(html);
    const form = rosterForm(html, marks);
    const saved = await run('attendance: submit (POST)', 303, () => staff.post(path, form));
    await run('attendance: the page after saving (GET)', 200, () => staff.get(saved.res.headers.location as string));
  }
  summary.push(`${bell.picked.length - 3} rosters (last page ${(rosterBytes / 1024).toFixed(0)} KiB)`);
}

if (inboxToken) {
  const guardian = browser(inboxToken);
  const pageOf = (round: number) => `/messages?page=${1 + (round % 5)}`;
  let inboxBytes = 0;
  // Warm-up, not counted: each page once, and the first twice.
  for (let round = 0; round < 6; round++) {
    const res = await guardian.get(pageOf(round));
    if (res.statusCode !== 200 || !(await gunzip(res)).includes('Message ')) throw new Error(`warm-up inbox: ${res.statusCode}`);
  }
  for (let round = 0; round < rounds * 5; round++) {
    const kind = round % 5 === 0 ? 'inbox: the first page (GET)' : 'inbox: pages 2–5 (GET)';
    const res = await measured(kind, 200, () => guardian.get(pageOf(round)));
    inboxBytes = Buffer.byteLength(await gunzip(res));
  }
  summary.push(`an inbox of 2,000 messages (last page ${(inboxBytes / 1024).toFixed(0)} KiB of HTML)`);
}

if (portalPeople) {
  const pick = seeded(11);
  const tools = ['today', 'grades', 'assignments', 'attendance'];
  const ask = (p: { token: string; studentId: number }, tool: string) => app.inject({ method: 'GET', url: `/students/${p.studentId}/${tool}`, headers: { cookie: `hr_session=${p.token}`, 'accept-encoding': 'gzip' } });
  // Warm-up, not counted: every person's every page once (the benchmark's warm-up does the same).
  for (const p of portalPeople) for (const tool of tools) if ((await ask(p, tool)).statusCode !== 200) throw new Error(`warm-up portal: ${tool}`);
  for (let round = 0; round < rounds * 5; round++) {
    for (const tool of tools) {
      const p = portalPeople[Math.floor(pick() * portalPeople.length)]!;
      await measured(`portal: ${tool} (GET)`, 200, () => ask(p, tool));
    }
  }
  summary.push(`the portal's four pages of ${portalPeople.length} people`);
}

await app.close();
await database.close();
await admin?.end();
fs.rmSync(dataDir, { recursive: true, force: true });

console.log(`\n${postgres ? 'postgres' : 'sqlite'}: ${summary.join(', ')}`);
console.log('| request | n | CPU of the web process per request | statements per request | PostgreSQL CPU per request | answer (gzip) | form sent |');
console.log('|---|---|---|---|---|---|---|');
for (const [kind, t] of tallies) {
  const per = (x: number, digits = 1) => (x / t.n).toFixed(digits);
  console.log(
    `| ${kind} | ${t.n} | ${per(t.cpuMs)} ms | ${per(t.statements)} | ${postgres ? `${per(t.pgMs)} ms` : '—'} | ${(t.bytes / t.n / 1024).toFixed(1)} KiB | ${t.sent > 0 ? `${(t.sent / t.n / 1024).toFixed(1)} KiB` : '—'} |`,
  );
}
