/**
 * Two teachers of a section post its grades at the same moment (issue 19): exactly one posting is
 * written, the other is refused as stale with the grades as they are now, and no student has two
 * grades, codes from both or change events from the refused one. Then the refused teacher posts again
 * from the fresh sheet and their correction replaces the first posting, which goes to history.
 *
 * The gradebook (written here): one Test of 20 points in Quarter 2; Maya scores 17 (85.00 %, B), Leo
 * 19 (95.00 %, A) on the fixture scale.
 *
 * And the posting window: a period opens in its last 7 days (Quarter 3 ends Friday 12 March 2027, so it
 * opens Saturday 6 March) and stays open after; a post the day before is refused with nothing written.
 */
import { expect, it } from 'vitest';
import { teacherScope } from '../../src/domain/access/staff.js';
import { postGrades, postingSheet, type PostingEntry, type PostingSheet } from '../../src/domain/gradebook/posting.js';
import { describeEachEngine } from '../support/db.js';
import { schoolYear, sectionWithGradebook, staffMember, student, teachSection } from '../support/factories.js';

const TODAY = '2027-02-09';

describeEachEngine('posting grades at the same moment', (get) => {
  it('writes one posting and refuses the other, leaving no mixture of the two', async () => {
    const { db } = get();
    const world = await schoolYear(db, { today: TODAY });
    const maya = await student(db, world, { first: 'Maya', last: 'Ortiz', grade: 11 });
    const leo = await student(db, world, { first: 'Leo', last: 'Ortiz', grade: 9 });
    const section = await sectionWithGradebook(db, world, {
      course: { code: 'MAT201', title: 'Algebra II' },
      period: '1',
      categories: [{ name: 'Tests', weight: null }],
      method: 'points',
      assignments: [{ title: 'Test', category: 'Tests', quarter: 'Q2', due: '2026-12-01', possible: 20 }],
      students: [{ student: maya }, { student: leo }],
      scores: [
        { student: maya, assignment: 'Test', points: 17 },
        { student: leo, assignment: 'Test', points: 19 },
      ],
    });
    const rosa = await staffMember(db, world, { first: 'Rosa', last: 'Marquez', roles: [{ role: 'teacher' }] });
    const ana = await staffMember(db, world, { first: 'Ana', last: 'Lopez', roles: [{ role: 'teacher' }] });
    await teachSection(db, rosa, section, { primary: true });
    await teachSection(db, ana, section);
    const eff = (await db.insertInto('report_card_comments').values({ code: 'EFF', text_en: 'Excellent effort', text_es: 'Excelente esfuerzo' }).returning('id').executeTakeFirstOrThrow()).id;
    const tut = (await db.insertInto('report_card_comments').values({ code: 'TUT', text_en: 'Would benefit from tutoring', text_es: 'Le beneficiaría asistir a tutorías' }).returning('id').executeTakeFirstOrThrow()).id;

    const period = world.terms.Q2.id;
    const scopes = { rosa: await teacherScope(db, rosa.id, TODAY), ana: await teacherScope(db, ana.id, TODAY) };
    const sheet = (await postingSheet(db, scopes.rosa, section.id, period, TODAY))!;
    expect(sheet.rows.map((r) => [r.lastName, r.firstName, r.proposed.percent, r.proposed.letter])).toEqual([
      ['Ortiz', 'Leo', 95, 'A'],
      ['Ortiz', 'Maya', 85, 'B'],
    ]);
    const listedFrom = (s: PostingSheet) => s.rows.map((r) => ({ studentId: r.studentId, shownPercent: r.proposed.percent === null ? '' : String(r.proposed.percent), version: r.posted ? String(r.posted.version) : '' }));
    const posting = (codes: number[], comment: string) =>
      new Map<number, PostingEntry>([
        [maya.id, { letter: 'B', codes, comment }],
        [leo.id, { letter: 'A', codes, comment }],
      ]);
    const now = new Date(`${TODAY}T18:00:00Z`);
    const [first, second] = await Promise.all([
      postGrades(db, scopes.rosa, { sectionId: section.id, periodId: period, entries: posting([eff], 'From Rosa'), listed: listedFrom(sheet), actorAccountId: rosa.account!.id, ip: null }, TODAY, now),
      postGrades(db, scopes.ana, { sectionId: section.id, periodId: period, entries: posting([tut], 'From Ana'), listed: listedFrom(sheet), actorAccountId: ana.account!.id, ip: null }, TODAY, now),
    ]);
    const kinds = [first.kind, second.kind].sort();
    expect(kinds).toEqual(['posted', 'stale']);
    const winner = first.kind === 'posted' ? { name: 'Rosa', account: rosa.account!.id, code: 'EFF' } : { name: 'Ana', account: ana.account!.id, code: 'TUT' };
    const loser = first.kind === 'posted' ? { scope: scopes.ana, account: ana.account!.id, code: tut, name: 'Ana' } : { scope: scopes.rosa, account: rosa.account!.id, code: eff, name: 'Rosa' };
    const refused = first.kind === 'stale' ? first : second;
    // The refusal carries the sheet as it is now: the winner's grades.
    if (refused.kind !== 'stale') throw new Error('expected a stale result');
    expect(refused.sheet.rows.map((r) => r.posted?.comment)).toEqual([`From ${winner.name}`, `From ${winner.name}`]);

    const rows = await db.selectFrom('term_grades').select(['student_id', 'letter', 'comment', 'updated_by', 'version']).orderBy('student_id').execute();
    expect(rows).toEqual([
      { student_id: maya.id, letter: 'B', comment: `From ${winner.name}`, updated_by: winner.account, version: 1 },
      { student_id: leo.id, letter: 'A', comment: `From ${winner.name}`, updated_by: winner.account, version: 1 },
    ]);
    const codes = await db
      .selectFrom('term_grade_comments as tc')
      .innerJoin('report_card_comments as rc', 'rc.id', 'tc.comment_id')
      .select('rc.code')
      .execute();
    expect(codes.map((c) => c.code)).toEqual([winner.code, winner.code]);
    const events = await db.selectFrom('change_events').select(['actor_account_id', 'action']).where('kind', '=', 'term_grade').execute();
    expect(events).toEqual([
      { actor_account_id: winner.account, action: 'created' },
      { actor_account_id: winner.account, action: 'created' },
    ]);
    expect(await db.selectFrom('term_grade_history').selectAll().execute()).toEqual([]);

    // The refused teacher posts again from the fresh sheet: the first posting goes to history.
    const later = new Date(`${TODAY}T18:05:00Z`);
    const again = await postGrades(
      db,
      loser.scope,
      { sectionId: section.id, periodId: period, entries: posting([loser.code], `From ${loser.name}`), listed: listedFrom(refused.sheet), actorAccountId: loser.account, ip: null },
      TODAY,
      later,
    );
    expect(again).toEqual({ kind: 'posted', changed: 2 });
    const history = await db.selectFrom('term_grade_history').select(['letter', 'codes', 'comment', 'posted_by', 'replaced_by']).orderBy('id').execute();
    // In roster order: Leo, then Maya.
    expect(history).toEqual([
      { letter: 'A', codes: JSON.stringify([winner.code]), comment: `From ${winner.name}`, posted_by: winner.account, replaced_by: loser.account },
      { letter: 'B', codes: JSON.stringify([winner.code]), comment: `From ${winner.name}`, posted_by: winner.account, replaced_by: loser.account },
    ]);
    expect((await db.selectFrom('term_grades').select('version').execute()).map((r) => r.version)).toEqual([2, 2]);
  });
});

