/**
 * The Message Center (issue 21, ADR 0032).
 *
 * - `messages`: one row per message as its sender wrote it — the subject and body in English and/or
 *   Spanish, who sent it (account, name and role at the time), what it was sent to (`audience`, JSON),
 *   whether it is about the student each recipient receives it through (`concerns_student`), whether it
 *   asks for an answer, when it goes out, and how far its delivery is. A reply carries the first message
 *   of its thread and the family member the thread is with: threads are private to that person and the
 *   first message's sender.
 * - `message_recipients`: one row per person (student, guardian or staff member, not per account, so a
 *   guardian whose account is made later finds what was sent before), with the student the person was
 *   reached through, their language at sending, read and archived. The primary key makes delivery
 *   idempotent: a delivery run again after a crash inserts only the rows that are missing.
 */
import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../connect.js';
import { columns, type DialectMigration } from './types.js';

export const messages: DialectMigration = {
  name: '0030_messages',
  async up(db: Kysely<any>, dialect: Dialect) {
    const c = columns(dialect);
    let t = db.schema.createTable('messages');
    t = c.id(t);
    t = t
      .addColumn('sender_account_id', 'integer', (x) => x.notNull().references('user_accounts.id'))
      .addColumn('sender_name', 'text', (x) => x.notNull())
      .addColumn('sender_role', 'text', (x) => x.notNull())
      .addColumn('subject_en', 'text')
      .addColumn('body_en', 'text')
      .addColumn('subject_es', 'text')
      .addColumn('body_es', 'text')
      .addColumn('audience', 'text', (x) => x.notNull());
    t = c.flag(t, 'concerns_student', 0);
    t = c.flag(t, 'asks_reply', 0);
    t = t
      .addColumn('thread_root_id', 'integer', (x) => x.references('messages.id'))
      .addColumn('thread_person_kind', 'text')
      .addColumn('thread_person_id', 'integer')
      .addColumn('status', 'text', (x) => x.notNull().defaultTo('scheduled').check(sql`status in ('scheduled', 'sent')`))
      .addColumn('recipient_count', 'integer', (x) => x.notNull().defaultTo(0));
    t = c.instant(t, 'send_at', (x) => x.notNull());
    t = c.instant(t, 'sent_at');
    t = c.instant(t, 'created_at', (x) => x.notNull());
    await t.execute();
    await db.schema.createIndex('messages_sender').on('messages').columns(['sender_account_id', 'id']).execute();
    await db.schema.createIndex('messages_thread').on('messages').columns(['thread_root_id', 'thread_person_kind', 'thread_person_id', 'id']).execute();

    let r = db.schema
      .createTable('message_recipients')
      .addColumn('message_id', 'integer', (x) => x.notNull().references('messages.id'))
      .addColumn('person_kind', 'text', (x) => x.notNull().check(sql`person_kind in ('student', 'guardian', 'staff')`))
      .addColumn('person_id', 'integer', (x) => x.notNull())
      .addColumn('student_id', 'integer', (x) => x.references('students.id'))
      .addColumn('locale', 'text', (x) => x.notNull());
    r = c.instant(r, 'read_at');
    r = c.flag(r, 'archived', 0);
    await r.addPrimaryKeyConstraint('message_recipients_pk', ['message_id', 'person_kind', 'person_id']).execute();
    // The inbox: one person's rows, newest message first.
    await db.schema.createIndex('message_recipients_inbox').on('message_recipients').columns(['person_kind', 'person_id', 'archived', 'message_id']).execute();
  },
};
