/**
 * What the portal tools show: grading scales, gradebooks (categories, assignments, scores), term
 * grades, attendance, prior years' courses for the transcript, and immunizations.
 */
import type { Kysely } from 'kysely';
import type { Dialect } from '../connect.js';
import { columns, type DialectMigration } from './types.js';

export const portal: DialectMigration = {
  name: '0006_portal',
  async up(db: Kysely<any>, dialect: Dialect) {
    const c = columns(dialect);

    await db.schema
      .createTable('grading_scales')
      .$call(c.id)
      .addColumn('name', 'text', (col) => col.notNull())
      .$call(c.changed)
      .execute();
    await db.schema
      .createTable('grading_scale_bands')
      .$call(c.id)
      .addColumn('scale_id', 'integer', (col) => col.notNull().references('grading_scales.id').onDelete('cascade'))
      .addColumn('letter', 'text', (col) => col.notNull())
      .$call((t) => c.real(t, 'min_percent', (col) => col.notNull()))
      .$call((t) => c.real(t, 'gpa_points', (col) => col.notNull()))
      .addColumn('sequence', 'integer', (col) => col.notNull())
      .execute();
    await db.schema.createIndex('grading_scale_bands_scale').on('grading_scale_bands').column('scale_id').execute();

    // Honors and AP courses add to the weighted GPA; a section says how its grade is computed.
    await db.schema
      .alterTable('courses')
      .addColumn('gpa_bonus', dialect === 'postgres' ? 'double precision' : 'real', (col) => col.notNull().defaultTo(0))
      .execute();
    await db.schema.alterTable('sections').addColumn('grading_method', 'text', (col) => col.notNull().defaultTo('weighted')).execute();
    await db.schema.alterTable('sections').addColumn('grading_scale_id', 'integer', (col) => col.references('grading_scales.id')).execute();

    await db.schema
      .createTable('grading_categories')
      .$call(c.id)
      .addColumn('section_id', 'integer', (col) => col.notNull().references('sections.id').onDelete('cascade'))
      .addColumn('name', 'text', (col) => col.notNull())
      // percent weight; null in a points-based class
      .$call((t) => c.real(t, 'weight'))
      .addColumn('drop_lowest', 'integer', (col) => col.notNull().defaultTo(0))
      .addColumn('sequence', 'integer', (col) => col.notNull())
      .execute();
    await db.schema.createIndex('grading_categories_section').on('grading_categories').column('section_id').execute();

    await db.schema
      .createTable('assignments')
      .$call(c.id)
      .addColumn('sourced_id', 'text')
      .addColumn('section_id', 'integer', (col) => col.notNull().references('sections.id').onDelete('cascade'))
      .addColumn('category_id', 'integer', (col) => col.notNull().references('grading_categories.id'))
      // the grading period it counts in
      .addColumn('grading_period_id', 'integer', (col) => col.notNull().references('academic_sessions.id'))
      .addColumn('title', 'text', (col) => col.notNull())
      .addColumn('description', 'text')
      .$call((t) => c.date(t, 'assigned_date', (col) => col.notNull()))
      .$call((t) => c.date(t, 'due_date', (col) => col.notNull()))
      .$call((t) => c.real(t, 'points_possible', (col) => col.notNull()))
      .$call(c.changed)
      .execute();
    await db.schema.createIndex('assignments_section_due').on('assignments').columns(['section_id', 'due_date']).execute();

    await db.schema
      .createTable('assignment_scores')
      .$call(c.id)
      .addColumn('assignment_id', 'integer', (col) => col.notNull().references('assignments.id').onDelete('cascade'))
      .addColumn('student_id', 'integer', (col) => col.notNull().references('students.id'))
      // null: not graded yet
      .$call((t) => c.real(t, 'points'))
      .$call((t) => c.flag(t, 'missing', 0))
      .$call((t) => c.flag(t, 'late', 0))
      .$call((t) => c.flag(t, 'exempt', 0))
      .$call((t) => c.flag(t, 'incomplete', 0))
      .$call((t) => c.flag(t, 'dropped', 0))
      .addColumn('comment', 'text')
      .$call(c.changed)
      .execute();
    await db.schema.createIndex('assignment_scores_one').on('assignment_scores').columns(['assignment_id', 'student_id']).unique().execute();
    await db.schema.createIndex('assignment_scores_student').on('assignment_scores').column('student_id').execute();

    // In-progress (posted_at null) and posted grades for a grading period or a semester.
    await db.schema
      .createTable('term_grades')
      .$call(c.id)
      .addColumn('section_id', 'integer', (col) => col.notNull().references('sections.id').onDelete('cascade'))
      .addColumn('student_id', 'integer', (col) => col.notNull().references('students.id'))
      .addColumn('academic_session_id', 'integer', (col) => col.notNull().references('academic_sessions.id'))
      .$call((t) => c.real(t, 'percent'))
      .addColumn('letter', 'text')
      .addColumn('comment', 'text')
      .$call((t) => c.instant(t, 'posted_at'))
      .$call(c.changed)
      .execute();
    await db.schema.createIndex('term_grades_one').on('term_grades').columns(['section_id', 'student_id', 'academic_session_id']).unique().execute();
    await db.schema.createIndex('term_grades_student').on('term_grades').column('student_id').execute();

    await db.schema
      .createTable('attendance_codes')
      .$call(c.id)
      .addColumn('code', 'text', (col) => col.notNull().unique())
      .addColumn('description', 'text', (col) => col.notNull())
      // 'absent' | 'tardy' | 'early_release'
      .addColumn('kind', 'text', (col) => col.notNull())
      // 'excused' | 'unexcused' | 'unknown' (not explained yet: the family is asked)
      .addColumn('excuse', 'text', (col) => col.notNull())
      .execute();
    // Attendance keeps the exceptions, as school systems do: a day or period with no row was attended.
    await db.schema
      .createTable('attendance_records')
      .$call(c.id)
      .addColumn('student_id', 'integer', (col) => col.notNull().references('students.id'))
      .$call((t) => c.date(t, 'date', (col) => col.notNull()))
      // null: the whole day
      .addColumn('section_id', 'integer', (col) => col.references('sections.id').onDelete('cascade'))
      .addColumn('bell_period_id', 'integer', (col) => col.references('bell_periods.id'))
      .addColumn('code_id', 'integer', (col) => col.notNull().references('attendance_codes.id'))
      .addColumn('comment', 'text')
      .$call(c.changed)
      .execute();
    await db.schema.createIndex('attendance_records_student').on('attendance_records').columns(['student_id', 'date']).execute();

    // Courses of earlier years (and other schools) for the unofficial transcript.
    await db.schema
      .createTable('transcript_courses')
      .$call(c.id)
      .addColumn('student_id', 'integer', (col) => col.notNull().references('students.id'))
      .addColumn('school_year', 'integer', (col) => col.notNull())
      .addColumn('school_name', 'text', (col) => col.notNull())
      .addColumn('grade_level', 'integer', (col) => col.notNull())
      .addColumn('course_code', 'text', (col) => col.notNull())
      .addColumn('course_title', 'text', (col) => col.notNull())
      // 'S1' | 'S2' | 'Year'
      .addColumn('term', 'text', (col) => col.notNull())
      .addColumn('letter', 'text', (col) => col.notNull())
      .$call((t) => c.real(t, 'gpa_points'))
      .$call((t) => c.real(t, 'gpa_bonus', (col) => col.notNull().defaultTo(0)))
      .$call((t) => c.real(t, 'credits_attempted', (col) => col.notNull()))
      .$call((t) => c.real(t, 'credits_earned', (col) => col.notNull()))
      .$call(c.changed)
      .execute();
    await db.schema.createIndex('transcript_courses_student').on('transcript_courses').column('student_id').execute();

    await db.schema
      .createTable('vaccines')
      .$call(c.id)
      .addColumn('code', 'text', (col) => col.notNull().unique())
      .addColumn('name', 'text', (col) => col.notNull())
      .execute();
    await db.schema
      .createTable('immunization_requirements')
      .$call(c.id)
      .addColumn('vaccine_id', 'integer', (col) => col.notNull().references('vaccines.id'))
      .addColumn('grade_low', 'integer', (col) => col.notNull())
      .addColumn('grade_high', 'integer', (col) => col.notNull())
      .addColumn('doses', 'integer', (col) => col.notNull())
      .execute();
    await db.schema
      .createTable('immunization_doses')
      .$call(c.id)
      .addColumn('student_id', 'integer', (col) => col.notNull().references('students.id'))
      .addColumn('vaccine_id', 'integer', (col) => col.notNull().references('vaccines.id'))
      .$call((t) => c.date(t, 'dose_date', (col) => col.notNull()))
      .$call(c.changed)
      .execute();
    await db.schema.createIndex('immunization_doses_student').on('immunization_doses').column('student_id').execute();
    await db.schema
      .createTable('immunization_exemptions')
      .$call(c.id)
      .addColumn('student_id', 'integer', (col) => col.notNull().references('students.id'))
      .addColumn('vaccine_id', 'integer', (col) => col.notNull().references('vaccines.id'))
      // 'medical' | 'religious' | 'personal'
      .addColumn('kind', 'text', (col) => col.notNull())
      .$call((t) => c.date(t, 'granted_date', (col) => col.notNull()))
      .$call((t) => c.date(t, 'expires_date'))
      .$call(c.changed)
      .execute();
    await db.schema.createIndex('immunization_exemptions_student').on('immunization_exemptions').column('student_id').execute();
  },
};
