/**
 * The loader's staging tables: TEMPORARY tables of the run's connection, into which the package's
 * records are streamed in batches before the run's write transaction begins (writing them takes no lock
 * on the database), so that every later step — duplicates, references, matching, the upserts — is a
 * set-based statement over them, whatever the package's size. Nothing of a file is held in memory
 * beyond one batch. They are dropped at the run's end, and die with the connection if the process does.
 */
import { sql, type Kysely } from 'kysely';
import { copyRows } from '../../../db/bulk.js';
import type { Dialect } from '../../../db/connect.js';
import { storedPhone } from '../../people/phones.js';
import { type AttendanceRowRecord, type OneRosterFile, type OneRosterPackage, type RecordOf } from '../records.js';

/** Rows per multi-row insert (SQLite): at most 16 columns, well under its parameter limit. */
const BATCH = 500;
/** Rows per COPY (PostgreSQL): one statement streams them all. */
const COPY_BATCH = 5_000;

/** text, integer, date, real */
type Col = 'T' | 'I' | 'D' | 'R';
interface Stage<K extends OneRosterFile> {
  file: K;
  table: string;
  columns: Record<string, Col>;
  rows(r: RecordOf[K]): Record<string, unknown>[];
  /** other tables one record also fills (a class's terms, a user's agents) */
  extra?: { table: string; columns: Record<string, Col>; rows(r: RecordOf[K]): Record<string, unknown>[] }[];
}

const ROW = { sourced_id: 'T', status: 'T', file: 'T', line: 'I' } as const;
const row = (r: { sourcedId: string; status: string; at: { file: string; line: number } }) => ({ sourced_id: r.sourcedId, status: r.status, file: r.at.file, line: r.at.line });
/** a list's distinct values, for an active record only (a deleted class's terms mean nothing) */
const activeOnly = (r: { status: string }, list: readonly string[]): string[] => (r.status === 'active' ? [...new Set(list)] : []);
const flag = (b: boolean) => (b ? 1 : 0);
const first = <T>(list: readonly T[]): T | null => (list.length > 0 ? list[0]! : null);
const min = (list: readonly number[]) => (list.length > 0 ? Math.min(...list) : null);
const max = (list: readonly number[]) => (list.length > 0 ? Math.max(...list) : null);

