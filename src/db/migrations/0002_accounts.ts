/**
 * Accounts: server-side sessions, throttling of sign-in and recovery, single-use tokens (password
 * reset, email confirmation, activation), the email outbox and the application's own secrets.
 */
import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../connect.js';
import { columns, type DialectMigration } from './types.js';

export const accounts: DialectMigration = {
  name: '0002_accounts',
  async up(db: Kysely<any>, dialect: Dialect) {
    const c = columns(dialect);
    const nn = (col: any) => col.notNull();

    await db.schema
      .createTable('app_secrets')
      .addColumn('name', 'text', (col) => col.primaryKey())
      .addColumn('value', 'text', nn)
      .$call((t) => c.instant(t, 'created_at', nn))
      .execute();

    await db.schema
      .createTable('sessions')
      // sha-256 of the cookie's token: a stolen database does not hold usable session ids
      .addColumn('id', 'text', (col) => col.primaryKey())
      .addColumn('account_id', 'integer', (col) => col.notNull().references('user_accounts.id').onDelete('cascade'))
      .$call((t) => c.instant(t, 'created_at', nn))
      .$call((t) => c.instant(t, 'last_seen_at', nn))
      .$call((t) => c.instant(t, 'expires_at', nn))
      .$call((t) => c.flag(t, 'persistent', 0))
      .addColumn('ip', 'text')
      .addColumn('user_agent', 'text')
      .execute();
    await db.schema.createIndex('sessions_account').on('sessions').column('account_id').execute();

    await db.schema
      .createTable('throttle')
      // 'user:<username key>', 'ip:<address>', 'email:<address>' …
      .addColumn('key', 'text', (col) => col.primaryKey())
      .addColumn('failures', 'integer', (col) => col.notNull().defaultTo(0))
      .$call((t) => c.instant(t, 'window_start', nn))
      .$call((t) => c.instant(t, 'blocked_until'))
      .execute();

    await db.schema
      .createTable('account_tokens')
      .$call(c.id)
      .addColumn('account_id', 'integer', (col) => col.references('user_accounts.id').onDelete('cascade'))
      .addColumn('purpose', 'text', nn)
      .addColumn('token_hash', 'text', (col) => col.notNull().unique())
      .addColumn('email', 'text')
      .$call((t) => c.instant(t, 'created_at', nn))
      .$call((t) => c.instant(t, 'expires_at', nn))
      .$call((t) => c.instant(t, 'used_at'))
      .execute();
    await db.schema.createIndex('account_tokens_account').on('account_tokens').column('account_id').execute();

    await db.schema
      .createTable('activation_keys')
      .$call(c.id)
      .addColumn('key_hash', 'text', (col) => col.notNull().unique())
      .addColumn('person_kind', 'text', (col) => col.notNull().check(sql`person_kind in ('student', 'guardian')`))
      .addColumn('student_id', 'integer', (col) => col.references('students.id').onDelete('cascade'))
      .addColumn('guardian_id', 'integer', (col) => col.references('guardians.id').onDelete('cascade'))
      .addColumn('issued_by', 'integer', (col) => col.references('user_accounts.id').onDelete('set null'))
      .$call((t) => c.instant(t, 'created_at', nn))
      .$call((t) => c.instant(t, 'expires_at', nn))
      .$call((t) => c.instant(t, 'used_at'))
      .addColumn('account_id', 'integer', (col) => col.references('user_accounts.id').onDelete('set null'))
      .execute();
    await db.schema.createIndex('activation_keys_student').on('activation_keys').column('student_id').execute();
    await db.schema.createIndex('activation_keys_guardian').on('activation_keys').column('guardian_id').execute();

    await db.schema
      .createTable('email_outbox')
      .$call(c.id)
      .addColumn('kind', 'text', nn)
      .addColumn('to_address', 'text', nn)
      .addColumn('locale', 'text', nn)
      .addColumn('subject', 'text', nn)
      .addColumn('text_body', 'text', nn)
      .addColumn('html_body', 'text', nn)
      .$call((t) => c.instant(t, 'created_at', nn))
      .$call((t) => c.instant(t, 'send_after', nn))
      .$call((t) => c.instant(t, 'sent_at'))
      .addColumn('attempts', 'integer', (col) => col.notNull().defaultTo(0))
      .addColumn('last_error', 'text')
      .execute();
    await db.schema.createIndex('email_outbox_pending').on('email_outbox').columns(['sent_at', 'send_after']).execute();

    await db.schema
      .alterTable('user_accounts')
      .addColumn('pin_hash', 'text')
      .execute();
    await db.schema
      .alterTable('user_accounts')
      .$call((t) => t.addColumn('password_changed_at', dialect === 'postgres' ? 'timestamptz' : 'text'))
      .execute();
    // when the first-sign-in security setup was shown and skipped (null: not yet)
    await db.schema
      .alterTable('user_accounts')
      .$call((t) => t.addColumn('security_setup_skipped_at', dialect === 'postgres' ? 'timestamptz' : 'text'))
      .execute();
  },
};
