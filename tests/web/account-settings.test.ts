import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { hashPassword, verifyPassword } from '../../src/domain/accounts/passwords.js';
import { DEMO_PASSWORD } from '../../src/domain/demo/generate.js';
import { loadDemo } from '../../src/domain/demo/load.js';
import { parsePortalSettings } from '../../src/domain/district/settings.js';
import { makeApp } from '../support/app.js';
import { describeEachEngine } from '../support/db.js';
import { Client, clock } from '../support/http.js';

describeEachEngine('Account Settings', (get) => {
  let app: FastifyInstance;
  let parent: { username: string };
  const time = clock('2026-11-25T15:00:00Z');

  beforeAll(async () => {
    await loadDemo(get(), { students: 30, seed: 17, startYear: 2026 });
    app = await makeApp(get(), { now: time.now });
    const district = await get().db.selectFrom('district').select('settings').executeTakeFirstOrThrow();
    parent = parsePortalSettings(district.settings).demo!.accounts.find((a) => a.role === 'parent')!;
  });
  afterAll(() => app.close());

  const signedIn = async (headers: Record<string, string> = {}) => {
    const c = new Client(app, headers);
    await c.submit('/sign-in', { username: parent.username, password: DEMO_PASSWORD });
    return c;
  };

  it('shows the seed’s three settings and where the account is signed in', async () => {
    const other = await signedIn({ 'user-agent': 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1' });
    const c = await signedIn({ 'user-agent': 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36 Edg/130.0' });
    const page = await c.get('/account');
    expect(page.statusCode).toBe(200);
    for (const text of ['Account Security Email', 'diane.alda@example.com', 'Password', 'E-Signature PIN', 'Not currently being used by the district.', 'Add an E-Signature PIN', 'Safari on iOS', 'Edge on Windows']) {
      expect(page.body, text).toContain(text);
    }
    const ended = await c.post('/account/sessions/end-others', {});
    expect(ended.headers.location).toBe('/account?ended=1');
    expect((await c.get('/account?ended=1')).body).toContain('You have been signed out everywhere else.');
    expect((await other.get('/home')).statusCode).toBe(303);
  });

  it('lists only the sessions that still work, and ends them all, this one too', async () => {
    const idle = await signedIn({ 'user-agent': 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1' });
    expect((await idle.get('/home')).statusCode).toBe(200);
    time.advance(31 * 60_000);
    const kept = new Client(app, { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36' });
    await kept.submit('/sign-in', { username: parent.username, password: DEMO_PASSWORD, remember: 'on' });
    const c = await signedIn({ 'user-agent': 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36 Edg/130.0' });
    const page = await c.get('/account');
    // The phone's session ended after 30 idle minutes: it is not listed, though its row is not deleted yet.
    expect(page.body).not.toContain('Safari on iOS');
    expect(page.body).toContain('Chrome on Linux');
    expect(page.body).toContain('Edge on Windows');
    const ended = await c.post('/account/sessions/end-all', {});
    expect(ended.headers.location).toBe('/sign-in?signedOut=1');
    for (const client of [c, kept, idle]) expect((await client.get('/home')).statusCode).toBe(303);
    const account = await get().db.selectFrom('user_accounts').select('id').where('username', '=', parent.username).executeTakeFirstOrThrow();
    expect(await get().db.selectFrom('sessions').select('id').where('account_id', '=', account.id).execute()).toEqual([]);
    const logged = await get().db.selectFrom('audit_log').select('action').where('action', '=', 'sessions.ended_all').execute();
    expect(logged).toHaveLength(1);
  });

  it('adds, changes and removes the E-Signature PIN with the password', async () => {
    const c = await signedIn();
    await c.get('/account/pin');
    const cases: [Record<string, string>, number, string][] = [
      [{ action: 'save', pin: '12ab', confirm: '12ab', password: DEMO_PASSWORD }, 400, 'Use 4 to 8 digits, and nothing else.'],
      [{ action: 'save', pin: '123', confirm: '123', password: DEMO_PASSWORD }, 400, 'Use 4 to 8 digits'],
      [{ action: 'save', pin: '123456789', confirm: '123456789', password: DEMO_PASSWORD }, 400, 'Use 4 to 8 digits'],
      [{ action: 'save', pin: '2468', confirm: '2469', password: DEMO_PASSWORD }, 400, 'The two PINs do not match.'],
      [{ action: 'save', pin: '2468', confirm: '2468', password: 'wrong' }, 401, 'Your current password is not correct.'],
      [{ action: 'explode', password: DEMO_PASSWORD }, 400, 'There is a problem'],
    ];
    for (const [fields, status, message] of cases) {
      const res = await c.post('/account/pin', fields);
      expect(res.statusCode, JSON.stringify(fields)).toBe(status);
      expect(res.body).toContain(message);
    }
    const saved = await c.post('/account/pin', { action: 'save', pin: '24680', confirm: '24680', password: DEMO_PASSWORD });
    expect(saved.headers.location).toBe('/account?pin=saved');
    const row = await get().db.selectFrom('user_accounts').select('pin_hash').where('username', '=', parent.username).executeTakeFirstOrThrow();
    expect(row.pin_hash).toMatch(/^\$argon2id\$/);
    expect(await verifyPassword(row.pin_hash!, '24680')).toBe(true);
    expect((await c.get('/account?pin=saved')).body).toContain('An E-Signature PIN is set.');
    const removed = await c.post('/account/pin', { action: 'remove', password: DEMO_PASSWORD });
    expect(removed.headers.location).toBe('/account?pin=removed');
    const after = await get().db.selectFrom('user_accounts').select('pin_hash').where('username', '=', parent.username).executeTakeFirstOrThrow();
    expect(after.pin_hash).toBeNull();
  });

  it('changes the password only with the current one, where a missing or malformed one is a field to fix, not a guess', async () => {
    await get().db.deleteFrom('throttle').execute();
    const c = await signedIn();
    const next = 'quartz meadow lantern';
    const cases: [Record<string, string | string[]>, string][] = [
      [{ password: next, confirm: next }, 'This field is required.'],
      [{ current: '', password: next, confirm: next }, 'This field is required.'],
      [{ current: 'cedar\u0000valley', password: next, confirm: next }, 'This contains characters that are not allowed.'],
      [{ current: [DEMO_PASSWORD, DEMO_PASSWORD], password: next, confirm: next }, 'This value is not valid.'],
      [{ current: 'x'.repeat(1025), password: next, confirm: next }, 'This is too long.'],
    ];
    // The form's page first, as a browser would: its token is the session's.
    await c.get('/account/password');
    for (const [fields, message] of cases) {
      const res = await c.post('/account/password', fields);
      expect(res.statusCode, JSON.stringify(fields).slice(0, 80)).toBe(400);
      expect(res.body).toContain(message);
    }
    // None of them counted as a wrong password, and nothing changed.
    expect(await get().db.selectFrom('throttle').selectAll().execute()).toEqual([]);
    const row = await get().db.selectFrom('user_accounts').select('password_hash').where('username', '=', parent.username).executeTakeFirstOrThrow();
    expect(await verifyPassword(row.password_hash!, DEMO_PASSWORD)).toBe(true);
    const wrong = await c.post('/account/password', { current: 'not my password', password: next, confirm: next });
    expect(wrong.statusCode).toBe(401);
    // From the browser that signed in, a wrong password counts against that browser (a known device).
    const counted = await get().db.selectFrom('throttle').select(['key', 'failures']).orderBy('key').execute();
    expect(counted.map((r) => [r.key.replace(/^device:.*/, 'device:…'), r.failures])).toEqual([
      ['device:…', 1],
      ['ip:127.0.0.1', 1],
    ]);
    await get().db.deleteFrom('throttle').execute();
  });

  it('lets the holder change the password from their own browser while a stranger has locked the username', async () => {
    await get().db.deleteFrom('throttle').execute();
    const known = await signedIn();
    const forgetful = await signedIn();
    forgetful.cookies.delete('hr_device');
    await get().db.insertInto('throttle').values({ key: `user:${parent.username}`, failures: 100, window_start: time.now().toISOString(), blocked_until: new Date(Date.parse(time.now().toISOString()) + 24 * 3_600_000).toISOString() }).execute();
    const next = 'copper kettle morning';
    // A browser that kept no known-device token is held back with the username…
    const held = await forgetful.submit('/account/password', { current: DEMO_PASSWORD, password: next, confirm: next });
    expect(held.statusCode).toBe(429);
    expect(Number(held.headers['retry-after'])).toBeGreaterThan(0);
    // …the holder's own browser is not.
    const changed = await known.submit('/account/password', { current: DEMO_PASSWORD, password: next, confirm: next });
    expect(changed.statusCode).toBe(303);
    const back = await known.submit('/account/password', { current: next, password: DEMO_PASSWORD, confirm: DEMO_PASSWORD });
    expect(back.statusCode).toBe(303);
    await get().db.deleteFrom('throttle').execute();
  });

  it('tells a holder with no language of their own that the password changed in the district’s language', async () => {
    const staff = await get()
      .db.selectFrom('user_accounts')
      .select(['id', 'username'])
      .where('person_kind', '=', 'staff')
      .where('locale', 'is', null)
      .orderBy('id')
      .executeTakeFirstOrThrow();
    const at = time.now().toISOString();
    await get().db.updateTable('user_accounts').set({ password_hash: await hashPassword(DEMO_PASSWORD), security_email: 'staff.holder@example.org', security_email_confirmed_at: at, must_change_password: 0 }).where('id', '=', staff.id).execute();
    await get().db.updateTable('district').set({ locale: 'es' }).execute();
    app.services.districts.invalidate();
    try {
      const c = new Client(app, { 'accept-language': 'en' });
      await c.submit('/sign-in', { username: staff.username, password: DEMO_PASSWORD });
      const next = 'quartz meadow lantern';
      expect((await c.submit('/account/password', { current: DEMO_PASSWORD, password: next, confirm: next })).statusCode).toBe(303);
      const mail = await get().db.selectFrom('email_outbox').select(['locale', 'subject']).where('to_address', '=', 'staff.holder@example.org').executeTakeFirstOrThrow();
      expect(mail.locale).toBe('es');
      expect(mail.subject).toBe('Se cambió su contraseña de Cedar Valley Portal');
    } finally {
      await get().db.updateTable('district').set({ locale: 'en' }).execute();
      app.services.districts.invalidate();
    }
  });

  it('keeps the language a signed-in person chooses with the form, and logs the change once', async () => {
    const c = await signedIn();
    const account = await get().db.selectFrom('user_accounts').select(['id', 'locale']).where('username', '=', parent.username).executeTakeFirstOrThrow();
    const localeNow = async () => (await get().db.selectFrom('user_accounts').select('locale').where('id', '=', account.id).executeTakeFirstOrThrow()).locale;
    const home = await c.get('/home');
    expect(home.body).toContain('<form method="post" action="/lang/es">');
    // A link (which any site could send the browser to) changes this browser's language only.
    expect((await c.get('/lang/es?next=%2Faccount')).headers.location).toBe('/account');
    expect(await localeNow()).toBe(account.locale);
    // The header's form, with its CSRF token, keeps it on the account; without the token, nothing.
    expect((await c.post('/lang/es', { next: '/account' }, { csrf: false })).statusCode).toBe(403);
    for (let i = 0; i < 2; i++) expect((await c.post('/lang/es', { next: '/account' })).headers.location).toBe('/account');
    expect(await localeNow()).toBe('es');
    const logged = await get().db.selectFrom('audit_log').select(['details']).where('action', '=', 'account.language_changed').where('subject_id', '=', account.id).execute();
    expect(logged.map((r) => JSON.parse(String(r.details)))).toEqual([{ from: account.locale, to: 'es' }]);
    expect((await c.post('/lang/en', { next: 'https://elsewhere.example/' })).headers.location).toBe('/');
    expect(await localeNow()).toBe('en');
    expect((await c.post('/lang/fr', { next: '/account' })).statusCode).toBe(404);
  });

  it('sends anyone who is not signed in to the sign-in page, and back afterwards', async () => {
    const c = new Client(app);
    const res = await c.get('/account/pin');
    expect(res.headers.location).toBe('/sign-in?next=%2Faccount%2Fpin');
    await c.get('/sign-in?next=%2Faccount%2Fpin');
    const signed = await c.post('/sign-in', { username: parent.username, password: DEMO_PASSWORD, next: '/account/pin' });
    expect(signed.headers.location).toBe('/account/pin');
  });
});
