/**
 * Teachers take attendance (issue 19): My classes, the roster, saving, correcting the same day, a
 * collision with a co-teacher, bad input, other teachers' sections, and the office's list of classes
 * that have not taken attendance. Every expectation comes from the fixture below.
 *
 * Tuesday 9 February 2027, noon in Chicago. Biology (period 2, room B-114): Rosa Marquez teaches it with
 * Ana Lopez as co-teacher; Maya Ortiz, Leo Ortiz and Zoe Adams are enrolled, Ian Cho left on 1 February.
 * Chemistry (period 3) is Paul Nyberg's. Maya's mother Lucia reads the portal. Office staff: Olga at the
 * high school, Omar at the middle school.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { makeApp } from '../support/app.js';
import { describeEachEngine } from '../support/db.js';
import {
  attendance,
  FIXTURE_CODES,
  guardianWithChild,
  otherSchool,
  schoolYear,
  sectionWithGradebook,
  staffMember,
  student,
  teachSection,
  type AccountFixture,
  type CodeKey,
  type Family,
  type SectionFixture,
  type StaffFixture,
  type StudentFixture,
  type World,
} from '../support/factories.js';
import { Client } from '../support/http.js';

const TODAY = '2027-02-09';

describeEachEngine('taking attendance', (get) => {
  let app: FastifyInstance;
  let world: World;
  let ortiz: Family;
  let leo: StudentFixture;
  let zoe: StudentFixture;
  let biology: SectionFixture;
  let chemistry: SectionFixture;
  let rosa: StaffFixture;
  let ana: StaffFixture;
  let paul: StaffFixture;
  let olga: StaffFixture;
  let omar: StaffFixture;
  let rosaEs: StaffFixture;
  let olgaEs: StaffFixture;
  let address = 0;

  beforeAll(async () => {
    const db = get().db;
    world = await schoolYear(db, { today: TODAY });
    ortiz = await guardianWithChild(db, world, { student: { first: 'Maya', last: 'Ortiz', grade: 11 }, guardian: { first: 'Lucia', last: 'Ortiz' } });
    leo = await student(db, world, { first: 'Leo', last: 'Ortiz', grade: 9 });
    zoe = await student(db, world, { first: 'Zoe', last: 'Adams', grade: 10 });
    const ian = await student(db, world, { first: 'Ian', last: 'Cho', grade: 10 });
    biology = await sectionWithGradebook(db, world, {
      course: { code: 'SCI301', title: 'Biology' },
      period: '2',
      room: 'B-114',
      students: [{ student: ortiz.student }, { student: leo }, { student: zoe }, { student: ian, until: '2027-02-01' }],
    });
    chemistry = await sectionWithGradebook(db, world, { course: { code: 'SCI401', title: 'Chemistry' }, period: '3', students: [{ student: zoe }] });
    rosa = await staffMember(db, world, { first: 'Rosa', last: 'Marquez', roles: [{ role: 'teacher' }] });
    ana = await staffMember(db, world, { first: 'Ana', last: 'Lopez', roles: [{ role: 'teacher' }] });
    paul = await staffMember(db, world, { first: 'Paul', last: 'Nyberg', roles: [{ role: 'teacher' }] });
    await teachSection(db, rosa, biology, { primary: true });
    await teachSection(db, ana, biology);
    await teachSection(db, paul, chemistry, { primary: true });
    olga = await staffMember(db, world, { first: 'Olga', last: 'Office', roles: [{ role: 'office' }] });
    const middle = await otherSchool(db);
    omar = await staffMember(db, world, { first: 'Omar', last: 'Office', roles: [{ role: 'office', schoolId: middle.id }] });
    // The office took Zoe's call this morning: absent all day, illness.
    await attendance(db, world, zoe, [{ date: TODAY, code: 'A-ILL' }]);
    // The district's Spanish for two of its codes (the others have none: their English shows).
    await db.updateTable('attendance_codes').set({ description_es: 'Ausente: enfermedad' }).where('code', '=', 'A-ILL').execute();
    await db.updateTable('attendance_codes').set({ description_es: 'Tarde: sin justificar' }).where('code', '=', 'T-UNX').execute();
    // A co-teacher of Biology and an office clerk who read Spanish.
    rosaEs = await staffMember(db, world, { first: 'Rosa', last: 'Ibarra', roles: [{ role: 'teacher' }], locale: 'es' });
    await teachSection(db, rosaEs, biology);
    olgaEs = await staffMember(db, world, { first: 'Olga', last: 'Reyes', roles: [{ role: 'office' }], locale: 'es' });
    app = await makeApp(get(), { now: () => new Date(`${TODAY}T18:00:00Z`) });
  });
  afterAll(() => app.close());

  const signedIn = async (who: AccountFixture | null) => {
    const c = new Client(app, {}, `10.8.${Math.floor(++address / 250)}.${address % 250}`);
    const res = await c.submit('/sign-in', { username: who!.username, password: who!.password });
    expect(res.statusCode).toBe(303);
    // The form token belongs to the session: take the new session's from a page.
    await c.get('/home');
    return c;
  };
  const codeId = async (code: string) => (await get().db.selectFrom('attendance_codes').select('id').where('code', '=', code).executeTakeFirstOrThrow()).id;
  const records = () =>
    get()
      .db.selectFrom('attendance_records as r')
      .innerJoin('attendance_codes as c', 'c.id', 'r.code_id')
      .select(['r.student_id', 'r.section_id', 'c.code'])
      .where('r.date', '=', TODAY)
      .orderBy('r.student_id')
      .orderBy('r.section_id')
      .execute();
  const events = () => get().db.selectFrom('change_events').select(['kind', 'action', 'student_id', 'section_id', 'before', 'after']).orderBy('id').execute();
  const url = (section: SectionFixture, date = TODAY) => `/staff/classes/${section.id}/attendance?date=${date}`;
  const rosterForm = (body: string) => ({
    version: /name="version" value="(\d+)"/.exec(body)![1]!,
    students: [...body.matchAll(/name="student" value="(\d+)"/g)].map((m) => m[1]!),
  });

  it('lists the day’s classes with period and room, and only one’s own', async () => {
    const page = (await (await signedIn(rosa.account)).get('/staff/classes')).body;
    expect(page).toContain('Biology · SCI301-0');
    expect(page).toContain('Period 2, 8:55 AM – 9:45 AM · Room B-114');
    expect(page).toContain('Attendance not taken yet.');
    expect(page).not.toContain('Chemistry');
    // The co-teacher has the class too; the chemistry teacher does not.
    expect((await (await signedIn(ana.account)).get('/staff/classes')).body).toContain('Biology');
    expect((await (await signedIn(paul.account)).get('/staff/classes')).body).not.toContain('Biology');
    // A Saturday: no class meets.
    expect((await (await signedIn(rosa.account)).get('/staff/classes?date=2027-02-13')).body).toContain('None of your classes meets on this day.');
    // Another day: its roster opens to be read, not taken.
    const monday = (await (await signedIn(rosa.account)).get('/staff/classes?date=2027-02-08')).body;
    expect(monday).toContain('Review attendance');
    expect(monday).not.toContain('Take attendance');
    // Not teachers: office staff and a parent.
    expect((await (await signedIn(olga.account)).get('/staff/classes')).statusCode).toBe(403);
    expect((await (await signedIn(ortiz.guardianAccount)).get('/staff/classes')).statusCode).toBe(403);
    expect((await new Client(app).get('/staff/classes')).headers.location).toBe('/sign-in?next=%2Fstaff%2Fclasses');
    // The Home of a teacher lists it.
    expect((await (await signedIn(rosa.account)).get('/home')).body).toContain('href="/staff/classes"');
  });

  it('names each code once, as the district wrote it, in the reader’s language: the roster’s choices, the office’s day and its lists', async () => {
    /** The options of a select, as text. */
    const options = (body: string, id: string) => {
      const select = new RegExp(`<select[^>]*id="${id}"[^>]*>([\\s\\S]*?)</select>`).exec(body)![1]!;
      return [...select.matchAll(/<option[^>]*>([^<]*)<\/option>/g)].map((m) => m[1]);
    };
    const english = (await (await signedIn(rosa.account)).get(url(biology))).body;
    // The codes' descriptions name their kind: "Absent: illness", never "Absent: Absent: illness".
    expect(options(english, `mark-${leo.id}`)).toEqual(['Present', ...['A-APT', 'A-ILL', 'A-UNK', 'A-UNX', 'T-EX', 'T-UNX'].map((c) => FIXTURE_CODES[c as CodeKey].description)]);
    expect(english).not.toContain('Absent: Absent');
    const spanish = (await (await signedIn(rosaEs.account)).get(url(biology))).body;
    expect(options(spanish, `mark-${leo.id}`)).toEqual(['Presente', 'Absent: appointment', 'Ausente: enfermedad', 'Absent: not yet explained', 'Absent: unexcused', 'Tardy: excused', 'Tarde: sin justificar']);
    expect(spanish).toContain('Oficina, todo el día: Ausente: enfermedad');
    // The office's day: Zoe's record and the whole-day form's codes.
    const office = (await (await signedIn(olgaEs.account)).get(`/staff/attendance?date=${TODAY}`)).body;
    expect(office).toMatch(/<td>Ausente: enfermedad/);
    expect(options(office, 'code')).toContain('Tarde: sin justificar');
    expect(options(office, 'code')).toContain('Early release: signed out by a parent');
  });

  it('takes attendance, corrects it the same day, and records each change once', async () => {
    const rosaClient = await signedIn(rosa.account);
    const page = await rosaClient.get(url(biology));
    expect(page.statusCode).toBe(200);
    // By last name; Ian left last week; Zoe's whole-day absence from the office is shown.
    const names = [...page.body.matchAll(/<label for="mark-\d+">([^<]+)<\/label>/g)].map((m) => m[1]);
    expect(names).toEqual(['Adams, Zoe', 'Ortiz, Leo', 'Ortiz, Maya']);
    expect(page.body).toContain('Office, whole day: Absent: illness');
    const form = rosterForm(page.body);
    expect(form.version).toBe('0');

    // Leo absent, Maya tardy, Zoe left present in class (the office has her day).
    const absent = await codeId('A-UNK');
    const tardy = await codeId('T-UNX');
    const saved = await rosaClient.post(`/staff/classes/${biology.id}/attendance`, {
      date: TODAY,
      version: form.version,
      student: form.students,
      [`mark_${leo.id}`]: String(absent),
      [`mark_${ortiz.student.id}`]: String(tardy),
      [`mark_${zoe.id}`]: 'present',
    });
    expect(saved.statusCode).toBe(303);
    expect(saved.headers.location).toBe(`/staff/classes/${biology.id}/attendance?date=${TODAY}&saved=1`);
    expect((await rosaClient.get(saved.headers.location!)).body).toContain('Attendance saved.');
    expect(await records()).toEqual(
      [
        { student_id: ortiz.student.id, section_id: biology.id, code: 'T-UNX' },
        { student_id: leo.id, section_id: biology.id, code: 'A-UNK' },
        { student_id: zoe.id, section_id: null, code: 'A-ILL' },
      ].sort((a, b) => a.student_id - b.student_id || (a.section_id ?? 0) - (b.section_id ?? 0)),
    );
    // Each for the class's period (period 2), the one My classes shows.
    const periods = await get().db.selectFrom('attendance_records').select('bell_period_id').where('section_id', '=', biology.id).execute();
    expect(periods).toEqual([{ bell_period_id: world.periods['2']!.id }, { bell_period_id: world.periods['2']!.id }]);
    const made = await events();
    expect(made.map((e) => [e.kind, e.action, e.student_id, e.section_id])).toEqual(
      expect.arrayContaining([
        ['attendance', 'created', leo.id, biology.id],
        ['attendance', 'created', ortiz.student.id, biology.id],
      ]),
    );
    expect(made).toHaveLength(2);
    expect(JSON.parse(made.find((e) => e.student_id === leo.id)!.after!)).toEqual({ date: TODAY, sectionId: biology.id, code: 'A-UNK' });

    // Maya's mother sees the tardy on her next page load.
    const mother = await signedIn(ortiz.guardianAccount);
    expect((await mother.get(`/students/${ortiz.student.id}/attendance`)).body).toContain('Tardy: unexcused');

    // The co-teacher corrects it: Maya was on time after all. An unchanged rest changes nothing else.
    const anaClient = await signedIn(ana.account);
    const again = rosterForm((await anaClient.get(url(biology))).body);
    expect(again.version).toBe('1');
    const corrected = await anaClient.post(`/staff/classes/${biology.id}/attendance`, {
      date: TODAY,
      version: again.version,
      student: again.students,
      [`mark_${leo.id}`]: String(absent),
      [`mark_${ortiz.student.id}`]: 'present',
      [`mark_${zoe.id}`]: 'present',
    });
    expect(corrected.statusCode).toBe(303);
    expect((await records()).filter((r) => r.section_id === biology.id)).toEqual([{ student_id: leo.id, section_id: biology.id, code: 'A-UNK' }]);
    const after = await events();
    expect(after).toHaveLength(3);
    expect(after[2]).toMatchObject({ kind: 'attendance', action: 'deleted', student_id: ortiz.student.id, after: null });
    const audited = await get().db.selectFrom('audit_log').select(['action', 'actor_account_id', 'subject_id']).where('action', '=', 'attendance.taken').execute();
    expect(audited).toEqual([
      { action: 'attendance.taken', actor_account_id: rosa.account!.id, subject_id: biology.id },
      { action: 'attendance.taken', actor_account_id: ana.account!.id, subject_id: biology.id },
    ]);

    // Rosa's page from before the correction is stale now: refused, nothing written, the current roster shown.
    const stale = await rosaClient.post(`/staff/classes/${biology.id}/attendance`, {
      date: TODAY,
      version: form.version,
      student: form.students,
      [`mark_${leo.id}`]: 'present',
      [`mark_${ortiz.student.id}`]: String(tardy),
      [`mark_${zoe.id}`]: 'present',
    });
    expect(stale.statusCode).toBe(409);
    expect(stale.body).toContain('changed since you opened this page');
    expect(await events()).toHaveLength(3);
    expect(rosterForm(stale.body).version).toBe('2');
  });

  it('records "all present" when nothing is marked, and the office sees which classes have not taken attendance', async () => {
    const office = await signedIn(olga.account);
    const before = (await office.get('/staff/attendance/not-taken')).body;
    expect(before).toContain('Chemistry · SCI401-0');
    expect(before).toContain('1 class has not taken attendance.');
    const paulClient = await signedIn(paul.account);
    const form = rosterForm((await paulClient.get(url(chemistry))).body);
    const all = await paulClient.post(`/staff/classes/${chemistry.id}/attendance`, { date: TODAY, version: form.version, student: form.students, [`mark_${zoe.id}`]: 'present' });
    expect(all.statusCode).toBe(303);
    expect((await get().db.selectFrom('attendance_takings').select(['section_id', 'version']).where('section_id', '=', chemistry.id).execute())).toEqual([{ section_id: chemistry.id, version: 1 }]);
    expect((await office.get('/staff/attendance/not-taken')).body).toContain('Every class meeting on this day has taken attendance.');
    // Another school's office sees none of these classes; a teacher cannot open the office's page.
    expect((await (await signedIn(omar.account)).get('/staff/attendance/not-taken')).body).toContain('Every class meeting on this day has taken attendance.');
    expect((await (await signedIn(omar.account)).get('/staff/attendance/not-taken?date=2027-02-08')).body).not.toContain('Chemistry');
    expect((await (await signedIn(olga.account)).get('/staff/attendance/not-taken?date=2027-02-08')).body).toContain('2 classes have not taken attendance.');
    expect((await paulClient.get('/staff/attendance/not-taken')).statusCode).toBe(403);
  });

  it('refuses bad input, past days and other teachers’ classes, and writes nothing', async () => {
    const rosaClient = await signedIn(rosa.account);
    const form = rosterForm((await rosaClient.get(url(biology))).body);
    const before = { records: await records(), events: await events() };
    const earlyRelease = await codeId('ER');
    const post = (fields: Record<string, string | string[]>, section = biology) => rosaClient.post(`/staff/classes/${section.id}/attendance`, { date: TODAY, version: form.version, student: form.students, ...fields });
    const everyonePresent = Object.fromEntries(form.students.map((id) => [`mark_${id}`, 'present']));

    // A mark that is not a choice, a code teachers do not mark, a student left out.
    for (const fields of [
      { ...everyonePresent, [`mark_${leo.id}`]: 'gone fishing' },
      { ...everyonePresent, [`mark_${leo.id}`]: String(earlyRelease) },
      { ...everyonePresent, [`mark_${leo.id}`]: '99999999' },
    ]) {
      const res = await post(fields);
      expect(res.statusCode, JSON.stringify(fields)).toBe(400);
      expect(res.body).toContain('Some marks could not be read. Nothing was saved');
      expect(res.body).toContain('aria-invalid="true"');
    }
    const noMaya = { ...everyonePresent };
    delete noMaya[`mark_${ortiz.student.id}`];
    expect((await post(noMaya)).statusCode).toBe(400);
    // A roster that does not match the class (a student added in the form).
    expect((await rosaClient.post(`/staff/classes/${biology.id}/attendance`, { date: TODAY, version: form.version, student: [...form.students, String(ortiz.student.id + 1000)], ...everyonePresent })).statusCode).toBe(409);
    // Days that do not exist, and past days (the office corrects those).
    for (const date of ['2027-02-30', 'yesterday', '2027-2-9']) {
      expect((await rosaClient.post(`/staff/classes/${biology.id}/attendance`, { date, version: form.version, student: form.students, ...everyonePresent })).statusCode, date).toBe(400);
      expect((await rosaClient.get(url(biology, date))).statusCode, date).toBe(400);
    }
    const past = await rosaClient.get(url(biology, '2027-02-08'));
    expect(past.statusCode).toBe(200);
    expect(past.body).toContain('This day has passed');
    expect(past.body).not.toContain('name="version"');
    expect((await rosaClient.post(`/staff/classes/${biology.id}/attendance`, { date: '2027-02-08', version: '0', student: form.students, ...everyonePresent })).statusCode).toBe(409);
    // A day to come: read only too, and it says so.
    const tomorrow = await rosaClient.get(url(biology, '2027-02-10'));
    expect(tomorrow.body).toContain('This day has not come yet');
    expect(tomorrow.body).not.toContain('name="version"');
    const early = await rosaClient.post(`/staff/classes/${biology.id}/attendance`, { date: '2027-02-10', version: '0', student: form.students, ...everyonePresent });
    expect(early.statusCode).toBe(409);
    expect(early.body).toContain('This day has not come yet');
    // Someone else's class, a made-up one, a weekend: not found.
    expect((await rosaClient.get(url(chemistry))).statusCode).toBe(404);
    expect((await post({ [`mark_${zoe.id}`]: 'present' }, chemistry)).statusCode).toBe(404);
    expect((await rosaClient.get('/staff/classes/abc/attendance')).statusCode).toBe(404);
    expect((await rosaClient.get('/staff/classes/99999999/attendance')).statusCode).toBe(404);
    expect((await rosaClient.get(url(biology, '2027-02-13'))).statusCode).toBe(404);
    // A parent posting to a class: not a teacher.
    expect((await (await signedIn(ortiz.guardianAccount)).post(`/staff/classes/${biology.id}/attendance`, { date: TODAY, version: '0', student: form.students, ...everyonePresent })).statusCode).toBe(403);
    expect({ records: await records(), events: await events() }).toEqual(before);
  });

  it('lets the office excuse a record with a reason, and enter or remove a whole-day absence, also ahead of time', async () => {
    const db = get().db;
    // Monday 8 February: Leo absent from Biology (not explained yet), Maya tardy all day.
    const [leoAbsence] = await attendance(db, world, leo, [{ date: '2027-02-08', code: 'A-UNK', section: biology }]);
    const [mayaTardy] = await attendance(db, world, ortiz.student, [{ date: '2027-02-08', code: 'T-UNX' }]);
    const office = await signedIn(olga.account);
    const day = await office.get('/staff/attendance?date=2027-02-08');
    expect(day.statusCode).toBe(200);
    expect(day.body).toContain('Ortiz, Leo');
    expect(day.body).toContain('Period 2, Biology');
    expect(day.body).toContain('Whole day');
    const eventsBefore = (await events()).length;
    const row = (id: number) => db.selectFrom('attendance_records as r').innerJoin('attendance_codes as c', 'c.id', 'r.code_id').select(['c.code', 'r.comment']).where('r.id', '=', id).executeTakeFirst();

    // Excused as an appointment, with the reason. A tardy code for an absence, or no reason: refused.
    const apt = String(await codeId('A-APT'));
    const tardyExcused = String(await codeId('T-EX'));
    // Each message is beside the field of Leo's row it is about (a reason of spaces passes the browser's
    // `required`), and the summary links there, naming him: not the whole-day form's Code below.
    for (const [fields, message, field] of [
      [{ code: tardyExcused, reason: 'dentist' }, 'an absence stays an absence', 'excuse'],
      [{ code: apt, reason: '  ' }, 'Write why it is excused.', 'reason'],
      [{ code: 'x', reason: 'dentist' }, 'Choose one of the listed codes.', 'excuse'],
    ] as const) {
      const res = await office.post(`/staff/attendance/${leoAbsence}/excuse`, { date: '2027-02-08', ...fields });
      expect(res.statusCode, JSON.stringify(fields)).toBe(400);
      const id = `${field}-${leoAbsence}`;
      expect(res.body).toMatch(new RegExp(`<span class="usa-error-message" id="${id}-error">[^<]*${message}`));
      expect(res.body).toMatch(new RegExp(`id="${id}"[^>]*aria-invalid="true"|aria-invalid="true"[^>]*id="${id}"`));
      expect(res.body).toMatch(new RegExp(`<a href="#${id}">[^<]*Leo Ortiz[^<]*${message}`));
      expect(res.body).not.toContain('id="code-error"');
    }
    expect(await row(leoAbsence!)).toEqual({ code: 'A-UNK', comment: null });
    // Another school's office, a made-up record: not found, nothing changed.
    expect((await (await signedIn(omar.account)).post(`/staff/attendance/${leoAbsence}/excuse`, { code: apt, reason: 'dentist' })).statusCode).toBe(404);
    expect((await office.post('/staff/attendance/abc/excuse', { code: apt, reason: 'dentist' })).statusCode).toBe(404);
    const excused = await office.post(`/staff/attendance/${leoAbsence}/excuse`, { date: '2027-02-08', code: apt, reason: 'dentist, note from Dr. Kim' });
    expect(excused.headers.location).toBe('/staff/attendance?date=2027-02-08&done=excused');
    expect(await row(leoAbsence!)).toEqual({ code: 'A-APT', comment: 'dentist, note from Dr. Kim' });
    expect((await events()).slice(eventsBefore)).toEqual([
      { kind: 'attendance', action: 'updated', student_id: leo.id, section_id: biology.id, before: JSON.stringify({ date: '2027-02-08', sectionId: biology.id, code: 'A-UNK' }), after: JSON.stringify({ date: '2027-02-08', sectionId: biology.id, code: 'A-APT' }) },
    ]);

    // A parent phones on Tuesday: Maya will miss Wednesday. Her number without its leading zeros finds her.
    const shortNumber = ortiz.student.number.replace(/^0+/, '');
    const ahead = await office.post('/staff/attendance/whole-day', { number: shortNumber, date: '2027-02-10', code: apt, comment: 'Mother called: orthodontist' });
    expect(ahead.headers.location).toBe('/staff/attendance?date=2027-02-10&done=recorded');
    // Her mother sees the day on the portal (the office's note stays with the staff).
    const portal = (await (await signedIn(ortiz.guardianAccount)).get(`/students/${ortiz.student.id}/attendance`)).body;
    expect(portal).toContain('Absent: appointment');
    expect(portal).not.toContain('Mother called');
    const wednesday = await db.selectFrom('attendance_records').select('id').where('student_id', '=', ortiz.student.id).where('date', '=', '2027-02-10').executeTakeFirstOrThrow();
    // Refused: a second one that day, a Saturday, someone else's student or nobody's number, a day that is not one, a note with a control character.
    const omarStudentNumber = '9999999';
    for (const [fields, message] of [
      [{ number: shortNumber, date: '2027-02-10', code: apt }, 'already has a whole-day record'],
      [{ number: shortNumber, date: '2027-02-13', code: apt }, 'not a school day'],
      [{ number: omarStudentNumber, date: '2027-02-10', code: apt }, 'No student of your schools has this number.'],
      [{ number: '<script>', date: '2027-02-10', code: apt }, 'No student of your schools has this number.'],
      [{ number: shortNumber, date: '2027-02-31', code: apt }, 'Enter a day as the date field gives it.'],
      [{ number: shortNumber, date: '2027-02-11', code: apt, comment: 'bell\u0007' }, 'without control characters'],
      [{ number: shortNumber, date: '2027-02-11', code: '99999999' }, 'Choose one of the listed codes.'],
    ] as const) {
      const res = await office.post('/staff/attendance/whole-day', fields);
      expect(res.statusCode, JSON.stringify(fields)).toBe(400);
      expect(res.body).toContain(message);
    }
    expect((await (await signedIn(omar.account)).post('/staff/attendance/whole-day', { number: shortNumber, date: '2027-02-11', code: apt })).statusCode).toBe(400);

    // Entered by mistake: removed. A class's record is its teacher's: not the office's to remove.
    expect((await office.post(`/staff/attendance/${leoAbsence}/remove`, {})).statusCode).toBe(404);
    expect((await office.post(`/staff/attendance/${wednesday.id}/remove`, { date: '2027-02-10' })).headers.location).toBe('/staff/attendance?date=2027-02-10&done=removed');
    expect(await row(wednesday.id)).toBeUndefined();
    const last = (await events()).at(-1)!;
    expect(last).toMatchObject({ kind: 'attendance', action: 'deleted', student_id: ortiz.student.id, after: null });
    expect(await row(mayaTardy!)).toEqual({ code: 'T-UNX', comment: null });
    // Teachers and parents do not open the attendance office.
    expect((await (await signedIn(rosa.account)).get('/staff/attendance')).statusCode).toBe(403);
    expect((await (await signedIn(ortiz.guardianAccount)).post(`/staff/attendance/${mayaTardy}/excuse`, { code: tardyExcused, reason: 'bus' })).statusCode).toBe(403);
  });
});
