/** Runs of the nightly parent-account generation, with what each created and skipped, and why. */
import type { Kysely } from 'kysely';
import type { Dialect } from '../connect.js';
import { columns, type DialectMigration } from './types.js';

export const parentAccounts: DialectMigration = {
  name: '0004_parent_accounts',
  async up(db: Kysely<any>, dialect: Dialect) {
    const c = columns(dialect);
    const count = (name: string) => (t: any) => t.addColumn(name, 'integer', (col: any) => col.notNull().defaultTo(0));
    await db.schema
      .createTable('account_generation_runs')
      .$call(c.id)
      .$call((t) => c.instant(t, 'started_at', (col) => col.notNull()))
      .$call((t) => c.instant(t, 'finished_at'))
      .addColumn('status', 'text', (col) => col.notNull().defaultTo('running'))
      .addColumn('started_by', 'integer')
      .$call(count('created'))
      .$call(count('skipped_has_account'))
      .$call(count('skipped_no_email'))
      .$call(count('skipped_shared_email'))
      .$call(count('skipped_no_portal_access'))
      .$call(count('skipped_username_taken'))
      .addColumn('error', 'text')
      .execute();
    // "An email that no other person in the district has": staff and students are people too.
    await db.schema.createIndex('staff_email').on('staff').column('email').execute();
    await db.schema.createIndex('students_email').on('students').column('email').execute();
  },
};
