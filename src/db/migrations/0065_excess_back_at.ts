/**
 * When a checkout's excess was given back (issue 24 follow-up): `online_checkouts.excess_back_at`, set when
 * Homeroom's refund of it is made and when a refund made in the provider's dashboard counts as (some of) it,
 * so that the family's page can say on which day the money went back. Rows given back before this
 * migration keep it null (the page then says it was given back, without a day).
 */
import type { Kysely } from 'kysely';
import type { Dialect } from '../connect.js';
import type { DialectMigration } from './types.js';

export const excessBackAt: DialectMigration = {
  name: '0065_excess_back_at',
  async up(db: Kysely<any>, dialect: Dialect) {
    await db.schema.alterTable('online_checkouts').addColumn('excess_back_at', dialect === 'postgres' ? 'timestamptz' : 'text').execute();
  },
};
