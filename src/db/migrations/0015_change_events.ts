/**
 * Change events (issue 19): every write a family would see — a score, a term grade, an attendance
 * record, a dose or an exemption, a school event, an announcement — is recorded here in the same
 * transaction, by the one domain service that writes that kind. The notifications (issue 22) read them
 * in order (`id`), and a student's history reads them by student.
 */
import type { Kysely } from 'kysely';
import type { Dialect } from '../connect.js';
import { columns, type DialectMigration } from './types.js';

export const changeEvents: DialectMigration = {
  name: '0015_change_events',
  async up(db: Kysely<any>, dialect: Dialect) {
    const c = columns(dialect);
    await db.schema
      .createTable('change_events')
      .$call(c.id)
      .$call((t) => c.instant(t, 'at', (col) => col.notNull()))
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('action', 'text', (c) => c.notNull())
      .addColumn('subject_id', 'integer', (c) => c.notNull())
      .addColumn('student_id', 'integer', (c) => c.references('students.id').onDelete('cascade'))
      .addColumn('section_id', 'integer', (c) => c.references('sections.id').onDelete('cascade'))
      .addColumn('school_id', 'integer', (c) => c.references('schools.id').onDelete('cascade'))
      .addColumn('before', 'text')
      .addColumn('after', 'text')
      .addColumn('actor_account_id', 'integer', (c) => c.references('user_accounts.id').onDelete('set null'))
      .execute();
    await db.schema.createIndex('change_events_student').on('change_events').columns(['student_id', 'at']).execute();
    await db.schema.createIndex('change_events_section').on('change_events').columns(['section_id', 'at']).execute();
  },
};
