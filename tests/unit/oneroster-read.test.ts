/**
 * The OneRoster package reader on the hand-written fixtures (tests/fixtures/oneroster/), read from real
 * zips built here with yazl and from the folders themselves. Every expected record is written out by
 * hand from the fixture files.
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { describeProblem } from '../../src/domain/oneroster/read/describe.js';
import { translator } from '../../src/i18n/index.js';
import { ONEROSTER_FILES, type AttendanceRowRecord, type RoleRecord } from '../../src/domain/oneroster/records.js';
import { all, brief, FIXTURES, opened, removeTemps, zipOf } from './oneroster-read-support.js';

afterAll(removeTemps);

describe('a OneRoster 1.2 bulk package', () => {
  it('gives the version, the modes and every file’s records, from a zip as from its folder', async () => {
    for (const path of [await zipOf('v12-bulk'), join(FIXTURES, 'v12-bulk')]) {
      const { pkg, sink } = await opened(path);
      expect(pkg.version).toBe('1.2');
      expect(pkg.modes).toEqual({
        orgs: 'bulk', academicSessions: 'bulk', courses: 'bulk', classes: 'bulk', users: 'bulk', roles: 'bulk',
        userProfiles: 'absent', enrollments: 'bulk', demographics: 'bulk', categories: 'bulk', lineItems: 'bulk',
        results: 'bulk', scoreScales: 'absent',
      });
      expect(pkg.hasAttendance).toBe(true);

      expect(await all(pkg, 'orgs')).toEqual([
        { sourcedId: 'dist-1', status: 'active', at: { file: 'orgs.csv', line: 2 }, name: 'Lakeview Unified School District', type: 'district', identifier: 'LVU', parentSourcedId: null },
        { sourcedId: 'sch-ms', status: 'active', at: { file: 'orgs.csv', line: 3 }, name: 'Lakeview Middle School', type: 'school', identifier: '0101', parentSourcedId: 'dist-1' },
        { sourcedId: 'sch-hs', status: 'active', at: { file: 'orgs.csv', line: 4 }, name: 'Lakeview High School', type: 'school', identifier: '0102', parentSourcedId: 'dist-1' },
      ]);

      const sessions = await all(pkg, 'academicSessions');
      expect(sessions.map((s) => [s.sourcedId, s.type, s.parentSourcedId])).toEqual([
        ['sy-2027', 'schoolYear', null], ['sem-1', 'semester', 'sy-2027'], ['sem-2', 'semester', 'sy-2027'],
        ['gp-q1', 'gradingPeriod', 'sem-1'], ['gp-q2', 'gradingPeriod', 'sem-1'], ['gp-q3', 'gradingPeriod', 'sem-2'], ['gp-q4', 'gradingPeriod', 'sem-2'],
      ]);
      expect(sessions[4]).toEqual({
        sourcedId: 'gp-q2', status: 'active', at: { file: 'academicSessions.csv', line: 6 }, title: 'Quarter 2', type: 'gradingPeriod',
        startDate: '2026-10-26', endDate: '2027-01-15', parentSourcedId: 'sem-1', schoolYear: 2027,
      });

      const courses = await all(pkg, 'courses');
      expect(courses[0]).toEqual({
        sourcedId: 'crs-alg1', status: 'active', at: { file: 'courses.csv', line: 2 }, title: 'Algebra I', courseCode: 'MATH101',
        grades: [8, 9], orgSourcedId: 'sch-hs', schoolYearSourcedId: 'sy-2027', subjects: ['Mathematics'],
      });
      expect(courses[3]!.subjects).toEqual([]);

      const classes = await all(pkg, 'classes');
      expect(classes.map((c) => c.sourcedId)).toEqual(['cls-alg1-p1', 'cls-eng9-p2', 'cls-sci7-p3', 'cls-hr-7a']);
      expect(classes[1]).toEqual({
        sourcedId: 'cls-eng9-p2', status: 'active', at: { file: 'classes.csv', line: 3 }, title: 'English 9 - Periods 2-3', classCode: 'ENG9-02',
        classType: 'scheduled', courseSourcedId: 'crs-eng9', schoolSourcedId: 'sch-hs', termSourcedIds: ['sem-1'], periods: ['2', '3'],
        location: 'Room 110', grades: [9], subjects: ['English Language Arts'],
      });
      expect(classes[3]).toMatchObject({ classType: 'homeroom', termSourcedIds: ['sy-2027'], periods: ['HR'], grades: [7, 8] });

      const users = await all(pkg, 'users');
      expect(users).toHaveLength(17);
      expect(users[1]).toEqual({
        sourcedId: 'stu-002', status: 'active', at: { file: 'users.csv', line: 3 }, enabled: true, username: '000456', givenName: 'Lucas',
        familyName: 'Fernández', middleName: null, preferredGivenName: 'Luke', preferredFamilyName: null, identifier: '000456', email: null,
        sms: null, phone: null, agentSourcedIds: ['gdn-02'], grades: [9], primaryOrgSourcedId: 'sch-hs',
      });
      expect(users.map((u) => u.identifier).slice(0, 8)).toEqual(['000123', '000456', '0007801', '0012', '000789', '001001', '001002', '000001']);
      expect(users[2]!.agentSourcedIds).toEqual(['gdn-03', 'gdn-04']);
      expect(users[7]!.enabled).toBe(false);
      expect(users[9]).toMatchObject({ sourcedId: 'gdn-02', agentSourcedIds: ['stu-002', 'stu-005'], email: 'marisol.fernandez@example.org', grades: [] });

      const roles = await all(pkg, 'roles');
      expect(roles).toHaveLength(18);
      expect(roles[16]).toEqual({
        sourcedId: 'role-tch-03-hs', status: 'active', at: { file: 'roles.csv', line: 18 }, userSourcedId: 'tch-03', role: 'teacher',
        roleType: 'secondary', orgSourcedId: 'sch-hs', beginDate: '2026-08-10', endDate: '2027-06-04',
      });
      expect(roles[17]).toMatchObject({ userSourcedId: 'adm-01', role: 'districtAdministrator', orgSourcedId: 'dist-1' });
      expect(roles.filter((r) => r.role === 'student')).toHaveLength(8);
      expect(roles.filter((r) => ['parent', 'guardian', 'relative'].includes(r.role))).toHaveLength(5);

      const enrollments = await all(pkg, 'enrollments');
      expect(enrollments).toHaveLength(18);
      expect(enrollments[0]).toEqual({
        sourcedId: 'enr-001', status: 'active', at: { file: 'enrollments.csv', line: 2 }, classSourcedId: 'cls-alg1-p1', schoolSourcedId: 'sch-hs',
        userSourcedId: 'tch-01', role: 'teacher', primary: true, beginDate: '2026-08-17', endDate: '2027-06-04',
      });
      expect(enrollments[1]).toMatchObject({ userSourcedId: 'stu-001', role: 'student', primary: false, endDate: null });

      expect((await all(pkg, 'demographics')).map((d) => [d.sourcedId, d.birthDate])).toEqual([
        ['stu-001', '2011-03-14'], ['stu-002', '2011-07-02'], ['stu-003', '2011-11-30'], ['stu-004', '2011-01-09'],
        ['stu-005', '2013-05-21'], ['stu-006', '2013-09-05'], ['stu-007', '2012-12-12'], ['stu-008', '2013-02-28'],
      ]);
      expect((await all(pkg, 'categories')).map((c) => [c.sourcedId, c.title, c.weight])).toEqual([
        ['cat-hw', 'Homework', 30], ['cat-test', 'Tests', 50], ['cat-proj', 'Projects', 20],
      ]);

      const lineItems = await all(pkg, 'lineItems');
      expect(lineItems[1]).toEqual({
        sourcedId: 'li-02', status: 'active', at: { file: 'lineItems.csv', line: 3 }, title: 'Unit 1 Test', description: null,
        assignDate: '2026-09-14', dueDate: '2026-09-18', classSourcedId: 'cls-alg1-p1', categorySourcedId: 'cat-test',
        gradingPeriodSourcedId: 'gp-q1', resultValueMin: 0, resultValueMax: 100,
      });
      expect(lineItems[0]!.description).toBe('Problems 1-20, odd only');
      expect(lineItems[3]!.resultValueMin).toBeNull();

      const results = await all(pkg, 'results');
      expect(results).toHaveLength(8);
      expect(results[1]).toEqual({
        sourcedId: 'res-02', status: 'active', at: { file: 'results.csv', line: 3 }, lineItemSourcedId: 'li-01', studentSourcedId: 'stu-002',
        scoreStatus: 'fully graded', score: 7, scoreDate: '2026-08-31', comment: null, textScore: null, late: true, missing: false, incomplete: false, dropped: null,
      });
      expect(results[2]).toMatchObject({ scoreStatus: 'not submitted', score: null, scoreDate: null, missing: true });
      expect(results[4]!.score).toBe(88.5);
      expect(results[5]).toMatchObject({ scoreStatus: 'partially graded', incomplete: true });
      expect(results[6]!.comment).toBe('Strong voice, check commas');

      const attendance: AttendanceRowRecord[] = [];
      for await (const a of pkg.attendance()) attendance.push(a);
      expect(attendance).toEqual([
        { at: { file: 'homeroom_attendance.csv', line: 2 }, studentSourcedId: 'stu-001', date: '2026-09-02', classSourcedId: null, code: 'A', excused: true },
        { at: { file: 'homeroom_attendance.csv', line: 3 }, studentSourcedId: 'stu-002', date: '2026-09-02', classSourcedId: 'cls-alg1-p1', code: 'T', excused: false },
        { at: { file: 'homeroom_attendance.csv', line: 4 }, studentSourcedId: 'stu-005', date: '2026-09-03', classSourcedId: null, code: 'A', excused: null },
        { at: { file: 'homeroom_attendance.csv', line: 5 }, studentSourcedId: 'stu-006', date: '2026-09-03', classSourcedId: 'cls-sci7-p3', code: 'ER', excused: true },
      ]);
      expect(await all(pkg, 'userProfiles')).toEqual([]);

      expect(sink.list()).toEqual([]);
      await pkg.close();
    }
  });

  it('counts the bytes of every file it reads, for progress', async () => {
    const { pkg } = await opened(await zipOf('v12-bulk'));
    let total = 0;
    for (const name of ['orgs', 'academicSessions', 'courses', 'classes', 'users', 'roles', 'enrollments', 'demographics', 'categories', 'lineItems', 'results', 'homeroom_attendance']) {
      total += (await stat(join(FIXTURES, 'v12-bulk', `${name}.csv`))).size;
    }
    expect(pkg.totalBytes).toBe(total);
    expect(pkg.bytesRead()).toBe(0);
    await all(pkg, 'users');
    expect(pkg.bytesRead()).toBe((await stat(join(FIXTURES, 'v12-bulk', 'users.csv'))).size);
    for (const file of ONEROSTER_FILES) await all(pkg, file);
    for await (const _ of pkg.attendance());
    expect(pkg.bytesRead()).toBe(total);
    await pkg.close();
  });

  it('reads a zip whose files sit in one top folder, ignoring macOS’s extra entries', async () => {
    const path = await zipOf('v12-bulk', { top: 'lakeview-2026-10-01', extra: { '__MACOSX/lakeview-2026-10-01/._users.csv': 'junk' } });
    const { pkg, sink } = await opened(path);
    expect(pkg.version).toBe('1.2');
    expect((await all(pkg, 'users')).map((u) => u.sourcedId).slice(0, 2)).toEqual(['stu-001', 'stu-002']);
    expect(sink.list()).toEqual([]);
    await pkg.close();
  });

  it('can stop reading a file early and read it again from its start', async () => {
    const { pkg } = await opened(await zipOf('v12-bulk'));
    for await (const user of pkg.rows('users')) {
      expect(user.sourcedId).toBe('stu-001');
      break;
    }
    expect((await all(pkg, 'users'))[0]!.sourcedId).toBe('stu-001');
    await pkg.close();
  });
});

describe('a OneRoster 1.2 delta package', () => {
  it('yields tobedeleted rows, new rows and changed rows; absent files give nothing', async () => {
    const { pkg, sink } = await opened(await zipOf('v12-delta'));
    expect(pkg.modes.users).toBe('delta');
    expect(pkg.modes.orgs).toBe('absent');
    expect(pkg.hasAttendance).toBe(false);
    expect(await all(pkg, 'orgs')).toEqual([]);
    const users = await all(pkg, 'users');
    expect(users.map((u) => [u.sourcedId, u.status])).toEqual([['stu-004', 'tobedeleted'], ['stu-007', 'active']]);
    expect(users[1]).toMatchObject({ preferredGivenName: 'Clo', email: 'chloe.davis@students.lakeview.example' });
    expect(await all(pkg, 'roles')).toEqual([
      { sourcedId: 'role-stu-004', status: 'tobedeleted', at: { file: 'roles.csv', line: 2 }, userSourcedId: 'stu-004', role: 'student', roleType: 'primary', orgSourcedId: 'sch-hs', beginDate: null, endDate: null },
    ]);
    expect((await all(pkg, 'enrollments')).map((e) => [e.sourcedId, e.status, e.userSourcedId, e.classSourcedId])).toEqual([
      ['enr-005', 'tobedeleted', 'stu-004', 'cls-alg1-p1'],
      ['enr-019', 'active', 'stu-007', 'cls-sci7-p3'],
    ]);
    expect(await all(pkg, 'results')).toEqual([
      {
        sourcedId: 'res-02', status: 'active', at: { file: 'results.csv', line: 2 }, lineItemSourcedId: 'li-01', studentSourcedId: 'stu-002',
        scoreStatus: 'fully graded', score: 8, scoreDate: '2026-10-02', comment: 'Late work accepted', textScore: null, late: true, missing: false, incomplete: false, dropped: null,
      },
    ]);
    expect(sink.list()).toEqual([]);
    await pkg.close();
  });
});

describe('a OneRoster 1.1 bulk package', () => {
  it('reads users with their role and orgs, and makes roles from them (the first org primary)', async () => {
    const { pkg, sink } = await opened(await zipOf('v11-bulk'));
    expect(pkg.version).toBe('1.1');
    expect(pkg.modes.roles).toBe('bulk');
    expect(pkg.modes.userProfiles).toBe('absent');
    const users = await all(pkg, 'users');
    expect(users).toHaveLength(17);
    expect(users[0]).toEqual({
      sourcedId: 'stu-001', status: 'active', at: { file: 'users.csv', line: 2 }, enabled: true, username: '000123', givenName: 'Maya',
      familyName: 'Okafor', middleName: null, preferredGivenName: null, preferredFamilyName: null, identifier: '000123',
      email: 'maya.okafor@students.lakeview.example', sms: null, phone: null, agentSourcedIds: ['gdn-01'], grades: [9], primaryOrgSourcedId: 'sch-hs',
    });
    expect(users[15]!.primaryOrgSourcedId).toBe('sch-ms');

    const roles = await all(pkg, 'roles');
    expect(roles).toHaveLength(18);
    expect(roles.filter((r) => r.userSourcedId === 'tch-03')).toEqual([
      { sourcedId: 'tch-03/sch-ms', status: 'active', at: { file: 'users.csv', line: 17 }, userSourcedId: 'tch-03', role: 'teacher', roleType: 'primary', orgSourcedId: 'sch-ms', beginDate: null, endDate: null },
      { sourcedId: 'tch-03/sch-hs', status: 'active', at: { file: 'users.csv', line: 17 }, userSourcedId: 'tch-03', role: 'teacher', roleType: 'secondary', orgSourcedId: 'sch-hs', beginDate: null, endDate: null },
    ]);
    expect(roles.find((r) => r.userSourcedId === 'adm-01')).toMatchObject({ role: 'administrator', orgSourcedId: 'dist-1', roleType: 'primary' });
    expect(roles.find((r) => r.userSourcedId === 'gdn-05')).toMatchObject({ role: 'relative' });

    expect((await all(pkg, 'categories')).map((c) => c.weight)).toEqual([null, null, null]);
    const results = await all(pkg, 'results');
    expect(results[1]).toMatchObject({ score: 7, late: false, missing: false, incomplete: false });
    expect(await all(pkg, 'scoreScales')).toEqual([]);
    expect(sink.list()).toEqual([]);
    await pkg.close();
  });

  it('reports a bad users row once, though roles read users.csv again', async () => {
    const users = [
      'sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,userIds,givenName,familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,password',
      'u-1,active,,true,sch-1,student,u1,,Ann,Lee,,001,,,,,09,',
      'u-2,active,,true,sch-1,principal,u2,,Bea,Moss,,,,,,,,',
      'u-3,active,,true,,teacher,u3,,Cal,Nash,,,,,,,,',
      '',
    ].join('\n');
    const path = await zipOf(null, {}, { 'manifest.csv': 'propertyName,value\noneroster.version,1.1\nfile.users,bulk\n', 'users.csv': users });
    for (const order of [['users', 'roles'], ['roles', 'users']] as const) {
      const { pkg, sink } = await opened(path);
      for (const file of order) {
        const rows = await all(pkg, file);
        if (file === 'users') expect(rows.map((u) => u.sourcedId)).toEqual(['u-1']);
        else expect((rows as RoleRecord[]).map((r) => [r.userSourcedId, r.role])).toEqual([['u-1', 'student']]);
      }
      expect(sink.list().map(brief)).toEqual([
        ['error', 'badEnum', 'users.csv', 3, 'role', 'principal'],
        ['error', 'required', 'users.csv', 4, 'orgSourcedIds', ''],
      ]);
      await pkg.close();
    }
  });
});

describe('a messy package', () => {
  it('reports every quirk as its documented error or warning, and keeps the rows it can', async () => {
    const { pkg, sink } = await opened(await zipOf('messy'));
    expect(pkg.version).toBe('1.2');
    expect(pkg.modes.orgs).toBe('bulk');
    expect(pkg.modes.courses).toBe('absent');
    expect(pkg.modes.results).toBe('absent');

    expect(await all(pkg, 'academicSessions')).toEqual([
      {
        sourcedId: 'sy-9', status: 'active', at: { file: 'academicSessions.csv', line: 2 }, title: '2026-2027', type: 'schoolYear',
        startDate: '2026-08-17', endDate: '2027-06-04', parentSourcedId: null, schoolYear: 2027,
      },
    ]);
    expect(await all(pkg, 'classes')).toEqual([]);
    expect(await all(pkg, 'courses')).toEqual([]);
    await all(pkg, 'orgs');

    const users = await all(pkg, 'users');
    expect(users.map((u) => [u.sourcedId, u.at.line])).toEqual([['u-1', 2], ['u-2', 3], ['u-8', 11], ['u-7', 13]]);
    expect(users[0]).toMatchObject({ givenName: 'Smith, Jr.', familyName: 'Jones', preferredGivenName: 'Johnny', identifier: '000042', grades: [9] });
    expect(users[1]).toMatchObject({ status: 'active', enabled: true, familyName: 'López\r\nGarcía', grades: [9] });
    expect(users[3]).toMatchObject({ grades: [0], primaryOrgSourcedId: 'sch-9' });

    expect(await all(pkg, 'enrollments')).toEqual([
      {
        sourcedId: 'e-1', status: 'active', at: { file: 'enrollments.csv', line: 2 }, classSourcedId: 'cls-9', schoolSourcedId: 'sch-9',
        userSourcedId: 'u-1', role: 'student', primary: true, beginDate: '2026-08-17', endDate: null,
      },
    ]);
    expect((await all(pkg, 'demographics')).map((d) => [d.sourcedId, d.birthDate])).toEqual([['u-1', '2012-03-07'], ['u-3', '2011-07-04']]);
    expect((await all(pkg, 'lineItems')).map((l) => [l.sourcedId, l.at.line])).toEqual([['li-10', 6]]);
    const attendance: AttendanceRowRecord[] = [];
    for await (const a of pkg.attendance()) attendance.push(a);
    expect(attendance).toEqual([
      { at: { file: 'homeroom_attendance.csv', line: 2 }, studentSourcedId: 'u-1', date: '2026-09-02', classSourcedId: null, code: 'A', excused: true },
    ]);

    expect(sink.list().map(brief)).toEqual([
      ['error', 'missingFile', 'results.csv', null, null, 'file.results'],
      ['error', 'badDate', 'academicSessions.csv', 3, 'startDate', '2026-08-17T00:00:00Z'],
      ['error', 'impossibleDate', 'academicSessions.csv', 4, 'startDate', '2027-02-30'],
      ['error', 'badYear', 'academicSessions.csv', 6, 'schoolYear', '27'],
      ['error', 'missingColumn', 'classes.csv', 1, 'termSourcedIds', null],
      ['error', 'notUtf8', 'orgs.csv', 3, null, null],
      ['error', 'badBoolean', 'users.csv', 6, 'enabledUser', 'maybe'],
      ['error', 'required', 'users.csv', 9, 'givenName', ''],
      ['error', 'rowTooLong', 'users.csv', 10, null, 'extra'],
      ['error', 'rowTooShort', 'users.csv', 12, null, '4'],
      ['error', 'badEnum', 'enrollments.csv', 3, 'role', 'observer'],
      ['error', 'rowTooLong', 'enrollments.csv', 4, null, 'Room 5'],
      ['error', 'rowTooShort', 'enrollments.csv', 5, null, '5'],
      ['error', 'badEnum', 'enrollments.csv', 6, 'status', 'deleted'],
      ['error', 'impossibleDate', 'demographics.csv', 3, 'birthDate', '2012-02-30'],
      ['error', 'impossibleDate', 'demographics.csv', 5, 'birthDate', '2011-13-01'],
      ['error', 'badDate', 'demographics.csv', 6, 'birthDate', 'March 3 2011'],
      ['error', 'badNumber', 'lineItems.csv', 2, 'resultValueMax', 'ten'],
      ['error', 'impossibleDate', 'homeroom_attendance.csv', 3, 'date', '2026-09-31'],
      ['error', 'required', 'homeroom_attendance.csv', 4, 'code', ''],
      ['warning', 'fileNotRead', 'manifest.csv', 13, null, 'classResources.csv'],
      ['warning', 'absentFilePresent', 'courses.csv', null, null, 'file.courses'],
      ['warning', 'usDate', 'academicSessions.csv', 2, 'startDate', '8/17/2026'],
      ['warning', 'usDate', 'academicSessions.csv', 2, 'endDate', '6/4/2027'],
      ['warning', 'deletedInBulk', 'academicSessions.csv', 5, 'status', 'tobedeleted'],
      ['warning', 'misspelledColumn', 'users.csv', 1, 'preferedGivenName', null],
      ['warning', 'unknownColumn', 'users.csv', 1, 'favoriteColor', null],
      ['warning', 'looseBoolean', 'users.csv', 3, 'enabledUser', 'yes'],
      ['warning', 'unknownGrade', 'users.csv', 3, 'grades', 'XX'],
      ['warning', 'deletedInBulk', 'users.csv', 8, 'status', 'tobedeleted'],
      ['warning', 'unnamedColumn', 'users.csv', 11, '15', 'stray'],
      ['warning', 'looseBoolean', 'enrollments.csv', 2, 'primary', '1'],
      ['warning', 'usDate', 'demographics.csv', 2, 'birthDate', '3/7/2012'],
      ['warning', 'looseBoolean', 'homeroom_attendance.csv', 2, 'excused', 'Yes'],
    ]);
    const misspelled = sink.list().find((p) => p.code === 'misspelledColumn');
    expect(misspelled?.expected).toBe('preferredGivenName');
    // every code found has its own message in both languages
    for (const locale of ['en', 'es'] as const) {
      const other = translator(locale)('oneroster.problem.other', { code: '', value: '', detail: '' }).slice(0, 8);
      for (const p of sink.list()) expect(describeProblem(p, translator(locale))).not.toContain(other);
    }
    await pkg.close();
  });
});
