/**
 * Change requests about the people around a student (issue 23, ADR 0050): a guardian asks the office to
 * add, change or remove one of the student's emergency contacts, or to correct the phones and email of
 * another guardian of their household. They go into the same queue as a parent's own contact changes
 * (`change_requests`, field by field), so a request now says what it is about:
 * - `kind`: 'own' (the requester's own details and household, as before), 'contact' (an emergency
 *   contact of the student), 'guardian' (another guardian of the requester's household), 'new_contact'
 *   (an emergency contact to add);
 * - `student_id`: the student it was asked for (null for 'own'); it decides which office sees it;
 * - `subject_guardian_id`: the person it is about (null for 'own' and 'new_contact').
 * Fields of these requests have the targets 'contact' (the person's name, phones, email) and 'link' (the
 * relationship to the student, and the one-item 'add' and 'remove').
 */
import type { Kysely } from 'kysely';
import type { Dialect } from '../connect.js';
import type { DialectMigration } from './types.js';

export const contactPeopleRequests: DialectMigration = {
  name: '0045_contact_people_requests',
  async up(db: Kysely<any>, _dialect: Dialect) {
    await db.schema.alterTable('change_requests').addColumn('kind', 'text', (col) => col.notNull().defaultTo('own')).execute();
    await db.schema.alterTable('change_requests').addColumn('student_id', 'integer', (col) => col.references('students.id').onDelete('cascade')).execute();
    await db.schema.alterTable('change_requests').addColumn('subject_guardian_id', 'integer', (col) => col.references('guardians.id').onDelete('cascade')).execute();
    await db.schema.createIndex('change_requests_subject').on('change_requests').columns(['subject_guardian_id', 'status']).execute();
    await db.schema.createIndex('change_requests_student').on('change_requests').columns(['student_id', 'status']).execute();
  },
};
