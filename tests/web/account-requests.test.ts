import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DEMO_PASSWORD } from '../../src/domain/demo/generate.js';
import { loadDemo } from '../../src/domain/demo/load.js';
import { parsePortalSettings } from '../../src/domain/district/settings.js';
import { makeApp } from '../support/app.js';
import { describeEachEngine } from '../support/db.js';
import { Client } from '../support/http.js';

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

  /** A visitor from a fresh address each time, so the per-IP limit is tested on its own. */
  const visitor = () => new Client(app, {}, `198.51.100.${++ipCounter}`);
  const as = async (role: string) => {
    const c = new Client(app);
    await c.submit('/sign-in', { username: demo[role]!.username, password: DEMO_PASSWORD });
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
});
