/**
 * The OneRoster loader, priority 1 (issue 20): a bulk package into an empty database, the same package
 * again (nothing written), a dry run (nothing written, the same report), and the problems a package can
 * have. Packages are built in memory from records written here by hand (tests/support/oneroster.ts);
 * every expected value is read off those records.
 */
import { expect, it } from 'vitest';
import type { Problem } from '../../src/domain/oneroster/records.js';
import { describeEachEngine } from '../support/db.js';
import { bulkRecords, dump, load, type Records } from '../support/oneroster.js';

/** U2's guardian G2 lists nobody; U2 lists G2: a link given from the student's side. */
function withStudentSideLink(records: Records): Records {
  records.users = records.users!.map((u) => (u.sourcedId === 'U2' ? { ...u, agentSourcedIds: ['G2'] } : u));
  return records;
}

const codes = (problems: Problem[]) => problems.map((p) => `${p.severity} ${p.code} ${p.file}:${p.line} ${p.column}=${p.value}`);

describeEachEngine('OneRoster loader: a bulk package', (get) => {
  it('a dry run into an empty database reports what it would create and writes nothing', async () => {
    const before = await dump(get());
    const { report, problems } = await load(get(), withStudentSideLink(bulkRecords()), { dryRun: true });
    expect(codes(problems.filter((p) => p.severity === 'error'))).toEqual([]);
    expect(report).toMatchObject({ ok: true, dryRun: true, firstImport: false });
    expect(report.counts.students).toEqual({ created: 2, updated: 0, deactivated: 0, reactivated: 0, unchanged: 0 });
    expect(report.counts.staff.created).toBe(2);
    expect(report.counts.guardians.created).toBe(2);
    expect(report.counts.links.created).toBe(2);
    expect(report.counts.enrollments.created).toBe(2);
    expect(report.counts.teachers.created).toBe(1);
    expect(await dump(get())).toEqual(before);
  });

  it('loads every kind of record into an empty database', async () => {
    const { report, problems } = await load(get(), withStudentSideLink(bulkRecords()));
    expect(report.ok).toBe(true);
    expect(report.firstImport).toBe(true);
    // The district is created (with a warning: its time zone is a guess) with Homeroom's standard grading
    // scale, attendance codes and comment codes (told); the school has no bell schedule for period '1'.
    expect(codes(problems)).toEqual([
      'warning load.districtCreated orgs.csv:2 name=Lakeside Unified',
      'warning load.starterSet null:null null=gradingScale, attendanceCodes, reportCardComments',
      'warning load.noBellSchedule classes.csv:2 periods=S1',
    ]);
    // Standard A–F (12 bands, 93 and up an A), 7 attendance codes, 10 comment codes; the class is graded on that scale.
    const scale = await get().db.selectFrom('grading_scales').select('id').execute();
    expect(scale).toHaveLength(1);
    expect(await get().db.selectFrom('grading_scale_bands').select(['letter', 'min_percent']).where('scale_id', '=', scale[0]!.id).orderBy('sequence').limit(2).execute()).toEqual([
      { letter: 'A', min_percent: 93 },
      { letter: 'A-', min_percent: 90 },
    ]);
    expect(await get().db.selectFrom('attendance_codes').select('code').orderBy('code').execute()).toHaveLength(7);
    expect(await get().db.selectFrom('report_card_comments').select('code').execute()).toHaveLength(10);
    expect(await get().db.selectFrom('sections').select('grading_scale_id').execute()).toEqual([{ grading_scale_id: scale[0]!.id }]);
    const db = get().db;
    expect(await db.selectFrom('district').select(['sourced_id', 'name', 'portal_name']).execute()).toEqual([{ sourced_id: 'D1', name: 'Lakeside Unified', portal_name: 'Lakeside Unified' }]);
    const school = await db.selectFrom('schools').select(['id', 'sourced_id', 'school_number', 'name', 'grade_low', 'grade_high']).executeTakeFirstOrThrow();
    expect(school).toMatchObject({ sourced_id: 'S1', school_number: '0101', name: 'Lakeside High', grade_low: 9, grade_high: 10 });
    const sessions = await db.selectFrom('academic_sessions as a').leftJoin('academic_sessions as p', 'p.id', 'a.parent_id').select(['a.sourced_id', 'a.type', 'a.start_date', 'a.end_date', 'p.sourced_id as parent']).orderBy('a.sourced_id').execute();
    expect(sessions).toEqual([
      { sourced_id: 'T1', type: 'semester', start_date: '2026-08-20', end_date: '2027-01-15', parent: 'Y27' },
      { sourced_id: 'T2', type: 'semester', start_date: '2027-01-19', end_date: '2027-06-10', parent: 'Y27' },
      { sourced_id: 'Y27', type: 'schoolYear', start_date: '2026-08-20', end_date: '2027-06-10', parent: null },
    ]);
    expect(await db.selectFrom('courses').select(['sourced_id', 'course_code', 'title', 'subject', 'grade_low', 'grade_high', 'school_id']).execute()).toEqual([
      { sourced_id: 'C1', course_code: 'BIO1', title: 'Biology', subject: 'Science', grade_low: 9, grade_high: 10, school_id: school.id },
    ]);
    const section = await db.selectFrom('sections').select(['id', 'sourced_id', 'section_code', 'room']).executeTakeFirstOrThrow();
    expect(section).toMatchObject({ sourced_id: 'K1', section_code: 'BIO1-01', room: 'Room 12' });
    expect(await db.selectFrom('section_terms').innerJoin('academic_sessions', 'academic_sessions.id', 'section_terms.academic_session_id').select('academic_sessions.sourced_id').execute()).toEqual([{ sourced_id: 'T1' }]);
    expect(await db.selectFrom('students').select(['sourced_id', 'student_number', 'legal_first_name', 'legal_last_name', 'birth_date', 'grade_level', 'email']).orderBy('sourced_id').execute()).toEqual([
      { sourced_id: 'U1', student_number: '000123', legal_first_name: 'Maya', legal_last_name: 'Lopez', birth_date: '2011-03-04', grade_level: 9, email: 'maya@students.example' },
      { sourced_id: 'U2', student_number: '000124', legal_first_name: 'Ben', legal_last_name: 'Ortiz', birth_date: '2010-11-30', grade_level: 10, email: null },
    ]);
    const staff = await db.selectFrom('staff').select(['id', 'sourced_id', 'staff_number', 'email', 'school_id', 'active']).orderBy('sourced_id').execute();
    expect(staff).toEqual([
      { id: staff[0]!.id, sourced_id: 'A1', staff_number: 'A1', email: 'sam@lakeside.example', school_id: null, active: 1 },
      { id: staff[1]!.id, sourced_id: 'T1U', staff_number: 'E77', email: 'ada.king@lakeside.example', school_id: school.id, active: 1 },
    ]);
    expect(await db.selectFrom('staff_roles').innerJoin('staff', 'staff.id', 'staff_roles.staff_id').select(['staff.sourced_id', 'role', 'staff_roles.school_id']).orderBy('staff.sourced_id').execute()).toEqual([
      { sourced_id: 'A1', role: 'district_admin', school_id: null },
      { sourced_id: 'T1U', role: 'teacher', school_id: school.id },
    ]);
    const links = await db
      .selectFrom('student_guardians as l')
      .innerJoin('students as s', 's.id', 'l.student_id')
      .innerJoin('guardians as g', 'g.id', 'l.guardian_id')
      .select(['s.sourced_id as student', 'g.sourced_id as guardian', 'l.relationship', 'l.portal_access', 'l.rights_revoked'])
      .orderBy('s.sourced_id')
      .execute();
    expect(links).toEqual([
      { student: 'U1', guardian: 'G1', relationship: 'Parent', portal_access: 1, rights_revoked: 0 },
      { student: 'U2', guardian: 'G2', relationship: 'Guardian', portal_access: 1, rights_revoked: 0 },
    ]);
    // E1 gives no begin date: its class's first term's start; E2 gives its own.
    expect(await db.selectFrom('section_enrollments').innerJoin('students', 'students.id', 'section_enrollments.student_id').select(['section_enrollments.sourced_id', 'students.sourced_id as student', 'begin_date', 'end_date', 'section_id']).orderBy('section_enrollments.sourced_id').execute()).toEqual([
      { sourced_id: 'E1', student: 'U1', begin_date: '2026-08-20', end_date: null, section_id: section.id },
      { sourced_id: 'E2', student: 'U2', begin_date: '2026-09-01', end_date: null, section_id: section.id },
    ]);
    expect(await db.selectFrom('section_teachers').select(['sourced_id', 'staff_id', 'primary_teacher', 'begin_date']).execute()).toEqual([
      { sourced_id: 'E3', staff_id: staff[1]!.id, primary_teacher: 1, begin_date: '2026-08-20' },
    ]);
    // A first import records no change events.
    expect(await db.selectFrom('change_events').selectAll().execute()).toEqual([]);
    expect(report.files.map((f) => [f.file, f.rows])).toEqual([
      ['orgs', 2], ['academicSessions', 3], ['courses', 1], ['classes', 1], ['users', 6], ['roles', 6], ['enrollments', 3], ['demographics', 2],
    ]);
    const run = await db.selectFrom('import_runs').select(['status', 'dry_run', 'report']).where('id', '=', report.runId).executeTakeFirstOrThrow();
    expect(run.status).toBe('done');
    expect(JSON.parse(run.report!).counts.students.created).toBe(2);
  });

  it('the same package again writes nothing and reports everything unchanged', async () => {
    const before = await dump(get());
    const { report, problems } = await load(get(), withStudentSideLink(bulkRecords()), { now: new Date('2026-09-16T14:00:00.000Z') });
    expect(report.ok).toBe(true);
    expect(codes(problems)).toEqual(['warning load.noBellSchedule classes.csv:2 periods=S1']);
    for (const kind of ['schools', 'sessions', 'courses', 'sections', 'students', 'staff', 'guardians', 'enrollments', 'teachers'] as const) {
      expect({ kind, ...report.counts[kind] }).toMatchObject({ kind, created: 0, updated: 0, deactivated: 0, reactivated: 0 });
    }
    expect(report.counts.students.unchanged).toBe(2);
    expect(report.counts.links).toMatchObject({ created: 0, deactivated: 0, unchanged: 2 });
    expect(await dump(get())).toEqual(before);
  });
});

describeEachEngine('OneRoster loader: a 1.1 package', (get) => {
  it('reads the roles the reader made from 1.1 users.csv, although the manifest names no roles file', async () => {
    const { report, problems } = await load(get(), bulkRecords(), { pkg: { version: '1.1', modes: { roles: 'absent' } } });
    expect(problems.filter((p) => p.severity === 'error')).toEqual([]);
    expect(report.version).toBe('1.1');
    expect(report.counts.students.created).toBe(2);
    expect(report.counts.staff.created).toBe(2);
    expect(report.counts.guardians.created).toBe(2);
  });
});

describeEachEngine('OneRoster loader: two imports at once', (get) => {
  it('run one after the other: both finish, the second finds everything the first wrote', async () => {
    const [first, second] = await Promise.all([load(get(), bulkRecords()), load(get(), bulkRecords(), { now: new Date('2026-09-15T14:01:00.000Z') })]);
    expect([first.report.ok, second.report.ok]).toEqual([true, true]);
    const created = [first.report.counts.students.created, second.report.counts.students.created].sort();
    expect(created).toEqual([0, 2]);
    expect((await get().db.selectFrom('import_runs').select('status').execute()).map((r) => r.status)).toEqual(['done', 'done']);
  });
});
