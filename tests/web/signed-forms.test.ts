/**
 * Forms signed with the E-Signature PIN (issue 21): the office writes and publishes, a guardian signs for
 * one child with their PIN (or password), the office sees who signed, downloads the CSV and the PDFs and
 * reminds the others by email. Every route walked as each role and as an unrelated family; the bad
 * inputs answer field messages and write nothing.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { hashPassword } from '../../src/domain/accounts/passwords.js';
import { todoItemsForForms } from '../../src/domain/signed-forms/service.js';
import { makeApp } from '../support/app.js';
import { describeEachEngine } from '../support/db.js';
import {
  FIXTURE_PASSWORD,
  guardianWithChild,
  otherSchool,
  schoolYear,
  staffMember,
  student as makeStudent,
  type Family,
  type StaffFixture,
  type World,
} from '../support/factories.js';
import { Client, clock, DAY, MINUTE } from '../support/http.js';
import { runJobs } from '../support/jobs.js';
import { pdfText } from '../support/pdf.js';
import { startSmtp, type TestSmtp } from '../support/smtp.js';

const PIN = '2468';

const FORM = {
  schoolId: '',
  gradeLevel: '11',
  titleEn: 'Field trip to the science museum',
  titleEs: 'Excursión al museo de ciencias',
  bodyEn: 'Grade 11 visits the museum on March 3.\n\nStudents leave at 8:00 and return by 15:00.',
  bodyEs: 'El grado 11 visita el museo el 3 de marzo.\n\nLos estudiantes salen a las 8:00 y regresan a las 15:00.',
  dueDate: '2027-02-20',
  'field1.kind': 'checkbox',
  'field1.labelEn': 'I allow my child to go',
  'field1.labelEs': 'Permito que mi hijo vaya',
  'field1.required': 'on',
  'field2.kind': 'text',
  'field2.labelEn': 'Allergies',
  'field2.labelEs': 'Alergias',
  'field3.kind': 'choice',
  'field3.labelEn': 'Lunch',
  'field3.labelEs': 'Almuerzo',
  'field3.options': 'Brings lunch | Trae almuerzo\nSchool lunch | Almuerzo escolar',
  'field3.required': 'on',
};

describeEachEngine('forms signed with the E-Signature PIN', (get) => {
  let app: FastifyInstance;
  let smtp: TestSmtp;
  let world: World;
  let office: StaffFixture;
  let elsewhere: StaffFixture;
  let teacher: StaffFixture;
  let admin: StaffFixture;
  let family: Family;
  let spanish: Family;
  let noPin: Family;
  let stranger: Family;
  let tenth: Family;
  let formId: number;
  const time = clock('2027-02-09T18:00:00Z');

  const signedIn = async (username: string, password = FIXTURE_PASSWORD) => {
    const c = new Client(app);
    const res = await c.submit('/sign-in', { username, password });
    expect(res.statusCode, username).toBe(303);
    return c;
  };
  const count = async (table: 'signed_forms' | 'signed_form_signatures' | 'signed_form_versions') =>
    Number((await get().db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
  const formUrl = (f: Family, id = formId) => `/students/${f.student.id}/forms/${id}`;
  const answers = { f1: 'on', f2: 'Peanuts', f3: '1' };
  const sign = async (c: Client, f: Family, fields: Record<string, string>, id = formId) => {
    await c.get(formUrl(f, id));
    return c.post(formUrl(f, id), fields);
  };

  beforeAll(async () => {
    const db = get().db;
    world = await schoolYear(db, { settings: { eSignaturePinEnabled: true } });
    const middle = await otherSchool(db);
    office = await staffMember(db, world, { first: 'Olga', last: 'Office', roles: [{ role: 'office' }] });
    elsewhere = await staffMember(db, world, { first: 'Mateo', last: 'Middle', roles: [{ role: 'office', schoolId: middle.id }] });
    teacher = await staffMember(db, world, { first: 'Tina', last: 'Teacher', roles: [{ role: 'teacher' }] });
    admin = await staffMember(db, world, { first: 'Dana', last: 'District', roles: [{ role: 'district_admin', schoolId: null }] });
    family = await guardianWithChild(db, world, { student: { first: 'Maya', last: 'Ortiz', grade: 11 }, guardian: { first: 'Lucia', last: 'Ortiz' } });
    spanish = await guardianWithChild(db, world, { student: { first: 'Diego', last: 'Reyes', grade: 11 }, guardian: { first: 'Rosa', last: 'Reyes' }, locale: 'es' });
    noPin = await guardianWithChild(db, world, { student: { first: 'Ana', last: 'Bello', grade: 11 }, guardian: { first: 'Pablo', last: 'Bello' } });
    stranger = await guardianWithChild(db, world, { student: { first: 'Sam', last: 'Stone', grade: 11 }, guardian: { first: 'Kim', last: 'Stone' } });
    tenth = await guardianWithChild(db, world, { student: { first: 'Leo', last: 'Park', grade: 10 }, guardian: { first: 'June', last: 'Park' }, locale: 'es' });
    await makeStudent(db, world, { first: 'Nadia', last: 'Alone', grade: 11 });
    const pinHash = await hashPassword(PIN);
    for (const f of [family, spanish, stranger]) await db.updateTable('user_accounts').set({ pin_hash: pinHash }).where('id', '=', f.guardianAccount!.id).execute();
    smtp = await startSmtp();
    app = await makeApp(get(), { now: time.now, smtpUrl: smtp.url });
  });
  afterAll(async () => {
    await app.close();
    await smtp.close();
  });

  it('refuses a form with bad fields with a message at each, and writes nothing', async () => {
    const c = await signedIn(office.account!.username);
    const cases: [Record<string, string>, string][] = [
      [{ ...FORM, titleEn: '' }, 'Title in English: This field is required.'],
      [{ ...FORM, bodyEs: 'x'.repeat(20_001) }, 'Text in Spanish: This is too long.'],
      [{ ...FORM, dueDate: '2027-02-30' }, 'Due date (optional): Enter a date like 2026-12-18.'],
      [{ ...FORM, 'field3.options': 'Only one' }, 'Field 3: options: A choice needs at least two options'],
      [{ ...FORM, 'field1.kind': 'signature' }, 'Field 1: kind: '],
      [{ ...FORM, 'field2.labelEs': '' }, 'Field 2: label in Spanish: This field is required.'],
      [{ ...FORM, gradeLevel: '3' }, 'Grade level: Choose a grade level the school has.'],
    ];
    for (const [fields, message] of cases) {
      const res = await c.submit('/staff/forms/new', { ...fields, schoolId: String(world.school.id) });
      expect(res.statusCode, message).toBe(400);
      expect(res.body).toContain(message);
    }
    // Another school's office is not this one's.
    const outside = await c.submit('/staff/forms/new', { ...FORM, schoolId: String((await get().db.selectFrom('schools').select('id').where('id', '!=', world.school.id).executeTakeFirstOrThrow()).id) });
    expect(outside.statusCode).toBe(400);
    expect(outside.body).toContain('School: Choose one of your schools.');
    expect(await count('signed_forms')).toBe(0);
  });

  it('publishes a form to grade 11 by the office; families see it only once published', async () => {
    const c = await signedIn(office.account!.username);
    const made = await c.submit('/staff/forms/new', { ...FORM, schoolId: String(world.school.id) });
    expect(made.statusCode).toBe(303);
    formId = Number(/\/staff\/forms\/(\d+)$/.exec(made.headers.location as string)![1]);
    const parent = await signedIn(family.guardianAccount!.username);
    expect((await parent.get(formUrl(family))).statusCode).toBe(404);
    const page = await c.get(`/staff/forms/${formId}`);
    expect(page.body).toContain('Draft');
    expect((await c.post(`/staff/forms/${formId}/publish`, {})).headers.location).toBe(`/staff/forms/${formId}?done=published`);
    const list = await parent.get(`/students/${family.student.id}/forms`);
    expect(list.body).toContain('Field trip to the science museum');
    expect((await parent.get(`/students/${family.student.id}/today`)).body).toContain('A form waits for your signature.');
    // Grade 10 is not its audience.
    const other = await signedIn(tenth.guardianAccount!.username);
    expect((await other.get(`/students/${tenth.student.id}/forms`)).body).not.toContain('Field trip');
    expect((await other.get(formUrl(tenth))).statusCode).toBe(404);
  });

  it('answers every office route as 404 outside the office’s schools and 403 to a teacher or a family', async () => {
    const routes = [`/staff/forms/${formId}`, `/staff/forms/${formId}/edit`, `/staff/forms/${formId}/signatures.csv`];
    const otherOffice = await signedIn(elsewhere.account!.username);
    for (const url of routes) expect((await otherOffice.get(url)).statusCode, url).toBe(404);
    await otherOffice.get('/staff/forms');
    for (const url of [`/staff/forms/${formId}/publish`, `/staff/forms/${formId}/remind`, `/staff/forms/${formId}/edit`]) {
      expect((await otherOffice.post(url, { ...FORM })).statusCode, url).toBe(404);
    }
    expect((await otherOffice.get('/staff/forms')).body).not.toContain('Field trip');
    for (const who of [teacher.account!.username, family.guardianAccount!.username]) {
      const c = await signedIn(who);
      for (const url of ['/staff/forms', ...routes]) expect((await c.get(url)).statusCode, `${who} ${url}`).toBe(403);
    }
    const district = await signedIn(admin.account!.username);
    expect((await district.get(`/staff/forms/${formId}`)).statusCode).toBe(200);
  });

  it('refuses bad answers, a missing or wrong PIN, and another family’s form, writing nothing', async () => {
    const c = await signedIn(family.guardianAccount!.username);
    const page = await c.get(formUrl(family));
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('E-Signature PIN');
    const cases: [Record<string, string>, string][] = [
      [{ f2: 'x', f3: '0', pin: PIN, version: '1' }, 'I allow my child to go: Check this box to sign the form.'],
      [{ ...answers, f2: 'x'.repeat(501), pin: PIN, version: '1' }, 'Allergies: This is too long.'],
      [{ ...answers, f3: '7', pin: PIN, version: '1' }, 'Lunch: Choose one of the options shown.'],
      [{ ...answers, f3: '', pin: PIN, version: '1' }, 'Lunch: Choose one.'],
      [{ ...answers, pin: '', version: '1' }, 'E-Signature PIN: This field is required.'],
      [{ ...answers, pin: '1357', version: '1' }, 'E-Signature PIN: This PIN is not right.'],
    ];
    for (const [fields, message] of cases) {
      const res = await c.post(formUrl(family), fields);
      expect(res.statusCode, message).toBe(400);
      expect(res.body).toContain(message);
    }
    // A stranger's PIN on this family's child, and this guardian on a form id that is not theirs.
    const s = await signedIn(stranger.guardianAccount!.username);
    await s.get(`/students/${stranger.student.id}/forms`);
    expect((await s.post(formUrl(family), { ...answers, pin: PIN, version: '1' })).statusCode).toBe(404);
    expect((await c.post(formUrl(family, formId + 1000), { ...answers, pin: PIN, version: '1' })).statusCode).toBe(404);
    expect((await c.post(`/students/${family.student.id}/forms/abc`, { ...answers, pin: PIN, version: '1' })).statusCode).toBe(404);
    // The student reads the form; only a guardian signs it.
    const kid = await signedIn(family.studentAccount!.username);
    expect((await kid.get(formUrl(family))).body).toContain('A parent or guardian signs this form');
    expect((await kid.post(formUrl(family), { ...answers, pin: PIN, version: '1' })).statusCode).toBe(404);
    expect(await count('signed_form_signatures')).toBe(0);
  });

  it('signs once with the PIN, stores what was submitted, and refuses a second signature', async () => {
    const c = await signedIn(family.guardianAccount!.username);
    const res = await sign(c, family, { ...answers, pin: PIN, version: '1' });
    expect(res.headers.location).toBe(`${formUrl(family)}?signed=1`);
    const row = await get().db.selectFrom('signed_form_signatures').selectAll().executeTakeFirstOrThrow();
    expect(JSON.parse(row.answers)).toEqual({ f1: true, f2: 'Peanuts', f3: '1' });
    expect(row).toMatchObject({ student_id: family.student.id, guardian_id: family.guardian.id, signer_name: 'Lucia Ortiz', method: 'pin', late: 0, ip: '127.0.0.1', locale: 'en' });
    expect(row.signed_at).toBe(time.now().toISOString());
    const version = await get().db.selectFrom('signed_form_versions').select('version').where('id', '=', row.version_id).executeTakeFirstOrThrow();
    expect(version.version).toBe(1);
    const again = await c.post(formUrl(family), { ...answers, pin: PIN, version: '1' });
    expect(again.statusCode).toBe(409);
    expect(again.body).toContain('This form is already signed for this student.');
    expect(await count('signed_form_signatures')).toBe(1);
    expect((await c.get(`/students/${family.student.id}/today`)).body).not.toContain('waits for your signature');

    const pdf = await c.get(`${formUrl(family)}/signed.pdf`);
    expect(pdf.headers['content-type']).toBe('application/pdf');
    const text = pdfText(pdf.rawPayload);
    for (const line of ['Field trip to the science museum', 'Maya Ortiz', 'I allow my child to go: Yes', 'Allergies: Peanuts', 'Lunch: School lunch', 'Signed electronically by Lucia Ortiz with their E-Signature PIN', 'Version 1 of the form', '127.0.0.1']) {
      expect(text.replace(/\s+/g, ' '), line).toContain(line);
    }
    // Nobody else downloads it.
    const s = await signedIn(stranger.guardianAccount!.username);
    expect((await s.get(`${formUrl(family)}/signed.pdf`)).statusCode).toBe(404);
  });

  it('throttles wrong PINs like passwords: after five, even the right PIN waits', async () => {
    const c = await signedIn(stranger.guardianAccount!.username);
    await c.get(formUrl(stranger));
    for (let i = 0; i < 5; i++) expect((await c.post(formUrl(stranger), { ...answers, pin: '0000', version: '1' })).statusCode).toBe(400);
    const held = await c.post(formUrl(stranger), { ...answers, pin: PIN, version: '1' });
    expect(held.statusCode).toBe(429);
    expect(held.body).toContain('Too many wrong tries');
    expect(await get().db.selectFrom('signed_form_signatures').select('id').where('student_id', '=', stranger.student.id).execute()).toEqual([]);
    time.advance(MINUTE);
    const signed = await c.post(formUrl(stranger), { ...answers, pin: PIN, version: '1' });
    expect(signed.headers.location).toBe(`${formUrl(stranger)}?signed=1`);
    expect((await c.get(signed.headers.location as string)).body).toContain('Thank you: the form is signed.');
  });

  it('makes a new version when the office changes a signed form; each signature keeps its own', async () => {
    const c = await signedIn(office.account!.username);
    const parent = await signedIn(spanish.guardianAccount!.username);
    await parent.get(formUrl(spanish));
    const edited = await c.submit(`/staff/forms/${formId}/edit`, { ...FORM, bodyEn: 'The trip moves to March 10.', bodyEs: 'La excursión pasa al 10 de marzo.' });
    expect(edited.headers.location).toBe(`/staff/forms/${formId}?done=saved`);
    expect(await count('signed_form_versions')).toBe(2);
    // The Spanish guardian had version 1 open: they are asked to read it again.
    const stale = await parent.post(formUrl(spanish), { ...answers, pin: PIN, version: '1' });
    expect(stale.statusCode).toBe(409);
    expect(stale.body).toContain('La escuela cambió este formulario');
    expect(stale.body).toContain('La excursión pasa al 10 de marzo.');
    expect((await parent.post(formUrl(spanish), { ...answers, pin: PIN, version: '2' })).headers.location).toBe(`${formUrl(spanish)}?signed=1`);
    const spanishPdf = pdfText((await parent.get(`${formUrl(spanish)}/signed.pdf`)).rawPayload).replace(/\s+/g, ' ');
    for (const line of ['Excursión al museo de ciencias', 'La excursión pasa al 10 de marzo.', 'Permito que mi hijo vaya: Sí', 'Almuerzo: Almuerzo escolar', 'Firmado electrónicamente por Rosa Reyes', 'Versión 2 del formulario']) {
      expect(spanishPdf, line).toContain(line);
    }
    const first = pdfText((await (await signedIn(family.guardianAccount!.username)).get(`${formUrl(family)}/signed.pdf`)).rawPayload).replace(/\s+/g, ' ');
    expect(first).toContain('Grade 11 visits the museum on March 3.');
    expect(first).not.toContain('March 10');
  });

  it('signs with the password when the guardian has no PIN, and marks a signature after the due date late', async () => {
    time.advance(12 * DAY); // past 2027-02-20
    const c = await signedIn(noPin.guardianAccount!.username);
    const page = await c.get(formUrl(noPin));
    expect(page.body).toContain('You have no E-Signature PIN yet');
    expect(page.body).toContain('href="/account/pin"');
    const wrong = await c.post(formUrl(noPin), { ...answers, pin: 'not my password', version: '2' });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.body).toContain('Password: This password is not right.');
    expect((await c.post(formUrl(noPin), { ...answers, f2: '', pin: FIXTURE_PASSWORD, version: '2' })).headers.location).toBe(`${formUrl(noPin)}?signed=1`);
    const row = await get().db.selectFrom('signed_form_signatures').select(['method', 'late', 'answers']).where('student_id', '=', noPin.student.id).executeTakeFirstOrThrow();
    expect(row).toEqual({ method: 'password', late: 1, answers: JSON.stringify({ f1: true, f2: '', f3: '1' }) });
  });

  it('shows the office who signed, as a page, a CSV and a PDF per signature', async () => {
    const c = await signedIn(office.account!.username);
    const page = await c.get(`/staff/forms/${formId}`);
    expect(page.body).toContain('4 of 5 students signed');
    expect((await c.get('/staff/forms')).body).toMatch(/Field trip to the science museum<\/a><\/th><td>Families of grade 11 at [^<]+<\/td><td>Published<\/td><td>4 of 5<\/td>/);
    expect(page.body).toContain('Alone, Nadia');
    const csv = (await c.get(`/staff/forms/${formId}/signatures.csv`)).body.trim().split('\n');
    expect(csv[0]).toBe('student_number,student,grade,guardians,signed,signer,signed_at,version,late,f1: I allow my child to go,f2: Allergies,f3: Lunch');
    expect(csv).toContain(`${family.student.number},"Ortiz, Maya",11,Lucia Ortiz,yes,Lucia Ortiz,2027-02-09T18:00:00.000Z,1,no,yes,Peanuts,School lunch`);
    expect(csv.some((l) => l.startsWith(`${noPin.student.number},"Bello, Ana",11,Pablo Bello,yes,Pablo Bello,`) && l.endsWith(',2,yes,yes,,School lunch'))).toBe(true);
    expect(csv.some((l) => /,"Alone, Nadia",11,,no,,,,,,,$/.test(l))).toBe(true);
    expect(csv.some((l) => l.startsWith(`${stranger.student.number},"Stone, Sam",11,Kim Stone,yes,Kim Stone,`))).toBe(true);
    const id = Number(/signatures\/(\d+)\.pdf/.exec(page.body)![1]);
    const pdf = await c.get(`/staff/forms/${formId}/signatures/${id}.pdf`);
    expect(pdf.headers['content-type']).toBe('application/pdf');
    expect((await (await signedIn(elsewhere.account!.username)).get(`/staff/forms/${formId}/signatures/${id}.pdf`)).statusCode).toBe(404);
  });

  it('reminds the guardians who have not signed by email, in their language, once a day at most', async () => {
    const db = get().db;
    // A second form for the whole school, which nobody has signed.
    const c = await signedIn(office.account!.username);
    const made = await c.submit('/staff/forms/new', { ...FORM, gradeLevel: '', titleEn: 'Photo release', titleEs: 'Permiso de fotos', schoolId: String(world.school.id) });
    const second = Number(/(\d+)$/.exec(made.headers.location as string)![1]);
    const draft = await c.post(`/staff/forms/${second}/remind`, {});
    expect(draft.statusCode).toBe(409);
    expect(draft.body).toContain('Publish the form before sending a reminder.');
    await c.post(`/staff/forms/${second}/publish`, {});
    // Diego's guardian signs the second form, so only the four others are reminded.
    const rosa = await signedIn(spanish.guardianAccount!.username);
    expect((await sign(rosa, spanish, { ...answers, pin: PIN, version: '1' }, second)).headers.location).toBe(`${formUrl(spanish, second)}?signed=1`);
    await c.get(`/staff/forms/${second}`);
    expect((await c.post(`/staff/forms/${second}/remind`, {})).headers.location).toBe(`/staff/forms/${second}?done=reminded`);
    const soon = await c.post(`/staff/forms/${second}/remind`, {});
    expect(soon.statusCode).toBe(409);
    expect(soon.body).toContain('A reminder was sent less than a day ago.');
    await app.services.mailer.flush();
    smtp.messages.length = 0;
    await runJobs(get(), time.now);
    await app.services.mailer.flush();
    const mails = await smtp.waitFor(4);
    const to = mails.map((m) => m.to[0]).sort();
    expect(to).toEqual([family.guardian.email, noPin.guardian.email, stranger.guardian.email, tenth.guardian.email].sort());
    const english = mails.find((m) => m.to[0] === family.guardian.email)!;
    expect(english.subject).toBe('Reminder: please sign “Photo release”');
    expect(english.text).toContain('http://portal.test/forms');
    const inSpanish = mails.find((m) => m.to[0] === tenth.guardian.email)!;
    expect(inSpanish.subject).toBe('Recordatorio: firme «Permiso de fotos»');
    expect(inSpanish.text).toContain('Vence el 20 de febrero de 2027.');
    expect(english.text).toContain('It is due February 20, 2027.');
    expect(await db.selectFrom('jobs').select('id').where('kind', '=', 'forms.remind').where('finished_at', 'is', null).execute()).toEqual([]);
    time.advance(DAY + 1);
    const later = await signedIn(office.account!.username);
    await later.get(`/staff/forms/${second}`);
    expect((await later.post(`/staff/forms/${second}/remind`, {})).headers.location).toBe(`/staff/forms/${second}?done=reminded`);
  });

  it('lists the forms waiting for a guardian’s signature for the To Do list', async () => {
    const db = get().db;
    const reader = async (f: Family) => db.selectFrom('user_accounts').select(['person_kind', 'student_id', 'guardian_id', 'locale']).where('id', '=', f.guardianAccount!.id).executeTakeFirstOrThrow();
    const items = await todoItemsForForms(db, await reader(family), time.now());
    expect(items).toEqual([{ kind: 'form', title: 'Photo release', url: `/students/${family.student.id}/forms/${formId + 1}`, due: '2027-02-20', studentId: family.student.id }]);
    expect(await todoItemsForForms(db, await reader(spanish), time.now())).toEqual([]);
    const kid = await db.selectFrom('user_accounts').select(['person_kind', 'student_id', 'guardian_id']).where('id', '=', family.studentAccount!.id).executeTakeFirstOrThrow();
    expect(await todoItemsForForms(db, kid, time.now())).toEqual([]);
  });

  it('hides the Forms tool, its pages and its To Do items when the district turns it off', async () => {
    const db = get().db;
    const district = await signedIn(admin.account!.username);
    await district.get('/admin/settings/tools');
    const on = ['today', 'calendar', 'schedule', 'assignments', 'grades', 'attendance', 'reportCards', 'transcript', 'immunizations', 'documents'];
    expect((await district.post('/admin/settings/tools', Object.fromEntries(on.map((k) => [k, 'on'])))).statusCode).toBe(303);
    const c = await signedIn(family.guardianAccount!.username);
    expect((await c.get(`/students/${family.student.id}/forms`)).statusCode).toBe(404);
    expect((await c.get(`${formUrl(family)}/signed.pdf`)).statusCode).toBe(404);
    await c.get(`/students/${family.student.id}/today`);
    expect(c.last!.body).not.toContain('waits for your signature');
    expect(c.last!.body).not.toContain(`/students/${family.student.id}/forms`);
    expect((await c.post(formUrl(family, formId + 1), { ...answers, pin: PIN, version: '1' })).statusCode).toBe(404);
    const reader = await db.selectFrom('user_accounts').select(['person_kind', 'student_id', 'guardian_id', 'locale']).where('id', '=', family.guardianAccount!.id).executeTakeFirstOrThrow();
    expect(await todoItemsForForms(db, reader, time.now())).toEqual([]);
  });
});
