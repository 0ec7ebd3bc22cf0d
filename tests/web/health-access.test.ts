/**
 * Who may open and write the nurse's health records: every route, GET and POST, as every role. Nobody
 * signed in is sent to sign in; families and staff without a nurse role get the staff pages' 403; a
 * nurse of another school gets 404 for every record of this school and its lists leave the student
 * out; only the school's nurse reads and writes. Every refused write leaves the records, their change
 * events and the audit of writes exactly as they were.
 */
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { DB } from '../../src/db/schema.js';
import { makeApp } from '../support/app.js';
import { describeEachEngine } from '../support/db.js';
import { guardianWithChild, immunizations, otherSchool, schoolYear, staffMember, vaccine, type AccountFixture } from '../support/factories.js';
import { Client } from '../support/http.js';

const TODAY = '2027-02-09';
type Role = 'anonymous' | 'student' | 'parent' | 'teacher' | 'office' | 'counselor' | 'district_admin' | 'otherNurse' | 'nurse';
/** The nurse goes last: their writes change the data the others must leave alone. */
const ROLES: Role[] = ['anonymous', 'student', 'parent', 'teacher', 'office', 'counselor', 'district_admin', 'otherNurse', 'nurse'];

/** What the records look like, to prove a refused write changed nothing. */
async function snapshot(db: Kysely<DB>) {
  return {
    doses: await db.selectFrom('immunization_doses').selectAll().orderBy('id').execute(),
    exemptions: await db.selectFrom('immunization_exemptions').selectAll().orderBy('id').execute(),
    changes: await db.selectFrom('change_events').selectAll().orderBy('id').execute(),
    writes: await db.selectFrom('audit_log').select(['id', 'action']).where('action', 'like', 'health.%').where('action', '!=', 'health.record.viewed').orderBy('id').execute(),
  };
}

describeEachEngine('who may open and write the nurse’s health records', (get) => {
  let app: FastifyInstance;
  let db: Kysely<DB>;
  const clients = new Map<Role, Client>();
  let routes: [string, string, Record<string, string>][] = [];

  beforeAll(async () => {
    db = get().db;
    const world = await schoolYear(db, { today: TODAY });
    const middle = await otherSchool(db);
    const mmr = await vaccine(db, { code: 'MMR', name: 'Measles, mumps, rubella (MMR)', requirements: [{ gradeLow: 6, gradeHigh: 12, doses: 2 }] });
    const family = await guardianWithChild(db, world, { student: { first: 'Maya', last: 'Ortiz', number: '00412', birthDate: '2010-03-14', grade: 11 } });
    await immunizations(db, family.student, mmr, { doses: ['2011-04-01'], exemption: { kind: 'medical', granted: '2020-01-10' } });
    const dose = await db.selectFrom('immunization_doses').select('id').executeTakeFirstOrThrow();
    const exemption = await db.selectFrom('immunization_exemptions').select('id').executeTakeFirstOrThrow();
    const staff = async (first: string, role: 'teacher' | 'office' | 'counselor' | 'district_admin' | 'nurse', schoolId?: number | null) =>
      (await staffMember(db, world, { first, last: 'Fixture', roles: [{ role, ...(schoolId !== undefined ? { schoolId } : {}) }] })).account!;
    const logins: Partial<Record<Role, AccountFixture>> = {
      student: family.studentAccount!,
      parent: family.guardianAccount!,
      teacher: await staff('Tess', 'teacher'),
      office: await staff('Otto', 'office'),
      counselor: await staff('Cora', 'counselor'),
      district_admin: await staff('Dana', 'district_admin', null),
      otherNurse: await staff('Ned', 'nurse', middle.id),
      nurse: await staff('Nia', 'nurse'),
    };
    app = await makeApp(get(), { now: () => new Date(`${TODAY}T18:00:00Z`) });
    let address = 0;
    for (const role of ROLES) {
      const c = new Client(app, {}, `10.8.0.${++address}`);
      await c.get('/sign-in');
      const login = logins[role];
      if (login) expect((await c.submit('/sign-in', { username: login.username, password: login.password })).statusCode, role).toBe(303);
      clients.set(role, c);
    }
    const maya = family.student.id;
    routes = [
      ['GET', '/staff/health', {}],
      ['GET', '/staff/health?number=412', {}],
      ['GET', `/staff/health/students/${maya}`, {}],
      ['GET', `/staff/health/doses/${dose.id}`, {}],
      ['GET', '/staff/health/compliance', {}],
      ['GET', '/staff/health/compliance.csv', {}],
      ['POST', `/staff/health/students/${maya}/doses`, { vaccine: String(mmr.id), date: '2027-02-08', source: 'school_clinic' }],
      ['POST', `/staff/health/students/${maya}/exemptions`, { exemptionVaccine: String(mmr.id), kind: 'religious', granted: '2026-09-01', expires: '' }],
      ['POST', `/staff/health/doses/${dose.id}`, { vaccine: String(mmr.id), date: '2015-05-05', source: 'provider_record' }],
      ['POST', `/staff/health/doses/${dose.id}/remove`, {}],
      ['POST', `/staff/health/exemptions/${exemption.id}/remove`, {}],
    ];
  });
  afterAll(() => app?.close());

  it('answers every route as each role allows, and a refused write changes nothing', async () => {
    for (const [method, path, body] of routes) {
      for (const role of ROLES) {
        const c = clients.get(role)!;
        await c.get('/home'); // a fresh CSRF token
        const before = await snapshot(db);
        const res = method === 'GET' ? await c.get(path) : await c.post(path, body);
        const what = `${role} ${method} ${path}`;
        // The header names who is signed in (Maya herself, for the student): look at the page's own content.
        const main = /<main\b[\s\S]*<\/main>/.exec(res.body)?.[0] ?? res.body;
        if (role === 'anonymous') {
          expect(res.statusCode, what).toBe(303);
          expect(String(res.headers.location), what).toMatch(/^\/sign-in/);
        } else if (role === 'nurse') {
          const expected = method === 'POST' || path.includes('number=') ? 303 : 200;
          expect(res.statusCode, what).toBe(expected);
          if (method === 'POST') expect(await snapshot(db), what).not.toEqual(before);
          continue;
        } else if (role === 'otherNurse') {
          // Their own pages open; this school's records answer as if they did not exist.
          const open = path === '/staff/health' || path.startsWith('/staff/health/compliance');
          expect(res.statusCode, what).toBe(open ? 200 : 404);
          expect(main, what).not.toContain('Maya');
        } else {
          expect(res.statusCode, what).toBe(403);
          expect(main, what).toContain('This page is for school nurses.');
          expect(main, what).not.toContain('Maya');
        }
        expect(await snapshot(db), what).toEqual(before);
      }
    }
  });
});
