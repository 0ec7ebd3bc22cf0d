/**
 * Issue 23, "activation keys silently skip bad numbers": entering "0004003, 4006, 0004999" made a CSV for
 * one student and said nothing of the other two. Now every number or person that cannot get a key is
 * named with its reason before anything is made, and the office then issues the rest in one step.
 *
 * The fixture: Ada Lee 0004003 (no account), Ben Lee 0004006 (has an account; typed "4006", without
 * its leading zeros), nobody numbered 0004999; Cal Ruiz 0004007 has no parent or guardian at all.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { makeApp } from '../support/app.js';
import { describeEachEngine } from '../support/db.js';
import { account, schoolYear, staffMember, student, type StaffFixture } from '../support/factories.js';
import { textOf } from '../support/html.js';
import { Client } from '../support/http.js';

describeEachEngine('activation keys report every number they cannot use', (get) => {
  let app: FastifyInstance;
  let office: StaffFixture;

  beforeAll(async () => {
    const db = get().db;
    const world = await schoolYear(db, { today: '2026-12-05' });
    office = await staffMember(db, world, { first: 'Olive', last: 'Office', roles: [{ role: 'office' }] });
    await student(db, world, { first: 'Ada', last: 'Lee', number: '0004003' });
    const ben = await student(db, world, { first: 'Ben', last: 'Lee', number: '0004006' });
    await account(db, { student: ben }, {});
    await student(db, world, { first: 'Cal', last: 'Ruiz', number: '0004007' });
    app = await makeApp(get(), { now: () => new Date('2026-12-05T18:00:00Z') });
  });
  afterAll(() => app?.close());
  beforeEach(async () => {
    await get().db.deleteFrom('throttle').execute();
  });

  const signedIn = async (lang = 'en') => {
    const c = new Client(app, { 'accept-language': lang }, '10.23.7.1');
    const res = await c.submit('/sign-in', { username: office.account!.username, password: office.account!.password });
    expect(res.statusCode).toBe(303);
    return c;
  };
  const keys = () => get().db.selectFrom('activation_keys').select(['student_id', 'guardian_id']).execute();

  it('names each number not used and why, makes nothing, then issues the rest when asked', async () => {
    const c = await signedIn();
    const asked = await c.submit('/staff/activation-keys', { numbers: '0004003, 4006, 0004999', include: 'students', format: 'csv' });
    expect(asked.statusCode).toBe(200);
    expect(asked.headers['content-type']).toMatch(/text\/html/);
    const text = textOf(asked.body);
    expect(text).toContain('Nothing has been made yet');
    expect(text).toContain('2 numbers or people cannot get a key:');
    expect(text).toContain('Ben Lee already has an account');
    expect(text).toContain('no student has the number 0004999');
    expect(text).toContain('Issue the other key');
    expect(await keys()).toEqual([]);

    const confirmed = await c.submit('/staff/activation-keys', { numbers: '0004003, 4006, 0004999', include: 'students', format: 'csv', confirm: '1' });
    expect(confirmed.statusCode).toBe(200);
    expect(confirmed.headers['content-type']).toMatch(/text\/csv/);
    expect(confirmed.body).toContain('0004003');
    expect(confirmed.body).not.toContain('0004006');
    expect((await keys()).length).toBe(1);
  });

  it('says when a student has no parent or guardian to give a key to, in Spanish too', async () => {
    const c = await signedIn('es');
    const asked = await c.submit('/staff/activation-keys', { numbers: '4003 4007', include: 'both', format: 'pdf' });
    expect(asked.statusCode).toBe(200);
    const text = textOf(asked.body);
    expect(text).toContain('Todavía no se ha creado nada');
    expect(text).toContain('Cal Ruiz no tiene ningún padre, madre o tutor con acceso al portal');
    expect(text).toContain('Ada Lee no tiene ningún padre, madre o tutor con acceso al portal');
  });

  it('refuses a confirmation that is not "1", as any other bad input', async () => {
    const c = await signedIn();
    const bad = await c.submit('/staff/activation-keys', { numbers: '0004003', include: 'students', format: 'csv', confirm: 'yes' });
    expect(bad.statusCode).toBe(400);
  });
});
