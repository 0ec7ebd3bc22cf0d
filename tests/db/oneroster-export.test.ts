/**
 * The OneRoster 1.2 export, on both engines: a small district built here, exported, the zip opened with
 * yauzl and each CSV parsed with csv-parse in the test, and the rows compared with rows written by hand.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import yauzl from 'yauzl';
import { connect } from '../../src/db/connect.js';
import { COLUMNS_1_2, type OneRosterFile } from '../../src/domain/oneroster/records.js';
import { ExportError, exportPackage } from '../../src/domain/oneroster/export/index.js';
import { describeEachEngine } from '../support/db.js';
import { runCli } from '../support/cli.js';
import {
  account,
  attendance,
  guardian,
  link,
  otherSchool,
  schoolYear,
  sectionWithGradebook,
  staffMember,
  student,
  teachSection,
  type GuardianFixture,
  type SectionFixture,
  type StaffFixture,
  type StudentFixture,
  type World,
} from '../support/factories.js';

/** Every entry of a zip file, as UTF-8 text. */
function readZip(file: string): Promise<Map<string, string>> {
  return new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true }, (error, zip) => {
      if (error || !zip) return reject(error);
      const out = new Map<string, string>();
      zip.on('entry', (entry: yauzl.Entry) => {
        zip.openReadStream(entry, (err, stream) => {
          if (err || !stream) return reject(err);
          const chunks: Buffer[] = [];
          stream.on('data', (c: Buffer) => chunks.push(c));
          stream.on('end', () => {
            out.set(entry.fileName, Buffer.concat(chunks).toString('utf8'));
            zip.readEntry();
          });
        });
      });
      zip.on('end', () => resolve(out));
      zip.on('error', reject);
      zip.readEntry();
    });
  });
}

type Csv = { header: string[]; rows: Record<string, string>[] };
function csv(text: string | undefined): Csv {
  if (text === undefined) throw new Error('no such file in the package');
  const records = parse(text, { bom: false }) as string[][];
  const [header = [], ...body] = records;
  return { header, rows: body.map((r) => Object.fromEntries(header.map((h, i) => [h, r[i] ?? '']))) };
}

/** A full row of a 1.2 file: the cells given, every other column empty. */
/** Homeroom's extension columns, after the specification's (ADR 0044). */
const EXTENSIONS: Partial<Record<OneRosterFile, string[]>> = { categories: ['metadata.homeroom.dropLowest'], results: ['metadata.homeroom.dropped'] };

function full(file: OneRosterFile, cells: Record<string, string>): Record<string, string> {
  const row = Object.fromEntries([...COLUMNS_1_2[file], ...(EXTENSIONS[file] ?? [])].map((c) => [c, '']));
  for (const k of Object.keys(cells)) if (!(k in row)) throw new Error(`test: ${file} has no column ${k}`);
  return { ...row, ...cells };
}

const STAMP = '2026-07-01T12:00:00.000Z';
const NOW = new Date('2027-02-10T18:00:00.000Z');

