/**
 * What became of a checkout's excess (issue 24, ADR 0061): the part of a payment that was for fees the
 * office had settled meanwhile, which Homeroom gives back through the provider.
 *
 *  - `online_checkouts.excess_at_provider_cents`: what of the excess a refund made in the provider's
 *    dashboard gave back (the part of such a refund beyond every fee of the payment), so that Homeroom
 *    gives back only the rest, and nothing when the dashboard gave it all.
 *  - `online_checkouts.excess_refused_cents` and `excess_refusal`: the amount the provider refused to give
 *    back when Homeroom asked, and the provider's reason (Stripe's code, or its message): asked again only
 *    when what is left to give back changes; the office sees it.
 *  - Indexes for what a refund's webhook and the office's page look up, which read whole tables before:
 *    a checkout by its payment (`online_checkouts_payment`) and by its excess refund's id
 *    (`online_checkouts_excess_refund`), an online payment by Stripe's reference (`fee_payments_reference`).
 */
import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../connect.js';
import type { DialectMigration } from './types.js';

export const excessGivenBack: DialectMigration = {
  name: '0058_excess_given_back',
  async up(db: Kysely<any>, _dialect: Dialect) {
    await db.schema
      .alterTable('online_checkouts')
      .addColumn('excess_at_provider_cents', 'integer', (col) => col.notNull().defaultTo(0).check(sql`excess_at_provider_cents >= 0`))
      .execute();
    await db.schema.alterTable('online_checkouts').addColumn('excess_refused_cents', 'integer').execute();
    await db.schema.alterTable('online_checkouts').addColumn('excess_refusal', 'text').execute();
    await db.schema.createIndex('online_checkouts_payment').on('online_checkouts').column('payment_id').execute();
    await db.schema.createIndex('online_checkouts_excess_refund').on('online_checkouts').column('excess_refund_id').execute();
    await db.schema.createIndex('fee_payments_reference').on('fee_payments').column('reference').execute();
  },
};
