/**
 * The devices page and the push subscription endpoints (issue 22), over HTTP: listing and removing a
 * device (families and staff), subscribing and unsubscribing by JSON with the page's CSRF token, every
 * bad input answered with a 4xx and a message in the reader's language, one account never taking over
 * or removing another's device; the manifest, the icons, and the headers the service worker keys its
 * saved pages by (and the sign-out's Clear-Site-Data).
 */
import { createECDH, randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { endpointProblem } from '../../src/domain/notifications/push.js';
import { makeApp } from '../support/app.js';
import { describeEachEngine } from '../support/db.js';
import { account, FIXTURE_PASSWORD, guardianWithChild, schoolYear, type Family, type World } from '../support/factories.js';
import { Client, clock } from '../support/http.js';

const b64 = (b: Buffer) => b.toString('base64url');
function deviceKeys() {
  const ecdh = createECDH('prime256v1');
  return { p256dh: b64(ecdh.generateKeys()), auth: b64(randomBytes(16)) };
}
const endpoint = () => `https://push.example.net/wpush/v2/${randomBytes(24).toString('base64url')}`;

/** PNG width and height from its IHDR chunk (bytes 16–23). */
function pngSize(body: Buffer): [number, number] {
  expect(body.subarray(1, 4).toString('latin1')).toBe('PNG');
  return [body.readUInt32BE(16), body.readUInt32BE(20)];
}

describeEachEngine('devices that get notifications', (get) => {
  const time = clock('2027-02-09T18:00:00Z');
  let app: FastifyInstance;
  let world: World;
  let maria: Family;
  let jose: Family;
  let staffUsername: string;

  beforeAll(async () => {
    world = await schoolYear(get().db);
    await get().db.updateTable('district').set({ portal_name: 'Cedar Valley Portal', color_primary: '#2e6276' }).execute();
    maria = await guardianWithChild(get().db, world, { accounts: 'guardian' });
    jose = await guardianWithChild(get().db, world, { accounts: 'guardian', locale: 'es', guardian: { first: 'José', last: 'Reyes' } });
    const staff = await get()
      .db.insertInto('staff')
      .values({ sourced_id: null, staff_number: 'T900', first_name: 'Reagan', last_name: 'Carter', email: null, phone: null, title: null, school_id: world.school.id, created_at: '2026-08-01T00:00:00Z', updated_at: '2026-08-01T00:00:00Z', updated_by: null })
      .returning('id')
      .executeTakeFirstOrThrow();
    await get().db.insertInto('staff_roles').values({ staff_id: staff.id, role: 'teacher', school_id: world.school.id }).execute();
    staffUsername = 'rcarter.fixture';
    const made = await account(get().db, { guardian: maria.guardian }, { username: staffUsername });
    await get().db.updateTable('user_accounts').set({ person_kind: 'staff', guardian_id: null, staff_id: staff.id }).where('id', '=', made.id).execute();
    app = await makeApp(get(), { now: time.now });
  });
  afterAll(() => app.close());

  const signedIn = async (username: string) => {
    const c = new Client(app);
    const res = await c.submit('/sign-in', { username, password: FIXTURE_PASSWORD });
    expect(res.statusCode).toBe(303);
    await c.get('/account/notifications/devices');
    return c;
  };
  const json = (c: Client, url: string, body: unknown, { csrf = true } = {}) =>
    app.inject({
      method: 'POST',
      url,
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      cookies: Object.fromEntries(c.cookies),
      payload: JSON.stringify(csrf ? { _csrf: c.csrf, ...(body as object) } : body),
    });
  const devicesOf = (accountId: number) => get().db.selectFrom('push_subscriptions').selectAll().where('account_id', '=', accountId).orderBy('id').execute();

  it('subscribes this device, lists it by its name, and takes it off again', async () => {
    const c = await signedIn(maria.guardianAccount!.username);
    expect(c.last!.body).toContain('No device gets notifications yet.');
    expect(c.last!.body).toContain('Turning notifications on needs JavaScript');
    const address = endpoint();
    const keys = deviceKeys();
    const res = await json(c, '/account/notifications/devices/subscribe', { endpoint: address, keys, deviceName: '  Maria’s phone ' });
    expect(res.statusCode).toBe(200);
    const rows = await devicesOf(maria.guardianAccount!.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ endpoint: address, p256dh: keys.p256dh, auth: keys.auth, device_name: 'Maria’s phone' });
    const page = await c.get('/account/notifications/devices');
    expect(page.body).toContain('Maria’s phone');
    expect(page.body).toContain('aria-label="Remove Maria’s phone"');
    // the same device again, renamed: still one row
    expect((await json(c, '/account/notifications/devices/subscribe', { endpoint: address, keys, deviceName: 'Kitchen tablet' })).statusCode).toBe(200);
    expect((await devicesOf(maria.guardianAccount!.id)).map((d) => d.device_name)).toEqual(['Kitchen tablet']);
    const off = await json(c, '/account/notifications/devices/unsubscribe', { endpoint: address });
    expect(off.json()).toEqual({ removed: true });
    expect(await devicesOf(maria.guardianAccount!.id)).toEqual([]);
  });

  it('answers every bad subscription with a 400 and a message in the reader’s language, writing nothing', async () => {
    const c = await signedIn(jose.guardianAccount!.username);
    const good = { endpoint: endpoint(), keys: deviceKeys(), deviceName: 'Teléfono' };
    const cases: [unknown, string, string][] = [
      [{ ...good, endpoint: 'http://push.example.net/x' }, 'endpoint', 'El navegador dio una dirección para notificaciones que no se puede usar.'],
      [{ ...good, endpoint: `https://push.example.net/${'a'.repeat(1100)}` }, 'endpoint', 'El navegador dio una dirección para notificaciones que no se puede usar.'],
      [{ ...good, endpoint: 'not a url' }, 'endpoint', 'El navegador dio una dirección para notificaciones que no se puede usar.'],
      [{ ...good, endpoint: 42 }, 'endpoint', 'El navegador dio una dirección para notificaciones que no se puede usar.'],
      [{ ...good, keys: { p256dh: good.keys.p256dh, auth: b64(randomBytes(8)) } }, 'keys', 'El navegador dio claves para notificaciones que no se pueden usar.'],
      [{ ...good, keys: { p256dh: 'not*base64', auth: good.keys.auth } }, 'keys', 'El navegador dio claves para notificaciones que no se pueden usar.'],
      [{ ...good, keys: 'none' }, 'keys', 'El navegador dio claves para notificaciones que no se pueden usar.'],
      [{ ...good, deviceName: '   ' }, 'deviceName', 'Este campo es obligatorio.'],
      [{ ...good, deviceName: 'x'.repeat(61) }, 'deviceName', 'Es demasiado largo.'],
      [{ ...good, deviceName: 'Phone\u202e' }, 'deviceName', ''],
    ];
    for (const [body, field, message] of cases) {
      const res = await json(c, '/account/notifications/devices/subscribe', body);
      expect(res.statusCode, JSON.stringify(body).slice(0, 80)).toBe(400);
      const errors = res.json<{ errors: Record<string, string> }>().errors;
      expect(Object.keys(errors)).toEqual([field]);
      if (message) expect(errors[field]).toBe(message);
    }
    // too large a body: refused before it is read
    const huge = await json(c, '/account/notifications/devices/subscribe', { ...good, deviceName: 'x'.repeat(5000) });
    expect(huge.statusCode).toBe(413);
    // without the page's token, or from another site: refused
    expect((await json(c, '/account/notifications/devices/subscribe', good, { csrf: false })).statusCode).toBe(403);
    const crossSite = await app.inject({
      method: 'POST',
      url: '/account/notifications/devices/subscribe',
      headers: { 'content-type': 'application/json', 'sec-fetch-site': 'cross-site' },
      cookies: Object.fromEntries(c.cookies),
      payload: JSON.stringify({ _csrf: c.csrf, ...good }),
    });
    expect(crossSite.statusCode).toBe(403);
    expect(await devicesOf(jose.guardianAccount!.id)).toEqual([]);
    // signed out: JSON says so
    const stranger = new Client(app);
    await stranger.get('/sign-in');
    expect((await json(stranger, '/account/notifications/devices/subscribe', good)).statusCode).toBe(401);
  });

  it('one account can neither take over nor remove another’s device', async () => {
    const m = await signedIn(maria.guardianAccount!.username);
    const j = await signedIn(jose.guardianAccount!.username);
    const address = endpoint();
    const keys = deviceKeys();
    expect((await json(m, '/account/notifications/devices/subscribe', { endpoint: address, keys, deviceName: 'Maria phone' })).statusCode).toBe(200);
    const [device] = await devicesOf(maria.guardianAccount!.id);
    // José names Maria's device's address with his own keys: refused, her row unchanged
    const taken = await json(j, '/account/notifications/devices/subscribe', { endpoint: address, keys: deviceKeys(), deviceName: 'Mine now' });
    expect(taken.statusCode).toBe(409);
    expect(taken.json()).toMatchObject({ error: 'taken', message: 'Este dispositivo ya recibe las notificaciones de otra persona.' });
    expect(await devicesOf(maria.guardianAccount!.id)).toEqual([device]);
    // nor unsubscribe it, nor remove it by id
    expect((await json(j, '/account/notifications/devices/unsubscribe', { endpoint: address })).json()).toEqual({ removed: false });
    await j.get('/account/notifications/devices');
    const removed = await j.post(`/account/notifications/devices/${device!.id}/remove`, {});
    expect(removed.statusCode).toBe(404);
    expect(removed.body).toContain('Ese dispositivo no está en su lista');
    expect((await j.post('/account/notifications/devices/abc/remove', {})).statusCode).toBe(404);
    expect((await j.post('/account/notifications/devices/99999999999/remove', {})).statusCode).toBe(404);
    expect(await devicesOf(maria.guardianAccount!.id)).toEqual([device]);
    // a forged form (no token) removes nothing either
    expect((await m.post(`/account/notifications/devices/${device!.id}/remove`, {}, { csrf: false })).statusCode).toBe(403);
    // Maria removes it herself
    await m.get('/account/notifications/devices');
    const mine = await m.post(`/account/notifications/devices/${device!.id}/remove`, {});
    expect(mine.headers.location).toBe('/account/notifications/devices?removed=1');
    expect((await m.get('/account/notifications/devices?removed=1')).body).toContain('The device was removed. It gets no more notifications from Cedar Valley Portal.');
    expect(await devicesOf(maria.guardianAccount!.id)).toEqual([]);
  });

  it('staff accounts have the page too; signed out it asks to sign in', async () => {
    const s = await signedIn(staffUsername);
    expect(s.last!.statusCode).toBe(200);
    expect(s.last!.body).toContain('Devices that get notifications');
    expect((await json(s, '/account/notifications/devices/subscribe', { endpoint: endpoint(), keys: deviceKeys(), deviceName: 'Office PC' })).statusCode).toBe(200);
    const stranger = new Client(app);
    const page = await stranger.get('/account/notifications/devices');
    expect(page.statusCode).toBe(303);
    expect(page.headers.location).toBe('/sign-in?next=%2Faccount%2Fnotifications%2Fdevices');
  });

  it('refuses local and private push addresses in production, and http everywhere', () => {
    for (const bad of ['https://127.0.0.1/push/1', 'https://localhost/push', 'https://10.0.0.8/x', 'https://[::1]/x', 'https://intranet/x', 'https://printer.local/x', 'https://u:p@push.example.net/x']) {
      expect(endpointProblem(bad, true), bad).toBe('push.error.endpoint');
    }
    expect(endpointProblem('http://push.example.net/x', false)).toBe('push.error.endpoint');
    expect(endpointProblem('https://127.0.0.1:4443/push/1', false)).toBeNull();
    expect(endpointProblem('https://fcm.googleapis.com/fcm/send/abc:def', true)).toBeNull();
    expect(endpointProblem('https://web.push.apple.com/QGx', true)).toBeNull();
  });

  it('serves the manifest from the district’s name and colour, with its icons', async () => {
    const c = new Client(app);
    const res = await c.get('/manifest.webmanifest?lang=es');
    expect(res.headers['content-type']).toBe('application/manifest+json; charset=utf-8');
    expect(res.json()).toMatchObject({
      name: 'Cedar Valley Portal',
      short_name: 'Cedar Valley',
      start_url: '/home',
      scope: '/',
      display: 'standalone',
      theme_color: '#2e6276',
      lang: 'es',
      description: 'Calificaciones, asistencia, horario y mensajes de la escuela, para estudiantes y familias.',
    });
    const icons = res.json<{ icons: { src: string; sizes: string; type: string; purpose?: string }[] }>().icons;
    for (const icon of icons) {
      const file = await c.get(icon.src);
      expect(file.statusCode, icon.src).toBe(200);
      expect(file.headers['content-type']).toBe(icon.type);
      if (icon.type === 'image/png') expect(pngSize(file.rawPayload).join('x')).toBe(icon.sizes);
    }
    expect(icons.some((i) => i.purpose === 'maskable')).toBe(true);
    expect(pngSize((await c.get('/icons/apple-touch-icon.png')).rawPayload)).toEqual([180, 180]);
    expect((await c.get('/icons/..%2Fsw.js')).statusCode).toBe(404);
    expect((await c.get('/icons/constructor')).statusCode).toBe(404);
    const sw = await c.get('/sw.js');
    expect(sw.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(sw.body).toContain('"portalName":"Cedar Valley Portal"');
    expect(sw.body).not.toContain('__CONFIG__');
    expect(sw.headers['content-security-policy']).toContain("worker-src 'self'");
  });

  it('marks pages with their account for the service worker, and clears the cache at sign-out', async () => {
    const m = await signedIn(maria.guardianAccount!.username);
    const j = await signedIn(jose.guardianAccount!.username);
    const today = await m.get(`/students/${maria.student.id}/today`);
    expect(today.statusCode).toBe(200);
    const key = today.headers['x-homeroom-account'];
    expect(key).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(today.headers['x-homeroom-offline']).toBe('1');
    expect((await m.get(`/students/${maria.student.id}/grades`)).headers['x-homeroom-offline']).toBe('1');
    // another tool page: same account, not kept offline
    const attendance = await m.get(`/students/${maria.student.id}/attendance`);
    expect(attendance.headers['x-homeroom-account']).toBe(key);
    expect(attendance.headers['x-homeroom-offline']).toBeUndefined();
    // another child's page: not hers, nothing kept
    const other = await m.get(`/students/${jose.student.id}/today`);
    expect(other.statusCode).toBe(404);
    expect(other.headers['x-homeroom-offline']).toBeUndefined();
    const his = (await j.get(`/students/${jose.student.id}/today`)).headers['x-homeroom-account'];
    expect(his).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(his).not.toBe(key);
    await m.get('/account');
    const out = await m.post('/sign-out', {});
    expect(out.statusCode).toBe(303);
    expect(out.headers['clear-site-data']).toBe('"cache"');
    const signInPage = await m.get(out.headers.location as string);
    expect(signInPage.headers['x-homeroom-account']).toBe('none');
    expect(signInPage.body).toContain('data-signed-out');
  });
});
