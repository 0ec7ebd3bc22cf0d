/**
 * Writes many rows fast: rows are buffered per table and written as multi-row inserts, table by
 * table in foreign-key order, whenever the buffers are flushed. Used by the demo generator and
 * imports, always inside one transaction so a crash leaves nothing half-written.
 */
import { sql, type Kysely } from 'kysely';
import type { Dialect } from './connect.js';
import type { DB, NewRow, TableName } from './schema.js';

/** Every table in an order where each one only references tables before it. */
export const TABLES_IN_FK_ORDER: readonly TableName[] = [
  'district',
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
  'user_accounts',
  'announcements',
  'announcement_texts',
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
];

/** Tables whose integer id the database assigns (and whose PostgreSQL sequence must follow explicit ids). */
export const TABLES_WITH_ID: readonly TableName[] = TABLES_IN_FK_ORDER.filter(
  (t) =>
    ![
      'section_terms',
      'section_periods',
      'staff_roles',
      'household_students',
      'announcement_texts',
      'app_secrets',
      'sessions',
      'throttle',
    ].includes(t),
);

// Bound parameters per statement: SQLite allows 32,766, PostgreSQL 65,535.
const MAX_PARAMS: Record<Dialect, number> = { sqlite: 32_000, postgres: 65_000 };

export class BulkWriter {
  private readonly buffers = new Map<TableName, Record<string, unknown>[]>();
  private buffered = 0;
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

  async checkpoint(): Promise<void> {
    if (this.buffered >= this.flushAt) await this.flush();
  }

  async flush(): Promise<void> {
    for (const table of TABLES_IN_FK_ORDER) {
      const rows = this.buffers.get(table);
      if (!rows || rows.length === 0) continue;
      const columns = Object.keys(rows[0] as object).length;
      const perStatement = Math.max(1, Math.floor(MAX_PARAMS[this.dialect] / columns));
      for (let i = 0; i < rows.length; i += perStatement) {
        await this.db
          .insertInto(table)
          .values(rows.slice(i, i + perStatement) as never)
          .execute();
      }
      this.written.set(table, (this.written.get(table) ?? 0) + rows.length);
      this.buffers.set(table, []);
    }
    this.buffered = 0;
  }
}

/** After rows were written with explicit ids, make PostgreSQL's identity sequences continue after them. */
export async function syncIdSequences(db: Kysely<DB>, dialect: Dialect): Promise<void> {
  if (dialect !== 'postgres') return;
  for (const table of TABLES_WITH_ID) {
    await sql`select setval(pg_get_serial_sequence(${table}, 'id'), coalesce((select max(id) from ${sql.table(table)}), 0) + 1, false)`.execute(db);
  }
}

/** Deletes every row of every table, children first. */
export async function deleteAll(db: Kysely<DB>): Promise<void> {
  for (const table of [...TABLES_IN_FK_ORDER].reverse()) await db.deleteFrom(table).execute();
}

/** Planner statistics after a bulk load (PostgreSQL's autovacuum would get there later; SQLite's ANALYZE helps its planner too). */
export async function refreshStatistics(database: { db: Kysely<DB>; dialect: Dialect }): Promise<void> {
  await sql`analyze`.execute(database.db);
}
