/**
 * The foundation schema: district, schools, calendar, scheduling, people, families, enrollments,
 * accounts, announcements and the audit log. Names follow OneRoster where it has one; every imported
 * record keeps its external sourced_id.
 */
import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../connect.js';
import { columns, type DialectMigration } from './types.js';

export const foundation: DialectMigration = {
  name: '0001_foundation',
  async up(db: Kysely<any>, dialect: Dialect) {
    const c = columns(dialect);
    const nn = (col: any) => col.notNull();

    await db.schema
      .createTable('district')
      .$call(c.id)
      .addColumn('sourced_id', 'text', (col) => col.unique())
      .addColumn('name', 'text', nn)
      .addColumn('short_name', 'text', nn)
      .addColumn('portal_name', 'text', nn)
      .addColumn('time_zone', 'text', nn)
      .addColumn('locale', 'text', (col) => col.notNull().defaultTo('en'))
      .addColumn('color_primary', 'text', nn)
      .addColumn('color_secondary', 'text', nn)
      .addColumn('help_email', 'text')
      .addColumn('website_url', 'text')
      .addColumn('settings', 'text', (col) => col.notNull().defaultTo('{}'))
      .$call(c.changed)
      .execute();

    await db.schema
      .createTable('schools')
      .$call(c.id)
      .addColumn('sourced_id', 'text', (col) => col.unique())
      .addColumn('school_number', 'text', (col) => col.notNull().unique())
      .addColumn('name', 'text', nn)
      .addColumn('short_name', 'text', nn)
      .addColumn('grade_low', 'integer', nn)
      .addColumn('grade_high', 'integer', nn)
      .addColumn('address_line1', 'text')
      .addColumn('city', 'text')
      .addColumn('state', 'text')
      .addColumn('postal_code', 'text')
      .addColumn('phone', 'text')
      .$call(c.changed)
      .execute();

    await db.schema
      .createTable('academic_sessions')
      .$call(c.id)
      .addColumn('sourced_id', 'text', (col) => col.unique())
      .addColumn('school_id', 'integer', (col) => col.references('schools.id').onDelete('cascade'))
      .addColumn('parent_id', 'integer', (col) => col.references('academic_sessions.id').onDelete('cascade'))
      .addColumn('type', 'text', (col) =>
        col.notNull().check(sqlIn('type', ['schoolYear', 'semester', 'term', 'gradingPeriod'])),
      )
      .addColumn('title', 'text', nn)
      .addColumn('school_year', 'integer', nn)
      .$call((t) => c.date(t, 'start_date', nn))
      .$call((t) => c.date(t, 'end_date', nn))
      .$call(c.changed)
      .execute();
    await db.schema.createIndex('academic_sessions_parent').on('academic_sessions').column('parent_id').execute();

    await db.schema
      .createTable('calendar_days')
      .$call(c.id)
      .addColumn('school_id', 'integer', (col) => col.notNull().references('schools.id').onDelete('cascade'))
      .$call((t) => c.date(t, 'date', nn))
      .$call((t) => c.flag(t, 'instructional', 1))
      .addColumn('reason', 'text')
      .addColumn('note', 'text')
      .addUniqueConstraint('calendar_days_school_date', ['school_id', 'date'])
      .execute();

    await db.schema
      .createTable('bell_schedules')
      .$call(c.id)
      .addColumn('school_id', 'integer', (col) => col.notNull().references('schools.id').onDelete('cascade'))
      .addColumn('name', 'text', nn)
      .$call((t) => c.flag(t, 'is_default', 0))
      .$call(c.changed)
      .execute();

    await db.schema
      .createTable('bell_periods')
      .$call(c.id)
      .addColumn('bell_schedule_id', 'integer', (col) =>
        col.notNull().references('bell_schedules.id').onDelete('cascade'),
      )
      .addColumn('name', 'text', nn)
      .addColumn('sequence', 'integer', nn)
      .addColumn('start_time', 'text', nn)
      .addColumn('end_time', 'text', nn)
      .$call((t) => c.flag(t, 'instructional', 1))
      .execute();

    await db.schema
      .createTable('courses')
      .$call(c.id)
      .addColumn('sourced_id', 'text', (col) => col.unique())
      .addColumn('school_id', 'integer', (col) => col.notNull().references('schools.id').onDelete('cascade'))
      .addColumn('course_code', 'text', nn)
      .addColumn('title', 'text', nn)
      .addColumn('subject', 'text', nn)
      .addColumn('grade_low', 'integer', nn)
      .addColumn('grade_high', 'integer', nn)
      .$call((t) => c.real(t, 'credits', (col) => col.notNull().defaultTo(0)))
      .$call(c.changed)
      .addUniqueConstraint('courses_school_code', ['school_id', 'course_code'])
      .execute();

    await db.schema
      .createTable('sections')
      .$call(c.id)
      .addColumn('sourced_id', 'text', (col) => col.unique())
      .addColumn('school_id', 'integer', (col) => col.notNull().references('schools.id').onDelete('cascade'))
      .addColumn('course_id', 'integer', (col) => col.notNull().references('courses.id').onDelete('cascade'))
      .addColumn('section_code', 'text', nn)
      .addColumn('room', 'text')
      .$call(c.changed)
      .execute();
    await db.schema.createIndex('sections_course').on('sections').column('course_id').execute();

    await db.schema
      .createTable('section_terms')
      .addColumn('section_id', 'integer', (col) => col.notNull().references('sections.id').onDelete('cascade'))
      .addColumn('academic_session_id', 'integer', (col) =>
        col.notNull().references('academic_sessions.id').onDelete('cascade'),
      )
      .addPrimaryKeyConstraint('section_terms_pk', ['section_id', 'academic_session_id'])
      .execute();

    await db.schema
      .createTable('section_periods')
      .addColumn('section_id', 'integer', (col) => col.notNull().references('sections.id').onDelete('cascade'))
      .addColumn('bell_period_id', 'integer', (col) => col.notNull().references('bell_periods.id').onDelete('cascade'))
      .addPrimaryKeyConstraint('section_periods_pk', ['section_id', 'bell_period_id'])
      .execute();

    await db.schema
      .createTable('staff')
      .$call(c.id)
      .addColumn('sourced_id', 'text', (col) => col.unique())
      .addColumn('staff_number', 'text', (col) => col.notNull().unique())
      .addColumn('first_name', 'text', nn)
      .addColumn('last_name', 'text', nn)
      .addColumn('email', 'text')
      .addColumn('phone', 'text')
      .addColumn('title', 'text')
      .addColumn('school_id', 'integer', (col) => col.references('schools.id').onDelete('set null'))
      .$call((t) => c.flag(t, 'active', 1))
      .$call(c.changed)
      .execute();

    await db.schema
      .createTable('staff_roles')
      .addColumn('staff_id', 'integer', (col) => col.notNull().references('staff.id').onDelete('cascade'))
      .addColumn('role', 'text', (col) =>
        col
          .notNull()
          .check(sqlIn('role', ['teacher', 'office', 'counselor', 'nurse', 'school_admin', 'district_admin'])),
      )
      .addColumn('school_id', 'integer', (col) => col.references('schools.id').onDelete('cascade'))
      .execute();
    await db.schema.createIndex('staff_roles_staff').on('staff_roles').column('staff_id').execute();

    await db.schema
      .createTable('households')
      .$call(c.id)
      .addColumn('sourced_id', 'text', (col) => col.unique())
      .addColumn('name', 'text', nn)
      .addColumn('address_line1', 'text')
      .addColumn('address_line2', 'text')
      .addColumn('city', 'text')
      .addColumn('state', 'text')
      .addColumn('postal_code', 'text')
      .addColumn('phone', 'text')
      .$call(c.changed)
      .execute();

    await db.schema
      .createTable('students')
      .$call(c.id)
      .addColumn('sourced_id', 'text', (col) => col.unique())
      .addColumn('student_number', 'text', (col) => col.notNull().unique())
      .addColumn('legal_first_name', 'text', nn)
      .addColumn('legal_middle_name', 'text')
      .addColumn('legal_last_name', 'text', nn)
      .addColumn('preferred_first_name', 'text')
      .addColumn('preferred_last_name', 'text')
      .$call((t) => c.date(t, 'birth_date', nn))
      .addColumn('grade_level', 'integer', nn)
      .addColumn('school_id', 'integer', (col) => col.notNull().references('schools.id'))
      .addColumn('enrollment_status', 'text', (col) =>
        col.notNull().defaultTo('active').check(sqlIn('enrollment_status', ['active', 'inactive', 'graduated', 'withdrawn'])),
      )
      .addColumn('email', 'text')
      .addColumn('phone', 'text')
      .addColumn('preferred_language', 'text', (col) => col.notNull().defaultTo('en'))
      .$call(c.changed)
      .execute();
    await db.schema.createIndex('students_school').on('students').column('school_id').execute();

    await db.schema
      .createTable('household_students')
      .addColumn('household_id', 'integer', (col) => col.notNull().references('households.id').onDelete('cascade'))
      .addColumn('student_id', 'integer', (col) => col.notNull().references('students.id').onDelete('cascade'))
      .$call((t) => c.flag(t, 'primary_household', 1))
      .addPrimaryKeyConstraint('household_students_pk', ['household_id', 'student_id'])
      .execute();
    await db.schema.createIndex('household_students_student').on('household_students').column('student_id').execute();

    await db.schema
      .createTable('guardians')
      .$call(c.id)
      .addColumn('sourced_id', 'text', (col) => col.unique())
      .addColumn('first_name', 'text', nn)
      .addColumn('last_name', 'text', nn)
      .addColumn('email', 'text')
      .addColumn('phone_mobile', 'text')
      .addColumn('phone_home', 'text')
      .addColumn('phone_work', 'text')
      .addColumn('household_id', 'integer', (col) => col.references('households.id').onDelete('set null'))
      .addColumn('preferred_language', 'text', (col) => col.notNull().defaultTo('en'))
      .$call(c.changed)
      .execute();
    await db.schema.createIndex('guardians_email').on('guardians').column('email').execute();

    await db.schema
      .createTable('student_guardians')
      .$call(c.id)
      .addColumn('student_id', 'integer', (col) => col.notNull().references('students.id').onDelete('cascade'))
      .addColumn('guardian_id', 'integer', (col) => col.notNull().references('guardians.id').onDelete('cascade'))
      .addColumn('relationship', 'text', nn)
      .$call((t) => c.flag(t, 'portal_access', 1))
      .$call((t) => c.flag(t, 'rights_revoked', 0))
      .$call((t) => c.flag(t, 'lives_with', 1))
      .$call((t) => c.flag(t, 'receives_mail', 1))
      .$call((t) => c.flag(t, 'emergency_contact', 1))
      .addColumn('contact_priority', 'integer', (col) => col.notNull().defaultTo(1))
      .$call(c.changed)
      .addUniqueConstraint('student_guardians_pair', ['student_id', 'guardian_id'])
      .execute();
    await db.schema.createIndex('student_guardians_guardian').on('student_guardians').column('guardian_id').execute();

    await db.schema
      .createTable('section_enrollments')
      .$call(c.id)
      .addColumn('sourced_id', 'text', (col) => col.unique())
      .addColumn('section_id', 'integer', (col) => col.notNull().references('sections.id').onDelete('cascade'))
      .addColumn('student_id', 'integer', (col) => col.notNull().references('students.id').onDelete('cascade'))
      .$call((t) => c.date(t, 'begin_date', nn))
      .$call((t) => c.date(t, 'end_date'))
      .$call(c.changed)
      .execute();
    await db.schema.createIndex('section_enrollments_student').on('section_enrollments').column('student_id').execute();
    await db.schema.createIndex('section_enrollments_section').on('section_enrollments').column('section_id').execute();

    await db.schema
      .createTable('section_teachers')
      .$call(c.id)
      .addColumn('sourced_id', 'text', (col) => col.unique())
      .addColumn('section_id', 'integer', (col) => col.notNull().references('sections.id').onDelete('cascade'))
      .addColumn('staff_id', 'integer', (col) => col.notNull().references('staff.id').onDelete('cascade'))
      .$call((t) => c.flag(t, 'primary_teacher', 1))
      .$call((t) => c.date(t, 'begin_date', nn))
      .$call((t) => c.date(t, 'end_date'))
      .$call(c.changed)
      .execute();
    await db.schema.createIndex('section_teachers_section').on('section_teachers').column('section_id').execute();
    await db.schema.createIndex('section_teachers_staff').on('section_teachers').column('staff_id').execute();

    await db.schema
      .createTable('user_accounts')
      .$call(c.id)
      .addColumn('username', 'text', nn)
      .addColumn('username_key', 'text', (col) => col.notNull().unique())
      .addColumn('password_hash', 'text')
      .addColumn('status', 'text', (col) =>
        col.notNull().defaultTo('active').check(sqlIn('status', ['active', 'disabled', 'pending'])),
      )
      .$call((t) => c.flag(t, 'must_change_password', 0))
      .addColumn('security_email', 'text')
      .$call((t) => c.instant(t, 'security_email_confirmed_at'))
      .addColumn('person_kind', 'text', (col) => col.notNull().check(sqlIn('person_kind', ['student', 'guardian', 'staff'])))
      .addColumn('student_id', 'integer', (col) => col.references('students.id').onDelete('cascade'))
      .addColumn('guardian_id', 'integer', (col) => col.references('guardians.id').onDelete('cascade'))
      .addColumn('staff_id', 'integer', (col) => col.references('staff.id').onDelete('cascade'))
      .addColumn('locale', 'text')
      .$call((t) => c.instant(t, 'last_sign_in_at'))
      .$call(c.changed)
      .addCheckConstraint(
        'user_accounts_one_person',
        sql`(person_kind = 'student' and student_id is not null and guardian_id is null and staff_id is null)
         or (person_kind = 'guardian' and guardian_id is not null and student_id is null and staff_id is null)
         or (person_kind = 'staff' and staff_id is not null and student_id is null and guardian_id is null)`,
      )
      .execute();
    for (const col of ['student_id', 'guardian_id', 'staff_id']) {
      await db.schema.createIndex(`user_accounts_${col}`).on('user_accounts').column(col).execute();
    }
    await db.schema.createIndex('user_accounts_security_email').on('user_accounts').column('security_email').execute();

    await db.schema
      .createTable('announcements')
      .$call(c.id)
      .addColumn('school_id', 'integer', (col) => col.references('schools.id').onDelete('cascade'))
      .addColumn('audience', 'text', (col) =>
        col.notNull().defaultTo('all').check(sqlIn('audience', ['all', 'students', 'guardians', 'staff'])),
      )
      .$call((t) => c.date(t, 'start_date', nn))
      .$call((t) => c.date(t, 'end_date', nn))
      .$call((t) => c.flag(t, 'public', 0))
      .$call(c.changed)
      .addCheckConstraint('announcements_dates', sql`start_date <= end_date`)
      .execute();
    await db.schema.createIndex('announcements_dates').on('announcements').columns(['start_date', 'end_date']).execute();

    await db.schema
      .createTable('announcement_texts')
      .addColumn('announcement_id', 'integer', (col) =>
        col.notNull().references('announcements.id').onDelete('cascade'),
      )
      .addColumn('locale', 'text', nn)
      .addColumn('title', 'text', nn)
      .addColumn('body', 'text', nn)
      .addPrimaryKeyConstraint('announcement_texts_pk', ['announcement_id', 'locale'])
      .execute();

    await db.schema
      .createTable('audit_log')
      .$call(c.id)
      .$call((t) => c.instant(t, 'at', nn))
      .addColumn('actor_account_id', 'integer')
      .addColumn('action', 'text', nn)
      .addColumn('subject_type', 'text')
      .addColumn('subject_id', 'integer')
      .addColumn('ip', 'text')
      .addColumn('details', 'text')
      .execute();
    await db.schema.createIndex('audit_log_at').on('audit_log').column('at').execute();
    await db.schema.createIndex('audit_log_subject').on('audit_log').columns(['subject_type', 'subject_id']).execute();
  },
};

function sqlIn(column: string, values: readonly string[]) {
  return sql`${sql.ref(column)} in (${sql.join(values.map((v) => sql.lit(v)))})`;
}
