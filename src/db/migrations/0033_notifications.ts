/**
 * Notifications (issue 22, ADR 0035): what each person asked to be told (their settings, one JSON
 * document per account), the in-app list (one row per person per change), the deliveries by email and
 * Web Push (one row per person, change and channel, under a unique key), the digests sent, the
 * last class grade seen per student and class (for thresholds that are crossed), and the decider's
 * cursor over change_events. The outbox gains the extra headers a message carries (List-Unsubscribe).
 */
import type { Kysely } from 'kysely';
import type { Dialect } from '../connect.js';
import { columns, type DialectMigration } from './types.js';

export const notifications: DialectMigration = {
  name: '0033_notifications',
  async up(db: Kysely<any>, dialect: Dialect) {
    const c = columns(dialect);
    await db.schema
      .createTable('notification_settings')
      .addColumn('account_id', 'integer', (col) => col.primaryKey().references('user_accounts.id').onDelete('cascade'))
      .addColumn('settings', 'text', (col) => col.notNull())
      .$call((t) => c.instant(t, 'updated_at', (col) => col.notNull()))
      .execute();
    await db.schema
      .createTable('notifications')
      .$call(c.id)
      .addColumn('account_id', 'integer', (col) => col.notNull().references('user_accounts.id').onDelete('cascade'))
      // 'change:<event id>' (or 'grade:<event id>:below|above'), 'account:<what>:<id>': one per person
      .addColumn('key', 'text', (col) => col.notNull())
      .addColumn('kind', 'text', (col) => col.notNull())
      .addColumn('change_event_id', 'integer', (col) => col.references('change_events.id').onDelete('set null'))
      .addColumn('student_id', 'integer', (col) => col.references('students.id').onDelete('cascade'))
      .addColumn('section_id', 'integer', (col) => col.references('sections.id').onDelete('set null'))
      // what the entry says, as catalog parameters (rendered in the reader's language when shown)
      .addColumn('params', 'text', (col) => col.notNull())
      .addColumn('url', 'text', (col) => col.notNull())
      .$call((t) => c.instant(t, 'created_at', (col) => col.notNull()))
      .$call((t) => c.instant(t, 'read_at'))
      .execute();
    await db.schema.createIndex('notifications_key').on('notifications').columns(['account_id', 'key']).unique().execute();
    await db.schema.createIndex('notifications_list').on('notifications').columns(['account_id', 'id']).execute();
    await db.schema
      .createTable('notification_deliveries')
      .$call(c.id)
      .addColumn('notification_id', 'integer', (col) => col.notNull().references('notifications.id').onDelete('cascade'))
      .addColumn('account_id', 'integer', (col) => col.notNull().references('user_accounts.id').onDelete('cascade'))
      .addColumn('channel', 'text', (col) => col.notNull())
      // 'pending' (due at due_at), 'digest' (waits for the person's digest), 'sent', 'withdrawn' (rights ended, or unsubscribed)
      .addColumn('status', 'text', (col) => col.notNull())
      .$call((t) => c.instant(t, 'due_at', (col) => col.notNull()))
      .$call((t) => c.instant(t, 'done_at'))
      .addColumn('digest_id', 'integer')
      .execute();
    await db.schema.createIndex('notification_deliveries_once').on('notification_deliveries').columns(['notification_id', 'channel']).unique().execute();
    await db.schema.createIndex('notification_deliveries_due').on('notification_deliveries').columns(['status', 'due_at']).execute();
    await db.schema
      .createTable('notification_digests')
      .$call(c.id)
      .addColumn('account_id', 'integer', (col) => col.notNull().references('user_accounts.id').onDelete('cascade'))
      // the digest's slot in the person's zone ('2026-12-07T18' for a daily one at 18:00)
      .addColumn('slot', 'text', (col) => col.notNull())
      .addColumn('items', 'integer', (col) => col.notNull())
      .$call((t) => c.instant(t, 'sent_at', (col) => col.notNull()))
      .execute();
    await db.schema.createIndex('notification_digests_once').on('notification_digests').columns(['account_id', 'slot']).unique().execute();
    await db.schema
      .createTable('notification_class_grades')
      .addColumn('student_id', 'integer', (col) => col.notNull().references('students.id').onDelete('cascade'))
      .addColumn('section_id', 'integer', (col) => col.notNull().references('sections.id').onDelete('cascade'))
      .$call((t) => c.real(t, 'percent'))
      .addPrimaryKeyConstraint('notification_class_grades_pk', ['student_id', 'section_id'])
      .execute();
    await db.schema
      .createTable('notification_cursor')
      .addColumn('id', 'integer', (col) => col.primaryKey())
      // every change event up to this id has been decided
      .addColumn('decided_through', 'integer', (col) => col.notNull())
      .execute();
    await db.insertInto('notification_cursor').values({ id: 1, decided_through: 0 }).execute();
    await db.schema.alterTable('email_outbox').addColumn('headers', 'text').execute();
  },
};