describeEachEngine('when a grading period may be posted', (get) => {
  it('opens a grading period for posting in its last 7 days, not before', async () => {
    const { db } = get();
    const world = await schoolYear(db, { today: TODAY });
    const maya = await student(db, world, { first: 'Maya', last: 'Cruz', grade: 11 });
    const section = await sectionWithGradebook(db, world, { course: { code: 'HIS101', title: 'History' }, period: '2', students: [{ student: maya }] });
    const teacher = await staffMember(db, world, { first: 'Tom', last: 'Reyes', roles: [{ role: 'teacher' }] });
    await teachSection(db, teacher, section, { primary: true });
    // Quarter 3 ends on Friday 12 March 2027: its last 7 days begin on Saturday 6 March.
    const q3 = world.terms.Q3.id;
    const on = async (day: string) => (await postingSheet(db, await teacherScope(db, teacher.id, day), section.id, q3, day))!;
    expect(await on('2027-03-05')).toMatchObject({ open: false, opensOn: '2027-03-06' });
    expect((await on('2027-03-06')).open).toBe(true);
    expect((await on('2027-03-12')).open).toBe(true);
    expect((await on('2027-04-01')).open).toBe(true);
    // Refused the day before, with nothing written.
    const day = '2027-03-05';
    const scope = await teacherScope(db, teacher.id, day);
    const result = await postGrades(
      db,
      scope,
      { sectionId: section.id, periodId: q3, entries: new Map([[maya.id, { letter: null, codes: [], comment: null }]]), listed: [{ studentId: maya.id, shownPercent: '', version: '' }], actorAccountId: teacher.account!.id, ip: null },
      day,
      new Date(`${day}T18:00:00Z`),
    );
    expect(result.kind).toBe('notYet');
    expect(await db.selectFrom('term_grades').select('id').where('section_id', '=', section.id).execute()).toEqual([]);
  });
});
