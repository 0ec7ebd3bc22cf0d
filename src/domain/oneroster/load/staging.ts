/**
 * The loader's staging tables: TEMPORARY tables of the run's connection, into which the package's
 * records are streamed in batches before the run's write transaction begins (writing them takes no lock
 * on the database), so that every later step — duplicates, references, matching, the upserts — is a
 * set-based statement over them, whatever the package's size. Nothing of a file is held in memory
 * beyond one batch. They are dropped at the run's end, and die with the connection if the process does.
 */
import { Buffer } from 'node:buffer';
import { createRequire } from 'node:module';
import type { Writable } from 'node:stream';
import { CompiledQuery, sql, type DatabaseConnection, type Kysely } from 'kysely';
import { copyText as copyValue } from '../../../db/bulk.js';
import type { Dialect } from '../../../db/connect.js';
import { storedPhone } from '../../people/phones.js';
import { type AttendanceRowRecord, type OneRosterFile, type OneRosterPackage, type RecordOf } from '../records.js';

/** pg-copy-streams' COPY FROM stream (the package ships no types): a Writable that knows, once finished, how many rows were copied. */
const { from: copyFrom } = createRequire(import.meta.url)('pg-copy-streams') as { from(text: string): Writable & { readonly rowCount: number } };

/** Rows per multi-row insert (SQLite): at most 16 columns, well under its parameter limit. */
const BATCH = 500;
/** Rows per COPY (PostgreSQL): one statement streams them all. */
const COPY_BATCH = 5_000;

/** text, integer, date, real */
type Col = 'T' | 'I' | 'D' | 'R';

/**
 * One staging table and how a record fills it: `put` appends the values of the record's rows in this
 * table (none, one, or one per item of a list), row after row, each in the order of `columns`, to the
 * batch's flat list of values, and says how many rows it added. No object is made per row: the values go
 * from the record straight into the batch (ADR 0057), and from there into the COPY text or the insert's
 * parameters.
 */
interface Table<R> {
  table: string;
  columns: Record<string, Col>;
  put(r: R, out: unknown[]): number;
}
interface Stage<K extends OneRosterFile> extends Table<RecordOf[K]> {
  file: K;
  /** other tables one record also fills (a class's terms, a user's agents) */
  extra?: Table<RecordOf[K]>[];
}

// Every table's first columns: sourced_id, status, file, line.
const ROW = { sourced_id: 'T', status: 'T', file: 'T', line: 'I' } as const;
/** a list's distinct values, for an active record only (a deleted class's terms mean nothing) */
const activeOnly = (r: { status: string }, list: readonly string[]): readonly string[] => (r.status !== 'active' ? [] : list.length < 2 ? list : [...new Set(list)]);
/** one row (`of`, the record's sourced id, `item`, file, line) per distinct item of an active record's list */
const putEach = (r: { sourcedId: string; status: string; at: { file: string; line: number } }, list: readonly string[], out: unknown[]): number => {
  const items = activeOnly(r, list);
  for (const item of items) out.push(r.sourcedId, item, r.at.file, r.at.line);
  return items.length;
};
const flag = (b: boolean) => (b ? 1 : 0);
const first = <T>(list: readonly T[]): T | null => (list.length > 0 ? list[0]! : null);
const min = (list: readonly number[]) => (list.length > 0 ? Math.min(...list) : null);
const max = (list: readonly number[]) => (list.length > 0 ? Math.max(...list) : null);

