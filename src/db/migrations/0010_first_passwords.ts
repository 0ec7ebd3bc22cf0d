/**
 * A student's first password, as the district's rule made it (ADR 0007, revisited 2026-12-06): which
 * kind the account still has ('formula': initials and birth date, anyone who knows them can type it;
 * 'random': printed on a roster), when it was set (it works for the district's number of days from
 * then) and when it was first used to sign in (the guardians are told once). All three are null once
 * the holder has chosen a password of their own.
 *
 * Accounts that still must change a district-issued password are taken to hold a formula password:
 * which rule made them was never recorded, and the formula is the one that needs the closer rules.
 * Their days count from this migration, not from when the account was made: an upgrade must not end
 * every first password of a district at once (the office would have to reissue them one by one).
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
    await db
      .updateTable('user_accounts')
      .set({ initial_password: 'formula', initial_password_set_at: new Date().toISOString() })
      .where('person_kind', '=', 'student')
      .where('must_change_password', '=', 1)
      .execute();
  },
};
