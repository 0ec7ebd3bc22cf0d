/**
 * A student of 18 or older is asked whether their guardians keep receiving messages about them (issue
 * 21, ADR 0042). Until they answer, the district's rule applies; their answer then decides delivery (and,
 * where the district ends access at 18, reading) of messages about them, in both directions.
 *
 * Rosa Carter teaches Biology: Ava Lind, 18 since yesterday (mother Gail), and Maya Ortiz, 14 (mother Lucia).
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

describeEachEngine('A student of 18 or older is asked', (get) => {
  let app: FastifyInstance;
  let ava: Family;
  let maya: Family;
  let biology: SectionFixture;
  let rosa: StaffFixture;
  let address = 0;

  beforeAll(async () => {
    const db = get().db;
    const world = await schoolYear(db);
    ava = await guardianWithChild(db, world, { adult: true, student: { first: 'Ava', last: 'Lind' }, guardian: { first: 'Gail', last: 'Lind' } });
    maya = await guardianWithChild(db, world, { student: { first: 'Maya', last: 'Ortiz' }, guardian: { first: 'Lucia', last: 'Ortiz' } });
    biology = await sectionWithGradebook(db, world, { course: { code: 'BIO', title: 'Biology' }, period: '1', teacher: null, students: [{ student: ava.student }, { student: maya.student }] });
    rosa = await staffMember(db, world, { first: 'Rosa', last: 'Carter', roles: [{ role: 'teacher' }] });
    await teachSection(db, rosa, biology, { primary: true });
    app = await makeApp(get(), { now: () => NOW });
  });
  afterAll(async () => {
    await app?.close();
  });

  const signedIn = async (on: FastifyInstance, who: AccountFixture | null, headers: Record<string, string> = {}) => {
    const c = new Client(on, headers, `10.6.${Math.floor(++address / 250)}.${address % 250}`);
    expect((await c.submit('/sign-in', { username: who!.username, password: who!.password })).statusCode).toBe(303);
    await c.get('/home');
    return c;
  };
  /** Sends to the section's guardians; the preview's count, and who received it. */
  const send = async (on: FastifyInstance, subject: string) => {
    const teacher = await signedIn(on, rosa.account);
    await teacher.get('/messages/new');
    const form = { kind: 'sections', sectionIds: String(biology.id), readers: 'guardians', subjectEn: subject, bodyEn: 'Details.' };
    const preview = textOf((await teacher.post('/messages/new', { ...form, action: 'preview' })).body);
    const res = await teacher.post('/messages/new', { ...form, action: 'send' });
    const id = Number(/\/messages\/sent\/(\d+)/.exec(String(res.headers.location))?.[1]);
    await runJobs(get(), () => NOW);
    const rows = await get().db.selectFrom('message_recipients').select('person_id').where('message_id', '=', id).where('person_kind', '=', 'guardian').orderBy('person_id').execute();
    return { id, preview, guardians: rows.map((r) => r.person_id) };
  };
  const both = () => [ava.guardian.id, maya.guardian.id].sort((a, b) => a - b);

  it('asks, keeps the district rule until the answer, then follows it both ways', async () => {
    // The district keeps guardians' access at 18 (its default): Gail receives until Ava answers.
    const first = await send(app, 'Lab day');
    expect(first.guardians).toEqual(both());
    const avaC = await signedIn(app, ava.studentAccount);
    const inbox = textOf((await avaC.get('/messages')).body);
    expect(inbox).toContain('You are 18 or older. Should your parents and guardians keep receiving the school’s messages about you?');
    expect(inbox).toContain('Until you answer, they do');
    // A younger student is not asked, and nobody else may answer.
    const mayaC = await signedIn(app, maya.studentAccount);
    expect(textOf((await mayaC.get('/messages')).body)).not.toContain('You are 18 or older');
    expect((await mayaC.post('/messages/guardians', { guardiansReceive: 'no' })).statusCode).toBe(404);
    const lucia = await signedIn(app, maya.guardianAccount);
    expect((await lucia.post('/messages/guardians', { guardiansReceive: 'no' })).statusCode).toBe(404);
    // An answer that is neither: a message at the field, nothing saved.
    await avaC.get('/messages');
    const bad = await avaC.post('/messages/guardians', { guardiansReceive: 'maybe' });
    expect(bad.statusCode).toBe(400);
    expect(textOf(bad.body)).toContain('Choose yes or no.');
    expect(await get().db.selectFrom('message_adult_choices').selectAll().execute()).toEqual([]);

    // "No": Gail no longer receives messages about Ava; the preview counts it too.
    expect((await avaC.post('/messages/guardians', { guardiansReceive: 'no' })).statusCode).toBe(303);
    expect(textOf((await avaC.get('/messages?done=answered')).body)).toContain('Your answer: your parents and guardians do not receive');
    const second = await send(app, 'Test on Friday');
    expect(second.preview).toContain('1 people will receive it');
    expect(second.guardians).toEqual([maya.guardian.id]);
    const audit = await get().db.selectFrom('audit_log').select(['action', 'subject_id']).where('action', '=', 'message.adult_choice').execute();
    expect(audit).toEqual([{ action: 'message.adult_choice', subject_id: ava.student.id }]);

    // The district ends guardians' access at 18: until Ava answers yes, Gail receives nothing about her.
    await get().db.deleteFrom('message_adult_choices').execute();
    await get().db.updateTable('district').set({ settings: JSON.stringify({ guardiansKeepAccessAt18: false }) }).execute();
    const ends = await makeApp(get(), { now: () => NOW });
    try {
      const third = await send(ends, 'Field trip');
      expect(third.guardians).toEqual([maya.guardian.id]);
      const avaE = await signedIn(ends, ava.studentAccount, { 'accept-language': 'es' });
      expect(textOf((await avaE.get('/messages')).body)).toContain('Hasta que responda, no los reciben');
      expect((await avaE.post('/messages/guardians', { guardiansReceive: 'yes' })).statusCode).toBe(303);
      const fourth = await send(ends, 'Science fair');
      expect(fourth.guardians).toEqual(both());
      const gail = await signedIn(ends, ava.guardianAccount);
      expect((await gail.get(`/messages/${fourth.id}`)).statusCode).toBe(200);
      expect(textOf((await gail.get('/messages')).body)).toContain('Science fair');
      // Ava changes her mind: what was delivered about her is no longer Gail's to read.
      await avaE.get('/messages');
      expect((await avaE.post('/messages/guardians', { guardiansReceive: 'no' })).statusCode).toBe(303);
      expect((await gail.get(`/messages/${fourth.id}`)).statusCode).toBe(404);
    } finally {
      await ends.close();
      await get().db.updateTable('district').set({ settings: '{}' }).execute();
    }
  });
});
