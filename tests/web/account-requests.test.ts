import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DEMO_PASSWORD } from '../../src/domain/demo/generate.js';
import { loadDemo } from '../../src/domain/demo/load.js';
import { parsePortalSettings } from '../../src/domain/district/settings.js';
import { officeScope } from '../../src/domain/access/staff.js';
import { openAccountRequest } from '../../src/domain/requests/account-requests.js';
import { makeApp } from '../support/app.js';
import { describeEachEngine } from '../support/db.js';
import { textOf } from '../support/html.js';
import { Client } from '../support/http.js';
import { runJobs } from '../support/jobs.js';
import { officeAccountAt, personAccount } from '../support/staff.js';

describeEachEngine('the account request form and the staff queue', (get) => {
  let app: FastifyInstance;
  const demo: Record<string, { username: string; name: string }> = {};
  let allen: { id: number; number: string; school_id: number };
  /** a guardian of a student at Allen's school, with an email on record and no account */
  let invitee: { id: number; first_name: string; last_name: string; email: string; student_number: string; student_first: string; student_last: string };
  let otherSchoolStudent: { student_number: string; legal_first_name: string; legal_last_name: string };
  let ipCounter = 0;

  beforeAll(async () => {
    await loadDemo(get(), { students: 60, seed: 43, startYear: 2026 });
    app = await makeApp(get());
    const district = await get().db.selectFrom('district').select('settings').executeTakeFirstOrThrow();
    for (const a of parsePortalSettings(district.settings).demo?.accounts ?? []) demo[a.role] ??= a;
    allen = await get().db.selectFrom('students').select(['id', 'student_number as number', 'school_id']).where('legal_first_name', '=', 'Allen').executeTakeFirstOrThrow();
    invitee = await get()
      .db.selectFrom('guardians as g')
      .innerJoin('student_guardians as sg', 'sg.guardian_id', 'g.id')
      .innerJoin('students as s', 's.id', 'sg.student_id')
      .leftJoin('user_accounts as a', 'a.guardian_id', 'g.id')
      .select(['g.id', 'g.first_name', 'g.last_name', 'g.email', 's.student_number', 's.legal_first_name as student_first', 's.legal_last_name as student_last'])
      .where('s.school_id', '=', allen.school_id)
      .where('s.preferred_first_name', 'is', null)
      .where('sg.portal_access', '=', 1)
      .where('sg.rights_revoked', '=', 0)
      .where('g.email', 'is not', null)
      .where('a.id', 'is', null)
      .orderBy('g.id')
      .executeTakeFirstOrThrow() as typeof invitee;
    otherSchoolStudent = await get()
      .db.selectFrom('students')
      .select(['student_number', 'legal_first_name', 'legal_last_name'])
      .where('school_id', '!=', allen.school_id)
      .orderBy('id')
      .executeTakeFirstOrThrow();
  });
  afterAll(() => app.close());

  /**
   * A visitor from a fresh address each time, so the per-IP limit is tested on its own. The form queues
   * the routing of what it receives: the worker runs it before the test looks.
   */
  const visitor = () => new RoutedClient(app, {}, `198.51.100.${++ipCounter}`);
  class RoutedClient extends Client {
    override async post(url: string, fields: Record<string, string | string[]>, options?: { csrf?: boolean; headers?: Record<string, string> }) {
      const res = await super.post(url, fields, options);
      await runJobs(get());
      return res;
    }
  }
  /** Signed in as a demo role, or as a fixture account with the demo password. */
  // a date of birth as the office page writes it in English ("January 3, 2011")
  const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
  const born = (iso: string) => `${MONTHS[Number(iso.slice(5, 7)) - 1]} ${Number(iso.slice(8, 10))}, ${iso.slice(0, 4)}`;
  const as = async (role: string) => {
    const c = new Client(app);
    await c.submit('/sign-in', { username: demo[role]?.username ?? role, password: DEMO_PASSWORD });
    return c;
  };
  const form = (fields: Record<string, string | string[]>) => ({
    studentFirstName: 'Allen',
    studentLastName: 'Alda',
    studentNumber: allen.number,
    studentEmail: '',
    parentFirstName: '',
    parentLastName: '',
    parentEmail: '',
    comments: '',
    website: '',
    ...fields,
  });
  const requestsCount = async () => Number((await get().db.selectFrom('account_requests').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
  const newest = () => get().db.selectFrom('account_requests').selectAll().orderBy('id', 'desc').executeTakeFirstOrThrow();

  it('shows the seed’s form, in both languages', async () => {
    const page = await visitor().get('/request-account');
    expect(page.statusCode).toBe(200);
    for (const label of [
      'Student’s First Name',
      'Student’s Last Name',
      'Student’s ID#',
      'Student’s E-Mail Address',
      'I’m requesting a portal reset for:',
      'I’m requesting a NEW ACCOUNT for:',
      'Parent’s First Name',
      'Parent’s Last Name',
      'Parent’s Email Address',
      'Comments',
      'Submit',
      'Never submit passwords through this form.',
    ]) {
      expect(page.body).toContain(label);
    }
    const es = await new Client(app, { 'accept-language': 'es' }).get('/request-account');
    expect(es.body).toContain('Nunca envíe contraseñas por este formulario.');
  });

  it('answers every bad input at its field with a 400, and keeps nothing', async () => {
    const before = await requestsCount();
    const cases: [Record<string, string | string[]>, string][] = [
      [{ studentFirstName: '', resetFor: 'student' }, 'This field is required.'],
      [{}, 'Choose what you are requesting'],
      [{ resetFor: 'student', newFor: 'student' }, 'not both'],
      [{ newFor: 'parent' }, 'Needed for a request for a parent.'],
      [{ resetFor: 'teacher' }, 'This value is not valid.'],
      [{ resetFor: 'student', studentNumber: "1' OR '1'='1" }, 'Use only the letters and digits'],
      [{ resetFor: 'student', comments: 'x'.repeat(2001) }, 'This is too long.'],
      [{ resetFor: 'student', studentLastName: 'Alda\u0007' }, 'characters that are not allowed'],
      [{ resetFor: 'student', studentEmail: 'not an email' }, 'Enter an email address like name@example.com.'],
      [{ resetFor: 'student', studentFirstName: ['Allen', 'Bob'] }, 'This value is not valid.'],
    ];
    for (const [fields, message] of cases) {
      const c = visitor();
      const res = await c.submit('/request-account', form(fields));
      expect(res.statusCode, JSON.stringify(fields)).toBe(400);
      expect(res.body).toContain(message);
    }
    // What was typed comes back (escaped), so nothing has to be typed twice.
    const res = await visitor().submit('/request-account', form({ studentFirstName: '<b>Al</b>', newFor: 'parent' }));
    expect(res.body).toContain('value="&lt;b>Al&lt;/b>"');
    expect(await requestsCount()).toBe(before);
  });

  it('takes a request once, however often it is sent, and gives the same neutral answer', async () => {
    const fields = form({ resetFor: ['student', 'parent'], parentFirstName: 'Pat', parentLastName: 'Alda', parentEmail: '  Someone@Example.COM ' });
    const first = await visitor().submit('/request-account', fields);
    expect(first.statusCode).toBe(303);
    expect(first.headers.location).toBe('/request-account/received');
    const page = await visitor().get('/request-account/received');
    expect(page.body).toContain('If the details match our records, the school will contact you at the email address on file.');
    const row = await newest();
    expect(row).toMatchObject({ student_id: allen.id, school_id: allen.school_id, status: 'open', parent_email: 'someone@example.com', reset_student: 1, reset_parent: 1 });
    const count = await requestsCount();
    for (let i = 0; i < 3; i++) expect((await visitor().submit('/request-account', fields)).statusCode).toBe(303);
    expect(await requestsCount()).toBe(count);
    const events = await get().db.selectFrom('account_request_events').select('action').where('request_id', '=', row.id).execute();
    expect(events.map((e) => e.action)).toEqual(['received', 'repeated', 'repeated', 'repeated']);
  });

  it('keeps nothing a bot sends through the hidden field, and slows down one address', async () => {
    const before = await requestsCount();
    const bot = await visitor().submit('/request-account', form({ resetFor: 'student', website: 'http://spam.example' }));
    expect(bot.statusCode).toBe(303);
    expect(await requestsCount()).toBe(before);
    const c = new Client(app, {}, '203.0.113.77');
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) statuses.push((await c.submit('/request-account', form({ resetFor: 'student', comments: `try ${i}` }))).statusCode);
    expect(statuses.slice(0, 10).every((s) => s === 303)).toBe(true);
    expect(statuses[10]).toBe(429);
    expect(c.last!.headers['retry-after']).toMatch(/^\d+$/);
  });

  it('shows staff what a request matches; a reset link goes only to the security email on file', async () => {
    const parent = await get()
      .db.selectFrom('user_accounts as a')
      .innerJoin('guardians as g', 'g.id', 'a.guardian_id')
      .select(['a.id', 'a.security_email', 'g.first_name', 'g.last_name', 'g.email'])
      .where('a.username', '=', demo.parent!.username)
      .executeTakeFirstOrThrow();
    const child = await get()
      .db.selectFrom('student_guardians as sg')
      .innerJoin('students as s', 's.id', 'sg.student_id')
      .select(['s.student_number', 's.legal_first_name', 's.legal_last_name', 's.school_id'])
      .where('sg.guardian_id', '=', (await get().db.selectFrom('user_accounts').select('guardian_id').where('id', '=', parent.id).executeTakeFirstOrThrow()).guardian_id!)
      .where('s.school_id', '=', allen.school_id)
      .executeTakeFirstOrThrow();
    // Someone types the parent's name but their own address: the form must not send anything there.
    await visitor().submit(
      '/request-account',
      form({
        studentFirstName: child.legal_first_name.toUpperCase(),
        studentLastName: ` ${child.legal_last_name} `,
        studentNumber: child.student_number,
        resetFor: 'parent',
        parentFirstName: parent.first_name,
        parentLastName: parent.last_name,
        parentEmail: 'attacker@evil.example',
        comments: '<script>alert(1)</script>\nline two',
      }),
    );
    const request = await newest();
    const office = await as('office');
    const list = await office.get('/staff/account-requests');
    expect(list.statusCode).toBe(200);
    expect(list.body).toContain(`/staff/account-requests/${request.id}`);
    const page = await office.get(`/staff/account-requests/${request.id}`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('&lt;script>alert(1)&lt;/script>');
    expect(page.body).not.toContain('<script>alert(1)');
    expect(page.body).toContain('Strong match');
    expect(page.body).toContain('The requester cannot be told by email');
    // Issue 23: each action button names its person (hidden text after the visible label), so several
    // identical buttons are told apart by a screen reader.
    const buttons = [...page.body.matchAll(/<button class="usa-button[^"]*" type="submit">([^<]*)<span class="usa-sr-only">([^<]*)<\/span><\/button>/g)];
    expect(buttons.length).toBeGreaterThan(0);
    expect(buttons.map((b) => b[2])).toContain(` (${parent.first_name} ${parent.last_name})`);
    const outboxBefore = await get().db.selectFrom('email_outbox').select('id').execute();
    const done = await office.post(`/staff/account-requests/${request.id}`, { action: 'reset', accountId: String(parent.id) });
    expect(done.statusCode).toBe(303);
    const mail = await get().db.selectFrom('email_outbox').selectAll().where('id', 'not in', outboxBefore.length ? outboxBefore.map((r) => r.id) : [-1]).execute();
    expect(mail.map((m) => m.to_address)).toEqual([parent.security_email]);
    expect(mail[0]!.text_body).toContain('/reset-password?token=');
    expect(mail[0]!.text_body).toContain('The school office received your request');
    expect(await get().db.selectFrom('email_outbox').select('id').where('to_address', '=', 'attacker@evil.example').execute()).toEqual([]);
    const after = await office.get(`/staff/account-requests/${request.id}?done=reset_sent`);
    expect(after.body).toContain('A reset link was sent to the security email on file.');
    expect(after.body).toContain('Reset link sent');
    expect((await get().db.selectFrom('account_requests').select(['status', 'outcome', 'closed_by']).where('id', '=', request.id).executeTakeFirstOrThrow())).toMatchObject({
      status: 'closed',
      outcome: 'reset_sent',
    });
    const audited = await get().db.selectFrom('audit_log').select('action').where('subject_type', '=', 'account_request').where('subject_id', '=', request.id).execute();
    expect(audited.map((a) => a.action)).toEqual(expect.arrayContaining(['account_request.received', 'account_request.viewed', 'account_request.reset_sent']));
  });

  /** A new-account request for the invitee, typed with this parent email. */
  const inviteeForm = (parentEmail: string) =>
    form({
      studentFirstName: invitee.student_first,
      studentLastName: invitee.student_last,
      studentNumber: invitee.student_number,
      newFor: 'parent',
      parentFirstName: invitee.first_name,
      parentLastName: invitee.last_name,
      parentEmail,
    });

  it('sends an activation link to the guardian email on record, and tells a matching requester when closing', async () => {
    await visitor().submit(
      '/request-account',
      inviteeForm(invitee.email.toUpperCase()),
    );
    const request = await newest();
    const office = await as('office');
    const page = await office.get(`/staff/account-requests/${request.id}`);
    expect(page.body).toContain(`The requester will be told by email at ${invitee.email}`);
    const res = await office.post(`/staff/account-requests/${request.id}`, { action: 'activationLink', guardianId: String(invitee.id) });
    expect(res.statusCode).toBe(303);
    const account = await get().db.selectFrom('user_accounts').selectAll().where('guardian_id', '=', invitee.id).executeTakeFirstOrThrow();
    expect(account).toMatchObject({ status: 'pending', username: invitee.email, security_email: invitee.email, password_hash: null });
    const job = await get().db.selectFrom('jobs').select(['kind', 'payload']).where('kind', '=', 'accounts.welcome').orderBy('id', 'desc').executeTakeFirstOrThrow();
    expect(JSON.parse(job.payload)).toEqual({ accountId: account.id });

    // The same request again (closed now, so it is a new one): closing tells the address on record.
    await visitor().submit(
      '/request-account',
      inviteeForm(invitee.email),
    );
    const second = await newest();
    expect(second.id).not.toBe(request.id);
    const noReason = await office.post(`/staff/account-requests/${second.id}`, { action: 'close', reason: '' });
    expect(noReason.statusCode).toBe(400);
    expect(noReason.body).toContain('Choose a reason.');
    expect((await office.post(`/staff/account-requests/${second.id}`, { action: 'close', reason: 'duplicate' })).statusCode).toBe(303);
    const told = await get().db.selectFrom('email_outbox').selectAll().where('to_address', '=', invitee.email).where('kind', '=', 'request_closed').execute();
    expect(told).toHaveLength(1);
    expect(told[0]!.text_body).toContain('We already have the same request');
  });

  it('issues an activation key and shows it once', async () => {
    const student = await get()
      .db.selectFrom('students as s')
      .leftJoin('user_accounts as a', 'a.student_id', 's.id')
      .select(['s.id', 's.student_number', 's.legal_first_name', 's.legal_last_name'])
      .where('s.school_id', '=', allen.school_id)
      .where('a.id', 'is', null)
      .where('s.preferred_first_name', 'is', null)
      .orderBy('s.id', 'desc')
      .executeTakeFirstOrThrow();
    await visitor().submit('/request-account', form({ studentFirstName: student.legal_first_name, studentLastName: student.legal_last_name, studentNumber: student.student_number, newFor: 'student' }));
    const request = await newest();
    const office = await as('office');
    await office.get(`/staff/account-requests/${request.id}`);
    const res = await office.post(`/staff/account-requests/${request.id}`, { action: 'key', person: 'student', personId: String(student.id) });
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).toMatch(/class="hr-key">[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}</);
    expect(await get().db.selectFrom('activation_keys').select('id').where('student_id', '=', student.id).execute()).toHaveLength(1);
  });

  it('matches a student number typed without its leading zeros, in the form and in the office’s search (issue 23)', async () => {
    const t = new Date().toISOString();
    await get()
      .db.insertInto('students')
      .values({ id: 90011, student_number: '0090411', legal_first_name: 'Grace', legal_last_name: 'Zeroes', birth_date: '2011-01-03', grade_level: 9, school_id: allen.school_id, created_at: t, updated_at: t, updated_by: null })
      .execute();
    await visitor().submit('/request-account', form({ studentFirstName: 'Grace', studentLastName: 'Zeroes', studentNumber: '90411', resetFor: 'student' }));
    const request = await newest();
    expect(request).toMatchObject({ student_id: 90011, school_id: allen.school_id, student_number: '90411' });
    const office = await as('office');
    const page = textOf((await office.get(`/staff/account-requests/${request.id}`)).body);
    expect(page).toContain('Grace Zeroes (0090411)');
    expect(page).toContain('Strong match');
    expect(page).not.toContain('Partial match');
    expect(page).toContain('grade 9, born January 3, 2011');
    // in Spanish: the date of birth in words, and one period after a time that ends with "p. m." / "a. m."
    const es = new Client(app, { 'accept-language': 'es' });
    await es.submit('/sign-in', { username: demo.office!.username, password: DEMO_PASSWORD });
    const spanish = textOf((await es.get(`/staff/account-requests/${request.id}`)).body);
    expect(spanish).toContain('grado 9, fecha de nacimiento: 3 de enero de 2011');
    expect(spanish).toMatch(/Recibida el \d{1,2} de [a-z]+ de \d{4}/);
    expect(spanish).not.toMatch(/\.\./);
    // the office's list finds the request by the number with or without its zeros
    for (const q of ['0090411', '90411']) expect(textOf((await office.get(`/staff/account-requests?status=all&q=${q}`)).body), q).toContain('Zeroes');
  });

  it('sends a request that names two students, or an unknown number, to the district office with every match shown', async () => {
    const t = new Date().toISOString();
    const twin = (id: number, number: string, school: number) => ({
      id,
      student_number: number,
      legal_first_name: 'Jordan',
      legal_last_name: 'Nuñez',
      birth_date: '2012-05-05',
      grade_level: 8,
      school_id: school,
      created_at: t,
      updated_at: t,
      updated_by: null,
    });
    await get().db.insertInto('students').values([twin(90001, '9990001', allen.school_id), twin(90002, '9990002', allen.school_id)]).execute();
    await visitor().submit('/request-account', form({ studentFirstName: 'jordan', studentLastName: 'NUÑEZ', studentNumber: '', resetFor: 'student' }));
    const ambiguous = await newest();
    expect(ambiguous).toMatchObject({ student_id: null, school_id: null });
    await visitor().submit('/request-account', form({ studentFirstName: 'Nobody', studentLastName: 'Known', studentNumber: '0000000', resetFor: 'student' }));
    const unknown = await newest();
    expect(unknown).toMatchObject({ student_id: null, school_id: null });
    const office = await as('office');
    expect((await office.get(`/staff/account-requests/${ambiguous.id}`)).statusCode).toBe(404);
    const admin = await as('district_admin');
    const page = await admin.get(`/staff/account-requests/${ambiguous.id}`);
    expect(page.body).toContain('Jordan Nuñez (9990001)');
    expect(page.body).toContain('Jordan Nuñez (9990002)');
    expect((await admin.get(`/staff/account-requests/${unknown.id}`)).body).toContain('No student matches the number or the name.');
    expect((await admin.get('/staff/account-requests')).body).toContain('No match (district office)');
  });

  it('warns before sending a comment that looks like a password: edit it, or send it anyway (issue 23)', async () => {
    const fields = form({ studentFirstName: 'Paula', studentLastName: 'Warned', studentNumber: '', resetFor: 'student', comments: 'her password is Tiger2024!' });
    const before = await requestsCount();
    const c = visitor();
    const warned = await c.submit('/request-account', fields);
    expect(warned.statusCode).toBe(200);
    expect(warned.headers['cache-control']).toBe('no-store');
    expect(textOf(warned.body)).toContain('Your comment looks like it has a password in it');
    expect(warned.body).toContain('name="sendAnyway" value="yes"');
    expect(warned.body).toContain('value="Paula"');
    expect(await requestsCount()).toBe(before);
    // edited: sent at once
    const edited = await c.post('/request-account', { ...fields, comments: 'She cannot sign in since Monday.' });
    expect(edited.headers.location).toBe('/request-account/received');
    expect((await newest()).comments).toBe('She cannot sign in since Monday.');
    // "my password is not working" is no password; in Spanish the warning is Spanish, and "send anyway" keeps it
    const plain = await visitor().submit('/request-account', form({ studentFirstName: 'Pia', studentLastName: 'Plain', studentNumber: '', resetFor: 'student', comments: 'my password is not working' }));
    expect(plain.headers.location).toBe('/request-account/received');
    const es = new RoutedClient(app, { 'accept-language': 'es' }, '198.51.100.250');
    const spanishFields = form({ studentFirstName: 'Pedro', studentLastName: 'Anyway', studentNumber: '', resetFor: 'student', comments: 'contraseña: pa010311' });
    expect(textOf((await es.submit('/request-account', spanishFields)).body)).toContain('Su comentario parece contener una contraseña');
    const anyway = await es.post('/request-account', { ...spanishFields, sendAnyway: 'yes' });
    expect(anyway.headers.location).toBe('/request-account/received');
    expect((await newest()).comments).toBe('contraseña: pa010311');
  });

  it('lets the office remove a comment: gone from the database, said in the history and the audit log (issue 23)', async () => {
    const secret = 'Kc-2291-secret-Zz';
    await visitor().submit('/request-account', form({ resetFor: 'student', studentFirstName: 'Allen', studentLastName: 'Redact', comments: `password: ${secret}`, sendAnyway: 'yes' }));
    const request = await newest();
    expect(request.comments).toContain(secret);
    // not the office's to see: another school's office, a forged id
    const office = await as('office');
    const page = await office.get(`/staff/account-requests/${request.id}`);
    expect(page.body).toContain(`action="/staff/account-requests/${request.id}/redact-comment"`);
    expect((await office.post('/staff/account-requests/99999999/redact-comment', {})).statusCode).toBe(404);
    expect((await office.post('/staff/account-requests/abc/redact-comment', {})).statusCode).toBe(404);
    const removed = await office.post(`/staff/account-requests/${request.id}/redact-comment`, {});
    expect(removed.headers.location).toBe(`/staff/account-requests/${request.id}?done=comment_redacted`);
    const after = textOf((await office.get(removed.headers.location as string)).body);
    expect(after).toContain('The comment was removed.');
    expect(after).toContain('(removed by the office)');
    expect(after).toContain('Comment removed');
    expect(after).not.toContain(secret);
    const db = get().db;
    expect((await db.selectFrom('account_requests').select('comments').where('id', '=', request.id).executeTakeFirstOrThrow()).comments).toBeNull();
    const everywhere = JSON.stringify([
      await db.selectFrom('account_requests').selectAll().execute(),
      await db.selectFrom('account_request_events').selectAll().execute(),
      await db.selectFrom('audit_log').selectAll().execute(),
    ]);
    expect(everywhere).not.toContain(secret);
    const audited = await db.selectFrom('audit_log').select(['action', 'actor_account_id']).where('subject_type', '=', 'account_request').where('subject_id', '=', request.id).where('action', '=', 'account_request.comment_redacted').execute();
    expect(audited).toHaveLength(1);
    // twice: nothing to remove
    const again = await office.post(`/staff/account-requests/${request.id}/redact-comment`, {});
    expect(again.statusCode).toBe(409);
    expect(textOf(again.body)).toContain('This request has no comment to remove.');
  });

  it('keeps staff to their own schools’ requests and the request’s own matches', async () => {
    await visitor().submit(
      '/request-account',
      form({ studentFirstName: otherSchoolStudent.legal_first_name, studentLastName: otherSchoolStudent.legal_last_name, studentNumber: otherSchoolStudent.student_number, resetFor: 'student' }),
    );
    const elsewhere = await newest();
    const office = await as('office');
    expect((await office.get('/staff/account-requests?status=all')).body).not.toContain(`/staff/account-requests/${elsewhere.id}"`);
    expect((await office.get(`/staff/account-requests/${elsewhere.id}`)).statusCode).toBe(404);
    expect((await office.post(`/staff/account-requests/${elsewhere.id}`, { action: 'close', reason: 'spam' })).statusCode).toBe(404);
    const admin = await as('district_admin');
    expect((await admin.get(`/staff/account-requests/${elsewhere.id}`)).statusCode).toBe(200);
    // An account that is not among the request's matches cannot be reset through it.
    const staffAccount = await get().db.selectFrom('user_accounts').select('id').where('username', '=', demo.teacher!.username).executeTakeFirstOrThrow();
    const wrong = await admin.post(`/staff/account-requests/${elsewhere.id}`, { action: 'reset', accountId: String(staffAccount.id) });
    expect(wrong.statusCode).toBe(404);
    expect(wrong.body).toContain('That person is not among this request’s matches.');
    const bads: Record<string, string>[] = [{ action: 'explode' }, { action: 'reset', accountId: 'abc' }, { action: 'key', person: 'staff', personId: '1' }];
    for (const bad of bads) {
      expect((await admin.post(`/staff/account-requests/${elsewhere.id}`, bad)).statusCode, JSON.stringify(bad)).toBe(400);
    }
    expect((await admin.get('/staff/account-requests/99999999999')).statusCode).toBe(404);
    expect((await admin.get('/staff/account-requests/abc')).statusCode).toBe(404);
    expect((await (await as('teacher')).get('/staff/account-requests')).statusCode).toBe(403);
    expect((await visitor().get('/staff/account-requests')).statusCode).toBe(303);
  });

  it('shows an office only its own schools’ records: another school’s student and guardian are the district office’s', async () => {
    const db = get().db;
    // School A: the demo office's (Allen's). School B: another school. X: a student of B with no
    // preferred name whose full name no other student has; G: a guardian of X linked to no student of A.
    const bStudents = await db
      .selectFrom('students as s')
      .innerJoin('student_guardians as sg', 'sg.student_id', 's.id')
      .innerJoin('guardians as g', 'g.id', 'sg.guardian_id')
      .select(['s.id', 's.student_number', 's.legal_first_name', 's.legal_last_name', 's.birth_date', 's.email', 's.school_id', 'g.id as guardian_id', 'g.first_name as g_first', 'g.last_name as g_last', 'g.email as g_email'])
      .where('s.school_id', '!=', allen.school_id)
      .where('s.preferred_first_name', 'is', null)
      .where('s.email', 'is not', null)
      .where('sg.portal_access', '=', 1)
      .where('sg.rights_revoked', '=', 0)
      .where('g.email', 'is not', null)
      .where((eb) =>
        eb.not(
          eb.exists(
            eb.selectFrom('student_guardians as other').innerJoin('students as os', 'os.id', 'other.student_id').select('other.id').whereRef('other.guardian_id', '=', 'g.id').where('os.school_id', '=', allen.school_id),
          ),
        ),
      )
      .orderBy('s.id')
      .orderBy('g.id')
      .execute();
    const everyone = await db.selectFrom('students').select(['legal_first_name', 'legal_last_name']).execute();
    const x = bStudents.find((r) => everyone.filter((e) => e.legal_first_name === r.legal_first_name && e.legal_last_name === r.legal_last_name).length === 1)!;
    expect(x).toBeDefined();
    const xName = `${x.legal_first_name} ${x.legal_last_name}`;
    const gName = `${x.g_first} ${x.g_last}`;
    // S: a student of A, whose number the requests carry.
    const s = await db
      .selectFrom('students')
      .select(['id', 'student_number', 'legal_first_name', 'legal_last_name'])
      .where('school_id', '=', allen.school_id)
      .where('preferred_first_name', 'is', null)
      .where('legal_last_name', '!=', x.legal_last_name)
      .where('birth_date', '!=', x.birth_date)
      .where('id', '!=', allen.id)
      .orderBy('id')
      .executeTakeFirstOrThrow();
    const xAccount = await personAccount(db, { studentId: x.id }, x.student_number, 'x.recovery.fixture@example.net');
    const gAccount = await personAccount(db, { guardianId: x.guardian_id }, 'fixture.guardian.b', 'g.recovery.fixture@example.net');
    const officeB = await officeAccountAt(db, x.school_id, 'fixture.office.b', demo.office!.username);
    const secrets = [xName, x.student_number, born(x.birth_date), x.email!, 'x.recovery.fixture@example.net', gName, 'fixture.guardian.b', 'g.recovery.fixture@example.net'];
    /** The page without what the form says (the typed parent email is G's own, shown as typed). */
    const outsideTyped = (body: string) => body.replace(/<dl class="hr-settings">[\s\S]*?<\/dl>/, '');

    // R1: A's student number with B's student's name (typed in capitals) and B's guardian's email.
    await visitor().submit('/request-account', form({ studentFirstName: x.legal_first_name.toUpperCase(), studentLastName: x.legal_last_name.toUpperCase(), studentNumber: s.student_number, resetFor: 'student', parentEmail: x.g_email! }));
    const r1 = await newest();
    // R2: all about A's student, but with B's guardian's email: the form is no reverse lookup.
    await visitor().submit('/request-account', form({ studentFirstName: s.legal_first_name, studentLastName: s.legal_last_name, studentNumber: s.student_number, resetFor: 'student', parentEmail: x.g_email! }));
    const r2 = await newest();
    // Both go to the district office, and A's office keeps them for its own student.
    expect([r1, r2].map((r) => ({ student_id: r.student_id, school_id: r.school_id }))).toEqual([
      { student_id: s.id, school_id: null },
      { student_id: s.id, school_id: null },
    ]);

    const office = await as('office');
    for (const r of [r1, r2]) {
      const page = await office.get(`/staff/account-requests/${r.id}`);
      expect(page.statusCode).toBe(200);
      for (const secret of secrets) expect(page.body, secret).not.toContain(secret);
      expect(outsideTyped(page.body)).not.toContain(x.g_email!);
      // A's own student is there; the rest is a plain line, with no match quality of its own.
      expect(page.body).toContain(`${s.legal_first_name} ${s.legal_last_name} (${s.student_number})`);
      expect(page.body).toContain('Part of this request concerns another school’s record.');
      expect(page.body).toContain('The requester cannot be told by email');
    }
    expect((await office.get(`/staff/account-requests/${r1.id}`)).body).not.toContain('Strong match');
    const officeList = await office.get('/staff/account-requests');
    expect(officeList.body).toContain(`/staff/account-requests/${r1.id}"`);
    expect(officeList.body).toContain('More than one school (district office)');
    for (const secret of secrets) expect(officeList.body, secret).not.toContain(secret);

    // Not in the domain's answer either, whatever a view would do with it.
    const scopeA = await officeScope(db, (await db.selectFrom('user_accounts').select('staff_id').where('username', '=', demo.office!.username).executeTakeFirstOrThrow()).staff_id);
    const detail = await openAccountRequest(db, scopeA, r1.id);
    const presented = JSON.stringify({ ...detail, request: undefined });
    for (const secret of [...secrets, x.g_email!]) expect(presented, secret).not.toContain(secret);
    expect(detail!.students.map((m) => m.id)).toEqual([s.id]);
    expect(detail!.guardians.map((m) => m.id)).not.toContain(x.guardian_id);
    expect(detail!.elsewhere).toBe(true);

    // A's office cannot act for B's records: they are not among what it sees, and nothing is written.
    const outboxBefore = (await db.selectFrom('email_outbox').select('id').execute()).length;
    const actions: Record<string, string>[] = [
      { action: 'reset', accountId: String(xAccount) },
      { action: 'reset', accountId: String(gAccount) },
      { action: 'key', person: 'student', personId: String(x.id) },
      { action: 'key', person: 'guardian', personId: String(x.guardian_id) },
      { action: 'activationLink', guardianId: String(x.guardian_id) },
    ];
    for (const action of actions) {
      const res = await office.post(`/staff/account-requests/${r1.id}`, action);
      expect(res.statusCode, JSON.stringify(action)).toBe(404);
      for (const secret of secrets) expect(res.body, secret).not.toContain(secret);
    }
    expect((await db.selectFrom('email_outbox').select('id').execute()).length).toBe(outboxBefore);
    expect(await db.selectFrom('activation_keys').select('id').where((eb) => eb.or([eb('student_id', '=', x.id), eb('guardian_id', '=', x.guardian_id)])).execute()).toEqual([]);

    // School B's office: the requests are not routed to it (the district office has them).
    const b = await as(officeB.username);
    expect((await b.get('/staff/account-requests')).statusCode).toBe(200);
    for (const r of [r1, r2]) {
      expect((await b.get(`/staff/account-requests/${r.id}`)).statusCode).toBe(404);
      expect((await b.get('/staff/account-requests?status=all')).body).not.toContain(`/staff/account-requests/${r.id}"`);
    }

    // The district office sees every record in full, and the typed email is G's on record.
    const admin = await as('district_admin');
    const full = await admin.get(`/staff/account-requests/${r1.id}`);
    expect(full.statusCode).toBe(200);
    for (const shown of [`${xName} (${x.student_number})`, born(x.birth_date), x.email!, 'x.recovery.fixture@example.net', gName, `Email on record: ${x.g_email}`, 'fixture.guardian.b', 'Strong match']) {
      expect(full.body, shown).toContain(shown);
    }
    expect(full.body).toContain(`The requester will be told by email at ${x.g_email}`);
    expect(full.body).not.toContain('Part of this request concerns another school’s record.');
    expect(full.body).toContain('The details match records at more than one school, so the district office has this request.');
    expect((await admin.get('/staff/account-requests')).body).toContain('More than one school (district office)');

    // A's office closes R1: it does not tell B's guardian (whose address it may not know).
    expect((await office.post(`/staff/account-requests/${r1.id}`, { action: 'close', reason: 'duplicate' })).statusCode).toBe(303);
    expect(await db.selectFrom('email_outbox').select('id').where('to_address', '=', x.g_email!).execute()).toEqual([]);

    // The district office sends G a reset link through the same request sent again; A's office then
    // reads that it was sent, not where.
    await visitor().submit('/request-account', form({ studentFirstName: x.legal_first_name.toUpperCase(), studentLastName: x.legal_last_name.toUpperCase(), studentNumber: s.student_number, resetFor: 'student', parentEmail: x.g_email! }));
    const r3 = await newest();
    expect(r3.id).not.toBe(r1.id);
    await admin.get(`/staff/account-requests/${r3.id}`);
    expect((await admin.post(`/staff/account-requests/${r3.id}`, { action: 'reset', accountId: String(gAccount) })).statusCode).toBe(303);
    expect((await admin.get(`/staff/account-requests/${r3.id}`)).body).toContain('told at g.recovery.fixture@example.net');
    const history = await office.get(`/staff/account-requests/${r3.id}`);
    expect(history.body).toContain('Reset link sent');
    for (const secret of secrets) expect(history.body, secret).not.toContain(secret);

    // Positive control: a request all about B's student is B's office's, in full.
    await visitor().submit('/request-account', form({ studentFirstName: x.legal_first_name, studentLastName: x.legal_last_name, studentNumber: x.student_number, resetFor: 'student' }));
    const r4 = await newest();
    expect(r4).toMatchObject({ student_id: x.id, school_id: x.school_id });
    const own = await b.get(`/staff/account-requests/${r4.id}`);
    expect(own.statusCode).toBe(200);
    expect(own.body).toContain(`${xName} (${x.student_number})`);
    expect(own.body).not.toContain('Part of this request concerns another school’s record.');
    expect((await office.get(`/staff/account-requests/${r4.id}`)).statusCode).toBe(404);
  });

  it('lets an office act only for a parent of a student the request matches', async () => {
    const db = get().db;
    // S: a student of A. H: a parent of another student of A, not of S, with an email that no other
    // guardian shares and no account.
    const s = await db
      .selectFrom('students')
      .select(['id', 'student_number', 'legal_first_name', 'legal_last_name'])
      .where('school_id', '=', allen.school_id)
      .where('preferred_first_name', 'is', null)
      .where('id', '!=', allen.id)
      .orderBy('id')
      .executeTakeFirstOrThrow();
    const h = await db
      .selectFrom('guardians as g')
      .innerJoin('student_guardians as sg', 'sg.guardian_id', 'g.id')
      .innerJoin('students as st', 'st.id', 'sg.student_id')
      .leftJoin('user_accounts as a', 'a.guardian_id', 'g.id')
      .select(['g.id', 'g.first_name', 'g.last_name', 'g.email'])
      .where('st.school_id', '=', allen.school_id)
      .where('sg.portal_access', '=', 1)
      .where('sg.rights_revoked', '=', 0)
      .where('g.email', 'is not', null)
      .where('a.id', 'is', null)
      .where((eb) => eb.not(eb.exists(eb.selectFrom('guardians as same').select('same.id').whereRef('same.email', '=', 'g.email').whereRef('same.id', '!=', 'g.id'))))
      .where((eb) => eb.not(eb.exists(eb.selectFrom('student_guardians as mine').select('mine.id').whereRef('mine.guardian_id', '=', 'g.id').where('mine.student_id', '=', s.id))))
      .orderBy('g.id')
      .executeTakeFirstOrThrow();
    await visitor().submit(
      '/request-account',
      form({ studentFirstName: s.legal_first_name, studentLastName: s.legal_last_name, studentNumber: s.student_number, newFor: 'parent', parentFirstName: h.first_name, parentLastName: h.last_name, parentEmail: h.email! }),
    );
    const request = await newest();
    expect(request).toMatchObject({ student_id: s.id, school_id: allen.school_id });
    const office = await as('office');
    const page = await office.get(`/staff/account-requests/${request.id}`);
    expect(page.body).toContain(`Email on record: ${h.email}`);
    expect(page.body).toContain('Not linked with portal access to a student this request matches: no action from here.');
    const res = await office.post(`/staff/account-requests/${request.id}`, { action: 'activationLink', guardianId: String(h.id) });
    expect(res.statusCode).toBe(403);
    expect(res.body).toContain('That person is not linked with portal access to a student this request matches.');
    expect(await db.selectFrom('user_accounts').select('id').where('guardian_id', '=', h.id).execute()).toEqual([]);
  });
});
