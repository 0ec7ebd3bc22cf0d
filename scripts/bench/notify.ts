/**
 * One measured run of the notifications (issue 22): migrate a database, load the demo district, give
 * every student and guardian an account with a confirmed address (and `pushDevices` of the guardians a
 * device subscribed at a local Web Push service), then a teacher posts a column of scores (one
 * section's students) and an import changes every student's term grade at once (set-based, as the
 * OneRoster import records it). Measured: the decider's time to decide every resulting notification and
 * queue its pushes, the delivery step's time to write their emails to the outbox, then the rate at which
 * the outbox delivers to a local SMTP sink (smtp-server on 127.0.0.1, through nodemailer's pool) and the
 * rate at which queued pushes reach the local push service (tests/support/push-service.ts: HTTPS, VAPID
 * checked, every payload decrypted), each for at most `seconds`. For each channel, per item delivered:
 * the sender's CPU, the statements it sent to the database (statements.ts) and, on PostgreSQL, the CPU
 * of the server processes that ran them. `mail-round` and `push-round` are the rounds' sizes
 * (`deliverPending`'s and `deliverDuePushes`' `roundSize`; 0: the library's default), each a comma-separated
 * list of variants measured one after the other, `seconds` each, on the same outbox and queue. The sinks run in a process of their own
 * (notify-sinks.ts), as a district's relay and push services would on other machines; on two cores they
 * still share the machine. Prints JSON; run by scripts/bench.ts.
 *
 * With a portal rate (requests per second, 0: none), a real server (`homeroom serve`, no worker, on the
 * same database) answers the portal benchmark's pages for 400 of the district's students and guardians
 * beside the run, paced open-loop by wrk as the other benchmarks do (portal.ts: sessions, luaScript,
 * runWrk): for 10 seconds before anything is decided (the baseline), while the changes are decided and
 * queued, and while the emails and pushes are delivered. Reported for each: requests/s, p50, p99, errors.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { DateTime } from 'luxon';
import { fork } from 'node:child_process';
import https from 'node:https';
import { refreshStatistics } from '../../src/db/bulk.js';
import { accountsForEveryone } from './accounts.js';
import { connect, refreshPlannerStatistics } from '../../src/db/connect.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { recordChanges, recordChangesSelected } from '../../src/domain/changes/service.js';
import { loadDemo } from '../../src/domain/demo/load.js';
import { decideChanges } from '../../src/domain/notifications/decide.js';
import { deliverDue } from '../../src/domain/notifications/deliver.js';
import { deliverDuePushes, queuePush, vapidKeys } from '../../src/domain/notifications/push.js';
import { deliverPending } from '../../src/email/outbox.js';
import { smtpTransport } from '../../src/email/transport.js';
import { localDate } from '../../src/domain/calendar/dates.js';
import { luaScript, runWrk, sessions } from './portal.js';
import { startServer, type BenchServer } from './server.js';
import { installStatementCounter, serverCpuBetween, serverCpuMs, serverTotalCpuMs, withApplicationName } from './statements.js';

const [url, students, seconds, connectionsArg, devicesArg, portalRateArg, processesArg, mailRoundArg, pushRoundArg, pushConcurrencyArg] = process.argv.slice(2);
if (!url || !students) throw new Error('usage: notify.ts <database-url> <students> [seconds] [mail-connections] [push-devices] [portal-rate] [web-processes] [mail-round] [push-round] [push-concurrency]');
const connections = Number(connectionsArg ?? 8);
const pushDevices = Number(devicesArg ?? 20000);
const portalRate = Number(portalRateArg ?? 0);
const processes = Number(processesArg ?? os.cpus().length);
const pushConcurrency = Number(pushConcurrencyArg ?? 50);
// Counted from before the first connection; the sender's connections named, to find their server processes.
const counter = installStatementCounter();
const SENDER = 'homeroom-notify-sender';
const postgres = url.startsWith('postgres');
const database = await connect(postgres ? withApplicationName(url, SENDER) : url);
await migrateToLatest(database);
// As of today, as the portal benchmark loads it: the pages beside the run show this week's work.
await loadDemo(database, { students: Number(students), seed: 1, startYear: 2026, asOf: localDate(new Date(), 'America/Chicago') });
const db = database.db;
// Decided at noon in the district: at night (quiet hours, 21:00–07:00 by default) every email and push
// would wait for the morning and the delivery rates would measure nothing.
const zone = (await db.selectFrom('district').select('time_zone').executeTakeFirstOrThrow()).time_zone;
const decideAt = DateTime.now().setZone(zone).set({ hour: 12, minute: 0, second: 0, millisecond: 0 }).toJSDate();
const changedAt = new Date(decideAt.getTime() - 16 * 60_000);
// Every student and guardian gets an account with a confirmed address (the demo makes only a few), set-based.
await accountsForEveryone(database, changedAt);
// Planner statistics as they are by the time a district's accounts meet a change: housekeeping's on
// SQLite (within ten minutes of the accounts' night), autovacuum's ANALYZE on PostgreSQL.
if (!(await refreshPlannerStatistics(db))) await sql`analyze user_accounts`.execute(db);
// Devices: the first `pushDevices` guardian accounts, each a subscription the local push service knows.
const sinks = await startSinks();
// The same guardians on both engines: by guardian, not by account id (an insert … select numbers rows in no set order).
const guardians = await db.selectFrom('user_accounts').select('id').where('person_kind', '=', 'guardian').orderBy('guardian_id').limit(pushDevices).execute();
const subscriptions = await sinks.subscriptions(guardians.length);
const devices = guardians.map((g, i) => ({ g, s: subscriptions[i]! }));
for (let i = 0; i < devices.length; i += 2000) {
  await db
    .insertInto('push_subscriptions')
    .values(devices.slice(i, i + 2000).map(({ g, s }) => ({ account_id: g.id, endpoint: s.endpoint, p256dh: s.keys.p256dh, auth: s.keys.auth, device_name: 'bench', user_agent: null, created_at: changedAt.toISOString(), last_success_at: null })))
    .execute();
}
// A district's statistics once its accounts exist (the demo load analysed the tables before they did).
await refreshStatistics(database);

// The column: the largest section's students, one assignment of it.
const biggest = await db
  .selectFrom('section_enrollments')
  .select(['section_id', (eb) => eb.fn.countAll<number>().as('n')])
  .groupBy('section_id')
  .orderBy('n', 'desc')
  .limit(1)
  .executeTakeFirstOrThrow();
const assignment = await db.selectFrom('assignments').select(['id', 'title', 'points_possible']).where('section_id', '=', biggest.section_id).limit(1).executeTakeFirstOrThrow();
const column = await db.selectFrom('section_enrollments').select('student_id').distinct().where('section_id', '=', biggest.section_id).execute();
await db.transaction().execute((trx) =>
  recordChanges(
    trx,
    column.map((c, i) => ({
      kind: 'score',
      action: 'updated',
      subjectId: 1_000_000_000 + i,
      studentId: c.student_id,
      sectionId: biggest.section_id,
      after: { assignmentId: assignment.id, title: assignment.title, pointsPossible: assignment.points_possible, published: true, points: Math.round(assignment.points_possible * 0.8) },
      actorAccountId: null,
    })),
    changedAt,
  ),
);
// The import: every student's term grade, recorded set-based.
const imported = await db.transaction().execute((trx) =>
  recordChangesSelected(
    trx,
    { kind: 'term_grade', action: 'updated', actorAccountId: null },
    sql`select s.id as subject_id, s.id as student_id, cast(null as integer) as section_id, s.school_id, cast(null as text) as before, cast('{"letter":"B","percent":85}' as text) as after from students s`,
    changedAt,
    database.dialect,
  ),
);

// The portal beside the run: a real server on this database, its pages asked for at `portalRate`.
type PortalRun = Awaited<ReturnType<typeof runWrk>>;
let server: BenchServer | null = null;
let script = '';
const portal: { before: PortalRun | null; decide: PortalRun | null; deliver: PortalRun | null } = { before: null, decide: null, deliver: null };
if (portalRate > 0) {
  const people = await sessions(url, 400, 7);
  server = await startServer(['--no-worker', '--processes', String(processes)], { DATABASE_URL: url, DEMO_MODE: 'false' }, (out) => out.includes('Homeroom is running at'));
  // Every session works before the clock starts (and warms the server up).
  for (const p of people) {
    for (const tool of ['today', 'grades', 'assignments', 'attendance']) {
      const res = await fetch(`${server.base}/students/${p.studentId}/${tool}`, { headers: { cookie: `hr_session=${p.token}` }, redirect: 'manual' });
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`${tool} of student ${p.studentId} answered ${res.status}`);
    }
  }
  script = path.join(server.dataDir, 'portal.lua');
  fs.writeFileSync(script, luaScript(people, portalRate));
  portal.before = await runWrk(script, server.base, 8, 10);
  console.error(`notify: the portal alone: ${portal.before.rps.toFixed(0)}/s, p99 ${portal.before.p99.toFixed(1)} ms`);
}
/** Runs `work` with the portal's load beside it (when there is one), stopped when the work ends. */
async function beside<T>(work: () => Promise<T>): Promise<[T, PortalRun | null]> {
  if (!server) return [await work(), null];
  let done!: () => void;
  const ended = new Promise<void>((resolve) => (done = resolve));
  const load = runWrk(script, server.base, 8, 3600, ended);
  try {
    const result = await work();
    done();
    return [result, await load];
  } finally {
    done();
  }
}

