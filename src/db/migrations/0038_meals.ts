/**
 * Food service (issue 24, ADR 0040): each student's meal account, its ledger, and each guardian's
 * low-balance threshold. Money is integer cents. The ledger is the record: an account's balance is the
 * sum of its ledger rows, kept beside the account and changed in the same transaction as the row that
 * changes it (tests/db/meals-property.test.ts proves the two agree). A ledger row from outside Homeroom
 * carries its external transaction id, unique per source, so a file imported twice adds nothing.
 */
import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../connect.js';
import { columns, type DialectMigration } from './types.js';

export const meals: DialectMigration = {
  name: '0038_meals',
  async up(db: Kysely<any>, dialect: Dialect) {
    const c = columns(dialect);
    const nn = (col: any) => col.notNull();
    await db.schema
      .createTable('meal_accounts')
      .addColumn('student_id', 'integer', (col) => col.primaryKey().references('students.id').onDelete('cascade'))
      // the sum of the student's meal_ledger rows, in cents (negative: the student owes the kitchen)
      .addColumn('balance_cents', 'bigint', (col) => col.notNull().defaultTo(0))
      .$call((t) => c.instant(t, 'updated_at', nn))
      .execute();
    await db.schema
      .createTable('meal_ledger')
      .$call(c.id)
      .addColumn('student_id', 'integer', (col) => col.notNull().references('meal_accounts.student_id').onDelete('cascade'))
      // purchase (negative), deposit (positive), adjustment (either, with a reason)
      .addColumn('kind', 'text', (col) => col.notNull().check(sql`kind in ('purchase', 'deposit', 'adjustment')`))
      .addColumn('amount_cents', 'integer', (col) => col.notNull().check(sql`amount_cents <> 0`))
      // when it happened (the sale, the deposit), UTC
      .$call((t) => c.instant(t, 'at', nn))
      .addColumn('item', 'text')
      // an adjustment's reason, a check's number
      .addColumn('reason', 'text')
      .addColumn('method', 'text', (col) => col.check(sql`method is null or method in ('cash', 'check')`))
      .addColumn('check_number', 'text')
      // pos: the point-of-sale file; office: typed by office staff
      .addColumn('source', 'text', (col) => col.notNull().check(sql`source in ('pos', 'office')`))
      .addColumn('external_id', 'text')
      // the account that recorded it; null for the command line
      .addColumn('recorded_by', 'integer', (col) => col.references('user_accounts.id').onDelete('set null'))
      .$call((t) => c.instant(t, 'recorded_at', nn))
      .addUniqueConstraint('meal_ledger_external_once', ['source', 'external_id'])
      .execute();
    await db.schema.createIndex('meal_ledger_student_at').on('meal_ledger').columns(['student_id', 'at']).execute();
    await db.schema
      .createTable('meal_thresholds')
      .addColumn('guardian_id', 'integer', (col) => col.primaryKey().references('guardians.id').onDelete('cascade'))
      .addColumn('threshold_cents', 'integer', (col) => col.notNull().check(sql`threshold_cents >= 0`))
      .$call((t) => c.instant(t, 'updated_at', nn))
      .execute();
  },
};
