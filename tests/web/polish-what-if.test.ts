/**
 * Issue 23, "What if? accepts 500 on a 10-point homework": each entered score is bounded as the gradebook
 * bounds it, the district's multiple of the points possible (here set to 3, not the default 2), with a
 * message at the field and a 400; nothing beyond it is computed.
 *
 * The fixture, on Tuesday 9 February 2027: Maya's Ceramics (points), Quarter 3: Worksheet 10 points
 * (scored 8), Project 20 points (scored 18). Largest scores: 3 × 10 = 30 and 3 × 20 = 60.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { makeApp } from '../support/app.js';
import { describeEachEngine } from '../support/db.js';
import { guardianWithChild, schoolYear, sectionWithGradebook, type Family, type SectionFixture, type World } from '../support/factories.js';
import { textOf } from '../support/html.js';
import { Client } from '../support/http.js';

const TODAY = '2027-02-09';

describeEachEngine('what if? is bounded like the gradebook', (get) => {
  let app: FastifyInstance;
  let world: World;
  let family: Family;
  let ceramics: SectionFixture;

  beforeAll(async () => {
    const db = get().db;
    world = await schoolYear(db, { today: TODAY, settings: { maxScoreMultiple: 3 } });
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
        { title: 'Worksheet', category: 'Classwork', quarter: 'Q3', due: '2027-01-20', possible: 10 },
        { title: 'Project', category: 'Classwork', quarter: 'Q3', due: '2027-02-03', possible: 20 },
      ],
      students: [{ student: maya }],
      scores: [
        { student: maya, assignment: 'Worksheet', points: 8 },
        { student: maya, assignment: 'Project', points: 18 },
      ],
    });
    app = await makeApp(get(), { now: () => new Date(`${TODAY}T18:00:00Z`) });
  });
  afterAll(() => app?.close());

  const reader = async (lang: string) => {
    const c = new Client(app, { 'accept-language': lang }, `10.23.4.${lang === 'es' ? 2 : 1}`);
    const res = await c.submit('/sign-in', { username: family.guardianAccount!.username, password: family.guardianAccount!.password });
    expect(res.statusCode).toBe(303);
    return c;
  };
  const base = () => `/students/${family.student.id}/grades/${ceramics.id}/what-if?term=${world.terms.Q3.id}`;

  it('accepts up to the multiple: 30 on the worksheet makes (30 + 18) / 30 = 160 %', async () => {
    const c = await reader('en');
    const res = await c.get(`${base()}&a${ceramics.assignments['Worksheet']}=30`);
    expect(res.statusCode).toBe(200);
    expect(textOf(res.body)).toContain('With these scores: A 160.00%');
  });

  it('refuses more, at the field, with the largest allowed, in English and Spanish', async () => {
    const worksheet = `a${ceramics.assignments['Worksheet']}`;
    const en = await (await reader('en')).get(`${base()}&${worksheet}=500`);
    expect(en.statusCode).toBe(400);
    const field = /<span class="usa-error-message" id="([^"]+)-error">([^<]*)<\/span>/.exec(en.body);
    expect(field?.[1]).toBe(worksheet);
    expect(field?.[2]).toBe('Enter at most 30 points: the most the teacher’s gradebook accepts on this assignment.');
    expect(en.body).toContain(`aria-invalid="true"`);
    expect(textOf(en.body)).not.toContain('With these scores');
    // 30.01 is over by a hundredth.
    expect((await (await reader('en')).get(`${base()}&${worksheet}=30.01`)).statusCode).toBe(400);

    const es = await (await reader('es')).get(`${base()}&${worksheet}=500`);
    expect(es.statusCode).toBe(400);
    expect(textOf(es.body)).toContain('Escriba como máximo 30 puntos');
  });

  it('bounds the extra assignment by its own points possible: 61 of 20 is refused, 60 of 20 is not', async () => {
    const c = await reader('en');
    const cat = ceramics.categories['Classwork'];
    const refused = await c.get(`${base()}&cat=${cat}&pts=61&of=20`);
    expect(refused.statusCode).toBe(400);
    expect(/<span class="usa-error-message" id="pts-error">([^<]*)<\/span>/.exec(refused.body)?.[1]).toBe(
      'Enter at most 60 points: the most the teacher’s gradebook accepts on this assignment.',
    );
    // (8 + 18 + 60) / (10 + 20 + 20) = 86 / 50 = 172 %
    const accepted = await c.get(`${base()}&cat=${cat}&pts=60&of=20`);
    expect(accepted.statusCode).toBe(200);
    expect(textOf(accepted.body)).toContain('With these scores: A 172.00%');
  });
});