export const STAGES = {
  orgs: {
    file: 'orgs',
    table: 's_orgs',
    columns: { ...ROW, name: 'T', type: 'T', identifier: 'T', parent: 'T' },
    rows: (r) => [{ ...row(r), name: r.name, type: r.type, identifier: r.identifier, parent: r.parentSourcedId }],
  } satisfies Stage<'orgs'>,
  academicSessions: {
    file: 'academicSessions',
    table: 's_sessions',
    columns: { ...ROW, title: 'T', type: 'T', start_date: 'D', end_date: 'D', parent: 'T', school_year: 'I' },
    rows: (r) => [{ ...row(r), title: r.title, type: r.type, start_date: r.startDate, end_date: r.endDate, parent: r.parentSourcedId, school_year: r.schoolYear }],
  } satisfies Stage<'academicSessions'>,
  courses: {
    file: 'courses',
    table: 's_courses',
    columns: { ...ROW, title: 'T', course_code: 'T', grade_low: 'I', grade_high: 'I', org: 'T', school_year: 'T', subject: 'T' },
    rows: (r) => [
      { ...row(r), title: r.title, course_code: r.courseCode, grade_low: min(r.grades), grade_high: max(r.grades), org: r.orgSourcedId, school_year: r.schoolYearSourcedId, subject: first(r.subjects) },
    ],
  } satisfies Stage<'courses'>,
  classes: {
    file: 'classes',
    table: 's_classes',
    columns: { ...ROW, title: 'T', class_code: 'T', course: 'T', school: 'T', location: 'T' },
    rows: (r) => [{ ...row(r), title: r.title, class_code: r.classCode, course: r.courseSourcedId, school: r.schoolSourcedId, location: r.location }],
    extra: [
      { table: 's_class_terms', columns: { class: 'T', term: 'T', file: 'T', line: 'I' }, rows: (r) => activeOnly(r, r.termSourcedIds).map((term: string) => ({ class: r.sourcedId, term, file: r.at.file, line: r.at.line })) },
      { table: 's_class_periods', columns: { class: 'T', period: 'T', file: 'T', line: 'I' }, rows: (r) => activeOnly(r, r.periods).map((period: string) => ({ class: r.sourcedId, period, file: r.at.file, line: r.at.line })) },
    ],
  } satisfies Stage<'classes'>,
  users: {
    file: 'users',
    table: 's_users',
    columns: {
      ...ROW, enabled: 'I', given: 'T', family: 'T', middle: 'T', pref_given: 'T', pref_family: 'T', identifier: 'T', email: 'T', phone: 'T', grade: 'I', primary_org: 'T',
    },
    rows: (r) => [
      {
        ...row(r), enabled: flag(r.enabled), given: r.givenName, family: r.familyName, middle: r.middleName, pref_given: r.preferredGivenName, pref_family: r.preferredFamilyName,
        identifier: r.identifier, email: r.email, phone: storedPhone(r.phone ?? r.sms), grade: first(r.grades), primary_org: r.primaryOrgSourcedId,
      },
    ],
    extra: [{ table: 's_agents', columns: { user_sid: 'T', agent: 'T', file: 'T', line: 'I' }, rows: (r) => activeOnly(r, r.agentSourcedIds).map((agent: string) => ({ user_sid: r.sourcedId, agent, file: r.at.file, line: r.at.line })) }],
  } satisfies Stage<'users'>,
  roles: {
    file: 'roles',
    table: 's_roles',
    columns: { ...ROW, user_sid: 'T', role: 'T', org: 'T' },
    rows: (r) => [{ ...row(r), user_sid: r.userSourcedId, role: r.role, org: r.orgSourcedId }],
  } satisfies Stage<'roles'>,
  enrollments: {
    file: 'enrollments',
    table: 's_enrollments',
    columns: { ...ROW, class: 'T', school: 'T', user_sid: 'T', role: 'T', is_primary: 'I', begin_date: 'D', end_date: 'D' },
    rows: (r) => [{ ...row(r), class: r.classSourcedId, school: r.schoolSourcedId, user_sid: r.userSourcedId, role: r.role, is_primary: flag(r.primary), begin_date: r.beginDate, end_date: r.endDate }],
  } satisfies Stage<'enrollments'>,
  demographics: {
    file: 'demographics',
    table: 's_demographics',
    columns: { ...ROW, birth_date: 'D' },
    rows: (r) => [{ ...row(r), birth_date: r.birthDate }],
  } satisfies Stage<'demographics'>,
  categories: {
    file: 'categories',
    table: 's_categories',
    columns: { ...ROW, title: 'T', weight: 'R', drop_lowest: 'I' },
    rows: (r) => [{ ...row(r), title: r.title, weight: r.weight, drop_lowest: r.dropLowest }],
  } satisfies Stage<'categories'>,
  lineItems: {
    file: 'lineItems',
    table: 's_lineitems',
    columns: { ...ROW, title: 'T', description: 'T', assign_date: 'D', due_date: 'D', class: 'T', category: 'T', period: 'T', max: 'R' },
    rows: (r) => [
      {
        ...row(r), title: r.title, description: r.description, assign_date: r.assignDate, due_date: r.dueDate, class: r.classSourcedId, category: r.categorySourcedId,
        period: r.gradingPeriodSourcedId, max: r.resultValueMax,
      },
    ],
  } satisfies Stage<'lineItems'>,
  results: {
    file: 'results',
    table: 's_results',
    columns: { ...ROW, line_item: 'T', student: 'T', score_status: 'T', score: 'R', comment: 'T', late: 'I', missing: 'I', incomplete: 'I', dropped: 'I' },
    rows: (r) => [
      {
        ...row(r), line_item: r.lineItemSourcedId, student: r.studentSourcedId, score_status: r.scoreStatus, score: r.score,
        // A text score ("Pass", a letter) is kept where a comment would be, when the row has no comment of its own.
        comment: r.comment ?? r.textScore, late: flag(r.late), missing: flag(r.missing), incomplete: flag(r.incomplete),
        // Homeroom's extension column; null (absent or empty) leaves the score's flag as it is.
        dropped: r.dropped === null ? null : flag(r.dropped),
      },
    ],
  } satisfies Stage<'results'>,
};

