/**
 * A school event's audience by grade level (issue 19: "whole school, grade levels, the district"): the
 * grades an event is for, one row each. An event without rows is for everyone of its school (or of the
 * district); with rows, families see it only for a student in one of those grades.
 */
import type { Kysely } from 'kysely';
import type { Dialect } from '../connect.js';
import type { DialectMigration } from './types.js';

export const eventGradeLevels: DialectMigration = {
  name: '0021_event_grade_levels',
  async up(db: Kysely<any>, _dialect: Dialect) {
    await db.schema
      .createTable('school_event_grades')
      .addColumn('event_id', 'integer', (col) => col.notNull().references('school_events.id').onDelete('cascade'))
      .addColumn('grade_level', 'integer', (col) => col.notNull())
      .addPrimaryKeyConstraint('school_event_grades_pk', ['event_id', 'grade_level'])
      .execute();
  },
};
