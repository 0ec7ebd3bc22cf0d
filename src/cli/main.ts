/**
 * The `homeroom` command: serve, migrate, demo. Thin: parses arguments, calls the domain, prints.
 * Operator-facing output is English; everything families and staff see is in the catalogs.
 */
import cluster from 'node:cluster';
import os from 'node:os';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ConfigError, loadConfig, type Config } from '../config/env.js';
import { connect, openConnections, redactUrl, type Database } from '../db/connect.js';
import { migrateToLatest } from '../db/migrate.js';
import { hashingShare, setHashingThreads } from '../domain/accounts/passwords.js';
import { faultPoint } from '../jobs/faults.js';
import { localDate } from '../domain/calendar/dates.js';
import { DEMO_DISTRICT, type DemoSummary } from '../domain/demo/generate.js';
import { DistrictExistsError, isEmpty, loadDemo } from '../domain/demo/load.js';
import { schoolYearStartFor } from '../domain/demo/school-year.js';

export const USAGE = `Usage: homeroom <command> [options]

Commands:
  serve [--demo] [--port N] [--host H] [--processes N] [--no-worker]
                 Migrate the database and serve the portal, with a background worker for scheduled
                 jobs (unless --no-worker). With --demo: demo mode (the sign-in page lists demo
                 accounts), and the demo district is loaded if the database is empty. With
                 --processes N (or WEB_PROCESSES): N web processes share the port, one per core.
  worker [--until-idle]
                 Run only the background worker, the scheduler and email delivery (for a separate
                 worker process). With --until-idle: run every job that is due and deliver the queued
                 email, then exit (for cron, or after a restore).
  migrate        Bring the database schema up to date.
  demo [--students N] [--seed S] [--year YYYY] [--reset]
                 Load the demo district: N students (default 600), from seed S (default 1), for the
                 school year starting in YYYY (default: the current one). --reset replaces a district
                 that is already there.
  accounts keys --students N1,N2,… [--for students|guardians|both] [--format pdf|csv] --out FILE
                 Issue Activation Keys for these students, their guardians with portal access, or
                 both, and write the letters (PDF) or a CSV to FILE. Keys cannot be printed again.
  accounts generate [--batch N]
                 Create the parent accounts of the nightly run now: every guardian with portal access
                 to an enrolled student, an email no other person has, and no account yet; each gets
                 a welcome email with a link to choose a password (sent by the worker). Each batch of
                 N guardians (default 2000) is one transaction; a run stopped half-way is resumed by the
                 next one.
  accounts students [--school NUMBER] [--grade N] --out FILE
                 Create accounts for active students who have none, with the district's first-password
                 rule (initials and birth date, or random words), and write the roster CSV to FILE.
                 Every student must change the password at the first sign-in.
  import oneroster PATH [--dry-run]
                 Import a OneRoster 1.1 or 1.2 CSV package (a zip file or a folder) from the district's
                 SIS: one transaction, nothing written when any error is found. With --dry-run: report
                 what would be created, updated and deactivated, and every problem, writing nothing.
                 Exit status 1 when the package was not (or would not be) imported.
  import meals FILE [--dry-run]
                 Import a day's point-of-sale file of meal purchases and deposits (Homeroom's CSV, see
                 README.md): one transaction, nothing written when any error is found; a transaction id
                 already imported is not added again. Unknown student numbers are warnings (the row is
                 skipped). Exit status 1 when the file was not (or would not be) imported.
  export oneroster --out FILE.zip [--force]
                 Write the district as a OneRoster 1.2 CSV package (zip) for another app (an LMS) or
                 Homeroom's own importer, and print the rows per file. Refuses to replace FILE unless
                 --force.
  help           Show this text.

Configuration comes from environment variables; see README.md.`;

export class UsageError extends Error {
  override name = 'UsageError';
}

function positiveInt(name: string, value: string | undefined, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value)) throw new UsageError(`--${name} must be a whole number (got "${value}")`);
  const n = Number(value);
  if (n < 1 || n > max) throw new UsageError(`--${name} must be between 1 and ${max} (got ${n})`);
  return n;
}

