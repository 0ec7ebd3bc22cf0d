/**
 * A district whose gradebook comes from its SIS (gradebookSource 'sis', ADR 0027): the teacher's
 * gradebook says so, in English and Spanish, and refuses every change — the grid, a column, a bulk
 * action, a new assignment, a category — with that message and a 409, writing nothing.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { makeApp } from '../support/app.js';
import { describeEachEngine } from '../support/db.js';
import { schoolYear, sectionWithGradebook, staffMember, student, teachSection, type SectionFixture, type StaffFixture, type StudentFixture, type World } from '../support/factories.js';
import { Client } from '../support/http.js';

const TODAY = '2027-02-09';

describeEachEngine('a gradebook that comes from the SIS', (get) => {
  let app: FastifyInstance;
  let world: World;
  let biology: SectionFixture;
  let rosa: StaffFixture;
  let leo: StudentFixture;

  beforeAll(async () => {
    const db = get().db;
    world = await schoolYear(db, { today: TODAY });
    leo = await student(db, world, { first: 'Leo', last: 'Ortiz', grade: 9 });
    biology = await sectionWithGradebook(db, world, {
      course: { code: 'SCI301', title: 'Biology' },
      period: '2',
      method: 'weighted',
      categories: [{ name: 'Homework', weight: 100 }],
      assignments: [{ title: 'HW 1', category: 'Homework', quarter: 'Q3', due: '2027-01-20', possible: 10 }],
      students: [{ student: leo }],
      scores: [{ student: leo, assignment: 'HW 1', points: 8 }],
    });
    rosa = await staffMember(db, world, { first: 'Rosa', last: 'Marquez', roles: [{ role: 'teacher' }] });
    await teachSection(db, rosa, biology, { primary: true });
    const district = await db.selectFrom('district').select(['id', 'settings']).executeTakeFirstOrThrow();
    await db.updateTable('district').set({ settings: JSON.stringify({ ...JSON.parse(district.settings), gradebookSource: 'sis' }) }).where('id', '=', district.id).execute();
    app = await makeApp(get(), { now: () => new Date(`${TODAY}T18:00:00Z`) });
  });
  afterAll(() => app.close());

  const grid = () => `/staff/classes/${biology.id}/gradebook?period=${world.terms.Q3.id}`;
  const base = () => `/staff/classes/${biology.id}/gradebook`;
  const everything = async () => ({
    scores: await get().db.selectFrom('assignment_scores').selectAll().orderBy('id').execute(),
    assignments: await get().db.selectFrom('assignments').selectAll().orderBy('id').execute(),
    categories: await get().db.selectFrom('grading_categories').selectAll().orderBy('id').execute(),
    events: await get().db.selectFrom('change_events').selectAll().execute(),
  });

  it('says where the gradebook comes from and refuses every change, in English and Spanish', async () => {
    const c = new Client(app, {}, '10.7.0.1');
    expect((await c.submit('/sign-in', { username: rosa.account!.username, password: rosa.account!.password })).statusCode).toBe(303);
    const page = await c.get(grid());
    expect(page.statusCode).toBe(200);
    expect(page.body).toMatch(/usa-alert--info[^>]*role="status"[\s\S]{0,200}This gradebook comes from the district’s student information system/);
    const before = await everything();
    const period = `?period=${world.terms.Q3.id}`;
    const hw1 = biology.assignments['HW 1'];
    const attempts: [string, Record<string, string>][] = [
      [grid(), { [`p_${leo.id}_${hw1}`]: '10', assignments: String(hw1), [`o_${leo.id}`]: '1:8' }],
      [`${base()}/assignments/${hw1}${period}`, { [`p_${leo.id}_${hw1}`]: '10' }],
      [`${base()}/assignments/${hw1}/fill${period}`, { points: '10' }],
      [`${base()}/assignments/${hw1}/missing${period}`, {}],
      [`${base()}/assignments/new${period}`, { title: 'New work', category: String(biology.categories.Homework), due: '2027-02-10', possible: '10' }],
      [`${base()}/assignments/${hw1}/delete${period}`, {}],
      [`${base()}/categories${period}`, { name: 'Quizzes', weight: '10' }],
    ];
    for (const [url, fields] of attempts) {
      const res = await c.post(url, fields);
      expect([url, res.statusCode]).toEqual([url, 409]);
      expect(res.body).toContain('Nothing was changed: the district keeps its gradebook in its student information system.');
    }
    expect(await everything()).toEqual(before);

    await c.post('/lang/es', { next: grid() });
    expect((await c.get(grid())).body).toContain('Este libro de calificaciones viene del sistema de información estudiantil del distrito');
    const es = await c.post(`${base()}/assignments/${hw1}/fill${period}`, { points: '10' });
    expect(es.statusCode).toBe(409);
    expect(es.body).toContain('No se cambió nada: el distrito lleva su libro de calificaciones en su sistema de información estudiantil.');
    expect(await everything()).toEqual(before);
  });
});