/** Homeroom's attendance file: no sourcedId nor status, one row per record. */
const ATTENDANCE_STAGE = {
  table: 's_attendance',
  columns: { file: 'T', line: 'I', student: 'T', date: 'D', class: 'T', code: 'T', excused: 'I' },
  rows: (r: AttendanceRowRecord) => [
    { file: r.at.file, line: r.at.line, student: r.studentSourcedId, date: r.date, class: r.classSourcedId, code: r.code, excused: r.excused === null ? null : flag(r.excused) },
  ],
} as const;
export type StagedFile = keyof typeof STAGES;
export const STAGED_FILES = Object.keys(STAGES) as StagedFile[];

/** Indexes the later statements join on. */
const INDEXES: [string, string][] = [
  ['s_orgs', 'sourced_id'], ['s_sessions', 'sourced_id'], ['s_courses', 'sourced_id'], ['s_classes', 'sourced_id'], ['s_class_terms', 'class'],
  ['s_class_periods', 'class'], ['s_users', 'sourced_id'], ['s_agents', 'user_sid'], ['s_agents', 'agent'], ['s_roles', 'user_sid'],
  ['s_enrollments', 'sourced_id'], ['s_enrollments', 'user_sid'], ['s_demographics', 'sourced_id'],
  ['s_categories', 'sourced_id'], ['s_lineitems', 'sourced_id'], ['s_results', 'sourced_id'], ['s_results', 'line_item'], ['s_attendance', 'student'],
];

export function typeOf(dialect: Dialect, col: Col): string {
  if (col === 'I') return 'integer';
  if (col === 'R') return dialect === 'postgres' ? 'double precision' : 'real';
  return col === 'D' && dialect === 'postgres' ? 'date' : 'text';
}

/**
 * The temporary tables made so far, dropped at the run's end. They live as long as the connection (not
 * `on commit drop`): the staging ones are made before the run's transaction and used inside it.
 */
export class Temporaries {
  readonly names: string[] = [];
  constructor(private db: Kysely<any>, private readonly dialect: Dialect) {}

  /** Makes the next tables on `db` (the run's transaction, on the same connection). */
  within(db: Kysely<any>): void {
    this.db = db;
  }

  async create(name: string, columns: Record<string, Col>): Promise<void> {
    const cols = Object.entries(columns).map(([c, t]) => `${c} ${typeOf(this.dialect, t)}`).join(', ');
    await sql.raw(`create temporary table ${name} (${cols})`).execute(this.db);
    this.names.push(name);
  }

  async as(name: string, select: string): Promise<void> {
    await sql.raw(`create temporary table ${name} as ${select}`).execute(this.db);
    this.names.push(name);
    await this.analyze(name);
  }

  /** PostgreSQL keeps no statistics of a temporary table unless asked: without them it plans joins blind. */
  async analyze(name: string): Promise<void> {
    if (this.dialect === 'postgres') await sql.raw(`analyze ${name}`).execute(this.db);
  }

  /** Drops them all (those made in a transaction that rolled back are gone already). */
  async dropAll(): Promise<void> {
    const schema = this.dialect === 'postgres' ? 'pg_temp' : 'temp';
    for (const name of this.names.reverse()) await sql.raw(`drop table if exists ${schema}.${name}`).execute(this.db);
    this.names.length = 0;
  }
}

/** Makes the staging tables, empty and without indexes (indexStaging adds them once every file is in). */
export async function createStaging(temps: Temporaries): Promise<void> {
  for (const stage of Object.values(STAGES) as Stage<OneRosterFile>[]) {
    await temps.create(stage.table, stage.columns);
    for (const extra of stage.extra ?? []) await temps.create(extra.table, extra.columns);
  }
  await temps.create(ATTENDANCE_STAGE.table, ATTENDANCE_STAGE.columns);
}

/**
 * Indexes the staging tables once their rows are in: building an index is one sort of the rows, where
 * an index made before the load is searched and updated at every row (and, on PostgreSQL, a
 * temporary table's index larger than the session's `temp_buffers` is read and written back to disk
 * page by page all along).
 */
export async function indexStaging(db: Kysely<any>): Promise<void> {
  for (const [table, column] of INDEXES) await sql.raw(`create index ${table}_${column} on ${table} (${column})`).execute(db);
}

export interface FileRead {
  file: string;
  rows: number;
  seconds: number;
}

export type Progress = (p: { file: string; rows: number; bytesRead: number; totalBytes: number }) => void;

/**
 * Streams one file's records into its staging tables, a batch at a time: on PostgreSQL with COPY (no
 * statement to build and parse per batch), on SQLite as multi-row inserts.
 */
