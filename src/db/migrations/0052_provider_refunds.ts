/**
 * Refunds made at the payment provider, and the provider events' retention (issue 24, ADR 0056).
 *
 *  - `online_refunds.origin`: 'office' for a refund the office asked the provider for through Homeroom
 *    (every row until now), 'provider' for one made in the provider's own dashboard, which Homeroom
 *    learns of from its webhook and records on the ledger like the office's (it may be part of a payment).
 *  - `payment_events_received`: the retention sweep removes provider events by age (90 days), a few
 *    thousand at a time, every 10 minutes; the index keeps that from reading the whole table each time.
 */
import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../connect.js';
import type { DialectMigration } from './types.js';

export const providerRefunds: DialectMigration = {
  name: '0052_provider_refunds',
  async up(db: Kysely<any>, _dialect: Dialect) {
    await db.schema
      .alterTable('online_refunds')
      .addColumn('origin', 'text', (col) => col.notNull().defaultTo('office').check(sql`origin in ('office', 'provider')`))
      .execute();
    await db.schema.createIndex('payment_events_received').on('payment_events').column('received_at').execute();
  },
};
