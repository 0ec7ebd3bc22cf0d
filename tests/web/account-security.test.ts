/**
 * The account takeovers and lockouts of the security review (issue 16), each reproduced as the attack
 * was made, on both engines: links that outlived the password, the public first-password formula, a
 * school's shared address, a username kept locked, self-serve forms that answered faster for unknown
 * targets, and an Activation Key that tested usernames without end.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { hashPassword } from '../../src/domain/accounts/passwords.js';
import { DEMO_PASSWORD } from '../../src/domain/demo/generate.js';
import { loadDemo } from '../../src/domain/demo/load.js';
import { parsePortalSettings } from '../../src/domain/district/settings.js';
import { makeApp } from '../support/app.js';
import { runJobs } from '../support/jobs.js';
import { QueryCounter } from '../support/query-counter.js';
import { describeEachEngine } from '../support/db.js';
import { Client, clock, DAY, HOUR, MINUTE } from '../support/http.js';
import { linkIn, startSmtp, type ReceivedMail, type TestSmtp } from '../support/smtp.js';

describeEachEngine('account takeovers and lockouts', (get) => {
  let app: FastifyInstance;
  let smtp: TestSmtp;
  const time = clock('2026-11-25T15:00:00Z');
  const demo: Record<string, { username: string; password: string }> = {};
  let parentEmail = '';

  beforeAll(async () => {
    await loadDemo(get(), { students: 40, seed: 29, startYear: 2026 });
    smtp = await startSmtp();
    app = await makeApp(get(), { now: time.now, smtpUrl: smtp.url, demoMode: false });
    const district = await get().db.selectFrom('district').select('settings').executeTakeFirstOrThrow();
    for (const a of parsePortalSettings(district.settings).demo?.accounts ?? []) demo[a.role === 'parent' && a.locale === 'es' ? 'spanishParent' : a.role] ??= a;
    const row = await get().db.selectFrom('user_accounts').select('security_email').where('username', '=', demo.parent!.username).executeTakeFirstOrThrow();
    parentEmail = row.security_email!;
  });
  afterAll(async () => {
    await app.close();
    await smtp.close();
  });
  beforeEach(async () => {
    await deliver();
    smtp.messages.length = 0;
    await get().db.deleteFrom('throttle').execute();
  });

  /** Runs queued jobs as the worker does and delivers the outbox through the real SMTP server. */
  async function deliver(): Promise<ReceivedMail[]> {
    await runJobs(get(), time.now);
    await app.services.mailer.flush();
    return smtp.messages;
  }
  const mailTo = async (to: string, subject: string) => {
    const all = await deliver();
    const found = all.filter((m) => m.to.includes(to) && m.subject === subject);
    expect(found.length, `${subject} to ${to}`).toBeGreaterThan(0);
    return found[found.length - 1]!;
  };
  const path = (url: string) => url.replace('http://portal.test', '');
  const signIn = (c: Client, username: string, password: string, extra: Record<string, string> = {}) => c.submit('/sign-in', { username, password, ...extra });
  const setSettings = async (change: Record<string, unknown>) => {
    const row = await get().db.selectFrom('district').select('settings').executeTakeFirstOrThrow();
    await get().db.updateTable('district').set({ settings: JSON.stringify({ ...JSON.parse(row.settings), ...change }) }).execute();
    app.services.districts.invalidate();
  };
  const setPassword = async (username: string, password: string) => {
    await get().db.updateTable('user_accounts').set({ password_hash: await hashPassword(password) }).where('username', '=', username).execute();
  };
  /** An attacker who knew the password asks to point the security email at their own address. */
  const attackerAsksForEmail = async (password: string) => {
    const attacker = new Client(app, {}, '203.0.113.66');
    expect((await signIn(attacker, demo.parent!.username, password)).statusCode).toBe(303);
    await attacker.get('/account/security-email');
    expect((await attacker.post('/account/security-email', { email: 'attacker@evil.example', password })).statusCode).toBe(200);
    const mail = await mailTo('attacker@evil.example', 'Confirm your Cedar Valley Portal security email');
    return path(linkIn(mail, 'http://portal.test/confirm-email?token='));
  };
  const confirm = async (link: string) => {
    const c = new Client(app);
    // (a form token from any page: the dead link's page has no form)
    await c.get('/sign-in');
    await c.get(link);
    return c.post('/confirm-email', { token: link.split('token=')[1]! });
  };
  const recoveryAddress = async () =>
    (await get().db.selectFrom('user_accounts').select('security_email').where('username', '=', demo.parent!.username).executeTakeFirstOrThrow()).security_email;

  it('ends a pending security-email change when the holder resets or changes the password or signs out everywhere', async () => {
    const parent = demo.parent!;
    await setPassword(parent.username, DEMO_PASSWORD);
    // 1. A reset by the holder.
    const first = await attackerAsksForEmail(DEMO_PASSWORD);
    const holder = new Client(app);
    await holder.submit('/forgot-password', { username: parent.username });
    const reset = path(linkIn(await mailTo(parentEmail, 'Choose a new Cedar Valley Portal password'), 'http://portal.test/reset-password?token='));
    await holder.get(reset);
    expect((await holder.post('/reset-password', { token: reset.split('token=')[1]!, password: 'quiet harbor lantern', confirm: 'quiet harbor lantern' })).statusCode).toBe(303);
    expect((await confirm(first)).statusCode).toBe(400);
    expect(await recoveryAddress()).toBe(parentEmail);

    // 2. A change of password by the holder, signed in.
    const second = await attackerAsksForEmail('quiet harbor lantern');
    expect((await signIn(holder, parent.username, 'quiet harbor lantern')).statusCode).toBe(303);
    await holder.get('/account/password');
    expect((await holder.post('/account/password', { current: 'quiet harbor lantern', password: 'copper window garden', confirm: 'copper window garden' })).statusCode).toBe(303);
    expect((await confirm(second)).statusCode).toBe(400);

    // 3. "Sign out everywhere else": the attacker's link and the calendar feed address end; the holder is told.
    const third = await attackerAsksForEmail('copper window garden');
    await holder.get('/account/calendar');
    const made = await holder.post('/account/calendar', { action: 'make' });
    const feed = /http:\/\/portal\.test(\/calendar\/[A-Za-z0-9_-]{43}\.ics)/.exec(made.body)?.[1];
    expect(feed).toBeDefined();
    expect((await new Client(app).get(feed!)).statusCode).toBe(200);
    await holder.get('/account');
    const ended = await holder.post('/account/sessions/end-others', {});
    expect(ended.headers.location).toBe('/account?ended=1&feed=ended');
    expect((await holder.get(ended.headers.location as string)).body).toContain('Your calendar feed address no longer works');
    expect((await confirm(third)).statusCode).toBe(400);
    expect((await new Client(app).get(feed!)).statusCode).toBe(404);
    const told = await mailTo(parentEmail, 'Your Cedar Valley Portal calendar feed address was turned off');
    expect(told.text).toContain('signed out everywhere');
    expect(await recoveryAddress()).toBe(parentEmail);
    await setPassword(parent.username, DEMO_PASSWORD);
  });

  it('ends a reset link when the password is changed, and never cancels one for a later request', async () => {
    const parent = demo.parent!;
    const holder = new Client(app);
    await holder.submit('/forgot-password', { username: parent.username });
    const early = path(linkIn(await mailTo(parentEmail, 'Choose a new Cedar Valley Portal password'), 'http://portal.test/reset-password?token='));
    // A stranger asking again, from elsewhere, cancels nothing and does not use up the holder's requests.
    const stranger = new Client(app, {}, '198.18.0.9');
    for (let i = 0; i < 6; i++) await stranger.submit('/forgot-password', { username: parent.username });
    expect((await stranger.submit('/forgot-password', { username: parent.username })).statusCode).toBe(429);
    expect((await holder.get(early)).statusCode).toBe(200);
    expect((await holder.submit('/forgot-password', { username: parent.username })).statusCode).toBe(200);
    // At most five emails an hour reach the account, whoever asks.
    await deliver();
    const resets = smtp.messages.filter((m) => m.subject === 'Choose a new Cedar Valley Portal password');
    expect(resets).toHaveLength(5);
    expect((await holder.get(early)).statusCode).toBe(200);

    // The holder changes the password while signed in: every reset link dies with the old one.
    expect((await signIn(holder, parent.username, DEMO_PASSWORD)).statusCode).toBe(303);
    await holder.get('/account/password');
    await holder.post('/account/password', { current: DEMO_PASSWORD, password: 'violet orchard bridge', confirm: 'violet orchard bridge' });
    expect((await new Client(app).get(early)).statusCode).toBe(400);
    expect((await new Client(app).get(path(linkIn(resets[4]!, 'http://portal.test/reset-password?token=')))).statusCode).toBe(400);
    await setPassword(parent.username, DEMO_PASSWORD);
  });

  it('lets a formula first password work only for its days and only from the school networks, and lets the office issue a new one', async () => {
    const student = demo.student!;
    await setSettings({ initialPasswordDays: 30, schoolNetworks: ['198.51.100.0/24', '2001:db8::/48'] });
    const set = new Date(time.now().getTime() - 10 * DAY).toISOString();
    await get().db.updateTable('user_accounts').set({ initial_password_set_at: set, initial_password_used_at: null }).where('username', '=', student.username).execute();
    const home = new Client(app, {}, '203.0.113.5');
    const refused = await signIn(home, student.username, student.password);
    expect(refused.statusCode).toBe(403);
    expect(refused.body).toContain('A first password works only at school.');
    // A wrong password from home is just wrong: the rule tells a guesser nothing.
    expect((await signIn(home, student.username, 'zz010101')).statusCode).toBe(401);
    const school = new Client(app, {}, '198.51.100.23');
    expect((await signIn(school, student.username, student.password)).headers.location).toBe('/account/password');
    expect((await signIn(new Client(app, {}, '2001:db8::7'), student.username, student.password)).statusCode).toBe(303);

    time.advance(21 * DAY);
    const expired = await signIn(new Client(app, {}, '198.51.100.23'), student.username, student.password);
    expect(expired.statusCode).toBe(403);
    expect(expired.body).toContain('This first password has expired.');

    // Office staff see it expired and issue a new one; teachers cannot.
    const office = new Client(app);
    expect((await signIn(office, demo.office!.username, DEMO_PASSWORD)).statusCode).toBe(303);
    const list = await office.get('/staff/account-help');
    expect(list.statusCode).toBe(200);
    expect(list.body).toContain(student.username);
    expect(list.body).toContain('expired on');
    const found = await office.get(`/staff/account-help?number=${student.username}`);
    expect(found.body).toContain('Has a first password, which expired on');
    const account = await get().db.selectFrom('user_accounts').select(['id', 'student_id']).where('username', '=', student.username).executeTakeFirstOrThrow();
    const teacher = new Client(app);
    await signIn(teacher, demo.teacher!.username, DEMO_PASSWORD);
    await teacher.get('/home');
    expect((await teacher.post('/staff/account-help/reissue', { studentId: String(account.student_id) })).statusCode).toBe(403);
    // Whoever took the account had set a recovery address; a new first password takes it away.
    await get().db.updateTable('user_accounts').set({ security_email: 'taker@evil.example', security_email_confirmed_at: time.now().toISOString() }).where('id', '=', account.id).execute();
    const issued = await office.post('/staff/account-help/reissue', { studentId: String(account.student_id) });
    expect(issued.statusCode).toBe(200);
    expect(issued.headers['cache-control']).toBe('no-store');
    expect(issued.body).toContain('The new first password of Allen Alda');
    const given = /<code>([a-z]+-[a-z]+-[a-z]+-\d{2})<\/code>/.exec(issued.body)?.[1];
    expect(given).toBeDefined();
    const after = await get().db.selectFrom('user_accounts').select(['security_email', 'security_email_confirmed_at', 'initial_password']).where('id', '=', account.id).executeTakeFirstOrThrow();
    expect(after).toEqual({ security_email: null, security_email_confirmed_at: null, initial_password: 'random' });
    // The old formula no longer works; the new password does, from anywhere (it is not public), and must be changed.
    expect((await signIn(new Client(app, {}, '198.51.100.23'), student.username, student.password)).statusCode).toBe(401);
    const back = new Client(app, {}, '203.0.113.5');
    expect((await signIn(back, student.username, given!)).headers.location).toBe('/account/password');
    // Bad ids and another school's answer as if nothing were there; never a 500.
    for (const id of ['99999999', '9999999999', '0', '-1', 'x']) {
      expect((await office.post('/staff/account-help/reissue', { studentId: id })).statusCode, id).toBe(404);
      expect((await office.post('/staff/account-help/unlock', { accountId: id })).statusCode, id).toBe(404);
    }
    expect((await office.get('/staff/account-help?number=%3Cb%3E')).statusCode).toBe(400);

    // A forced change long after the sign-in is not made: the student signs in again, where the rules apply.
    time.advance(16 * MINUTE);
    await back.get('/account/password');
    const late = await back.post('/account/password', { password: 'late night harbor', confirm: 'late night harbor' });
    expect(late.headers.location).toBe('/sign-in?next=%2Faccount%2Fpassword');
    expect((await back.get('/home')).statusCode).toBe(303);
    const again = new Client(app, {}, '203.0.113.5');
    await signIn(again, student.username, given!);
    await again.get('/account/password');
    expect((await again.post('/account/password', { password: 'late night harbor', confirm: 'late night harbor' })).statusCode).toBe(303);
    await setSettings({ initialPasswordDays: 365, schoolNetworks: [] });
  });

  it('does not let one address lock out a building: a known device gets in, others are slowed, school networks get more', async () => {
    const parent = demo.parent!;
    const shared = '192.0.2.10';
    const phone = new Client(app, {}, shared);
    expect((await signIn(phone, parent.username, DEMO_PASSWORD)).statusCode).toBe(303);
    await phone.get('/home');
    expect((await phone.post('/sign-out', {})).headers.location).toBe('/sign-in?signedOut=1');
    // 99 failures from the building's address so far; the 100th reaches the limit.
    await get().db.insertInto('throttle').values({ key: `ip:${shared}`, failures: 99, window_start: time.now().toISOString(), blocked_until: null }).execute();
    expect((await signIn(new Client(app, {}, shared), 'someone.else', 'wrong')).statusCode).toBe(401);
    const slowed = await signIn(new Client(app, {}, shared), parent.username, DEMO_PASSWORD);
    expect(slowed.statusCode).toBe(429);
    expect(Number(slowed.headers['retry-after'])).toBeLessThanOrEqual(10);
    // The parent's own phone, on the same address, is not held back by it.
    expect((await signIn(phone, parent.username, DEMO_PASSWORD)).statusCode).toBe(303);
    // Slowed, not refused: ten seconds later the address may try again.
    time.advance(11_000);
    expect((await signIn(new Client(app, {}, shared), parent.username, DEMO_PASSWORD)).statusCode).toBe(303);

    // A new browser that is slowed by its address gets in at once with an emailed code.
    await get().db.updateTable('throttle').set({ failures: 120, blocked_until: new Date(time.now().getTime() + 10_000).toISOString() }).where('key', '=', `ip:${shared}`).execute();
    const chromebook = new Client(app, {}, shared);
    const held = await signIn(chromebook, parent.username, DEMO_PASSWORD);
    expect(held.statusCode).toBe(429);
    expect(held.body).toContain('action="/sign-in/code"');
    expect((await chromebook.post('/sign-in/code', { username: parent.username })).statusCode).toBe(200);
    const code = /Your code: (\d{4} \d{4})/.exec((await mailTo(parentEmail, 'Your Cedar Valley Portal sign-in code')).text)![1]!;
    expect((await chromebook.post('/sign-in', { username: parent.username, password: DEMO_PASSWORD, code })).statusCode).toBe(303);

    // A district-listed school network has ten times the limit.
    await setSettings({ schoolNetworks: ['192.0.2.0/24'] });
    await get().db.deleteFrom('throttle').execute();
    await get().db.insertInto('throttle').values({ key: `ip:${shared}`, failures: 150, window_start: time.now().toISOString(), blocked_until: null }).execute();
    expect((await signIn(new Client(app, {}, shared), 'someone.else', 'wrong')).statusCode).toBe(401);
    expect((await signIn(new Client(app, {}, shared), parent.username, DEMO_PASSWORD)).statusCode).toBe(303);
    await setSettings({ schoolNetworks: [] });
  });

  it('lets the holder of a locked username in from a new browser with a code emailed to the security email', async () => {
    const parent = demo.parent!;
    await get()
      .db.insertInto('throttle')
      .values({ key: `user:${parent.username}`, failures: 100, window_start: time.now().toISOString(), blocked_until: new Date(time.now().getTime() + DAY).toISOString() })
      .execute();
    const laptop = new Client(app);
    const locked = await signIn(laptop, parent.username, DEMO_PASSWORD);
    expect(locked.statusCode).toBe(403);
    const asked = await laptop.post('/sign-in/code', { username: parent.username });
    expect(asked.statusCode).toBe(200);
    expect(asked.body).toContain('a sign-in code is on its way');
    expect(asked.body).toContain('id="code"');
    const mail = await mailTo(parentEmail, 'Your Cedar Valley Portal sign-in code');
    const code = /Your code: (\d{4} \d{4})/.exec(mail.text)?.[1];
    expect(code).toBeDefined();

    // A stranger asks too (the same answer, their own challenge) and tries codes: the holder's code survives.
    const stranger = new Client(app, {}, '203.0.113.77');
    await stranger.get('/sign-in');
    expect((await stranger.post('/sign-in/code', { username: parent.username })).statusCode).toBe(200);
    for (let i = 0; i < 3; i++) expect((await stranger.post('/sign-in', { username: parent.username, password: DEMO_PASSWORD, code: `1234 567${i}` })).statusCode).toBe(400);
    // The holder's code in the stranger's browser is not the stranger's challenge.
    expect((await stranger.post('/sign-in', { username: parent.username, password: DEMO_PASSWORD, code: code! })).statusCode).toBe(400);
    // Without the password the code opens nothing.
    await laptop.get('/sign-in');
    expect((await laptop.post('/sign-in', { username: parent.username, password: 'not it', code: code! })).statusCode).toBe(401);
    const inside = await laptop.post('/sign-in', { username: parent.username, password: DEMO_PASSWORD, code: code! });
    expect(inside.statusCode).toBe(303);
    expect(laptop.cookies.has('hr_device')).toBe(true);
    // Single use.
    await laptop.get('/home');
    expect((await laptop.post('/sign-out', {})).headers.location).toBe('/sign-in?signedOut=1');
    await laptop.get('/sign-in');
    expect((await laptop.post('/sign-in', { username: 'nobody.here', password: DEMO_PASSWORD, code: code! })).statusCode).toBe(400);
    // Strangers asking from two addresses, three times each, do not use up the holder's codes.
    for (const ip of ['203.0.113.78', '203.0.113.79']) {
      const asker = new Client(app, {}, ip);
      for (let i = 0; i < 3; i++) expect((await asker.submit('/sign-in', { username: parent.username }, '/sign-in/code')).statusCode).toBe(200);
      expect((await asker.submit('/sign-in', { username: parent.username }, '/sign-in/code')).statusCode).toBe(429);
    }
    await deliver();
    smtp.messages.length = 0;
    const again = new Client(app);
    expect((await again.submit('/sign-in', { username: parent.username }, '/sign-in/code')).statusCode).toBe(200);
    expect((await deliver()).filter((m) => m.subject === 'Your Cedar Valley Portal sign-in code')).toHaveLength(1);

    // An unknown username gets the same answer and no email. (The stranger's request above did email the holder a code.)
    await deliver();
    smtp.messages.length = 0;
    expect((await new Client(app).submit('/sign-in', { username: 'nobody.here' }, '/sign-in/code')).statusCode).toBe(200);
    expect(await deliver()).toHaveLength(0);
  });

  it('lets office staff help a parent of their school: a reset link, or a key that sets a new password; never another school\'s', async () => {
    const parent = demo.parent!;
    const office = new Client(app);
    await signIn(office, demo.office!.username, DEMO_PASSWORD);
    const page = await office.get(`/staff/account-help?number=${parent.username.toUpperCase()}`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain(`Has a confirmed security email, ${parentEmail}`);
    const account = await get().db.selectFrom('user_accounts').select(['id', 'guardian_id']).where('username', '=', parent.username).executeTakeFirstOrThrow();

    // A staff reset sends a link to the confirmed address and ends the account's other links.
    const stranger = await attackerAsksForEmail(DEMO_PASSWORD);
    const sent = await office.post('/staff/account-help/reset-link', { accountId: String(account.id) });
    expect(sent.body).toContain(`A reset link is on its way to ${parentEmail}`);
    const mail = await mailTo(parentEmail, 'Choose a new Cedar Valley Portal password');
    expect((await new Client(app).get(path(linkIn(mail, 'http://portal.test/reset-password?token='))))).toMatchObject({ statusCode: 200 });
    expect((await confirm(stranger)).statusCode).toBe(400);

    // No key for an account that can recover by email: a reset link goes there instead.
    expect((await office.post('/staff/account-help/key', { accountId: String(account.id) })).statusCode).toBe(409);
    // An Activation Key for an account without one: the holder keeps the username and chooses a new password.
    await get().db.updateTable('user_accounts').set({ security_email_confirmed_at: null }).where('id', '=', account.id).execute();
    const issued = await office.post('/staff/account-help/key', { accountId: String(account.id) });
    expect(issued.headers['cache-control']).toBe('no-store');
    const key = /[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}/.exec(issued.body)?.[0];
    expect(key).toBeDefined();
    const holder = new Client(app);
    const form = await holder.submit('/activate', { key: key! });
    expect(form.body).toContain('Choose a new password');
    expect(form.body).toContain(`Your username stays ${parent.username}`);
    const done = await holder.post('/activate/account', { key: key!, username: 'someone.else', password: 'amber forest lantern', confirm: 'amber forest lantern' });
    expect(done.statusCode).toBe(200);
    expect(done.body).toContain(`The password of ${parent.username} is changed.`);
    expect((await signIn(new Client(app), parent.username, 'amber forest lantern')).statusCode).toBe(303);
    expect(await get().db.selectFrom('user_accounts').select('username').where('guardian_id', '=', account.guardian_id).execute()).toEqual([{ username: parent.username }]);
    // Once.
    expect((await new Client(app).submit('/activate', { key: key! })).statusCode).toBe(400);
    await setPassword(parent.username, DEMO_PASSWORD);
    await get().db.updateTable('user_accounts').set({ security_email_confirmed_at: time.now().toISOString() }).where('id', '=', account.id).execute();

    // A parent whose children are all at another school is not this office's to help.
    const officeSchools = await get()
      .db.selectFrom('staff_roles as r')
      .innerJoin('user_accounts as a', 'a.staff_id', 'r.staff_id')
      .select('r.school_id')
      .where('a.username', '=', demo.office!.username)
      .execute();
    const elsewhere = await get()
      .db.selectFrom('guardians as g')
      .select('g.id')
      .where((eb) =>
        eb.not(
          eb.exists(
            eb
              .selectFrom('student_guardians as sg')
              .innerJoin('students as s', 's.id', 'sg.student_id')
              .select('sg.student_id')
              .whereRef('sg.guardian_id', '=', 'g.id')
              .where('s.school_id', 'in', officeSchools.map((r) => r.school_id!)),
          ),
        ),
      )
      .where((eb) => eb.exists(eb.selectFrom('student_guardians as sg').select('sg.student_id').whereRef('sg.guardian_id', '=', 'g.id').where('sg.portal_access', '=', 1)))
      .executeTakeFirstOrThrow();
    const t = time.now().toISOString();
    const other = await get()
      .db.insertInto('user_accounts')
      .values({ username: 'far.away.parent', username_key: 'far.away.parent', status: 'active', person_kind: 'guardian', guardian_id: elsewhere.id, created_at: t, updated_at: t, updated_by: null })
      .returning('id')
      .executeTakeFirstOrThrow();
    expect((await office.get('/staff/account-help?number=far.away.parent')).statusCode).toBe(404);
    for (const action of ['unlock', 'reset-link', 'key']) {
      expect((await office.post(`/staff/account-help/${action}`, { accountId: String(other.id) })).statusCode, action).toBe(404);
    }
    expect((await office.post('/staff/account-help/key', { accountId: 'x' })).statusCode).toBe(404);
  });

  it('lets office staff lift a lock on a student who has no security email', async () => {
    const student = demo.student!;
    await get()
      .db.insertInto('throttle')
      .values({ key: `user:${student.username}`, failures: 100, window_start: time.now().toISOString(), blocked_until: new Date(time.now().getTime() + DAY).toISOString() })
      .execute();
    const office = new Client(app);
    await signIn(office, demo.office!.username, DEMO_PASSWORD);
    const page = await office.get(`/staff/account-help?number=${student.username}`);
    expect(page.body).toContain('Sign-in is locked after too many failures');
    const account = await get().db.selectFrom('user_accounts').select('id').where('username', '=', student.username).executeTakeFirstOrThrow();
    expect((await office.post('/staff/account-help/unlock', { accountId: String(account.id) })).body).toContain('The sign-in lock is lifted.');
    expect(await get().db.selectFrom('throttle').selectAll().where('key', '=', `user:${student.username}`).executeTakeFirst()).toBeUndefined();
  });

  it('does the same work, in the answer, for known and unknown usernames and addresses on every self-serve form', async () => {
    const counter = new QueryCounter();
    const counted = await makeApp({ ...get(), db: get().db.withPlugin(counter) }, { now: time.now, demoMode: false });
    try {
      const statements = async (url: string, fields: Record<string, string>, ip: string, status = 200) => {
        const c = new Client(counted, {}, ip);
        await c.get(url);
        counter.count = 0;
        const res = await c.post(url, fields);
        expect(res.statusCode).toBe(status);
        return counter.count;
      };
      const jobs = async () => Number((await get().db.selectFrom('jobs').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
      const before = await jobs();
      expect(await statements('/forgot-password', { username: demo.parent!.username }, '198.18.1.1')).toBe(await statements('/forgot-password', { username: 'no.such.user' }, '198.18.1.2'));
      expect(await statements('/forgot-username', { email: parentEmail }, '198.18.1.3')).toBe(await statements('/forgot-username', { email: 'nobody@example.org' }, '198.18.1.4'));
      const pending = 'pending.parent@example.org';
      const guardian = await get()
        .db.selectFrom('guardians')
        .select('id')
        .where('id', 'not in', get().db.selectFrom('user_accounts').select('guardian_id').where('guardian_id', 'is not', null))
        .orderBy('id', 'desc')
        .executeTakeFirstOrThrow();
      await get()
        .db.insertInto('user_accounts')
        .values({ username: pending, username_key: pending, status: 'pending', person_kind: 'guardian', guardian_id: guardian.id, security_email: pending, created_at: time.now().toISOString(), updated_at: time.now().toISOString(), updated_by: null })
        .execute();
      expect(await statements('/welcome/resend', { email: pending }, '198.18.1.5')).toBe(await statements('/welcome/resend', { email: 'nobody@example.org' }, '198.18.1.6'));
      // The account request form: a real student's number and name, or nobody's.
      const allen = await get().db.selectFrom('students').select(['student_number', 'legal_first_name', 'legal_last_name']).where('legal_first_name', '=', 'Allen').executeTakeFirstOrThrow();
      const request = (first: string, last: string, number: string) => ({
        studentFirstName: first,
        studentLastName: last,
        studentNumber: number,
        studentEmail: '',
        resetFor: 'student',
        parentFirstName: '',
        parentLastName: '',
        parentEmail: parentEmail,
        comments: '',
        website: '',
      });
      const known = await statements('/request-account', request(allen.legal_first_name, allen.legal_last_name, allen.student_number), '198.18.1.7', 303);
      const unknown = await statements('/request-account', request('Nobody', 'Atall', '9999999'), '198.18.1.8', 303);
      expect(known).toBe(unknown);
      // One queued job each, known or not: the work itself happens in the worker.
      expect((await jobs()) - before).toBe(8);
    } finally {
      await counted.close();
    }
  });

  it('counts usernames an Activation Key finds taken, so a key cannot test usernames without end', async () => {
    const guardian = await get()
      .db.selectFrom('guardians')
      .select('id')
      .where('id', 'not in', get().db.selectFrom('user_accounts').select('guardian_id').where('guardian_id', 'is not', null))
      .executeTakeFirstOrThrow();
    const { issueActivationKeys } = await import('../../src/domain/accounts/activation.js');
    const { operatorScope } = await import('../../src/domain/access/staff.js');
    const [issued] = await issueActivationKeys(
      get().db,
      { scope: operatorScope(), recipients: [{ kind: 'guardian', id: guardian.id, firstName: 'Test', lastName: 'Holder', language: 'en', students: [] }], issuedBy: null, days: 30 },
      time.now(),
    );
    const c = new Client(app, {}, '198.18.2.1');
    const attempt = (username: string) =>
      c.submit('/activate', { key: issued!.key, username, password: 'silver meadow canyon', confirm: 'silver meadow canyon' }, '/activate/account');
    const taken = ['diane.alda', demo.teacher!.username, demo.office!.username];
    for (let i = 0; i < 10; i++) expect((await attempt(taken[i % taken.length]!)).statusCode).toBe(409);
    const stopped = await attempt(demo.counselor!.username);
    expect(stopped.statusCode).toBe(429);
    expect(stopped.body).toContain('Too many usernames that are already taken');
    time.advance(HOUR + MINUTE);
    expect((await attempt('a.free.username')).statusCode).toBe(200);
  });
});
