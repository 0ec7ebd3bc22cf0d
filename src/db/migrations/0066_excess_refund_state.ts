/**
 * The state of Homeroom's own refund of a checkout's excess (issue 24 follow-up, ADR 0067's addendum):
 *
 *  - `online_checkouts.excess_refund_status`: what Stripe last said of the refund `excess_refund_id`
 *    (`pending`: being given back, a bank debit's refund say; `succeeded`: given back). Rows refunded before
 *    this migration are taken as `succeeded`, which is what their pages said.
 *  - `online_checkouts.excess_failed_refund_id`: Homeroom's excess refund that Stripe later reported failed or
 *    canceled (the money went back to the district's Stripe balance). Its id moves here from
 *    `excess_refund_id`, and the excess left is kept as not given back (`excess_refused_*`, as a refusal is):
 *    the office's to give back. Indexed: a refund's webhook looks a refund up by it.
 *  - `online_checkouts.excess_at_provider_at`: when a refund made in the provider's dashboard last counted as
 *    (some of) the excess, so that the day the family is told stays that refund's when Homeroom's own
 *    refund of the rest fails. Null before this migration.
 */
import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../connect.js';
import type { DialectMigration } from './types.js';

export const excessRefundState: DialectMigration = {
  name: '0066_excess_refund_state',
  async up(db: Kysely<any>, dialect: Dialect) {
    await db.schema
      .alterTable('online_checkouts')
      .addColumn('excess_refund_status', 'text', (col) => col.check(sql`excess_refund_status in ('pending', 'succeeded')`))
      .execute();
    await db.schema.alterTable('online_checkouts').addColumn('excess_failed_refund_id', 'text').execute();
    await db.schema.alterTable('online_checkouts').addColumn('excess_at_provider_at', dialect === 'postgres' ? 'timestamptz' : 'text').execute();
    await db.updateTable('online_checkouts').set({ excess_refund_status: 'succeeded' }).where('excess_refund_id', 'is not', null).execute();
    await db.schema.createIndex('online_checkouts_excess_failed_refund').on('online_checkouts').column('excess_failed_refund_id').execute();
  },
};
