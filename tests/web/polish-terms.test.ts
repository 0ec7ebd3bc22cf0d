/**
 * Issue 23, "a future class in progress": only the grading period today falls in is in progress; one to
 * come reads "not started" and is never the one shown first, one ended and not posted says so.
 *
 * The fixture (the factories' school year): Semester 1 Aug 17 – Dec 18 2026 (Quarter 2 from Oct 19),
 * Semester 2 Jan 5 – May 28 2027 (Quarter 3 from Jan 5). Maya has English 11 all year, scored 40/50 in
 * Quarter 2, and Ceramics in Semester 2 only. Read on Saturday Dec 5 (Quarter 2) and on Monday Dec 28
 * (winter break: Quarter 2 ended, Quarter 3 not begun).
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { makeApp } from '../support/app.js';
import { describeEachEngine } from '../support/db.js';
import { guardianWithChild, schoolYear, sectionWithGradebook, type AccountFixture, type Family, type SectionFixture, type World } from '../support/factories.js';
import { textOf, textsOfClass } from '../support/html.js';
import { clock, Client } from '../support/http.js';

describeEachEngine('grading periods to come are not in progress', (get) => {
  let app: FastifyInstance;
  let world: World;
  let family: Family;
  let ceramics: SectionFixture;
  const time = clock('2026-12-05T18:00:00Z');

  beforeAll(async () => {
    const db = get().db;
    world = await schoolYear(db, { today: '2026-12-05' });
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
    ceramics = await sectionWithGradebook(db, world, {
      course: { code: 'ART210', title: 'Ceramics' },
      period: '4',
      teacher: { first: 'Jonah', last: 'Pike' },
      terms: ['S2'],
      method: 'points',
      categories: [{ name: 'Classwork', weight: null }],
      assignments: [{ title: 'Pinch pot', category: 'Classwork', quarter: 'Q3', due: '2027-01-15', possible: 10 }],
      students: [{ student: maya }],
    });
    app = await makeApp(get(), { now: time.now });
  });
  afterAll(() => app?.close());

  let address = 0;
  const signedIn = async (who: AccountFixture | null, lang = 'en') => {
    if (!who) throw new Error('no account');
    const c = new Client(app, { 'accept-language': lang }, `10.23.1.${++address}`);
    const res = await c.submit('/sign-in', { username: who.username, password: who.password });
    expect(res.statusCode).toBe(303);
    return c;
  };
  const page = async (c: Client, url: string) => {
    const res = await c.get(url);
    expect(res.statusCode, url).toBe(200);
    return res.body;
  };

  it('on Dec 5 shows Quarter 2 in progress and Semester 2’s class as not started, in English and Spanish', async () => {
    const maya = family.student.id;
    const parent = await signedIn(family.guardianAccount);
    // English: 40 / 50 = 80 % → B- (80–83). Ceramics has no period begun: its first, Quarter 3, starts Tue, Jan 5.
    expect(textsOfClass(await page(parent, `/students/${maya}/grades`), 'li', 'hr-card')).toEqual([
      'English 11 Period 1 · Daniel Brooks Quarter 2 (in progress): B- 80.00%',
      'Ceramics Period 4 · Jonah Pike Quarter 3 (not started): starts Tue, Jan 5',
    ]);
    const ceramicsPage = textOf(await page(parent, `/students/${maya}/grades/${ceramics.id}`));
    expect(ceramicsPage).toContain('Quarter 3 Not started: starts Tue, Jan 5');
    expect(ceramicsPage).not.toContain('in progress');

    const padre = await signedIn(family.guardianAccount, 'es');
    const cards = textsOfClass(await page(padre, `/students/${maya}/grades`), 'li', 'hr-card');
    expect(cards[0]).toContain('Quarter 2 (en curso)');
    expect(cards[1]).toContain('Quarter 3 (no ha comenzado): comienza el');
    expect(cards.join(' ')).not.toContain('Quarter 3 (en curso)');
  });

  it('in the winter break shows the quarter just ended, not the one to come, and calls it ended', async () => {
    time.advance(23 * 24 * 3600_000); // Monday Dec 28
    try {
      const maya = family.student.id;
      const student = await signedIn(family.studentAccount);
      expect(textsOfClass(await page(student, `/students/${maya}/grades`), 'li', 'hr-card')).toEqual([
        'English 11 Period 1 · Daniel Brooks Quarter 2 (ended, not posted): B- 80.00%',
        'Ceramics Period 4 · Jonah Pike Quarter 3 (not started): starts Tue, Jan 5',
      ]);
      // The schedule opens on Semester 1 (just ended), not on Semester 2 (to come).
      const schedule = await page(student, `/students/${maya}/schedule`);
      expect(/<a href="[^"]*\?term=\d+" aria-current="page">([^<]*)<\/a>/.exec(schedule)?.[1]).toBe('Semester 1');
    } finally {
      time.advance(-23 * 24 * 3600_000);
    }
  });
});
