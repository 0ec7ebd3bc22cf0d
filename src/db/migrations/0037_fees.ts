/**
 * Fees (issue 24, ADR 0039): what a family owes a school, and every change to it as a ledger row.
 *
 *  - `fees`: one fee of one student (a lab fee, a field trip, a lost book): its school and school year,
 *    its description in English and Spanish, the amount first assessed (integer cents), its due date,
 *    required or optional, who assessed it. Assessed to a section, a grade or a school, it is one row
 *    per student, all with the same `assessment_key` (the assessing form's key: the same form sent twice
 *    assesses once). Its balance and status are never stored: they are the sum of its ledger.
 *  - `fee_payments`: one payment (at the office: cash or a check with its number; later online), with
 *    the key that makes recording it idempotent (a second submit from another tab is refused).
 *  - `fee_ledger`: every change to a fee's balance, signed integer cents: assessed (+), adjusted (±),
 *    waived (−), paid (−), refunded (+); its reason, its payment, who and when. A fee's balance is the
 *    SUM of its rows. An adjustment, waiver or refund carries its form's key, unique.
 */
import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../connect.js';
import { columns, type DialectMigration } from './types.js';

export const fees: DialectMigration = {
  name: '0037_fees',
  async up(db: Kysely<any>, dialect: Dialect) {
    const c = columns(dialect);
    await db.schema
      .createTable('fees')
      .$call(c.id)
      .addColumn('student_id', 'integer', (col) => col.notNull().references('students.id').onDelete('cascade'))
      .addColumn('school_id', 'integer', (col) => col.notNull().references('schools.id').onDelete('cascade'))
      /** the calendar year in which the school year ends (as OneRoster's schoolYear) */
      .addColumn('school_year', 'integer', (col) => col.notNull())
      .addColumn('description_en', 'text', (col) => col.notNull())
      .addColumn('description_es', 'text', (col) => col.notNull())
      .addColumn('amount_cents', 'integer', (col) => col.notNull().check(sql`amount_cents > 0`))
      .$call((t) => c.date(t, 'due_date'))
      .$call((t) => c.flag(t, 'required', 1))
      .addColumn('assessment_key', 'text', (col) => col.notNull())
      .addColumn('created_by', 'integer', (col) => col.references('user_accounts.id').onDelete('set null'))
      .$call(c.changed)
      .addUniqueConstraint('fees_assessed_once', ['assessment_key', 'student_id'])
      .execute();
    await db.schema.createIndex('fees_student').on('fees').column('student_id').execute();
    await db.schema.createIndex('fees_school').on('fees').columns(['school_id', 'school_year']).execute();

    await db.schema
      .createTable('fee_payments')
      .$call(c.id)
      .addColumn('idempotency_key', 'text', (col) => col.notNull().unique())
      .addColumn('method', 'text', (col) => col.notNull().check(sql`method in ('cash', 'check', 'online')`))
      .addColumn('check_number', 'text')
      /** the provider's reference for an online payment */
      .addColumn('reference', 'text')
      /** who paid, as the office wrote it on the receipt */
      .addColumn('payer', 'text')
      .addColumn('total_cents', 'integer', (col) => col.notNull().check(sql`total_cents > 0`))
      .addColumn('recorded_by', 'integer', (col) => col.references('user_accounts.id').onDelete('set null'))
      .$call((t) => c.instant(t, 'recorded_at', (col) => col.notNull()))
      .execute();

    await db.schema
      .createTable('fee_ledger')
      .$call(c.id)
      .addColumn('fee_id', 'integer', (col) => col.notNull().references('fees.id').onDelete('cascade'))
      .addColumn('kind', 'text', (col) => col.notNull().check(sql`kind in ('assessed', 'adjusted', 'waived', 'paid', 'refunded')`))
      .addColumn('amount_cents', 'integer', (col) => col.notNull())
      .addColumn('reason', 'text')
      .addColumn('payment_id', 'integer', (col) => col.references('fee_payments.id').onDelete('cascade'))
      .addColumn('idempotency_key', 'text', (col) => col.unique())
      .addColumn('by_account', 'integer', (col) => col.references('user_accounts.id').onDelete('set null'))
      .$call((t) => c.instant(t, 'at', (col) => col.notNull()))
      .execute();
    await db.schema.createIndex('fee_ledger_fee').on('fee_ledger').column('fee_id').execute();
    await db.schema.createIndex('fee_ledger_payment').on('fee_ledger').column('payment_id').execute();
  },
};
