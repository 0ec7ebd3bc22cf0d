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
    const stamp = NOW.toISOString();
    for (const [schoolId, title] of [[world.school.id, 'Picture day'], [null, 'Snow closure plan'], [far.id, 'Far school dance']] as const) {
      const { id } = await db.insertInto('announcements').values({ school_id: schoolId, start_date: '2027-02-01', end_date: '2027-02-28', created_at: stamp, updated_at: stamp, updated_by: null }).returning('id').executeTakeFirstOrThrow();
      await db.insertInto('announcement_texts').values([{ announcement_id: id, locale: 'en', title, body: 'Details inside.' }, { announcement_id: id, locale: 'es', title: `ES ${title}`, body: 'Detalles.' }]).execute();
    }
    const kim = await signedIn(zoe.guardianAccount);
    const inbox = textOf((await kim.get('/messages')).body);
    expect(inbox).toContain('Picture day');
    expect(inbox).toContain('Snow closure plan');
    expect(inbox).not.toContain('Far school dance');
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
