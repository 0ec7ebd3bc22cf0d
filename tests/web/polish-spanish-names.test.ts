/**
 * Issue 23, names a district keeps in two languages (ADR 0043): a Spanish reader sees the Spanish name
 * of a grading period, a vaccine and an attendance code where the district gave one, and the district's
 * name where it did not; an English reader always the district's.
 *
 * The fixture (the factories' school year, read on Saturday Dec 5 2026, Quarter 2): Maya has English 11
 * with one Quarter 2 score; Quarter 2 has the Spanish title "Trimestre 2", Quarter 3 none; MMR has a
 * Spanish name, Hepatitis B none; A-ILL has a Spanish description and Maya was absent ill on Dec 1.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { makeApp } from '../support/app.js';
import { describeEachEngine } from '../support/db.js';
import { attendance, guardianWithChild, immunizations, schoolYear, sectionWithGradebook, vaccine, type AccountFixture, type Family, type World } from '../support/factories.js';
import { textOf, textsOfClass } from '../support/html.js';
import { clock, Client } from '../support/http.js';

describeEachEngine('names in the reader’s language', (get) => {
  let app: FastifyInstance;
  let world: World;
  let family: Family;
  const time = clock('2026-12-05T18:00:00Z');

  beforeAll(async () => {
    const db = get().db;
    world = await schoolYear(db, { today: '2026-12-05' });
    await db.updateTable('academic_sessions').set({ title_es: 'Trimestre 2' }).where('id', '=', world.terms.Q2.id).execute();
    await db.updateTable('attendance_codes').set({ description_es: 'Ausente: enfermedad' }).where('id', '=', world.codes['A-ILL']).execute();
    family = await guardianWithChild(db, world, { student: { first: 'Maya', last: 'Ortiz', grade: 11 }, guardian: { first: 'Lucia', last: 'Ortiz' } });
    const maya = family.student;
    await sectionWithGradebook(db, world, {
      course: { code: 'ENG11', title: 'English 11' },
      period: '1',
      teacher: { first: 'Daniel', last: 'Brooks' },
      categories: [{ name: 'Essays', weight: 100 }],
      assignments: [{ title: 'Essay: Hamlet', category: 'Essays', quarter: 'Q2', due: '2026-11-20', possible: 50 }],
      students: [{ student: maya }],
      scores: [{ student: maya, assignment: 'Essay: Hamlet', points: 40 }],
    });
    const mmr = await vaccine(db, { code: 'MMR', name: 'Measles, mumps, rubella', requirements: [{ gradeLow: 6, gradeHigh: 12, doses: 2 }] });
    await db.updateTable('vaccines').set({ name_es: 'Sarampión, paperas, rubéola' }).where('id', '=', mmr.id).execute();
    const hepb = await vaccine(db, { code: 'HEPB', name: 'Hepatitis B', requirements: [{ gradeLow: 6, gradeHigh: 12, doses: 3 }] });
    await immunizations(db, maya, mmr, { doses: ['2011-04-01', '2014-05-01'] });
    await immunizations(db, maya, hepb, { doses: ['2010-03-20'] });
    await attendance(db, world, maya, [{ date: '2026-12-01', code: 'A-ILL' }]);
    app = await makeApp(get(), { now: time.now });
  });
  afterAll(() => app?.close());

  let address = 0;
  const signedIn = async (who: AccountFixture | null, lang: string) => {
    if (!who) throw new Error('no account');
    const c = new Client(app, { 'accept-language': lang }, `10.24.1.${++address}`);
    const res = await c.submit('/sign-in', { username: who.username, password: who.password });
    expect(res.statusCode).toBe(303);
    return c;
  };
  const page = async (c: Client, url: string) => {
    const res = await c.get(url);
    expect(res.statusCode, url).toBe(200);
    return res.body;
  };

  it('shows a Spanish reader the Spanish names, and the district’s where there is none', async () => {
    const maya = family.student.id;
    const padre = await signedIn(family.guardianAccount, 'es');
    const cards = textsOfClass(await page(padre, `/students/${maya}/grades`), 'li', 'hr-card');
    expect(cards[0]).toContain('Trimestre 2 (en curso)');
    expect(cards.join(' ')).not.toContain('Quarter 2');

    const vaccines = textOf(await page(padre, `/students/${maya}/immunizations`));
    expect(vaccines).toContain('Sarampión, paperas, rubéola');
    expect(vaccines).not.toContain('Measles');
    expect(vaccines).toContain('Hepatitis B');

    const absences = textOf(await page(padre, `/students/${maya}/attendance`));
    expect(absences).toContain('A-ILL: Ausente: enfermedad');
    expect(absences).not.toContain('Absent: illness');
  });

  it('shows an English reader the district’s names', async () => {
    const maya = family.student.id;
    const parent = await signedIn(family.guardianAccount, 'en');
    expect(textsOfClass(await page(parent, `/students/${maya}/grades`), 'li', 'hr-card')[0]).toContain('Quarter 2 (in progress)');
    expect(textOf(await page(parent, `/students/${maya}/immunizations`))).toContain('Measles, mumps, rubella');
    expect(textOf(await page(parent, `/students/${maya}/attendance`))).toContain('A-ILL: Absent: illness');
  });
});
