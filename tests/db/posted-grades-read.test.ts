/**
 * What the family's pages read of posted grades (gradesOf): each posted grade with its own report-card
 * comment codes, in the order the teacher chose them, none on a grade posted without codes — the grades
 * and their codes are read in one statement and put back together in code, so a code must never slip to
 * the neighbouring grade.
 *
 * Fixtures (written here): Maya in three classes, each with one Test of 20 points in Quarter 2, graded
 * 17, 19 and 12; posted with the codes TUT then EFF (Algebra II), none (Biology), EFF alone (Chemistry).
 */
import { expect, it } from 'vitest';
import { readableStudent } from '../../src/domain/access/portal.js';
import { teacherScope } from '../../src/domain/access/staff.js';
import { gradesOf } from '../../src/domain/gradebook/grades.js';
import { postGrades, postingSheet, type PostingEntry } from '../../src/domain/gradebook/posting.js';
import { describeEachEngine } from '../support/db.js';
import { schoolYear, sectionWithGradebook, staffMember, student, teachSection } from '../support/factories.js';

const TODAY = '2027-02-09';

describeEachEngine('posted grades as the family reads them', (get) => {
  it('gives each posted grade its own codes, in the teacher’s order', async () => {
    const { db } = get();
    const world = await schoolYear(db, { today: TODAY });
    const maya = await student(db, world, { first: 'Maya', last: 'Ortiz', grade: 11 });
    const rosa = await staffMember(db, world, { first: 'Rosa', last: 'Marquez', roles: [{ role: 'teacher' }] });
    const code = async (c: string, en: string, es: string) => (await db.insertInto('report_card_comments').values({ code: c, text_en: en, text_es: es }).returning('id').executeTakeFirstOrThrow()).id;
    const eff = await code('EFF', 'Excellent effort', 'Excelente esfuerzo');
    const tut = await code('TUT', 'Would benefit from tutoring', 'Le beneficiaría asistir a tutorías');
    const period = world.terms.Q2.id;
    const now = new Date(`${TODAY}T18:00:00Z`);
    const classes = [
      { code: 'MAT201', title: 'Algebra II', points: 17, letter: 'B', codes: [tut, eff], comment: 'Keep going.' },
      { code: 'BIO101', title: 'Biology', points: 19, letter: 'A', codes: [], comment: 'No codes here.' },
      { code: 'CHE101', title: 'Chemistry', points: 12, letter: 'D', codes: [eff], comment: null },
    ];
    const sectionIds: number[] = [];
    for (const [i, c] of classes.entries()) {
      const section = await sectionWithGradebook(db, world, {
        course: { code: c.code, title: c.title },
        period: String(i + 1),
        categories: [{ name: 'Tests', weight: null }],
        method: 'points',
        assignments: [{ title: 'Test', category: 'Tests', quarter: 'Q2', due: '2026-12-01', possible: 20 }],
        students: [{ student: maya }],
        scores: [{ student: maya, assignment: 'Test', points: c.points }],
      });
      await teachSection(db, rosa, section, { primary: true });
      sectionIds.push(section.id);
      const scope = await teacherScope(db, rosa.id, TODAY);
      const sheet = (await postingSheet(db, scope, section.id, period, TODAY))!;
      const entries = new Map<number, PostingEntry>([[maya.id, { letter: c.letter, codes: c.codes, comment: c.comment ?? '' }]]);
      const listed = sheet.rows.map((r) => ({ studentId: r.studentId, shownPercent: r.proposed.percent === null ? '' : String(r.proposed.percent), version: '' }));
      const result = await postGrades(db, scope, { sectionId: section.id, periodId: period, entries, listed, actorAccountId: rosa.account!.id, ip: null }, TODAY, now);
      expect(result.kind).toBe('posted');
    }

    const proof = (await readableStudent(db, { person_kind: 'student', student_id: maya.id, guardian_id: null }, maya.id, null))!;
    const grades = await gradesOf(db, proof, TODAY);
    const postedOf = (sectionId: number) => grades.classes.find((c) => c.class.sectionId === sectionId)!.periods.find((p) => p.period.id === period)!.posted;
    const shown = sectionIds.map((id) => {
      const p = postedOf(id)!;
      return { letter: p.letter, percent: p.percent, comment: p.comment, codes: p.codes.map((k) => `${k.code}: ${k.text.en} / ${k.text.es}`) };
    });
    expect(shown).toEqual([
      { letter: 'B', percent: 85, comment: 'Keep going.', codes: ['TUT: Would benefit from tutoring / Le beneficiaría asistir a tutorías', 'EFF: Excellent effort / Excelente esfuerzo'] },
      { letter: 'A', percent: 95, comment: 'No codes here.', codes: [] },
      { letter: 'D', percent: 60, comment: '', codes: ['EFF: Excellent effort / Excelente esfuerzo'] },
    ]);
  });
});
