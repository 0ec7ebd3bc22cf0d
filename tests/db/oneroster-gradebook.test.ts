/**
 * The OneRoster loader's gradebook and attendance (issue 20, ADR 0027): categories per section, line
 * items → assignments, results → scores with their flags, Homeroom's attendance file → attendance
 * records; the first import records no events, later ones the same events as the staff services; the
 * same package twice changes nothing; 'homeroom' keeps a teacher's edit, 'sis' overwrites it; staff's
 * attendance records are never touched. Every expected row is written by hand.
 */
import { expect, it } from 'vitest';
import { describeEachEngine } from '../support/db.js';
import { bulkRecords, demographic, dump, load, role, session, user, type Records } from '../support/oneroster.js';
import type { AttendanceRowRecord, RecordOf } from '../../src/domain/oneroster/records.js';

type Rec<K extends keyof RecordOf> = Omit<RecordOf[K], 'at'>;
const category = (sourcedId: string, title: string, weight: number | null): Rec<'categories'> => ({ sourcedId, status: 'active', title, weight, dropLowest: null });
const lineItem = (sourcedId: string, title: string, category: string, assignDate: string, dueDate: string, max: number): Rec<'lineItems'> => ({
  sourcedId, status: 'active', title, description: null, assignDate, dueDate, classSourcedId: 'K1', categorySourcedId: category, gradingPeriodSourcedId: 'Q1', resultValueMin: 0, resultValueMax: max,
});
const result = (sourcedId: string, lineItemSourcedId: string, studentSourcedId: string, scoreStatus: Rec<'results'>['scoreStatus'], score: number | null, more: Partial<Rec<'results'>> = {}): Rec<'results'> => ({
  sourcedId, status: 'active', lineItemSourcedId, studentSourcedId, scoreStatus, score, scoreDate: null, comment: null, textScore: null, late: false, missing: false, incomplete: false, dropped: null, ...more,
});
type Att = Omit<AttendanceRowRecord, 'at'>;
const att = (studentSourcedId: string, date: string, classSourcedId: string | null, code: string, excused: boolean | null = null): Att => ({ studentSourcedId, date, classSourcedId, code, excused });

/** The district's SIS with a gradebook: two categories, two line items, four results. */
function gradebookRecords(): Records {
  const r = bulkRecords();
  // (no periods: the school has no bell schedule, which would be a warning of its own)
  r.classes = r.classes!.map((k) => ({ ...k, periods: [] }));
  r.academicSessions = [...r.academicSessions!, session('Q1', 'gradingPeriod', 'Quarter 1', '2026-08-20', '2026-10-30', { parentSourcedId: 'T1' })];
  r.categories = [category('CH', 'Homework', 40), category('CT', 'Tests', 60)];
  r.lineItems = [lineItem('L1', 'Worksheet 1', 'CH', '2026-09-01', '2026-09-05', 10), lineItem('L2', 'Unit test', 'CT', '2026-09-08', '2026-09-12', 50)];
  r.results = [
    result('R1', 'L1', 'U1', 'fully graded', 9, { comment: 'Good work' }),
    result('R2', 'L1', 'U2', 'not submitted', null, { missing: true }),
    result('R3', 'L2', 'U1', 'exempt', null),
    result('R4', 'L2', 'U2', 'partially graded', 30, { late: true, textScore: 'In progress' }),
  ];
  return r;
}
const ATTENDANCE: Att[] = [att('U1', '2026-09-02', null, 'AE', true), att('U2', '2026-09-03', 'K1', 'T', false)];

const NOW2 = new Date('2026-09-16T14:00:00.000Z');
const NOW3 = new Date('2026-09-17T14:00:00.000Z');

