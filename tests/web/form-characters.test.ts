/**
 * Names and addresses typed by the public reach staff screens: bidirectional controls (U+202E and
 * friends), which would make them read otherwise than they are stored, are refused like other
 * control characters, at their field, in the reader's language.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DEMO_PASSWORD } from '../../src/domain/demo/generate.js';
import { loadDemo } from '../../src/domain/demo/load.js';
import { parsePortalSettings } from '../../src/domain/district/settings.js';
import { makeApp } from '../support/app.js';
import { describeEachEngine } from '../support/db.js';
import { Client } from '../support/http.js';

const BIDI = ['\u202a', '\u202b', '\u202c', '\u202d', '\u202e', '\u2066', '\u2067', '\u2068', '\u2069', '\u200e', '\u200f', '\u061c'];

describeEachEngine('bidirectional controls in public forms', (get) => {
  let app: FastifyInstance;
  let parentUsername: string;
  let ipCounter = 0;
  beforeAll(async () => {
    await loadDemo(get(), { students: 40, seed: 47, startYear: 2026 });
    app = await makeApp(get());
    const district = await get().db.selectFrom('district').select('settings').executeTakeFirstOrThrow();
    parentUsername = parsePortalSettings(district.settings).demo!.accounts.find((a) => a.role === 'parent')!.username;
  });
  afterAll(() => app.close());

  const visitor = (headers: Record<string, string> = {}) => new Client(app, headers, `198.51.100.${++ipCounter}`);
  const requestForm = (fields: Record<string, string>) => ({
    studentFirstName: 'Allen',
    studentLastName: 'Alda',
    studentNumber: '',
    studentEmail: '',
    resetFor: 'student',
    parentFirstName: '',
    parentLastName: '',
    parentEmail: '',
    comments: '',
    website: '',
    ...fields,
  });
  const count = async (table: 'account_requests' | 'change_requests') =>
    Number((await get().db.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

  it('refuses every bidirectional control in every name field of the account request form, and keeps nothing', async () => {
    const before = await count('account_requests');
    for (const c of BIDI) {
      for (const [field, value] of [
        ['studentFirstName', `Al${c}len`],
        ['studentLastName', `${c}Alda`],
        ['parentFirstName', `Di${c}ane`],
        ['parentLastName', `Alda${c}`],
        ['comments', `Please reset\n${c}it`],
      ] as const) {
        const extra: Record<string, string> = field.startsWith('parent')
          ? { resetFor: 'parent', parentFirstName: 'Diane', parentLastName: 'Alda', parentEmail: 'diane@example.com' }
          : {};
        const res = await visitor().submit('/request-account', requestForm({ ...extra, [field]: value }));
        expect(res.statusCode, `${field} ${c.codePointAt(0)!.toString(16)}`).toBe(400);
        expect(res.body).toContain('This contains characters that are not allowed.');
        expect(res.body).toContain(`href="#${field}"`);
      }
    }
    // In Spanish too.
    const es = await visitor({ 'accept-language': 'es' }).submit('/request-account', requestForm({ studentLastName: 'Alda \u202Etxt.exe' }));
    expect(es.statusCode).toBe(400);
    expect(es.body).toContain('Contiene caracteres que no están permitidos.');
    expect(await count('account_requests')).toBe(before);
    // The same form without them is taken.
    expect((await visitor().submit('/request-account', requestForm({ studentLastName: 'Alda' }))).statusCode).toBe(303);
  });

  it('refuses them in the contact change form, and sends nothing to staff', async () => {
    const c = new Client(app);
    await c.submit('/sign-in', { username: parentUsername, password: DEMO_PASSWORD });
    const page = await c.get('/account/contact');
    expect(page.statusCode).toBe(200);
    // The form as the page fills it (the values on record), with one field changed.
    const filled = Object.fromEntries(
      [...page.body.matchAll(/<input[^>]*name="([a-zA-Z0-9]+)"[^>]*value="([^"]*)"/g)]
        .filter((m) => m[1] !== '_csrf')
        .map((m) => [m[1]!, m[2]!.replace(/&amp;/g, '&').replace(/&quot;/g, '"').replace(/&#39;/g, "'")]),
    );
    expect(filled).toHaveProperty('addressLine1');
    for (const ch of BIDI) {
      for (const [field, value] of [
        ['addressLine1', `12${ch} Elm Street`],
        ['addressLine2', `Apt ${ch}4`],
        ['city', `Spring${ch}field`],
      ] as const) {
        await c.get('/account/contact');
        const res = await c.post('/account/contact', { ...filled, addressLine1: filled.addressLine1 || '1 Main St', city: filled.city || 'Springfield', state: filled.state || 'CA', postalCode: filled.postalCode || '90001', [field]: value });
        expect(res.statusCode, `${field} ${ch.codePointAt(0)!.toString(16)}`).toBe(400);
        expect(res.body).toContain('This contains characters that are not allowed.');
        expect(res.body).toContain(`href="#${field}"`);
      }
    }
    expect(await count('change_requests')).toBe(0);
  });
});
