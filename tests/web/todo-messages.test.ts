/**
 * To Do's messages are the request's own messages: read through the one message reader the header
 * counts with (web/context.ts `messageReaderOf`), so the list, the header and Home agree on which
 * messages a guardian reads. Both engines; every expectation comes from the fixture below.
 *
 * Tuesday 9 February 2027. The district ends guardians' access at 18. Gail Lind has two children: Noah
 * (14) and Ava (18 since yesterday). Rosa Carter's two messages to Gail ask for an answer, one about
 * each child:
 *   - "Field trip: can Noah come?" → on Gail's To Do, under Noah, and on Noah's own To Do page;
 *   - "Senior photos for Ava" → nowhere: Gail's access to Ava ended at 18 (Ava is not on her list at all);
 *     once Ava lets her guardians read messages about her, on Gail's whole list under Ava's name (the
 *     header counts it), and still not on Noah's page.
 * When the district hides Messages, no message is on the list (it would lead to a page that is not there).
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { makeApp } from '../support/app.js';
import { describeEachEngine } from '../support/db.js';
import { guardianWithChild, schoolYear, staffMember, type AccountFixture, type Family, type StaffFixture } from '../support/factories.js';
import { Client } from '../support/http.js';

const TODAY = '2027-02-09';
const STAMP = '2027-02-08T15:00:00.000Z';

describeEachEngine('to do: the request’s messages', (get) => {
  let app: FastifyInstance;
  let noah: Family;
  let ava: Family;
  let rosa: StaffFixture;
  let aboutNoah: number;
  let aboutAva: number;
  let address = 0;

  const setTools = async (change: Record<string, unknown>) => {
    const db = get().db;
    const district = await db.selectFrom('district').select(['id', 'settings']).executeTakeFirstOrThrow();
    const settings = JSON.parse(district.settings || '{}') as Record<string, unknown> & { tools?: Record<string, boolean> };
    await db
      .updateTable('district')
      .set({ settings: JSON.stringify({ ...settings, ...change, tools: { ...(settings.tools ?? {}), ...((change.tools as Record<string, boolean> | undefined) ?? {}) } }) })
      .where('id', '=', district.id)
      .execute();
    app?.services.districts.invalidate();
  };

  beforeAll(async () => {
    const db = get().db;
    const world = await schoolYear(db, { today: TODAY });
    noah = await guardianWithChild(db, world, { student: { first: 'Noah', last: 'Lind', birthDate: '2012-05-02', grade: 9 }, guardian: { first: 'Gail', last: 'Lind' } });
    ava = await guardianWithChild(db, world, { adult: true, student: { first: 'Ava', last: 'Lind' }, guardian: { first: 'Unused', last: 'Lind' }, accounts: 'student' });
    // Gail is Ava's mother too, with portal access (ended by the district's rule at 18, not by the link).
    await db.insertInto('student_guardians').values({ student_id: ava.student.id, guardian_id: noah.guardian.id, relationship: 'Mother', portal_access: 1, rights_revoked: 0, created_at: STAMP, updated_at: STAMP, updated_by: null }).execute();
    rosa = await staffMember(db, world, { first: 'Rosa', last: 'Carter', roles: [{ role: 'teacher' }] });
    const ask = async (subject: string, studentId: number) => {
      const message = await db
        .insertInto('messages')
        .values({ sender_account_id: rosa.account!.id, sender_name: 'Rosa Carter', sender_role: 'teacher', subject_en: subject, body_en: 'Please answer by Friday.', subject_es: null, body_es: null, audience: '{}', concerns_student: 1, asks_reply: 1, thread_root_id: null, thread_person_kind: null, thread_person_id: null, status: 'sent', recipient_count: 1, send_at: STAMP, sent_at: STAMP, created_at: STAMP })
        .returning('id')
        .executeTakeFirstOrThrow();
      await db.insertInto('message_recipients').values({ message_id: message.id, person_kind: 'guardian', person_id: noah.guardian.id, student_id: studentId, locale: 'en', read_at: null, archived: 0 }).execute();
      return message.id;
    };
    aboutNoah = await ask('Field trip: can Noah come?', noah.student.id);
    aboutAva = await ask('Senior photos for Ava', ava.student.id);
    app = await makeApp(get(), { now: () => new Date(`${TODAY}T18:00:00Z`) });
    await setTools({ guardiansKeepAccessAt18: false });
  });
  afterAll(() => app.close());

  const signedIn = async (who: AccountFixture | null) => {
    const c = new Client(app, {}, `10.8.${Math.floor(++address / 250)}.${address % 250}`);
    expect((await c.submit('/sign-in', { username: who!.username, password: who!.password })).statusCode).toBe(303);
    await c.get('/home');
    return c;
  };
  /** The items of a page as "title | link", in order. */
  const items = (html: string) => [...html.matchAll(/<li class="margin-bottom-2"><a href="([^"]+)">([^<]+)<\/a>/g)].map((m) => `${m[2]} | ${m[1]}`);
  /** Each child's heading on the whole list, with their items. */
  const sections = (html: string) => Object.fromEntries([...html.matchAll(/<h2 id="todo-[^"]+">([^<]+)<\/h2>([\s\S]*?)<\/section>/g)].map((m) => [m[1], items(m[2]!)]));

  it('lists the message about the child the guardian still reads, and none about the child whose access ended at 18', async () => {
    const gail = await signedIn(noah.guardianAccount);
    const all = await gail.get('/todo');
    expect(all.statusCode).toBe(200);
    expect(sections(all.body)).toEqual({ 'Noah Lind': [`Field trip: can Noah come? | /messages/${aboutNoah}`] });
    expect(all.body).not.toContain('Senior photos for Ava');
    const own = await gail.get(`/students/${noah.student.id}/todo`);
    expect(items(own.body)).toEqual([`Field trip: can Noah come? | /messages/${aboutNoah}`]);
    // Ava's pages are not Gail's to open; the message about her is not hers to read.
    expect((await gail.get(`/students/${ava.student.id}/todo`)).statusCode).toBe(404);
    expect((await gail.get(`/messages/${aboutAva}`)).statusCode).toBe(404);
  });

  it('lists no message while the district hides Messages, and lists it again when they are back', async () => {
    await setTools({ tools: { messages: false } });
    try {
      const gail = await signedIn(noah.guardianAccount);
      expect((await gail.get(`/messages/${aboutNoah}`)).statusCode).toBe(404);
      const all = await gail.get('/todo');
      expect(all.statusCode).toBe(200);
      expect(sections(all.body)).toEqual({ 'Noah Lind': [] });
      expect(items((await gail.get(`/students/${noah.student.id}/todo`)).body)).toEqual([]);
    } finally {
      await setTools({ tools: { messages: true } });
    }
    const gail = await signedIn(noah.guardianAccount);
    expect(sections((await gail.get('/todo')).body)).toEqual({ 'Noah Lind': [`Field trip: can Noah come? | /messages/${aboutNoah}`] });
  });

  it('keeps a child’s own page the child’s when the guardian has a message to answer that is about no child', async () => {
    const db = get().db;
    const message = await db
      .insertInto('messages')
      .values({ sender_account_id: rosa.account!.id, sender_name: 'Rosa Carter', sender_role: 'teacher', subject_en: 'Volunteer sign-up', body_en: 'Can you help on Friday?', subject_es: null, body_es: null, audience: '{}', concerns_student: 0, asks_reply: 1, thread_root_id: null, thread_person_kind: null, thread_person_id: null, status: 'sent', recipient_count: 1, send_at: STAMP, sent_at: STAMP, created_at: STAMP })
      .returning('id')
      .executeTakeFirstOrThrow();
    await db.insertInto('message_recipients').values({ message_id: message.id, person_kind: 'guardian', person_id: noah.guardian.id, student_id: null, locale: 'en', read_at: null, archived: 0 }).execute();
    try {
      const gail = await signedIn(noah.guardianAccount);
      // The whole list has it, apart from the children's items.
      const all = await gail.get('/todo');
      expect(items(all.body)).toContain(`Volunteer sign-up | /messages/${message.id}`);
      expect(sections(all.body)['Noah Lind']).toEqual([`Field trip: can Noah come? | /messages/${aboutNoah}`]);
      // Noah's page lists Noah's items, not the guardian's own.
      expect(items((await gail.get(`/students/${noah.student.id}/todo`)).body)).toEqual([`Field trip: can Noah come? | /messages/${aboutNoah}`]);
    } finally {
      await db.deleteFrom('message_recipients').where('message_id', '=', message.id).execute();
      await db.deleteFrom('messages').where('id', '=', message.id).execute();
    }
  });

  it('lists the message about an adult child who lets their guardians read messages about them, under the child’s name, as the header counts it', async () => {
    const db = get().db;
    await db.insertInto('message_adult_choices').values({ student_id: ava.student.id, guardians_receive: 1, answered_at: STAMP }).execute();
    try {
      const gail = await signedIn(noah.guardianAccount);
      const all = await gail.get('/todo');
      expect(all.statusCode).toBe(200);
      expect(sections(all.body)).toEqual({ 'Noah Lind': [`Field trip: can Noah come? | /messages/${aboutNoah}`], 'Ava Lind': [`Senior photos for Ava | /messages/${aboutAva}`] });
      // The header counts both; the message opens; the list covers every child: no switcher.
      expect(all.body).toContain('Messages (2 unread)');
      expect(all.body).not.toContain('id="student-switcher"');
      // Noah's own page is Noah's; Ava's pages are still not Gail's.
      expect(items((await gail.get(`/students/${noah.student.id}/todo`)).body)).toEqual([`Field trip: can Noah come? | /messages/${aboutNoah}`]);
      expect((await gail.get(`/students/${ava.student.id}/todo`)).statusCode).toBe(404);
      expect((await gail.get(`/messages/${aboutAva}`)).statusCode).toBe(200);
      // Read, it leaves the list.
      expect(sections((await gail.get('/todo')).body)).toEqual({ 'Noah Lind': [`Field trip: can Noah come? | /messages/${aboutNoah}`] });
    } finally {
      await db.deleteFrom('message_adult_choices').where('student_id', '=', ava.student.id).execute();
      await db.updateTable('message_recipients').set({ read_at: null }).where('message_id', '=', aboutAva).execute();
    }
  });
});
