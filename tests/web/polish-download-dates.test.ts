/**
 * Issue 23, "download file names use the UTC date": at 9:40 p.m. in Chicago on Saturday Dec 5 2026 it is
 * already 03:40 on Dec 6 in UTC; the activation keys and letters made then are named for Dec 5, the
 * district's date.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { makeApp } from '../support/app.js';
import { describeEachEngine } from '../support/db.js';
import { schoolYear, staffMember, student, type StaffFixture, type StudentFixture } from '../support/factories.js';
import { Client } from '../support/http.js';

describeEachEngine('dates in download names are the district’s', (get) => {
  let app: FastifyInstance;
  let office: StaffFixture;
  const pupils: StudentFixture[] = [];

  beforeAll(async () => {
    const db = get().db;
    const world = await schoolYear(db, { today: '2026-12-05', timeZone: 'America/Chicago' });
    office = await staffMember(db, world, { first: 'Olive', last: 'Office', roles: [{ role: 'office' }] });
    pupils.push(await student(db, world, { first: 'Ada', last: 'Lee' }), await student(db, world, { first: 'Ben', last: 'Lee' }));
    // Dec 5, 21:40 in Chicago (UTC−6) is Dec 6, 03:40 UTC.
    app = await makeApp(get(), { now: () => new Date('2026-12-06T03:40:00Z') });
  });
  afterAll(() => app?.close());
  beforeEach(async () => {
    await get().db.deleteFrom('throttle').execute();
  });

  const signedIn = async () => {
    const c = new Client(app, {}, '10.23.6.1');
    const res = await c.submit('/sign-in', { username: office.account!.username, password: office.account!.password });
    expect(res.statusCode).toBe(303);
    return c;
  };

  it('names the keys CSV and the letters PDF for Dec 5', async () => {
    const c = await signedIn();
    const csv = await c.submit('/staff/activation-keys', { numbers: pupils[0]!.number, include: 'students', format: 'csv' });
    expect(csv.statusCode, csv.body.slice(0, 300)).toBe(200);
    expect(csv.headers['content-disposition']).toBe('attachment; filename="activation-keys-2026-12-05.csv"');
    const pdf = await c.submit('/staff/activation-keys', { numbers: pupils[1]!.number, include: 'students', format: 'pdf' });
    expect(pdf.statusCode).toBe(200);
    expect(pdf.headers['content-disposition']).toBe('attachment; filename="activation-letters-2026-12-05.pdf"');
  });
});
