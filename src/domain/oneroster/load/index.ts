/**
 * The OneRoster loader (issue 20, ADR 0024): an opened package's records become Homeroom's rows.
 *
 * One run is one transaction. The records are streamed into temporary staging tables (./staging.ts);
 * duplicates, references and the rows each record needs are checked there with set-based SQL, every
 * problem reported with its file, line, column and value; only a package without errors is applied, as
 * set-based inserts and updates, and a dry run takes the same path and rolls it back at the end. Nothing
 * of a file is held in memory beyond one batch of rows.
 *
 * What the import owns and what Homeroom owns: a field is written when the SIS's value changed since
 * the last import (the last values are kept in `oneroster_last_*`), so an edit made in Homeroom stays
 * until the SIS changes that field itself. Accounts, passwords, security emails, sessions, feeds,
 * requests, guardian links' rights and contact order are never written, except that a person who leaves
 * the SIS loses portal access (account disabled, sessions ended) and gets it back on returning.
 */
import { sql, type Kysely } from 'kysely';
import type { Database, Dialect } from '../../../db/connect.js';
import type { DB } from '../../../db/schema.js';
import type { MessageKey } from '../../../i18n/index.js';
import { faultPoint } from '../../../jobs/faults.js';
import { holderGone, holderId } from '../../../jobs/holders.js';
import { localDate } from '../../calendar/dates.js';
import { recordChangesSelected } from '../../changes/service.js';
import { addStarterSet } from '../../district/starter.js';
import { ONEROSTER_FILES, PROBLEM_LIMIT, type OneRosterFile, type OneRosterPackage, type OneRosterVersion, type Problem, type ProblemSink, type RecordOf } from '../records.js';
import { loadAttendance } from './attendance.js';
import type { LoadContext } from './context.js';
import { loadGradebook } from './gradebook.js';
import { createStaging, indexStaging, readOnly, stageAttendance, stageFile, STAGED_FILES, Temporaries, type FileRead, type Progress } from './staging.js';

/**
 * Every problem the loader reports (`Problem.code`) and its message in the catalogs: the type check
 * proves that each has one, in English and Spanish.
 */
export const LOAD_PROBLEMS = {
  'load.ambiguous': 'oneroster.problem.load.ambiguous',
  'load.courseNoSchool': 'oneroster.problem.load.courseNoSchool',
  'load.districtCreated': 'oneroster.problem.load.districtCreated',
  'load.duplicateId': 'oneroster.problem.load.duplicateId',
  'load.duplicateKey': 'oneroster.problem.load.duplicateKey',
  'load.endBeforeStart': 'oneroster.problem.load.endBeforeStart',
  'load.enrollmentNotStaff': 'oneroster.problem.load.enrollmentNotStaff',
  'load.enrollmentNotStudent': 'oneroster.problem.load.enrollmentNotStudent',
  'load.enrollmentSchool': 'oneroster.problem.load.enrollmentSchool',
  'load.failed': 'oneroster.problem.load.failed',
  'load.keyTaken': 'oneroster.problem.load.keyTaken',
  'load.manyDistricts': 'oneroster.problem.load.manyDistricts',
  'load.missingReference': 'oneroster.problem.load.missingReference',
  'load.mixedRoles': 'oneroster.problem.load.mixedRoles',
  'load.noBellSchedule': 'oneroster.problem.load.noBellSchedule',
  'load.noDistrict': 'oneroster.problem.load.noDistrict',
  'load.notASchool': 'oneroster.problem.load.notASchool',
  'load.notDeleted': 'oneroster.problem.load.notDeleted',
  'load.notLoaded': 'oneroster.problem.load.notLoaded',
  'load.scoreScaleIgnored': 'oneroster.problem.load.scoreScaleIgnored',
  'load.otherDistrict': 'oneroster.problem.load.otherDistrict',
  'load.sameCourseTwice': 'oneroster.problem.load.sameCourseTwice',
  'load.sameRecord': 'oneroster.problem.load.sameRecord',
  'load.starterSet': 'oneroster.problem.load.starterSet',
  'load.studentNoBirthDate': 'oneroster.problem.load.studentNoBirthDate',
  'load.studentNoGrade': 'oneroster.problem.load.studentNoGrade',
  'load.studentNoIdentifier': 'oneroster.problem.load.studentNoIdentifier',
  'load.studentNoSchool': 'oneroster.problem.load.studentNoSchool',
  'load.unknownPeriod': 'oneroster.problem.load.unknownPeriod',
  'load.userIgnored': 'oneroster.problem.load.userIgnored',
  'load.userNoRole': 'oneroster.problem.load.userNoRole',
  'load.lineItemPeriod': 'oneroster.problem.load.lineItemPeriod',
  'load.resultNotStudent': 'oneroster.problem.load.resultNotStudent',
  'load.resultNotEnrolled': 'oneroster.problem.load.resultNotEnrolled',
  'load.scoreRange': 'oneroster.problem.load.scoreRange',
  'load.attendanceCode': 'oneroster.problem.load.attendanceCode',
  'load.attendanceDate': 'oneroster.problem.load.attendanceDate',
  'load.attendanceNotEnrolled': 'oneroster.problem.load.attendanceNotEnrolled',
  'load.attendanceExcused': 'oneroster.problem.load.attendanceExcused',
} as const satisfies Record<string, MessageKey>;
export type LoadProblemCode = keyof typeof LOAD_PROBLEMS;

export const LOAD_KINDS = [
  'schools', 'sessions', 'courses', 'sections', 'students', 'staff', 'guardians', 'links', 'enrollments', 'teachers', 'categories', 'assignments', 'scores', 'attendance',
] as const;
export type LoadKind = (typeof LOAD_KINDS)[number];

export interface KindCounts {
  created: number;
  updated: number;
  deactivated: number;
  reactivated: number;
  unchanged: number;
}

export interface FileStats {
  file: string;
  rows: number;
  rowsPerSecond: number;
}

export interface ImportReport {
  runId: number;
  version: OneRosterVersion;
  dryRun: boolean;
  /** true: the package was applied (or, in a dry run, would have been) */
  ok: boolean;
  /** true only for the first import that wrote (no change events are recorded for it) */
  firstImport: boolean;
  counts: Record<LoadKind, KindCounts>;
  files: FileStats[];
  errors: number;
  warnings: number;
  /** problems found but not kept (beyond PROBLEM_LIMIT) */
  omitted: number;
  problems: Problem[];
  startedAt: string;
  finishedAt: string;
  /** seconds spent reading the package into the staging tables, outside any write transaction */
  stagingSeconds: number;
  /** seconds of the write transaction (checks and apply): on SQLite, how long the write lock was held */
  writeSeconds: number;
}

export interface ImportOptions {
  dryRun: boolean;
  now: Date;
  actorAccountId: number | null;
  /** the package's path, for the run log */
  source?: string;
  onProgress?: Progress;
}

/** How many runs' reports are kept. */
export const RUNS_KEPT = 10;

/** The time zone a district made by an import gets until an administrator sets its own. */
export const NEW_DISTRICT_TIME_ZONE = 'America/New_York';

/** Ends the transaction without writing: errors were found, or it is a dry run. */
class Rollback extends Error {}

/** OneRoster roles to Homeroom's kind of person. */
const STUDENT_ROLES = `('student')`;
const GUARDIAN_ROLES = `('guardian', 'parent', 'relative')`;
const STAFF_ROLES = `('teacher', 'administrator', 'districtAdministrator', 'siteAdministrator', 'systemAdministrator', 'principal', 'counselor')`;

export async function importPackage(database: Database, pkg: OneRosterPackage, problems: ProblemSink, options: ImportOptions): Promise<ImportReport> {
  // One connection for the whole run: its temporary tables live on it, from the first staged row to the apply.
  return database.db.connection().execute((conn) => runImport(conn, database.dialect, pkg, problems, options));
}

/**
 * A run, on its own connection, in three steps:
 *   1. the package is read into the staging tables OUTSIDE any write transaction: temporary tables are
 *      the connection's own, and writing them takes no lock on the database (SQLite: a temporary table
 *      is in the connection's `temp` database, whose lock is its own) — pages, staff saves, sign-ins
 *      and the job worker's lease heartbeat keep writing meanwhile;
 *   2. checks and apply in ONE write transaction, the only time the run holds SQLite's write lock;
 *   3. the temporary tables are dropped, whatever happened.
 * A failure at any row, a dry run, or a process killed anywhere writes nothing of the package.
 */
