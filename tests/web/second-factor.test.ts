/**
 * The staff second factor through the pages (issue 25, ADR 0037): setting one up with a code the test
 * computes itself (RFC 6238), the code step of signing in (no session before the code; the half state
 * opens no page), codes one step either side, a code never accepted twice, wrong codes throttled, a
 * recovery code once, the district's requirement per role (and its lock-out rule), an administrator's
 * reset, and families untouched.
 */
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { DB } from '../../src/db/schema.js';
import { makeApp } from '../support/app.js';
import { describeEachEngine } from '../support/db.js';
import { guardianWithChild, schoolYear, staffMember, type AccountFixture, type World } from '../support/factories.js';
import { clock, Client, MINUTE } from '../support/http.js';
import { recoveryCodesOnPage, secretOnPage, totpAt } from '../support/totp.js';

const TODAY = '2027-02-09';
/** An instant at the start of a 30-second step, so that "the next step" is 30 s on. */
const START = Date.parse(`${TODAY}T18:00:00.000Z`);
const STEP = 30_000;

const mainText = (html: string) => (/<main\b[\s\S]*<\/main>/.exec(html)?.[0] ?? html).replace(/<[^>]+>/g, ' ').replace(/&#x27;|&#39;/g, "'").replace(/&quot;/g, '"').replace(/\s+/g, ' ');

/** The sign-in defaults of a fresh district, as the settings form posts them. */
const SIGN_IN = {
  passwordMinLength: '12',
  sessionIdleMinutes: '30',
  sessionAbsoluteHours: '12',
  rememberDeviceDays: '30',
  activationKeyDays: '30',
  welcomeLinkDays: '14',
  initialStudentPassword: 'initials-dob',
  initialPasswordDays: '30',
  schoolNetworks: '',
  eSignaturePinEnabled: 'no',
};

describeEachEngine('the staff second factor, through the pages', (get) => {
  let app: FastifyInstance;
  let db: Kysely<DB>;
  let world: World;
  const time = clock(new Date(START).toISOString());
  let address = 0;
  const fresh = () => new Client(app, {}, `10.9.${Math.floor(++address / 200)}.${(address % 200) + 1}`);

  /** Enrols an account: returns its secret and recovery codes, and the signed-in client. */
  const enrol = async (who: AccountFixture) => {
    const c = fresh();
    expect((await c.submit('/sign-in', { username: who.username, password: who.password })).statusCode).toBe(303);
    const page = await c.get('/account/second-factor');
    expect(page.statusCode).toBe(200);
    const secret = secretOnPage(page.body);
    const done = await c.post('/account/second-factor', { code: totpAt(secret, time.now().getTime()) });
    expect(done.statusCode, mainText(done.body).slice(0, 300)).toBe(200);
    const codes = recoveryCodesOnPage(done.body);
    return { c, secret, codes };
  };
  /** The password step: a client in the half signed-in state. */
  const passwordStep = async (who: AccountFixture) => {
    const c = fresh();
    const res = await c.submit('/sign-in', { username: who.username, password: who.password });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/sign-in/second-factor');
    return c;
  };
  const newTeacher = async (last: string) => (await staffMember(db, world, { first: 'Tara', last, roles: [{ role: 'teacher' }] })).account!;

  beforeAll(async () => {
    db = get().db;
    world = await schoolYear(db, { today: TODAY });
    app = await makeApp(get(), { now: time.now, demoMode: false });
  });
  afterAll(async () => {
    await app?.close();
  });

  it('sets one up with a code from the app: ten recovery codes shown once, the secret kept sealed and shown no more', async () => {
    const teacher = await newTeacher('Setup');
    const { c, secret, codes } = await enrol(teacher);
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    // The page said so, and the account page now says "On".
    expect(mainText(c.last!.body)).toContain('Keep these 10 recovery codes somewhere safe');
    expect(mainText((await c.get('/account')).body)).toContain('Second factor On');
    const again = await c.get('/account/second-factor');
    expect(again.body).not.toContain(secret.slice(0, 8));
    for (const code of codes) expect(again.body).not.toContain(code);
    expect(mainText(again.body)).toContain('You have 10 unused recovery codes.');
    // Stored: the secret sealed (never the base32 text), the codes as hashes; the audit log names neither.
    const row = await db.selectFrom('second_factors').selectAll().where('account_id', '=', teacher.id).executeTakeFirstOrThrow();
    expect(row.secret).not.toContain(secret);
    expect(row.confirmed_at).not.toBeNull();
    const hashes = await db.selectFrom('recovery_codes').select('code_hash').where('account_id', '=', teacher.id).execute();
    expect(hashes).toHaveLength(10);
    for (const { code_hash } of hashes) for (const code of codes) expect(code_hash).not.toContain(code.replace('-', ''));
    const logged = (await db.selectFrom('audit_log').select(['action', 'details']).execute()).map((r) => `${r.action} ${r.details ?? ''}`).join('\n');
    expect(logged).not.toContain(secret);
    expect(logged).toContain('second_factor.enrolled');
  });

  it('refuses a wrong code and a badly typed one at the setup, with the field’s message, and keeps the setup waiting', async () => {
    const teacher = await newTeacher('Wrong');
    const c = fresh();
    await c.submit('/sign-in', { username: teacher.username, password: teacher.password });
    const secret = secretOnPage((await c.get('/account/second-factor')).body);
    const right = totpAt(secret, time.now().getTime());
    const wrong = right === '000000' ? '000001' : '000000';
    const refused = await c.post('/account/second-factor', { code: wrong });
    expect(refused.statusCode).toBe(401);
    expect(mainText(refused.body)).toContain('That code is not right, or was used already.');
    const bad = await c.post('/account/second-factor', { code: '12ab' });
    expect(bad.statusCode).toBe(400);
    expect(mainText(bad.body)).toContain('A code is six digits from your app');
    const empty = await c.post('/account/second-factor', { code: '' });
    expect(empty.statusCode).toBe(400);
    expect(mainText(empty.body)).toContain('Type the code.');
    expect(await db.selectFrom('second_factors').select('confirmed_at').where('account_id', '=', teacher.id).executeTakeFirstOrThrow()).toEqual({ confirmed_at: null });
    // The same secret is shown again until the setup is finished, and its code still works.
    expect(secretOnPage((await c.get('/account/second-factor')).body)).toBe(secret);
    expect((await c.post('/account/second-factor', { code: `${right.slice(0, 3)} ${right.slice(3)}` })).statusCode).toBe(200);
  });

  it('signs in with the password and then a code: no session before the code, and the half state opens no page', async () => {
    const teacher = await newTeacher('Steps');
    const { secret } = await enrol(teacher);
    time.advance(STEP);
    const c = await passwordStep(teacher);
    expect(c.cookies.has('hr_code_step')).toBe(true);
    expect(c.cookies.has('hr_session')).toBe(false);
    expect(await db.selectFrom('sessions').select('id').where('account_id', '=', teacher.id).execute()).toHaveLength(1); // only enrol()'s
    for (const url of ['/home', '/account', '/account/second-factor', '/staff/classes', '/admin/staff']) {
      const res = await c.get(url);
      expect(res.statusCode, url).toBe(303);
      expect(String(res.headers.location), url).toMatch(/^\/sign-in\?next=/);
    }
    expect((await c.get('/sign-in/second-factor')).statusCode).toBe(200);
    const done = await c.post('/sign-in/second-factor', { code: totpAt(secret, time.now().getTime()) });
    expect(done.statusCode).toBe(303);
    expect(done.headers.location).toBe('/home');
    expect((await c.get('/home')).statusCode).toBe(200);
    expect(c.cookies.has('hr_code_step')).toBe(false);
    const signIns = await db.selectFrom('audit_log').select(['action', 'details']).where('subject_id', '=', teacher.id).where('action', 'in', ['sign_in', 'sign_in.password_accepted']).orderBy('id').execute();
    expect(signIns.map((r) => r.action)).toEqual(['sign_in', 'sign_in.password_accepted', 'sign_in']);
    expect(JSON.parse(signIns[2]!.details!)).toEqual({ secondFactor: 'app' });
  });

  it('accepts a code one step either side of now, never a code of a step already used, and not two steps off', async () => {
    const teacher = await newTeacher('Replay');
    const { secret } = await enrol(teacher);
    const enrolledAt = time.now().getTime();
    // The code of the setup's own step cannot sign in: it was used.
    const replay = await passwordStep(teacher);
    const refused = await replay.post('/sign-in/second-factor', { code: totpAt(secret, enrolledAt) });
    expect(refused.statusCode).toBe(401);
    expect(mainText(refused.body)).toContain('That code is not right, or was used already.');
    time.advance(4 * STEP);
    const now = time.now().getTime();
    const c = await passwordStep(teacher);
    // Two steps old: outside the window.
    expect((await c.post('/sign-in/second-factor', { code: totpAt(secret, now - 2 * STEP) })).statusCode).toBe(401);
    // One step old: accepted (a phone's clock a little behind).
    expect((await c.post('/sign-in/second-factor', { code: totpAt(secret, now - STEP) })).statusCode).toBe(303);
    // Then neither that code nor an earlier one again; the current one (a later step) once.
    for (const at of [now - STEP]) {
      const again = await passwordStep(teacher);
      expect((await again.post('/sign-in/second-factor', { code: totpAt(secret, at) })).statusCode).toBe(401);
    }
    const ahead = await passwordStep(teacher);
    expect((await ahead.post('/sign-in/second-factor', { code: totpAt(secret, now + STEP) })).statusCode).toBe(303);
    const behind = await passwordStep(teacher);
    // The current step is now behind the last accepted one (now + STEP): refused as used.
    expect((await behind.post('/sign-in/second-factor', { code: totpAt(secret, now) })).statusCode).toBe(401);
    time.advance(10 * STEP);
  });

  it('throttles wrong codes like wrong passwords: after five, a wait even for the right code, per account', async () => {
    const teacher = await newTeacher('Throttle');
    const { secret } = await enrol(teacher);
    time.advance(STEP);
    const c = await passwordStep(teacher);
    const right = totpAt(secret, time.now().getTime());
    const wrong = right === '123456' ? '654321' : '123456';
    for (let i = 0; i < 5; i++) expect((await c.post('/sign-in/second-factor', { code: wrong })).statusCode, `try ${i + 1}`).toBe(401);
    const held = await c.post('/sign-in/second-factor', { code: right });
    expect(held.statusCode).toBe(429);
    expect(Number(held.headers['retry-after'])).toBe(30);
    expect(mainText(held.body)).toContain('Too many wrong codes. Try again in 1 minute.');
    // A new password step does not start the count again: the count is the account's.
    time.advance(10_000);
    const other = await passwordStep(teacher);
    expect((await other.post('/sign-in/second-factor', { code: right })).statusCode).toBe(429);
    time.advance(21_000);
    const later = await passwordStep(teacher);
    expect((await later.post('/sign-in/second-factor', { code: totpAt(secret, time.now().getTime()) })).statusCode).toBe(303);
    const failures = await db.selectFrom('throttle').select('failures').where('key', '=', `second-factor:${teacher.id}`).executeTakeFirst();
    // A success ends the count of consecutive failures.
    expect(failures).toBeUndefined();
  });

  it('lets a recovery code sign in once, says how many are left, and ends the half state after five minutes', async () => {
    const teacher = await newTeacher('Recovery');
    const { codes } = await enrol(teacher);
    const c = await passwordStep(teacher);
    const used = await c.post('/sign-in/second-factor', { code: codes[3]!.toUpperCase() });
    expect(used.statusCode).toBe(303);
    expect(used.headers.location).toBe('/account/second-factor?left=9');
    expect(mainText((await c.get(String(used.headers.location))).body)).toContain('You signed in with a recovery code. You have 9 left.');
    const twice = await passwordStep(teacher);
    expect((await twice.post('/sign-in/second-factor', { code: codes[3]! })).statusCode).toBe(401);
    const slow = await passwordStep(teacher);
    time.advance(5 * MINUTE + 1000);
    const late = await slow.post('/sign-in/second-factor', { code: codes[4]! });
    expect(late.statusCode).toBe(401);
    expect(mainText(late.body)).toContain('This sign-in waited more than 5 minutes for a code');
    // The code was not spent by the late try.
    const ok = await passwordStep(teacher);
    expect((await ok.post('/sign-in/second-factor', { code: codes[4]! })).statusCode).toBe(303);
  });

  it('makes new recovery codes with a code from the app (the old ones stop working), and turns the second factor off', async () => {
    const teacher = await newTeacher('Renew');
    const { c, secret, codes } = await enrol(teacher);
    time.advance(STEP);
    const renewed = await c.post('/account/second-factor/recovery-codes', { renewCode: totpAt(secret, time.now().getTime()) });
    expect(renewed.statusCode).toBe(200);
    const fresher = recoveryCodesOnPage(renewed.body);
    expect(fresher).toHaveLength(10);
    expect(fresher.filter((x) => codes.includes(x))).toEqual([]);
    const old = await passwordStep(teacher);
    expect((await old.post('/sign-in/second-factor', { code: codes[0]! })).statusCode).toBe(401);
    await c.get('/account/second-factor');
    const off = await c.post('/account/second-factor/remove', { removeCode: fresher[0]! });
    expect(off.statusCode).toBe(200);
    expect(mainText(off.body)).toContain('Your second factor is off.');
    // The password alone signs in again.
    const plain = fresh();
    const res = await plain.submit('/sign-in', { username: teacher.username, password: teacher.password });
    expect(res.headers.location).toBe('/home');
  });

  it('sends staff whose role requires one to set it up before anything else; other roles and families are not asked', async () => {
    const admin = (await staffMember(db, world, { first: 'Dina', last: 'Admin', roles: [{ role: 'district_admin', schoolId: null }] })).account!;
    const nurse = (await staffMember(db, world, { first: 'Nell', last: 'Nurse', roles: [{ role: 'nurse' }] })).account!;
    const family = await guardianWithChild(db, world);
    const teacher = await newTeacher('Required');
    const a = fresh();
    await a.submit('/sign-in', { username: admin.username, password: admin.password });
    await a.get('/admin/settings/sign-in');
    const saved = await a.post('/admin/settings/sign-in', { ...SIGN_IN, secondFactorRoles: ['teacher', 'counselor'] });
    expect(saved.statusCode, mainText(saved.body).slice(0, 400)).toBe(303);
    const t = fresh();
    expect((await t.submit('/sign-in', { username: teacher.username, password: teacher.password })).headers.location).toBe('/home');
    for (const url of ['/home', '/account', '/staff/classes']) {
      const res = await t.get(url);
      expect(res.statusCode, url).toBe(303);
      expect(res.headers.location, url).toBe('/account/second-factor');
    }
    const setup = await t.get('/account/second-factor');
    expect(mainText(setup.body)).toContain('Your district requires a second factor for your role.');
    // The language can still be changed, and signing out works.
    expect((await t.post('/lang/es', { next: '/account/second-factor' })).statusCode).toBe(303);
    expect(mainText((await t.get('/account/second-factor')).body)).toContain('Su distrito exige un segundo factor para su rol.');
    const secret = secretOnPage(t.last!.body);
    expect((await t.post('/account/second-factor', { code: totpAt(secret, time.now().getTime()) })).statusCode).toBe(200);
    expect((await t.get('/home')).statusCode).toBe(200);
    // Required: "turn off" becomes "a new phone", after which the setup comes first again.
    expect(mainText((await t.get('/account/second-factor')).body)).toContain('Un teléfono nuevo');
    const nurseClient = fresh();
    await nurseClient.submit('/sign-in', { username: nurse.username, password: nurse.password });
    expect((await nurseClient.get('/home')).statusCode).toBe(200);
    const parent = fresh();
    await parent.submit('/sign-in', { username: family.guardianAccount!.username, password: family.guardianAccount!.password });
    expect((await parent.get('/home')).statusCode).toBe(200);
    expect((await parent.get('/account/second-factor')).statusCode).toBe(404);
    expect(await db.selectFrom('second_factors').select('account_id').where('account_id', 'in', [nurse.id, family.guardianAccount!.id]).execute()).toEqual([]);
    await a.get('/admin/settings/sign-in');
    expect((await a.post('/admin/settings/sign-in', { ...SIGN_IN })).statusCode).toBe(303);
  });

  it('refuses to require one of district administrators until the administrator saving it has one; refuses unknown roles', async () => {
    const admin = (await staffMember(db, world, { first: 'Dora', last: 'Admin', roles: [{ role: 'district_admin', schoolId: null }] })).account!;
    const a = fresh();
    await a.submit('/sign-in', { username: admin.username, password: admin.password });
    const settingsBefore = (await db.selectFrom('district').select('settings').executeTakeFirstOrThrow()).settings;
    await a.get('/admin/settings/sign-in');
    const refused = await a.post('/admin/settings/sign-in', { ...SIGN_IN, secondFactorRoles: ['district_admin'] });
    expect(refused.statusCode).toBe(400);
    expect(mainText(refused.body)).toContain('Set up your own second factor (Account Settings) before requiring one of district administrators');
    const unknown = await a.post('/admin/settings/sign-in', { ...SIGN_IN, secondFactorRoles: ['janitor'] });
    expect(unknown.statusCode).toBe(400);
    expect(mainText(unknown.body)).toContain('Choose one of the options.');
    expect((await db.selectFrom('district').select('settings').executeTakeFirstOrThrow()).settings).toBe(settingsBefore);
    const secret = secretOnPage((await a.get('/account/second-factor')).body);
    expect((await a.post('/account/second-factor', { code: totpAt(secret, time.now().getTime()) })).statusCode).toBe(200);
    await a.get('/admin/settings/sign-in');
    expect((await a.post('/admin/settings/sign-in', { ...SIGN_IN, secondFactorRoles: ['district_admin'] })).statusCode).toBe(303);
    const entry = await db.selectFrom('audit_log').select('details').where('action', '=', 'district.settings_changed').orderBy('id', 'desc').executeTakeFirstOrThrow();
    expect(JSON.parse(entry.details!)).toEqual({ group: 'sign-in', before: { secondFactorRoles: [] }, after: { secondFactorRoles: ['district_admin'] } });
    await a.get('/admin/settings/sign-in');
    expect((await a.post('/admin/settings/sign-in', { ...SIGN_IN })).statusCode).toBe(303);
  });

  it('lets a district administrator reset someone else’s second factor (audited, sessions ended); nobody else', async () => {
    const admin = (await staffMember(db, world, { first: 'Rhea', last: 'Admin', roles: [{ role: 'district_admin', schoolId: null }] })).account!;
    const adminStaff = await db.selectFrom('user_accounts').select('staff_id').where('id', '=', admin.id).executeTakeFirstOrThrow();
    const schoolAdmin = (await staffMember(db, world, { first: 'Sol', last: 'Admin', roles: [{ role: 'school_admin' }] })).account!;
    const teacher = await newTeacher('Reset');
    const teacherStaff = await db.selectFrom('user_accounts').select('staff_id').where('id', '=', teacher.id).executeTakeFirstOrThrow();
    const { c: teacherClient } = await enrol(teacher);
    const s = fresh();
    await s.submit('/sign-in', { username: schoolAdmin.username, password: schoolAdmin.password });
    const page = await s.get(`/admin/staff/${teacherStaff.staff_id}`);
    expect(page.statusCode).toBe(200);
    expect(page.body).not.toContain('second-factor-reset');
    expect((await s.post(`/admin/staff/${teacherStaff.staff_id}/second-factor-reset`, {})).statusCode).toBe(404);
    expect(await db.selectFrom('second_factors').select('account_id').where('account_id', '=', teacher.id).execute()).toHaveLength(1);
    const a = fresh();
    await a.submit('/sign-in', { username: admin.username, password: admin.password });
    const adminPage = await a.get(`/admin/staff/${teacherStaff.staff_id}`);
    expect(mainText(adminPage.body)).toContain('This person signs in with a code from an authenticator app.');
    const reset = await a.post(`/admin/staff/${teacherStaff.staff_id}/second-factor-reset`, {});
    expect(reset.statusCode).toBe(303);
    expect(mainText((await a.get(String(reset.headers.location))).body)).toContain('The second factor was reset and the person signed out everywhere.');
    expect(await db.selectFrom('second_factors').select('account_id').where('account_id', '=', teacher.id).execute()).toEqual([]);
    expect(await db.selectFrom('recovery_codes').select('id').where('account_id', '=', teacher.id).execute()).toEqual([]);
    expect((await teacherClient.get('/home')).statusCode).toBe(303);
    const entry = await db.selectFrom('audit_log').select(['actor_account_id', 'subject_id']).where('action', '=', 'second_factor.reset').executeTakeFirstOrThrow();
    expect(entry).toEqual({ actor_account_id: admin.id, subject_id: teacher.id });
    // The audit log's page names it in words; its CSV keeps the code.
    const log = await a.get('/admin/audit');
    expect(mainText(log.body)).toContain('Second factor reset by an administrator');
    // Nothing left to reset; one's own is not reset here.
    await a.get(`/admin/staff/${teacherStaff.staff_id}`);
    expect((await a.post(`/admin/staff/${teacherStaff.staff_id}/second-factor-reset`, {})).statusCode).toBe(409);
    expect((await a.post(`/admin/staff/${adminStaff.staff_id}/second-factor-reset`, {})).statusCode).toBe(409);
    // The password alone signs the teacher in again.
    const again = fresh();
    expect((await again.submit('/sign-in', { username: teacher.username, password: teacher.password })).headers.location).toBe('/home');
  });
});
