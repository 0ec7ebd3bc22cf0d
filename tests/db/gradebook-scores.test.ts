/**
 * The score writer (domain/gradebook/scores.ts) on both engines, without the web layer: two saves of the
 * same cell started together (a new score and a changed one) leave exactly one written and one change
 * event, the other told which cell; someone who does not teach the section writes nothing; the grade it
 * shows is the portal's. Expected values are worked out by hand from the fixture.
 *
 * Quarter 3 (5 January – 12 March 2027). Chemistry, a points class: Lab 1 (20 points) and Lab 2 (30).
 * Sam has Lab 1 15/20; Ava has nothing yet. Rosa teaches it; Paul teaches nothing here.
 */
import { beforeAll, expect, it } from 'vitest';
import { teacherScope } from '../../src/domain/access/staff.js';
import { gradebookFor, saveScores, type SaveInput } from '../../src/domain/gradebook/scores.js';
import { describeEachEngine } from '../support/db.js';
import { schoolYear, sectionWithGradebook, staffMember, student, teachSection, type SectionFixture, type StaffFixture, type StudentFixture, type World } from '../support/factories.js';

const TODAY = '2027-02-09';
const NOW = new Date(`${TODAY}T18:00:00Z`);

describeEachEngine('the gradebook’s score writer', (get) => {
  let world: World;
  let chemistry: SectionFixture;
  let sam: StudentFixture;
  let ava: StudentFixture;
  let rosa: StaffFixture;
  let paul: StaffFixture;

  beforeAll(async () => {
    const db = get().db;
    world = await schoolYear(db, { today: TODAY });
    sam = await student(db, world, { first: 'Sam', last: 'Berg', grade: 11 });
    ava = await student(db, world, { first: 'Ava', last: 'Cole', grade: 11 });
    chemistry = await sectionWithGradebook(db, world, {
      course: { code: 'SCI401', title: 'Chemistry' },
      period: '3',
      method: 'points',
      categories: [{ name: 'Labs', weight: null }],
      assignments: [
        { title: 'Lab 1', category: 'Labs', quarter: 'Q3', due: '2027-01-15', possible: 20 },
        { title: 'Lab 2', category: 'Labs', quarter: 'Q3', due: '2027-02-05', possible: 30 },
      ],
      students: [{ student: sam }, { student: ava }],
      scores: [{ student: sam, assignment: 'Lab 1', points: 15 }],
    });
    rosa = await staffMember(db, world, { first: 'Rosa', last: 'Marquez', roles: [{ role: 'teacher' }] });
    paul = await staffMember(db, world, { first: 'Paul', last: 'Nyberg', roles: [{ role: 'teacher' }] });
    await teachSection(db, rosa, chemistry, { primary: true });
  });

  const input = (edits: SaveInput['edits']): SaveInput => ({
    sectionId: chemistry.id,
    periodId: world.terms.Q3.id,
    listed: [sam.id, ava.id],
    edits,
    maxMultiple: 2,
    actorAccountId: rosa.account!.id,
    ip: null,
  });
  const score = (s: StudentFixture, title: string) =>
    get().db.selectFrom('assignment_scores').select(['points', 'version']).where('student_id', '=', s.id).where('assignment_id', '=', chemistry.assignments[title]!).executeTakeFirst();
  const eventsOf = (s: StudentFixture) => get().db.selectFrom('change_events').select(['kind', 'action']).where('student_id', '=', s.id).execute();

  it('shows the grade the portal computes: points earned over points possible', async () => {
    const scope = await teacherScope(get().db, rosa.id, TODAY);
    const book = await gradebookFor(get().db, scope, chemistry.id, null, TODAY);
    expect(book?.period.id).toBe(world.terms.Q3.id);
    // Sam: 15/20 = 75.00 % (C); Ava: nothing counts yet.
    expect(book?.rows.map((r) => [r.firstName, r.grade.percent, r.grade.letter])).toEqual([
      ['Sam', 75, 'C'],
      ['Ava', null, null],
    ]);
  });

  it('of two saves of a new score started together, exactly one is written', async () => {
    const scope = await teacherScope(get().db, rosa.id, TODAY);
    const lab2 = chemistry.assignments['Lab 2']!;
    const [a, b] = await Promise.all([
      saveScores(get().db, scope, input([{ studentId: ava.id, assignmentId: lab2, version: 0, set: { points: 25 } }]), TODAY, NOW),
      saveScores(get().db, scope, input([{ studentId: ava.id, assignmentId: lab2, version: 0, set: { points: 26 } }]), TODAY, NOW),
    ]);
    expect([a.kind, b.kind].sort()).toEqual(['saved', 'stale']);
    const stale = a.kind === 'stale' ? a : b;
    expect(stale.kind === 'stale' && stale.cells).toEqual([`${ava.id}_${lab2}`]);
    const written = await score(ava, 'Lab 2');
    expect([25, 26]).toContain(written?.points);
    expect(written?.version).toBe(1);
    expect(await eventsOf(ava)).toEqual([{ kind: 'score', action: 'created' }]);
  });

  it('of two changes of the same score started together, exactly one is written', async () => {
    const scope = await teacherScope(get().db, rosa.id, TODAY);
    const lab1 = chemistry.assignments['Lab 1']!;
    const [a, b] = await Promise.all([
      saveScores(get().db, scope, input([{ studentId: sam.id, assignmentId: lab1, version: 1, set: { points: 16 } }]), TODAY, NOW),
      saveScores(get().db, scope, input([{ studentId: sam.id, assignmentId: lab1, version: 1, set: { points: 17 } }]), TODAY, NOW),
    ]);
    expect([a.kind, b.kind].sort()).toEqual(['saved', 'stale']);
    const written = await score(sam, 'Lab 1');
    expect([16, 17]).toContain(written?.points);
    expect(written?.version).toBe(2);
    expect(await eventsOf(sam)).toEqual([{ kind: 'score', action: 'updated' }]);
  });

  it('writes nothing for a teacher of no section here, nor for a cell past the largest score', async () => {
    const lab1 = chemistry.assignments['Lab 1']!;
    const before = await get().db.selectFrom('assignment_scores').selectAll().orderBy('id').execute();
    const outsider = await teacherScope(get().db, paul.id, TODAY);
    expect((await saveScores(get().db, outsider, input([{ studentId: ava.id, assignmentId: lab1, version: 0, set: { points: 1 } }]), TODAY, NOW)).kind).toBe('notFound');
    const scope = await teacherScope(get().db, rosa.id, TODAY);
    // 41 > 2 × 20, beside a good cell: neither is written.
    const bad = await saveScores(
      get().db,
      scope,
      input([
        { studentId: ava.id, assignmentId: lab1, version: 0, set: { points: 41 } },
        { studentId: sam.id, assignmentId: chemistry.assignments['Lab 2']!, version: 0, set: { points: 10 } },
      ]),
      TODAY,
      NOW,
    );
    expect(bad.kind === 'invalid' && [...bad.cells]).toEqual([[`${ava.id}_${lab1}`, 'aboveMax']]);
    expect(await get().db.selectFrom('assignment_scores').selectAll().orderBy('id').execute()).toEqual(before);
  });

  it('reads each stored score exactly as stored: points to the last digit of the double, every flag, the comment and the version', async () => {
    const db = get().db;
    // Physics (points): Quiz 1 (10 points) and Quiz 2 (3). Points an import may store (not typed: more
    // digits than a cell takes), and each flag alone and together.
    const physics = await sectionWithGradebook(db, world, {
      course: { code: 'SCI402', title: 'Physics' },
      period: '4',
      method: 'points',
      categories: [{ name: 'Quizzes', weight: null }],
      assignments: [
        { title: 'Quiz 1', category: 'Quizzes', quarter: 'Q3', due: '2027-01-20', possible: 10 },
        { title: 'Quiz 2', category: 'Quizzes', quarter: 'Q3', due: '2027-02-01', possible: 3 },
      ],
      students: [{ student: sam }, { student: ava }],
      scores: [
        { student: sam, assignment: 'Quiz 1', points: 33.333333333333336 / 10, late: true, comment: 'Came in Monday, "late" & <ok>' },
        { student: sam, assignment: 'Quiz 2', points: 0.1 + 0.2, missing: true, exempt: true, incomplete: true, dropped: true },
        { student: ava, assignment: 'Quiz 1', points: null, missing: true },
      ],
    });
    await teachSection(db, rosa, physics, { primary: true });
    await db.updateTable('assignment_scores').set({ version: 7 }).where('student_id', '=', sam.id).where('assignment_id', '=', physics.assignments['Quiz 1']!).execute();
    const book = await gradebookFor(db, await teacherScope(db, rosa.id, TODAY), physics.id, null, TODAY);
    const cells = (s: StudentFixture) => {
      const row = book!.rows.find((r) => r.studentId === s.id)!;
      return [physics.assignments['Quiz 1']!, physics.assignments['Quiz 2']!].map((a) => row.cells.get(a));
    };
    const none = { missing: false, late: false, exempt: false, incomplete: false, dropped: false };
    expect(cells(sam)).toEqual([
      { ...none, points: 3.3333333333333335, late: true, comment: 'Came in Monday, "late" & <ok>', version: 7 },
      { points: 0.30000000000000004, missing: true, exempt: true, incomplete: true, dropped: true, late: false, comment: null, version: 1 },
    ]);
    expect(cells(ava)).toEqual([
      { ...none, points: null, missing: true, comment: null, version: 1 },
      { ...none, points: null, comment: null, version: 0 },
    ]);
    // Sam: Quiz 1 counts (3.3333333333333335 of 10), Quiz 2 is dropped by hand: 33.33 %. Ava: a missing zero of 10.
    expect(book!.rows.map((r) => [r.firstName, r.grade.percent])).toEqual([
      ['Sam', 33.33],
      ['Ava', 0],
    ]);
  });
});
