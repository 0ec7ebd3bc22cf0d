/**
 * Who may open the staff and administrator pages this change added: every role against every route,
 * GET and POST. Nobody signed in is sent to sign in; families and teachers are refused; office staff
 * reach Account help but not the administrators' email page; district administrators reach both.
 * (The one-registry authorization matrix of issue 17 will take these rows over.)
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DEMO_PASSWORD } from '../../src/domain/demo/generate.js';
import { loadDemo } from '../../src/domain/demo/load.js';
import { parsePortalSettings } from '../../src/domain/district/settings.js';
import { makeApp } from '../support/app.js';
import { describeEachEngine } from '../support/db.js';
import { Client } from '../support/http.js';

type Role = 'anonymous' | 'student' | 'parent' | 'teacher' | 'office' | 'district_admin';
const ROLES: Role[] = ['anonymous', 'student', 'parent', 'teacher', 'office', 'district_admin'];

/** [method, path, body, the roles that get in] — an id of 999999 names nothing, so a role that gets in gets 404 for it. */
const ROUTES: [string, string, Record<string, string>, Role[]][] = [
  ['GET', '/staff/account-help', {}, ['office', 'district_admin']],
  ['GET', '/staff/account-help?number=0000', {}, ['office', 'district_admin']],
  ['POST', '/staff/account-help/reissue', { studentId: '999999' }, ['office', 'district_admin']],
  ['POST', '/staff/account-help/unlock', { accountId: '999999' }, ['office', 'district_admin']],
  ['POST', '/staff/account-help/reset-link', { accountId: '999999' }, ['office', 'district_admin']],
  ['POST', '/staff/account-help/key', { accountId: '999999' }, ['office', 'district_admin']],
  ['GET', '/admin/mail', {}, ['district_admin']],
  ['POST', '/admin/mail/retry', { id: '999999' }, ['district_admin']],
];

describeEachEngine('who may open the new staff and administrator pages', (get) => {
  let app: FastifyInstance;
  const clients = new Map<Role, Client>();

  beforeAll(async () => {
    await loadDemo(get(), { students: 20, seed: 31, startYear: 2026 });
    app = await makeApp(get());
    const district = await get().db.selectFrom('district').select('settings').executeTakeFirstOrThrow();
    const accounts = parsePortalSettings(district.settings).demo?.accounts ?? [];
    for (const role of ROLES) {
      const c = new Client(app);
      await c.get('/sign-in');
      const account = accounts.find((a) => a.role === role);
      if (account) {
        // The student's first password must be changed first: give the account its own.
        const password = role === 'student' ? 'river stone lantern' : DEMO_PASSWORD;
        if (role === 'student') {
          await c.submit('/sign-in', { username: account.username, password: account.password });
          await c.get('/account/password');
          await c.post('/account/password', { password, confirm: password });
        } else {
          await c.submit('/sign-in', { username: account.username, password });
        }
        expect((await c.get('/home')).statusCode, role).toBe(200);
      }
      clients.set(role, c);
    }
  });
  afterAll(() => app.close());

  for (const [method, path, body, allowed] of ROUTES) {
    it(`${method} ${path}`, async () => {
      for (const role of ROLES) {
        const c = clients.get(role)!;
        await c.get('/home');
        const res = method === 'GET' ? await c.get(path) : await c.post(path, body);
        if (role === 'anonymous') {
          expect(res.statusCode, `${role} ${path}`).toBe(303);
          expect(String(res.headers.location)).toMatch(/^\/sign-in/);
        } else if (allowed.includes(role)) {
          expect([200, 404], `${role} ${path}`).toContain(res.statusCode);
        } else {
          expect(res.statusCode, `${role} ${path}`).toBe(403);
        }
      }
    });
  }
});