export const STAGES = {
  orgs: {
    file: 'orgs',
    table: 's_orgs',
    columns: { ...ROW, name: 'T', type: 'T', identifier: 'T', parent: 'T' },
    put: (r, o) => {
      o.push(r.sourcedId, r.status, r.at.file, r.at.line, r.name, r.type, r.identifier, r.parentSourcedId);
      return 1;
    },
  } satisfies Stage<'orgs'>,
  academicSessions: {
    file: 'academicSessions',
    table: 's_sessions',
    columns: { ...ROW, title: 'T', type: 'T', start_date: 'D', end_date: 'D', parent: 'T', school_year: 'I' },
    put: (r, o) => {
      o.push(r.sourcedId, r.status, r.at.file, r.at.line, r.title, r.type, r.startDate, r.endDate, r.parentSourcedId, r.schoolYear);
      return 1;
    },
  } satisfies Stage<'academicSessions'>,
  courses: {
    file: 'courses',
    table: 's_courses',
    columns: { ...ROW, title: 'T', course_code: 'T', grade_low: 'I', grade_high: 'I', org: 'T', school_year: 'T', subject: 'T' },
    put: (r, o) => {
      o.push(r.sourcedId, r.status, r.at.file, r.at.line, r.title, r.courseCode, min(r.grades), max(r.grades), r.orgSourcedId, r.schoolYearSourcedId, first(r.subjects));
      return 1;
    },
  } satisfies Stage<'courses'>,
  classes: {
    file: 'classes',
    table: 's_classes',
    columns: { ...ROW, title: 'T', class_code: 'T', course: 'T', school: 'T', location: 'T' },
    put: (r, o) => {
      o.push(r.sourcedId, r.status, r.at.file, r.at.line, r.title, r.classCode, r.courseSourcedId, r.schoolSourcedId, r.location);
      return 1;
    },
    extra: [
      { table: 's_class_terms', columns: { class: 'T', term: 'T', file: 'T', line: 'I' }, put: (r, o) => putEach(r, r.termSourcedIds, o) },
      { table: 's_class_periods', columns: { class: 'T', period: 'T', file: 'T', line: 'I' }, put: (r, o) => putEach(r, r.periods, o) },
    ],
  } satisfies Stage<'classes'>,
  users: {
    file: 'users',
    table: 's_users',
    columns: {
      ...ROW, enabled: 'I', given: 'T', family: 'T', middle: 'T', pref_given: 'T', pref_family: 'T', identifier: 'T', email: 'T', phone: 'T', grade: 'I', primary_org: 'T',
    },
    put: (r, o) => {
      o.push(
        r.sourcedId, r.status, r.at.file, r.at.line, flag(r.enabled), r.givenName, r.familyName, r.middleName, r.preferredGivenName, r.preferredFamilyName,
        r.identifier, r.email, storedPhone(r.phone ?? r.sms), first(r.grades), r.primaryOrgSourcedId,
      );
      return 1;
    },
    extra: [{ table: 's_agents', columns: { user_sid: 'T', agent: 'T', file: 'T', line: 'I' }, put: (r, o) => putEach(r, r.agentSourcedIds, o) }],
  } satisfies Stage<'users'>,
  roles: {
    file: 'roles',
    table: 's_roles',
    columns: { ...ROW, user_sid: 'T', role: 'T', org: 'T' },
    put: (r, o) => {
      o.push(r.sourcedId, r.status, r.at.file, r.at.line, r.userSourcedId, r.role, r.orgSourcedId);
      return 1;
    },
  } satisfies Stage<'roles'>,
  enrollments: {
    file: 'enrollments',
    table: 's_enrollments',
    columns: { ...ROW, class: 'T', school: 'T', user_sid: 'T', role: 'T', is_primary: 'I', begin_date: 'D', end_date: 'D' },
    put: (r, o) => {
      o.push(r.sourcedId, r.status, r.at.file, r.at.line, r.classSourcedId, r.schoolSourcedId, r.userSourcedId, r.role, flag(r.primary), r.beginDate, r.endDate);
      return 1;
    },
  } satisfies Stage<'enrollments'>,
  demographics: {
    file: 'demographics',
    table: 's_demographics',
    columns: { ...ROW, birth_date: 'D' },
    put: (r, o) => {
      o.push(r.sourcedId, r.status, r.at.file, r.at.line, r.birthDate);
      return 1;
    },
  } satisfies Stage<'demographics'>,
  categories: {
    file: 'categories',
    table: 's_categories',
    columns: { ...ROW, title: 'T', weight: 'R', drop_lowest: 'I' },
    put: (r, o) => {
      o.push(r.sourcedId, r.status, r.at.file, r.at.line, r.title, r.weight, r.dropLowest);
      return 1;
    },
  } satisfies Stage<'categories'>,
  lineItems: {
    file: 'lineItems',
    table: 's_lineitems',
    columns: { ...ROW, title: 'T', description: 'T', assign_date: 'D', due_date: 'D', class: 'T', category: 'T', period: 'T', max: 'R' },
    put: (r, o) => {
      o.push(
        r.sourcedId, r.status, r.at.file, r.at.line, r.title, r.description, r.assignDate, r.dueDate, r.classSourcedId, r.categorySourcedId, r.gradingPeriodSourcedId,
        r.resultValueMax,
      );
      return 1;
    },
  } satisfies Stage<'lineItems'>,
  results: {
    file: 'results',
    table: 's_results',
    columns: { ...ROW, line_item: 'T', student: 'T', score_status: 'T', score: 'R', comment: 'T', late: 'I', missing: 'I', incomplete: 'I', dropped: 'I' },
    put: (r, o) => {
      o.push(
        r.sourcedId, r.status, r.at.file, r.at.line, r.lineItemSourcedId, r.studentSourcedId, r.scoreStatus, r.score,
        // A text score ("Pass", a letter) is kept where a comment would be, when the row has no comment of its own.
        r.comment ?? r.textScore, flag(r.late), flag(r.missing), flag(r.incomplete),
        // Homeroom's extension column; null (absent or empty) leaves the score's flag as it is.
        r.dropped === null ? null : flag(r.dropped),
      );
      return 1;
    },
  } satisfies Stage<'results'>,
};

