/**
 * Forms signed with the E-Signature PIN (issue 21, ADR 0034).
 *
 *  - `signed_forms`: one form, published by office staff to the families of a school, or of one grade
 *    level there; its title in English and Spanish, its due date, draft → published.
 *  - `signed_form_versions`: the form's text and fields (JSON), numbered from 1. A change to a published
 *    form that someone already signed makes a new version; before the first signature the latest
 *    version is changed in place.
 *  - `signed_form_signatures`: one per form and student (whichever guardian signs it for the child), as
 *    submitted: the values (JSON), the signer, the time, the address, the version they saw, their
 *    language (the PDF is made in it), and whether it came after the due date. Never changed.
 */
import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../connect.js';
import { columns, type DialectMigration } from './types.js';

export const signedForms: DialectMigration = {
  name: '0032_signed_forms',
  async up(db: Kysely<any>, dialect: Dialect) {
    const c = columns(dialect);
    await db.schema
      .createTable('signed_forms')
      .$call(c.id)
      .addColumn('school_id', 'integer', (col) => col.notNull().references('schools.id').onDelete('cascade'))
      // null: every grade of the school
      .addColumn('grade_level', 'integer')
      .addColumn('title_en', 'text', (col) => col.notNull())
      .addColumn('title_es', 'text', (col) => col.notNull())
      .$call((t) => c.date(t, 'due_date'))
      .addColumn('status', 'text', (col) => col.notNull().defaultTo('draft').check(sql`status in ('draft', 'published')`))
      .$call((t) => c.instant(t, 'published_at'))
      .$call((t) => c.instant(t, 'reminded_at'))
      .addColumn('created_by', 'integer', (col) => col.references('user_accounts.id').onDelete('set null'))
      .$call(c.changed)
      .execute();
    await db.schema.createIndex('signed_forms_school').on('signed_forms').columns(['school_id', 'status']).execute();

    await db.schema
      .createTable('signed_form_versions')
      .$call(c.id)
      .addColumn('form_id', 'integer', (col) => col.notNull().references('signed_forms.id').onDelete('cascade'))
      .addColumn('version', 'integer', (col) => col.notNull())
      .addColumn('body_en', 'text', (col) => col.notNull())
      .addColumn('body_es', 'text', (col) => col.notNull())
      /** JSON text: FormField[] (src/domain/signed-forms/fields.ts) */
      .addColumn('fields', 'text', (col) => col.notNull())
      .$call((t) => c.instant(t, 'created_at', (col) => col.notNull()))
      .addUniqueConstraint('signed_form_versions_number', ['form_id', 'version'])
      .execute();

    await db.schema
      .createTable('signed_form_signatures')
      .$call(c.id)
      .addColumn('form_id', 'integer', (col) => col.notNull().references('signed_forms.id').onDelete('cascade'))
      .addColumn('version_id', 'integer', (col) => col.notNull().references('signed_form_versions.id').onDelete('cascade'))
      .addColumn('student_id', 'integer', (col) => col.notNull().references('students.id').onDelete('cascade'))
      .addColumn('guardian_id', 'integer', (col) => col.notNull().references('guardians.id').onDelete('cascade'))
      .addColumn('account_id', 'integer', (col) => col.references('user_accounts.id').onDelete('set null'))
      .addColumn('signer_name', 'text', (col) => col.notNull())
      /** JSON text: { [fieldKey]: boolean | string } */
      .addColumn('answers', 'text', (col) => col.notNull())
      .addColumn('locale', 'text', (col) => col.notNull())
      .addColumn('ip', 'text')
      /** 'pin' or 'password' (no PIN set yet) */
      .addColumn('method', 'text', (col) => col.notNull())
      .$call((t) => c.flag(t, 'late', 0))
      .$call((t) => c.instant(t, 'signed_at', (col) => col.notNull()))
      // Signing twice is refused: one signature per form and child.
      .addUniqueConstraint('signed_form_signatures_once', ['form_id', 'student_id'])
      .execute();
    await db.schema.createIndex('signed_form_signatures_student').on('signed_form_signatures').column('student_id').execute();
  },
};
