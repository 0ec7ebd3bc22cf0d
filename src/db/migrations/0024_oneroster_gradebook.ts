/**
 * OneRoster gradebook and attendance loading (issue 20, ADR 0027). A OneRoster category is the
 * district's (one row for every class), a Homeroom category a section's: the import makes one
 * grading_categories row per section and category it uses, all with the category's sourcedId, so that
 * id is unique per section, not in the table. The attendance records the import made are remembered
 * (`oneroster_attendance`), so a record staff entered in Homeroom is never overwritten or removed by it.
 */
import type { Kysely } from 'kysely';
import type { DialectMigration } from './types.js';

export const onerosterGradebook: DialectMigration = {
  name: '0024_oneroster_gradebook',
  async up(db: Kysely<any>) {
    await db.schema.dropIndex('grading_categories_sourced_id').execute();
    await db.schema.createIndex('grading_categories_sourced_id').on('grading_categories').columns(['section_id', 'sourced_id']).unique().execute();
    // A delta's line item may name a category imported earlier, in any section.
    await db.schema.createIndex('grading_categories_sourced').on('grading_categories').column('sourced_id').execute();
    // Line items are found by their sourcedId (the other imported tables' are unique columns already).
    await db.schema.createIndex('assignments_sourced_id').on('assignments').column('sourced_id').unique().execute();
    await db.schema
      .createTable('oneroster_attendance')
      .addColumn('row_id', 'integer', (col) => col.primaryKey().references('attendance_records.id').onDelete('cascade'))
      .execute();
  },
};
