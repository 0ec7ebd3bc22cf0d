/**
 * Issue 23, first screens: a student's Home is their Today with every tool one tap away; a parent's Home
 * shows each child as a card with the grades now (class, letter, percent), today's attendance and how
 * many items need attention.
 *
 * The fixture (the factories' school year, read on Thursday Dec 3 2026 at noon in Chicago, Quarter 2):
 * Maya Ortiz, grade 11, English 11 with one category (Essays, 100 %): an essay 40/50 due Nov 20 and a
 * missing 10-point essay due Dec 1, so 40/60 = 66.67 % → D (60–70); absent all day today, not explained.
 * Needs attention: the missing essay and today's unexplained absence = 2. Her brother Leo, grade 7, has
 * no class: nothing needs attention, no absence recorded.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { makeApp } from '../support/app.js';
import { describeEachEngine } from '../support/db.js';
import { attendance, guardianWithChild, link, schoolYear, sectionWithGradebook, student, type AccountFixture, type Family, type StudentFixture } from '../support/factories.js';
import { textOf, textsOfClass } from '../support/html.js';
import { Client } from '../support/http.js';

describeEachEngine('the family side’s first screens', (get) => {
  let app: FastifyInstance;
  let family: Family;
  let leo: StudentFixture;

  beforeAll(async () => {
    const db = get().db;
    const world = await schoolYear(db, { today: '2026-12-03' });
    family = await guardianWithChild(db, world, { student: { first: 'Maya', last: 'Ortiz', grade: 11 }, guardian: { first: 'Lucia', last: 'Ortiz' } });
    leo = await student(db, world, { first: 'Leo', last: 'Ortiz', grade: 7 });
    await link(db, leo, family.guardian);
    const maya = family.student;
    await sectionWithGradebook(db, world, {
      course: { code: 'ENG11', title: 'English 11' },
      period: '1',
      teacher: { first: 'Daniel', last: 'Brooks' },
      categories: [{ name: 'Essays', weight: 100 }],
      assignments: [
        { title: 'Essay: Hamlet', category: 'Essays', quarter: 'Q2', due: '2026-11-20', possible: 50 },
        { title: 'Essay: Macbeth', category: 'Essays', quarter: 'Q2', due: '2026-12-01', possible: 10 },
      ],
      students: [{ student: maya }],
      scores: [
        { student: maya, assignment: 'Essay: Hamlet', points: 40 },
        { student: maya, assignment: 'Essay: Macbeth', points: null, missing: true },
      ],
    });
    await attendance(db, world, maya, [{ date: '2026-12-03', code: 'A-UNK' }]);
    app = await makeApp(get(), { now: () => new Date('2026-12-03T18:00:00Z') });
  });
  afterAll(() => app?.close());

  let address = 0;
  const signedIn = async (who: AccountFixture | null, lang = 'en') => {
    if (!who) throw new Error('no account');
    const c = new Client(app, { 'accept-language': lang }, `10.23.8.${++address}`);
    const res = await c.submit('/sign-in', { username: who.username, password: who.password });
    expect(res.statusCode).toBe(303);
    return c;
  };
  const home = async (c: Client) => {
    const res = await c.get('/home');
    expect(res.statusCode).toBe(200);
    return res.body;
  };

  it('shows a parent each child as a card: grades now, today’s attendance, what needs attention', async () => {
    const parent = await signedIn(family.guardianAccount);
    const cards = textsOfClass(await home(parent), 'li', 'hr-child');
    expect(cards).toHaveLength(2);
    const [maya, leoCard] = cards as [string, string];
    expect(maya).toContain('Maya Ortiz');
    expect(maya).toContain('2 items need attention');
    expect(maya).toContain('Attendance today: Absent: All day (Not explained yet)');
    expect(maya).toContain('Grades now: Quarter 2');
    expect(maya).toContain('English 11 D 66.67%');
    expect(leoCard).toContain('Leo Ortiz');
    expect(leoCard).toContain('Nothing needs attention');
    expect(leoCard).toContain('Attendance today: no absence or tardy recorded');
    expect(leoCard).toContain('No class has begun yet.');
    // Each card links to the child's Today and to every tool the district shows.
    const html = await home(parent);
    expect(html).toContain(`href="/students/${family.student.id}/today#attention-heading"`);
    expect(html).toContain(`href="/students/${leo.id}/immunizations"`);
  });

  it('in Spanish too', async () => {
    const padre = await signedIn(family.guardianAccount, 'es');
    const [maya] = textsOfClass(await home(padre), 'li', 'hr-child') as [string];
    expect(maya).toContain('2 asuntos requieren atención');
    expect(maya).toContain('Asistencia de hoy: Ausente: Todo el día');
    expect(maya).toContain('English 11 D 66.67%'); // the portal's Spanish is es-US: a decimal point
  });

  it('shows a student their Today as Home, with every tool one tap away', async () => {
    const maya = await signedIn(family.studentAccount);
    const page = await home(maya);
    const text = textOf(page);
    expect(text).toContain('Needs attention');
    expect(text).toContain('English 11: Essay: Macbeth');
    const tools = ['today', 'calendar', 'schedule', 'assignments', 'grades', 'attendance', 'report-cards', 'transcript', 'immunizations', 'documents'];
    for (const tool of tools) expect(page).toContain(`href="/students/${family.student.id}/${tool}"`);
  });
});
