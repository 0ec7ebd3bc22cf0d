/**
 * user_accounts.last_sign_in_at goes: nothing ever read it, and writing it was one statement and one
 * more page written at every sign-in. When an account last signed in is in the audit log (`sign_in`
 * rows, by subject) and in its sessions (`created_at`).
 */
import type { Kysely } from 'kysely';
import type { Dialect } from '../connect.js';
import type { DialectMigration } from './types.js';

export const noLastSignIn: DialectMigration = {
  name: '0009_no_last_sign_in',
  async up(db: Kysely<any>, _dialect: Dialect) {
    await db.schema.alterTable('user_accounts').dropColumn('last_sign_in_at').execute();
  },
};
