/**
 * The Message Center's pages over HTTP: the composer's bad inputs (nothing chosen, half a message, an
 * oversized body, a section that is not the teacher's), its preview and sending (the request returns
 * before delivery; the sent page shows the progress), the inbox and the message page as the family that
 * received it and as everyone who did not (404), marks, archive, replies, and a sender's HTML shown as text.
 *
 * Tuesday 9 February 2027, noon in Chicago. Rosa Carter teaches Biology: Maya Ortiz (mother Lucia) and
 * Noah Reed (father Ben). Zoe Park (mother Kim) is in Ed Moss's Art.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { makeApp } from '../support/app.js';
import { describeEachEngine } from '../support/db.js';
import { guardianWithChild, otherSchool, schoolYear, sectionWithGradebook, staffMember, teachSection, type AccountFixture, type Family, type SectionFixture, type StaffFixture, type World } from '../support/factories.js';
import { textOf } from '../support/html.js';
import { Client } from '../support/http.js';
import { runJobs } from '../support/jobs.js';
import { QueryCounter } from '../support/query-counter.js';

const NOW = new Date('2027-02-09T18:00:00Z');

describeEachEngine('Message Center pages', (get) => {
  let app: FastifyInstance;
  let world: World;
  let maya: Family;
  let noah: Family;
  let zoe: Family;
  let biology: SectionFixture;
  let art: SectionFixture;
  let rosa: StaffFixture;
  let ed: StaffFixture;
  let address = 0;

  beforeAll(async () => {
    const db = get().db;
    world = await schoolYear(db);
    maya = await guardianWithChild(db, world, { student: { first: 'Maya', last: 'Ortiz' }, guardian: { first: 'Lucia', last: 'Ortiz' } });
    noah = await guardianWithChild(db, world, { student: { first: 'Noah', last: 'Reed' }, guardian: { first: 'Ben', last: 'Reed' } });
    zoe = await guardianWithChild(db, world, { student: { first: 'Zoe', last: 'Park' }, guardian: { first: 'Kim', last: 'Park' } });
    biology = await sectionWithGradebook(db, world, { course: { code: 'BIO', title: 'Biology' }, period: '1', teacher: null, students: [{ student: maya.student }, { student: noah.student }] });
    art = await sectionWithGradebook(db, world, { course: { code: 'ART', title: 'Art' }, period: '2', teacher: null, students: [{ student: zoe.student }] });
    rosa = await staffMember(db, world, { first: 'Rosa', last: 'Carter', roles: [{ role: 'teacher' }] });
    await teachSection(db, rosa, biology, { primary: true });
    ed = await staffMember(db, world, { first: 'Ed', last: 'Moss', roles: [{ role: 'teacher' }] });
    await teachSection(db, ed, art, { primary: true });
    app = await makeApp(get(), { now: () => NOW });
  });
  afterAll(async () => {
    await app?.close();
  });

  const signedIn = async (who: AccountFixture | null, headers: Record<string, string> = {}) => {
    const c = new Client(app, headers, `10.9.${Math.floor(++address / 250)}.${address % 250}`);
    const res = await c.submit('/sign-in', { username: who!.username, password: who!.password });
    expect(res.statusCode).toBe(303);
    await c.get('/home');
    return c;
  };
  const compose = { kind: 'sections', sectionIds: '', readers: 'guardians', subjectEn: 'Lab day', bodyEn: 'Wear closed shoes.', subjectEs: '', bodyEs: '', sendDate: '', sendTime: '', action: 'preview' };

  it('refuses what cannot be sent, with a message at the field', async () => {
    const teacher = await signedIn(rosa.account);
    expect((await teacher.get('/messages/new')).statusCode).toBe(200);
    const cases: [Record<string, string>, string][] = [
      [{ sectionIds: String(biology.id), subjectEn: '', bodyEn: '' }, 'Write the subject and the message in English or in Spanish.'],
      [{ sectionIds: String(biology.id), bodyEn: 'x'.repeat(10_001) }, 'Message in English: '],
      [{ sectionIds: '' }, 'Choose at least one section.'],
      [{ sectionIds: String(art.id) }, 'Sections: '],
      [{ sectionIds: 'abc' }, 'Sections: '],
      [{ kind: 'district' }, 'Choose who receives the message.'],
      [{ sectionIds: String(biology.id), sendDate: '2027-02-09', sendTime: '09:00' }, 'That time has passed'],
      [{ kind: 'students', studentNumbers: zoe.student.number }, zoe.student.number],
    ];
    for (const [fields, text] of cases) {
      const res = await teacher.post('/messages/new', { ...compose, ...fields });
      expect(res.statusCode, JSON.stringify(fields).slice(0, 80)).toBe(400);
      expect(textOf(res.body)).toContain(text);
    }
    expect(await get().db.selectFrom('messages').select('id').execute()).toEqual([]);
    // Families and other staff without sending roles have no composer.
    const lucia = await signedIn(maya.guardianAccount);
    expect((await lucia.get('/messages/new')).statusCode).toBe(404);
    expect((await lucia.post('/messages/new', { ...compose, sectionIds: String(biology.id) })).statusCode).toBe(404);
  });

  it('previews, sends at once, delivers by job; the family reads, marks, archives and replies; nobody else can', async () => {
    const teacher = await signedIn(rosa.account);
    const body = 'See <b>this</b> & https://example.org/lab?x=1. <script>alert(1)</script>';
    const preview = await teacher.post('/messages/new', { ...compose, sectionIds: String(biology.id), bodyEn: body });
    expect(preview.statusCode).toBe(200);
    expect(textOf(preview.body)).toContain('2 people will receive it');
    expect(textOf(preview.body)).toContain('In English: 2. In Spanish: 0.');
    expect((await get().db.selectFrom('messages').select('id').execute()).length).toBe(0);
    const sent = await teacher.post('/messages/new', { ...compose, sectionIds: String(biology.id), bodyEn: body, action: 'send' });
    expect(sent.statusCode).toBe(303);
    const location = String(sent.headers.location);
    const id = Number(/\/messages\/sent\/(\d+)/.exec(location)?.[1]);
    expect(textOf((await teacher.get(location)).body)).toContain('Waiting to be sent');
    await runJobs(get(), () => NOW);
    expect(textOf((await teacher.get(location)).body)).toContain('Delivered to 2 people');

    const lucia = await signedIn(maya.guardianAccount);
    const home = await lucia.get('/home');
    expect(textOf(home.body)).toContain('Messages (1 unread)');
    expect(textOf(home.body)).toContain('1 unread messages');
    const inbox = await lucia.get('/messages');
    expect(textOf(inbox.body)).toContain('Lab day');
    expect(textOf(inbox.body)).toContain('Rosa Carter (Teacher)');
    const page = await lucia.get(`/messages/${id}`);
    expect(page.statusCode).toBe(200);
    // The sender's markup is text; the address is a link that does not tell the site where it came from.
    expect(page.body).toContain('&lt;script>alert(1)&lt;/script>');
    expect(page.body).not.toContain('<script>alert');
    expect(page.body).toContain('<a href="https://example.org/lab?x=1" rel="noopener noreferrer nofollow"');
    expect(textOf(page.body)).toContain('About Maya Ortiz');
    // The message's own page already counts it read: its header does not still say "1 unread".
    expect(textOf(page.body)).not.toMatch(/Messages \(\d+ unread\)/);
    expect(textOf((await lucia.get('/home')).body)).not.toMatch(/Messages \(\d+ unread\)/);

    // Everyone who did not receive it: the same 404 as a message that does not exist.
    const kim = await signedIn(zoe.guardianAccount);
    const eds = await signedIn(ed.account);
    for (const other of [kim, eds]) {
      expect((await other.get(`/messages/${id}`)).statusCode).toBe(404);
      expect((await other.post(`/messages/${id}/read`, { read: '1' })).statusCode).toBe(404);
      expect((await other.post(`/messages/${id}/archive`, { archived: '1' })).statusCode).toBe(404);
      expect((await other.post(`/messages/${id}/reply`, { body: 'hi' })).statusCode).toBe(404);
      expect((await other.get(`/messages/sent/${id}`)).statusCode).toBe(404);
    }
    for (const bad of ['abc', '0', '99999999999', String(id + 1000)]) expect((await lucia.get(`/messages/${bad}`)).statusCode).toBe(404);

    // Marks and archive.
    expect((await lucia.post(`/messages/${id}/read`, { read: '0' })).statusCode).toBe(303);
    expect(textOf((await lucia.get('/messages')).body)).toContain('Messages (1 unread)');
    expect((await lucia.post(`/messages/${id}/archive`, { archived: '1' })).statusCode).toBe(303);
    expect(textOf((await lucia.get('/messages')).body)).not.toContain('Lab day');
    expect(textOf((await lucia.get('/messages?view=archived')).body)).toContain('Lab day');

    // A reply: empty is refused at the field; one that goes reaches the teacher only.
    const empty = await lucia.post(`/messages/${id}/reply`, { body: '   ' });
    expect(empty.statusCode).toBe(400);
    expect(textOf(empty.body)).toContain('Your reply: ');
    expect((await lucia.post(`/messages/${id}/reply`, { body: 'We will.' })).statusCode).toBe(303);
    expect(textOf((await lucia.get(`/messages/${id}`)).body)).toContain('We will.');
    const ben = await signedIn(noah.guardianAccount);
    expect(textOf((await ben.get(`/messages/${id}`)).body)).not.toContain('We will.');
    const thread = textOf((await teacher.get(`/messages/sent/${id}`)).body);
    expect(thread).toContain('Lucia Ortiz (Parent or guardian)');
    expect(textOf((await teacher.get('/messages')).body)).toContain('Re: Lab day');
  });

  it('shows the current announcements of the family\'s school and the district, not another school\'s', async () => {
    const db = get().db;
    const far = await otherSchool(db, 'Far Middle School');
    const dana = await staffMember(db, world, { first: 'Dana', last: 'District', roles: [{ role: 'district_admin', schoolId: null }] });
    const kim = await signedIn(zoe.guardianAccount);
    // Read before they exist: the inbox keeps the day's announcements a while (ADR 0058), and publishing forgets them.
    expect(textOf((await kim.get('/messages')).body)).not.toContain('Picture day');
    const admin = await signedIn(dana.account);
    await admin.get('/staff/announcements');
    for (const [target, title] of [[String(world.school.id), 'Picture day'], ['district', 'Snow closure plan'], [String(far.id), 'Far school dance']] as const) {
      const res = await admin.post('/staff/announcements', { target, titleEn: title, bodyEn: 'Details inside.', titleEs: `ES ${title}`, bodyEs: 'Detalles.', start: '2027-02-09', end: '2027-02-28', intent: 'publish' });
      expect(res.statusCode, title).toBe(303);
    }
    expect((await db.selectFrom('announcements').select('id').execute()).length).toBe(3);
    const inbox = textOf((await kim.get('/messages')).body);
    expect(inbox).toContain('Picture day');
    expect(inbox).toContain('Snow closure plan');
    expect(inbox).not.toContain('Far school dance');
  });

  it('asks two statements for an inbox page with its header, whose counts stay exact and the family\'s own', async () => {
    const db = get().db;
    const count = await guardianWithChild(db, world, { student: { first: 'Ivy', last: 'Count' }, guardian: { first: 'Iris', last: 'Count' } });
    const stamp = NOW.toISOString();
    const message = async (subject: string) =>
      (
        await db
          .insertInto('messages')
          .values({ sender_account_id: rosa.account!.id, sender_name: 'Rosa Carter', sender_role: 'teacher', subject_en: subject, body_en: 'x', subject_es: null, body_es: null, audience: '{"kind":"district","readers":"guardians"}', thread_root_id: null, thread_person_kind: null, thread_person_id: null, status: 'sent', send_at: stamp, sent_at: stamp, created_at: stamp })
          .returning('id')
          .executeTakeFirstOrThrow()
      ).id;
    // 45 messages to Iris (three pages of 20, 20 and 5), every third one unread (i = 0, 3, … 42: 15), half about Ivy.
    const ids: number[] = [];
    for (let i = 0; i < 45; i++) {
      const id = await message(`Note ${i}`);
      await db.insertInto('message_recipients').values({ message_id: id, person_kind: 'guardian', person_id: count.guardian.id, student_id: i % 2 === 0 ? count.student.id : null, locale: 'en', read_at: i % 3 === 0 ? null : stamp }).execute();
      ids.push(id);
    }
    // Not Iris's to count: a message to her through a student she does not see (Zoe), and Kim's own.
    const stray = await message('Through Zoe');
    await db.insertInto('message_recipients').values({ message_id: stray, person_kind: 'guardian', person_id: count.guardian.id, student_id: zoe.student.id, locale: 'en', read_at: null }).execute();
    const kims = await message('For Kim only');
    await db.insertInto('message_recipients').values({ message_id: kims, person_kind: 'guardian', person_id: zoe.guardian.id, student_id: zoe.student.id, locale: 'en', read_at: null }).execute();
    // Her bell: one about Ivy and one about her account unread, one read, one about Zoe (not hers to see): 2.
    const notification = (key: string, studentId: number | null, readAt: string | null) => ({ account_id: count.guardianAccount!.id, key, kind: 'grade', change_event_id: null, student_id: studentId, section_id: null, params: '{}', url: '/grades', created_at: stamp, read_at: readAt });
    await db.insertInto('notifications').values([notification('t:1', count.student.id, null), notification('t:2', null, null), notification('t:3', count.student.id, stamp), notification('t:4', zoe.student.id, null)]).execute();

    const counter = new QueryCounter();
    const counted = await makeApp({ ...get(), db: db.withPlugin(counter) }, { now: () => NOW });
    try {
      const iris = new Client(counted, {}, '10.9.251.1');
      expect((await iris.submit('/sign-in', { username: count.guardianAccount!.username, password: count.guardianAccount!.password })).statusCode).toBe(303);
      const page = async (url: string) => {
        expect((await iris.get(url)).statusCode).toBe(200); // warms the short caches (the district's 5 s, the announcements' 30 s)
        counter.count = 0;
        const res = await iris.get(url);
        expect(res.statusCode, url).toBe(200);
        return { statements: counter.count, text: textOf(res.body) };
      };
      // The session with the students she may see and both counts (ADR 0070), and the page's rows (BENCHMARKS.md: 6 before, page 1).
      for (const [url, first, last] of [['/messages', 44, 25], ['/messages?page=2', 24, 5], ['/messages?page=3', 4, 0]] as const) {
        const shown = await page(url);
        expect(shown.statements, url).toBe(2);
        expect(shown.text).toContain('Messages (15 unread)');
        expect(shown.text).toContain('Notifications (2 unread)');
        expect(shown.text).toContain(`Note ${first}`);
        expect(shown.text).toContain(`Note ${last}`);
        expect(shown.text).not.toContain('Through Zoe');
        expect(shown.text).not.toContain('For Kim only');
      }
      // A page past the end has no rows: the counts came with the session all the same.
      const past = await page('/messages?page=4');
      expect(past.statements).toBe(2);
      expect(past.text).toContain('Messages (15 unread)');
      expect(past.text).toContain('Notifications (2 unread)');
      // Exact at the next page after a message is read, and after one is marked unread again.
      expect((await iris.post(`/messages/${ids[0]}/read`, { read: '1' })).statusCode).toBe(303);
      expect((await page('/messages')).text).toContain('Messages (14 unread)');
      expect((await iris.post(`/messages/${ids[1]}/read`, { read: '0' })).statusCode).toBe(303);
      expect((await iris.post(`/messages/${ids[2]}/read`, { read: '0' })).statusCode).toBe(303);
      expect((await page('/messages?page=2')).text).toContain('Messages (16 unread)');
      // Another family's message is not hers to mark.
      expect((await iris.post(`/messages/${kims}/read`, { read: '1' })).statusCode).toBe(404);
    } finally {
      await counted.close();
    }
  });

  it('answers 404 to families when the district turns Messages off', async () => {
    await get().db.updateTable('district').set({ settings: JSON.stringify({ tools: { messages: false } }) }).execute();
    const off = await makeApp(get(), { now: () => NOW });
    try {
      const c = new Client(off, {}, '10.9.200.1');
      await c.submit('/sign-in', { username: maya.guardianAccount!.username, password: maya.guardianAccount!.password });
      expect((await c.get('/messages')).statusCode).toBe(404);
      expect(textOf((await c.get('/home')).body)).not.toContain('Messages');
    } finally {
      await off.close();
      await get().db.updateTable('district').set({ settings: '{}' }).execute();
    }
  });
});
