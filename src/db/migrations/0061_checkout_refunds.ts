/**
 * Refunds made in the provider's dashboard that no online payment of Homeroom's holds (issue 24, ADR 0063).
 *
 *  - `checkout_refunds`: one row per refund the provider made (its refund id, unique per provider) of a
 *    PaymentIntent (`reference`) that Homeroom recorded no payment for: a checkout whose every fee the
 *    office had settled meanwhile (all of it was the excess: `checkout_id` set), or a PaymentIntent not yet
 *    known because the refund's event came before the payment's (`checkout_id` null until the payment's
 *    event names it; kept 90 days, like the events, then removed: it was not Homeroom's). Its state is the
 *    provider's latest (`pending`, `succeeded`, `failed`); `counted_cents` is what it gave back of its
 *    checkout's excess (added to `online_checkouts.excess_at_provider_cents` once, when it succeeded).
 *  - `online_checkouts.excess_refused_at`: when the provider refused Homeroom's excess refund, for the
 *    office's page (the amount and the reason are kept since migration 0058).
 */
import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../connect.js';
import { columns, type DialectMigration } from './types.js';

export const checkoutRefunds: DialectMigration = {
  name: '0061_checkout_refunds',
  async up(db: Kysely<any>, dialect: Dialect) {
    const c = columns(dialect);
    await db.schema
      .createTable('checkout_refunds')
      .$call(c.id)
      .addColumn('provider', 'text', (col) => col.notNull())
      .addColumn('provider_refund_id', 'text', (col) => col.notNull())
      .addColumn('reference', 'text', (col) => col.notNull())
      .addColumn('checkout_id', 'integer', (col) => col.references('online_checkouts.id').onDelete('cascade'))
      .addColumn('status', 'text', (col) => col.notNull().check(sql`status in ('pending', 'succeeded', 'failed')`))
      .addColumn('cents', 'integer', (col) => col.notNull().check(sql`cents > 0`))
      .addColumn('counted_cents', 'integer', (col) => col.notNull().defaultTo(0).check(sql`counted_cents >= 0`))
      .$call((t) => c.instant(t, 'received_at', (col) => col.notNull()))
      .$call((t) => c.instant(t, 'recorded_at'))
      .addUniqueConstraint('checkout_refunds_once', ['provider', 'provider_refund_id'])
      .execute();
    await db.schema.createIndex('checkout_refunds_reference').on('checkout_refunds').columns(['reference', 'checkout_id']).execute();
    await db.schema.createIndex('checkout_refunds_checkout').on('checkout_refunds').column('checkout_id').execute();
    await db.schema.createIndex('checkout_refunds_received').on('checkout_refunds').column('received_at').execute();
    await db.schema.alterTable('online_checkouts').addColumn('excess_refused_at', dialect === 'postgres' ? 'timestamptz' : 'text').execute();
  },
};
