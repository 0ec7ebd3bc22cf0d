import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { hashPassword } from '../../src/domain/accounts/passwords.js';
import { DEMO_PASSWORD } from '../../src/domain/demo/generate.js';
import { loadDemo } from '../../src/domain/demo/load.js';
import { parsePortalSettings } from '../../src/domain/district/settings.js';
import { makeApp } from '../support/app.js';
import { runJobs } from '../support/jobs.js';
import { describeEachEngine } from '../support/db.js';
import { Client, clock, MINUTE } from '../support/http.js';
import { linkIn, startSmtp, type TestSmtp } from '../support/smtp.js';

describeEachEngine('self-serve recovery and the security email', (get) => {
  let app: FastifyInstance;
  let smtp: TestSmtp;
  const time = clock('2026-11-25T15:00:00Z');
  const accounts: Record<string, { username: string; password: string }> = {};

  beforeAll(async () => {
    await loadDemo(get(), { students: 40, seed: 13, startYear: 2026 });
    smtp = await startSmtp();
    // Not demo mode: sent single-use links must not stay in the outbox.
    app = await makeApp(get(), { now: time.now, smtpUrl: smtp.url, demoMode: false });
    const district = await get().db.selectFrom('district').select('settings').executeTakeFirstOrThrow();
    for (const a of parsePortalSettings(district.settings).demo?.accounts ?? []) {
      accounts[a.role === 'parent' && a.locale === 'es' ? 'spanishParent' : a.role] ??= a;
    }
  });
  afterAll(async () => {
    await app.close();
    await smtp.close();
  });
  beforeEach(async () => {
    // Whatever an earlier test left in the outbox is delivered now, not counted in the next test.
    await app.services.mailer.flush();
    smtp.messages.length = 0;
    await get().db.deleteFrom('throttle').execute();
  });

  /** Delivers the outbox through the real SMTP server and returns what arrived. */
  const delivered = async (count: number) => {
    // The self-serve forms queue their work: run it as the worker does.
    await runJobs(get(), time.now);
    await app.services.mailer.flush();
    return smtp.waitFor(count);
  };
  const path = (url: string) => url.replace('http://portal.test', '');

  it('resets a forgotten password through the emailed link, once', async () => {
    const parent = accounts.parent!;
    const other = new Client(app);
    await other.submit('/sign-in', { username: parent.username, password: DEMO_PASSWORD });
    expect((await other.get('/home')).statusCode).toBe(200);

    const c = new Client(app);
    const asked = await c.submit('/forgot-password', { username: parent.username });
    expect(asked.statusCode).toBe(200);
    expect(asked.body).toContain('a link to choose a new password is on its way');
    const [mail] = await delivered(1);
    expect(mail?.to).toEqual(['diane.alda@example.com']);
    expect(mail?.from).toContain('portal@cedarvalley.example.org');
    expect(mail?.subject).toBe('Choose a new Cedar Valley Portal password');
    expect(mail?.text).toContain(parent.username);
    expect(mail?.html).toContain('<a href="http://portal.test/reset-password?token=');
    const link = path(linkIn(mail!, 'http://portal.test/reset-password?token='));

    const form = await c.get(link);
    expect(form.statusCode).toBe(200);
    // The token's page gives other sites (and this one) only the origin; its form keeps its Origin header.
    expect(form.headers['referrer-policy']).toBe('strict-origin');
    expect(form.body).toContain(`Choose a new password for the account ${parent.username}`);
    const weak = await c.post('/reset-password', { token: link.split('token=')[1]!, password: 'diane1234567', confirm: 'diane1234567' });
    expect(weak.statusCode).toBe(400);
    const done = await c.post('/reset-password', { token: link.split('token=')[1]!, password: 'copper kettle morning', confirm: 'copper kettle morning' });
    expect(done.statusCode).toBe(303);
    expect(done.headers.location).toBe('/sign-in?reset=1');
    expect(c.cookies.has('hr_session')).toBe(false);

    // The link works once; every session ended; the holder is told.
    expect((await c.get(link)).statusCode).toBe(400);
    expect((await other.get('/home')).statusCode).toBe(303);
    const [, confirmation] = await delivered(2);
    expect(confirmation?.subject).toBe('Your Cedar Valley Portal password was changed');
    // Outside demo mode the sent link does not stay readable in the database.
    const stored = await get().db.selectFrom('email_outbox').select(['kind', 'text_body', 'sent_at']).where('kind', '=', 'reset_password').execute();
    expect(stored[0]?.sent_at).not.toBeNull();
    expect(stored[0]?.text_body).not.toContain('token=');
    expect((await new Client(app).submit('/sign-in', { username: parent.username, password: 'copper kettle morning' })).headers.location).toBe('/home');
  });

  it('answers the same whether or not the username exists or has a security email, and sends nothing then', async () => {
    const strip = (html: string) => html.replace(/value="[^"]*"/g, '');
    const unknown = await new Client(app).submit('/forgot-password', { username: 'no.such.person' });
    const noEmail = await new Client(app).submit('/forgot-password', { username: accounts.student!.username });
    expect(unknown.statusCode).toBe(200);
    expect(noEmail.statusCode).toBe(200);
    expect(strip(unknown.body)).toBe(strip(noEmail.body));
    await app.services.mailer.flush();
    expect(smtp.messages).toHaveLength(0);
  });

  it('lets a reset link expire after 60 minutes', async () => {
    await new Client(app).submit('/forgot-password', { username: accounts.teacher!.username });
    const [mail] = await delivered(1);
    time.advance(61 * MINUTE);
    const res = await new Client(app).get(path(linkIn(mail!, 'http://portal.test/reset-password?token=')));
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('This link does not work');
    expect((await new Client(app).get('/reset-password?token=forged')).statusCode).toBe(400);
  });

  it('sends forgotten usernames to the security email, whatever its case and spaces', async () => {
    const res = await new Client(app).submit('/forgot-username', { email: '  Diane.Alda@EXAMPLE.com ' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('its username is on its way');
    const [mail] = await delivered(1);
    expect(mail?.to).toEqual(['diane.alda@example.com']);
    expect(mail?.text).toContain(accounts.parent!.username);
    const none = await new Client(app).submit('/forgot-username', { email: 'nobody@example.org' });
    expect(none.body).toContain('its username is on its way');
    await app.services.mailer.flush();
    expect(smtp.messages).toHaveLength(1);
  });

  it.each([
    ['/forgot-username', { email: 'not an email' }, 'Enter an email address like name@example.com.'],
    ['/forgot-username', { email: `${'a'.repeat(250)}@example.com` }, 'This is too long.'],
    ['/forgot-username', { email: ['a@example.com', 'b@example.com'] }, 'This value is not valid.'],
    ['/forgot-password', { username: '' }, 'This field is required.'],
    ['/forgot-password', { username: 'x\u0007y' }, 'characters that are not allowed'],
  ])('answers bad input to %s with a field message and 400', async (url, fields, message) => {
    const res = await new Client(app).submit(url, fields as Record<string, string>);
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain(message);
  });

  it('answers bad input on the reset form with a field message, and the link still works after it', async () => {
    const parent = accounts.parent!;
    await new Client(app).submit('/forgot-password', { username: parent.username });
    const [mail] = await delivered(1);
    const link = path(linkIn(mail!, 'http://portal.test/reset-password?token='));
    const token = link.split('token=')[1]!;
    const c = new Client(app);
    await c.get(link);
    const hashOf = async () => (await get().db.selectFrom('user_accounts').select('password_hash').where('username', '=', parent.username).executeTakeFirstOrThrow()).password_hash;
    const before = await hashOf();
    const next = 'lantern over the bay';
    const cases: [Record<string, string | string[]>, string][] = [
      [{ token, confirm: next }, 'This field is required.'],
      [{ token, password: `lantern\u0000bay over`, confirm: `lantern\u0000bay over` }, 'This contains characters that are not allowed.'],
      [{ token, password: [next, next], confirm: next }, 'This value is not valid.'],
      [{ token, password: 'x'.repeat(1025), confirm: 'x'.repeat(1025) }, 'This is too long.'],
      [{ token, password: next, confirm: 'lantern over the sea' }, 'The two passwords do not match.'],
      [{ token, password: '<b>1</b>', confirm: '<b>1</b>' }, 'Use at least 12 characters.'],
    ];
    for (const [fields, message] of cases) {
      const res = await c.post('/reset-password', fields);
      expect(res.statusCode, JSON.stringify(fields).slice(0, 80)).toBe(400);
      expect(res.body).toContain(message);
      expect(res.headers['referrer-policy']).toBe('strict-origin');
    }
    for (const bad of ["' or 1=1 --", '<b>x</b>', 'x'.repeat(500)]) {
      const res = await c.post('/reset-password', { token: bad, password: next, confirm: next });
      expect(res.statusCode).toBe(400);
      expect(res.body).toContain('This link does not work');
    }
    expect(await hashOf()).toBe(before);
    expect((await c.post('/reset-password', { token, password: next, confirm: next })).headers.location).toBe('/sign-in?reset=1');
    expect(await hashOf()).not.toBe(before);
  });

  it('counts recovery requests per username and per address', async () => {
    const c = new Client(app);
    for (let i = 0; i < 5; i++) expect((await c.submit('/forgot-password', { username: 'some.body' })).statusCode).toBe(200);
    const blocked = await c.submit('/forgot-password', { username: 'some.body' });
    expect(blocked.statusCode).toBe(429);
    expect(blocked.body).toContain('Too many requests. Please wait 60 minutes');
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(3000);
  });

  it('lifts a lock after too many failed sign-ins when the password is reset', async () => {
    const teacher = accounts.teacher!;
    const t = time.now().toISOString();
    await get().db.insertInto('throttle').values({ key: `user:${teacher.username}`, failures: 100, window_start: t, blocked_until: new Date(Date.parse(t) + 24 * 3_600_000).toISOString() }).execute();
    expect((await new Client(app).submit('/sign-in', { username: teacher.username, password: DEMO_PASSWORD })).statusCode).toBe(403);
    await new Client(app).submit('/forgot-password', { username: teacher.username });
    const [mail] = await delivered(1);
    const link = path(linkIn(mail!, 'http://portal.test/reset-password?token='));
    const c = new Client(app);
    await c.get(link);
    await c.post('/reset-password', { token: link.split('token=')[1]!, password: 'violet canyon drums', confirm: 'violet canyon drums' });
    expect((await new Client(app).submit('/sign-in', { username: teacher.username, password: 'violet canyon drums' })).statusCode).toBe(303);
  });

  it('asks for a security email at first sign-in and confirms it by link', async () => {
    const student = accounts.student!;
    const c = new Client(app);
    await c.submit('/sign-in', { username: student.username, password: 'aa010311' });
    // The first sign-in with the formula password is told to each guardian with portal access.
    const guardians = await get()
      .db.selectFrom('student_guardians as sg')
      .innerJoin('guardians as g', 'g.id', 'sg.guardian_id')
      .innerJoin('students as s', 's.id', 'sg.student_id')
      .select('g.email')
      .where('s.student_number', '=', student.username)
      .where('sg.portal_access', '=', 1)
      .where('sg.rights_revoked', '=', 0)
      .where('g.email', 'is not', null)
      .execute();
    expect(guardians.length).toBeGreaterThan(0);
    const told = await delivered(guardians.length);
    expect(told.map((m) => m.to[0]).sort()).toEqual(guardians.map((g) => g.email!.toLowerCase()).sort());
    expect(told[0]?.subject).toBe('Allen Alda signed in to Cedar Valley Portal for the first time');
    smtp.messages.length = 0;
    const changed = await c.submit('/account/password', { password: 'maple syrup season', confirm: 'maple syrup season' });
    expect(changed.headers.location).toBe('/account/security-setup');
    const setup = await c.get('/account/security-setup');
    expect(setup.body).toContain('Set up your account security');
    expect(setup.body).toContain('Skip for now');
    const bad = await c.post('/account/security-setup', { email: 'allen@' });
    expect(bad.statusCode).toBe(400);
    const sent = await c.post('/account/security-setup', { email: 'Allen.Alda@Example.net' });
    expect(sent.statusCode).toBe(200);
    expect(sent.body).toContain('We sent a confirmation link to allen.alda@example.net');
    const [mail] = await delivered(1);
    expect(mail?.to).toEqual(['allen.alda@example.net']);
    const link = path(linkIn(mail!, 'http://portal.test/confirm-email?token='));

    // Opening the link only shows a button: mail scanners that follow links confirm nothing.
    const page = await new Client(app).get(link);
    expect(page.body).toContain('Confirm allen.alda@example.net as the security email of the account');
    let account = await get().db.selectFrom('user_accounts').selectAll().where('username', '=', student.username).executeTakeFirstOrThrow();
    expect(account.security_email_confirmed_at).toBeNull();
    const confirmer = new Client(app);
    await confirmer.get(link);
    const confirmed = await confirmer.post('/confirm-email', { token: link.split('token=')[1]! });
    expect(confirmed.statusCode).toBe(200);
    expect(confirmed.body).toContain('Your account security email is now allen.alda@example.net.');
    account = await get().db.selectFrom('user_accounts').selectAll().where('username', '=', student.username).executeTakeFirstOrThrow();
    expect(account.security_email).toBe('allen.alda@example.net');
    expect((await confirmer.post('/confirm-email', { token: link.split('token=')[1]! })).statusCode).toBe(400);
    expect((await c.get('/home')).statusCode).toBe(200);
  });

  /** A guardian account with no security email, as the nightly generation or a key makes them. */
  // An English reader's account (the pages' words are checked), whatever the language the guardian's record has.
  const accountWithoutEmail = async (username: string) => {
    const guardian = await get()
      .db.selectFrom('guardians')
      .select('id')
      .where('email', 'is', null)
      .where('id', 'not in', get().db.selectFrom('user_accounts').select('guardian_id').where('guardian_id', 'is not', null))
      .executeTakeFirstOrThrow();
    const now = time.now().toISOString();
    await get()
      .db.insertInto('user_accounts')
      .values({ username, username_key: username, password_hash: await hashPassword('a long enough secret'), person_kind: 'guardian', guardian_id: guardian.id, locale: 'en', created_at: now, updated_at: now, updated_by: null })
      .execute();
    return get().db.selectFrom('user_accounts').select('id').where('username', '=', username).executeTakeFirstOrThrow();
  };
  const confirmLinksTo = (email: string) =>
    get().db.selectFrom('account_tokens').select('id').where('purpose', '=', 'confirm_email').where('email', '=', email).execute();

  it('lets a person skip the setup, with a warning, and not be asked again', async () => {
    await accountWithoutEmail('no.email.parent');
    const c = new Client(app);
    const first = await c.submit('/sign-in', { username: 'no.email.parent', password: 'a long enough secret' });
    expect(first.headers.location).toBe('/account/security-setup');
    const page = await c.get('/account/security-setup');
    expect(page.body).toContain('cannot help you');
    expect((await c.post('/account/security-setup/skip', {})).headers.location).toBe('/home');
    const again = await new Client(app).submit('/sign-in', { username: 'no.email.parent', password: 'a long enough secret' });
    expect(again.headers.location).toBe('/home');
  });

  it('never lets a session point the account at a new address without the password once the setup is over', async () => {
    const spanish = accounts.spanishParent!;
    const c = new Client(app);
    await c.submit('/sign-in', { username: spanish.username, password: DEMO_PASSWORD });
    await c.get('/home');
    // The account has a confirmed address: the setup form is not for it.
    const setup = await c.post('/account/security-setup', { email: 'thief@example.net' });
    expect(setup.statusCode).toBe(303);
    expect(setup.headers.location).toBe('/account/security-email');
    // Without the password: a field to fill in (not a wrong guess that counts towards the lock).
    for (const password of [undefined, '']) {
      const res = await c.post('/account/security-email', { email: 'thief@example.net', ...(password === undefined ? {} : { password }) });
      expect(res.statusCode).toBe(400);
      expect(res.body).toContain('Este campo es obligatorio.');
    }
    const control = await c.post('/account/security-email', { email: 'thief@example.net', password: 'cedar\u0007valley' });
    expect(control.statusCode).toBe(400);
    expect(control.body).toContain('Contiene caracteres que no están permitidos.');
    const list = await c.post('/account/security-email', { email: 'thief@example.net', password: [DEMO_PASSWORD, DEMO_PASSWORD] });
    expect(list.statusCode).toBe(400);
    expect(list.body).toContain('Este valor no es válido.');
    expect(await confirmLinksTo('thief@example.net')).toEqual([]);
    expect(await get().db.selectFrom('throttle').selectAll().execute()).toEqual([]);
    expect(await delivered(0)).toEqual([]);
  });

  it('asks for the password in the setup once the sign-in is a quarter of an hour old, and asks again until the address is confirmed', async () => {
    const account = await accountWithoutEmail('late.setup.parent');
    const c = new Client(app);
    expect((await c.submit('/sign-in', { username: 'late.setup.parent', password: 'a long enough secret' })).headers.location).toBe('/account/security-setup');
    expect((await c.get('/account/security-setup')).body).not.toContain('id="password"');
    time.advance(16 * MINUTE);
    const page = await c.get('/account/security-setup');
    expect(page.body).toContain('id="password"');
    const without = await c.post('/account/security-setup', { email: 'late@example.net' });
    expect(without.statusCode).toBe(400);
    expect(without.body).toContain('This field is required.');
    const wrong = await c.post('/account/security-setup', { email: 'late@example.net', password: 'not the secret' });
    expect(wrong.statusCode).toBe(401);
    expect(await confirmLinksTo('late@example.net')).toEqual([]);
    const sent = await c.post('/account/security-setup', { email: 'late@example.net', password: 'a long enough secret' });
    expect(sent.statusCode).toBe(200);
    expect(sent.body).toContain('We sent a confirmation link to late@example.net');
    expect(await confirmLinksTo('late@example.net')).toHaveLength(1);
    // Asking for a link is not skipping the setup: until the link is followed, the next sign-in asks again.
    const skipped = await get().db.selectFrom('audit_log').select('id').where('action', '=', 'security_email.setup_skipped').where('subject_id', '=', account.id).execute();
    expect(skipped).toEqual([]);
    const again = await new Client(app).submit('/sign-in', { username: 'late.setup.parent', password: 'a long enough secret' });
    expect(again.headers.location).toBe('/account/security-setup');
  });

  it('changes the security email with the password, telling the old address twice', async () => {
    const spanish = accounts.spanishParent!;
    const c = new Client(app);
    await c.submit('/sign-in', { username: spanish.username, password: DEMO_PASSWORD });
    const form = await c.get('/account/security-email');
    expect(form.body).toContain('Su contraseña');
    const wrong = await c.post('/account/security-email', { email: 'maria.nueva@example.org', password: 'incorrecta' });
    expect(wrong.statusCode).toBe(401);
    const ok = await c.post('/account/security-email', { email: 'maria.nueva@example.org', password: DEMO_PASSWORD });
    expect(ok.statusCode).toBe(200);
    const mails = await delivered(2);
    const confirm = mails.find((m) => m.to[0] === 'maria.nueva@example.org');
    const notice = mails.find((m) => m.to[0] !== 'maria.nueva@example.org');
    expect(confirm?.subject).toBe('Confirme su correo de seguridad de Cedar Valley Portal');
    expect(notice?.subject).toBe('Se está cambiando su correo de seguridad de Cedar Valley Portal');
    const link = path(linkIn(confirm!, 'http://portal.test/confirm-email?token='));
    await c.get(link);
    await c.post('/confirm-email', { token: link.split('token=')[1]! });
    const all = await delivered(3);
    expect(all[2]?.subject).toBe('Se cambió su correo de seguridad de Cedar Valley Portal');
    expect(all[2]?.to).toEqual(notice?.to);
  });

  it('has a help page for problems signing in that links both flows and the request form', async () => {
    const res = await new Client(app).get('/help/sign-in');
    expect(res.body).toContain('href="/forgot-password"');
    expect(res.body).toContain('href="/forgot-username"');
    expect(res.body).toContain('href="/request-account"');
    expect(res.body).toContain('portalhelp@cedarvalley.example.org');
    // The district's own words come first.
    expect(res.body).toContain('Your first password is the first letter of your first name');
  });
});