describeEachEngine('OneRoster loader: gradebook and attendance', (get) => {
  const db = () => get().db;
  const scores = async () =>
    (
      await db()
        .selectFrom('assignment_scores as s')
        .innerJoin('assignments as a', 'a.id', 's.assignment_id')
        .innerJoin('students as st', 'st.id', 's.student_id')
        .select(['s.sourced_id', 'a.sourced_id as item', 'st.sourced_id as student', 's.points', 's.missing', 's.late', 's.exempt', 's.incomplete', 's.dropped', 's.comment', 's.updated_by'])
        .orderBy('s.sourced_id')
        .execute()
    ).map((s) => ({ ...s, points: s.points === null ? null : Number(s.points) }));
  const attendance = async () =>
    (
      await db()
        .selectFrom('attendance_records as r')
        .innerJoin('students as st', 'st.id', 'r.student_id')
        .innerJoin('attendance_codes as c', 'c.id', 'r.code_id')
        .leftJoin('sections as s', 's.id', 'r.section_id')
        .select(['st.sourced_id as student', 'r.date', 's.sourced_id as section', 'c.code', 'r.updated_by'])
        .orderBy('r.date')
        .orderBy('st.sourced_id')
        .execute()
    ).map((r) => ({ ...r, date: String(r.date).slice(0, 10) }));
  const events = async () =>
    (await db().selectFrom('change_events').select(['kind', 'action', 'subject_id', 'student_id', 'section_id', 'before', 'after']).orderBy('id').execute()).map((e) => {
      // Written as JSON.stringify writes the staff services' events: the same text, not only the same values.
      for (const text of [e.before, e.after]) if (text !== null) expect(text).toBe(JSON.stringify(JSON.parse(text)));
      return {
        ...e,
        before: e.before === null ? null : JSON.parse(e.before),
        after: e.after === null ? null : JSON.parse(e.after),
      };
    });
  const idOf = async (table: 'students' | 'sections' | 'assignments', sourcedId: string) => (await db().selectFrom(table).select('id').where('sourced_id', '=', sourcedId).executeTakeFirstOrThrow()).id;

  it('a first bulk import: categories per section, assignments, scores with their flags, attendance; no events', async () => {
    await db()
      .insertInto('attendance_codes')
      .values([
        { code: 'A', description: 'Absent', kind: 'absent', excuse: 'unknown' },
        { code: 'AE', description: 'Absent, excused', kind: 'absent', excuse: 'excused' },
        { code: 'T', description: 'Tardy', kind: 'tardy', excuse: 'unexcused' },
      ])
      .execute();
    const { report, problems } = await load(get(), gradebookRecords(), { pkg: { attendance: ATTENDANCE } });
    // The district had its attendance codes: only the scale and comment codes are added.
    expect(problems.map((p) => `${p.code} ${p.value}`)).toEqual(['load.districtCreated Lakeside Unified', 'load.starterSet gradingScale, reportCardComments']);
    expect(report.ok).toBe(true);
    expect(report.counts.categories).toEqual({ created: 2, updated: 0, deactivated: 0, reactivated: 0, unchanged: 0 });
    expect(report.counts.assignments).toEqual({ created: 2, updated: 0, deactivated: 0, reactivated: 0, unchanged: 0 });
    expect(report.counts.scores).toEqual({ created: 4, updated: 0, deactivated: 0, reactivated: 0, unchanged: 0 });
    expect(report.counts.attendance).toEqual({ created: 2, updated: 0, deactivated: 0, reactivated: 0, unchanged: 0 });
    const k1 = await idOf('sections', 'K1');
    const cats = await db().selectFrom('grading_categories').select(['section_id', 'sourced_id', 'name', 'weight', 'sequence']).orderBy('sequence').execute();
    expect(cats.map((c) => ({ ...c, weight: Number(c.weight) }))).toEqual([
      { section_id: k1, sourced_id: 'CH', name: 'Homework', weight: 40, sequence: 1 },
      { section_id: k1, sourced_id: 'CT', name: 'Tests', weight: 60, sequence: 2 },
    ]);
    const items = await db().selectFrom('assignments').select(['sourced_id', 'section_id', 'title', 'assigned_date', 'due_date', 'points_possible', 'published']).orderBy('sourced_id').execute();
    expect(items.map((a) => ({ ...a, assigned_date: String(a.assigned_date).slice(0, 10), due_date: String(a.due_date).slice(0, 10), points_possible: Number(a.points_possible) }))).toEqual([
      { sourced_id: 'L1', section_id: k1, title: 'Worksheet 1', assigned_date: '2026-09-01', due_date: '2026-09-05', points_possible: 10, published: 1 },
      { sourced_id: 'L2', section_id: k1, title: 'Unit test', assigned_date: '2026-09-08', due_date: '2026-09-12', points_possible: 50, published: 1 },
    ]);
    expect(await scores()).toEqual([
      { sourced_id: 'R1', item: 'L1', student: 'U1', points: 9, missing: 0, late: 0, exempt: 0, incomplete: 0, dropped: 0, comment: 'Good work', updated_by: null },
      { sourced_id: 'R2', item: 'L1', student: 'U2', points: null, missing: 1, late: 0, exempt: 0, incomplete: 0, dropped: 0, comment: null, updated_by: null },
      { sourced_id: 'R3', item: 'L2', student: 'U1', points: null, missing: 0, late: 0, exempt: 1, incomplete: 0, dropped: 0, comment: null, updated_by: null },
      { sourced_id: 'R4', item: 'L2', student: 'U2', points: 30, missing: 0, late: 1, exempt: 0, incomplete: 1, dropped: 0, comment: 'In progress', updated_by: null },
    ]);
    expect(await attendance()).toEqual([
      { student: 'U1', date: '2026-09-02', section: null, code: 'AE', updated_by: null },
      { student: 'U2', date: '2026-09-03', section: 'K1', code: 'T', updated_by: null },
    ]);
    expect(await events()).toEqual([]);
  });

  it('the same package again changes nothing and records no event', async () => {
    const before = await dump(get());
    const { report, problems } = await load(get(), gradebookRecords(), { now: NOW2, pkg: { attendance: ATTENDANCE } });
    expect(problems).toEqual([]);
    expect(report.counts.scores).toEqual({ created: 0, updated: 0, deactivated: 0, reactivated: 0, unchanged: 4 });
    expect(report.counts.attendance).toEqual({ created: 0, updated: 0, deactivated: 0, reactivated: 0, unchanged: 2 });
    expect(await dump(get())).toEqual(before);
  });

  it("a delta under 'homeroom': a teacher's edited score is kept, the others follow the SIS, each change an event as the gradebook records it", async () => {
    const u1 = await idOf('students', 'U1');
    const u2 = await idOf('students', 'U2');
    const k1 = await idOf('sections', 'K1');
    const l1 = await idOf('assignments', 'L1');
    const l2 = await idOf('assignments', 'L2');
    // The teacher raises Maya's worksheet to 10 in Homeroom.
    await db().updateTable('assignment_scores').set({ points: 10, updated_by: 4242, version: 2 }).where('sourced_id', '=', 'R1').execute();
    const r2 = (await db().selectFrom('assignment_scores').select('id').where('sourced_id', '=', 'R2').executeTakeFirstOrThrow()).id;
    const r4 = (await db().selectFrom('assignment_scores').select('id').where('sourced_id', '=', 'R4').executeTakeFirstOrThrow()).id;
    const delta: Records = {
      results: [
        result('R1', 'L1', 'U1', 'fully graded', 8, { comment: 'Good work' }),
        result('R2', 'L1', 'U2', 'fully graded', 6, { late: true }),
        { ...result('R4', 'L2', 'U2', 'partially graded', null), status: 'tobedeleted' },
      ],
    };
    const { report, problems } = await load(get(), delta, { now: NOW2, pkg: { modes: { results: 'delta' }, attendance: [att('U1', '2026-09-02', null, 'A')] } });
    expect(problems).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.counts.scores).toEqual({ created: 0, updated: 1, deactivated: 1, reactivated: 0, unchanged: 1 });
    expect(report.counts.attendance).toEqual({ created: 0, updated: 1, deactivated: 0, reactivated: 0, unchanged: 0 });
    const byStudent = (await scores()).map((s) => [s.sourced_id, s.points, s.late, s.updated_by]);
    expect(byStudent).toEqual([
      ['R1', 10, 0, 4242],
      ['R2', 6, 1, null],
      ['R3', null, 0, null],
    ]);
    const seen = (assignmentId: number, title: string, pointsPossible: number, v: Record<string, unknown>) => ({
      assignmentId, title, pointsPossible, published: true, points: null, missing: false, late: false, exempt: false, incomplete: false, dropped: false, comment: null, ...v,
    });
    const u1Record = (await db().selectFrom('attendance_records').select('id').where('student_id', '=', u1).executeTakeFirstOrThrow()).id;
    expect(await events()).toEqual([
      { kind: 'score', action: 'deleted', subject_id: r4, student_id: u2, section_id: k1, before: seen(l2, 'Unit test', 50, { points: 30, late: true, incomplete: true, comment: 'In progress' }), after: null },
      { kind: 'score', action: 'updated', subject_id: r2, student_id: u2, section_id: k1, before: seen(l1, 'Worksheet 1', 10, { missing: true }), after: seen(l1, 'Worksheet 1', 10, { points: 6, late: true }) },
      { kind: 'attendance', action: 'updated', subject_id: u1Record, student_id: u1, section_id: null, before: { date: '2026-09-02', sectionId: null, code: 'AE' }, after: { date: '2026-09-02', sectionId: null, code: 'A' } },
    ]);
  });

  it("under 'sis' the SIS's score is written over the teacher's", async () => {
    const district = await db().selectFrom('district').select(['id', 'settings']).executeTakeFirstOrThrow();
    await db().updateTable('district').set({ settings: JSON.stringify({ ...JSON.parse(district.settings), gradebookSource: 'sis' }) }).where('id', '=', district.id).execute();
    await db().deleteFrom('change_events').execute();
    const { report } = await load(get(), { results: [result('R1', 'L1', 'U1', 'fully graded', 8, { comment: 'Good work' })] }, { now: NOW3, pkg: { modes: { results: 'delta' } } });
    expect(report.counts.scores).toEqual({ created: 0, updated: 1, deactivated: 0, reactivated: 0, unchanged: 0 });
    expect((await scores()).find((s) => s.sourced_id === 'R1')).toMatchObject({ points: 8, updated_by: null });
    const [event] = await events();
    expect([event!.action, event!.before.points, event!.after.points]).toEqual(['updated', 10, 8]);
    await db().updateTable('district').set({ settings: district.settings }).where('id', '=', district.id).execute();
  });

  it("a bulk attendance file replaces the import's records of the dates it covers; staff's records are never touched", async () => {
    const u1 = await idOf('students', 'U1');
    // The office entered Maya's tardy of 2026-09-03 in Homeroom.
    const staff = await db()
      .insertInto('attendance_records')
      .values({ student_id: u1, date: '2026-09-03', section_id: null, bell_period_id: null, code_id: (await db().selectFrom('attendance_codes').select('id').where('code', '=', 'T').executeTakeFirstOrThrow()).id, comment: null, created_at: NOW3.toISOString(), updated_at: NOW3.toISOString(), updated_by: 77 })
      .returning('id')
      .executeTakeFirstOrThrow();
    await db().deleteFrom('change_events').execute();
    const file = [att('U2', '2026-09-02', null, 'A'), att('U1', '2026-09-03', null, 'A')];
    const { report, problems } = await load(get(), gradebookRecords(), { now: NOW3, pkg: { attendance: file } });
    expect(problems).toEqual([]);
    // Removed: the import's records of 2026-09-02 (Maya's) and 2026-09-03 (Ben's class tardy), dates the
    // file covers without them. Kept: the office's record of Maya's 2026-09-03, which the file's row for
    // the same day leaves alone.
    expect(await attendance()).toEqual([
      { student: 'U2', date: '2026-09-02', section: null, code: 'A', updated_by: null },
      { student: 'U1', date: '2026-09-03', section: null, code: 'T', updated_by: 77 },
    ]);
    expect(report.counts.attendance).toEqual({ created: 1, updated: 0, deactivated: 2, reactivated: 0, unchanged: 1 });
    const changes = (await events()).filter((e) => e.kind === 'attendance').map((e) => [e.action, e.before?.code ?? null, e.after?.code ?? null]);
    expect(changes.sort()).toEqual([['created', null, 'A'], ['deleted', 'A', null], ['deleted', 'T', null]].sort());
    expect((await db().selectFrom('attendance_records').select('id').where('id', '=', staff.id).execute()).length).toBe(1);
  });

  it('each bad row is reported with its file, line, column and value: errors stop the run, warnings leave the row out', async () => {
    const warned = gradebookRecords();
    warned.lineItems = [...warned.lineItems!, lineItem('L3', 'Late project', 'CH', '2026-09-01', '2026-11-20', 10)];
    warned.results = [...warned.results!, result('R5', 'L1', 'U1', 'fully graded', 25)].filter((r) => r.sourcedId !== 'R1');
    // Lia is a student of the school, in no class.
    warned.users = [...warned.users!, user('U3', 'Lia', 'Park', { identifier: '000125', grades: [9], primaryOrgSourcedId: 'S1' })];
    warned.roles = [...warned.roles!, role('U3', 'student', 'S1')];
    warned.demographics = [...warned.demographics!, demographic('U3', '2011-05-06')];
    warned.results = [...warned.results!, result('R9', 'L2', 'U3', 'fully graded', 40)];
    const file = [att('U1', '2026-09-02', null, 'ZZ'), att('U1', '2031-01-05', null, 'A'), att('U3', '2026-09-03', 'K1', 'T'), att('U1', '2026-09-04', null, 'AE', false)];
    const { report, problems } = await load(get(), warned, { now: NOW3, dryRun: true, pkg: { attendance: file } });
    expect(report.ok).toBe(true);
    const got = problems.map((p) => [p.severity, p.code, p.file, p.line, p.column, p.value]);
    expect(got).toEqual([
      ['warning', 'load.lineItemPeriod', 'lineItems.csv', 4, 'dueDate', '2026-11-20'],
      ['warning', 'load.resultNotEnrolled', 'results.csv', 6, 'studentSourcedId', 'U3'],
      ['warning', 'load.scoreRange', 'results.csv', 5, 'score', '25'],
      ['warning', 'load.attendanceCode', 'homeroom_attendance.csv', 2, 'code', 'ZZ'],
      ['warning', 'load.attendanceDate', 'homeroom_attendance.csv', 3, 'date', '2031-01-05'],
      ['warning', 'load.attendanceNotEnrolled', 'homeroom_attendance.csv', 4, 'classSourcedId', 'K1'],
      ['warning', 'load.attendanceExcused', 'homeroom_attendance.csv', 5, 'excused', 'false'],
    ]);

    const bad = gradebookRecords();
    bad.lineItems = [...bad.lineItems!, lineItem('L4', 'Backwards', 'CX', '2026-09-10', '2026-09-05', 10)];
    bad.results = [...bad.results!, result('R6', 'LX', 'U1', 'fully graded', 5), result('R7', 'L1', 'T1U', 'fully graded', 5), result('R8', 'L1', 'U1', 'fully graded', 5)];
    const before = await dump(get());
    const failed = await load(get(), bad, { now: NOW3, pkg: { attendance: [att('NOPE', '2026-09-02', null, 'A')] } });
    expect(failed.report.ok).toBe(false);
    expect(failed.problems.map((p) => [p.code, p.file, p.line, p.column, p.value, p.expected])).toEqual([
      ['load.missingReference', 'lineItems.csv', 4, 'categorySourcedId', 'CX', 'categories.csv'],
      ['load.missingReference', 'results.csv', 6, 'lineItemSourcedId', 'LX', 'lineItems.csv'],
    ]);
    const failed2 = await load(get(), { ...gradebookRecords(), results: [...gradebookRecords().results!, result('R7', 'L1', 'T1U', 'fully graded', 5), result('R8', 'L1', 'U1', 'fully graded', 5)] }, { now: NOW3 });
    expect(failed2.problems.map((p) => [p.code, p.line, p.column, p.value])).toEqual([
      ['load.resultNotStudent', 6, 'studentSourcedId', 'T1U'],
    ]);
    const failed3 = await load(get(), { ...gradebookRecords(), results: [...gradebookRecords().results!, result('R8', 'L1', 'U1', 'fully graded', 5)] }, { now: NOW3, pkg: { attendance: [att('NOPE', '2026-09-02', null, 'A')] } });
    expect(failed3.problems.map((p) => [p.code, p.file, p.line, p.column, p.value])).toEqual([
      ['load.duplicateKey', 'results.csv', 6, 'studentSourcedId', 'U1'],
    ]);
    const failed4 = await load(get(), { ...gradebookRecords(), lineItems: [lineItem('L1', 'Worksheet 1', 'CH', '2026-09-10', '2026-09-05', 10), gradebookRecords().lineItems![1]!] }, { now: NOW3, pkg: { attendance: [att('NOPE', '2026-09-02', null, 'A')] } });
    expect(failed4.problems.map((p) => [p.code, p.file, p.line, p.column, p.value])).toEqual([['load.endBeforeStart', 'lineItems.csv', 2, 'dueDate', '2026-09-05']]);
    const failed5 = await load(get(), gradebookRecords(), { now: NOW3, pkg: { attendance: [att('NOPE', '2026-09-02', null, 'A'), att('U1', '2026-09-02', 'KX', 'A')] } });
    expect(failed5.problems.map((p) => [p.code, p.file, p.line, p.column, p.value])).toEqual([
      ['load.missingReference', 'homeroom_attendance.csv', 2, 'studentSourcedId', 'NOPE'],
      ['load.missingReference', 'homeroom_attendance.csv', 3, 'classSourcedId', 'KX'],
    ]);
    expect(await dump(get())).toEqual(before);
  });

  it("a bulk file without a line item or result removes the import's, keeping under 'homeroom' what a teacher edited", async () => {
    const [l1, l2] = [await idOf('assignments', 'L1'), await idOf('assignments', 'L2')];
    const idOfScore = async (sourcedId: string) => (await db().selectFrom('assignment_scores').select('id').where('sourced_id', '=', sourcedId).executeTakeFirstOrThrow()).id;
    // (The bulk package of the attendance test above brought R4 back and R2 to not submitted.)
    const [r1, r3, r4] = [await idOfScore('R1'), await idOfScore('R3'), await idOfScore('R4')];
    // The teacher marks Ben's worksheet in Homeroom: it and its assignment are the teacher's now.
    await db().updateTable('assignment_scores').set({ comment: 'Redo', updated_by: 4242 }).where('sourced_id', '=', 'R2').execute();
    await db().deleteFrom('change_events').execute();
    const { report, problems } = await load(get(), { ...gradebookRecords(), lineItems: [], results: [] }, { now: NOW3 });
    expect(problems).toEqual([]);
    expect(report.counts.assignments).toEqual({ created: 0, updated: 0, deactivated: 1, reactivated: 0, unchanged: 0 });
    // Removed: R3 and R4 with their line item L2, and R1.
    expect(report.counts.scores).toEqual({ created: 0, updated: 0, deactivated: 3, reactivated: 0, unchanged: 0 });
    expect((await db().selectFrom('assignments').select('sourced_id').execute()).map((a) => a.sourced_id)).toEqual(['L1']);
    expect((await scores()).map((s) => [s.sourced_id, s.points, s.comment])).toEqual([['R2', null, 'Redo']]);
    const byKey = (a: unknown[], b: unknown[]) => JSON.stringify(a).localeCompare(JSON.stringify(b));
    expect((await events()).map((e) => [e.kind, e.action, e.subject_id, e.before?.title ?? null, e.after]).sort(byKey)).toEqual(
      [
        ['score', 'deleted', r3, 'Unit test', null],
        ['score', 'deleted', r4, 'Unit test', null],
        ['assignment', 'deleted', l2, 'Unit test', null],
        ['score', 'deleted', r1, 'Worksheet 1', null],
      ].sort(byKey),
    );
    expect(l1).toBeGreaterThan(0);
  });
});
