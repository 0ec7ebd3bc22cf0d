/**
 * A teacher's reply threads by section (issue 21, ADR 0042): each family's private thread under the
 * teacher's messages, in the section of its student, with unread counts; a section filter; nobody else's
 * threads; families have no such page.
 *
 * Rosa Carter teaches Biology (Maya Ortiz, mother Lucia; Noah Reed, father Ben) and Chemistry (Zoe Park,
 * mother Kim). Ed Moss teaches Art to Zoe.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { makeApp } from '../support/app.js';
import { describeEachEngine } from '../support/db.js';
import { guardianWithChild, schoolYear, sectionWithGradebook, staffMember, teachSection, type AccountFixture, type Family, type SectionFixture, type StaffFixture } from '../support/factories.js';
import { textOf } from '../support/html.js';
import { Client } from '../support/http.js';
import { runJobs } from '../support/jobs.js';

const NOW = new Date('2027-02-09T18:00:00Z');

describeEachEngine('Reply threads by section', (get) => {
  let app: FastifyInstance;
  let maya: Family;
  let noah: Family;
  let zoe: Family;
  let biology: SectionFixture;
  let chemistry: SectionFixture;
  let rosa: StaffFixture;
  let ed: StaffFixture;
  let address = 0;

  beforeAll(async () => {
    const db = get().db;
    const world = await schoolYear(db);
    maya = await guardianWithChild(db, world, { student: { first: 'Maya', last: 'Ortiz' }, guardian: { first: 'Lucia', last: 'Ortiz' } });
    noah = await guardianWithChild(db, world, { student: { first: 'Noah', last: 'Reed' }, guardian: { first: 'Ben', last: 'Reed' } });
    zoe = await guardianWithChild(db, world, { student: { first: 'Zoe', last: 'Park' }, guardian: { first: 'Kim', last: 'Park' } });
    biology = await sectionWithGradebook(db, world, { course: { code: 'BIO', title: 'Biology' }, period: '1', teacher: null, students: [{ student: maya.student }, { student: noah.student }] });
    chemistry = await sectionWithGradebook(db, world, { course: { code: 'CHEM', title: 'Chemistry' }, period: '2', teacher: null, students: [{ student: zoe.student }] });
    const art = await sectionWithGradebook(db, world, { course: { code: 'ART', title: 'Art' }, period: '3', teacher: null, students: [{ student: zoe.student }] });
    rosa = await staffMember(db, world, { first: 'Rosa', last: 'Carter', roles: [{ role: 'teacher' }] });
    await teachSection(db, rosa, biology, { primary: true });
    await teachSection(db, rosa, chemistry, { primary: true });
    ed = await staffMember(db, world, { first: 'Ed', last: 'Moss', roles: [{ role: 'teacher' }] });
    await teachSection(db, ed, art, { primary: true });
    app = await makeApp(get(), { now: () => NOW });
  });
  afterAll(async () => {
    await app?.close();
  });

  const signedIn = async (who: AccountFixture | null, headers: Record<string, string> = {}) => {
    const c = new Client(app, headers, `10.7.${Math.floor(++address / 250)}.${address % 250}`);
    expect((await c.submit('/sign-in', { username: who!.username, password: who!.password })).statusCode).toBe(303);
    await c.get('/home');
    return c;
  };
  const send = async (teacher: Client, section: SectionFixture, subject: string) => {
    await teacher.get('/messages/new');
    const res = await teacher.post('/messages/new', { kind: 'sections', sectionIds: String(section.id), readers: 'guardians', subjectEn: subject, bodyEn: 'Questions welcome.', action: 'send' });
    expect(res.statusCode).toBe(303);
    return Number(/\/messages\/sent\/(\d+)/.exec(String(res.headers.location))?.[1]);
  };
  const answer = async (family: Client, id: number, body: string) => {
    await family.get(`/messages/${id}`);
    expect((await family.post(`/messages/${id}/reply`, { body })).statusCode).toBe(303);
  };

  it('groups the threads by section with unread counts, filters, and shows them to nobody else', async () => {
    const teacher = await signedIn(rosa.account);
    expect(textOf((await teacher.get('/messages/threads')).body)).toContain('No one has replied to your messages yet.');
    const lab = await send(teacher, biology, 'Lab day');
    const test = await send(teacher, chemistry, 'Test on Friday');
    await runJobs(get(), () => NOW);
    const lucia = await signedIn(maya.guardianAccount);
    const ben = await signedIn(noah.guardianAccount);
    const kim = await signedIn(zoe.guardianAccount);
    await answer(lucia, lab, 'Maya will bring goggles.');
    await answer(lucia, lab, 'And gloves.');
    await answer(ben, lab, 'Noah is sick that day.');
    await answer(kim, test, 'Can Zoe take it Monday?');

    const all = textOf((await teacher.get('/messages/threads')).body);
    expect(all).toContain(`Biology (${biology.sectionCode}) · 3 unread`);
    expect(all).toContain(`Chemistry (${chemistry.sectionCode}) · 1 unread`);
    expect(all).toContain('Threads: 2. Unread: 3.');
    expect(all).toContain('Threads: 1. Unread: 1.');
    expect(all).toContain('Lucia Ortiz (Parent or guardian)');
    expect(all.indexOf(`Biology (${biology.sectionCode})`)).toBeLessThan(all.indexOf(`Chemistry (${chemistry.sectionCode})`));

    const chem = await teacher.get(`/messages/threads?section=${chemistry.id}`);
    expect(textOf(chem.body)).toContain('Kim Park (Parent or guardian)');
    expect(textOf(chem.body)).not.toContain('Lucia Ortiz');
    // A section that is not the teacher's shows every thread, nothing of anyone else's.
    for (const q of ['?section=999999', '?section=abc', '?section=']) {
      const res = await teacher.get(`/messages/threads${q}`);
      expect(res.statusCode).toBe(200);
      expect(textOf(res.body)).toContain('Kim Park');
    }

    // Reading Lucia's thread (its latest message) leaves one unread of hers in Biology.
    const link = /href="\/messages\/(\d+)"[^>]*>Lab day</.exec((await teacher.get(`/messages/threads?section=${biology.id}`)).body);
    expect(link).not.toBeNull();
    await teacher.get(`/messages/${link![1]}`);
    const after = textOf((await teacher.get('/messages/threads')).body);
    expect(after).toContain(`Biology (${biology.sectionCode}) · 2 unread`);

    // Another teacher sees none of it; families have no such page.
    expect(textOf((await (await signedIn(ed.account)).get('/messages/threads')).body)).toContain('No one has replied to your messages yet.');
    expect((await lucia.get('/messages/threads')).statusCode).toBe(404);
    expect((await (await signedIn(maya.studentAccount)).get('/messages/threads')).statusCode).toBe(404);

    const es = await signedIn(rosa.account, { 'accept-language': 'es' });
    expect(textOf((await es.get('/messages/threads')).body)).toContain('Respuestas por sección');
  });
});