async function runImport(conn: Kysely<DB>, dialect: Dialect, pkg: OneRosterPackage, problems: ProblemSink, options: ImportOptions): Promise<ImportReport> {
  const startedAt = options.now.toISOString();
  const began = performance.now();
  await holdImports(conn, dialect);
  try {
    const run = await conn
      .insertInto('import_runs')
      .values({ kind: 'oneroster', status: 'running', dry_run: options.dryRun ? 1 : 0, source: options.source ?? null, started_by: options.actorAccountId, started_at: startedAt, holder: holderId() })
      .returning('id')
      .executeTakeFirstOrThrow();
    await endInterruptedRuns(conn, dialect, run.id, options.now);
    // Decided inside the write transaction (a run that finished meanwhile counts).
    let firstImport = false;
    const counts = Object.fromEntries(LOAD_KINDS.map((k) => [k, { created: 0, updated: 0, deactivated: 0, reactivated: 0, unchanged: 0 }])) as Record<LoadKind, KindCounts>;
    const files: FileRead[] = [];
    const timing = { stagingSeconds: 0, writeSeconds: 0 };
    const reportOf = (ok: boolean): ImportReport => ({
      runId: run.id,
      version: pkg.version,
      dryRun: options.dryRun,
      ok,
      firstImport: firstImport && ok && !options.dryRun,
      counts,
      files: files.map((f) => ({ file: f.file, rows: f.rows, rowsPerSecond: f.seconds > 0 ? Math.round(f.rows / f.seconds) : f.rows })),
      errors: problems.errors,
      warnings: problems.warnings,
      omitted: problems.omitted,
      problems: problems.list(),
      startedAt,
      // `now` is the run's clock (tests give a fixed one): it finishes that long after it started.
      finishedAt: new Date(options.now.getTime() + (performance.now() - began)).toISOString(),
      ...timing,
    });
    const loader = new Loader(conn as unknown as Kysely<any>, dialect, pkg, problems, options, counts);
    let report: ImportReport | undefined;
    try {
      const staging = performance.now();
      try {
        await loader.stage(files);
      } finally {
        timing.stagingSeconds = (performance.now() - staging) / 1000;
      }
      faultPoint('oneroster.after-stage');
      const writing = performance.now();
      try {
        await conn.transaction().execute(async (trx) => {
          firstImport = (await trx.selectFrom('import_runs').select('id').where('kind', '=', 'oneroster').where('status', '=', 'done').where('dry_run', '=', 0).limit(1).executeTakeFirst()) === undefined;
          loader.within(trx as unknown as Kysely<any>, firstImport);
          await loader.apply();
          // for the report the run logs (the one returned counts the commit too)
          timing.writeSeconds = (performance.now() - writing) / 1000;
          report = reportOf(true);
          if (options.dryRun) throw new Rollback();
          // Applied: the run is logged done in the same transaction, so no moment exists where its rows are
          // written and its log says running.
          await logRun(trx, report);
          faultPoint('oneroster.before-commit');
        });
      } finally {
        timing.writeSeconds = (performance.now() - writing) / 1000;
        loader.within(conn as unknown as Kysely<any>, firstImport);
      }
      return { ...report!, writeSeconds: timing.writeSeconds };
    } catch (error) {
      if (!(error instanceof Rollback)) {
        report = undefined;
        problems.add({ severity: 'error', code: 'load.failed', file: null, line: null, column: null, value: null, expected: null, detail: error instanceof Error ? error.message : String(error) });
      }
    } finally {
      await loader.temps.dropAll();
    }
    // Rolled back (errors, a dry run, a failure): logged on its own.
    const final = report ? { ...report, writeSeconds: timing.writeSeconds } : reportOf(false);
    await conn.transaction().execute((trx) => logRun(trx, final));
    return final;
  } finally {
    await releaseImports(conn, dialect);
  }
}

/** Writes the run's status and report, and keeps the last RUNS_KEPT runs. */
async function logRun(trx: Kysely<DB>, report: ImportReport): Promise<void> {
  await trx
    .updateTable('import_runs')
    .set({ status: report.ok ? 'done' : 'failed', finished_at: report.finishedAt, report: JSON.stringify(report) })
    .where('id', '=', report.runId)
    .execute();
  const kept = await trx.selectFrom('import_runs').select('id').orderBy('id', 'desc').limit(RUNS_KEPT).execute();
  await trx.deleteFrom('import_runs').where('id', 'not in', kept.map((r) => r.id)).execute();
}

/**
 * Imports run one at a time. On PostgreSQL a run holds a session-level advisory lock on its connection
 * from before its log row exists to its end (the next run waits for it; the server lets it go when the
 * connection ends, a killed process included). On SQLite runs read their packages side by side and
 * apply one at a time, in turn for the write lock.
 */
async function holdImports(conn: Kysely<DB>, dialect: Dialect): Promise<void> {
  if (dialect === 'postgres') await sql`select pg_advisory_lock(hashtext('homeroom.import.oneroster'))`.execute(conn);
}

async function releaseImports(conn: Kysely<DB>, dialect: Dialect): Promise<void> {
  if (dialect !== 'postgres') return;
  // A connection that cannot run this has ended, and its session's lock with it.
  await sql`select pg_advisory_unlock(hashtext('homeroom.import.oneroster'))`.execute(conn).catch(() => undefined);
}

/**
 * A run whose process died (killed, a power cut) stays 'running' in the log, and whatever it had
 * written died with its transaction: the next run marks it failed. On PostgreSQL every other running
 * run is dead, since this one holds the import lock and a run logs itself only once it holds it; on
 * SQLite, where a live run holds no lock while it reads its package, a run is dead when its holder's
 * process is known to be gone (jobs/holders.ts; a run logged before holders were kept has none).
 */
async function endInterruptedRuns(db: Kysely<DB>, dialect: Dialect, runId: number, now: Date): Promise<void> {
  const running = await db.selectFrom('import_runs').select(['id', 'holder']).where('kind', '=', 'oneroster').where('status', '=', 'running').where('id', '<>', runId).execute();
  const dead = running.filter((r) => dialect === 'postgres' || r.holder === null || holderGone(r.holder)).map((r) => r.id);
  if (dead.length === 0) return;
  await db.updateTable('import_runs').set({ status: 'failed', finished_at: now.toISOString() }).where('id', 'in', dead).execute();
}

interface ProblemRow {
  file: string | null;
  line: number | null;
  value: string | null;
  detail?: string | null;
}

interface Target {
  kind: LoadKind;
  table: string;
  /** the resolved staging table: sourced_id, file, line, row_id, is_new, claimed and the fields */
  r: string;
  last: string;
  fields: string[];
  /** columns only written when the row is created, as expressions over the staging row `s` */
  insertOnly?: Record<string, string>;
  /**
   * How a row made in Homeroom without a sourced_id is found on a first import (ADR 0029): the keys
   * in order, each a condition over the table's row `d` and the staging row (the resolved table by its
   * name). The first key that finds exactly one row matches. A `strict` key names one record: finding
   * several is an error (`load.ambiguous`), not a reason to try the next key; a key that is only a hint
   * (an email two people share) is passed over when it finds several.
   */
  natural?: NaturalKey[];
}

interface NaturalKey {
  where: string;
  strict: boolean;
  /** for an ambiguous match: the OneRoster column and the staging row's value (an expression over `s`) */
  column: string;
  value: string;
}

class Loader {
  readonly temps: Temporaries;
  /** on the first import that writes, no change events are recorded: decided in the write transaction */
  private firstImport = false;
  private readonly now: string;
  private today: string;
  private yesterday: string;

