/**
 * Writes many rows fast: rows are buffered per table and written, table by table in foreign-key order,
 * whenever the buffers are flushed: on PostgreSQL with `COPY … FROM STDIN` (no statement to build, send
 * and parse per few thousand rows; what is left is the server's index and foreign-key work), on SQLite as
 * multi-row inserts. Used by the demo generator and imports, always inside one transaction so a crash
 * leaves nothing half-written.
 */
import { Buffer } from 'node:buffer';
import { createRequire } from 'node:module';
import type { Writable } from 'node:stream';
import { CompiledQuery, sql, type DatabaseConnection, type Kysely } from 'kysely';
import type { Dialect } from './connect.js';
import type { DB, NewRow, TableName } from './schema.js';

/** The part of pg-copy-streams' COPY FROM stream used here (the package ships no types). */
interface CopyFromStream extends Writable {
  /** rows PostgreSQL reported as copied, once the stream has finished */
  readonly rowCount: number;
}
const { from: copyFrom } = createRequire(import.meta.url)('pg-copy-streams') as {
  from(text: string): CopyFromStream;
};

/** What the OneRoster loader remembers of each row it wrote (migration 0023): keyed by that row, no id of their own. */
const ONEROSTER_MEMORY = [
  'oneroster_last_schools',
  'oneroster_last_sessions',
  'oneroster_last_courses',
  'oneroster_last_sections',
  'oneroster_last_students',
  'oneroster_last_staff',
  'oneroster_last_guardians',
  'oneroster_links',
  'oneroster_staff_roles',
  'oneroster_attendance',
] as const;

/** Every table in an order where each one only references tables before it. */
export const TABLES_IN_FK_ORDER: readonly TableName[] = [
  'district',
  'grading_scales',
  'grading_scale_bands',
  'vaccines',
  'immunization_requirements',
  'attendance_codes',
  'report_card_comments',
  'schools',
  'academic_sessions',
  'calendar_days',
  'bell_schedules',
  'bell_periods',
  'courses',
  'staff',
  'staff_roles',
  'households',
  'guardians',
  'students',
  'household_students',
  'student_guardians',
  'sections',
  'section_terms',
  'section_periods',
  'section_teachers',
  'section_enrollments',
  'grading_categories',
  'assignments',
  'assignment_scores',
  'term_grades',
  'term_grade_comments',
  'attendance_records',
  'transcript_courses',
  'immunization_doses',
  'immunization_exemptions',
  'user_accounts',
  'announcements',
  'announcement_texts',
  'school_events',
  'school_event_texts',
  'school_event_grades',
  'audit_log',
  'app_secrets',
  'sessions',
  'throttle',
  'account_tokens',
  'email_outbox',
  'activation_keys',
  'jobs',
  'account_generation_runs',
  'account_requests',
  'account_request_events',
  'change_requests',
  'change_request_fields',
  'calendar_feeds',
  'change_events',
  'attendance_takings',
  'term_grade_history',
  'import_runs',
  ...ONEROSTER_MEMORY,
  // Session 15: discussions, forms, messages, push, notifications, second factors.
  'discussion_topics',
  'discussion_posts',
  'discussion_visits',
  'signed_forms',
  'signed_form_versions',
  'signed_form_signatures',
  'messages',
  'message_recipients',
  'push_subscriptions',
  'push_deliveries',
  'notification_settings',
  'notifications',
  'notification_deliveries',
  'notification_digests',
  'notification_class_grades',
  'notification_cursor',
  'second_factors',
  'recovery_codes',
  // messages more (ADR 0042)
  'message_attachments',
  'message_adult_choices',
  // files attached on the composer's first step, waiting for the send (migration 0046)
  'message_draft_files',
  // Session 16: fees (migration 0037).
  'fees',
  'fee_payments',
  'fee_ledger',
  // Food service (issue 24).
  'meal_accounts',
  'meal_ledger',
  'meal_thresholds',
  // Paying fees online (migration 0042).
  'online_checkouts',
  'online_checkout_lines',
  'payment_events',
  'online_refunds',
  'checkout_refunds',
  // Notification kinds: announcements told (migration 0044).
  'notification_announcements',
];