describeEachEngine('OneRoster 1.2 export', (get) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'homeroom-or-export-'));
  let world: World;
  let middle: { id: number; name: string };
  let jose: StudentFixture;
  let mary: StudentFixture;
  let wes: StudentFixture;
  let lucia: GuardianFixture;
  let rex: GuardianFixture;
  let cora: GuardianFixture;
  let gil: GuardianFixture;
  let bio: SectionFixture;
  let ana: number;
  let ben: StaffFixture;
  let dana: StaffFixture;
  let olive: StaffFixture;
  let sam: StaffFixture;
  let files: Map<string, string>;
  const sid = {
    school: '',
    middle: 'sis-sch-8',
    district: '',
    jose: 'sis-stu-1',
    mary: '',
    wes: '',
  };

  beforeAll(async () => {
    const db = get().db;
    world = await schoolYear(db);
    middle = await otherSchool(db);
    await db.updateTable('schools').set({ sourced_id: 'sis-sch-8' }).where('id', '=', middle.id).execute();
    jose = await student(db, world, { first: 'José', last: 'Núñez', number: '000123', grade: 9, birthDate: '2012-01-05' });
    await db.updateTable('students').set({ sourced_id: 'sis-stu-1', preferred_first_name: 'Pepe', legal_middle_name: 'Ángel' }).where('id', '=', jose.id).execute();
    mary = await student(db, world, { first: 'Mary "Molly"', last: "O'Brien, Jr.", number: '004560', grade: 7, birthDate: '2013-11-30' });
    await db.updateTable('students').set({ school_id: middle.id, email: 'molly@students.example.org' }).where('id', '=', mary.id).execute();
    wes = await student(db, world, { first: 'Wes', last: 'Gone', number: '0099', grade: 10 });
    await db.updateTable('students').set({ enrollment_status: 'withdrawn' }).where('id', '=', wes.id).execute();

    lucia = await guardian(db, { first: 'Lucía', last: 'Núñez', email: 'lucia.nunez@example.com' });
    await db.updateTable('guardians').set({ phone_mobile: '555-0101', phone_home: '555-0199' }).where('id', '=', lucia.id).execute();
    await link(db, jose, lucia, { relationship: 'Mother' });
    await link(db, mary, lucia, { relationship: 'aunt' });
    rex = await guardian(db, { first: 'Rex', last: 'Núñez' });
    await link(db, jose, rex, { relationship: 'father', revoked: true });
    cora = await guardian(db, { first: 'Cora', last: 'Vance' });
    await link(db, mary, cora, { relationship: 'Grandmother', portalAccess: false });
    gil = await guardian(db, { first: 'Gil', last: 'Ward' });
    await db.updateTable('guardians').set({ email: null }).where('id', '=', gil.id).execute();
    await link(db, wes, gil, { relationship: 'legal guardian' });

    // Secrets that must never reach a package.
    const joseAccount = await account(db, { student: jose });
    const luciaAccount = await account(db, { guardian: lucia });
    await db.updateTable('user_accounts').set({ security_email: 'secret.lucia@private.example', pin_hash: '$argon2id$pin' }).where('id', '=', luciaAccount.id).execute();
    await db.updateTable('user_accounts').set({ security_email: 'secret.jose@private.example' }).where('id', '=', joseAccount.id).execute();

    bio = await sectionWithGradebook(db, world, {
      course: { code: 'SCI101', title: 'Biology', subject: 'Science' },
      period: '2',
      room: '204',
      teacher: { first: 'Ana', last: 'Reyes', email: 'ana.reyes@fixture.example.org' },
      categories: [
        { name: 'Homework', weight: 40 },
        { name: 'Tests', weight: 60 },
      ],
      assignments: [
        { title: 'Lab 1', category: 'Homework', quarter: 'Q3', due: '2027-01-20', assigned: '2027-01-13', possible: 10 },
        { title: 'Draft quiz', category: 'Tests', quarter: 'Q3', due: '2027-02-20', possible: 20, published: false },
        { title: 'Unit test', category: 'Tests', quarter: 'Q3', due: '2027-02-01', assigned: '2027-01-25', possible: 100 },
      ],
      students: [{ student: jose }, { student: mary, until: '2027-01-04' }],
      scores: [
        { student: jose, assignment: 'Lab 1', points: 9.5, late: true, comment: 'Good, "careful" work' },
        { student: mary, assignment: 'Lab 1', points: null, missing: true },
        { student: jose, assignment: 'Unit test', exempt: true },
        { student: mary, assignment: 'Unit test', points: 88, incomplete: true },
        { student: jose, assignment: 'Draft quiz', points: 5 },
      ],
    });
    await db
      .updateTable('assignment_scores')
      .set({ updated_at: '2026-10-02T03:30:00.000Z' })
      .where('assignment_id', '=', bio.assignments['Unit test']!)
      .where('student_id', '=', mary.id)
      .execute();
    // A teacher's dropped score and a category that drops its lowest score: Homeroom's extension columns carry them.
    await db.updateTable('assignment_scores').set({ dropped: 1 }).where('assignment_id', '=', bio.assignments['Lab 1']!).where('student_id', '=', mary.id).execute();
    await db.updateTable('grading_categories').set({ drop_lowest: 2 }).where('id', '=', bio.categories.Homework!).execute();
    ana = (await db.selectFrom('section_teachers').select('staff_id').where('section_id', '=', bio.id).executeTakeFirstOrThrow()).staff_id;
    ben = await staffMember(db, world, { first: 'Ben', last: 'Cho', roles: [{ role: 'counselor' }], account: false });
    await teachSection(db, ben, bio, { from: '2026-09-01' });
    dana = await staffMember(db, world, { first: 'Dana', last: 'Ito', roles: [{ role: 'district_admin', schoolId: null }] });
    olive = await staffMember(db, world, { first: 'Olive', last: 'Park', roles: [{ role: 'office' }, { role: 'nurse' }], account: false });
    sam = await staffMember(db, world, { first: 'Sam', last: 'Lee', roles: [{ role: 'office' }, { role: 'school_admin', schoolId: middle.id }], account: false });

    await attendance(db, world, jose, [
      { date: '2027-01-12', code: 'A-ILL' },
      { date: '2027-01-13', code: 'T-UNX', section: bio },
    ]);
    await attendance(db, world, mary, [{ date: '2027-01-14', code: 'A-UNK' }]);

    sid.school = `hr-school-${world.school.id}`;
    sid.district = `hr-district-${world.districtId}`;
    sid.mary = `hr-student-${mary.id}`;
    sid.wes = `hr-student-${wes.id}`;

    const summary = await exportPackage(get(), path.join(dir, 'district.zip'), { now: NOW });
    expect(summary.out).toBe(path.join(dir, 'district.zip'));
    files = await readZip(path.join(dir, 'district.zip'));
  });

  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('writes the manifest, every file Homeroom knows as bulk or absent, and the attendance file', () => {
    expect([...files.keys()]).toEqual([
      'manifest.csv', 'orgs.csv', 'academicSessions.csv', 'courses.csv', 'classes.csv', 'users.csv', 'roles.csv', 'enrollments.csv',
      'demographics.csv', 'categories.csv', 'lineItems.csv', 'results.csv', 'homeroom_attendance.csv',
    ]);
    expect(csv(files.get('manifest.csv'))).toEqual({
      header: ['propertyName', 'value'],
      rows: [
        ['manifest.version', '1.0'],
        ['oneroster.version', '1.2'],
        ['file.orgs', 'bulk'],
        ['file.academicSessions', 'bulk'],
        ['file.courses', 'bulk'],
        ['file.classes', 'bulk'],
        ['file.users', 'bulk'],
        ['file.roles', 'bulk'],
        ['file.userProfiles', 'absent'],
        ['file.enrollments', 'bulk'],
        ['file.demographics', 'bulk'],
        ['file.categories', 'bulk'],
        ['file.lineItems', 'bulk'],
        ['file.results', 'bulk'],
        ['file.scoreScales', 'absent'],
        ['source.systemName', 'Homeroom'],
      ].map(([propertyName, value]) => ({ propertyName: propertyName!, value: value! })),
    });
    for (const file of Object.keys(COLUMNS_1_2) as OneRosterFile[]) {
      if (file === 'userProfiles' || file === 'scoreScales') continue;
      expect(csv(files.get(`${file}.csv`)).header, file).toEqual([...COLUMNS_1_2[file], ...(EXTENSIONS[file] ?? [])]);
    }
  });

  it('writes the district and its schools, and the sessions with their parents', () => {
    expect(csv(files.get('orgs.csv')).rows).toEqual([
      full('orgs', { sourcedId: sid.district, status: 'active', dateLastModified: STAMP, name: 'Fixture Unified School District', type: 'district' }),
      full('orgs', { sourcedId: sid.school, status: 'active', dateLastModified: STAMP, name: 'Cedar Ridge High School', type: 'school', identifier: '0901', parentSourcedId: sid.district }),
      full('orgs', { sourcedId: 'sis-sch-8', status: 'active', dateLastModified: STAMP, name: 'Fixture Middle School', type: 'school', identifier: expect.stringMatching(/^08\d\d$/) as unknown as string, parentSourcedId: sid.district }),
    ]);
    const t = world.terms;
    const session = (id: number, title: string, type: string, start: string, end: string, parent: number | null) =>
      full('academicSessions', {
        sourcedId: `hr-session-${id}`,
        status: 'active',
        dateLastModified: STAMP,
        title,
        type,
        startDate: start,
        endDate: end,
        parentSourcedId: parent === null ? '' : `hr-session-${parent}`,
        schoolYear: '2027',
      });
    expect(csv(files.get('academicSessions.csv')).rows).toEqual([
      session(world.year.id, '2026-2027', 'schoolYear', '2026-08-17', '2027-05-28', null),
      session(t.S1.id, 'Semester 1', 'semester', '2026-08-17', '2026-12-18', world.year.id),
      session(t.S2.id, 'Semester 2', 'semester', '2027-01-05', '2027-05-28', world.year.id),
      session(t.Q1.id, 'Quarter 1', 'gradingPeriod', '2026-08-17', '2026-10-16', t.S1.id),
      session(t.Q2.id, 'Quarter 2', 'gradingPeriod', '2026-10-19', '2026-12-18', t.S1.id),
      session(t.Q3.id, 'Quarter 3', 'gradingPeriod', '2027-01-05', '2027-03-12', t.S2.id),
      session(t.Q4.id, 'Quarter 4', 'gradingPeriod', '2027-03-15', '2027-05-28', t.S2.id),
    ]);
  });

  it('writes courses and classes with grades, terms, periods and room', () => {
    expect(csv(files.get('courses.csv')).rows).toEqual([
      full('courses', {
        sourcedId: `hr-course-${bio.courseId}`, status: 'active', dateLastModified: STAMP, title: 'Biology', courseCode: 'SCI101',
        grades: '09,10,11,12', orgSourcedId: sid.school, subjects: 'Science',
      }),
    ]);
    expect(csv(files.get('classes.csv')).rows).toEqual([
      full('classes', {
        sourcedId: `hr-section-${bio.id}`, status: 'active', dateLastModified: STAMP, title: `Biology (${bio.sectionCode})`, grades: '09,10,11,12',
        courseSourcedId: `hr-course-${bio.courseId}`, classCode: bio.sectionCode, classType: 'scheduled', location: '204', schoolSourcedId: sid.school,
        termSourcedIds: `hr-session-${world.terms.S1.id},hr-session-${world.terms.S2.id}`, subjects: 'Science', periods: '2',
      }),
    ]);
  });

  it('writes students, guardians with a portal link and staff with a OneRoster role, linked both ways', () => {
    const users = csv(files.get('users.csv'));
    const byId = new Map(users.rows.map((r) => [r.sourcedId, r]));
    const staffEmail = (s: StaffFixture) => s.account?.username ?? '';
    expect(users.rows.map((r) => r.sourcedId)).toEqual([
      'sis-stu-1', sid.mary, sid.wes,
      `hr-guardian-${lucia.id}`, `hr-guardian-${gil.id}`,
      `hr-staff-${ana}`, `hr-staff-${ben.id}`, `hr-staff-${dana.id}`, `hr-staff-${sam.id}`,
    ]);
    expect(byId.get('sis-stu-1')).toEqual(
      full('users', {
        sourcedId: 'sis-stu-1', status: 'active', dateLastModified: STAMP, enabledUser: 'true', username: '000123', givenName: 'José', familyName: 'Núñez',
        middleName: 'Ángel', identifier: '000123', agentSourcedIds: `hr-guardian-${lucia.id}`, grades: '09', preferredGivenName: 'Pepe', primaryOrgSourcedId: sid.school,
      }),
    );
    expect(byId.get(sid.mary)).toEqual(
      full('users', {
        sourcedId: sid.mary, status: 'active', dateLastModified: STAMP, enabledUser: 'true', username: '004560', givenName: 'Mary "Molly"', familyName: "O'Brien, Jr.",
        identifier: '004560', email: 'molly@students.example.org', agentSourcedIds: `hr-guardian-${lucia.id}`, grades: '07', primaryOrgSourcedId: 'sis-sch-8',
      }),
    );
    expect(byId.get(sid.wes)).toMatchObject({ enabledUser: 'false', identifier: '0099', grades: '10', agentSourcedIds: `hr-guardian-${gil.id}` });
    expect(byId.get(`hr-guardian-${lucia.id}`)).toEqual(
      full('users', {
        sourcedId: `hr-guardian-${lucia.id}`, status: 'active', dateLastModified: STAMP, enabledUser: 'true', username: 'lucia.nunez@example.com', givenName: 'Lucía',
        familyName: 'Núñez', email: 'lucia.nunez@example.com', sms: '555-0101', phone: '555-0101', agentSourcedIds: `sis-stu-1,${sid.mary}`, primaryOrgSourcedId: sid.school,
      }),
    );
    // a guardian of a withdrawn student only: not enabled; no email on record: the username is the sourcedId
    expect(byId.get(`hr-guardian-${gil.id}`)).toMatchObject({ enabledUser: 'false', username: `hr-guardian-${gil.id}`, email: '', agentSourcedIds: sid.wes });
    expect(byId.get(`hr-staff-${ana}`)).toMatchObject({ enabledUser: 'true', givenName: 'Ana', familyName: 'Reyes', username: 'ana.reyes@fixture.example.org', primaryOrgSourcedId: sid.school, identifier: expect.stringMatching(/^T\d{5}$/) });
    expect(byId.get(`hr-staff-${dana.id}`)).toMatchObject({ username: staffEmail(dana), email: staffEmail(dana), primaryOrgSourcedId: sid.district });
    expect(byId.get(`hr-staff-${sam.id}`)).toMatchObject({ primaryOrgSourcedId: 'sis-sch-8' });
    // rights revoked, portal access off, office and nurse only: not in the package at all
    for (const who of [`hr-guardian-${rex.id}`, `hr-guardian-${cora.id}`, `hr-staff-${olive.id}`]) expect(byId.has(who), who).toBe(false);
    expect(users.rows.every((r) => r.password === '')).toBe(true);
  });

  it('writes roles: students at their school, guardians at their students\' schools by relationship, staff by the 1.2 role list', () => {
    const role = (sourcedId: string, user: string, roleType: string, r: string, org: string) =>
      full('roles', { sourcedId, status: 'active', dateLastModified: STAMP, userSourcedId: user, roleType, role: r, orgSourcedId: org });
    expect(csv(files.get('roles.csv')).rows).toEqual([
      role(`hr-role-student-${jose.id}`, 'sis-stu-1', 'primary', 'student', sid.school),
      role(`hr-role-student-${mary.id}`, sid.mary, 'primary', 'student', 'sis-sch-8'),
      role(`hr-role-student-${wes.id}`, sid.wes, 'primary', 'student', sid.school),
      role(`hr-role-guardian-${lucia.id}-school-${world.school.id}`, `hr-guardian-${lucia.id}`, 'primary', 'parent', sid.school),
      role(`hr-role-guardian-${lucia.id}-school-${middle.id}`, `hr-guardian-${lucia.id}`, 'secondary', 'relative', 'sis-sch-8'),
      role(`hr-role-guardian-${gil.id}-school-${world.school.id}`, `hr-guardian-${gil.id}`, 'primary', 'guardian', sid.school),
      role(`hr-role-staff-${ana}-teacher-school-${world.school.id}`, `hr-staff-${ana}`, 'primary', 'teacher', sid.school),
      role(`hr-role-staff-${ben.id}-counselor-school-${world.school.id}`, `hr-staff-${ben.id}`, 'primary', 'counselor', sid.school),
      role(`hr-role-staff-${ben.id}-teacher-school-${world.school.id}`, `hr-staff-${ben.id}`, 'secondary', 'teacher', sid.school),
      role(`hr-role-staff-${dana.id}-districtAdministrator-district-${world.districtId}`, `hr-staff-${dana.id}`, 'primary', 'districtAdministrator', sid.district),
      role(`hr-role-staff-${sam.id}-siteAdministrator-school-${middle.id}`, `hr-staff-${sam.id}`, 'primary', 'siteAdministrator', 'sis-sch-8'),
    ]);
  });

  it('writes enrollments of students and teachers, and birth dates', () => {
    const rows = csv(files.get('enrollments.csv')).rows;
    const cls = `hr-section-${bio.id}`;
    const common = { status: 'active', dateLastModified: STAMP, classSourcedId: cls, schoolSourcedId: sid.school };
    expect(rows.map(({ sourcedId: _s, ...r }) => r)).toEqual([
      { ...common, userSourcedId: 'sis-stu-1', role: 'student', primary: 'false', beginDate: '2026-08-17', endDate: '' },
      { ...common, userSourcedId: sid.mary, role: 'student', primary: 'false', beginDate: '2026-08-17', endDate: '2027-01-04' },
      { ...common, userSourcedId: `hr-staff-${ana}`, role: 'teacher', primary: 'true', beginDate: '2026-08-17', endDate: '' },
      { ...common, userSourcedId: `hr-staff-${ben.id}`, role: 'teacher', primary: 'false', beginDate: '2026-09-01', endDate: '' },
    ]);
    expect(rows.map((r) => r.sourcedId)).toEqual([
      expect.stringMatching(/^hr-enrollment-\d+$/),
      expect.stringMatching(/^hr-enrollment-\d+$/),
      expect.stringMatching(/^hr-section-teacher-\d+$/),
      expect.stringMatching(/^hr-section-teacher-\d+$/),
    ]);
    expect(csv(files.get('demographics.csv')).rows).toEqual([
      full('demographics', { sourcedId: 'sis-stu-1', status: 'active', dateLastModified: STAMP, birthDate: '2012-01-05' }),
      full('demographics', { sourcedId: sid.mary, status: 'active', dateLastModified: STAMP, birthDate: '2013-11-30' }),
      full('demographics', { sourcedId: sid.wes, status: 'active', dateLastModified: STAMP, birthDate: '2010-03-14' }),
    ]);
  });

  it('writes categories, only published line items, and their results with status and flags', () => {
    const now = NOW.toISOString();
    expect(csv(files.get('categories.csv')).rows).toEqual([
      full('categories', { sourcedId: `hr-category-${bio.categories.Homework}`, status: 'active', dateLastModified: now, title: 'Homework', weight: '40', 'metadata.homeroom.dropLowest': '2' }),
      full('categories', { sourcedId: `hr-category-${bio.categories.Tests}`, status: 'active', dateLastModified: now, title: 'Tests', weight: '60', 'metadata.homeroom.dropLowest': '0' }),
    ]);
    const lab = `hr-assignment-${bio.assignments['Lab 1']}`;
    const unit = `hr-assignment-${bio.assignments['Unit test']}`;
    const common = { status: 'active', dateLastModified: STAMP, classSourcedId: `hr-section-${bio.id}`, gradingPeriodSourcedId: `hr-session-${world.terms.Q3.id}`, resultValueMin: '0' };
    expect(csv(files.get('lineItems.csv')).rows).toEqual([
      full('lineItems', { ...common, sourcedId: lab, title: 'Lab 1', assignDate: '2027-01-13', dueDate: '2027-01-20', categorySourcedId: `hr-category-${bio.categories.Homework}`, resultValueMax: '10' }),
      full('lineItems', { ...common, sourcedId: unit, title: 'Unit test', assignDate: '2027-01-25', dueDate: '2027-02-01', categorySourcedId: `hr-category-${bio.categories.Tests}`, resultValueMax: '100' }),
    ]);
    const results = csv(files.get('results.csv')).rows.map(({ sourcedId, ...r }) => {
      expect(sourcedId).toMatch(/^hr-score-\d+$/);
      return r;
    });
    const result = (r: Record<string, string>) => {
      const { sourcedId: _s, ...rest } = full('results', { status: 'active', dateLastModified: STAMP, inProgress: 'false', incomplete: 'false', late: 'false', missing: 'false', 'metadata.homeroom.dropped': 'false', ...r });
      return rest;
    };
    expect(results).toEqual([
      result({ lineItemSourcedId: lab, studentSourcedId: 'sis-stu-1', scoreStatus: 'fully graded', score: '9.5', scoreDate: '2026-07-01', comment: 'Good, "careful" work', late: 'true' }),
      result({ lineItemSourcedId: lab, studentSourcedId: sid.mary, scoreStatus: 'not submitted', missing: 'true', 'metadata.homeroom.dropped': 'true' }),
      result({ lineItemSourcedId: unit, studentSourcedId: 'sis-stu-1', scoreStatus: 'exempt' }),
      // changed at 03:30 UTC on October 2: October 1 in Chicago
      result({ lineItemSourcedId: unit, studentSourcedId: sid.mary, scoreStatus: 'fully graded', score: '88', scoreDate: '2026-10-01', incomplete: 'true', dateLastModified: '2026-10-02T03:30:00.000Z' }),
    ]);
  });

  it("writes Homeroom's attendance file", () => {
    expect(csv(files.get('homeroom_attendance.csv'))).toEqual({
      header: ['studentSourcedId', 'date', 'classSourcedId', 'code', 'excused'],
      rows: [
        { studentSourcedId: 'sis-stu-1', date: '2027-01-12', classSourcedId: '', code: 'A-ILL', excused: 'true' },
        { studentSourcedId: 'sis-stu-1', date: '2027-01-13', classSourcedId: `hr-section-${bio.id}`, code: 'T-UNX', excused: 'false' },
        { studentSourcedId: sid.mary, date: '2027-01-14', classSourcedId: '', code: 'A-UNK', excused: '' },
      ],
    });
  });

  it('quotes a name with a comma and a quote, keeps non-ASCII names as UTF-8, and holds no secret', () => {
    const text = files.get('users.csv') ?? '';
    expect(text).toContain(`,"Mary ""Molly""","O'Brien, Jr.",`);
    expect(text).toContain(',José,Núñez,Ángel,000123,');
    expect(files.get('results.csv')).toContain('"Good, ""careful"" work"');
    const everything = [...files.values()].join('\n');
    for (const secret of ['secret.lucia', 'secret.jose', '$argon2', '@students.fixture.example.org', 'fixture lantern meadow']) expect(everything).not.toContain(secret);
  });

  it('gives the same package at every export (stable sourcedIds), and refuses to replace a file unless told', async () => {
    const again = path.join(dir, 'again.zip');
    await exportPackage(get(), again, { now: NOW });
    expect(await readZip(again)).toEqual(files);
    expect(fs.statSync(again).mode & 0o777).toBe(0o600);
    await expect(exportPackage(get(), again, { now: NOW })).rejects.toThrow(/already exists: choose another name, or replace it with --force/);
    const before = fs.statSync(again).mtimeMs;
    await exportPackage(get(), again, { now: NOW, overwrite: true });
    expect(fs.statSync(again).mtimeMs).toBeGreaterThanOrEqual(before);
    await expect(exportPackage(get(), path.join(dir, 'no-such-folder', 'x.zip'))).rejects.toThrow(ExportError);
    await expect(exportPackage(get(), dir, { overwrite: true })).rejects.toThrow(/is a folder/);
    expect(fs.readdirSync(dir).sort()).toEqual(['again.zip', 'district.zip']);
    const logged = await get().db.selectFrom('audit_log').select(['details']).where('action', '=', 'oneroster.exported').execute();
    expect(logged.length).toBe(3);
    expect(JSON.parse(logged[0]!.details ?? '{}')).toMatchObject({ rows: 50, files: { 'users.csv': 9, 'roles.csv': 11, 'results.csv': 4 } });
  });

  it('leaves a value that a list cell cannot carry out of the list, with a warning', async () => {
    const db = get().db;
    const schedule = await db.selectFrom('bell_schedules').select('id').where('school_id', '=', world.school.id).executeTakeFirstOrThrow();
    const odd = await db
      .insertInto('bell_periods')
      .values({ bell_schedule_id: schedule.id, name: 'A,B', sequence: 9, start_time: '13:00', end_time: '13:30', instructional: 1 })
      .returning('id')
      .executeTakeFirstOrThrow();
    await db.insertInto('section_periods').values({ section_id: bio.id, bell_period_id: odd.id }).execute();
    await db.updateTable('guardians').set({ sourced_id: 'sis,gil' }).where('id', '=', gil.id).execute();
    await db
      .insertInto('sections')
      .values({ sourced_id: null, school_id: world.school.id, course_id: bio.courseId, section_code: 'SCI101-LAB', room: null, grading_scale_id: null, created_at: STAMP, updated_at: STAMP, updated_by: null })
      .execute();
    const out = path.join(dir, 'odd.zip');
    const summary = await exportPackage(get(), out, { now: NOW });
    expect(summary.warnings).toEqual([
      `class ${bio.sectionCode} period: "A,B" holds a comma, which a list cell cannot carry; left out of the list`,
      'class SCI101-LAB has no terms: its termSourcedIds, which OneRoster requires, is empty',
      'student 0099 guardian: "sis,gil" holds a comma, which a list cell cannot carry; left out of the list',
    ]);
    expect(summary.warningCount).toBe(3);
    const zip = await readZip(out);
    expect(csv(zip.get('classes.csv')).rows.map((r) => [r.classCode, r.periods, r.termSourcedIds])).toEqual([
      [bio.sectionCode, '2', `hr-session-${world.terms.S1.id},hr-session-${world.terms.S2.id}`],
      ['SCI101-LAB', '', ''],
    ]);
    const users = csv(zip.get('users.csv')).rows;
    expect(users.find((u) => u.identifier === '0099')?.agentSourcedIds).toBe('');
    expect(users.find((u) => u.sourcedId === 'sis,gil')?.agentSourcedIds).toBe(sid.wes);
    fs.rmSync(out);
  });
});

