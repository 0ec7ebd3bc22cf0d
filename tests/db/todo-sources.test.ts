/**
 * To Do's sources joined at the merge (issue 21): besides assignments, an unread message that asks for
 * an answer and a form waiting for the guardian's signature are on the list, each linking to where it is
 * done, and each leaves the list by itself (the message read, the form signed). Rows written here by
 * hand; the list is the registry's (domain/todo/registry.ts).
 */
import { beforeAll, expect, it } from 'vitest';
import { studentsReadableBy } from '../../src/domain/access/portal.js';
import { messageReader } from '../../src/domain/messages/service.js';
import { todoListOf } from '../../src/domain/todo/registry.js';
import { describeEachEngine } from '../support/db.js';
import { guardianWithChild, schoolYear, staffMember, type Family, type StaffFixture, type World } from '../support/factories.js';

const STAMP = '2027-02-01T15:00:00.000Z';
const NOW = new Date('2027-02-09T18:00:00Z');

describeEachEngine('To Do: messages that ask for an answer, forms to sign', (get) => {
  let world: World;
  let teacher: StaffFixture;
  let family: Family;
  let messageId: number;
  let formId: number;

  beforeAll(async () => {
    const db = get().db;
    world = await schoolYear(db, { today: '2027-02-09' });
    teacher = await staffMember(db, world, { first: 'Rosa', last: 'Marquez', roles: [{ role: 'teacher' }] });
    family = await guardianWithChild(db, world, { student: { first: 'Maya', last: 'Ortiz' } });
    const message = await db
      .insertInto('messages')
      .values({ sender_account_id: teacher.account!.id, sender_name: 'Rosa Marquez', sender_role: 'teacher', subject_en: 'Field trip: can Maya come?', body_en: 'Please answer by Friday.', subject_es: '¿Puede Maya ir a la excursión?', body_es: 'Responda antes del viernes.', audience: '{}', concerns_student: 1, asks_reply: 1, thread_root_id: null, thread_person_kind: null, thread_person_id: null, status: 'sent', recipient_count: 1, send_at: STAMP, sent_at: STAMP, created_at: STAMP })
      .returning('id')
      .executeTakeFirstOrThrow();
    messageId = message.id;
    await db.insertInto('message_recipients').values({ message_id: messageId, person_kind: 'guardian', person_id: family.guardian.id, student_id: family.student.id, locale: 'en', read_at: null, archived: 0 }).execute();
    // A message that asks nothing: never on the list.
    const plain = await db
      .insertInto('messages')
      .values({ sender_account_id: teacher.account!.id, sender_name: 'Rosa Marquez', sender_role: 'teacher', subject_en: 'Test on Monday', body_en: 'Study chapter 4.', subject_es: null, body_es: null, audience: '{}', concerns_student: 1, asks_reply: 0, thread_root_id: null, thread_person_kind: null, thread_person_id: null, status: 'sent', recipient_count: 1, send_at: STAMP, sent_at: STAMP, created_at: STAMP })
      .returning('id')
      .executeTakeFirstOrThrow();
    await db.insertInto('message_recipients').values({ message_id: plain.id, person_kind: 'guardian', person_id: family.guardian.id, student_id: family.student.id, locale: 'en', read_at: null, archived: 0 }).execute();
    const form = await db
      .insertInto('signed_forms')
      .values({ school_id: world.school.id, grade_level: null, title_en: 'Photo release', title_es: 'Permiso de fotos', due_date: '2027-02-20', status: 'published', published_at: STAMP, reminded_at: null, created_by: null, created_at: STAMP, updated_at: STAMP, updated_by: null })
      .returning('id')
      .executeTakeFirstOrThrow();
    formId = form.id;
    await db.insertInto('signed_form_versions').values({ form_id: formId, version: 1, body_en: 'Photos may be taken.', body_es: 'Se pueden tomar fotos.', fields: '[]', created_at: STAMP }).execute();
  });

  const listOf = async () => {
    const db = get().db;
    const account = await db.selectFrom('user_accounts').selectAll().where('id', '=', family.guardianAccount!.id).executeTakeFirstOrThrow();
    const students = await studentsReadableBy(db, account, null);
    const groups = await todoListOf(db, { reader: account, students, today: '2027-02-09', messages: await messageReader(db, account, null, students) }, NOW);
    return groups.flatMap((g) => g.items.map((i) => [i.kind, i.title, i.url, i.due, i.studentId]));
  };

  it('lists the message and the form, each with where it is done, until the message is read and the form signed', async () => {
    expect(await listOf()).toEqual([
      ['form', 'Photo release', `/students/${family.student.id}/forms/${formId}`, '2027-02-20', family.student.id],
      ['message', 'Field trip: can Maya come?', `/messages/${messageId}`, null, family.student.id],
    ]);
    const db = get().db;
    await db.updateTable('message_recipients').set({ read_at: NOW.toISOString() }).where('message_id', '=', messageId).execute();
    const version = await db.selectFrom('signed_form_versions').select('id').where('form_id', '=', formId).executeTakeFirstOrThrow();
    await db
      .insertInto('signed_form_signatures')
      .values({ form_id: formId, version_id: version.id, student_id: family.student.id, guardian_id: family.guardian.id, account_id: family.guardianAccount!.id, signer_name: 'Parent', answers: '{}', locale: 'en', ip: null, method: 'password', signed_at: NOW.toISOString() })
      .execute();
    expect(await listOf()).toEqual([]);
  });
});
