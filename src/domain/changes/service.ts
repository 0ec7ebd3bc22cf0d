/**
 * Change events: the record of every write a family would see (a score, a term grade, an attendance
 * record, a dose or exemption, a school event, an announcement). Each kind has one domain service that
 * writes its table, and that service records the change here in the same transaction — so a change is
 * recorded if and only if it happened. The notifications read them in `id` order; a student's history
 * reads them by student. `before` and `after` hold what a family sees of the row (never a comment meant
 * for staff only, never anything secret).
 */
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Dialect } from '../../db/connect.js';
import type { ChangeKind, DB } from '../../db/schema.js';

export interface Change {
  kind: ChangeKind;
  action: 'created' | 'updated' | 'deleted';
  subjectId: number;
  studentId?: number | null;
  sectionId?: number | null;
  schoolId?: number | null;
  before?: Record<string, unknown> | null;
  after?: Record<string, unknown> | null;
  actorAccountId: number | null;
}

/** Records changes, in the caller's transaction (the one that wrote them). */
export async function recordChanges(trx: Kysely<DB>, changes: readonly Change[], now: Date): Promise<void> {
  if (changes.length === 0) return;
  const at = now.toISOString();
  await trx
    .insertInto('change_events')
    .values(
      changes.map((c) => ({
        at,
        kind: c.kind,
        action: c.action,
        subject_id: c.subjectId,
        student_id: c.studentId ?? null,
        section_id: c.sectionId ?? null,
        school_id: c.schoolId ?? null,
        before: c.before ? JSON.stringify(c.before) : null,
        after: c.after ? JSON.stringify(c.after) : null,
        actor_account_id: c.actorAccountId,
      })),
    )
    .execute();
}

/**
 * Records changes in bulk (an import), set-based, in the caller's transaction: `rows` is a query giving
 * one row per change, with the columns subject_id, student_id, section_id, school_id, before and after
 * (JSON text of what a family sees, or null). Returns how many were recorded.
 */
export async function recordChangesSelected(
  trx: Kysely<DB>,
  change: { kind: ChangeKind; action: Change['action']; actorAccountId: number | null },
  rows: RawBuilder<unknown>,
  now: Date,
  dialect: Dialect,
): Promise<number> {
  // Parameters in a select list have no type on PostgreSQL: the instant and the actor are cast to the columns' types.
  const at = dialect === 'postgres' ? sql`cast(${now.toISOString()} as timestamptz)` : sql`${now.toISOString()}`;
  const result = await trx
    .insertInto('change_events')
    .columns(['at', 'kind', 'action', 'subject_id', 'student_id', 'section_id', 'school_id', 'before', 'after', 'actor_account_id'])
    .expression(
      sql`select ${at}, ${change.kind}, ${change.action}, x.subject_id, x.student_id, x.section_id, x.school_id, x.before, x.after, cast(${change.actorAccountId} as integer)
            from (${rows}) x`,
    )
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0);
}