function parse(args: string[], options: ParseArgsConfig['options']): { values: Record<string, string | boolean | undefined> } {
  try {
    const { values } = parseArgs({ args, options, strict: true, allowPositionals: false });
    return { values: values as Record<string, string | boolean | undefined> };
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

async function openDatabase(config: Config): Promise<Database> {
  const database = await connect(config.databaseUrl, { poolSize: config.dbPoolSize, sqliteSynchronous: config.sqliteSynchronous });
  await migrateToLatest(database);
  return database;
}

function defaultStartYear(): number {
  return schoolYearStartFor(localDate(new Date(), DEMO_DISTRICT.timeZone));
}

/** The demo's grades and attendance run up to today (kept inside the demo's school year). */
function demoAsOf(): string {
  return localDate(new Date(), DEMO_DISTRICT.timeZone);
}

function printSummary(summary: DemoSummary, ms: number): void {
  console.log(
    `Demo district loaded in ${(ms / 1000).toFixed(1)} s: ${summary.schools} schools, ${summary.students} students, ` +
      `${summary.guardians} guardians, ${summary.staff} staff, ${summary.sections} sections, ` +
      `${summary.sectionEnrollments} class enrollments.`,
  );
}

export function printDemoAccounts(summary: Pick<DemoSummary, 'accounts'>, baseUrl: string): void {
  console.log(`\nDemo sign-ins (also listed on ${baseUrl}/sign-in):`);
  for (const a of summary.accounts) {
    console.log(`  ${a.role.padEnd(15)} ${a.username.padEnd(18)} ${a.password.padEnd(20)} ${a.name} — ${a.detail}`);
  }
}

async function serve(args: string[]): Promise<void> {
  const { values } = parse(args, {
    demo: { type: 'boolean', default: false },
    port: { type: 'string' },
    host: { type: 'string' },
    'no-worker': { type: 'boolean', default: false },
    processes: { type: 'string' },
  });
  const env = { ...process.env };
  if (values.demo) env.DEMO_MODE = 'true';
  if (values.port !== undefined) env.PORT = String(values.port);
  if (values.host !== undefined) env.HOST = String(values.host);
  if (values.processes !== undefined) env.WEB_PROCESSES = String(values.processes);
  const config = loadConfig(env);
  const processes = config.webProcesses;
  // With several web processes, this one prepares the database, then forks them and only watches.
  if (cluster.isWorker) return serveProcess(config, Boolean(values['no-worker']) || process.env.HOMEROOM_BACKGROUND !== '1');
  const database = await openDatabase(config);
  if (config.demoMode && (await isEmpty(database))) {
    console.log('The database is empty: loading the demo district (about 600 students)…');
    const started = Date.now();
    printSummary(await loadDemo(database, { students: 600, seed: 1, startYear: defaultStartYear(), asOf: demoAsOf() }), Date.now() - started);
  }
  if (processes > 1) {
    await database.close();
    return forkWebProcesses(config, processes, Boolean(values['no-worker']));
  }
  return serveProcess(config, Boolean(values['no-worker']), database);
}

/**
 * Several web processes on one port (Node's cluster: the first process hands connections to the
 * others). Sessions and jobs live in the database, so any process can serve any request; only the
 * first runs the background worker. A process that dies is replaced.
 */
/** A web process that dies within this long of its start counts as dying soon after starting. */
const QUICK_DEATH_MS = 10_000;
const RESTART_WAIT_MAX_MS = 30_000;

async function forkWebProcesses(config: Config, processes: number, noWorker: boolean): Promise<void> {
  // Connections are handed to the web processes in turn by the first process (Node's default): with the
  // kernel left to spread them, 8 keep-alive connections were measured landing mostly on one process.
  cluster.schedulingPolicy = cluster.SCHED_RR;
  let listening = 0;
  let stopping = false;
  /** per web process: has one ever listened, and how many in a row died soon after starting */
  const served = new Array<boolean>(processes).fill(false);
  const quickDeaths = new Array<number>(processes).fill(0);
  const fork = (index: number) => {
    const started = Date.now();
    const child = cluster.fork({ HOMEROOM_BACKGROUND: index === 0 && !noWorker ? '1' : '0', HOMEROOM_QUIET: '1', HOMEROOM_WEB_INDEX: String(index) });
    child.on('listening', () => {
      if (!served[index]) {
        served[index] = true;
        if (++listening === processes) void announce(config, `${processes} web processes`);
      }
    });
    child.on('exit', (code) => {
      if (stopping) return;
      // Never started at all: its configuration or installation is wrong (its error is above), and
      // starting it again would fail again, as fast as it can, for good.
      if (!served[index]) {
        console.error(`web process ${index + 1} could not start (${code}); stopping Homeroom — see the error above`);
        stop(1);
        return;
      }
      // A process that served and then died is replaced; one that keeps dying soon after starting is
      // replaced after a wait that doubles (1 s, 2 s, … 30 s), not in a loop.
      quickDeaths[index] = Date.now() - started < QUICK_DEATH_MS ? quickDeaths[index]! + 1 : 0;
      const wait = quickDeaths[index]! === 0 ? 0 : Math.min(RESTART_WAIT_MAX_MS, 1_000 * 2 ** (quickDeaths[index]! - 1));
      console.error(`web process ${index + 1} stopped (${code}); starting another${wait ? ` in ${wait / 1000} s` : ''}`);
      setTimeout(() => {
        if (!stopping) fork(index);
      }, wait);
    });
  };
  for (let i = 0; i < processes; i++) fork(i);
  const stop = (exitCode = 0) => {
    if (stopping) return;
    stopping = true;
    process.exitCode = exitCode;
    for (const child of Object.values(cluster.workers ?? {})) child?.process.kill('SIGTERM');
    setTimeout(() => process.exit(), 5_000).unref();
    if (Object.keys(cluster.workers ?? {}).length === 0) process.exit();
    cluster.on('exit', () => {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit();
    });
  };
  process.once('SIGINT', () => stop());
  process.once('SIGTERM', () => stop());
}

async function announce(config: Config, what: string, port = config.port, database?: Database): Promise<void> {
  const url = config.baseUrl.includes(`:${config.port}`) ? config.baseUrl.replace(`:${config.port}`, `:${port}`) : config.baseUrl;
  const label = database?.label ?? redactUrl(config.databaseUrl);
  console.log(`\nHomeroom is running at ${url} (database: ${label}; ${what})`);
  if (config.demoMode) {
    const db = database ?? (await connect(config.databaseUrl));
    try {
      const { getDistrictProfile } = await import('../domain/district/service.js');
      const district = await getDistrictProfile(db.db);
      if (district.settings.demo) printDemoAccounts(district.settings.demo, url);
    } finally {
      if (!database) await db.close();
    }
  }
}

/** One web process: the app, and the background worker unless told otherwise. */
async function serveProcess(config: Config, noWorker: boolean, opened?: Database): Promise<void> {
  // Web processes share the cores for password hashing: one hashing thread per core in all.
  setHashingThreads(hashingShare(os.availableParallelism(), config.webProcesses, Number(process.env.HOMEROOM_WEB_INDEX ?? 0)));
  const database = opened ?? (await openDatabase(config));
  const { buildApp } = await import('../web/app.js');
  const app = await buildApp({ config, database });
  await openConnections(database);
  faultPoint('web.before-listen');
  const background = noWorker ? null : await startBackground(database, config, (error) => app.log.error({ err: error }, 'background job failed'));
  const close = async () => {
    await background?.stop();
    await app.close();
    await database.close();
    process.exit(0);
  };
  process.once('SIGINT', close);
  process.once('SIGTERM', close);
  await app.listen({ port: config.port, host: config.host });
  if (process.env.HOMEROOM_QUIET === '1') return;
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  await announce(config, 'one web process', port, database);
}

/** The worker and the scheduler of background jobs, in this process. */
async function startBackground(database: Database, config: Config, onError: (error: unknown) => void) {
  const { startWorker } = await import('../jobs/worker.js');
  const { startScheduler } = await import('../jobs/scheduler.js');
  const { jobHandlers, schedules, afterRestart, currentSchedules, SCHEDULE_REFRESH_MS } = await import('../jobs/registry.js');
  const { getDistrictProfile, NoDistrictError } = await import('../domain/district/service.js');
  const now = () => new Date();
  const district = await getDistrictProfile(database.db).catch((error: unknown) => {
    if (error instanceof NoDistrictError) return null;
    throw error;
  });
  // Runs of a process that died end as "interrupted" now, not at the next housekeeping.
  await afterRestart(database.db, now());
  const worker = startWorker({ database, handlers: jobHandlers(config), now, onError, onReleased: (ids) => announceReleased(ids) });
  const scheduler = startScheduler({ db: database.db, schedules: schedules(district, config.importDir), now, onError });
  // A district administrator's new nightly hour or time zone reschedules this process without a restart.
  const refresh = setInterval(() => {
    currentSchedules(database.db, config.importDir).then((list) => scheduler.update(list), onError);
  }, SCHEDULE_REFRESH_MS);
  refresh.unref();
  return {
    async stop() {
      clearInterval(refresh);
      scheduler.stop();
      await worker.stop();
    },
  };
}

function announceReleased(ids: number[]): void {
  if (process.env.HOMEROOM_QUIET !== '1') console.log(`Taking over job${ids.length === 1 ? '' : 's'} ${ids.join(', ')}: the process that ran ${ids.length === 1 ? 'it' : 'them'} has stopped.`);
}

async function worker(args: string[]): Promise<void> {
  const { values } = parse(args, { 'until-idle': { type: 'boolean', default: false } });
  const config = loadConfig();
  const database = await openDatabase(config);
  const { startMailer } = await import('../jobs/mailer.js');
  const { transportFor } = await import('../email/transport.js');
  const mailer = startMailer({
    db: database.db,
    transport: transportFor(config),
    from: config.mailFrom,
    now: () => new Date(),
    intervalMs: values['until-idle'] ? 0 : 5_000,
    keepSecrets: config.demoMode,
    concurrency: config.mailConnections,
    onError: (error) => console.error('email delivery failed:', error),
  });
  if (values['until-idle']) {
    try {
      await untilIdle(database, config);
      const sent = await mailer.flush();
      console.log(`Email: ${sent} sent.`);
    } finally {
      mailer.stop();
      await database.close();
    }
    return;
  }
  const background = await startBackground(database, config, (error) => console.error('background job failed:', error));
  console.log(`Homeroom worker running (database: ${database.label}). Stop it with Ctrl-C.`);
  // The worker's own timers do not hold the process open (so that `serve` can stop cleanly): this does.
  const keepAlive = setInterval(() => undefined, 60_000);
  const stop = async () => {
    clearInterval(keepAlive);
    mailer.stop();
    await background.stop();
    await database.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

/** Every due job, one after another, then back: `homeroom worker --until-idle`. */
async function untilIdle(database: Database, config: Config): Promise<void> {
  const { startWorker } = await import('../jobs/worker.js');
  const { jobHandlers, afterRestart } = await import('../jobs/registry.js');
  const now = () => new Date();
  const worker = startWorker({
    database,
    handlers: jobHandlers(config),
    now,
    pollMs: 0,
    onError: (error, kind) => console.error(`job ${kind} failed:`, error),
    onReleased: announceReleased,
  });
  await worker.recover();
  await afterRestart(database.db, now());
  let ran = 0;
  while (await worker.runOnce()) ran++;
  console.log(`Jobs: ${ran} run.`);
}

async function migrate(args: string[]): Promise<void> {
  parse(args, {});
  const config = loadConfig();
  const database = await connect(config.databaseUrl);
  try {
    const result = await migrateToLatest(database);
    const applied = result.results ?? [];
    console.log(
      applied.length === 0
        ? `The database is up to date (${database.label}).`
        : `Applied ${applied.map((r) => r.migrationName).join(', ')} to ${database.label}.`,
    );
  } finally {
    await database.close();
  }
}

async function demo(args: string[]): Promise<void> {
  const { values } = parse(args, {
    students: { type: 'string' },
    seed: { type: 'string' },
    year: { type: 'string' },
    reset: { type: 'boolean', default: false },
  });
  const students = positiveInt('students', values.students as string | undefined, 600, 5_000_000);
  const seed = positiveInt('seed', values.seed as string | undefined, 1, 2 ** 31 - 1);
  const startYear = positiveInt('year', values.year as string | undefined, defaultStartYear(), 2200);
  if (startYear < 2000) throw new UsageError(`--year must be 2000 or later (got ${startYear})`);
  const config = loadConfig();
  const database = await openDatabase(config);
  try {
    const started = Date.now();
    const summary = await loadDemo(database, { students, seed, startYear, asOf: demoAsOf() }, { reset: Boolean(values.reset) });
    printSummary(summary, Date.now() - started);
    printDemoAccounts(summary, config.baseUrl);
  } finally {
    await database.close();
  }
}

async function studentAccounts(rest: string[]): Promise<void> {
  const { values } = parse(rest, { school: { type: 'string' }, grade: { type: 'string' }, out: { type: 'string' } });
  if (!values.out) throw new UsageError('--out FILE is required: the roster is the only copy of random first passwords');
  const grade = values.grade === undefined ? undefined : positiveInt('grade', String(values.grade), 0, 12);
  const config = loadConfig();
  const database = await openDatabase(config);
  try {
    const { createStudentAccounts, NoInitialPasswordsError } = await import('../domain/accounts/student-accounts.js');
    const { getDistrictProfile } = await import('../domain/district/service.js');
    const { stringify } = await import('csv-stringify/sync');
    const district = await getDistrictProfile(database.db);
    let roster;
    try {
      roster = await createStudentAccounts(
        database.db,
        { policy: district.settings.initialStudentPassword, schoolNumber: values.school as string | undefined, grade },
        new Date(),
      );
    } catch (error) {
      if (error instanceof NoInitialPasswordsError) throw new CliError(error.message);
      throw error;
    }
    const { writeFileSync } = await import('node:fs');
    writeFileSync(
      String(values.out),
      stringify(
        roster.map((r) => ({ school: r.school, grade: r.grade, student_number: r.studentNumber, first_name: r.firstName, last_name: r.lastName, username: r.username, first_password: r.password })),
        { header: true, columns: ['school', 'grade', 'student_number', 'first_name', 'last_name', 'username', 'first_password'] },
      ),
      { mode: 0o600 },
    );
    console.log(`Created ${roster.length} student account(s) (${district.settings.initialStudentPassword}); roster written to ${String(values.out)}.`);
  } finally {
    await database.close();
  }
}

async function generateAccounts(rest: string[]): Promise<void> {
  const { values } = parse(rest, { batch: { type: 'string' } });
  const batchSize = positiveInt('batch', values.batch as string | undefined, 2_000, 100_000);
  const config = loadConfig();
  const database = await openDatabase(config);
  try {
    const { generateParentAccounts } = await import('../domain/accounts/parent-generation.js');
    const { getDistrictProfile } = await import('../domain/district/service.js');
    const { adultCutoff } = await import('../domain/district/settings.js');
    const district = await getDistrictProfile(database.db);
    const started = Date.now();
    const s = await generateParentAccounts(database.db, {
      now: () => new Date(),
      batchSize,
      adultBornOnOrBefore: adultCutoff(district.settings, localDate(new Date(), district.timeZone)),
    });
    if (s.resumedFrom !== null) console.log(`Resuming run ${s.resumedFrom}, which was interrupted before it ended.`);
    console.log(
      `Parent accounts: ${s.created} created in ${((Date.now() - started) / 1000).toFixed(1)} s, welcome emails queued. ` +
        `Skipped: ${s.skippedHasAccount} already have an account, ${s.skippedNoEmail} without email, ` +
        `${s.skippedSharedEmail} with an email another person has, ${s.skippedNoPortalAccess} without portal access to an enrolled student, ` +
        `${s.skippedUsernameTaken} whose email is another account's username.`,
    );
    if (s.skippedNoEmail + s.skippedSharedEmail > 0) {
      console.log('Guardians without a unique email need Activation Keys: homeroom accounts keys --for guardians …');
    }
  } finally {
    await database.close();
  }
}

async function accounts(args: string[]): Promise<void> {
  const [sub, ...rest] = args;
  if (sub === 'students') return studentAccounts(rest);
  if (sub === 'generate') return generateAccounts(rest);
  if (sub !== 'keys') throw new UsageError(sub ? `Unknown accounts command "${sub}"` : 'accounts needs a command: generate, keys or students');
  const { values } = parse(rest, {
    students: { type: 'string' },
    for: { type: 'string', default: 'students' },
    format: { type: 'string', default: 'pdf' },
    out: { type: 'string' },
  });
  const numbers = String(values.students ?? '')
    .split(/[\s,;]+/)
    .filter(Boolean);
  if (numbers.length === 0) throw new UsageError('--students needs one or more student numbers');
  const include = String(values.for);
  if (include !== 'students' && include !== 'guardians' && include !== 'both') {
    throw new UsageError(`--for must be students, guardians or both (got "${include}")`);
  }
  const format = String(values.format);
  if (format !== 'pdf' && format !== 'csv') throw new UsageError(`--format must be pdf or csv (got "${format}")`);
  if (!values.out) throw new UsageError('--out FILE is required: the keys are shown only once');
  const out = String(values.out);
  const config = loadConfig();
  const database = await openDatabase(config);
  try {
    const { issueKeysForStudents } = await import('../domain/accounts/activation.js');
    const { operatorScope } = await import('../domain/access/staff.js');
    const { activationCsv, activationLetters } = await import('../documents/activation-letters.js');
    const { getDistrictProfile } = await import('../domain/district/service.js');
    const district = await getDistrictProfile(database.db);
    const result = await issueKeysForStudents(
      database.db,
      { scope: operatorScope(), numbers, include, issuedBy: null, days: district.settings.activationKeyDays, confirmed: true },
      new Date(),
    );
    for (const s of result.kind === 'outside' ? [] : result.skipped) {
      console.error(
        s.reason === 'unknown'
          ? `skipped: no student has the number ${s.number}`
          : s.reason === 'hasAccount'
            ? `skipped: ${s.recipient} already has an account`
            : `skipped: ${s.recipient} has no parent or guardian with portal access`,
      );
    }
    if (result.kind !== 'issued') throw new CliError('No keys issued.');
    const { issued } = result;
    const { writeFileSync } = await import('node:fs');
    writeFileSync(
      out,
      format === 'csv'
        ? activationCsv(issued, district.timeZone)
        : await activationLetters(issued, { ...district, baseUrl: config.baseUrl }),
      { mode: 0o600 },
    );
    console.log(`Issued ${issued.length} activation key(s), valid ${district.settings.activationKeyDays} days, written to ${out}.`);
  } finally {
    await database.close();
  }
}

class CliError extends Error {
  override name = 'CliError';
}

async function importCommand(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === 'meals') return importMealsCommand(rest);
  if (sub !== 'oneroster') throw new UsageError(sub ? `Unknown import format "${sub}"` : 'import needs a format: oneroster or meals');
  let parsed;
  try {
    parsed = parseArgs({ args: rest, options: { 'dry-run': { type: 'boolean', default: false } }, strict: true, allowPositionals: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const [source, ...extra] = parsed.positionals;
  if (!source || extra.length > 0) throw new UsageError('import oneroster needs one PATH: the package (a zip file or a folder)');
  const config = loadConfig();
  const database = await openDatabase(config);
  try {
    const { openPackage } = await import('../domain/oneroster/read/package.js');
    const { ProblemSink } = await import('../domain/oneroster/records.js');
    const { runOneRosterImport } = await import('./import-oneroster.js');
    const problems = new ProblemSink();
    const pkg = await openPackage(source, problems);
    try {
      const { code } = await runOneRosterImport(database, pkg, problems, { dryRun: Boolean(parsed.values['dry-run']), source, out: process.stdout });
      return code;
    } finally {
      await pkg.close();
    }
  } finally {
    await database.close();
  }
}

async function importMealsCommand(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args, options: { 'dry-run': { type: 'boolean', default: false } }, strict: true, allowPositionals: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const [file, ...extra] = parsed.positionals;
  if (!file || extra.length > 0) throw new UsageError('import meals needs one FILE: the point-of-sale CSV');
  const { readFileSync } = await import('node:fs');
  const { basename } = await import('node:path');
  let content: Buffer;
  try {
    content = readFileSync(file);
  } catch (error) {
    throw new CliError(`cannot read ${file}: ${(error as Error).message}`);
  }
  const config = loadConfig();
  const database = await openDatabase(config);
  try {
    const { runMealImport } = await import('./import-meals.js');
    return await runMealImport(database, content, { file: basename(file), dryRun: Boolean(parsed.values['dry-run']), out: process.stdout });
  } finally {
    await database.close();
  }
}

async function exportCommand(args: string[]): Promise<void> {
  const [sub, ...rest] = args;
  if (sub !== 'oneroster') throw new UsageError(sub ? `Unknown export format "${sub}"` : 'export needs a format: oneroster');
  const { values } = parse(rest, { out: { type: 'string' }, force: { type: 'boolean', default: false } });
  if (!values.out) throw new UsageError('--out FILE.zip is required');
  const out = String(values.out);
  const config = loadConfig();
  const database = await openDatabase(config);
  try {
    const { exportPackage, ExportError } = await import('../domain/oneroster/export/index.js');
    let summary;
    try {
      summary = await exportPackage(database, out, { overwrite: Boolean(values.force) });
    } catch (error) {
      if (error instanceof ExportError) throw new CliError(error.message);
      throw error;
    }
    const width = Math.max(...summary.files.map((f) => f.name.length));
    for (const f of summary.files) {
      const rate = f.ms > 0 ? Math.round(f.rows / (f.ms / 1000)) : 0;
      console.log(`  ${f.name.padEnd(width)} ${f.rows.toLocaleString('en-US').padStart(12)} rows  ${(f.ms / 1000).toFixed(1).padStart(6)} s  ${rate.toLocaleString('en-US')} rows/s`);
    }
    for (const w of summary.warnings) console.error(`warning: ${w}`);
    if (summary.warningCount > summary.warnings.length) console.error(`… and ${summary.warningCount - summary.warnings.length} more warnings`);
    console.log(
      `OneRoster 1.2 package written to ${summary.out}: ${summary.rows.toLocaleString('en-US')} rows in ${(summary.ms / 1000).toFixed(1)} s ` +
        `(${(summary.bytes / 1024 / 1024).toFixed(1)} MiB).`,
    );
  } finally {
    await database.close();
  }
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  try {
    switch (command) {
      case 'serve':
        await serve(args);
        return 0;
      case 'migrate':
        await migrate(args);
        return 0;
      case 'demo':
        await demo(args);
        return 0;
      case 'accounts':
        await accounts(args);
        return 0;
      case 'worker':
        await worker(args);
        return 0;
      case 'import':
        return await importCommand(args);
      case 'export':
        await exportCommand(args);
        return 0;
      case 'help':
      case '--help':
      case '-h':
        console.log(USAGE);
        return 0;
      default:
        throw new UsageError(command ? `Unknown command "${command}"` : 'No command given');
    }
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`homeroom: ${error.message}\n\n${USAGE}`);
      return 2;
    }
    if (error instanceof ConfigError || error instanceof DistrictExistsError || error instanceof CliError) {
      console.error(`homeroom: ${error.message}`);
      return 1;
    }
    throw error;
  }
}

// Run when executed directly (bin/homeroom.js, or tsx src/cli/main.ts).
const self = process.argv[1] ?? '';
if (/cli[\\/]main\.[jt]s$/.test(self)) {
  main(process.argv.slice(2)).then(
    (code) => {
      if (code !== 0 || (process.argv[2] !== 'serve' && process.argv[2] !== 'worker')) process.exitCode = code;
    },
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