describeEachEngine('OneRoster export of a database', (get) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'homeroom-or-export-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('without a district or schools is refused, and leaves no file', async () => {
    await expect(exportPackage(get(), path.join(dir, 'empty.zip'))).rejects.toThrow('The database holds no district: there is nothing to export.');
    await schoolYear(get().db);
    await get().db.deleteFrom('calendar_days').execute();
    await get().db.deleteFrom('bell_periods').execute();
    await get().db.deleteFrom('bell_schedules').execute();
    await get().db.deleteFrom('schools').execute();
    await expect(exportPackage(get(), path.join(dir, 'empty.zip'))).rejects.toThrow('The district has no schools: there is nothing to export.');
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('that fails half-way leaves neither the package nor a partial file, and keeps an earlier package', async () => {
    const db = get().db;
    // the district of the test above, given a school again
    await db.insertInto('schools').values({
      sourced_id: null, school_number: '0902', name: 'Second Fixture High', short_name: 'SFH', grade_low: 9, grade_high: 12,
      address_line1: null, city: null, state: null, postal_code: null, phone: null, created_at: STAMP, updated_at: STAMP, updated_by: null,
    }).execute();
    const out = path.join(dir, 'kept.zip');
    fs.writeFileSync(out, 'an earlier package');
    // the last file's table is gone: the export fails after writing every other file (with the import's
    // list of the records it made, which refers to it)
    await db.schema.dropTable('oneroster_attendance').execute();
    await db.schema.dropTable('attendance_records').execute();
    await expect(exportPackage(get(), out, { overwrite: true })).rejects.toThrow(/attendance_records/);
    expect(fs.readdirSync(dir)).toEqual(['kept.zip']);
    expect(fs.readFileSync(out, 'utf8')).toBe('an earlier package');
  });
});

