/**
 * Where a dose's record came from (issue 19, the nurse's health records): 'school_clinic' (given at
 * school), 'provider_record' (a doctor's or clinic's record the family brought), 'state_registry' (the
 * state immunization registry). Null for doses entered before this column (imports, the demo): their
 * source was never recorded.
 */
import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../connect.js';
import type { DialectMigration } from './types.js';

export const doseSources: DialectMigration = {
  name: '0016_dose_sources',
  async up(db: Kysely<any>, _dialect: Dialect) {
    await db.schema
      .alterTable('immunization_doses')
      .addColumn('source', 'text', (c) => c.check(sql`source in ('school_clinic', 'provider_record', 'state_registry')`))
      .execute();
    // A student's doses of one vaccine, by day: the nurse's duplicate check and the compliance list.
    await db.schema.createIndex('immunization_doses_student_vaccine').on('immunization_doses').columns(['student_id', 'vaccine_id', 'dose_date']).execute();
  },
};
