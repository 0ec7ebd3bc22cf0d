/**
 * Issue 23, "the trend chart starts at 0 %": the grade trend starts at the first graded work of the
 * period, not at a leading missing or unscored one, and its caption says from when.
 *
 * The fixture, on Tuesday 9 February 2027 (Quarter 3, from Jan 5): Maya's Ceramics, a points class.
 *   Warm-up    Wed Jan 13  10 points  missing (a zero, but nothing graded yet)
 *   Notes      Fri Jan 15  10 points  not scored
 *   Worksheet  Wed Jan 20  10 points  8
 *   Project    Wed Feb 3   20 points  18
 * First graded work: Worksheet, Wed Jan 20. Then each Friday after it, and today:
 *   Jan 20, 22, 29: (0 + 8) / (10 + 10) = 40 % → F;  Feb 5 and Feb 9: (0 + 8 + 18) / 40 = 65 % → D.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { makeApp } from '../support/app.js';
import { describeEachEngine } from '../support/db.js';
import { guardianWithChild, schoolYear, sectionWithGradebook, type Family, type SectionFixture, type World } from '../support/factories.js';
import { tableRows, textOf } from '../support/html.js';
import { Client } from '../support/http.js';

const TODAY = '2027-02-09';

describeEachEngine('the grade trend starts at the first graded work', (get) => {
  let app: FastifyInstance;
  let world: World;
  let family: Family;
  let ceramics: SectionFixture;

  beforeAll(async () => {
    const db = get().db;
    world = await schoolYear(db, { today: TODAY });
    family = await guardianWithChild(db, world, { student: { first: 'Maya', last: 'Ortiz', grade: 11 }, guardian: { first: 'Lucia', last: 'Ortiz' } });
    const maya = family.student;
    ceramics = await sectionWithGradebook(db, world, {
      course: { code: 'ART210', title: 'Ceramics' },
      period: '4',
      teacher: { first: 'Jonah', last: 'Pike' },
      terms: ['S2'],
      method: 'points',
      categories: [{ name: 'Classwork', weight: null }],
      assignments: [
        { title: 'Warm-up', category: 'Classwork', quarter: 'Q3', due: '2027-01-13', possible: 10 },
        { title: 'Notes', category: 'Classwork', quarter: 'Q3', due: '2027-01-15', possible: 10 },
        { title: 'Worksheet', category: 'Classwork', quarter: 'Q3', due: '2027-01-20', possible: 10 },
        { title: 'Project', category: 'Classwork', quarter: 'Q3', due: '2027-02-03', possible: 20 },
      ],
      students: [{ student: maya }],
      scores: [
        { student: maya, assignment: 'Warm-up', missing: true },
        { student: maya, assignment: 'Worksheet', points: 8 },
        { student: maya, assignment: 'Project', points: 18 },
      ],
    });
    app = await makeApp(get(), { now: () => new Date(`${TODAY}T18:00:00Z`) });
  });
  afterAll(() => app?.close());

  const reader = async (lang: string) => {
    const c = new Client(app, { 'accept-language': lang }, `10.23.3.${lang === 'es' ? 2 : 1}`);
    const res = await c.submit('/sign-in', { username: family.guardianAccount!.username, password: family.guardianAccount!.password });
    expect(res.statusCode).toBe(303);
    return c;
  };

  it('starts at the first graded date and says so, in English and Spanish', async () => {
    const url = `/students/${family.student.id}/grades/${ceramics.id}`;
    const en = (await (await reader('en')).get(url)).body;
    expect(tableRows(en, 'Grade trend: Ceramics, Quarter 3')).toEqual([
      ['Wed, Jan 20', 'F 40.00%'],
      ['Fri, Jan 22', 'F 40.00%'],
      ['Fri, Jan 29', 'F 40.00%'],
      ['Fri, Feb 5', 'D 65.00%'],
      ['Tue, Feb 9', 'D 65.00%'],
    ]);
    const text = textOf(en);
    expect(text).toContain('Since the first graded work, due Wed, Jan 20');
    expect(text).toContain('From 40.00% on Wed, Jan 20 to 65.00% on Tue, Feb 9.');
    expect(text).not.toMatch(/From 0\.00%/);

    const es = textOf((await (await reader('es')).get(url)).body);
    expect(es).toContain('Desde el primer trabajo calificado, con entrega el');
  });

  it('draws no trend for a period with nothing graded yet', async () => {
    const q4 = (await (await reader('en')).get(`/students/${family.student.id}/grades/${ceramics.id}?term=${world.terms.Q4.id}`)).body;
    expect(q4).not.toContain('hr-trend');
  });
});