const ms = (t: bigint) => Number(process.hrtime.bigint() - t) / 1e6;
const cpuMs = (since: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1000;
};
let decideMs = 0;
let queueMs = 0;
let decideCpu = 0;
let decideServerCpu: number | null = null;
// What deciding and queueing wrote: PostgreSQL's write-ahead log (the server's, so only on an idle
// machine), or this process's writes to disk (SQLite: its log and checkpoints, which load does not move).
let decideWrittenBytes = 0;
const walLsn = async () => (await sql<{ lsn: string }>`select pg_current_wal_lsn()::text as lsn`.execute(db)).rows[0]!.lsn;
const processWrittenBytes = () => Number(/write_bytes: (\d+)/.exec(fs.readFileSync('/proc/self/io', 'latin1'))?.[1] ?? 0);
const serverCpu = async () => (postgres ? serverCpuMs(url, SENDER) : new Map<number, number>());
const [[decided, queued], whileDeciding] = await beside(async () => {
  const s0 = postgres ? await serverTotalCpuMs(url) : 0;
  const w0 = postgres ? await walLsn() : processWrittenBytes();
  const t0 = process.hrtime.bigint();
  const c0 = process.cpuUsage();
  // As the notifications run does: emails due now are written with their notifications (ADR 0054).
  const decided = await decideChanges(database, { now: decideAt, queuePush, baseUrl: 'https://portal.example.org' });
  decideMs = ms(t0);
  console.error(`notify: ${decided.notifications} notifications decided, ${decided.emails} emails written, in ${(decideMs / 1000).toFixed(1)} s (${decided.writes} writes, the longest ${decided.longestWriteMs.toFixed(1)} ms)`);
  // What the decider left pending (none at noon: no quiet hours), as the run's delivery step would send it.
  const t1 = process.hrtime.bigint();
  const queued = await deliverDue(database, { now: decideAt, baseUrl: 'https://portal.example.org', queuePush, limit: 2000 });
  queueMs = ms(t1);
  decideCpu = cpuMs(c0);
  // The whole PostgreSQL server (its connections may end during a long run and take their CPU with them).
  if (postgres) decideServerCpu = (await serverTotalCpuMs(url)) - s0;
  if (postgres) decideWrittenBytes = Number((await sql<{ n: string }>`select pg_wal_lsn_diff(pg_current_wal_lsn(), ${w0}::pg_lsn)::text as n`.execute(db)).rows[0]!.n);
  else decideWrittenBytes = processWrittenBytes() - (w0 as number);
  console.error(`notify: ${queued} deliveries queued in ${(queueMs / 1000).toFixed(1)} s`);
  return [decided, queued] as const;
});
portal.decide = whileDeciding;
const pushesQueued = Number((await db.selectFrom('push_deliveries').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);

// Email to the SMTP sink, then pushes to the push service: each in one or more variants (round sizes),
// measured one after the other on the same outbox and queue, each for at most `seconds`.
const transport = smtpTransport(`smtp://127.0.0.1:${sinks.smtpPort}`, connections);
const limit = 50 * connections;
const send = { vapid: await vapidKeys(db, decideAt), subject: 'mailto:portal@example.org', agent: new https.Agent({ ca: sinks.ca, keepAlive: true }) };
/** One variant's run: what the sink received, in what time, at what cost to the sender and the database. */
interface Phase {
  /** the round size asked (0: the library's default) */
  round: number;
  delivered: number;
  ms: number;
  cpuMs: number;
  statements: number;
  serverCpuMs: number | null;
}
/** Runs `work` until its time is up, counting what the sink received meanwhile and what it cost. */
async function phase(round: number, work: (until: number) => Promise<void>, receivedSoFar: () => Promise<number>): Promise<Phase> {
  const until = Date.now() + Number(seconds ?? 20) * 1000;
  const before = await receivedSoFar();
  const server = await serverCpu();
  counter.statements = 0;
  counter.counting = true;
  const t = process.hrtime.bigint();
  const c = process.cpuUsage();
  await work(until);
  const elapsed = ms(t);
  const cpu = cpuMs(c);
  counter.counting = false;
  const statements = counter.statements;
  return { round, delivered: (await receivedSoFar()) - before, ms: elapsed, cpuMs: cpu, statements, serverCpuMs: postgres ? serverCpuBetween(server, await serverCpu()) : null };
}
const mailPhases: Phase[] = [];
const pushPhases: Phase[] = [];
[, portal.deliver] = await beside(async () => {
  // Until the outbox is empty (or the time is up): a pass that found the write lock busy (the portal's
  // server writes beside it) sends fewer than its limit without the outbox being done.
  // (The bench's own question, not counted.)
  const unsent = async () => {
    counter.counting = false;
    const left = (await db.selectFrom('email_outbox').select('id').where('sent_at', 'is', null).limit(1).executeTakeFirst()) !== undefined;
    counter.counting = true;
    return left;
  };
  for (const round of (mailRoundArg ?? '0').split(',').map(Number)) {
    const result = await phase(
      round,
      async (until) => {
        while (Date.now() < until) {
          const sent = await deliverPending(db, transport, { from: 'Portal <portal@example.org>', now: () => decideAt, limit, concurrency: connections, ...(round > 0 ? { roundSize: round } : {}) });
          if (sent < limit && !(await unsent())) break;
        }
      },
      async () => (await sinks.counts()).smtp,
    );
    mailPhases.push(result);
    console.error(`notify: ${result.delivered} emails received by the sink in ${(result.ms / 1000).toFixed(1)} s (rounds of ${round || 'the default'})`);
  }
  for (const round of (pushRoundArg ?? '0').split(',').map(Number)) {
    const result = await phase(
      round,
      async (until) => {
        while (Date.now() < until) {
          const r = await deliverDuePushes(db, database.dialect, send, { now: () => decideAt, limit: 500, concurrency: pushConcurrency, ...(round > 0 ? { roundSize: round } : {}) });
          if (r.sent + r.failed + r.retried + r.removed < 500) break;
        }
      },
      async () => (await sinks.counts()).push,
    );
    pushPhases.push(result);
    console.error(`notify: ${result.delivered} pushes received by the push service in ${(result.ms / 1000).toFixed(1)} s (rounds of ${round || 'the default'})`);
  }
});
await server?.stop();
const counts = await sinks.counts();
if (counts.problemCount > 0) console.error(`push service: ${counts.problemCount} problems, e.g. ${counts.problems.join('; ')}`);
send.agent.destroy();
await sinks.close();
await database.close();
/** Per second and per item, for the report. */
const rates = (p: Phase) => ({
  round: p.round,
  delivered: p.delivered,
  perSecond: p.delivered / (p.ms / 1000),
  // The sender's own CPU (this process: Homeroom's outbox or push rounds, and SQLite when it is the engine) per item.
  cpuMsEach: p.cpuMs / Math.max(1, p.delivered),
  // Statements the sender sent per item, and (PostgreSQL) the CPU of the server processes that ran them.
  statementsEach: p.statements / Math.max(1, p.delivered),
  serverCpuMsEach: p.serverCpuMs === null ? null : p.serverCpuMs / Math.max(1, p.delivered),
});
const mail = mailPhases.map(rates);
const push = pushPhases.map(rates);
console.log(
  JSON.stringify({
    changes: column.length + imported,
    column: column.length,
    imported,
    notifications: decided.notifications,
    decideMs,
    // Emails written to the outbox: by the decider with their notifications, and by the delivery step.
    emailsQueued: decided.emails + queued,
    queueMs,
    // The decider's write transactions and the longest one (on SQLite, the longest the write lock was held).
    decideWrites: decided.writes,
    longestWriteMs: decided.longestWriteMs,
    // This process's CPU while deciding and queueing, per notification (SQLite's work included when it is the engine; PostgreSQL's server is not).
    decideCpuMsEach: decideCpu / Math.max(1, decided.notifications),
    decideServerCpuMsEach: decideServerCpu === null ? null : decideServerCpu / Math.max(1, decided.notifications),
    // Bytes written per notification while deciding and queueing: PostgreSQL's WAL, or SQLite's process writes.
    decideBytesEach: decideWrittenBytes / Math.max(1, decided.notifications),
    pushesQueued,
    // The first variant of each channel (the table's row); every variant in `mail` and `push`.
    smtpReceived: mail[0]!.delivered,
    smtpPerSecond: mail[0]!.perSecond,
    pushReceived: push[0]!.delivered,
    pushPerSecond: push[0]!.perSecond,
    pushProblems: counts.problemCount,
    smtpCpuMsEach: mail[0]!.cpuMsEach,
    pushCpuMsEach: push[0]!.cpuMsEach,
    smtpStatementsEach: mail[0]!.statementsEach,
    pushStatementsEach: push[0]!.statementsEach,
    smtpServerCpuMsEach: mail[0]!.serverCpuMsEach,
    pushServerCpuMsEach: push[0]!.serverCpuMsEach,
    mail,
    push,
    mailConnections: connections,
    pushConcurrency,
    portalRate,
    portal,
  }),
);

/** The receivers, forked (scripts/bench/notify-sinks.ts), and the questions this process asks them. */
async function startSinks() {
  const child = fork(new URL('./notify-sinks.ts', import.meta.url).pathname, [], { execArgv: process.execArgv, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const next = <T>(type: string) =>
    new Promise<T>((resolve, reject) => {
      const onMessage = (message: { type: string }) => {
        if (message.type !== type) return;
        child.off('message', onMessage);
        child.off('exit', onExit);
        resolve(message as T);
      };
      const onExit = (code: number | null) => reject(new Error(`the sinks' process ended (${code})`));
      child.on('message', onMessage);
      child.once('exit', onExit);
    });
  const ready = await next<{ smtpPort: number; ca: string }>('ready');
  return {
    smtpPort: ready.smtpPort,
    ca: ready.ca,
    async subscriptions(count: number) {
      const answer = next<{ subscriptions: { endpoint: string; keys: { p256dh: string; auth: string } }[] }>('subscriptions');
      child.send({ type: 'subscriptions', count });
      return (await answer).subscriptions;
    },
    async counts() {
      const answer = next<{ smtp: number; push: number; problems: string[]; problemCount: number }>('counts');
      child.send({ type: 'counts' });
      return answer;
    },
    close: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.send({ type: 'close' });
      }),
  };
}