/** Tables whose integer id the database assigns (and whose PostgreSQL sequence must follow explicit ids). */
export const TABLES_WITH_ID: readonly TableName[] = TABLES_IN_FK_ORDER.filter(
  (t) =>
    ![
      'section_terms',
      'section_periods',
      'meal_accounts',
      'meal_thresholds',
      'staff_roles',
      'household_students',
      'announcement_texts',
      'school_event_texts',
      'school_event_grades',
      'term_grade_comments',
      'app_secrets',
      'sessions',
      'throttle',
      ...ONEROSTER_MEMORY,
      'discussion_visits',
      'message_recipients',
      'notification_settings',
      'notification_class_grades',
      'notification_cursor',
      'second_factors',
      'message_adult_choices',
      'notification_announcements',
    ].includes(t),
);

// Bound parameters per statement: SQLite allows 32,766.
const SQLITE_MAX_PARAMS = 32_000;
/** Rows per multi-row insert on SQLite (fewer when the columns are many: SQLITE_MAX_PARAMS). */
const SQLITE_ROWS_PER_INSERT = 256;

/**
 * Rows cut into pieces small enough for one multi-row statement each on either engine (SQLite's bound
 * parameters: SQLITE_MAX_PARAMS; PostgreSQL allows 65,535), for set-based writes outside the BulkWriter.
 */
export function paramChunks<T>(rows: readonly T[], columns: number, maxRows = 1000): T[][] {
  const size = Math.max(1, Math.min(maxRows, Math.floor(SQLITE_MAX_PARAMS / Math.max(1, columns))));
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += size) out.push(rows.slice(i, i + size));
  return out;
}

export class BulkWriter {
  private buffers = new Map<TableName, Record<string, unknown>[]>();
  private buffered = 0;
  /** PostgreSQL: the rows handed to the server at the last checkpoint, still being written */
  private writing: Promise<void> | undefined;
  private abandoned = false;
  readonly written = new Map<TableName, number>();

  constructor(
    private readonly db: Kysely<DB>,
    private readonly dialect: Dialect,
    /** flush at a checkpoint once this many rows are waiting */
    private readonly flushAt = 20_000,
  ) {}

  add<T extends TableName>(table: T, row: NewRow<T>): void {
    let buffer = this.buffers.get(table);
    if (!buffer) {
      buffer = [];
      this.buffers.set(table, buffer);
    }
    buffer.push(row as Record<string, unknown>);
    this.buffered++;
  }

  /**
   * A place where the caller can wait: once flushAt rows are buffered, they are written. On SQLite the
   * checkpoint returns when they are. On PostgreSQL it returns as soon as the rows of the previous
   * checkpoint are written and these are on their way: the server writes them (COPY) while the caller
   * makes the next ones, on the other core. Each checkpoint also lets the event loop run once, so that
   * the write goes on while the caller works. An error of a write in the background (a duplicate key)
   * is thrown by the next checkpoint or flush; rows are still written in the order they were added.
   */
  async checkpoint(): Promise<void> {
    if (this.dialect !== 'postgres') {
      if (this.buffered >= this.flushAt) await this.flush();
      return;
    }
    if (this.writing) await new Promise((resolve) => setImmediate(resolve));
    if (this.buffered < this.flushAt) return;
    await this.settle();
    const writing = this.write(this.take());
    // handled when settled; until then a failure must not count as an unhandled rejection
    writing.catch(() => undefined);
    this.writing = writing;
  }

  /**
   * Writes every buffered row (and waits for the rows of a checkpoint still being written). A column a
   * row leaves out (or gives as `undefined`) gets the column's default, on both engines: rows are
   * written in runs of consecutive rows with the same columns, in the order they were added (so a row
   * may refer to one added before it in the same table).
   */
  async flush(): Promise<void> {
    await this.settle();
    await this.write(this.take());
  }

  /**
   * For a caller that failed and is about to roll back: writes nothing more, and returns once the write
   * in the background (if any) has stopped. It must be awaited before the rollback: otherwise the
   * connection would run the rollback between two of the background write's COPYs, and the next COPY
   * after it, outside the transaction, where its rows would stay.
   */
  async abandon(): Promise<void> {
    this.abandoned = true;
    await this.settle().catch(() => undefined);
  }

