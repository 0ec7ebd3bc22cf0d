/**
 * An Activation Key for an account that exists (`for_account_id`): office staff give it to a holder who
 * cannot reset by email (Account help), and it lets them keep the username and choose a new password.
 */
import type { Kysely } from 'kysely';
import type { Dialect } from '../connect.js';
import type { DialectMigration } from './types.js';

export const keysForAccounts: DialectMigration = {
  name: '0011_keys_for_accounts',
  async up(db: Kysely<any>, _dialect: Dialect) {
    await db.schema
      .alterTable('activation_keys')
      .addColumn('for_account_id', 'integer', (c) => c.references('user_accounts.id').onDelete('cascade'))
      .execute();
  },
};
