/**
 * Two foreign keys read by a query that had no index to read them by, found on the 100,000-student
 * district (session 18):
 * - `attendance_records (bell_period_id)`: the bell schedule page counts each period's attendance records,
 *   to say which periods can no longer be removed; without it each period read every record of the
 *   district (175 ms for a school's 8 periods with 325,000 records on PostgreSQL, and a year's records
 *   are many more).
 * - `assignments (category_id)`: removing a grading category checks that no assignment still names it
 *   (the foreign key, on both engines), which read all 700,000 assignments.
 */
import type { Kysely } from 'kysely';
import type { Dialect } from '../connect.js';
import type { DialectMigration } from './types.js';

export const scaleIndexes: DialectMigration = {
  name: '0055_scale_indexes',
  async up(db: Kysely<any>, _dialect: Dialect) {
    await db.schema.createIndex('attendance_records_bell_period').on('attendance_records').column('bell_period_id').execute();
    await db.schema.createIndex('assignments_category').on('assignments').column('category_id').execute();
  },
};