  /** Waits for the checkpoint's write in the background, if any; throws its error. */
  private async settle(): Promise<void> {
    const writing = this.writing;
    this.writing = undefined;
    if (writing) await writing;
  }

  private take(): Map<TableName, Record<string, unknown>[]> {
    const taken = this.buffers;
    this.buffers = new Map();
    this.buffered = 0;
    return taken;
  }

  private async write(buffers: Map<TableName, Record<string, unknown>[]>): Promise<void> {
    for (const table of TABLES_IN_FK_ORDER) {
      const rows = buffers.get(table);
      if (!rows || rows.length === 0) continue;
      for (const run of runsWithSameColumns(rows)) {
        if (this.abandoned) throw new Error('BulkWriter: abandoned');
        if (this.dialect === 'postgres') await copyRows(this.db, table, run.columns, rows, run.start, run.end);
        else await this.insertRows(table, run.columns, rows, run.start, run.end);
      }
      this.written.set(table, (this.written.get(table) ?? 0) + rows.length);
    }
  }

  /**
   * Rows [start, end) as multi-row inserts of SQLITE_ROWS_PER_INSERT rows (fewer for the last): the
   * same SQL text for every full one, so SQLite prepares it once (connect.ts keeps it), and the text
   * and the values are put together here rather than by Kysely's query builder. Measured on the demo
   * district: building, compiling and preparing a new statement of up to 32,000 values for every
   * batch was about a third of the load's time (BENCHMARKS.md).
   */
  private async insertRows(table: TableName, columns: string[], rows: Record<string, unknown>[], start: number, end: number): Promise<void> {
    const perStatement = Math.max(1, Math.min(SQLITE_ROWS_PER_INSERT, Math.floor(SQLITE_MAX_PARAMS / Math.max(1, columns.length))));
    for (let i = start; i < end; i += perStatement) {
      const stop = Math.min(end, i + perStatement);
      const values: unknown[] = new Array((stop - i) * columns.length);
      let v = 0;
      for (let r = i; r < stop; r++) {
        const row = rows[r] as Record<string, unknown>;
        for (const column of columns) values[v++] = row[column];
      }
      await this.db.executeQuery(CompiledQuery.raw(this.insertText(table, columns, stop - i, perStatement), values));
    }
  }

  /** Full inserts' texts, one per table and columns (a last, shorter one is made each time). */
  private readonly insertTexts = new Map<string, string>();

  private insertText(table: TableName, columns: string[], count: number, full: number): string {
    const key = count === full ? `${table}(${columns.join(',')})` : undefined;
    const known = key === undefined ? undefined : this.insertTexts.get(key);
    if (known) return known;
    const row = `(${columns.map(() => '?').join(', ')})`;
    const text = `insert into ${quoteIdentifier(table)} (${columns.map(quoteIdentifier).join(', ')}) values ${new Array<string>(count).fill(row).join(', ')}`;
    if (key !== undefined) this.insertTexts.set(key, text);
    return text;
  }
}

interface Run {
  /** the columns every row of the run gives, in the order of the run's first row */
  columns: string[];
  start: number;
  end: number;
}

/** A row's columns: its keys, less those whose value is `undefined` (which Kysely leaves out too). */
function columnsOf(row: Record<string, unknown>): string[] {
  const keys = Object.keys(row);
  for (const key of keys) if (row[key] === undefined) return keys.filter((k) => row[k] !== undefined);
  return keys;
}

/** Splits rows into runs of consecutive rows that give the same set of columns. */
function runsWithSameColumns(rows: readonly Record<string, unknown>[]): Run[] {
  const runs: Run[] = [];
  let run: Run | undefined;
  let set: Set<string> | undefined;
  for (let i = 0; i < rows.length; i++) {
    const keys = columnsOf(rows[i] as Record<string, unknown>);
    if (run && keys.length === run.columns.length) {
      const columns = run.columns;
      if (keys.every((k, j) => k === columns[j])) continue;
      set ??= new Set(columns);
      const inRun = set;
      if (keys.every((k) => inRun.has(k))) continue;
    }
    if (run) run.end = i;
    run = { columns: keys, start: i, end: rows.length };
    runs.push(run);
    set = undefined;
  }
  return runs;
}

