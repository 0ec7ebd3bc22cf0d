/**
 * Paying fees online (issue 24, ADR 0047): a guardian's checkout at the payment provider (Stripe
 * Checkout), the provider's webhook events already applied, and refunds the office asked the provider for.
 *
 *  - `online_checkouts`: one checkout a guardian started, under the key of the form that started it
 *    (unique: a double click makes one), with the provider's session id and address, its state (creating,
 *    pending, paid, failed), the total in integer cents, when it expires at the provider, the payment it
 *    became (fee_payments), and what was paid on fees that the office had meanwhile settled (the excess,
 *    given back through the provider) with the provider's refund id.
 *  - `online_checkout_lines`: what was chosen: a fee and the cents paid on it.
 *  - `payment_events`: every provider event applied, by its id (unique per provider): an event delivered
 *    twice is applied once.
 *  - `online_refunds`: the office's refund of an online payment: asked of the provider under the form's
 *    key, recorded in the fee ledger once the provider says it succeeded.
 */
import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../connect.js';
import { columns, type DialectMigration } from './types.js';

export const onlinePayments: DialectMigration = {
  name: '0042_online_payments',
  async up(db: Kysely<any>, dialect: Dialect) {
    const c = columns(dialect);
    await db.schema
      .createTable('online_checkouts')
      .$call(c.id)
      .addColumn('idempotency_key', 'text', (col) => col.notNull().unique())
      .addColumn('provider', 'text', (col) => col.notNull())
      .addColumn('account_id', 'integer', (col) => col.references('user_accounts.id').onDelete('set null'))
      .addColumn('guardian_id', 'integer', (col) => col.notNull().references('guardians.id').onDelete('cascade'))
      .addColumn('session_id', 'text', (col) => col.unique())
      .addColumn('url', 'text')
      .addColumn('status', 'text', (col) => col.notNull().check(sql`status in ('creating', 'pending', 'paid', 'failed')`))
      .addColumn('total_cents', 'integer', (col) => col.notNull().check(sql`total_cents > 0`))
      .addColumn('locale', 'text', (col) => col.notNull())
      .$call((t) => c.instant(t, 'expires_at', (col) => col.notNull()))
      .addColumn('payment_id', 'integer', (col) => col.references('fee_payments.id').onDelete('set null'))
      /** the provider's reference of the money received (a Stripe PaymentIntent id) */
      .addColumn('reference', 'text')
      .addColumn('excess_cents', 'integer', (col) => col.notNull().defaultTo(0).check(sql`excess_cents >= 0`))
      .addColumn('excess_refund_id', 'text')
      .addColumn('failure', 'text')
      .$call((t) => c.instant(t, 'created_at', (col) => col.notNull()))
      .$call((t) => c.instant(t, 'updated_at', (col) => col.notNull()))
      .execute();
    await db.schema.createIndex('online_checkouts_guardian').on('online_checkouts').column('guardian_id').execute();
    await db.schema.createIndex('online_checkouts_reference').on('online_checkouts').column('reference').execute();

    await db.schema
      .createTable('online_checkout_lines')
      .$call(c.id)
      .addColumn('checkout_id', 'integer', (col) => col.notNull().references('online_checkouts.id').onDelete('cascade'))
      .addColumn('fee_id', 'integer', (col) => col.notNull().references('fees.id').onDelete('cascade'))
      .addColumn('cents', 'integer', (col) => col.notNull().check(sql`cents > 0`))
      .addUniqueConstraint('online_checkout_lines_once', ['checkout_id', 'fee_id'])
      .execute();
    await db.schema.createIndex('online_checkout_lines_fee').on('online_checkout_lines').column('fee_id').execute();

    await db.schema
      .createTable('payment_events')
      .$call(c.id)
      .addColumn('provider', 'text', (col) => col.notNull())
      .addColumn('event_id', 'text', (col) => col.notNull())
      .addColumn('type', 'text', (col) => col.notNull())
      .addColumn('checkout_id', 'integer', (col) => col.references('online_checkouts.id').onDelete('set null'))
      .$call((t) => c.instant(t, 'received_at', (col) => col.notNull()))
      .addUniqueConstraint('payment_events_once', ['provider', 'event_id'])
      .execute();

    await db.schema
      .createTable('online_refunds')
      .$call(c.id)
      .addColumn('payment_id', 'integer', (col) => col.notNull().references('fee_payments.id').onDelete('cascade'))
      .addColumn('idempotency_key', 'text', (col) => col.notNull().unique())
      .addColumn('provider_refund_id', 'text', (col) => col.unique())
      .addColumn('status', 'text', (col) => col.notNull().check(sql`status in ('requested', 'succeeded', 'failed')`))
      .addColumn('cents', 'integer', (col) => col.notNull().check(sql`cents > 0`))
      .addColumn('reason', 'text', (col) => col.notNull())
      .addColumn('requested_by', 'integer', (col) => col.references('user_accounts.id').onDelete('set null'))
      .$call((t) => c.instant(t, 'requested_at', (col) => col.notNull()))
      .$call((t) => c.instant(t, 'recorded_at'))
      .execute();
    await db.schema.createIndex('online_refunds_payment').on('online_refunds').column('payment_id').execute();
  },
};
