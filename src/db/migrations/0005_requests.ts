/**
 * Requests that reach a person at school: the public account reset / new account form (the second
 * seed) and parents' requests to change their contact and household data.
 */
import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../connect.js';
import { columns, type DialectMigration } from './types.js';

export const requests: DialectMigration = {
  name: '0005_requests',
  async up(db: Kysely<any>, dialect: Dialect) {
    const c = columns(dialect);

    await db.schema
      .createTable('account_requests')
      .$call(c.id)
      .$call((t) => c.instant(t, 'received_at', (col) => col.notNull()))
      .addColumn('student_first_name', 'text', (col) => col.notNull())
      .addColumn('student_last_name', 'text', (col) => col.notNull())
      .addColumn('student_number', 'text')
      .addColumn('student_email', 'text')
      .$call((t) => c.flag(t, 'reset_student', 0))
      .$call((t) => c.flag(t, 'reset_parent', 0))
      .$call((t) => c.flag(t, 'new_student', 0))
      .$call((t) => c.flag(t, 'new_parent', 0))
      .addColumn('parent_first_name', 'text')
      .addColumn('parent_last_name', 'text')
      .addColumn('parent_email', 'text')
      .addColumn('comments', 'text')
      .addColumn('locale', 'text', (col) => col.notNull())
      .addColumn('ip', 'text')
      // What the form's details matched when it arrived: which office it goes to.
      .addColumn('student_id', 'integer', (col) => col.references('students.id').onDelete('set null'))
      .addColumn('school_id', 'integer', (col) => col.references('schools.id').onDelete('set null'))
      .addColumn('status', 'text', (col) => col.notNull().defaultTo('open'))
      .addColumn('outcome', 'text')
      .$call((t) => c.instant(t, 'closed_at'))
      .addColumn('closed_by', 'integer', (col) => col.references('user_accounts.id').onDelete('set null'))
      // The same request sent again while one is open is not a second request.
      .addColumn('dedupe_key', 'text', (col) => col.notNull())
      .execute();
    await db.schema
      .createIndex('account_requests_open_once')
      .on('account_requests')
      .column('dedupe_key')
      .unique()
      .where(sql<boolean>`status = 'open'`)
      .execute();
    await db.schema.createIndex('account_requests_queue').on('account_requests').columns(['status', 'school_id', 'received_at']).execute();
    await db.schema.createIndex('account_requests_received').on('account_requests').column('received_at').execute();

    await db.schema
      .createTable('account_request_events')
      .$call(c.id)
      .addColumn('request_id', 'integer', (col) => col.notNull().references('account_requests.id').onDelete('cascade'))
      .$call((t) => c.instant(t, 'at', (col) => col.notNull()))
      .addColumn('actor_account_id', 'integer', (col) => col.references('user_accounts.id').onDelete('set null'))
      .addColumn('action', 'text', (col) => col.notNull())
      /** JSON text: who it was for, which address was told */
      .addColumn('details', 'text')
      .execute();
    await db.schema.createIndex('account_request_events_request').on('account_request_events').column('request_id').execute();

    // Change requests: one per submission by a guardian, one row per field asked for.
    await db.schema
      .createTable('change_requests')
      .$call(c.id)
      .addColumn('guardian_id', 'integer', (col) => col.notNull().references('guardians.id').onDelete('cascade'))
      .addColumn('account_id', 'integer', (col) => col.references('user_accounts.id').onDelete('set null'))
      .addColumn('household_id', 'integer', (col) => col.references('households.id').onDelete('set null'))
      .$call((t) => c.instant(t, 'submitted_at', (col) => col.notNull()))
      .addColumn('status', 'text', (col) => col.notNull().defaultTo('pending'))
      .$call((t) => c.instant(t, 'decided_at'))
      .addColumn('decided_by', 'integer', (col) => col.references('user_accounts.id').onDelete('set null'))
      .execute();
    await db.schema.createIndex('change_requests_guardian').on('change_requests').columns(['guardian_id', 'status']).execute();
    await db.schema.createIndex('change_requests_status').on('change_requests').columns(['status', 'submitted_at']).execute();

    await db.schema
      .createTable('change_request_fields')
      .$call(c.id)
      .addColumn('request_id', 'integer', (col) => col.notNull().references('change_requests.id').onDelete('cascade'))
      /** 'guardian' (the parent's own phones and email) or 'household' (the address and home phone) */
      .addColumn('target', 'text', (col) => col.notNull())
      .addColumn('field', 'text', (col) => col.notNull())
      .addColumn('old_value', 'text')
      .addColumn('new_value', 'text')
      .addColumn('status', 'text', (col) => col.notNull().defaultTo('pending'))
      .addColumn('reason', 'text')
      .execute();
    await db.schema.createIndex('change_request_fields_request').on('change_request_fields').column('request_id').execute();

    // Account requests are matched by name when the student number is missing or wrong.
    await db.schema
      .createIndex('students_last_name')
      .on('students')
      .expression(sql`lower(legal_last_name)`)
      .execute();
  },
};