/** Homeroom's attendance file: no sourcedId nor status, one row per record. */
const ATTENDANCE_STAGE: Table<AttendanceRowRecord> = {
  table: 's_attendance',
  columns: { file: 'T', line: 'I', student: 'T', date: 'D', class: 'T', code: 'T', excused: 'I' },
  put: (r, o) => {
    o.push(r.at.file, r.at.line, r.studentSourcedId, r.date, r.classSourcedId, r.code, r.excused === null ? null : flag(r.excused));
    return 1;
  },
};
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

/** A staging table's batch: the values of its rows, one after another. */
interface Batch<R> {
  table: string;
  columns: string[];
  put: Table<R>['put'];
  values: unknown[];
  rows: number;
}

async function streamInto<R>(
  db: Kysely<any>,
  dialect: Dialect,
  pkg: OneRosterPackage,
  file: string,
  records: AsyncIterable<R>,
  stage: Table<R> & { extra?: Table<R>[] },
  onProgress?: Progress,
): Promise<FileRead> {
  const started = performance.now();
  const batches: Batch<R>[] = [stage, ...(stage.extra ?? [])].map((t) => ({ table: t.table, columns: Object.keys(t.columns), put: t.put, values: [], rows: 0 }));
  const size = dialect === 'postgres' ? COPY_BATCH : BATCH;
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
    for (const batch of batches) {
      if (batch.rows === 0 || (!force && batch.rows < size)) continue;
      const { table, columns, values, rows } = batch;
      batch.values = [];
      batch.rows = 0;
      if (dialect === 'postgres') {
        // the text is made while the server still writes the previous batch
        const text = copyText(values, columns.length, table);
        await settle();
        const copying = copyInto(db, table, columns, text, rows);
        // handled when settled; until then a failure must not count as an unhandled rejection
        copying.catch(() => undefined);
        writing = copying;
      } else await insertInto(db, table, columns, values, rows);
    }
  };
  let count = 0;
  try {
    for await (const record of records) {
      count += 1;
      for (const batch of batches) batch.rows += batch.put(record, batch.values);
      if (count % size === 0) {
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

/** SQLite: the full inserts' texts, one per table (a last, shorter one is made each time). */
const insertTexts = new Map<string, string>();

function insertText(table: string, columns: readonly string[], rows: number): string {
  const key = rows === BATCH ? table : undefined;
  const known = key === undefined ? undefined : insertTexts.get(key);
  if (known) return known;
  const row = `(${columns.map(() => '?').join(', ')})`;
  const text = `insert into ${table} (${columns.map(quoted).join(', ')}) values ${new Array<string>(rows).fill(row).join(', ')}`;
  if (key !== undefined) insertTexts.set(key, text);
  return text;
}

/**
 * SQLite: rows as multi-row inserts of BATCH rows, their values bound as they are (the same text for
 * every full insert, so SQLite prepares it once: connect.ts keeps it). Built here rather than by Kysely's
 * query builder, which would make a tree of every value and compile it anew for each insert.
 */
async function insertInto(db: Kysely<any>, table: string, columns: readonly string[], values: unknown[], rows: number): Promise<void> {
  const width = columns.length;
  // a value a record leaves undefined is stored as null (as Kysely's insert did)
  for (let i = 0; i < values.length; i++) if (values[i] === undefined) values[i] = null;
  for (let start = 0; start < rows; start += BATCH) {
    const n = Math.min(BATCH, rows - start);
    const params = n === rows ? values : values.slice(start * width, (start + n) * width);
    await db.executeQuery(CompiledQuery.raw(insertText(table, columns, n), params));
  }
}

/** COPY's text is sent in pieces of about this many characters (one CopyData message each). */
const COPY_CHUNK = 256 * 1024;

/**
 * A batch's values (`width` a row) as COPY text, in pieces of about COPY_CHUNK characters. Each piece is
 * joined once from its values and separators (no string grown by `+=`, which V8 keeps as a tree of
 * concatenations until it is flattened).
 */
function copyText(values: readonly unknown[], width: number, table: string): string[] {
  const pieces: string[] = [];
  const parts: string[] = [];
  let size = 0;
  for (let i = 0; i < values.length; i += width) {
    for (let c = 0; c < width; c++) {
      const text = copyValue(values[i + c], table);
      parts.push(text, c === width - 1 ? '\n' : '\t');
      size += text.length + 1;
    }
    if (size >= COPY_CHUNK) {
      pieces.push(parts.join(''));
      parts.length = 0;
      size = 0;
    }
  }
  if (parts.length > 0) pieces.push(parts.join(''));
  return pieces;
}

/**
 * PostgreSQL: one `COPY table (columns) FROM STDIN` of the text, on the connection `db` runs its queries
 * on (the run's). As db/bulk.ts's copyRows does it — Kysely's PostgreSQL driver hands a query's `sql`
 * to `client.query()`, which runs a pg "Submittable" (pg-copy-streams' stream) on the connection — but
 * from text made straight from the records, with no row object between. A value the server refuses
 * fails the COPY with the server's error, after which the connection is ready for its next statement.
 */
async function copyInto(db: Kysely<any>, table: string, columns: readonly string[], text: readonly string[], rows: number): Promise<void> {
  await db.getExecutor().provideConnection(async (connection: DatabaseConnection) => {
    const stream = copyFrom(`copy ${table} (${columns.map(quoted).join(', ')}) from stdin`);
    const finished = new Promise<void>((resolve, reject) => {
      // (every error is listened to: the stream may report more than one)
      stream.on('error', reject);
      stream.once('finish', resolve);
    });
    // awaited below; until then (while the COPY starts) a failure must not count as an unhandled rejection
    finished.catch(() => undefined);
    await connection.executeQuery({ ...CompiledQuery.raw(''), sql: stream as unknown as string });
    for (const piece of text) stream.write(Buffer.from(piece, 'utf8'));
    stream.end();
    await finished;
    if (stream.rowCount !== rows) throw new Error(`staging: COPY into ${table} wrote ${stream.rowCount} rows instead of ${rows}`);
  });
}

function quoted(name: string): string {
  return `"${name}"`;
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