describeEachEngine('OneRoster export of many rows', (get) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'homeroom-or-export-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reads every row once across pages of 5,000', async () => {
    const db = get().db;
    const world = await schoolYear(db);
    const section = await sectionWithGradebook(db, world, { course: { code: 'ART1', title: 'Art' }, period: '1' });
    const rows = Array.from({ length: 12_345 }, (_, i) => ({ section_id: section.id, name: `C${i}`, weight: null, sequence: i + 1 }));
    for (let i = 0; i < rows.length; i += 500) await db.insertInto('grading_categories').values(rows.slice(i, i + 500)).execute();
    const out = path.join(dir, 'many.zip');
    const summary = await exportPackage(get(), out);
    expect(summary.files.find((f) => f.name === 'categories.csv')?.rows).toBe(12_345);
    const titles = csv((await readZip(out)).get('categories.csv')).rows.map((r) => r.title);
    expect(titles).toEqual(rows.map((r) => r.name));
  });
});

const run = runCli;

describe('homeroom export oneroster', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'homeroom-or-cli-'));
  const saved = { ...process.env };
  beforeAll(() => {
    process.env.DATABASE_URL = `sqlite:${path.join(dir, 'cli.sqlite')}`;
    process.env.LOG_LEVEL = 'silent';
    delete process.env.BASE_URL;
  });
  afterAll(() => {
    process.env = saved;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('explains bad usage and an empty database', async () => {
    for (const [argv, message] of [
      [['export'], /export needs a format: oneroster/],
      [['export', 'csv'], /Unknown export format "csv"/],
      [['export', 'oneroster'], /--out FILE.zip is required/],
      [['export', 'oneroster', '--out', 'x.zip', '--color'], /Unknown option '--color'/],
    ] as const) {
      const result = await run(...argv);
      expect(result.code).toBe(2);
      expect(result.err).toMatch(message);
    }
    const empty = await run('export', 'oneroster', '--out', path.join(dir, 'd.zip'));
    expect(empty.code).toBe(1);
    expect(empty.err).toBe('homeroom: The database holds no district: there is nothing to export.');
  });

  it('exports the demo district with a summary, refuses to replace it unless --force, and every reference resolves', async () => {
    expect((await run('demo', '--students', '20', '--seed', '3', '--year', '2026')).code).toBe(0);
    const out = path.join(dir, 'd.zip');
    const first = await run('export', 'oneroster', '--out', out);
    expect(first.code, first.err).toBe(0);
    expect(first.out).toMatch(/^ {2}users\.csv +\d+ rows/m);
    expect(first.out).toMatch(/^ {2}homeroom_attendance\.csv +\d+ rows/m);
    expect(first.out).toMatch(new RegExp(`OneRoster 1\\.2 package written to ${out.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: [\\d,]+ rows in [\\d.]+ s`));
    const again = await run('export', 'oneroster', '--out', out);
    expect(again.code).toBe(1);
    expect(again.err).toMatch(/d\.zip already exists: choose another name, or replace it with --force/);
    expect((await run('export', 'oneroster', '--out', out, '--force')).code).toBe(0);
    const unwritable = await run('export', 'oneroster', '--out', path.join(dir, 'nope', 'd.zip'));
    expect(unwritable.code).toBe(1);
    expect(unwritable.err).toMatch(/Cannot write .*nope.*d\.zip: its folder does not exist/);

    // Every reference in the demo's package names a row of the package.
    const files = await readZip(out);
    const ids = (file: string) => new Set(csv(files.get(file)).rows.map((r) => r.sourcedId));
    const orgs = ids('orgs.csv');
    const sessions = ids('academicSessions.csv');
    const courses = ids('courses.csv');
    const classes = ids('classes.csv');
    const users = ids('users.csv');
    const categories = ids('categories.csv');
    const lineItems = ids('lineItems.csv');
    const within = (set: Set<string | undefined>, values: (string | undefined)[], what: string) => {
      const missing = values.flatMap((v) => (v ?? '').split(',')).filter((v) => v !== '' && !set.has(v));
      expect(missing, what).toEqual([]);
    };
    const rows = (file: string) => csv(files.get(file)).rows;
    expect(users.size).toBeGreaterThan(20);
    within(orgs, rows('orgs.csv').map((r) => r.parentSourcedId), 'orgs.parentSourcedId');
    within(sessions, rows('academicSessions.csv').map((r) => r.parentSourcedId), 'academicSessions.parentSourcedId');
    within(orgs, rows('courses.csv').map((r) => r.orgSourcedId), 'courses.orgSourcedId');
    within(courses, rows('classes.csv').map((r) => r.courseSourcedId), 'classes.courseSourcedId');
    within(orgs, rows('classes.csv').map((r) => r.schoolSourcedId), 'classes.schoolSourcedId');
    within(sessions, rows('classes.csv').map((r) => r.termSourcedIds), 'classes.termSourcedIds');
    within(users, rows('users.csv').map((r) => r.agentSourcedIds), 'users.agentSourcedIds');
    within(orgs, rows('users.csv').map((r) => r.primaryOrgSourcedId), 'users.primaryOrgSourcedId');
    within(users, rows('roles.csv').map((r) => r.userSourcedId), 'roles.userSourcedId');
    within(orgs, rows('roles.csv').map((r) => r.orgSourcedId), 'roles.orgSourcedId');
    within(classes, rows('enrollments.csv').map((r) => r.classSourcedId), 'enrollments.classSourcedId');
    within(users, rows('enrollments.csv').map((r) => r.userSourcedId), 'enrollments.userSourcedId');
    within(users, rows('demographics.csv').map((r) => r.sourcedId), 'demographics.sourcedId');
    within(classes, rows('lineItems.csv').map((r) => r.classSourcedId), 'lineItems.classSourcedId');
    within(categories, rows('lineItems.csv').map((r) => r.categorySourcedId), 'lineItems.categorySourcedId');
    within(sessions, rows('lineItems.csv').map((r) => r.gradingPeriodSourcedId), 'lineItems.gradingPeriodSourcedId');
    within(lineItems, rows('results.csv').map((r) => r.lineItemSourcedId), 'results.lineItemSourcedId');
    within(users, rows('results.csv').map((r) => r.studentSourcedId), 'results.studentSourcedId');
    within(users, rows('homeroom_attendance.csv').map((r) => r.studentSourcedId), 'attendance.studentSourcedId');
    within(classes, rows('homeroom_attendance.csv').map((r) => r.classSourcedId), 'attendance.classSourcedId');
    // Each file's sourcedIds are unique.
    for (const file of ['orgs.csv', 'academicSessions.csv', 'courses.csv', 'classes.csv', 'users.csv', 'roles.csv', 'enrollments.csv', 'categories.csv', 'lineItems.csv', 'results.csv']) {
      expect(ids(file).size, file).toBe(rows(file).length);
    }
    // As many rows as the database holds of each kind (counted here with SQL).
    const count = async (q: Promise<{ n: number | string | bigint }>) => Number((await q).n);
    const counted = await connect(process.env.DATABASE_URL ?? '');
    try {
      const c = counted.db;
      expect(rows('lineItems.csv').length).toBe(await count(c.selectFrom('assignments').where('published', '=', 1).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()));
      expect(rows('results.csv').length).toBe(
        await count(c.selectFrom('assignment_scores as r').innerJoin('assignments as a', 'a.id', 'r.assignment_id').where('a.published', '=', 1).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()),
      );
      expect(rows('lineItems.csv').length).toBeLessThan(await count(c.selectFrom('assignments').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()) + 1);
      expect(rows('enrollments.csv').length).toBe(
        (await count(c.selectFrom('section_enrollments').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow())) +
          (await count(c.selectFrom('section_teachers').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow())),
      );
      expect(rows('homeroom_attendance.csv').length).toBe(await count(c.selectFrom('attendance_records').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()));
      expect(rows('categories.csv').length).toBe(await count(c.selectFrom('grading_categories').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()));
    } finally {
      await counted.close();
    }
    // Students are enrolled, and the demo's guardians are linked both ways.
    const students = rows('users.csv').filter((r) => /^\d+$/.test(r.identifier ?? '') && r.grades !== '');
    expect(students).toHaveLength(20);
    const database = await connect(process.env.DATABASE_URL ?? '');
    try {
      const n = await database.db.selectFrom('students').select('student_number').orderBy('id').execute();
      expect(students.map((s) => s.identifier)).toEqual(n.map((s) => s.student_number));
    } finally {
      await database.close();
    }
  });
});
