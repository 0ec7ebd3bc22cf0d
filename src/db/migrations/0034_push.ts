/**
 * Web Push (issue 22, ADR 0036): the devices a person turned notifications on for, and the pushes
 * queued for them. A delivery is unique per (subscription, key), so a change queued twice is pushed once.
 * `state` is queued → sending → sent, or failed (given up, or its subscription refused it for good).
 */
import type { Kysely } from 'kysely';
import type { Dialect } from '../connect.js';
import { columns } from './types.js';
import type { DialectMigration } from './types.js';

export const push: DialectMigration = {
  name: '0034_push',
  async up(db: Kysely<any>, dialect: Dialect) {
    const c = columns(dialect);
    await db.schema
      .createTable('push_subscriptions')
      .$call((t) => c.id(t))
      .addColumn('account_id', 'integer', (col) => col.notNull().references('user_accounts.id').onDelete('cascade'))
      .addColumn('endpoint', 'text', (col) => col.notNull().unique())
      .addColumn('p256dh', 'text', (col) => col.notNull())
      .addColumn('auth', 'text', (col) => col.notNull())
      .addColumn('device_name', 'text', (col) => col.notNull())
      .addColumn('user_agent', 'text')
      .$call((t) => c.instant(t, 'created_at', (col) => col.notNull()))
      .$call((t) => c.instant(t, 'last_success_at'))
      .execute();
    await db.schema.createIndex('push_subscriptions_account').on('push_subscriptions').column('account_id').execute();
    await db.schema
      .createTable('push_deliveries')
      .$call((t) => c.id(t))
      .addColumn('subscription_id', 'integer', (col) => col.notNull().references('push_subscriptions.id').onDelete('cascade'))
      .addColumn('key', 'text', (col) => col.notNull())
      .addColumn('payload', 'text', (col) => col.notNull())
      .addColumn('state', 'text', (col) => col.notNull().defaultTo('queued'))
      .addColumn('attempts', 'integer', (col) => col.notNull().defaultTo(0))
      .$call((t) => c.instant(t, 'next_attempt_at', (col) => col.notNull()))
      .$call((t) => c.instant(t, 'sending_until'))
      .$call((t) => c.instant(t, 'created_at', (col) => col.notNull()))
      .$call((t) => c.instant(t, 'sent_at'))
      .addColumn('last_error', 'text')
      .addUniqueConstraint('push_deliveries_once', ['subscription_id', 'key'])
      .execute();
    await db.schema.createIndex('push_deliveries_due').on('push_deliveries').columns(['state', 'next_attempt_at']).execute();
  },
};