  constructor(
    private db: Kysely<any>,
    private readonly dialect: Dialect,
    private readonly pkg: OneRosterPackage,
    private readonly problems: ProblemSink,
    private readonly options: ImportOptions,
    private readonly counts: Record<LoadKind, KindCounts>,
  ) {
    this.temps = new Temporaries(db, dialect);
    this.now = options.now.toISOString();
    // Calendar dates are the district's; before the district is known, UTC's (fixed in apply()).
    this.today = options.now.toISOString().slice(0, 10);
    this.yesterday = new Date(Date.parse(`${this.today}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
  }

  /** Runs the later steps on `db`: the run's write transaction, on the same connection as the staging. */
  within(db: Kysely<any>, firstImport: boolean): void {
    this.db = db;
    this.temps.within(db);
    this.firstImport = firstImport;
  }

  // ── SQL helpers ──────────────────────────────────────────────────────────────────────────────────

  private async exec(text: string): Promise<number> {
    const result = await sql.raw(text).execute(this.db);
    return Number(result.numAffectedRows ?? 0);
  }

  private async rows<T>(text: string): Promise<T[]> {
    return (await sql.raw<T>(text).execute(this.db)).rows;
  }

  private async number(text: string): Promise<number> {
    const [row] = await this.rows<{ n: number | string | null }>(text);
    return Number(row?.n ?? 0);
  }

  private get nowLit(): string {
    return this.dialect === 'postgres' ? `cast('${this.now}' as timestamptz)` : `'${this.now}'`;
  }

  private date(d: string): string {
    return this.dialect === 'postgres' ? `cast('${d}' as date)` : `'${d}'`;
  }

  /** How a file is given. In 1.1 the roles come from users.csv (the reader makes them), so they are given as it is. */
  private mode(file: OneRosterFile) {
    return file === 'roles' && this.pkg.version === '1.1' ? this.pkg.modes.users : this.pkg.modes[file];
  }

  /** Reports every row `select` finds (file, line, value[, detail]): all counted, the first PROBLEM_LIMIT kept. */
  private async report(severity: Problem['severity'], code: LoadProblemCode, select: string, column: string | null, expected: string | null = null): Promise<number> {
    const total = await this.number(`select count(*) as n from (${select}) x`);
    if (total === 0) return 0;
    const kept = await this.rows<ProblemRow>(`select * from (${select}) x order by file, line limit ${PROBLEM_LIMIT}`);
    let last: Problem | undefined;
    for (const r of kept) {
      last = { severity, code, file: r.file, line: r.line === null ? null : Number(r.line), column, value: r.value === null ? null : String(r.value), expected };
      if (r.detail) last.detail = String(r.detail);
      this.problems.add(last);
    }
    // Counted, not kept: the sink is full by now (total > PROBLEM_LIMIT rows were found).
    for (let i = kept.length; i < total && last; i++) this.problems.add(last);
    return total;
  }

  private add(problem: Omit<Problem, 'code'> & { code: LoadProblemCode }): void {
    this.problems.add(problem);
  }

  private stopIfErrors(): void {
    if (this.problems.errors > 0) throw new Rollback();
  }

  // ── reading ──────────────────────────────────────────────────────────────────────────────────────

  async stage(files: FileRead[]): Promise<void> {
    await createStaging(this.temps);
    for (const file of ONEROSTER_FILES) {
      if (this.mode(file) === 'absent') continue;
      if ((STAGED_FILES as string[]).includes(file)) {
        files.push(await stageFile(this.db, this.dialect, this.pkg, file as (typeof STAGED_FILES)[number], this.options.onProgress));
      } else {
        // A score scale is not used (ADR 0044): each one the package gives is named, so none is dropped silently.
        const scaleIgnored = (r: RecordOf[OneRosterFile]) => {
          if (r.status === 'active') this.add({ severity: 'warning', code: 'load.scoreScaleIgnored', file: r.at.file, line: r.at.line, column: 'sourcedId', value: r.sourcedId, expected: null });
        };
        const read = await readOnly(this.pkg, file, this.options.onProgress, file === 'scoreScales' ? scaleIgnored : undefined);
        files.push(read);
        if (read.rows > 0 && file !== 'userProfiles' && file !== 'scoreScales') {
          this.add({ severity: 'warning', code: 'load.notLoaded', file: `${file}.csv`, line: null, column: null, value: String(read.rows), expected: null });
        }
      }
    }
    if (this.pkg.hasAttendance) files.push(await stageAttendance(this.db, this.dialect, this.pkg, this.options.onProgress));
    // The reader's errors (rows it left out) stop the run as the loader's do.
    this.stopIfErrors();
    await indexStaging(this.db);
    for (const name of [...this.temps.names]) await this.temps.analyze(name);
  }

  // ── checks ───────────────────────────────────────────────────────────────────────────────────────

  /** Is the sourced id `x` (an SQL expression) a row of `target`: in the package, or already imported when the file is not bulk? */
  private known(target: 'orgs' | 'academicSessions' | 'courses' | 'classes' | 'users' | 'categories' | 'lineItems', x: string): string {
    const staged = { orgs: 's_orgs', academicSessions: 's_sessions', courses: 's_courses', classes: 's_classes', users: 's_users', categories: 's_categories', lineItems: 's_lineitems' }[target];
    const inDb = {
      orgs: `exists (select 1 from schools d where d.sourced_id = ${x}) or exists (select 1 from district d where d.sourced_id = ${x})`,
      academicSessions: `exists (select 1 from academic_sessions d where d.sourced_id = ${x})`,
      courses: `exists (select 1 from courses d where d.sourced_id = ${x})`,
      classes: `exists (select 1 from sections d where d.sourced_id = ${x})`,
      users: `exists (select 1 from students d where d.sourced_id = ${x}) or exists (select 1 from staff d where d.sourced_id = ${x}) or exists (select 1 from guardians d where d.sourced_id = ${x})`,
      categories: `exists (select 1 from grading_categories d where d.sourced_id = ${x})`,
      lineItems: `exists (select 1 from assignments d where d.sourced_id = ${x})`,
    }[target];
    const inPackage = `exists (select 1 from ${staged} t where t.sourced_id = ${x} and t.status = 'active')`;
    return this.mode(target) === 'bulk' ? `(${inPackage})` : `(${inPackage} or ${inDb})`;
  }

  private async checks(): Promise<void> {
    // The same sourcedId twice in a file: every later row is an error.
    for (const table of ['s_orgs', 's_sessions', 's_courses', 's_classes', 's_users', 's_roles', 's_enrollments', 's_demographics', 's_categories', 's_lineitems', 's_results']) {
      await this.report(
        'error',
        'load.duplicateId',
        `select s.file, s.line, s.sourced_id as value, (select cast(min(o.line) as text) from ${table} o where o.sourced_id = s.sourced_id) as detail
           from ${table} s where exists (select 1 from ${table} o where o.sourced_id = s.sourced_id and o.line < s.line)`,
        'sourcedId',
      );
    }
    this.stopIfErrors();

    // References to rows that are neither in the package nor (for a delta) already imported.
    const refs: [string, string, string, Parameters<Loader['known']>[0], boolean][] = [
      ['s_orgs', 'parent', 'parentSourcedId', 'orgs', true],
      ['s_sessions', 'parent', 'parentSourcedId', 'academicSessions', true],
      ['s_courses', 'org', 'orgSourcedId', 'orgs', true],
      ['s_courses', 'school_year', 'schoolYearSourcedId', 'academicSessions', true],
      ['s_classes', 'course', 'courseSourcedId', 'courses', true],
      ['s_classes', 'school', 'schoolSourcedId', 'orgs', true],
      ['s_class_terms', 'term', 'termSourcedIds', 'academicSessions', false],
      ['s_users', 'primary_org', 'primaryOrgSourcedId', 'orgs', true],
      ['s_agents', 'agent', 'agentSourcedIds', 'users', false],
      ['s_roles', 'user_sid', 'userSourcedId', 'users', true],
      ['s_roles', 'org', 'orgSourcedId', 'orgs', true],
      ['s_enrollments', 'class', 'classSourcedId', 'classes', true],
      ['s_enrollments', 'user_sid', 'userSourcedId', 'users', true],
      ['s_enrollments', 'school', 'schoolSourcedId', 'orgs', true],
      ['s_demographics', 'sourced_id', 'sourcedId', 'users', true],
      ['s_lineitems', 'class', 'classSourcedId', 'classes', true],
      ['s_lineitems', 'category', 'categorySourcedId', 'categories', true],
      ['s_lineitems', 'period', 'gradingPeriodSourcedId', 'academicSessions', true],
      ['s_results', 'line_item', 'lineItemSourcedId', 'lineItems', true],
      ['s_results', 'student', 'studentSourcedId', 'users', true],
    ];
    for (const [table, col, column, target, hasStatus] of refs) {
      await this.report(
        'error',
        'load.missingReference',
        `select s.file, s.line, s.${col} as value from ${table} s where s.${col} is not null ${hasStatus ? `and s.status = 'active'` : ''} and not ${this.known(target, `s.${col}`)}`,
        column,
        `${target}.csv`,
      );
    }
    this.stopIfErrors();

    // What kind of person each user is, from their roles (or, without roles in the package, from where they already are).
    await this.exec(`alter table s_users add column kind text`);
    const has = (roles: string) => `exists (select 1 from s_roles r where r.user_sid = s_users.sourced_id and r.status = 'active' and r.role in ${roles})`;
    const fromDb = this.mode('roles') === 'bulk'
      ? ''
      : `when exists (select 1 from students d where d.sourced_id = s_users.sourced_id) then 'student'
         when exists (select 1 from staff d where d.sourced_id = s_users.sourced_id) then 'staff'
         when exists (select 1 from guardians d where d.sourced_id = s_users.sourced_id) then 'guardian'`;
    await this.exec(`update s_users set kind = case
        when ${has(STUDENT_ROLES)} then 'student' when ${has(STAFF_ROLES)} then 'staff' when ${has(GUARDIAN_ROLES)} then 'guardian'
        when exists (select 1 from s_roles r where r.user_sid = s_users.sourced_id and r.status = 'active') then 'other'
        ${fromDb} else null end`);
    const n = (roles: string) => `(case when ${has(roles).replaceAll('s_users.', 's.')} then 1 else 0 end)`;
    await this.report('error', 'load.mixedRoles', `select s.file, s.line, s.sourced_id as value from s_users s where s.status = 'active' and ${n(STUDENT_ROLES)} + ${n(STAFF_ROLES)} + ${n(GUARDIAN_ROLES)} > 1`, 'role');
    await this.report('warning', 'load.userNoRole', `select s.file, s.line, s.sourced_id as value from s_users s where s.status = 'active' and s.kind is null`, 'role');
    await this.report('warning', 'load.userIgnored', `select s.file, s.line, s.sourced_id as value from s_users s where s.status = 'active' and s.kind = 'other'`, 'role');
    // An enrollment names its class's school too: when the two differ, the class's school is the one that counts.
    await this.report(
      'warning',
      'load.enrollmentSchool',
      `select e.file, e.line, e.school as value, c.school as detail from s_enrollments e join s_classes c on c.sourced_id = e.class and c.status = 'active'
        where e.status = 'active' and e.school <> c.school`,
      'schoolSourcedId',
    );
    // Orgs, sessions, courses and classes are kept when the SIS deletes them: scores, grades and attendance hang on them.
    for (const [table, file] of [['s_orgs', 'orgs'], ['s_sessions', 'academicSessions'], ['s_courses', 'courses'], ['s_classes', 'classes']]) {
      await this.report('warning', 'load.notDeleted', `select s.file, s.line, s.sourced_id as value from ${table} s where s.status = 'tobedeleted'`, 'status', file);
    }
    this.stopIfErrors();
  }

  // ── applying ─────────────────────────────────────────────────────────────────────────────────────

  async apply(): Promise<void> {
    await this.checks();
    await this.district();
    await this.starterSet();
    await this.upsertSchools();
    await this.upsertSessions();
    await this.upsertCourses();
    await this.upsertSections();
    await this.upsertPeople();
    await this.links();
    await this.staffRoles();
    await this.enrollments();
    await this.teachers();
    await loadGradebook(this.context());
    await loadAttendance(this.context());
    this.stopIfErrors();
  }

  /** What the gradebook and attendance steps (./gradebook.ts, ./attendance.ts) are given. */
  private context(): LoadContext {
    return {
      db: this.db,
      dialect: this.dialect,
      temps: this.temps,
      version: this.pkg.version,
      mode: (file) => this.mode(file),
      exec: (text) => this.exec(text),
      number: (text) => this.number(text),
      report: (severity, code, select, column, expected) => this.report(severity, code, select, column, expected ?? null),
      stopIfErrors: () => this.stopIfErrors(),
      nowLit: this.nowLit,
      todayLit: this.date(this.today),
      now: this.options.now,
      actorAccountId: this.options.actorAccountId,
      firstImport: this.firstImport,
      counts: this.counts,
    };
  }

  private async district(): Promise<void> {
    const orgs = await this.rows<{ sourced_id: string; name: string; file: string; line: number }>(
      `select sourced_id, name, file, line from s_orgs where type = 'district' and status = 'active' order by line`,
    );
    for (const extra of orgs.slice(1)) {
      this.add({ severity: 'error', code: 'load.manyDistricts', file: extra.file, line: Number(extra.line), column: 'type', value: extra.sourced_id, expected: orgs[0]!.sourced_id });
    }
    this.stopIfErrors();
    const org = orgs[0];
    const row = await this.db.selectFrom('district').select(['id', 'sourced_id', 'time_zone']).orderBy('id').executeTakeFirst();
    if (!row) {
      if (!org) {
        const schools = await this.number(`select count(*) as n from s_orgs where type = 'school' and status = 'active'`);
        if (schools > 0) this.add({ severity: 'error', code: 'load.noDistrict', file: 'orgs.csv', line: null, column: 'type', value: null, expected: 'district' });
        this.stopIfErrors();
        return;
      }
      await this.db
        .insertInto('district')
        .values({
          sourced_id: org.sourced_id, name: org.name, short_name: org.name, portal_name: org.name, time_zone: NEW_DISTRICT_TIME_ZONE,
          color_primary: '#005ea2', color_secondary: '#1a4480', created_at: this.now, updated_at: this.now, updated_by: null,
        })
        .execute();
      this.add({ severity: 'warning', code: 'load.districtCreated', file: org.file, line: Number(org.line), column: 'name', value: org.name, expected: null, detail: NEW_DISTRICT_TIME_ZONE });
      this.setToday(NEW_DISTRICT_TIME_ZONE);
      return;
    }
    this.setToday(row.time_zone);
    if (!org) return;
    if (row.sourced_id === null) {
      // The district's name, branding and settings are Homeroom's: the import only links it to the SIS.
      // Linking changes nothing a person sees, so the row's time and author of change stay (as for any linked row).
      await this.db.updateTable('district').set({ sourced_id: org.sourced_id }).where('id', '=', row.id).execute();
    } else if (row.sourced_id !== org.sourced_id) {
      this.add({ severity: 'error', code: 'load.otherDistrict', file: org.file, line: Number(org.line), column: 'sourcedId', value: org.sourced_id, expected: row.sourced_id });
      this.stopIfErrors();
    }
  }

  /** A district without a grading scale, attendance codes or report-card comments gets Homeroom's standard ones (district/starter.ts). */
  private async starterSet(): Promise<void> {
    if (!(await this.db.selectFrom('district').select('id').executeTakeFirst())) return;
    const added = await addStarterSet(this.db, this.options.now);
    if (added.length > 0) this.add({ severity: 'warning', code: 'load.starterSet', file: null, line: null, column: null, value: added.join(', '), expected: null });
  }

  private setToday(timeZone: string): void {
    const today = localDate(this.options.now, timeZone);
    this.today = today;
    this.yesterday = new Date(Date.parse(`${today}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
  }

  /**
   * Finds each staged row's row: by sourced_id, then (a row made without one) by its natural keys, in
   * order (see Target.natural). A row a strict key finds several of is reported (`load.ambiguous`).
   */
  private async resolve(t: Pick<Target, 'table' | 'r' | 'natural'>): Promise<void> {
    // Only the rows that find one are written (PostgreSQL writes a new version of every row an UPDATE touches).
    const bySourcedId = `from ${t.table} d where d.sourced_id = ${t.r}.sourced_id`;
    await this.exec(`update ${t.r} set row_id = (select d.id ${bySourcedId}) where exists (select 1 ${bySourcedId})`);
    // Natural keys only find rows without a sourced id: when the table has none (a first import, or every row
    // linked already), no key can match and the statements below would rewrite every staged row for nothing.
    const unlinked = await this.number(`select count(*) as n from (select 1 from ${t.table} d where d.sourced_id is null limit 1) x`);
    const keys = unlinked > 0 ? (t.natural ?? []) : [];
    for (const [i, key] of keys.entries()) {
      const candidates = `from ${t.table} d where d.sourced_id is null and (${key.where})`;
      const open = `row_id is null and ambiguous = 0`;
      await this.exec(`update ${t.r} set row_id = (select min(d.id) ${candidates}), claimed = 1 where ${open} and (select count(*) ${candidates}) = 1`);
      if (key.strict) await this.exec(`update ${t.r} set ambiguous = ${i + 1} where ${open} and (select count(*) ${candidates}) > 1`);
    }
    for (const [i, key] of keys.entries()) {
      if (!key.strict) continue;
      await this.report(
        'error',
        'load.ambiguous',
        `select s.file, s.line, cast(${key.value} as text) as value,
           (select cast(count(*) as text) from ${t.table} d where d.sourced_id is null and (${key.where.replaceAll(`${t.r}.`, 's.')})) as detail
           from ${t.r} s where s.ambiguous = ${i + 1}`,
        key.column,
      );
    }
    await this.exec(`update ${t.r} set is_new = 1 where row_id is null`);
  }

  private async insertNew(t: Target): Promise<void> {
    const extra = Object.entries(t.insertOnly ?? {});
    const cols = ['sourced_id', ...t.fields, ...extra.map(([c]) => c), 'created_at', 'updated_at', 'updated_by'];
    const values = ['s.sourced_id', ...t.fields.map((f) => `s.${f}`), ...extra.map(([, e]) => e), this.nowLit, this.nowLit, 'null'];
    this.counts[t.kind].created += await this.exec(`insert into ${t.table} (${cols.join(', ')}) select ${values.join(', ')} from ${t.r} s where s.is_new = 1`);
    await this.exec(`update ${t.r} set row_id = (select d.id from ${t.table} d where d.sourced_id = ${t.r}.sourced_id) where is_new = 1`);
  }

  /**
   * Updates the rows that were there: a field takes the SIS's value when the SIS changed it since the
   * last import (or the row was never imported), and keeps Homeroom's otherwise. Rows with nothing to
   * change are not written.
   */
  private async update(t: Target): Promise<void> {
    const since = (f: string) => `(l.row_id is null or s.${f} is distinct from l.${f})`;
    const set = t.fields.map((f) => `${f} = case when ${since(f)} then s.${f} else ${t.table}.${f} end`);
    const differs = t.fields.map((f) => `(${since(f)} and s.${f} is distinct from ${t.table}.${f})`).join(' or ');
    // A row made in Homeroom that already holds the SIS's values is only linked to it: unchanged.
    await this.exec(
      `update ${t.table} set sourced_id = s.sourced_id from ${t.r} s left join ${t.last} l on l.row_id = s.row_id
        where ${t.table}.id = s.row_id and s.claimed = 1 and not (${differs})`,
    );
    const updated = await this.exec(
      `update ${t.table} set ${set.join(', ')}, sourced_id = s.sourced_id, updated_at = ${this.nowLit}, updated_by = null
         from ${t.r} s left join ${t.last} l on l.row_id = s.row_id
        where ${t.table}.id = s.row_id and s.is_new = 0 and (${differs})`,
    );
    this.counts[t.kind].updated += updated;
    const total = await this.number(`select count(*) as n from ${t.r}`);
    this.counts[t.kind].unchanged += total - this.counts[t.kind].created - updated;
  }

  /** Keeps the SIS's values as imported, written only where they changed. */
  private async remember(t: Target): Promise<void> {
    const differs = t.fields.map((f) => `s.${f} is distinct from ${t.last}.${f}`).join(' or ');
    await this.exec(`update ${t.last} set ${t.fields.map((f) => `${f} = s.${f}`).join(', ')} from ${t.r} s where ${t.last}.row_id = s.row_id and (${differs})`);
    await this.exec(
      `insert into ${t.last} (row_id, ${t.fields.join(', ')}) select s.row_id, ${t.fields.map((f) => `s.${f}`).join(', ')} from ${t.r} s
        where not exists (select 1 from ${t.last} l where l.row_id = s.row_id)`,
    );
  }

  /** Indexes a resolved staging table on its sourced ids and row ids: every later step joins on them. */
  private async indexResolved(r: string): Promise<void> {
    await this.exec(`create index ${r}_sourced_id on ${r} (sourced_id)`);
    await this.exec(`create index ${r}_row_id on ${r} (row_id)`);
  }

  private async upsert(t: Target, checks: () => Promise<void> = async () => {}, beforeUpdate: () => Promise<void> = async () => {}): Promise<void> {
    await this.indexResolved(t.r);
    await this.temps.analyze(t.r);
    await this.resolve(t);
    await this.temps.analyze(t.r);
    await this.claimedTwice(t.r);
    await checks();
    this.stopIfErrors();
    await this.insertNew(t);
    await beforeUpdate();
    await this.update(t);
    await this.remember(t);
  }

  /** Two rows of the package matched to one row made in Homeroom (two staff members with its email). */
  private async claimedTwice(r: string): Promise<void> {
    await this.report(
      'error',
      'load.sameRecord',
      `select s.file, s.line, s.sourced_id as value, (select min(o.sourced_id) from ${r} o where o.row_id = s.row_id and o.line < s.line) as detail
         from ${r} s where s.claimed = 1 and exists (select 1 from ${r} o where o.row_id = s.row_id and o.line < s.line)`,
      'sourcedId',
    );
  }

  /** `select` of a resolved staging table, with its bookkeeping columns first. */
  private resolved(select: string, from: string): string {
    return `select s.sourced_id, s.file, s.line, cast(null as integer) as row_id, 0 as is_new, 0 as claimed, 0 as ambiguous, ${select} from ${from}`;
  }

  /** Errors for rows of `r` whose `col` another row holds: earlier in the package, or already in `table`. */
  private async uniqueChecks(r: string, table: string, col: string, column: string, scope = ''): Promise<void> {
    const same = scope ? ` and o.${scope} = s.${scope}` : '';
    await this.report('error', 'load.duplicateKey', `select s.file, s.line, s.${col} as value from ${r} s where exists (select 1 from ${r} o where o.${col} = s.${col}${same} and o.line < s.line)`, column);
    await this.report(
      'error',
      'load.keyTaken',
      `select s.file, s.line, s.${col} as value from ${r} s where exists (select 1 from ${table} d where d.${col} = s.${col}${scope ? ` and d.${scope} = s.${scope}` : ''} and d.id is distinct from s.row_id
         and not exists (select 1 from ${r} o where o.row_id = d.id))`,
      column,
    );
  }

  private async upsertSchools(): Promise<void> {
    await this.temps.as('r_schools', this.resolved(`coalesce(s.identifier, s.sourced_id) as school_number, s.name`, `s_orgs s where s.type = 'school' and s.status = 'active'`));
    await this.upsert(
      {
        kind: 'schools', table: 'schools', r: 'r_schools', last: 'oneroster_last_schools', fields: ['school_number', 'name'],
        insertOnly: {
          short_name: 's.name',
          grade_low: `coalesce((select min(c.grade_low) from s_courses c where c.org = s.sourced_id), 0)`,
          grade_high: `coalesce((select max(c.grade_high) from s_courses c where c.org = s.sourced_id), 12)`,
        },
        natural: [
          { where: `d.school_number = r_schools.school_number`, strict: true, column: 'identifier', value: 's.school_number' },
          { where: `lower(trim(d.name)) = lower(trim(r_schools.name))`, strict: true, column: 'name', value: 's.name' },
        ],
      },
      () => this.uniqueChecks('r_schools', 'schools', 'school_number', 'identifier'),
    );
  }

  private async upsertSessions(): Promise<void> {
    await this.temps.as(
      'r_sessions',
      this.resolved(`s.title, s.type, s.start_date, s.end_date, s.parent as parent_sid, cast(null as integer) as parent_id, s.school_year`, `s_sessions s where s.status = 'active'`),
    );
    await this.report('error', 'load.endBeforeStart', `select s.file, s.line, cast(s.end_date as text) as value from r_sessions s where s.end_date < s.start_date`, 'endDate');
    const t: Target = {
      kind: 'sessions', table: 'academic_sessions', r: 'r_sessions', last: 'oneroster_last_sessions', fields: ['title', 'type', 'start_date', 'end_date', 'parent_id', 'school_year'],
      // The same kind of session on the same dates (the SIS may call Quarter 1 "Q1"), else the same title in the same year.
      natural: [
        { where: `d.type = r_sessions.type and d.start_date = r_sessions.start_date and d.end_date = r_sessions.end_date`, strict: true, column: 'title', value: 's.title' },
        { where: `d.type = r_sessions.type and d.school_year = r_sessions.school_year and lower(trim(d.title)) = lower(trim(r_sessions.title))`, strict: true, column: 'title', value: 's.title' },
      ],
    };
    await this.upsert(t, async () => {}, async () => {
      // The parent by its row in this package (a matched one has no sourced_id yet), else by its sourced_id.
      await this.exec(`update r_sessions set parent_id = coalesce((select p.row_id from r_sessions p where p.sourced_id = r_sessions.parent_sid),
        (select a.id from academic_sessions a where a.sourced_id = r_sessions.parent_sid))`);
      await this.exec(
        `update academic_sessions set parent_id = (select s.parent_id from r_sessions s where s.row_id = academic_sessions.id)
          where id in (select row_id from r_sessions where is_new = 1 and parent_id is not null)`,
      );
    });
  }

  private async upsertCourses(): Promise<void> {
    // A course at the district (not a school) belongs to the school of its classes: Homeroom's courses are a school's.
    const school = `coalesce((select d.id from schools d where d.sourced_id = s.org),
      (select min(d.id) from s_classes k join schools d on d.sourced_id = k.school where k.course = s.sourced_id and k.status = 'active'),
      (select d.school_id from courses d where d.sourced_id = s.sourced_id))`;
    await this.temps.as(
      'r_courses',
      this.resolved(
        `${school} as school_id, coalesce(s.course_code, s.sourced_id) as course_code, s.title, coalesce(s.subject, '') as subject, s.grade_low, s.grade_high, s.org`,
        `s_courses s where s.status = 'active'`,
      ),
    );
    await this.exec(`update r_courses set grade_low = coalesce(grade_low, (select d.grade_low from schools d where d.id = r_courses.school_id)),
      grade_high = coalesce(grade_high, (select d.grade_high from schools d where d.id = r_courses.school_id))`);
    await this.report('error', 'load.courseNoSchool', `select s.file, s.line, s.org as value from r_courses s where s.school_id is null`, 'orgSourcedId', 'school');
    this.stopIfErrors();
    const courses: Target = {
      kind: 'courses', table: 'courses', r: 'r_courses', last: 'oneroster_last_courses', fields: ['school_id', 'course_code', 'title', 'subject', 'grade_low', 'grade_high'],
      natural: [{ where: `d.school_id = r_courses.school_id and d.course_code = r_courses.course_code`, strict: true, column: 'courseCode', value: 's.course_code' }],
    };
    await this.upsert(courses, () =>
      this.uniqueChecks('r_courses', 'courses', 'course_code', 'courseCode', 'school_id'),
    );
  }

  private async upsertSections(): Promise<void> {
    await this.temps.as(
      'r_sections',
      this.resolved(
        `(select d.id from schools d where d.sourced_id = s.school) as school_id, (select d.id from courses d where d.sourced_id = s.course) as course_id,
         coalesce(s.class_code, s.sourced_id) as section_code, s.location as room, s.school as school_sid`,
        `s_classes s where s.status = 'active'`,
      ),
    );
    await this.report('error', 'load.notASchool', `select s.file, s.line, s.school_sid as value from r_sections s where s.school_id is null`, 'schoolSourcedId', 'school');
    this.stopIfErrors();
    // A section is its course's in given terms: the same code in a term the class has, else the same period in such a term
    // (a course's section codes are reused from year to year, and the SIS's may not be Homeroom's).
    const sharesTerm = `exists (select 1 from s_class_terms ct join academic_sessions a on a.sourced_id = ct.term
      join section_terms st on st.academic_session_id = a.id where ct.class = r_sections.sourced_id and st.section_id = d.id)`;
    const sharesPeriod = `exists (select 1 from s_class_periods cp join section_periods sp on sp.section_id = d.id
      join bell_periods bp on bp.id = sp.bell_period_id where cp.class = r_sections.sourced_id and bp.name = cp.period)`;
    await this.upsert({
      kind: 'sections', table: 'sections', r: 'r_sections', last: 'oneroster_last_sections', fields: ['school_id', 'course_id', 'section_code', 'room'],
      // A new class is graded on the district's scale (its first: the standard one unless the district made its own).
      insertOnly: { grading_scale_id: '(select min(g.id) from grading_scales g)' },
      natural: [
        { where: `d.course_id = r_sections.course_id and d.section_code = r_sections.section_code and ${sharesTerm}`, strict: true, column: 'classCode', value: 's.section_code' },
        { where: `d.course_id = r_sections.course_id and ${sharesTerm} and ${sharesPeriod}`, strict: true, column: 'periods', value: 's.section_code' },
      ],
    });

    // Terms: the SIS's list, as given.
    const terms = `select distinct s.row_id as section_id, a.id as academic_session_id from s_class_terms t
      join r_sections s on s.sourced_id = t.class join academic_sessions a on a.sourced_id = t.term`;
    await this.exec(`delete from section_terms where section_id in (select row_id from r_sections)
      and not exists (select 1 from (${terms}) w where w.section_id = section_terms.section_id and w.academic_session_id = section_terms.academic_session_id)`);
    await this.exec(`insert into section_terms (section_id, academic_session_id) select w.section_id, w.academic_session_id from (${terms}) w
      where not exists (select 1 from section_terms d where d.section_id = w.section_id and d.academic_session_id = w.academic_session_id)`);

    // Periods: matched by name to the school's default bell schedule.
    const bell = `select bp.id, bp.name, bs.school_id from bell_periods bp join bell_schedules bs on bs.id = bp.bell_schedule_id and bs.is_default = 1`;
    const hasBell = `exists (select 1 from bell_schedules bs where bs.school_id = s.school_id and bs.is_default = 1)`;
    await this.report(
      'warning',
      'load.unknownPeriod',
      `select p.file, p.line, p.period as value from s_class_periods p join r_sections s on s.sourced_id = p.class
        where ${hasBell} and not exists (select 1 from (${bell}) b where b.school_id = s.school_id and b.name = p.period)`,
      'periods',
    );
    await this.report(
      'warning',
      'load.noBellSchedule',
      `select min(p.file) as file, min(p.line) as line, s.school_sid as value from s_class_periods p join r_sections s on s.sourced_id = p.class
        where not ${hasBell} group by s.school_sid`,
      'periods',
    );
    const periods = `select distinct s.row_id as section_id, b.id as bell_period_id from s_class_periods p
      join r_sections s on s.sourced_id = p.class join (${bell}) b on b.school_id = s.school_id and b.name = p.period`;
    await this.exec(`delete from section_periods where section_id in (select s.row_id from r_sections s where ${hasBell})
      and not exists (select 1 from (${periods}) w where w.section_id = section_periods.section_id and w.bell_period_id = section_periods.bell_period_id)`);
    // Classes placed in a period for the first time (their school has a bell schedule now): kept apart, for their attendance below.
    await this.temps.as('n_placed', `select distinct w.section_id from (${periods}) w where not exists (select 1 from section_periods d where d.section_id = w.section_id)`);
    await this.exec(`insert into section_periods (section_id, bell_period_id) select w.section_id, w.bell_period_id from (${periods}) w
      where not exists (select 1 from section_periods d where d.section_id = w.section_id and d.bell_period_id = w.bell_period_id)`);
    // The import's attendance records of those classes, loaded while they had no period, are placed at the class's
    // period now, as a teacher's taking places a record (attendance/taking.ts: the class's first bell period).
    // Staff's records are never touched (ADR 0027); a record that has a period keeps it.
    if ((await this.number(`select count(*) as n from n_placed`)) > 0) {
      await this.exec(`update attendance_records set bell_period_id = (select min(sp.bell_period_id) from section_periods sp where sp.section_id = attendance_records.section_id)
        where bell_period_id is null and section_id in (select section_id from n_placed) and exists (select 1 from oneroster_attendance o where o.row_id = attendance_records.id)`);
    }
  }

  private async upsertPeople(): Promise<void> {
    const roleSchool = (roles: string) =>
      `(select min(d.id) from s_roles r join schools d on d.sourced_id = r.org where r.user_sid = s.sourced_id and r.status = 'active' and r.role in ${roles})`;
    const primarySchool = `(select d.id from schools d where d.sourced_id = s.primary_org)`;

    // Students.
    await this.temps.as(
      'r_students',
      this.resolved(
        `s.enabled, s.identifier as student_number, s.given as legal_first_name, s.middle as legal_middle_name, s.family as legal_last_name,
         s.pref_given as preferred_first_name, s.pref_family as preferred_last_name,
         (select d.birth_date from s_demographics d where d.sourced_id = s.sourced_id and d.status = 'active') as birth_date,
         s.grade as grade_level, coalesce(${primarySchool}, ${roleSchool(STUDENT_ROLES)}) as school_id, s.email, s.phone`,
        `s_users s where s.status = 'active' and s.kind = 'student'`,
      ),
    );
    const students: Target = {
      kind: 'students', table: 'students', r: 'r_students', last: 'oneroster_last_students',
      fields: ['student_number', 'legal_first_name', 'legal_middle_name', 'legal_last_name', 'preferred_first_name', 'preferred_last_name', 'birth_date', 'grade_level', 'school_id', 'email', 'phone'],
      natural: [{ where: `d.student_number = r_students.student_number`, strict: true, column: 'identifier', value: 's.student_number' }],
    };
    await this.upsert(students, async () => {
      // What the package leaves out and Homeroom already has: kept.
      await this.exec(`update r_students set
          birth_date = coalesce(birth_date, (select d.birth_date from students d where d.id = r_students.row_id)),
          grade_level = coalesce(grade_level, (select d.grade_level from students d where d.id = r_students.row_id)),
          school_id = coalesce(school_id, (select d.school_id from students d where d.id = r_students.row_id))
        where row_id is not null`);
      await this.report('error', 'load.studentNoIdentifier', `select s.file, s.line, s.sourced_id as value from r_students s where s.student_number is null or s.student_number = ''`, 'identifier');
      await this.report('error', 'load.studentNoBirthDate', `select s.file, s.line, s.sourced_id as value from r_students s where s.birth_date is null`, 'birthDate', 'demographics.csv');
      await this.report('error', 'load.studentNoGrade', `select s.file, s.line, s.sourced_id as value from r_students s where s.grade_level is null`, 'grades');
      await this.report('error', 'load.studentNoSchool', `select s.file, s.line, s.sourced_id as value from r_students s where s.school_id is null`, 'primaryOrgSourcedId', 'school');
      await this.uniqueChecks('r_students', 'students', 'student_number', 'identifier');
    });

    // Staff.
    await this.temps.as(
      'r_staff',
      this.resolved(
        `s.enabled, coalesce(s.identifier, s.sourced_id) as staff_number, s.given as first_name, s.family as last_name, s.email, s.phone,
         coalesce(${primarySchool}, ${roleSchool(STAFF_ROLES)}) as school_id`,
        `s_users s where s.status = 'active' and s.kind = 'staff'`,
      ),
    );
    // An email is a hint, not a name: two people may share one (a family's address), and then it matches nobody.
    const byEmail = (r: string): NaturalKey => ({ where: `lower(d.email) = lower(${r}.email)`, strict: false, column: 'email', value: 's.email' });
    const staff: Target = {
      kind: 'staff', table: 'staff', r: 'r_staff', last: 'oneroster_last_staff', fields: ['staff_number', 'first_name', 'last_name', 'email', 'phone', 'school_id'],
      insertOnly: { active: 's.enabled' },
      natural: [{ where: `d.staff_number = r_staff.staff_number`, strict: true, column: 'identifier', value: 's.staff_number' }, byEmail('r_staff')],
    };
    await this.upsert(staff, async () => {
      await this.uniqueChecks('r_staff', 'staff', 'staff_number', 'identifier');
    });

    // Guardians.
    await this.temps.as(
      'r_guardians',
      this.resolved(`s.enabled, s.given as first_name, s.family as last_name, s.email, s.phone as phone_mobile`, `s_users s where s.status = 'active' and s.kind = 'guardian'`),
    );
    // A guardian: the same name and email; else the same name and a child in common (one the package links them to,
    // linked to them in Homeroom); else an email only they have.
    const sameName = `lower(trim(d.first_name)) = lower(trim(r_guardians.first_name)) and lower(trim(d.last_name)) = lower(trim(r_guardians.last_name))`;
    const childInCommon = `d.id in (select sg.guardian_id from student_guardians sg join students st on st.id = sg.student_id
      join s_agents a on (a.user_sid = r_guardians.sourced_id and a.agent = st.sourced_id) or (a.agent = r_guardians.sourced_id and a.user_sid = st.sourced_id))`;
    const guardians: Target = {
      kind: 'guardians', table: 'guardians', r: 'r_guardians', last: 'oneroster_last_guardians', fields: ['first_name', 'last_name', 'email', 'phone_mobile'],
      natural: [
        { where: `lower(d.email) = lower(r_guardians.email) and ${sameName}`, strict: true, column: 'email', value: 's.email' },
        { where: `${sameName} and ${childInCommon}`, strict: true, column: 'givenName', value: `s.first_name || ' ' || s.last_name` },
        byEmail('r_guardians'),
      ],
    };
    await this.upsert(guardians);

    await this.presence(students, 'student_id');
    await this.presence(staff, 'staff_id');
    await this.presence(guardians, 'guardian_id');
  }

  /**
   * People who left the SIS (disabled, `tobedeleted` in a delta, or absent from a bulk users file) lose
   * portal access at once: their account is disabled and its sessions end, and the account's status is
   * remembered. People who come back get that status again — unless someone disabled the account in
   * Homeroom meanwhile, or it was disabled before the import ever took it (then nothing was taken).
   */
  private async presence(t: Target, accountColumn: 'student_id' | 'staff_id' | 'guardian_id'): Promise<void> {
    const gone = `g_${t.table}`;
    const back = `b_${t.table}`;
    // A row made in Homeroom that the SIS, on being linked, says is disabled, and that Homeroom already has as
    // inactive (a withdrawn student, a staff member made inactive, a guardian with no enrolled child): linked
    // as gone, with nothing taken (its account stays as it is).
    const inactive = {
      students: `d.enrollment_status <> 'active'`,
      staff: `d.active = 0`,
      guardians: `not exists (select 1 from student_guardians sg join students st on st.id = sg.student_id where sg.guardian_id = d.id and st.enrollment_status = 'active')`,
    }[t.table as 'students' | 'staff' | 'guardians'];
    await this.exec(`update ${t.last} set gone = 1 where gone = 0 and row_id in (
      select s.row_id from ${t.r} s join ${t.table} d on d.id = s.row_id where s.claimed = 1 and s.enabled = 0 and ${inactive})`);
    const absentFromBulk = this.mode('users') === 'bulk' ? `union select l.row_id from ${t.last} l where l.gone = 0 and not exists (select 1 from ${t.r} s where s.row_id = l.row_id)` : '';
    await this.temps.as(
      gone,
      `select l.row_id from ${t.last} l join ${t.r} s on s.row_id = l.row_id where s.enabled = 0 and l.gone = 0
       union select l.row_id from ${t.last} l join ${t.table} d on d.id = l.row_id join s_users u on u.sourced_id = d.sourced_id where u.status = 'tobedeleted' and l.gone = 0
       ${absentFromBulk}`,
    );
    await this.temps.as(back, `select l.row_id from ${t.last} l join ${t.r} s on s.row_id = l.row_id where s.enabled = 1 and l.gone = 1`);

    const accounts = (set: string) => `select a.id from user_accounts a where a.${accountColumn} in (select row_id from ${set})`;
    await this.exec(`update ${t.last} set gone = 1, taken_status = (select min(a.status) from user_accounts a where a.${accountColumn} = ${t.last}.row_id and a.status <> 'disabled')
      where row_id in (select row_id from ${gone})`);
    await this.exec(`delete from sessions where account_id in (${accounts(gone)})`);
    await this.exec(`update user_accounts set status = 'disabled', updated_at = ${this.nowLit}, updated_by = null where ${accountColumn} in (select row_id from ${gone}) and status <> 'disabled'`);

    await this.exec(`update user_accounts set status = (select l.taken_status from ${t.last} l where l.row_id = user_accounts.${accountColumn}), updated_at = ${this.nowLit}, updated_by = null
      where ${accountColumn} in (select l.row_id from ${t.last} l join ${back} b on b.row_id = l.row_id where l.taken_status is not null) and status = 'disabled'`);
    await this.exec(`update ${t.last} set gone = 0, taken_status = null where row_id in (select row_id from ${back})`);

    if (t.table === 'staff') {
      await this.exec(`update staff set active = 0, updated_at = ${this.nowLit}, updated_by = null where id in (select row_id from ${gone}) and active = 1`);
      await this.exec(`update staff set active = 1, updated_at = ${this.nowLit}, updated_by = null where id in (select row_id from ${back}) and active = 0`);
    }
    if (t.table === 'students') {
      await this.exec(`update students set enrollment_status = 'inactive', updated_at = ${this.nowLit}, updated_by = null where id in (select row_id from ${gone}) and enrollment_status = 'active'`);
      await this.exec(`update students set enrollment_status = 'active', updated_at = ${this.nowLit}, updated_by = null where id in (select row_id from ${back}) and enrollment_status = 'inactive'`);
    }
    // A person first seen disabled in the SIS is created gone (no account to take).
    this.counts[t.kind].deactivated += await this.number(`select count(*) as n from ${gone}`);
    this.counts[t.kind].reactivated += await this.number(`select count(*) as n from ${back}`);
    const newGone = await this.exec(`update ${t.last} set gone = 1 where gone = 0 and row_id in (select row_id from ${t.r} where is_new = 1 and enabled = 0)`);
    this.counts[t.kind].deactivated += newGone;
    if (t.table === 'staff') await this.exec(`update staff set active = 0 where active = 1 and id in (select row_id from r_staff where is_new = 1 and enabled = 0)`);
  }

  /**
   * Guardian links, from `agentSourcedIds` on either side. A new link gets the schema's defaults for
   * everything Homeroom owns (portal access, rights, contact order); an existing link is never written.
   * A link the import made is removed when neither side lists it any more and both sides were given.
   */
  private async links(): Promise<void> {
    const relationship = `coalesce((select case min(r.role) when 'parent' then 'Parent' when 'relative' then 'Relative' else 'Guardian' end
      from s_roles r where r.user_sid = p.guardian_sid and r.status = 'active' and r.role in ${GUARDIAN_ROLES}), 'Guardian')`;
    await this.temps.as(
      'r_links',
      `select st.id as student_id, g.id as guardian_id, min(${relationship}) as relationship from (
          select a.user_sid as student_sid, a.agent as guardian_sid from s_agents a join s_users u on u.sourced_id = a.user_sid and u.status = 'active' and u.kind = 'student'
          union select a.agent as student_sid, a.user_sid as guardian_sid from s_agents a join s_users u on u.sourced_id = a.user_sid and u.status = 'active' and u.kind = 'guardian'
        ) p join students st on st.sourced_id = p.student_sid join guardians g on g.sourced_id = p.guardian_sid
        group by st.id, g.id`,
    );
    await this.exec(`create index r_links_pair on r_links (student_id, guardian_id)`);
    await this.temps.as(
      'n_links',
      `select w.student_id, w.guardian_id, w.relationship from r_links w where not exists (select 1 from student_guardians d where d.student_id = w.student_id and d.guardian_id = w.guardian_id)`,
    );
    const created = await this.exec(`insert into student_guardians (student_id, guardian_id, relationship, created_at, updated_at, updated_by)
      select n.student_id, n.guardian_id, n.relationship, ${this.nowLit}, ${this.nowLit}, null from n_links n`);
    this.counts.links.created += created;
    await this.exec(`insert into oneroster_links (row_id) select d.id from student_guardians d join n_links n on n.student_id = d.student_id and n.guardian_id = d.guardian_id`);
    const removed = await this.exec(`delete from student_guardians where id in (
        select d.id from oneroster_links l join student_guardians d on d.id = l.row_id
          join r_students s on s.row_id = d.student_id join r_guardians g on g.row_id = d.guardian_id
         where not exists (select 1 from r_links w where w.student_id = d.student_id and w.guardian_id = d.guardian_id))`);
    this.counts.links.deactivated += removed;
    this.counts.links.unchanged += (await this.number(`select count(*) as n from r_links`)) - created;
  }

  /**
   * Staff roles from the SIS's roles: teacher → teacher, counselor → counselor, principal and
   * siteAdministrator → school_admin at that school, districtAdministrator and systemAdministrator →
   * district_admin, 1.1's administrator → district_admin at the district or school_admin at a school.
   * Roles given in Homeroom (office, nurse, …) are never touched; a role the import gave is taken back
   * when the SIS no longer gives it.
   */
  private async staffRoles(): Promise<void> {
    const mapped = (status: string) => `select distinct d.id as staff_id, m.role, case when m.role = 'district_admin' then null else m.school_id end as school_id from (
          select r.user_sid, sc.id as school_id, case r.role
              when 'teacher' then 'teacher' when 'counselor' then 'counselor' when 'principal' then 'school_admin' when 'siteAdministrator' then 'school_admin'
              when 'districtAdministrator' then 'district_admin' when 'systemAdministrator' then 'district_admin'
              when 'administrator' then case when sc.id is null then 'district_admin' else 'school_admin' end end as role
            from s_roles r left join schools sc on sc.sourced_id = r.org where r.status = '${status}'
        ) m join staff d on d.sourced_id = m.user_sid where m.role is not null`;
    await this.temps.as('r_roles', mapped('active'));
    // Taken back: in a bulk file, a role the import gave that the user's roles no longer include; in a
    // delta, one whose role row is tobedeleted (and that no other row still gives).
    const taken =
      this.mode('roles') === 'bulk'
        ? `select o.staff_id, o.role, o.school_id from oneroster_staff_roles o where o.staff_id in (select d.id from staff d where d.sourced_id in (select user_sid from s_roles))`
        : `select o.staff_id, o.role, o.school_id from oneroster_staff_roles o join (${mapped('tobedeleted')}) t
             on t.staff_id = o.staff_id and t.role = o.role and t.school_id is not distinct from o.school_id`;
    await this.temps.as(
      'x_roles',
      `select x.staff_id, x.role, x.school_id from (${taken}) x
        where not exists (select 1 from r_roles w where w.staff_id = x.staff_id and w.role = x.role and w.school_id is not distinct from x.school_id)`,
    );
    await this.exec(`delete from staff_roles where exists (select 1 from x_roles x where x.staff_id = staff_roles.staff_id and x.role = staff_roles.role and x.school_id is not distinct from staff_roles.school_id)`);
    await this.exec(`delete from oneroster_staff_roles where exists (select 1 from x_roles x where x.staff_id = oneroster_staff_roles.staff_id and x.role = oneroster_staff_roles.role and x.school_id is not distinct from oneroster_staff_roles.school_id)`);
    await this.temps.as(
      'n_roles',
      `select w.staff_id, w.role, w.school_id from r_roles w where not exists (select 1 from staff_roles d where d.staff_id = w.staff_id and d.role = w.role and d.school_id is not distinct from w.school_id)`,
    );
    await this.exec(`insert into staff_roles (staff_id, role, school_id) select staff_id, role, school_id from n_roles`);
    await this.exec(`insert into oneroster_staff_roles (staff_id, role, school_id) select staff_id, role, school_id from n_roles`);
  }

  /** The dates of an enrollment: the SIS's, or its class's first term's start, or today. */
  private beginDate(): string {
    return `coalesce(s.begin_date, (select min(a.start_date) from section_terms t join academic_sessions a on a.id = t.academic_session_id
      where t.section_id = (select d.id from sections d where d.sourced_id = s.class)), ${this.date(this.today)})`;
  }

  /**
   * Students' class enrollments. Each new one, each change of dates and each one the SIS ended is a
   * change event (kind 'enrollment'), except on the first import. An enrollment the SIS deletes (or a
   * bulk file leaves out) ends the day before the run: its history stays.
   */
  private async enrollments(): Promise<void> {
    await this.temps.as(
      'r_enrollments',
      this.resolved(
        `(select d.id from sections d where d.sourced_id = s.class) as section_id, (select d.id from students d where d.sourced_id = s.user_sid) as student_id,
         ${this.beginDate()} as begin_date, s.end_date, s.user_sid`,
        `s_enrollments s where s.status = 'active' and s.role = 'student'`,
      ),
    );
    await this.report('error', 'load.enrollmentNotStudent', `select s.file, s.line, s.user_sid as value from r_enrollments s where s.student_id is null`, 'userSourcedId', 'student');
    await this.report('error', 'load.endBeforeStart', `select s.file, s.line, cast(s.end_date as text) as value from r_enrollments s where s.end_date < s.begin_date`, 'endDate');
    this.stopIfErrors();
    await this.indexResolved('r_enrollments');
    await this.temps.analyze('r_enrollments');
    // One made in Homeroom: the same student in the same class, from the same day if there are several.
    const same = `d.student_id = r_enrollments.student_id and d.section_id = r_enrollments.section_id`;
    await this.resolve({
      table: 'section_enrollments', r: 'r_enrollments',
      natural: [
        { where: `${same} and d.begin_date = r_enrollments.begin_date`, strict: true, column: 'beginDate', value: 's.sourced_id' },
        { where: same, strict: true, column: 'classSourcedId', value: 's.sourced_id' },
      ],
    });
    await this.claimedTwice('r_enrollments');
    this.stopIfErrors();
    await this.sameCourseTwice();
    const events = !this.firstImport;
    const json = (p: string) =>
      `'{"sectionId":' || cast(${p}section_id as text) || ',"beginDate":"' || cast(${p}begin_date as text) || '","endDate":' || coalesce('"' || cast(${p}end_date as text) || '"', 'null') || '}'`;
    const fields = ['section_id', 'student_id', 'begin_date', 'end_date'];
    const differs = fields.map((f) => `s.${f} is distinct from d.${f}`).join(' or ');

    // Changed: their old values first, for the events. One made in Homeroom as the SIS has it is only linked.
    await this.temps.as('c_enrollments', `select d.id, ${json('d.')} as before from r_enrollments s join section_enrollments d on d.id = s.row_id where s.is_new = 0 and (${differs})`);
    await this.exec(`update section_enrollments set sourced_id = s.sourced_id from r_enrollments s where section_enrollments.id = s.row_id and s.claimed = 1`);
    const updated = await this.exec(
      `update section_enrollments set ${fields.map((f) => `${f} = s.${f}`).join(', ')}, updated_at = ${this.nowLit}, updated_by = null
         from r_enrollments s where section_enrollments.id = s.row_id and s.is_new = 0 and section_enrollments.id in (select id from c_enrollments)`,
    );
    const created = await this.exec(`insert into section_enrollments (sourced_id, ${fields.join(', ')}, created_at, updated_at, updated_by)
      select s.sourced_id, ${fields.map((f) => `s.${f}`).join(', ')}, ${this.nowLit}, ${this.nowLit}, null from r_enrollments s where s.is_new = 1`);

    // Ended: deleted in a delta, or left out of a bulk file.
    const leftOut = this.mode('enrollments') === 'bulk' ? `or not exists (select 1 from s_enrollments e where e.sourced_id = d.sourced_id and e.status = 'active')` : '';
    await this.temps.as(
      'e_enrollments',
      `select d.id, ${json('d.')} as before from section_enrollments d where d.sourced_id is not null and (d.end_date is null or d.end_date >= ${this.date(this.today)})
         and (exists (select 1 from s_enrollments e where e.sourced_id = d.sourced_id and e.status = 'tobedeleted') ${leftOut})`,
    );
    const ended = await this.exec(`update section_enrollments set end_date = ${this.date(this.yesterday)}, updated_at = ${this.nowLit}, updated_by = null where id in (select id from e_enrollments)`);
    this.counts.enrollments.created += created;
    this.counts.enrollments.updated += updated;
    this.counts.enrollments.deactivated += ended;
    this.counts.enrollments.unchanged += (await this.number(`select count(*) as n from r_enrollments`)) - created - updated;

    if (!events) return;
    const event = async (action: 'created' | 'updated' | 'deleted', from: string, before: string) =>
      recordChangesSelected(
        this.db,
        { kind: 'enrollment', action, actorAccountId: this.options.actorAccountId },
        sql.raw(`select d.id as subject_id, d.student_id, d.section_id, sec.school_id, ${before} as before, ${json('d.')} as after from ${from} join sections sec on sec.id = d.section_id`),
        this.options.now,
        this.dialect,
      );
    await event('created', `section_enrollments d join r_enrollments s on s.sourced_id = d.sourced_id and s.is_new = 1`, 'cast(null as text)');
    await event('updated', `section_enrollments d join c_enrollments c on c.id = d.id`, 'c.before');
    await event('deleted', `section_enrollments d join e_enrollments c on c.id = d.id`, 'c.before');
  }

  /**
   * A warning for a student enrolled in two classes of the same course whose terms and enrollment dates
   * overlap (two report-card lines for one course): the later row of the pair, naming both classes.
   */
  private async sameCourseTwice(): Promise<void> {
    await this.exec(`create index r_enrollments_student on r_enrollments (student_id)`);
    const never = this.date('9999-12-31');
    const termsOverlap = `exists (select 1 from section_terms ta join academic_sessions x on x.id = ta.academic_session_id
        join section_terms tb on tb.section_id = b.section_id join academic_sessions y on y.id = tb.academic_session_id
       where ta.section_id = a.section_id and x.start_date <= y.end_date and y.start_date <= x.end_date)`;
    await this.report(
      'warning',
      'load.sameCourseTwice',
      `select a.file, a.line, a.user_sid as value, min(kb.class || ', ' || ka.class) as detail
         from r_enrollments a join r_enrollments b on b.student_id = a.student_id and b.section_id <> a.section_id and b.line < a.line
         join s_enrollments ka on ka.sourced_id = a.sourced_id join s_enrollments kb on kb.sourced_id = b.sourced_id
         join sections sa on sa.id = a.section_id join sections sb on sb.id = b.section_id and sb.course_id = sa.course_id
        where a.begin_date <= coalesce(b.end_date, ${never}) and b.begin_date <= coalesce(a.end_date, ${never}) and ${termsOverlap}
        group by a.file, a.line, a.user_sid`,
      'classSourcedId',
    );
  }

  /** Teachers of classes (section_teachers): the enrollments with the role teacher. */
  private async teachers(): Promise<void> {
    await this.temps.as(
      'r_teachers',
      this.resolved(
        `(select d.id from sections d where d.sourced_id = s.class) as section_id, (select d.id from staff d where d.sourced_id = s.user_sid) as staff_id,
         s.is_primary as primary_teacher, ${this.beginDate()} as begin_date, s.end_date, s.user_sid`,
        `s_enrollments s where s.status = 'active' and s.role = 'teacher'`,
      ),
    );
    await this.report('error', 'load.enrollmentNotStaff', `select s.file, s.line, s.user_sid as value from r_teachers s where s.staff_id is null`, 'userSourcedId', 'teacher');
    this.stopIfErrors();
    await this.indexResolved('r_teachers');
    await this.resolve({
      table: 'section_teachers', r: 'r_teachers',
      natural: [{ where: `d.staff_id = r_teachers.staff_id and d.section_id = r_teachers.section_id`, strict: true, column: 'classSourcedId', value: 's.sourced_id' }],
    });
    await this.claimedTwice('r_teachers');
    this.stopIfErrors();
    await this.exec(`update section_teachers set sourced_id = s.sourced_id from r_teachers s where section_teachers.id = s.row_id and s.claimed = 1`);
    const fields = ['section_id', 'staff_id', 'primary_teacher', 'begin_date', 'end_date'];
    const differs = fields.map((f) => `s.${f} is distinct from section_teachers.${f}`).join(' or ');
    const updated = await this.exec(
      `update section_teachers set ${fields.map((f) => `${f} = s.${f}`).join(', ')}, updated_at = ${this.nowLit}, updated_by = null
         from r_teachers s where section_teachers.id = s.row_id and (${differs})`,
    );
    const created = await this.exec(`insert into section_teachers (sourced_id, ${fields.join(', ')}, created_at, updated_at, updated_by)
      select s.sourced_id, ${fields.map((f) => `s.${f}`).join(', ')}, ${this.nowLit}, ${this.nowLit}, null from r_teachers s where s.row_id is null`);
    const leftOut = this.mode('enrollments') === 'bulk' ? `or not exists (select 1 from s_enrollments e where e.sourced_id = d.sourced_id and e.status = 'active')` : '';
    const ended = await this.exec(`update section_teachers set end_date = ${this.date(this.yesterday)}, updated_at = ${this.nowLit}, updated_by = null
      where id in (select d.id from section_teachers d where d.sourced_id is not null and (d.end_date is null or d.end_date >= ${this.date(this.today)})
        and (exists (select 1 from s_enrollments e where e.sourced_id = d.sourced_id and e.status = 'tobedeleted') ${leftOut}))`);
    this.counts.teachers.created += created;
    this.counts.teachers.updated += updated;
    this.counts.teachers.deactivated += ended;
    this.counts.teachers.unchanged += (await this.number(`select count(*) as n from r_teachers`)) - created - updated;
  }
}
