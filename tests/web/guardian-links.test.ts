import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DEMO_PASSWORD } from '../../src/domain/demo/generate.js';
import { loadDemo } from '../../src/domain/demo/load.js';
import { parsePortalSettings } from '../../src/domain/district/settings.js';
import { makeApp } from '../support/app.js';
import { describeEachEngine } from '../support/db.js';
import { Client } from '../support/http.js';

describeEachEngine('staff linking parent accounts to students', (get) => {
  let app: FastifyInstance;
  const demo: Record<string, { username: string }> = {};
  let sameSchool: { number: string; name: string };
  let otherSchool: string;

  beforeAll(async () => {
    await loadDemo(get(), { students: 40, seed: 41, startYear: 2026 });
    app = await makeApp(get());
    const district = await get().db.selectFrom('district').select('settings').executeTakeFirstOrThrow();
    for (const a of parsePortalSettings(district.settings).demo?.accounts ?? []) demo[a.role] ??= a;
    const allen = await get().db.selectFrom('students').select('school_id').where('legal_first_name', '=', 'Allen').executeTakeFirstOrThrow();
    const s = await get()
      .db.selectFrom('students')
      .select(['student_number', 'legal_first_name', 'legal_last_name'])
      .where('school_id', '=', allen.school_id)
      .where('legal_last_name', '!=', 'Alda')
      .where('preferred_first_name', 'is', null)
      .orderBy('id')
      .executeTakeFirstOrThrow();
    sameSchool = { number: s.student_number, name: `${s.legal_first_name} ${s.legal_last_name}` };
    otherSchool = (await get().db.selectFrom('students').select('student_number').where('school_id', '!=', allen.school_id).executeTakeFirstOrThrow()).student_number;
  });
  afterAll(() => app.close());

  const as = async (role: string) => {
    const c = new Client(app);
    await c.submit('/sign-in', { username: demo[role]!.username, password: DEMO_PASSWORD });
    return c;
  };
  const post = (c: Client, action: 'link' | 'unlink', username: string, number: string) =>
    c.submit('/staff/guardian-links', { action, [`${action}-username`]: username, [`${action}-studentNumber`]: number, relationship: 'guardian' });

  it('links a parent account to another student and takes the access away again, at once', async () => {
    const office = await as('office');
    const parent = await as('parent');
    expect((await parent.get('/home')).body).not.toContain(sameSchool.name);
    const linked = await post(office, 'link', demo.parent!.username.toUpperCase(), sameSchool.number);
    expect(linked.statusCode).toBe(200);
    expect(linked.body).toContain(`now sees ${sameSchool.name}`);
    expect((await parent.get('/home')).body).toContain(sameSchool.name);
    expect((await post(office, 'link', demo.parent!.username, sameSchool.number)).statusCode).toBe(409);
    const unlinked = await post(office, 'unlink', demo.parent!.username, sameSchool.number);
    expect(unlinked.body).toContain(`no longer sees ${sameSchool.name}`);
    expect((await parent.get('/home')).body).not.toContain(sameSchool.name);
    expect((await post(office, 'unlink', demo.parent!.username, sameSchool.number)).statusCode).toBe(409);
    const actions = (await get().db.selectFrom('audit_log').select('action').where('action', 'like', 'guardian_link.%').execute()).map((r) => r.action);
    expect(actions).toEqual(['guardian_link.added', 'guardian_link.removed']);
  });

  it('answers every wrong request with the reason at the field', async () => {
    const office = await as('office');
    const cases: [string, string, number, string][] = [
      ['no.such.parent', sameSchool.number, 404, 'No parent account has this username.'],
      [demo.teacher!.username, sameSchool.number, 404, 'No parent account has this username.'],
      [demo.parent!.username, '0000000', 404, 'No student has this number.'],
      [demo.parent!.username, otherSchool, 404, 'No student has this number.'],
      ['', sameSchool.number, 400, 'This field is required.'],
    ];
    for (const [username, number, status, message] of cases) {
      const res = await post(office, 'link', username, number);
      expect(res.statusCode, `${username} ${number}`).toBe(status);
      expect(res.body).toContain(message);
    }
    const revoked = await get()
      .db.selectFrom('student_guardians as sg')
      .innerJoin('students as s', 's.id', 'sg.student_id')
      .select(['sg.guardian_id', 's.student_number'])
      .where('sg.rights_revoked', '=', 1)
      .executeTakeFirstOrThrow();
    const t = new Date().toISOString();
    await get()
      .db.insertInto('user_accounts')
      .values({ username: 'revoked.parent', username_key: 'revoked.parent', person_kind: 'guardian', guardian_id: revoked.guardian_id, created_at: t, updated_at: t, updated_by: null })
      .execute();
    const admin = await as('district_admin');
    const refused = await post(admin, 'link', 'revoked.parent', revoked.student_number);
    expect(refused.statusCode).toBe(403);
    expect(refused.body).toContain('court order');
    expect((await (await as('teacher')).get('/staff/guardian-links')).statusCode).toBe(403);
  });
});
