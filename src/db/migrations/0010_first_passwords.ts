/**
 * A student's first password, as the district's rule made it (ADR 0007, revisited 2026-12-06): which
 * kind the account still has ('formula': initials and birth date, anyone who knows them can type it;
 * 'random': printed on a roster), when it was set (it works for the district's number of days from
 * then) and when it was first used to sign in (the guardians are told once). All three are null once
 * the holder has chosen a password of their own.
 *
 * An Activation Key may also be issued for an account that exists (`for_account_id`): office staff give
 * it to a holder who cannot reset by email, and it lets them choose a new password for that account.
 *
 * Accounts that still must change a district-issued password are taken to hold a formula password:
 * which rule made them was never recorded, and the formula is the one that needs the closer rules.
 * Their days count from when the account was made.
 */
import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../connect.js';
import type { DialectMigration } from './types.js';

export const firstPasswords: DialectMigration = {
  name: '0010_first_passwords',
  async up(db: Kysely<any>, dialect: Dialect) {
    const instant = dialect === 'postgres' ? 'timestamptz' : 'text';
    await db.schema
      .alterTable('user_accounts')
      .addColumn('initial_password', 'text', (c) => c.check(sql`initial_password in ('formula', 'random')`))
      .execute();
    await db.schema.alterTable('user_accounts').addColumn('initial_password_set_at', instant).execute();
    await db.schema.alterTable('user_accounts').addColumn('initial_password_used_at', instant).execute();
    await db.schema
      .alterTable('activation_keys')
      .addColumn('for_account_id', 'integer', (c) => c.references('user_accounts.id').onDelete('cascade'))
      .execute();
    await db
      .updateTable('user_accounts')
      .set({ initial_password: 'formula', initial_password_set_at: sql.ref('created_at') })
      .where('person_kind', '=', 'student')
      .where('must_change_password', '=', 1)
      .execute();
  },
};
