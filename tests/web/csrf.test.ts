/**
 * Form tokens belong to a session, and state-changing requests must come from the portal's own pages.
 * Each attack is sent with everything else right (a token the server really gave out), so that the
 * one thing wrong is what is being tested. The form used is the signed-in language switch, which
 * changes the account (and is audited), so a form that got through shows in the database.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { DEMO_PASSWORD } from '../../src/domain/demo/generate.js';
import { loadDemo } from '../../src/domain/demo/load.js';
import { parsePortalSettings } from '../../src/domain/district/settings.js';
import { makeApp } from '../support/app.js';
import { describeEachEngine } from '../support/db.js';
import { Client, clock, MINUTE } from '../support/http.js';

describeEachEngine('form tokens and where forms come from', (get) => {
  let app: FastifyInstance;
  const time = clock('2026-11-25T15:00:00Z');
  let parent: { username: string };
  let teacher: { username: string };
  let parentId: number;

  beforeAll(async () => {
    await loadDemo(get(), { students: 40, seed: 11, startYear: 2026 });
    app = await makeApp(get(), { now: time.now });
    const district = await get().db.selectFrom('district').select('settings').executeTakeFirstOrThrow();
    const accounts = parsePortalSettings(district.settings).demo?.accounts ?? [];
    parent = accounts.find((a) => a.role === 'parent')!;
    teacher = accounts.find((a) => a.role === 'teacher')!;
    parentId = (await get().db.selectFrom('user_accounts').select('id').where('username', '=', parent.username).executeTakeFirstOrThrow()).id;
  });
  afterAll(() => app.close());
  beforeEach(async () => {
    await get().db.updateTable('user_accounts').set({ locale: 'en' }).where('id', '=', parentId).execute();
    await get().db.deleteFrom('audit_log').where('action', '=', 'account.language_changed').execute();
  });

  const signedIn = async (username: string, headers: Record<string, string> = {}) => {
    const c = new Client(app, headers);
    expect((await c.submit('/sign-in', { username, password: DEMO_PASSWORD })).statusCode).toBe(303);
    return c;
  };
  /** Did any language form get through for the parent? */
  const languageChanged = async () => {
    const account = await get().db.selectFrom('user_accounts').select('locale').where('id', '=', parentId).executeTakeFirstOrThrow();
    const audited = await get().db.selectFrom('audit_log').select('id').where('action', '=', 'account.language_changed').execute();
    return account.locale !== 'en' || audited.length > 0;
  };
  /** A refusal: the 403 page. (Like a browser, the client then holds the refusal page's own token.) */
  const refused = (res: { statusCode: number; body: string }) => {
    expect(res.statusCode).toBe(403);
    expect(res.body).toContain('This form has expired');
  };

  it("refuses a token from another session, even with that session's own seed cookie planted", async () => {
    // The attacker signs in with an account of their own and reads a token and seed from their page.
    const attacker = await signedIn(teacher.username);
    await attacker.get('/account');
    const token = attacker.csrf;
    const seed = attacker.cookies.get('hr_csrf')!;

    const victim = await signedIn(parent.username);
    await victim.get('/home');
    victim.csrf = token;
    refused(await victim.post('/lang/es', { next: '/home' }));
    // With the attacker's seed in the victim's browser too (a cookie written from a sibling domain):
    // the token names the attacker's session, not the victim's.
    victim.cookies.set('hr_csrf', seed);
    victim.csrf = token; // (the refusal page gave the victim a token of its own)
    refused(await victim.post('/lang/es', { next: '/home' }));
    expect(await languageChanged()).toBe(false);
    // The victim's own page gives a token that works.
    await victim.get('/home');
    expect((await victim.post('/lang/es', { next: '/home' })).statusCode).toBe(303);
    expect(await languageChanged()).toBe(true);
  });

  it('refuses a token from before signing in once signed in, and a new seed comes with every sign-in and sign-out', async () => {
    const c = new Client(app);
    await c.get('/sign-in');
    const before = { token: c.csrf, seed: c.cookies.get('hr_csrf')! };
    const res = await c.post('/sign-in', { username: parent.username, password: DEMO_PASSWORD });
    expect(res.statusCode).toBe(303);
    const seedAtSignIn = res.cookies.find((k) => k.name === 'hr_csrf');

    c.csrf = before.token;
    refused(await c.post('/lang/es', { next: '/home' }));
    // Nor with the seed from before sign-in put back (one planted before the victim signed in).
    const seedNow = c.cookies.get('hr_csrf')!;
    c.cookies.set('hr_csrf', before.seed);
    c.csrf = before.token; // (the refusal page gave a token of the session)
    refused(await c.post('/lang/es', { next: '/home' }));
    expect(await languageChanged()).toBe(false);
    c.cookies.set('hr_csrf', seedNow);
    expect(seedAtSignIn).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' });
    expect(seedAtSignIn!.value).not.toBe(before.seed);

    // Signing out also gives a new seed: the signed-in page's token is over.
    await c.get('/home');
    const signedInToken = c.csrf;
    const out = await c.post('/sign-out', {});
    expect(out.headers.location).toBe('/sign-in?signedOut=1');
    const seedAtSignOut = out.cookies.find((k) => k.name === 'hr_csrf');
    expect(seedAtSignOut?.value).toBeTruthy();
    expect(seedAtSignOut!.value).not.toBe(seedAtSignIn!.value);
    c.csrf = signedInToken;
    refused(await c.post('/sign-in', { username: parent.username, password: DEMO_PASSWORD }));
    // The signed-out page's token works for the next sign-in.
    await c.get('/sign-in');
    expect((await c.post('/sign-in', { username: parent.username, password: DEMO_PASSWORD })).statusCode).toBe(303);
  });

  it('refuses a cross-site Origin or Sec-Fetch-Site even with a valid token, in the reader’s language', async () => {
    const c = await signedIn(parent.username);
    for (const headers of [
      { origin: 'https://evil.example' },
      { origin: 'null' },
      { origin: 'http://portal.test.evil.example' },
      { origin: 'https://portal.test' },
      { origin: 'http://portal.test:8080' },
      { origin: 'http://portal.test', 'sec-fetch-site': 'cross-site' },
      { 'sec-fetch-site': 'cross-site' },
      { 'sec-fetch-site': 'same-site' },
    ] as Record<string, string>[]) {
      await c.get('/home');
      const res = await c.post('/lang/es', { next: '/home' }, { headers });
      expect(res.statusCode, JSON.stringify(headers)).toBe(403);
      expect(res.body).toContain('This form has expired');
    }
    expect(await languageChanged()).toBe(false);

    // The sign-in form too: another site cannot sign a browser in to an account of its choosing.
    const visitor = new Client(app, { 'accept-language': 'es' });
    await visitor.get('/sign-in');
    const login = await visitor.post('/sign-in', { username: parent.username, password: DEMO_PASSWORD }, { headers: { origin: 'https://evil.example' } });
    expect(login.statusCode).toBe(403);
    expect(login.body).toContain('Este formulario venció');
    expect(login.cookies.find((k) => k.name === 'hr_session')).toBeUndefined();
  });

  it("accepts forms from the portal's own origin: BASE_URL's, or the address the request was sent to", async () => {
    const c = await signedIn(parent.username);
    for (const headers of [
      {},
      { origin: 'http://portal.test' },
      { origin: 'http://portal.test', 'sec-fetch-site': 'same-origin' },
      { 'sec-fetch-site': 'same-origin' },
      { 'sec-fetch-site': 'none' },
      // A laptop reached as 127.0.0.1 or as localhost, whatever BASE_URL says.
      { host: '127.0.0.1:3000', origin: 'http://127.0.0.1:3000', 'sec-fetch-site': 'same-origin' },
      { host: 'localhost:3000', origin: 'http://localhost:3000' },
    ] as Record<string, string>[]) {
      await c.get('/home');
      const res = await c.post('/lang/en', { next: '/home' }, { headers });
      expect(res.statusCode, JSON.stringify(headers)).toBe(303);
    }
    // But not an Origin that only names another port of the same host.
    await c.get('/home');
    refused(await c.post('/lang/en', { next: '/home' }, { headers: { host: 'localhost:3000', origin: 'http://localhost:4000' } }));
  });

  it('sends a form posted after its session ended to sign in again, coming back to its page, without running it', async () => {
    const c = await signedIn(parent.username);
    await c.get('/account');
    time.advance(31 * MINUTE);
    // The language form of the account page: back to that page (named by the Referer) after signing in.
    const res = await c.post('/lang/es', { next: '/account' }, { headers: { origin: 'http://portal.test', referer: 'http://portal.test/account?pin=saved' } });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(`/sign-in?next=${encodeURIComponent('/account?pin=saved')}`);
    expect(res.cookies.find((k) => k.name === 'hr_lang')).toBeUndefined();
    expect(await languageChanged()).toBe(false);
    const page = await c.get(res.headers.location as string);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Please sign in to continue.');

    // Without a Referer (or with another site's, or one that names only the origin), the form's own address.
    const again = await signedIn(parent.username);
    await again.get('/account/password');
    time.advance(31 * MINUTE);
    for (const headers of [{}, { referer: 'https://evil.example/account' }, { referer: 'http://portal.test/' }] as Record<string, string>[]) {
      const expired = await again.post('/account/password', { current: DEMO_PASSWORD, password: 'quartz meadow lantern', confirm: 'quartz meadow lantern' }, { headers });
      expect(expired.statusCode).toBe(303);
      expect(expired.headers.location).toBe('/sign-in?next=%2Faccount%2Fpassword');
    }
    // The sign-in page's own form still works with the ended session's cookie in the browser.
    expect(again.cookies.get('hr_session')).toBeTruthy();
    await again.get('/sign-in');
    expect((await again.post('/sign-in', { username: parent.username, password: DEMO_PASSWORD })).statusCode).toBe(303);
    // A cross-site request with an ended session's cookie is still refused outright.
    const stale = await signedIn(parent.username);
    await stale.get('/home');
    time.advance(31 * MINUTE);
    refused(await stale.post('/lang/es', { next: '/home' }, { headers: { origin: 'https://evil.example' } }));
  });
});

describeEachEngine('form origins behind a proxy', (get) => {
  it("takes the scheme and host a trusted proxy forwarded as the request's own, and only a trusted proxy's", async () => {
    const app = await makeApp(get(), { env: { TRUST_PROXY: '10.0.0.0/8' } });
    try {
      const forwarded = { host: 'internal:3000', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'portal.example.org', origin: 'https://portal.example.org' };
      const viaProxy = new Client(app, {}, '10.0.0.5');
      await viaProxy.get('/sign-in');
      expect((await viaProxy.post('/sign-in', { username: 'nobody', password: 'x' }, { headers: forwarded })).statusCode).toBe(401);
      // The same headers from a client that is not a listed proxy say nothing.
      const direct = new Client(app, {}, '203.0.113.5');
      await direct.get('/sign-in');
      expect((await direct.post('/sign-in', { username: 'nobody', password: 'x' }, { headers: forwarded })).statusCode).toBe(403);
    } finally {
      await app.close();
    }
  });
});
