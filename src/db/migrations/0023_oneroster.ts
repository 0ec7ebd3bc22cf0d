/**
 * OneRoster import (issue 20, ADR 0024): the run log, and what the loader remembers of each row it
 * wrote — the values the SIS last gave (so a field is written again only when the SIS changed it, and an
 * edit made in Homeroom survives), whether the person left the SIS, and the status of the account the
 * import took away (so that a person who returns gets it back, while an account an administrator
 * disabled stays disabled).
 */
import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../connect.js';
import { columns, type DialectMigration } from './types.js';

export const oneroster: DialectMigration = {
  name: '0023_oneroster',
  async up(db: Kysely<any>, dialect: Dialect) {
    const c = columns(dialect);
    const nn = (col: any) => col.notNull();

    await db.schema
      .createTable('import_runs')
      .$call(c.id)
      .addColumn('kind', 'text', nn)
      .addColumn('status', 'text', (col) => col.notNull().check(sql`status in ('running', 'done', 'failed')`))
      .$call((t) => c.flag(t, 'dry_run', 0))
      .addColumn('source', 'text')
      .addColumn('started_by', 'integer', (col) => col.references('user_accounts.id').onDelete('set null'))
      .$call((t) => c.instant(t, 'started_at', nn))
      .$call((t) => c.instant(t, 'finished_at'))
      .addColumn('report', 'text')
      .execute();

    // The SIS's values as last imported, one table per kind, keyed by the row they were written to.
    const last = (name: string, target: string) =>
      db.schema.createTable(name).addColumn('row_id', 'integer', (col) => col.primaryKey().references(`${target}.id`).onDelete('cascade'));
    await last('oneroster_last_schools', 'schools').addColumn('school_number', 'text').addColumn('name', 'text').execute();
    await last('oneroster_last_sessions', 'academic_sessions')
      .addColumn('title', 'text')
      .addColumn('type', 'text')
      .$call((t) => c.date(t, 'start_date'))
      .$call((t) => c.date(t, 'end_date'))
      .addColumn('parent_id', 'integer')
      .addColumn('school_year', 'integer')
      .execute();
    await last('oneroster_last_courses', 'courses')
      .addColumn('school_id', 'integer')
      .addColumn('course_code', 'text')
      .addColumn('title', 'text')
      .addColumn('subject', 'text')
      .addColumn('grade_low', 'integer')
      .addColumn('grade_high', 'integer')
      .execute();
    await last('oneroster_last_sections', 'sections')
      .addColumn('school_id', 'integer')
      .addColumn('course_id', 'integer')
      .addColumn('section_code', 'text')
      .addColumn('room', 'text')
      .execute();
    const person = (t: any) => t.$call((u: any) => c.flag(u, 'gone', 0)).addColumn('taken_status', 'text');
    await last('oneroster_last_students', 'students')
      .addColumn('student_number', 'text')
      .addColumn('legal_first_name', 'text')
      .addColumn('legal_middle_name', 'text')
      .addColumn('legal_last_name', 'text')
      .addColumn('preferred_first_name', 'text')
      .addColumn('preferred_last_name', 'text')
      .$call((t) => c.date(t, 'birth_date'))
      .addColumn('grade_level', 'integer')
      .addColumn('school_id', 'integer')
      .addColumn('email', 'text')
      .addColumn('phone', 'text')
      .$call(person)
      .execute();
    await last('oneroster_last_staff', 'staff')
      .addColumn('staff_number', 'text')
      .addColumn('first_name', 'text')
      .addColumn('last_name', 'text')
      .addColumn('email', 'text')
      .addColumn('phone', 'text')
      .addColumn('school_id', 'integer')
      .$call(person)
      .execute();
    await last('oneroster_last_guardians', 'guardians')
      .addColumn('first_name', 'text')
      .addColumn('last_name', 'text')
      .addColumn('email', 'text')
      .addColumn('phone_mobile', 'text')
      .$call(person)
      .execute();
    // The links and staff roles the import made (those made in Homeroom are never touched).
    await last('oneroster_links', 'student_guardians').execute();
    await db.schema
      .createTable('oneroster_staff_roles')
      .addColumn('staff_id', 'integer', (col) => col.notNull().references('staff.id').onDelete('cascade'))
      .addColumn('role', 'text', nn)
      .addColumn('school_id', 'integer', (col) => col.references('schools.id').onDelete('cascade'))
      .execute();
    await db.schema.createIndex('oneroster_staff_roles_staff').on('oneroster_staff_roles').column('staff_id').execute();
  },
};
