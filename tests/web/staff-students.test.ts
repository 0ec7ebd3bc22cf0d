/**
 * Finding a student and the student page, against the hand-built district of
 * tests/support/student-search.ts; every expected value is a literal from that fixture.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { makeApp } from '../support/app.js';
import { describeEachEngine } from '../support/db.js';
import { staffMember, student, type StaffFixture } from '../support/factories.js';
import { definition, tableRows, textOf } from '../support/html.js';
import { Client } from '../support/http.js';
import { QueryCounter } from '../support/query-counter.js';
import { SEARCH_TODAY, searchWorld, type SearchWorld } from '../support/student-search.js';

describeEachEngine('finding a student (staff)', (get) => {
  let app: FastifyInstance;
  let w: SearchWorld;
  let pager: StaffFixture;

  beforeAll(async () => {
    const db = get().db;
    w = await searchWorld(db);
    // 26 students of another school for the page-size test, seen only by its own office.
    const paging = await db
      .insertInto('schools')
      .values({ sourced_id: null, school_number: '0777', name: 'Paging School', short_name: 'PS', grade_low: 6, grade_high: 8, address_line1: null, city: null, state: null, postal_code: null, phone: null, created_at: '2026-08-01T00:00:00.000Z', updated_at: '2026-08-01T00:00:00.000Z', updated_by: null })
      .returning('id')
      .executeTakeFirstOrThrow();
    for (let i = 1; i <= 26; i++) {
      const s = await student(db, w.world, { first: 'Pat', last: `Pager${String(i).padStart(2, '0')}`, number: `9${String(i).padStart(6, '0')}`, grade: 6 });
      await db.updateTable('students').set({ school_id: paging.id }).where('id', '=', s.id).execute();
    }
    pager = await staffMember(db, w.world, { first: 'Paula', last: 'Paging', roles: [{ role: 'office', schoolId: paging.id }] });
    app = await makeApp(get(), { now: () => new Date(`${SEARCH_TODAY}T18:00:00Z`) });
  });
  afterAll(() => app?.close());

  let address = 0;
  const as = async (who: StaffFixture) => {
    const c = new Client(app, {}, `10.8.${Math.floor(++address / 250)}.${address % 250}`);
    const res = await c.submit('/sign-in', { username: who.account!.username, password: who.account!.password });
    expect(res.statusCode).toBe(303);
    return c;
  };
  const search = async (c: Client, q: string, status = 200) => {
    const res = await c.get(`/staff/students?q=${encodeURIComponent(q)}`);
    expect(res.statusCode, q).toBe(status);
    return res.body;
  };
  const found = (html: string) => tableRows(html, 'Students found');
  const JOSE = ['Álvarez, Pepe Legal name: José Álvarez', '0000123', '11', 'Cedar Ridge High School'];

  it('lists Find a student on Home under the first kind of work the person has, and not without a student in reach', async () => {
    const groupOf = async (who: StaffFixture) => {
      const html = (await (await as(who)).get('/home')).body;
      const group = [...html.matchAll(/<div class="hr-staff-tools"><h3>([^<]*)<\/h3>([\s\S]*?)<\/div>/g)].find((m) => m[2]!.includes('href="/staff/students"'));
      return group?.[1] ?? null;
    };
    expect(await groupOf(w.staff.teacher)).toBe('Teaching');
    expect(await groupOf(w.staff.office)).toBe('School office');
    expect(await groupOf(w.staff.nurse)).toBe('Health office');
    expect(await groupOf(w.staff.counselor)).toBe('Counseling');
    expect(await groupOf(w.staff.districtAdmin)).toBe('School office');
    expect(await groupOf(w.staff.idleTeacher)).toBe(null);
  });

  it('finds by legal or preferred name, any part, case and accents, and by number with or without leading zeros', async () => {
    const office = await as(w.staff.office);
    for (const q of ['alvarez', 'ÁLVAREZ', 'Álva', 'jose', 'JOSÉ', 'pepe', 'pep alv', '123', '0000123', '00123']) {
      expect(found(await search(office, q)), q).toEqual([JOSE]);
    }
    const ana = await search(office, 'ana');
    expect(textOf(ana)).toContain('2 students found');
    expect(found(ana)).toEqual([
      ['Green, Anatole', '0004567', '9', 'Cedar Ridge High School'],
      ['López, Ana', '0000456', '10', 'Cedar Ridge High School'],
    ]);
    expect(found(await search(office, 'lopez'))).toEqual([['López, Ana', '0000456', '10', 'Cedar Ridge High School']]);
    // part of a number is not a number
    expect(textOf(await search(office, '12'))).toContain('No students found for “12”');
  });

  it('lists only the students in reach: a school, a class taught today, or the district', async () => {
    const office = await as(w.staff.office);
    expect(textOf(await search(office, 'zoe'))).toContain('No students found for “zoe”');
    const admin = await as(w.staff.districtAdmin);
    expect(found(await search(admin, 'zoe'))).toEqual([['Smith, Zoe', '0000789', '7', 'Fixture Middle School']]);
    const middle = await as(w.staff.otherOffice);
    expect(found(await search(middle, '789'))).toEqual([['Smith, Zoe', '0000789', '7', 'Fixture Middle School']]);
    expect(textOf(await search(middle, 'alvarez'))).toContain('No students found');
    const teacher = await as(w.staff.teacher);
    expect(found(await search(teacher, 'alvarez'))).toEqual([JOSE]);
    expect(textOf(await search(teacher, 'ana'))).toContain('No students found for “ana”');
    const nurse = await as(w.staff.nurse);
    expect(found(await search(nurse, '456'))).toEqual([['López, Ana', '0000456', '10', 'Cedar Ridge High School']]);
  });

  it('takes wildcards literally and answers bad input with 400 and a field message', async () => {
    const office = await as(w.staff.office);
    expect(textOf(await search(office, '%'))).toContain('No students found for “%”');
    expect(textOf(await search(office, '_'))).toContain('No students found for “_”');
    expect(textOf(await search(office, 'a'.repeat(81), 400))).toContain('This is too long.');
    expect(textOf(await search(office, 'ana\u0007', 400))).toContain('This contains characters that are not allowed.');
    expect(textOf(await search(office, 'ana\u202e', 400))).toContain('This contains characters that are not allowed.');
    expect((await office.get('/staff/students?q=a&q=b')).statusCode).toBe(400);
    expect((await office.get('/staff/students?q=ana&page=x')).statusCode).toBe(400);
    expect((await office.get('/staff/students?q=ana&page=99999')).statusCode).toBe(400);
    // an empty search is the form alone
    const empty = await search(office, '');
    expect(empty).not.toContain('Students found');
    expect(empty).not.toContain('No students found');
  });

  it('pages the results 25 at a time', async () => {
    const c = await as(pager);
    const first = await search(c, 'pat');
    expect(textOf(first)).toContain('26 students found');
    expect(found(first)).toHaveLength(25);
    expect(found(first)[0]).toEqual(['Pager01, Pat', '9000001', '6', 'Paging School']);
    expect(textOf(first)).toContain('Page 1 of 2');
    const second = await c.get('/staff/students?q=pat&page=2');
    expect(found(second.body)).toEqual([['Pager26, Pat', '9000026', '6', 'Paging School']]);
    const beyond = await c.get('/staff/students?q=pat&page=3');
    expect(beyond.statusCode).toBe(200);
    expect(found(beyond.body)).toEqual([]);
  });

  it('opens the student page: details, schedule, guardians with their portal access, the role’s tools', async () => {
    const office = await as(w.staff.office);
    const res = await office.get(`/staff/students/${w.jose.student.id}`);
    expect(res.statusCode).toBe(200);
    const html = res.body;
    expect(textOf(/<h1>([\s\S]*?)<\/h1>/.exec(html)![1]!)).toBe('Pepe Álvarez 0000123 · Cedar Ridge High School · grade 11');
    expect(definition(html, 'Legal name')).toBe('José Álvarez');
    expect(definition(html, 'Enrollment')).toBe('Active');
    // A birth date with its year (tests/support/student-search.ts: 2010-05-01), and no weekday.
    expect(definition(html, 'Birth date')).toBe('May 1, 2010');
    expect(tableRows(html, 'Classes, Semester 2')).toEqual([['2', '8:55 AM – 9:45 AM', expect.stringMatching(/^Biology BIO-0\d$/), 'Rosa Marquez', 'B-114']]);
    expect(tableRows(html, 'Parents, guardians and contacts, first to call first')).toEqual([
      ['Lucía Álvarez Mother', 'Mobile: (573) 555-0101', w.jose.guardian.email, 'Yes', 'Yes', 'Yes', 'Yes'],
      ['Víctor Álvarez Father', 'None on record', expect.stringMatching(/^víctor\.álvarez\.\d+@fixture\.example\.com$/), 'No: rights revoked', 'No', 'Yes', 'Yes'],
      ['Rosa Álvarez Grandmother', 'Home: 555-0199', expect.stringMatching(/^rosa\.álvarez\.\d+@fixture\.example\.com$/), 'No', 'No', 'Yes', 'No'],
    ]);
    const tools = textOf(/<nav aria-labelledby="student-tools-heading">([\s\S]*?)<\/nav>/.exec(html)![1]!);
    expect(tools).toBe('Your tools for this student Account help Fees');
    expect(html).toContain(`href="/staff/fees/students/${w.jose.student.id}"`);
    expect(html).toContain('href="/staff/account-help?number=0000123"');

    const counselor = await as(w.staff.counselor);
    const forCounselor = (await counselor.get(`/staff/students/${w.jose.student.id}`)).body;
    expect(textOf(/<nav aria-labelledby="student-tools-heading">([\s\S]*?)<\/nav>/.exec(forCounselor)![1]!)).toBe('Your tools for this student Grades Attendance Transcript');

    const nurse = await as(w.staff.nurse);
    const forNurse = (await nurse.get(`/staff/students/${w.jose.student.id}`)).body;
    expect(textOf(/<nav aria-labelledby="student-tools-heading">([\s\S]*?)<\/nav>/.exec(forNurse)![1]!)).toBe('Your tools for this student Health record');
    expect(forNurse).toContain(`href="/staff/health/students/${w.jose.student.id}"`);

    const teacher = await as(w.staff.teacher);
    const forTeacher = await teacher.get(`/staff/students/${w.jose.student.id}`);
    expect(forTeacher.statusCode).toBe(200);
    expect(forTeacher.body).not.toContain('student-tools-heading');
    expect((await teacher.get(`/staff/students/${w.ana.id}`)).statusCode).toBe(404);
  });

  it('audits every open of a student page, and nothing for a student out of reach', async () => {
    const db = get().db;
    const opens = () =>
      db.selectFrom('audit_log').select(['actor_account_id', 'details', 'subject_id']).where('action', '=', 'student.viewed_by_staff').where('subject_type', '=', 'student').where('subject_id', '=', w.zoe.id).execute();
    expect(await opens()).toEqual([]);
    const office = await as(w.staff.office);
    expect((await office.get(`/staff/students/${w.zoe.id}`)).statusCode).toBe(404);
    expect(await opens()).toEqual([]);
    const middle = await as(w.staff.otherOffice);
    expect((await middle.get(`/staff/students/${w.zoe.id}`)).statusCode).toBe(200);
    expect((await middle.get(`/staff/students/${w.zoe.id}`)).statusCode).toBe(200);
    const rows = await opens();
    expect(rows).toHaveLength(2);
    expect(rows.every((r) => r.actor_account_id === w.staff.otherOffice.account!.id && JSON.parse(r.details!).page === 'student')).toBe(true);
  });

  it('lets a counselor of the school read grades, attendance and transcript, audited, and no one else', async () => {
    const db = get().db;
    const id = w.jose.student.id;
    const before = Number((await db.selectFrom('audit_log').select((eb) => eb.fn.max('id').as('id')).executeTakeFirst())?.id ?? 0);
    const counselor = await as(w.staff.counselor);
    const grades = await counselor.get(`/staff/students/${id}/grades`);
    expect(grades.statusCode).toBe(200);
    const card = textOf(grades.body);
    expect(card).toContain('Biology');
    expect(card).toContain('Quarter 3 (in progress): B+ 88.00%');
    expect(card).toContain('Quarter 2 (posted): A-');
    const attendance = await counselor.get(`/staff/students/${id}/attendance`);
    expect(tableRows(attendance.body, 'Absences, tardies and early releases')).toEqual([['Wed, Feb 3', '2', 'Biology', 'Absent A-ILL: Absent: illness', 'Excused']]);
    const transcript = await counselor.get(`/staff/students/${id}/transcript`);
    expect(tableRows(transcript.body, 'Courses, 2025–2026')).toEqual([['Full year', 'English 10 ENG10', 'A', '1', '1']]);
    const reads = await db
      .selectFrom('audit_log')
      .select('details')
      .where('action', '=', 'student.viewed_by_staff')
      .where('subject_id', '=', id)
      .where('actor_account_id', '=', w.staff.counselor.account!.id)
      .where('id', '>', before)
      .orderBy('id')
      .execute();
    expect(reads.map((r) => JSON.parse(r.details!).page)).toEqual(['grades', 'attendance', 'transcript']);

    const other = await as(w.staff.otherCounselor);
    expect((await other.get(`/staff/students/${id}/grades`)).statusCode).toBe(404);
    const office = await as(w.staff.office);
    expect((await office.get(`/staff/students/${id}/transcript`)).statusCode).toBe(403);
  });

  it('asks a fixed number of queries, however many students are found or guardians and classes a student has', async () => {
    const counter = new QueryCounter();
    const counted = await makeApp({ ...get(), db: get().db.withPlugin(counter) }, { now: () => new Date(`${SEARCH_TODAY}T18:00:00Z`) });
    try {
      const c = new Client(counted, {}, '10.8.200.1');
      await c.submit('/sign-in', { username: w.staff.districtAdmin.account!.username, password: w.staff.districtAdmin.account!.password });
      const count = async (url: string) => {
        await c.get(url); // warms the short caches (terms, the district)
        counter.count = 0;
        expect((await c.get(url)).statusCode, url).toBe(200);
        return counter.count;
      };
      const many = await count('/staff/students?q=pat');
      expect(await count('/staff/students?q=lopez')).toBe(many);
      expect(many).toBeLessThanOrEqual(12);
      // José: three guardians and a class; Anatole: neither
      const jose = await count(`/staff/students/${w.jose.student.id}`);
      expect(await count(`/staff/students/${w.anatole.id}`)).toBe(jose);
      expect(jose).toBeLessThanOrEqual(16);
    } finally {
      await counted.close();
    }
  });

  const COURSE = { school: 'Lakeside Academy', schoolYear: '2025', grade: '9', code: 'alg1', title: 'Algebra I', term: 'Year', letter: 'B+', weight: 'honors', attempted: '1', earned: '1' };
  const transcriptCourses = async () => (await get().db.selectFrom('transcript_courses').select('id').where('student_id', '=', w.jose.student.id).execute()).length;
  const changeEvents = async () => (await get().db.selectFrom('change_events').select('id').where('kind', '=', 'transcript_course').execute()).length;

  it('lets a counselor add a course from another school to the transcript, with its change event and audit entry', async () => {
    const id = w.jose.student.id;
    const counselor = await as(w.staff.counselor);
    expect((await counselor.get(`/staff/students/${id}/transfer-credit`)).statusCode).toBe(200);
    const res = await counselor.post(`/staff/students/${id}/transfer-credit`, COURSE);
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(`/staff/students/${id}/transcript?added=1`);
    const page = await counselor.get(res.headers.location as string);
    expect(textOf(page.body)).toContain('The course was added to the transcript.');
    expect(tableRows(page.body, 'Courses, 2024–2025')).toEqual([['Full year', 'Algebra I ALG1 · weighted (honors or AP)', 'B+', '1', '1']]);
    const row = await get().db.selectFrom('transcript_courses').selectAll().where('student_id', '=', id).where('course_code', '=', 'ALG1').executeTakeFirstOrThrow();
    expect([row.school_name, row.school_year, row.grade_level, row.gpa_points, row.gpa_bonus, row.updated_by]).toEqual(['Lakeside Academy', 2025, 9, 3.3, 0.5, w.staff.counselor.account!.id]);
    expect(await changeEvents()).toBe(1);
    const audited = await get().db.selectFrom('audit_log').select('actor_account_id').where('action', '=', 'transcript.transfer_credit_added').where('subject_id', '=', id).execute();
    expect(audited).toEqual([{ actor_account_id: w.staff.counselor.account!.id }]);

    // The same course again: a message, nothing written.
    const again = await counselor.post(`/staff/students/${id}/transfer-credit`, COURSE);
    expect(again.statusCode).toBe(409);
    expect(textOf(again.body)).toContain('This course is already on the transcript for that year and term.');
    expect(await changeEvents()).toBe(1);
  });

  it('answers every bad field of the transfer form with 400 and its message, writing nothing', async () => {
    const id = w.jose.student.id;
    const counselor = await as(w.staff.counselor);
    await counselor.get(`/staff/students/${id}/transfer-credit`);
    const before = [await transcriptCourses(), await changeEvents()];
    const cases: [Record<string, string | string[]>, string][] = [
      [{ school: '' }, 'This field is required.'],
      [{ school: ['A', 'B'] }, 'This value is not valid.'],
      [{ school: 'Lake\u0007side' }, 'This contains characters that are not allowed.'],
      [{ title: 'x'.repeat(121) }, 'This is too long.'],
      [{ schoolYear: '2016' }, 'Enter the year the school year ended, as four digits, within the years shown.'],
      [{ schoolYear: '2028' }, 'Enter the year the school year ended, as four digits, within the years shown.'],
      [{ schoolYear: '25' }, 'Enter the year the school year ended, as four digits, within the years shown.'],
      [{ grade: '13' }, 'Enter a grade level from 6 to 12.'],
      [{ grade: 'nine' }, 'Enter a grade level from 6 to 12.'],
      [{ code: '%%' }, 'Use letters, digits, spaces, dots and hyphens, starting with a letter or a digit.'],
      [{ term: 'Q1' }, 'Choose one of the options.'],
      [{ letter: 'Z' }, 'Choose one of the options.'],
      [{ weight: 'double' }, 'Choose one of the options.'],
      [{ attempted: '-1' }, 'Enter a number of credits from 0 to 10, with at most two decimals.'],
      [{ attempted: '11' }, 'Enter a number of credits from 0 to 10, with at most two decimals.'],
      [{ earned: '0.125' }, 'Enter a number of credits from 0 to 10, with at most two decimals.'],
      [{ attempted: '0.5', earned: '1' }, 'Credits earned cannot be more than credits attempted.'],
    ];
    for (const [change, message] of cases) {
      const res = await counselor.post(`/staff/students/${id}/transfer-credit`, { ...COURSE, code: 'BAD1', ...change });
      expect(res.statusCode, JSON.stringify(change)).toBe(400);
      expect(textOf(res.body), JSON.stringify(change)).toContain(message);
    }
    expect([await transcriptCourses(), await changeEvents()]).toEqual(before);
  });
});
