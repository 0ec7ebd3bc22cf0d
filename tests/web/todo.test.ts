/**
 * To Do (issue 21): the list computed from the gradebook, per student and across a guardian's children,
 * on both engines. Every expectation comes from the fixture below.
 *
 * Tuesday 9 February 2027, noon in Chicago; the next 7 days run to Tuesday the 16th. Lucia Ortiz has two
 * children, Maya (born 2010) and Leo (born 2012), both in Biology:
 *   - Lab report, due Thu 11th: nothing entered for either → "due soon" for both;
 *   - Quiz 3, due Fri 12th: Maya scored 8, Leo nothing → due for Leo only;
 *   - Poster, due Wed 10th: Maya exempt → due for Leo only;
 *   - Essay, due Fri 5th: Maya marked missing → "missing" for Maya; Leo scored 9 → nothing;
 *   - Old homework, due Mon 1st: Leo marked missing and dropped by the teacher → nothing (ADR 0025);
 *   - Worksheet, due Sat 20th: beyond the 7 days → nothing;
 *   - Draft, due Wed 10th, not published → nothing.
 * The Kims' Jin is in Chemistry only, with "Titration" due Mon 15th.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { makeApp } from '../support/app.js';
import { describeEachEngine } from '../support/db.js';
import { guardianWithChild, schoolYear, sectionWithGradebook, type AccountFixture, type Family, type SectionFixture } from '../support/factories.js';
import { Client } from '../support/http.js';

const TODAY = '2027-02-09';

describeEachEngine('to do', (get) => {
  let app: FastifyInstance;
  let maya: Family;
  let leo: Family;
  let kim: Family;
  let marco: Family;
  let biology: SectionFixture;
  let address = 0;

  beforeAll(async () => {
    const db = get().db;
    const world = await schoolYear(db, { today: TODAY });
    maya = await guardianWithChild(db, world, { student: { first: 'Maya', last: 'Ortiz', birthDate: '2010-03-14' }, guardian: { first: 'Lucia', last: 'Ortiz' }, email: 'lucia@fixture.example.com' });
    leo = await guardianWithChild(db, world, { student: { first: 'Leo', last: 'Ortiz', birthDate: '2012-06-01', grade: 9 }, guardian: { first: 'Unused', last: 'Ortiz' }, accounts: 'student' });
    // Lucia is Leo's mother too.
    await db.insertInto('student_guardians').values({ student_id: leo.student.id, guardian_id: maya.guardian.id, relationship: 'Mother', portal_access: 1, rights_revoked: 0, created_at: '2027-01-01T00:00:00Z', updated_at: '2027-01-01T00:00:00Z', updated_by: null }).execute();
    kim = await guardianWithChild(db, world, { student: { first: 'Jin', last: 'Kim' }, guardian: { first: 'Sun', last: 'Kim' } });
    // Maya's father: linked, without portal access.
    marco = await guardianWithChild(db, world, { child: maya.student, guardian: { first: 'Marco', last: 'Ortiz' }, portalAccess: false, accounts: 'guardian' });
    const a = (title: string, due: string, published = true) => ({ title, category: 'Work', quarter: 'Q3' as const, due, possible: 10, published });
    biology = await sectionWithGradebook(db, world, {
      course: { code: 'SCI301', title: 'Biology' },
      period: '2',
      categories: [{ name: 'Work', weight: null }],
      assignments: [a('Lab report', '2027-02-11'), a('Quiz 3', '2027-02-12'), a('Poster', '2027-02-10'), a('Essay', '2027-02-05'), a('Old homework', '2027-02-01'), a('Worksheet', '2027-02-20'), a('Draft', '2027-02-10', false)],
      students: [{ student: maya.student }, { student: leo.student }],
      scores: [
        { student: maya.student, assignment: 'Quiz 3', points: 8 },
        { student: maya.student, assignment: 'Poster', exempt: true },
        { student: maya.student, assignment: 'Essay', missing: true },
        { student: leo.student, assignment: 'Essay', points: 9 },
        { student: leo.student, assignment: 'Old homework', missing: true, dropped: true },
      ],
    });
    await sectionWithGradebook(db, world, {
      course: { code: 'SCI401', title: 'Chemistry' },
      period: '3',
      categories: [{ name: 'Work', weight: null }],
      assignments: [a('Titration', '2027-02-15')],
      students: [{ student: kim.student }],
    });
    app = await makeApp(get(), { now: () => new Date(`${TODAY}T18:00:00Z`) });
  });
  afterAll(() => app.close());

  const signedIn = async (who: AccountFixture | null) => {
    const c = new Client(app, {}, `10.7.${Math.floor(++address / 250)}.${address % 250}`);
    expect((await c.submit('/sign-in', { username: who!.username, password: who!.password })).statusCode).toBe(303);
    await c.get('/home');
    return c;
  };
  /** The items of a page as "title · kind · due", in order, per heading (h2) or for the whole page. */
  const items = (html: string) =>
    [...html.matchAll(/<li class="margin-bottom-2"><a href="([^"]+)">([^<]+)<\/a><p class="hr-post__meta">([^<]+)<\/p>/g)].map((m) => `${m[2]} | ${m[3]} | ${m[1]}`);
  const sections = (html: string) =>
    Object.fromEntries([...html.matchAll(/<h2 id="todo-[^"]+">([^<]+)<\/h2>([\s\S]*?)<\/section>/g)].map((m) => [m[1], items(m[2]!)]));
  const grades = (f: Family) => `/students/${f.student.id}/grades/${biology.id}`;

  it('lists a guardian’s children one after another, each with work due in the next 7 days and missing work', async () => {
    const lucia = await signedIn(maya.guardianAccount);
    const page = await lucia.get('/todo');
    expect(page.statusCode).toBe(200);
    expect(sections(page.body)).toEqual({
      'Maya Ortiz': [`Essay · Biology | Missing · due Fri, February 5, 2027 | ${grades(maya)}`, `Lab report · Biology | Due soon · due Thu, February 11, 2027 | ${grades(maya)}`],
      'Leo Ortiz': [
        `Poster · Biology | Due soon · due Wed, February 10, 2027 | ${grades(leo)}`,
        `Lab report · Biology | Due soon · due Thu, February 11, 2027 | ${grades(leo)}`,
        `Quiz 3 · Biology | Due soon · due Fri, February 12, 2027 | ${grades(leo)}`,
      ],
    });
    // One child's page has that child only; Spanish reads the same list.
    expect(items((await lucia.get(`/students/${leo.student.id}/todo`)).body)).toHaveLength(3);
    await lucia.get('/lang/es');
    const es = (await lucia.get('/todo')).body;
    expect(es).toContain('Falta · vence el');
    expect(es).toContain('<h1>Pendientes</h1>');
  });

  it('a student has their own list; an unrelated family sees nothing of it; a done item leaves by itself', async () => {
    const leoClient = await signedIn(leo.studentAccount);
    expect(items((await leoClient.get('/todo')).body).map((i) => i.split(' | ')[0])).toEqual(['Poster · Biology', 'Lab report · Biology', 'Quiz 3 · Biology']);
    const sun = await signedIn(kim.guardianAccount);
    const theirs = (await sun.get('/todo')).body;
    expect(items(theirs).map((i) => i.split(' | ')[0])).toEqual(['Titration · Chemistry']);
    expect(theirs).not.toContain('Biology');
    expect((await sun.get(`/students/${leo.student.id}/todo`)).statusCode).toBe(404);
    // A link without portal access reads nothing of the child.
    const marcoClient = await signedIn(marco.guardianAccount);
    const his = await marcoClient.get('/todo');
    expect(his.statusCode).toBe(200);
    expect(his.body).not.toContain('Biology');
    expect(his.body).toContain('Nothing to do right now.');
    expect((await marcoClient.get(`/students/${maya.student.id}/todo`)).statusCode).toBe(404);

    // The teacher enters Leo's lab report: it leaves his list, nothing else changes.
    const db = get().db;
    const lab = await db.selectFrom('assignments').select('id').where('title', '=', 'Lab report').executeTakeFirstOrThrow();
    await db.insertInto('assignment_scores').values({ assignment_id: lab.id, student_id: leo.student.id, points: 7, comment: null, created_at: '2027-02-09T17:00:00Z', updated_at: '2027-02-09T17:00:00Z', updated_by: null }).execute();
    expect(items((await leoClient.get('/todo')).body).map((i) => i.split(' | ')[0])).toEqual(['Poster · Biology', 'Quiz 3 · Biology']);

    // The district turns the tool off: gone, and gone from the header.
    await db.updateTable('district').set({ settings: JSON.stringify({ tools: { todo: false } }) }).execute();
    app.services.districts.invalidate();
    expect((await leoClient.get('/todo')).statusCode).toBe(404);
    expect((await leoClient.get(`/students/${leo.student.id}/todo`)).statusCode).toBe(404);
    expect((await leoClient.get(`/students/${leo.student.id}/today`)).body).not.toContain('href="/todo"');
    await db.updateTable('district').set({ settings: '{}' }).execute();
    app.services.districts.invalidate();
  });
});