export async function stageFile<K extends StagedFile>(db: Kysely<any>, dialect: Dialect, pkg: OneRosterPackage, file: K, onProgress?: Progress): Promise<FileRead> {
  return streamInto(db, dialect, pkg, file, pkg.rows(file), STAGES[file] as unknown as Stage<K>, onProgress);
}

/** Streams Homeroom's attendance file into `s_attendance`, as stageFile does a OneRoster file. */
export async function stageAttendance(db: Kysely<any>, dialect: Dialect, pkg: OneRosterPackage, onProgress?: Progress): Promise<FileRead> {
  return streamInto(db, dialect, pkg, 'attendance', pkg.attendance(), ATTENDANCE_STAGE, onProgress);
}

async function streamInto<R>(
  db: Kysely<any>,
  dialect: Dialect,
  pkg: OneRosterPackage,
  file: string,
  records: AsyncIterable<R>,
  stage: Pick<Stage<OneRosterFile>, 'table' | 'columns'> & { rows(r: R): Record<string, unknown>[]; extra?: { table: string; columns: Record<string, Col>; rows(r: R): Record<string, unknown>[] }[] },
  onProgress?: Progress,
): Promise<FileRead> {
  const started = performance.now();
  const buffers = new Map<string, Record<string, unknown>[]>();
  const columnsOf = new Map<string, string[]>([[stage.table, Object.keys(stage.columns)], ...(stage.extra ?? []).map((e) => [e.table, Object.keys(e.columns)] as [string, string[]])]);
  const batch = dialect === 'postgres' ? COPY_BATCH : BATCH;
  /**
   * PostgreSQL: the COPY of the last batch, still being written. The server writes one batch while
   * this process reads and checks the next (two cores at work, not one after the other); at most one
   * batch waits, so memory stays at two batches. Its failure is thrown at the next flush or at the end.
   */
  let writing: Promise<void> | undefined;
  const settle = async () => {
    const pending = writing;
    writing = undefined;
    if (pending) await pending;
  };
  const flush = async (force: boolean) => {
    for (const [table, rows] of buffers) {
      if (rows.length === 0 || (!force && rows.length < batch)) continue;
      buffers.set(table, []);
      if (dialect === 'postgres') {
        await settle();
        const copying = copyRows(db, table, columnsOf.get(table)!, rows, 0, rows.length);
        // handled when settled; until then a failure must not count as an unhandled rejection
        copying.catch(() => undefined);
        writing = copying;
      } else for (let i = 0; i < rows.length; i += BATCH) await db.insertInto(table).values(rows.slice(i, i + BATCH)).execute();
    }
  };
  const push = (table: string, rows: Record<string, unknown>[]) => {
    if (rows.length === 0) return;
    const buffer = buffers.get(table);
    if (!buffer) buffers.set(table, rows);
    else for (const r of rows) buffer.push(r);
  };
  let count = 0;
  try {
    for await (const record of records) {
      count += 1;
      push(stage.table, stage.rows(record));
      for (const extra of stage.extra ?? []) push(extra.table, extra.rows(record));
      if (count % batch === 0) {
        await flush(false);
        onProgress?.({ file, rows: count, bytesRead: pkg.bytesRead(), totalBytes: pkg.totalBytes });
      }
    }
    await flush(true);
    await settle();
  } finally {
    // A reader that failed: the COPY under way ends before the connection is used again (the caller drops the tables).
    await settle().catch(() => undefined);
  }
  onProgress?.({ file, rows: count, bytesRead: pkg.bytesRead(), totalBytes: pkg.totalBytes });
  return { file, rows: count, seconds: (performance.now() - started) / 1000 };
}

/** Reads a file the loader does not load (yet), so that the reader checks it and its problems are reported. */
export async function readOnly(pkg: OneRosterPackage, file: OneRosterFile, onProgress?: Progress, each?: (record: RecordOf[OneRosterFile]) => void): Promise<FileRead> {
  const started = performance.now();
  let count = 0;
  for await (const record of pkg.rows(file)) {
    count += 1;
    each?.(record);
    if (count % BATCH === 0) onProgress?.({ file, rows: count, bytesRead: pkg.bytesRead(), totalBytes: pkg.totalBytes });
  }
  onProgress?.({ file, rows: count, bytesRead: pkg.bytesRead(), totalBytes: pkg.totalBytes });
  return { file, rows: count, seconds: (performance.now() - started) / 1000 };
}
