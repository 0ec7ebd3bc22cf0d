/**
 * A section's attendance taken for a day (issue 19): the teacher's submitted roster, even when everyone
 * was present (present students have no attendance record), so that the office can see which sections
 * have not taken attendance, and so that two saves of the same roster can tell they collided.
 */
import type { Kysely } from 'kysely';
import type { Dialect } from '../connect.js';
import { columns, type DialectMigration } from './types.js';

export const attendanceTakings: DialectMigration = {
  name: '0018_attendance_takings',
  async up(db: Kysely<any>, dialect: Dialect) {
    const c = columns(dialect);
    await db.schema
      .createTable('attendance_takings')
      .$call(c.id)
      .addColumn('section_id', 'integer', (col) => col.notNull().references('sections.id').onDelete('cascade'))
      .$call((t) => c.date(t, 'date', (col) => col.notNull()))
      .$call((t) => c.instant(t, 'taken_at', (col) => col.notNull()))
      .addColumn('taken_by', 'integer', (col) => col.references('user_accounts.id').onDelete('set null'))
      /** how many times it was saved: a form carries the version it was opened at */
      .addColumn('version', 'integer', (col) => col.notNull().defaultTo(1))
      .addUniqueConstraint('attendance_takings_section_date', ['section_id', 'date'])
      .execute();
    await db.schema.createIndex('attendance_takings_date').on('attendance_takings').columns(['date']).execute();
  },
};