function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

const SPECIAL = /[\\\n\r\t]/;
const SPECIALS = /[\\\n\r\t]/g;
const ESCAPED: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/**
 * One value in COPY's text format: `\N` for null (and undefined); in text a backslash, newline, carriage
 * return and tab (the column delimiter) are escaped with a backslash. Numbers, bigints and booleans are
 * written as `pg` sends them as query parameters, so PostgreSQL reads the same value as from an insert.
 * Also the OneRoster staging's COPY (its staging tables have no column name here).
 */
export function copyText(value: unknown, table: string, column?: string): string {
  switch (typeof value) {
    case 'string':
      return SPECIAL.test(value) ? value.replace(SPECIALS, (c) => ESCAPED[c] as string) : value;
    case 'number':
    case 'bigint':
      return String(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'undefined':
      return '\\N';
    case 'object':
      if (value === null) return '\\N';
      if (value instanceof Date) return value.toISOString();
  }
  throw new TypeError(`COPY: ${column === undefined ? table : `${table}.${column}`} is a ${typeof value}, which it cannot write`);
}

/** Text of about this many characters goes into one CopyData message. */
const COPY_CHUNK = 256 * 1024;

/**
 * Writes rows[start, end) with one `COPY table (columns) FROM STDIN`, on the connection that `db` runs
 * its queries on: when `db` is a transaction, inside that transaction. Kysely keeps the `pg` client
 * private, but its PostgreSQL driver hands a query's `sql` to `client.query()`, which runs any object
 * with a `submit` method (a pg "Submittable", as pg-copy-streams' streams are) on the connection.
 */
export async function copyRows(
  db: Kysely<DB>,
  /** a table of the schema, or a temporary one of the transaction (the OneRoster loader's staging) */
  table: string,
  columns: string[],
  rows: readonly Record<string, unknown>[],
  start: number,
  end: number,
): Promise<void> {
  const text = `copy ${quoteIdentifier(table)} (${columns.map(quoteIdentifier).join(', ')}) from stdin`;
  await db.getExecutor().provideConnection(async (connection: DatabaseConnection) => {
    const stream = copyFrom(text);
    // PostgreSQL's errors (a foreign key, a unique index, a value of the wrong type) arrive as 'error'.
    let failure: unknown;
    const failed = new Promise<never>((_, reject) => {
      stream.on('error', (error) => {
        failure ??= error;
        reject(failure);
      });
    });
    failed.catch(() => undefined);
    const closed = new Promise<void>((resolve) => stream.once('close', resolve));
    const write = (chunk: string) =>
      Promise.race([
        new Promise<void>((resolve, reject) => stream.write(Buffer.from(chunk, 'utf8'), (e) => (e ? reject(e) : resolve()))),
        failed,
      ]);

    await connection.executeQuery({ ...CompiledQuery.raw(''), sql: stream as unknown as string });
    try {
      let chunk = '';
      for (let i = start; i < end; i++) {
        const row = rows[i] as Record<string, unknown>;
        for (let c = 0; c < columns.length; c++) {
          const column = columns[c] as string;
          chunk += (c === 0 ? '' : '\t') + copyText(row[column], table, column);
        }
        chunk += '\n';
        if (chunk.length >= COPY_CHUNK) {
          await write(chunk);
          chunk = '';
        }
      }
      if (chunk) await write(chunk);
      await Promise.race([new Promise<void>((resolve) => stream.end(resolve)), failed]);
    } catch (error) {
      if (failure === undefined) {
        // Our own error (a value it cannot write): end the COPY with CopyFail, so that the connection
        // is ready for the caller's rollback, before passing the error on.
        stream.destroy(error as Error);
        await closed;
      }
      throw error;
    }
    if (stream.rowCount !== end - start) {
      throw new Error(`BulkWriter: COPY into ${table} wrote ${stream.rowCount} rows instead of ${end - start}`);
    }
  });
}

/**
 * After rows were written with explicit ids, make PostgreSQL's identity sequences continue after them.
 * Run only once those rows are committed: PostgreSQL never rolls a `setval` back, so a sequence set
 * inside a transaction that then failed (a `demo --reset` killed while its indexes were rebuilt) kept
 * the new load's values while the old rows stayed — and every insert collided with them. From
 * `max(id)`, so it is safe to run again.
 */
export async function syncIdSequences(db: Kysely<DB>, dialect: Dialect): Promise<void> {
  if (dialect !== 'postgres') return;
  for (const table of TABLES_WITH_ID) {
    await sql`select setval(pg_get_serial_sequence(${table}, 'id'), coalesce((select max(id) from ${sql.table(table)}), 0) + 1, false)`.execute(db);
  }
}

/**
 * Moves forward every PostgreSQL identity sequence that lags its table (its next value is an id that
 * already exists), as an interrupted load could leave one; never moves one back. The tables it moved.
 * Run at every start (migrateToLatest).
 */
export async function repairIdSequences(db: Kysely<DB>, dialect: Dialect): Promise<string[]> {
  if (dialect !== 'postgres') return [];
  const repaired: string[] = [];
  for (const table of TABLES_WITH_ID) {
    const found = await sql<{ name: string | null; top: string | null }>`
      select pg_get_serial_sequence(${table}, 'id') as name, (select max(id) from ${sql.table(table)})::text as top`.execute(db);
    const { name, top } = found.rows[0] ?? { name: null, top: null };
    if (!name || top === null) continue;
    // (the name is PostgreSQL's own, quoted as needed)
    const state = await sql<{ last_value: string; is_called: boolean }>`select last_value::text, is_called from ${sql.raw(name)}`.execute(db);
    const seq = state.rows[0];
    if (!seq) continue;
    const next = BigInt(seq.last_value) + (seq.is_called ? 1n : 0n);
    if (next > BigInt(top)) continue;
    await sql`select setval(${name}, ${top}::bigint, true)`.execute(db);
    repaired.push(table);
  }
  return repaired;
}

/**
 * Deletes every row of every table, children first, and starts the ids again at 1, so that a load after
 * it gives the same ids as into an empty database — rows the database numbers itself included (the
 * demo's meal ledger, written by `insert … select`). PostgreSQL: one `TRUNCATE … RESTART IDENTITY` of
 * every table, which, unlike `setval`, is undone with the transaction (a reset that fails keeps the old
 * rows and their counters). SQLite numbers a table without AUTOINCREMENT (none has it) from its largest
 * id, so an emptied table starts at 1 by itself.
 */
export async function deleteAll(db: Kysely<DB>, dialect: Dialect): Promise<void> {
  if (dialect === 'postgres') {
    const tables = TABLES_IN_FK_ORDER.filter((t) => t !== 'notification_cursor');
    await sql`truncate table ${sql.join(tables.map((t) => sql.table(t)))} restart identity`.execute(db);
    await db.updateTable('notification_cursor').set({ decided_through: 0 }).execute();
    return;
  }
  for (const table of [...TABLES_IN_FK_ORDER].reverse()) {
    // The notifications' one-row cursor over the change events (made by its migration) starts again.
    if (table === 'notification_cursor') await db.updateTable('notification_cursor').set({ decided_through: 0 }).execute();
    else await db.deleteFrom(table).execute();
  }
}

/** Planner statistics after a bulk load (PostgreSQL's autovacuum would get there later; SQLite's ANALYZE helps its planner too). */
export async function refreshStatistics(database: { db: Kysely<DB>; dialect: Dialect }): Promise<void> {
  await sql`analyze`.execute(database.db);
}

/**
 * PostgreSQL: takes every table for the caller's transaction at once, before a load changes their
 * schema (withIndexesDeferred). Taken one by one as the load reaches them, the locks could meet a
 * server's transaction holding one table and asking for another: a deadlock, in which PostgreSQL
 * would end one side, the load perhaps. Taken together at the start, the load waits for the server's
 * open transactions to end, then holds everything until it commits. SQLite has one writer at a time
 * already.
 */
export async function lockAllTables(db: Kysely<DB>, dialect: Dialect): Promise<void> {
  if (dialect !== 'postgres') return;
  await sql`lock table ${sql.join(TABLES_IN_FK_ORDER.map((t) => sql.table(t)))} in access exclusive mode`.execute(db);
}

/** What withIndexesDeferred took off the tables and puts back: each as the statement that re-creates it. */
interface Deferred {
  indexes: { name: string; definition: string }[];
  foreignKeys: { table: string; name: string; definition: string }[];
}

/**
 * Runs `load` — a bulk load of many rows, in the caller's transaction — with the tables' plain
 * secondary indexes and (on PostgreSQL) their foreign keys taken off, and puts them back afterwards,
 * in the same transaction: building an index once from all the rows is a sort, where keeping it up to
 * date row by row is a search per row per index, and checking a foreign key once is one join, where
 * PostgreSQL's row-by-row check is a lookup and a row lock per row (measured: BENCHMARKS.md, "Demo
 * district"). Primary keys and unique indexes stay, so duplicates still fail at once; the foreign keys
 * are checked again as they are put back, over every row, so a load that broke one fails and rolls back
 * as before, only later. SQLite's foreign keys are part of their tables and stay (its check is a primary
 * key lookup). If anything fails, the transaction's rollback restores everything (both engines' schema
 * changes are transactional).
 *
 * On PostgreSQL, while the load runs, its transaction holds the tables whose schema it changed: other
 * connections wait for it, where otherwise they would read the old rows. (SQLite's readers go on
 * reading the last committed state, as before.)
 */
export async function withIndexesDeferred<T>(db: Kysely<DB>, dialect: Dialect, load: () => Promise<T>): Promise<T> {
  const deferred = dialect === 'postgres' ? await deferPostgres(db) : await deferSqlite(db);
  const result = await load();
  for (const index of deferred.indexes) await sql.raw(index.definition).execute(db);
  for (const fk of deferred.foreignKeys) await sql.raw(`alter table ${fk.table} add constraint ${fk.name} ${fk.definition}`).execute(db);
  return result;
}

async function deferPostgres(db: Kysely<DB>): Promise<Deferred> {
  const tables = [...TABLES_IN_FK_ORDER];
  // Foreign keys that are deferrable (checks may be pending in the transaction) or not yet validated
  // (putting one back would check it, which it never was) stay as they are. The schema has none today.
  const foreignKeys = (
    await sql<{ table: string; name: string; definition: string }>`
      select c.conrelid::regclass::text as "table", quote_ident(c.conname) as name, pg_get_constraintdef(c.oid) as definition
        from pg_constraint c join pg_class t on t.oid = c.conrelid
       where c.contype = 'f' and c.convalidated and not c.condeferrable
         and t.relnamespace = current_schema()::regnamespace and t.relname = any(${tables})
       order by c.oid`.execute(db)
  ).rows;
  // Plain indexes only: not unique, not a constraint's (primary keys, unique constraints stay).
  const indexes = (
    await sql<{ name: string; definition: string }>`
      select i.indexrelid::regclass::text as name, pg_get_indexdef(i.indexrelid) as definition
        from pg_index i join pg_class t on t.oid = i.indrelid
       where not i.indisunique and t.relnamespace = current_schema()::regnamespace and t.relname = any(${tables})
         and not exists (select 1 from pg_constraint c where c.conindid = i.indexrelid)
       order by i.indexrelid`.execute(db)
  ).rows;
  for (const fk of foreignKeys) await sql.raw(`alter table ${fk.table} drop constraint ${fk.name}`).execute(db);
  for (const index of indexes) await sql.raw(`drop index ${index.name}`).execute(db);
  return { indexes, foreignKeys };
}

async function deferSqlite(db: Kysely<DB>): Promise<Deferred> {
  const tables = new Set<string>(TABLES_IN_FK_ORDER);
  // Indexes SQLite made for a primary key or a unique constraint have no SQL of their own and stay.
  const indexes = (
    await sql<{ name: string; table: string; definition: string }>`select name, tbl_name as "table", sql as definition from sqlite_master where type = 'index' and sql is not null order by rowid`.execute(db)
  ).rows.filter((i) => tables.has(i.table) && !/^\s*create\s+unique\b/i.test(i.definition));
  for (const index of indexes) await sql`drop index ${sql.id(index.name)}`.execute(db);
  return { indexes: indexes.map(({ name, definition }) => ({ name, definition })), foreignKeys: [] };
}
