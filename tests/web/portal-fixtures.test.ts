/**
 * The portal's numbers against a district built by hand (tests/support/factories.ts), read through the
 * pages as a family reads them. Every expected value is a literal worked out in the comments from the
 * fixture, never the output of the code under test.
 *
 * The fixture, as of Tuesday 9 February 2027 (Quarter 3 of Semester 2):
 *   Maya Ortiz, grade 11, and her mother Lucia (portal access); her brother Leo, grade 9, also Lucia's;
 *   her father Victor, whose rights were revoked; her grandmother Rosa, linked without portal access;
 *   Sam Reyes, 18 since yesterday, Nina 18 today and Theo 18 tomorrow, all Ana Reyes's, in a district that
 *   ends guardians' access at 18.
 *   Maya's classes:  1 English 11 (year), 2 Biology (year, weighted gradebook), 3 Algebra II (Semester 1),
 *                    4 Ceramics (Semester 2, points gradebook, joined 13 January).
 *   Leo's: 2 Biology, 3 Physical Science (Semester 2, its teacher replaced in January).
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeApp } from '../support/app.js';
import { describeEachEngine } from '../support/db.js';
import {
  attendance,
  guardianWithChild,
  immunizations,
  link,
  schoolYear,
  sectionWithGradebook,
  student,
  transcriptHistory,
  vaccine,
  type AccountFixture,
  type Family,
  type SectionFixture,
  type StudentFixture,
  type World,
} from '../support/factories.js';
import { definition, items, listItems, section, tableRows, textOf, textsOfClass } from '../support/html.js';
import { Client } from '../support/http.js';
import { PDFTOTEXT, pdfText } from '../support/pdf.js';

const TODAY = '2027-02-09';
const TOOLS = ['today', 'schedule', 'grades', 'assignments', 'attendance', 'report-cards', 'transcript', 'immunizations', 'calendar', 'documents'];

describeEachEngine('portal pages from a hand-built district', (get) => {
  let app: FastifyInstance;
  let world: World;
  let ortiz: Family;
  let leo: StudentFixture;
  let revoked: Family;
  let noAccess: Family;
  let reyes: Family;
  let eighteenToday: StudentFixture;
  let eighteenTomorrow: StudentFixture;
  let english: SectionFixture;
  let biology: SectionFixture;
  let algebra: SectionFixture;
  let ceramics: SectionFixture;
  let science: SectionFixture;

  beforeAll(async () => {
    const db = get().db;
    world = await schoolYear(db, { today: TODAY, settings: { guardiansKeepAccessAt18: false } });
    ortiz = await guardianWithChild(db, world, {
      student: { first: 'Maya', last: 'Ortiz', grade: 11, birthDate: '2010-03-14' },
      guardian: { first: 'Lucia', last: 'Ortiz' },
    });
    const maya = ortiz.student;
    leo = await student(db, world, { first: 'Leo', last: 'Ortiz', grade: 9, birthDate: '2012-06-02' });
    await link(db, leo, ortiz.guardian);
    revoked = await guardianWithChild(db, world, { child: maya, guardian: { first: 'Victor', last: 'Ortiz' }, relationship: 'Father', revoked: true });
    noAccess = await guardianWithChild(db, world, { child: maya, guardian: { first: 'Rosa', last: 'Ortiz' }, relationship: 'Grandmother', portalAccess: false });
    reyes = await guardianWithChild(db, world, { adult: true, student: { first: 'Sam', last: 'Reyes' }, guardian: { first: 'Ana', last: 'Reyes' } });
    // Two more of Ana's: one turns 18 today, one tomorrow.
    eighteenToday = await student(db, world, { first: 'Nina', last: 'Reyes', birthDate: '2009-02-09', grade: 12 });
    eighteenTomorrow = await student(db, world, { first: 'Theo', last: 'Reyes', birthDate: '2009-02-10', grade: 12 });
    await link(db, eighteenToday, reyes.guardian, { relationship: 'Guardian' });
    await link(db, eighteenTomorrow, reyes.guardian, { relationship: 'Guardian' });

    // Made before the others on purpose: the schedule must come out in period order, not in the order written.
    ceramics = await sectionWithGradebook(db, world, {
      course: { code: 'ART210', title: 'Ceramics', credits: 0.5 },
      period: '4',
      room: 'ART-3',
      teacher: { first: 'Jonah', last: 'Pike' },
      terms: ['S2'],
      method: 'points',
      categories: [
        { name: 'Classwork', weight: null },
        { name: 'Projects', weight: null },
        { name: 'Critiques', weight: null },
      ],
      assignments: [
        { title: 'Pinch pot', category: 'Classwork', quarter: 'Q3', due: '2027-01-15', possible: 10 },
        { title: 'Coil vase', category: 'Classwork', quarter: 'Q3', due: '2027-01-22', possible: 10 },
        { title: 'Glaze test', category: 'Classwork', quarter: 'Q3', due: '2027-01-29', possible: 10 },
        { title: 'Slab box', category: 'Projects', quarter: 'Q3', due: '2027-02-01', possible: 50 },
        { title: 'Wheel bowl', category: 'Projects', quarter: 'Q3', due: '2027-02-05', possible: 50 },
        { title: 'Critique 1', category: 'Critiques', quarter: 'Q3', due: '2027-02-08', possible: 20 },
      ],
      students: [{ student: maya, from: '2027-01-13' }],
      scores: [
        { student: maya, assignment: 'Pinch pot', points: 9 },
        { student: maya, assignment: 'Coil vase', missing: true },
        { student: maya, assignment: 'Glaze test', exempt: true },
        { student: maya, assignment: 'Slab box', points: 41 },
        { student: maya, assignment: 'Wheel bowl', points: 20, dropped: true },
        { student: maya, assignment: 'Critique 1', points: 17, late: true },
      ],
    });
    english = await sectionWithGradebook(db, world, {
      course: { code: 'ENG11', title: 'English 11', credits: 1 },
      period: '1',
      room: 'A-201',
      teacher: { first: 'Daniel', last: 'Brooks' },
      categories: [{ name: 'Essays', weight: 100 }],
      assignments: [{ title: 'Essay: Gatsby', category: 'Essays', quarter: 'Q3', due: '2027-02-03', possible: 50 }],
      students: [{ student: maya }],
      scores: [{ student: maya, assignment: 'Essay: Gatsby', points: 30 }],
      termGrades: [{ student: maya, term: 'S1', percent: 91, letter: 'A-' }],
    });
    biology = await sectionWithGradebook(db, world, {
      course: { code: 'BIO', title: 'Biology', credits: 1 },
      period: '2',
      room: 'B-114',
      teacher: { first: 'Rosa', last: 'Marquez' },
      method: 'weighted',
      categories: [
        { name: 'Homework', weight: 20, dropLowest: 1 },
        { name: 'Quizzes', weight: 30 },
        { name: 'Tests', weight: 50 },
      ],
      assignments: [
        { title: 'Unit test: chemistry', category: 'Tests', quarter: 'Q2', due: '2026-11-20', possible: 100 },
        { title: 'Cell diagram', category: 'Homework', quarter: 'Q3', due: '2027-01-08', possible: 10 },
        { title: 'Quiz: cells', category: 'Quizzes', quarter: 'Q3', due: '2027-01-14', possible: 20 },
        { title: 'Osmosis worksheet', category: 'Homework', quarter: 'Q3', due: '2027-01-15', possible: 10 },
        { title: 'Quiz: membranes', category: 'Quizzes', quarter: 'Q3', due: '2027-01-21', possible: 20 },
        { title: 'Enzyme reading', category: 'Homework', quarter: 'Q3', due: '2027-01-22', possible: 10 },
        { title: 'Unit test: cells', category: 'Tests', quarter: 'Q3', due: '2027-01-27', possible: 100 },
        { title: 'Mitosis flashcards', category: 'Homework', quarter: 'Q3', due: '2027-01-29', possible: 10 },
        { title: 'Quiz: energy', category: 'Quizzes', quarter: 'Q3', due: '2027-02-04', possible: 20 },
        { title: 'Unit test: genetics', category: 'Tests', quarter: 'Q3', due: '2027-02-05', possible: 100 },
        { title: 'Lab report: enzymes', category: 'Quizzes', quarter: 'Q3', due: '2027-02-12', possible: 20 },
        { title: 'Unit test: ecology', category: 'Tests', quarter: 'Q3', due: '2027-02-19', possible: 100 },
        { title: 'Unit test: evolution', category: 'Tests', quarter: 'Q3', due: '2027-03-05', possible: 100 },
      ],
      students: [{ student: maya }, { student: leo }],
      scores: [
        { student: maya, assignment: 'Unit test: chemistry', points: 50 },
        { student: maya, assignment: 'Cell diagram', points: 8 },
        { student: maya, assignment: 'Quiz: cells', points: 17 },
        { student: maya, assignment: 'Osmosis worksheet', points: 10 },
        { student: maya, assignment: 'Quiz: membranes', missing: true, comment: 'Please turn this in.' },
        { student: maya, assignment: 'Enzyme reading', points: 5 },
        { student: maya, assignment: 'Unit test: cells', points: 88 },
        { student: maya, assignment: 'Mitosis flashcards', exempt: true },
        { student: maya, assignment: 'Quiz: energy', points: 4, dropped: true },
        { student: maya, assignment: 'Unit test: genetics', points: 92 },
        // Leo's scores are his: none of them may reach Maya's grade.
        { student: leo, assignment: 'Quiz: membranes', points: 20 },
        { student: leo, assignment: 'Unit test: ecology', points: 10 },
        { student: leo, assignment: 'Enzyme reading', points: 10 },
      ],
      termGrades: [
        { student: maya, term: 'Q1', percent: 88, letter: 'B+' },
        { student: maya, term: 'Q2', percent: 85.5, letter: 'B', comment: 'Strong lab work.' },
        { student: maya, term: 'S1', percent: 84.2, letter: 'B' },
      ],
    });
    algebra = await sectionWithGradebook(db, world, {
      course: { code: 'MTH310', title: 'Algebra II', credits: 0.5 },
      period: '3',
      room: 'C-310',
      teacher: { first: 'Helen', last: 'Cho' },
      terms: ['S1'],
      students: [{ student: maya, until: '2026-12-18' }],
      termGrades: [{ student: maya, term: 'S1', percent: 78, letter: 'C+' }],
    });
    // A class of Leo's in period 3 of Semester 2 (not Maya's), whose teacher left in January.
    science = await sectionWithGradebook(db, world, {
      course: { code: 'PHY9', title: 'Physical Science' },
      period: '3',
      room: 'D-12',
      terms: ['S2'],
      teachers: [
        { first: 'Carl', last: 'Nyberg', until: '2027-01-22' },
        { first: 'Priya', last: 'Shah', from: '2027-01-25' },
      ],
      students: [{ student: leo }],
    });

    await attendance(db, world, maya, [
      // Semester 1
      { date: '2026-10-05', code: 'T-EX', section: english },
      { date: '2026-11-10', code: 'A-UNX', section: algebra },
      { date: '2026-12-01', code: 'A-ILL' },
      // Semester 2
      { date: '2027-01-12', code: 'A-ILL' },
      { date: '2027-01-20', code: 'A-UNX' },
      { date: '2027-01-26', code: 'A-UNX', section: biology },
      { date: '2027-01-28', code: 'T-UNX', section: english },
      { date: '2027-02-02', code: 'T-EX', section: ceramics },
      { date: '2027-02-03', code: 'A-UNK' },
      { date: '2027-02-04', code: 'ER', section: ceramics },
    ]);
    await attendance(db, world, leo, [{ date: '2027-01-12', code: 'A-UNX' }]);

    await transcriptHistory(db, world, maya, [
      { schoolYear: 2025, grade: 9, code: 'ENG9', title: 'English 9', term: 'Year', letter: 'A', gpaPoints: 4.0, attempted: 1, earned: 1 },
      { schoolYear: 2025, grade: 9, code: 'MTH110', title: 'Algebra I', term: 'Year', letter: 'B', gpaPoints: 3.0, attempted: 1, earned: 1 },
      { schoolYear: 2025, grade: 9, code: 'PE9', title: 'Physical Education', term: 'S1', letter: 'P', gpaPoints: null, attempted: 0.5, earned: 0.5 },
      { schoolYear: 2026, grade: 10, code: 'ENG10', title: 'English 10', term: 'Year', letter: 'B+', gpaPoints: 3.3, attempted: 1, earned: 1 },
      { schoolYear: 2026, grade: 10, code: 'CHM210H', title: 'Honors Chemistry', term: 'Year', letter: 'A-', gpaPoints: 3.7, gpaBonus: 0.5, attempted: 1, earned: 1 },
      { schoolYear: 2026, grade: 10, code: 'APHG', title: 'AP Human Geography', term: 'S2', letter: 'F', gpaPoints: 0, gpaBonus: 1, attempted: 0.5, earned: 0 },
    ]);

    const mmr = await vaccine(db, { code: 'MMR', name: 'Measles, mumps, rubella (MMR)', requirements: [{ gradeLow: 6, gradeHigh: 12, doses: 2 }] });
    const tdap = await vaccine(db, { code: 'TDAP', name: 'Tdap booster', requirements: [{ gradeLow: 7, gradeHigh: 12, doses: 1 }] });
    const varicella = await vaccine(db, { code: 'VAR', name: 'Varicella (chickenpox)', requirements: [{ gradeLow: 6, gradeHigh: 12, doses: 2 }] });
    await vaccine(db, { code: 'MCV4', name: 'Meningococcal (MenACWY)', requirements: [{ gradeLow: 12, gradeHigh: 12, doses: 1 }] });
    await immunizations(db, maya, mmr, { doses: ['2011-04-01', '2014-09-02'] });
    await immunizations(db, maya, tdap, { doses: ['2021-08-03'] });
    await immunizations(db, maya, varicella, { doses: ['2011-04-01'], exemption: { kind: 'medical', granted: '2020-01-10' } });
    // Leo's second MMR dose is booked for March: not on record yet as of today.
    await immunizations(db, leo, mmr, { doses: ['2013-07-01', '2027-03-01'] });
    await immunizations(db, leo, tdap, { doses: ['2023-08-01'] });
    await immunizations(db, leo, varicella, { doses: ['2013-07-01', '2016-09-06'] });

    app = await makeApp(get(), { now: () => new Date(`${TODAY}T18:00:00Z`) });
  });
  afterAll(() => app?.close());

  // Each reader from its own address: sign-in and the not-found page are limited per address.
  let address = 0;
  const signedIn = async (who: AccountFixture | null) => {
    if (!who) throw new Error('no account');
    const c = new Client(app, {}, `10.9.${Math.floor(++address / 250)}.${address % 250}`);
    const res = await c.submit('/sign-in', { username: who.username, password: who.password });
    expect(res.statusCode, `sign-in of ${who.username}`).toBe(303);
    expect(res.headers.location).not.toMatch(/sign-in/);
    return c;
  };
  const page = async (c: Client, url: string) => {
    const res = await c.get(url);
    expect(res.statusCode, url).toBe(200);
    return res.body;
  };
  /** the student's own view and their mother's view of the same page */
  const bothReaders = async () => [await signedIn(ortiz.studentAccount), await signedIn(ortiz.guardianAccount)] as const;

  describe('Grades', () => {
    it('shows each class’s grade for the current quarter, computed from the gradebook as the rules say', async () => {
      const maya = ortiz.student.id;
      for (const reader of await bothReaders()) {
        const cards = textsOfClass(await page(reader, `/students/${maya}/grades`), 'li', 'hr-card');
        expect(cards).toEqual([
          // One category, one essay: 30 / 50 = 60 % → D (the band starts at 60, inclusive).
          'English 11 Period 1 · Daniel Brooks Quarter 3 (in progress): D 60.00%',
          // Biology, weighted (Homework 20 % dropping its lowest, Quizzes 30 %, Tests 50 %), Quarter 3:
          //   Homework: Cell diagram 8/10, Osmosis worksheet 10/10, Enzyme reading 5/10 (the lowest, 50 %:
          //             dropped by the rule), Mitosis flashcards exempt → (8 + 10) / (10 + 10) = 90 %
          //   Quizzes:  Quiz: cells 17/20, Quiz: membranes missing → 0/20, Quiz: energy 4/20 dropped by the
          //             teacher → (17 + 0) / (20 + 20) = 42.5 %
          //   Tests:    Unit test: cells 88/100, Unit test: genetics 92/100 (ecology and evolution not due yet;
          //             Unit test: chemistry is Quarter 2's) → 180 / 200 = 90 %
          //   (Lab report: enzymes, a quiz due Friday, is not scored yet.)
          //   Class:    (20 × 90 + 30 × 42.5 + 50 × 90) / 100 = (1800 + 1275 + 4500) / 100 = 75.75 → C (73–77)
          //   Earlier quarters show their posted letters.
          'Biology Period 2 · Rosa Marquez Quarter 3 (in progress): C 75.75% Quarter 1 (posted): B+ · Quarter 2 (posted): B',
          // Algebra II ended with Semester 1: its last quarter, ended with nothing posted for it.
          'Algebra II Period 3 · Helen Cho Quarter 2 (ended, not posted): No grade yet',
          // Ceramics, points: Pinch pot 9/10, Coil vase missing 0/10, Glaze test exempt, Slab box 41/50,
          //   Wheel bowl 20/50 dropped by the teacher, Critique 1 17/20 (late counts as entered)
          //   → (9 + 0 + 41 + 17) / (10 + 10 + 50 + 20) = 67 / 90 = 74.444… → 74.44 → C (73–77)
          'Ceramics Period 4 · Jonah Pike Quarter 3 (in progress): C 74.44%',
        ]);
      }
    });

    it('breaks a weighted class down by category and marks the missing, exempt and dropped work', async () => {
      const [student, parent] = await bothReaders();
      for (const reader of [student, parent]) {
        const body = await page(reader, `/students/${ortiz.student.id}/grades/${biology.id}`);
        expect(textOf(body)).toContain('Period 2 · Rosa Marquez · Room B-114');
        expect(textOf(body)).toContain('Grade in progress: C 75.75%');
        expect(textOf(body)).toContain('This class weighs categories');
        // Category, weight, points earned / possible, percent (worked out in the test above).
        expect(tableRows(body, 'Categories')).toEqual([
          ['Homework', '20%', '18 / 20', '90.00%'],
          ['Quizzes', '30%', '17 / 40', '42.50%'],
          ['Tests', '50%', '180 / 200', '90.00%'],
        ]);
        // Quarter 3's assignments, by due date: due, title + category (+ comment), score, percent, flags.
        expect(tableRows(body, 'Assignments, Quarter 3')).toEqual([
          ['Fri, Jan 8', 'Cell diagram Homework', '8 / 10', '80.00%', ''],
          ['Thu, Jan 14', 'Quiz: cells Quizzes', '17 / 20', '85.00%', ''],
          ['Fri, Jan 15', 'Osmosis worksheet Homework', '10 / 10', '100.00%', ''],
          ['Thu, Jan 21', 'Quiz: membranes Quizzes Teacher’s comment: Please turn this in.', '0 / 20', '0.00%', 'Missing'],
          ['Fri, Jan 22', 'Enzyme reading Homework', '5 / 10', '50.00%', 'Dropped'],
          ['Wed, Jan 27', 'Unit test: cells Tests', '88 / 100', '88.00%', ''],
          ['Fri, Jan 29', 'Mitosis flashcards Homework', 'Not scored yet', '—', 'Exempt'],
          ['Thu, Feb 4', 'Quiz: energy Quizzes', '4 / 20', '20.00%', 'Dropped'],
          ['Fri, Feb 5', 'Unit test: genetics Tests', '92 / 100', '92.00%', ''],
          ['Fri, Feb 12', 'Lab report: enzymes Quizzes', 'Not due yet', '—', ''],
          ['Fri, Feb 19', 'Unit test: ecology Tests', 'Not due yet', '—', ''],
          ['Fri, Mar 5', 'Unit test: evolution Tests', 'Not due yet', '—', ''],
        ]);
      }
      // Quarter 2: only its own assignment (50/100 → 50 %, an F), beside the grade the teacher posted.
      const q2 = await page(parent, `/students/${ortiz.student.id}/grades/${biology.id}?term=${world.terms.Q2.id}`);
      expect(textOf(q2)).toContain('Posted grade: B 85.50%');
      expect(textOf(q2)).toContain('From the gradebook: F 50.00%');
      expect(tableRows(q2, 'Assignments, Quarter 2')).toEqual([['Fri, Nov 20', 'Unit test: chemistry Tests', '50 / 100', '50.00%', '']]);
    });

    it('adds up every counted point in a points class, whatever its categories', async () => {
      for (const reader of await bothReaders()) {
        const body = await page(reader, `/students/${ortiz.student.id}/grades/${ceramics.id}`);
        expect(textOf(body)).toContain('Period 4 · Jonah Pike · Room ART-3');
        expect(textOf(body)).toContain('Grade in progress: C 74.44%');
        expect(textOf(body)).toContain('This class counts total points');
        // No weight column; Classwork 9 + 0 of 10 + 10 (Glaze test exempt), Projects 41 of 50 (Wheel bowl
        // dropped), Critiques 17 of 20.
        expect(tableRows(body, 'Categories')).toEqual([
          ['Classwork', '9 / 20', '45.00%'],
          ['Projects', '41 / 50', '82.00%'],
          ['Critiques', '17 / 20', '85.00%'],
        ]);
        expect(tableRows(body, 'Assignments, Quarter 3')).toEqual([
          ['Fri, Jan 15', 'Pinch pot Classwork', '9 / 10', '90.00%', ''],
          ['Fri, Jan 22', 'Coil vase Classwork', '0 / 10', '0.00%', 'Missing'],
          ['Fri, Jan 29', 'Glaze test Classwork', 'Not scored yet', '—', 'Exempt'],
          ['Mon, Feb 1', 'Slab box Projects', '41 / 50', '82.00%', ''],
          ['Fri, Feb 5', 'Wheel bowl Projects', '20 / 50', '40.00%', 'Dropped'],
          ['Mon, Feb 8', 'Critique 1 Critiques', '17 / 20', '85.00%', 'Late'],
        ]);
      }
    });
  });

  describe('Schedule', () => {
    it('lists the classes of the current semester in period order, with times, teachers and rooms', async () => {
      for (const reader of await bothReaders()) {
        const s2 = await page(reader, `/students/${ortiz.student.id}/schedule`);
        // Semester 2: English and Biology all year, Ceramics this semester; Algebra II ended; lunch is no class.
        expect(tableRows(s2, 'Classes, Semester 2')).toEqual([
          ['1', '8:00 AM – 8:50 AM', `English 11 ${english.sectionCode}`, 'Daniel Brooks', 'A-201'],
          ['2', '8:55 AM – 9:45 AM', `Biology ${biology.sectionCode}`, 'Rosa Marquez', 'B-114'],
          ['4', '11:20 AM – 12:10 PM', `Ceramics ${ceramics.sectionCode}`, 'Jonah Pike', 'ART-3'],
        ]);
        const s1 = await page(reader, `/students/${ortiz.student.id}/schedule?term=${world.terms.S1.id}`);
        expect(tableRows(s1, 'Classes, Semester 1')).toEqual([
          ['1', '8:00 AM – 8:50 AM', `English 11 ${english.sectionCode}`, 'Daniel Brooks', 'A-201'],
          ['2', '8:55 AM – 9:45 AM', `Biology ${biology.sectionCode}`, 'Rosa Marquez', 'B-114'],
          ['3', '9:50 AM – 10:40 AM', `Algebra II ${algebra.sectionCode}`, 'Helen Cho', 'C-310'],
        ]);
      }
    });
  });

  describe('Schedule after a change of teacher', () => {
    // Found by this fixture: the Schedule (and Grades, Report Cards, Today) named Mr Nyberg, who left the
    // class on Jan 22: the query kept whichever primary-teacher row came first. Now the teacher whose
    // assignment has no end (else the latest to begin) is named.
    it('names the teacher who teaches the class now, not the one who left', async () => {
      const mother = await signedIn(ortiz.guardianAccount);
      // Leo: Biology all year; Physical Science this semester, Mr Nyberg until Jan 22, Ms Shah since Jan 25.
      expect(tableRows(await page(mother, `/students/${leo.id}/schedule`), 'Classes, Semester 2')).toEqual([
        ['2', '8:55 AM – 9:45 AM', `Biology ${biology.sectionCode}`, 'Rosa Marquez', 'B-114'],
        ['3', '9:50 AM – 10:40 AM', `Physical Science ${science.sectionCode}`, 'Priya Shah', 'D-12'],
      ]);
    });
  });

  describe('Attendance', () => {
    it('counts whole days, absences by class (excused or not) and tardies, term by term', async () => {
      for (const reader of await bothReaders()) {
        const s2 = await page(reader, `/students/${ortiz.student.id}/attendance`);
        // Semester 2: whole-day absences on Jan 12 (illness: excused), Jan 20 (unexcused), Feb 3 (not explained).
        expect(textOf(s2)).toContain('Whole days absent: 3');
        // A whole-day absence counts in every class the student was in that day; Ceramics began Jan 13,
        // so Jan 12 is not one of its absences. Early release counts as neither absence nor tardy.
        //   English:  3 whole days (1 excused, 1 unexcused, 1 unexplained); tardy Jan 28
        //   Biology:  3 whole days + the period absence of Jan 26 (unexcused) = 4 (1, 2, 1); no tardy
        //   Ceramics: Jan 20 and Feb 3 = 2 (0, 1, 1); tardy Feb 2
        expect(tableRows(s2, 'Totals by class')).toEqual([
          ['1 · English 11', '3', '1', '1', '1', '1'],
          ['2 · Biology', '4', '1', '2', '1', '0'],
          ['4 · Ceramics', '2', '0', '1', '1', '1'],
        ]);
        // Newest first; Leo's absence of Jan 12 is his, not Maya's.
        expect(tableRows(s2, 'Absences, tardies and early releases')).toEqual([
          ['Thu, Feb 4', '4', 'Ceramics', 'Early release ER: Early release: signed out by a parent', 'Excused'],
          ['Wed, Feb 3', 'All day', 'All classes', 'Absent A-UNK: Absent: not yet explained', 'Not explained yet'],
          ['Tue, Feb 2', '4', 'Ceramics', 'Tardy T-EX: Tardy: excused', 'Excused'],
          ['Thu, Jan 28', '1', 'English 11', 'Tardy T-UNX: Tardy: unexcused', 'Unexcused'],
          ['Tue, Jan 26', '2', 'Biology', 'Absent A-UNX: Absent: unexcused', 'Unexcused'],
          ['Wed, Jan 20', 'All day', 'All classes', 'Absent A-UNX: Absent: unexcused', 'Unexcused'],
          ['Tue, Jan 12', 'All day', 'All classes', 'Absent A-ILL: Absent: illness', 'Excused'],
        ]);
        // Semester 1: one whole day (Dec 1, illness), Algebra II's unexcused period absence of Nov 10,
        // English's excused tardy of Oct 5.
        const s1 = await page(reader, `/students/${ortiz.student.id}/attendance?term=${world.terms.S1.id}`);
        expect(textOf(s1)).toContain('Whole days absent: 1');
        expect(tableRows(s1, 'Totals by class')).toEqual([
          ['1 · English 11', '1', '1', '0', '0', '1'],
          ['2 · Biology', '1', '1', '0', '0', '0'],
          ['3 · Algebra II', '2', '1', '1', '0', '0'],
        ]);
      }
    });
  });

  describe('Unofficial Transcript', () => {
    it('adds this year’s posted semester grades to earlier years and weighs the GPA by credits', async () => {
      for (const reader of await bothReaders()) {
        const body = await page(reader, `/students/${ortiz.student.id}/transcript`);
        // Grade points × credits attempted, over the courses that have grade points (PE is pass/fail):
        //   2025: English 9 A 4.0 × 1, Algebra I B 3.0 × 1
        //   2026: English 10 B+ 3.3 × 1, Honors Chemistry A- 3.7 × 1 (+0.5 weighted), AP Human Geography F 0 × 0.5
        //         (a failing grade gets no AP bonus)
        //   2027, Semester 1 as posted: English 11 A- 3.7 and Biology B 3.0, year-long courses of 1 credit
        //         → ½ credit each this semester; Algebra II C+ 2.3, a semester course of ½ credit
        //   points  = 4 + 3 + 3.3 + 3.7 + 0 + 3.7 × 0.5 + 3.0 × 0.5 + 2.3 × 0.5 = 14 + 1.85 + 1.5 + 1.15 = 18.5
        //   credits = 1 + 1 + 1 + 1 + 0.5 + 0.5 + 0.5 + 0.5 = 6
        //   unweighted 18.5 / 6 = 3.0833… → 3.083; weighted (18.5 + 0.5 × 1) / 6 = 3.1666… → 3.167
        // Credits earned: 1 + 1 + 0.5 + 1 + 1 + 0 + 0.5 + 0.5 + 0.5 = 6 of the district's default 24.
        expect(definition(body, 'Cumulative GPA (unweighted)')).toBe('3.083');
        expect(definition(body, 'Cumulative GPA (weighted)')).toBe('3.167');
        expect(definition(body, 'Credits earned toward graduation')).toBe('6 of 24');
        // Each year's courses by term, then by course code.
        expect(tableRows(body, 'Courses, 2026–2027')).toEqual([
          ['Semester 1', 'Biology BIO', 'B', '0.5', '0.5'],
          ['Semester 1', 'English 11 ENG11', 'A-', '0.5', '0.5'],
          ['Semester 1', 'Algebra II MTH310', 'C+', '0.5', '0.5'],
        ]);
        expect(tableRows(body, 'Courses, 2025–2026')).toEqual([
          ['Semester 2', 'AP Human Geography APHG · weighted (honors or AP)', 'F', '0.5', '0'],
          ['Full year', 'Honors Chemistry CHM210H · weighted (honors or AP)', 'A-', '1', '1'],
          ['Full year', 'English 10 ENG10', 'B+', '1', '1'],
        ]);
      }
    });
  });

  describe('Assignments', () => {
    const count = (html: string) => textOf(/<p role="status">([\s\S]*?)<\/p>/.exec(html)?.[1] ?? '');

    it('lists every assignment of the student’s classes, and what each filter asks for', async () => {
      const base = `/students/${ortiz.student.id}/assignments`;
      for (const reader of await bothReaders()) {
        // The whole year (the page opens on the current grading period: tests/web/polish-home.test.ts):
        // English 1, Biology 13 (1 in Quarter 2, 12 in Quarter 3), Ceramics 6; Leo's class is not hers.
        expect(count(await page(reader, `${base}?filter=all`))).toBe('20 assignments');
        // Missing, newest first, with the class: Ceramics' Coil vase and Biology's Quiz: membranes.
        const missing = await page(reader, `${base}?filter=missing&view=date`);
        expect(count(missing)).toBe('2 assignments');
        expect(tableRows(missing, 'Missing')).toEqual([
          ['Fri, Jan 22', 'Ceramics', 'Coil vase Classwork', '0 / 10', '0.00%', 'Missing'],
          ['Thu, Jan 21', 'Biology', 'Quiz: membranes Quizzes Teacher’s comment: Please turn this in.', '0 / 20', '0.00%', 'Missing'],
        ]);
        // Late: only Critique 1, under its class.
        const late = await page(reader, `${base}?filter=late&view=class`);
        expect(count(late)).toBe('1 assignment');
        expect(tableRows(late, 'Ceramics')).toEqual([['Mon, Feb 8', 'Critique 1 Critiques', '17 / 20', '85.00%', 'Late']]);
        // Due in the next two weeks (to Feb 23), soonest first: not the exempt or scored work, not
        // Unit test: evolution (Mar 5), and Unit test: ecology although Leo already has a score on it.
        const upcoming = await page(reader, `${base}?filter=upcoming&view=date`);
        expect(count(upcoming)).toBe('2 assignments');
        expect(tableRows(upcoming, 'Due in the next two weeks')).toEqual([
          ['Fri, Feb 12', 'Biology', 'Lab report: enzymes Quizzes', 'Not due yet', '—', ''],
          ['Fri, Feb 19', 'Biology', 'Unit test: ecology Tests', 'Not due yet', '—', ''],
        ]);
      }
    });
  });

  describe('Today', () => {
    const missingAndUnexplained = [
      'Missing Biology: Quiz: membranes (Thu, Jan 21)',
      'Missing Ceramics: Coil vase (Fri, Jan 22)',
      // 30 / 50 = 60 %, below 70, due in the last two weeks (Jan 26 – Feb 9)
      'Low score English 11: Essay: Gatsby (Wed, Feb 3) 60.00%',
      'Not explained yet Absence on Wed, Feb 3 not explained yet: All day. Please tell the attendance office why.',
    ];

    it('lists today’s classes with the one going on now, work due this week, recent scores and what needs attention', async () => {
      for (const reader of await bothReaders()) {
        const body = await page(reader, `/students/${ortiz.student.id}/today`);
        // Tuesday at noon in Chicago: Ceramics (11:20–12:10) is going on; Algebra II ended in December.
        expect(listItems(body, 'hr-today-classes')).toEqual([
          '8:00 AM – 8:50 AM English 11 · Room A-201',
          '8:55 AM – 9:45 AM Biology · Room B-114',
          '11:20 AM – 12:10 PM Ceramics · Room ART-3 now',
        ]);
        expect(listItems(body, 'hr-attention')).toEqual(expect.arrayContaining(missingAndUnexplained));
        // Due by next Tuesday and not scored: only the lab report (ecology is due in ten days).
        expect(items(section(body, 'due-heading'))).toEqual(['Fri, Feb 12: Biology · Lab report: enzymes']);
        // Scores of work due in the last two weeks (since Jan 26), newest first (Feb 5: the later-made
        // assignment first), whatever counts in the grade.
        expect(items(section(body, 'scores-heading'))).toEqual([
          'Ceramics · Critique 1: 17 / 20 (85.00%)',
          'Biology · Unit test: genetics: 92 / 100 (92.00%)',
          'Ceramics · Wheel bowl: 20 / 50 (40.00%)',
          'Biology · Quiz: energy: 4 / 20 (20.00%)',
          'English 11 · Essay: Gatsby: 30 / 50 (60.00%)',
          'Ceramics · Slab box: 41 / 50 (82.00%)',
          'Biology · Unit test: cells: 88 / 100 (88.00%)',
        ]);
      }
    });

    it('says there is no school on a holiday (with the calendar’s reason) and on a weekend', async () => {
      for (const [now, expected] of [
        ['2027-01-18T18:00:00Z', 'No school today: Martin Luther King Jr. Day.'],
        ['2027-02-13T18:00:00Z', 'No school today.'],
      ] as const) {
        const other = await makeApp(get(), { now: () => new Date(now) });
        try {
          const c = new Client(other, {}, `10.8.0.${++address % 250}`);
          await c.submit('/sign-in', { username: ortiz.guardianAccount!.username, password: ortiz.guardianAccount!.password });
          const body = await page(c, `/students/${ortiz.student.id}/today`);
          expect(textOf(section(body, 'classes-heading'))).toBe(`Today’s classes ${expected}`);
        } finally {
          await other.close();
        }
      }
    });

    // Found by this fixture: "Needs attention" listed as low scores Biology's Quiz: energy (4/20) and
    // Ceramics' Wheel bowl (20/50), which their teachers dropped — they count for nothing in the grade,
    // as an exempt score does not. A family was told to worry about work that cannot lower the grade.
    it('does not call a score the teacher dropped a low score that needs attention', async () => {
      const body = await page(await signedIn(ortiz.guardianAccount), `/students/${ortiz.student.id}/today`);
      expect(listItems(body, 'hr-attention')).toEqual(missingAndUnexplained);
    });
  });

  describe('What if and the grade trend', () => {
    it('answers hypothetical scores with the grade they would make, and saves nothing', async () => {
      const parent = await signedIn(ortiz.guardianAccount);
      const base = `/students/${ortiz.student.id}/grades/${biology.id}/what-if?term=${world.terms.Q3.id}`;
      const a = biology.assignments;
      // Quiz: membranes turned in at 20/20: Quizzes (17 + 20) / 40 = 92.5 %
      //   → (20 × 90 + 30 × 92.5 + 50 × 90) / 100 = (1800 + 2775 + 4500) / 100 = 90.75 → A-
      const turnedIn = textOf(await page(parent, `${base}&a${a['Quiz: membranes']}=20`));
      expect(turnedIn).toContain('Grade now: C 75.75%');
      expect(turnedIn).toContain('With these scores: A- 90.75%');
      // One more test at 100/100: Tests (180 + 100) / 300 = 93.33… %
      //   → 18 + 12.75 + 50 × 0.9333… = 77.4166… → 77.42 → C+
      expect(textOf(await page(parent, `${base}&cat=${biology.categories.Tests}&pts=100&of=100`))).toContain('With these scores: C+ 77.42%');
      // A score the teacher dropped stays dropped, whatever it would be: still 75.75.
      expect(textOf(await page(parent, `${base}&a${a['Quiz: energy']}=20`))).toContain('With these scores: C 75.75%');
      // Nothing was saved.
      expect(textOf(await page(parent, `/students/${ortiz.student.id}/grades/${biology.id}`))).toContain('Grade in progress: C 75.75%');
      expect(tableRows(await page(parent, `/students/${ortiz.student.id}/grades/${biology.id}`), 'Categories')[1]).toEqual(['Quizzes', '30%', '17 / 40', '42.50%']);
    });

    it('draws the grade as it stood at the end of each school week of the quarter', async () => {
      const body = await page(await signedIn(ortiz.studentAccount), `/students/${ortiz.student.id}/grades/${biology.id}`);
      // Each Friday from Jan 8, then today; only work due by that day:
      //   Jan 8:  Homework 8/10 (the only score stays, though the rule drops one) → 80 → B-
      //   Jan 15: Homework 10/10 (8/10 dropped) = 100, Quizzes 17/20 = 85 → (2000 + 2550) / 50 = 91 → A-
      //   Jan 22: Homework 18/20 = 90 (5/10 dropped), Quizzes 17/40 = 42.5 → (1800 + 1275) / 50 = 61.5 → D
      //   Jan 29: + Tests 88/100 (flashcards exempt) → (1800 + 1275 + 4400) / 100 = 74.75 → C
      //   Feb 5:  + Tests 92/100 (Quiz: energy dropped) → 75.75 → C; and so today, Feb 9
      expect(tableRows(body, 'Grade trend: Biology, Quarter 3')).toEqual([
        ['Fri, Jan 8', 'B- 80.00%'],
        ['Fri, Jan 15', 'A- 91.00%'],
        ['Fri, Jan 22', 'D 61.50%'],
        ['Fri, Jan 29', 'C 74.75%'],
        ['Fri, Feb 5', 'C 75.75%'],
        ['Tue, Feb 9', 'C 75.75%'],
      ]);
    });
  });

  describe('Report Cards and Documents', () => {
    it('lists every posted grade by grading period and semester', async () => {
      for (const reader of await bothReaders()) {
        const body = await page(reader, `/students/${ortiz.student.id}/report-cards`);
        // Posted: Biology in Quarters 1 and 2; English, Biology and Algebra II for Semester 1; nothing for
        // Quarter 3 or Semester 2 yet.
        const cards = [...body.matchAll(/<h2 id="card-\d+">([^<]*)<\/h2>/g)].map((m) => m[1]);
        expect([...cards].sort()).toEqual(['Quarter 1', 'Quarter 2', 'Semester 1']);
        expect(tableRows(body, 'Quarter 1')).toEqual([['2 · Biology', 'Rosa Marquez', 'B+', '88.00%', '—']]);
        expect(tableRows(body, 'Quarter 2')).toEqual([['2 · Biology', 'Rosa Marquez', 'B', '85.50%', 'Strong lab work.']]);
        expect(tableRows(body, 'Semester 1')).toEqual([
          ['1 · English 11', 'Daniel Brooks', 'A-', '91.00%', '—'],
          ['2 · Biology', 'Rosa Marquez', 'B', '84.20%', '—'],
          ['3 · Algebra II', 'Helen Cho', 'C+', '78.00%', '—'],
        ]);
      }
    });

    it('offers the transcript and each report card as PDFs with the same numbers', async () => {
      const parent = await signedIn(ortiz.guardianAccount);
      const maya = ortiz.student.id;
      const documents = await page(parent, `/students/${maya}/documents`);
      const links = [...documents.matchAll(/href="(\/students\/\d+\/[^"]+\.pdf)"/g)].map((m) => m[1]!);
      const { Q1, Q2, S1 } = world.terms;
      expect(links[0]).toBe(`/students/${maya}/transcript.pdf`);
      expect(links.slice(1).sort()).toEqual([Q1, Q2, S1].map((t) => `/students/${maya}/report-cards/${t.id}.pdf`).sort());
      for (const link of links) expect((await parent.get(link)).headers['content-type'], link).toBe('application/pdf');
      // Leo has no high-school courses completed yet: report cards only, no transcript.
      expect(await page(parent, `/students/${leo.id}/documents`)).not.toContain('transcript.pdf');
      if (PDFTOTEXT) {
        const transcript = pdfText((await parent.get(`/students/${maya}/transcript.pdf`)).rawPayload);
        expect(transcript).toContain('UNOFFICIAL TRANSCRIPT');
        expect(transcript).toContain(ortiz.student.number);
        expect(transcript).toContain('3.083');
        expect(transcript).toContain('3.167');
        for (const code of ['ENG9', 'MTH110', 'PE9', 'ENG10', 'CHM210H', 'APHG', 'BIO', 'ENG11', 'MTH310']) expect(transcript).toContain(code);
        const card = pdfText((await parent.get(`/students/${maya}/report-cards/${S1.id}.pdf`)).rawPayload);
        expect(card).toContain('Report card, Semester 1');
        for (const line of ['1. English 11: A- (91.00%)', '2. Biology: B (84.20%)', '3. Algebra II: C+ (78.00%)']) expect(card).toContain(line);
      }
    });
  });

  describe('Immunizations', () => {
    it('says, at the student’s grade, which vaccines are complete, exempt, missing doses or not required', async () => {
      const mother = await signedIn(ortiz.guardianAccount);
      // Maya, grade 11: MMR 2 of 2, Tdap 1 of 1, varicella 1 of 2 with a medical exemption, MenACWY only at 12.
      const maya = await page(mother, `/students/${ortiz.student.id}/immunizations`);
      expect(textOf(maya)).toContain('Meets the district’s immunization requirements.');
      expect(tableRows(maya, 'Vaccines')).toEqual([
        ['Measles, mumps, rubella (MMR)', 'Fri, April 1, 2011; Tue, September 2, 2014', '2', 'Complete'],
        ['Tdap booster', 'Tue, August 3, 2021', '1', 'Complete'],
        ['Varicella (chickenpox)', 'Fri, April 1, 2011', '2', 'Exempt Medical exemption on file'],
        ['Meningococcal (MenACWY)', '—', 'Not required at this grade', 'Not required'],
      ]);
      // Leo, grade 9: his second MMR dose is dated March 1, after today: one more needed.
      const leoPage = await page(mother, `/students/${leo.id}/immunizations`);
      expect(textOf(leoPage)).toContain('Does not meet the district’s immunization requirements yet');
      expect(tableRows(leoPage, 'Vaccines')[0]).toEqual(['Measles, mumps, rubella (MMR)', 'Mon, July 1, 2013', '2', 'Incomplete 1 more needed']);
    });
  });

  describe('who sees a student', () => {
    const routes = (id: number) => [...TOOLS.map((t) => `/students/${id}/${t}`), `/students/${id}/grades/${biology.id}`, `/students/${id}/transcript.pdf`];

    it('shows nothing of Maya to a guardian whose rights were revoked or who has no portal access', async () => {
      for (const family of [revoked, noAccess]) {
        const reader = await signedIn(family.guardianAccount);
        for (const url of routes(ortiz.student.id)) {
          const res = await reader.get(url);
          expect(res.statusCode, `${family.guardian.first} ${url}`).toBe(404);
          expect(res.body).not.toContain('Maya');
        }
        const home = await page(reader, '/home');
        expect(home).not.toContain('Maya');
        expect(textOf(home)).toContain('No students are linked to your account with portal access.');
      }
      // Her mother sees both her children; Maya sees herself and not her brother.
      const mother = await signedIn(ortiz.guardianAccount);
      for (const url of [...routes(ortiz.student.id), `/students/${leo.id}/grades`]) expect((await mother.get(url)).statusCode, url).toBe(200);
      const maya = await signedIn(ortiz.studentAccount);
      expect((await maya.get(`/students/${leo.id}/grades`)).statusCode).toBe(404);
    });

    it('shows an adult student’s records to the student and not to the guardian, while the district ends access at 18', async () => {
      const sam = reyes.student;
      const mother = await signedIn(reyes.guardianAccount);
      // Sam turned 18 yesterday and Nina today: both adults; Theo is 18 tomorrow, a minor today.
      for (const adult of [sam, eighteenToday]) {
        for (const url of routes(adult.id)) expect((await mother.get(url)).statusCode, `${adult.first} ${url}`).toBe(404);
      }
      for (const url of TOOLS.map((t) => `/students/${eighteenTomorrow.id}/${t}`)) expect((await mother.get(url)).statusCode, `Theo ${url}`).toBe(200);
      const home = await page(mother, '/home');
      expect(home).not.toContain('Sam');
      expect(home).not.toContain('Nina');
      expect(home).toContain('Theo');
      const himself = await signedIn(reyes.studentAccount);
      expect((await himself.get(`/students/${sam.id}/schedule`)).statusCode).toBe(200);
      // Where guardians keep access at 18, the same link shows him again.
      const db = get().db;
      const before = await db.selectFrom('district').select('settings').executeTakeFirstOrThrow();
      try {
        await db.updateTable('district').set({ settings: JSON.stringify({ guardiansKeepAccessAt18: true }) }).execute();
        app.services.districts.invalidate();
        for (const adult of [sam, eighteenToday]) expect((await mother.get(`/students/${adult.id}/schedule`)).statusCode).toBe(200);
      } finally {
        await db.updateTable('district').set({ settings: before.settings }).execute();
        app.services.districts.invalidate();
      }
    });
  });
});
