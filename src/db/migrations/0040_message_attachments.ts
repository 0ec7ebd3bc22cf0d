/**
 * The Message Center, what was missing (issue 21, ADR 0042).
 *
 * - `message_attachments`: up to 3 files of a message (PDF or a picture, ≤ 5 MB each, their type read
 *   from their content), kept in the database beside the message: one copy per message whatever the
 *   number of recipients, written in the same transaction as the message (nothing half-saved, no orphan
 *   files), in the database's backups, and read by every web process of a district that runs several.
 * - `message_adult_choices`: what a student of 18 or older answered when asked whether their parents and
 *   guardians keep receiving the school's messages about them. No row: not answered, the district's rule
 *   applies.
 */
import type { Kysely } from 'kysely';
import type { Dialect } from '../connect.js';
import { columns, type DialectMigration } from './types.js';

export const messageAttachments: DialectMigration = {
  name: '0040_message_attachments',
  async up(db: Kysely<any>, dialect: Dialect) {
    const c = columns(dialect);
    let t = db.schema.createTable('message_attachments');
    t = c.id(t);
    t = t
      .addColumn('message_id', 'integer', (x) => x.notNull().references('messages.id'))
      .addColumn('position', 'integer', (x) => x.notNull())
      .addColumn('file_name', 'text', (x) => x.notNull())
      .addColumn('media_type', 'text', (x) => x.notNull())
      .addColumn('byte_size', 'integer', (x) => x.notNull())
      .addColumn('content', (dialect === 'postgres' ? 'bytea' : 'blob') as 'bytea', (x) => x.notNull());
    t = c.instant(t, 'created_at', (x) => x.notNull());
    await t.execute();
    await db.schema.createIndex('message_attachments_position').unique().on('message_attachments').columns(['message_id', 'position']).execute();

    let a = db.schema.createTable('message_adult_choices').addColumn('student_id', 'integer', (x) => x.primaryKey().references('students.id'));
    a = c.flag(a, 'guardians_receive', 1);
    a = c.instant(a, 'answered_at', (x) => x.notNull());
    await a.execute();
  },
};
