/**
 * Issue 23, "MISSING and DROPPED on the same score" (ADR 0025): a family sees one state per score, and
 * Today's "Needs attention" keeps to what affects the grade.
 *
 * The fixture, on Tuesday 9 February 2027 (Quarter 3): Maya's Chemistry, weighted — Homework 40 %,
 * Quizzes 30 % dropping its lowest, Labs 30 % dropping its lowest:
 *   Reading 0   Homework  Jan 15  exempt and missing           → Exempt only; does not count
 *   Lab safety  Homework  Jan 20  missing and dropped          → Dropped only; does not count
 *   Reading 1   Homework  Jan 22  missing                      → Missing; 0 / 10
 *   Lab 1       Labs      Jan 27  missing                      → Missing; 0 / 20, dropped by the rule (the
 *                                                                 lowest of Labs), still owed
 *   Reading 2   Homework  Jan 29  9 / 10
 *   Quiz A      Quizzes   Feb 1   4 / 20 = 20 %                → dropped by the rule (the lowest of Quizzes)
 *   Quiz B      Quizzes   Feb 2   18 / 20
 *   Lab 2       Labs      Feb 4   15 / 20
 * Grade: Homework (0 + 9) / (10 + 10) = 45 %, Quizzes 18 / 20 = 90 %, Labs 15 / 20 = 75 %
 *   → (40 × 45 + 30 × 90 + 30 × 75) / 100 = (1800 + 2700 + 2250) / 100 = 67.50 % → D (60–70 in the
 *   factories' scale).
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { makeApp } from '../support/app.js';
import { describeEachEngine } from '../support/db.js';
import { guardianWithChild, schoolYear, sectionWithGradebook, type Family, type SectionFixture } from '../support/factories.js';
import { listItems, tableRows, textOf } from '../support/html.js';
import { Client } from '../support/http.js';

const TODAY = '2027-02-09';

describeEachEngine('one state per score for a family', (get) => {
  let app: FastifyInstance;
  let family: Family;
  let chemistry: SectionFixture;

  beforeAll(async () => {
    const db = get().db;
    const world = await schoolYear(db, { today: TODAY });
    family = await guardianWithChild(db, world, { student: { first: 'Maya', last: 'Ortiz', grade: 11 }, guardian: { first: 'Lucia', last: 'Ortiz' } });
    const maya = family.student;
    chemistry = await sectionWithGradebook(db, world, {
      course: { code: 'CHM', title: 'Chemistry' },
      period: '4',
      teacher: { first: 'Ada', last: 'Lee' },
      terms: ['S2'],
      method: 'weighted',
      categories: [
        { name: 'Homework', weight: 40 },
        { name: 'Quizzes', weight: 30, dropLowest: 1 },
        { name: 'Labs', weight: 30, dropLowest: 1 },
      ],
      assignments: [
        { title: 'Reading 0', category: 'Homework', quarter: 'Q3', due: '2027-01-15', possible: 10 },
        { title: 'Lab safety', category: 'Homework', quarter: 'Q3', due: '2027-01-20', possible: 10 },
        { title: 'Reading 1', category: 'Homework', quarter: 'Q3', due: '2027-01-22', possible: 10 },
        { title: 'Lab 1', category: 'Labs', quarter: 'Q3', due: '2027-01-27', possible: 20 },
        { title: 'Reading 2', category: 'Homework', quarter: 'Q3', due: '2027-01-29', possible: 10 },
        { title: 'Quiz A', category: 'Quizzes', quarter: 'Q3', due: '2027-02-01', possible: 20 },
        { title: 'Quiz B', category: 'Quizzes', quarter: 'Q3', due: '2027-02-02', possible: 20 },
        { title: 'Lab 2', category: 'Labs', quarter: 'Q3', due: '2027-02-04', possible: 20 },
      ],
      students: [{ student: maya }],
      scores: [
        { student: maya, assignment: 'Reading 0', exempt: true, missing: true },
        { student: maya, assignment: 'Lab safety', missing: true, dropped: true },
        { student: maya, assignment: 'Reading 1', missing: true },
        { student: maya, assignment: 'Lab 1', missing: true },
        { student: maya, assignment: 'Reading 2', points: 9 },
        { student: maya, assignment: 'Quiz A', points: 4 },
        { student: maya, assignment: 'Quiz B', points: 18 },
        { student: maya, assignment: 'Lab 2', points: 15 },
      ],
    });
    app = await makeApp(get(), { now: () => new Date(`${TODAY}T18:00:00Z`) });
  });
  afterAll(() => app?.close());

  const parent = async () => {
    const c = new Client(app, {}, '10.23.2.1');
    const res = await c.submit('/sign-in', { username: family.guardianAccount!.username, password: family.guardianAccount!.password });
    expect(res.statusCode).toBe(303);
    return c;
  };
  const page = async (c: Client, url: string) => {
    const res = await c.get(url);
    expect(res.statusCode, url).toBe(200);
    return res.body;
  };

  it('shows a dropped missing score as dropped only, an exempt missing one as exempt only', async () => {
    const c = await parent();
    const body = await page(c, `/students/${family.student.id}/grades/${chemistry.id}`);
    expect(textOf(body)).toContain('Grade in progress: D 67.50%');
    expect(tableRows(body, 'Assignments, Quarter 3')).toEqual([
      ['Fri, Jan 15', 'Reading 0 Homework', 'Not scored yet', '—', 'Exempt'],
      ['Wed, Jan 20', 'Lab safety Homework', '—', '—', 'Dropped'],
      ['Fri, Jan 22', 'Reading 1 Homework', '0 / 10', '0.00%', 'Missing'],
      // the rule dropped this zero, but the work is still owed: Missing, not also Dropped
      ['Wed, Jan 27', 'Lab 1 Labs', '0 / 20', '0.00%', 'Missing'],
      ['Fri, Jan 29', 'Reading 2 Homework', '9 / 10', '90.00%', ''],
      ['Mon, Feb 1', 'Quiz A Quizzes', '4 / 20', '20.00%', 'Dropped'],
      ['Tue, Feb 2', 'Quiz B Quizzes', '18 / 20', '90.00%', ''],
      ['Thu, Feb 4', 'Lab 2 Labs', '15 / 20', '75.00%', ''],
    ]);
    // Assignments, missing only: the two still owed, newest first.
    const missing = await page(c, `/students/${family.student.id}/assignments?filter=missing&view=date`);
    expect(tableRows(missing, 'Missing').map((r) => r[2])).toEqual(['Lab 1 Labs', 'Reading 1 Homework']);
    // The calendar's due items flag the same two, and not Lab safety or Reading 0.
    const month = await page(c, `/students/${family.student.id}/calendar?month=2027-01`);
    const due = [...month.matchAll(/<li class="hr-cal-due">(.*?)<\/li>/g)].map((m) => textOf(m[1]!));
    expect(due.filter((d) => d.includes('Missing'))).toEqual(['Due: Reading 1 Chemistry Missing', 'Due: Lab 1 Chemistry Missing']);
    expect(due.some((d) => d.includes('Lab safety'))).toBe(true);
  });

  it('keeps Today’s “Needs attention” to what affects the grade', async () => {
    const body = await page(await parent(), `/students/${family.student.id}/today`);
    // Not Lab safety (dropped), not Reading 0 (exempt); not Quiz A's 20 % (dropped by the rule, so it
    // does not lower the grade); Lab 1 stays: turning it in changes which lab the rule drops.
    expect(listItems(body, 'hr-attention')).toEqual(['Missing Chemistry: Reading 1 (Fri, Jan 22)', 'Missing Chemistry: Lab 1 (Wed, Jan 27)']);
  });
});
