import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DEMO_PASSWORD } from '../../src/domain/demo/generate.js';
import { loadDemo } from '../../src/domain/demo/load.js';
import { parsePortalSettings } from '../../src/domain/district/settings.js';
import { makeApp } from '../support/app.js';
import { describeEachEngine } from '../support/db.js';
import { Client } from '../support/http.js';

describeEachEngine('the student switcher', (get) => {
  let app: FastifyInstance;
  let parent: { username: string };
  let children: { id: number; name: string }[];

  beforeAll(async () => {
    await loadDemo(get(), { students: 40, seed: 53, startYear: 2026 });
    app = await makeApp(get());
    const district = await get().db.selectFrom('district').select('settings').executeTakeFirstOrThrow();
    parent = parsePortalSettings(district.settings).demo!.accounts.find((a) => a.role === 'parent')!;
    const guardian = await get().db.selectFrom('user_accounts').select('guardian_id').where('username', '=', parent.username).executeTakeFirstOrThrow();
    const rows = await get()
      .db.selectFrom('student_guardians as sg')
      .innerJoin('students as s', 's.id', 'sg.student_id')
      .select(['s.id', 's.legal_first_name', 's.preferred_first_name', 's.legal_last_name'])
      .where('sg.guardian_id', '=', guardian.guardian_id!)
      .where('sg.portal_access', '=', 1)
      .where('sg.rights_revoked', '=', 0)
      .orderBy('s.birth_date')
      .orderBy('s.id')
      .execute();
    children = rows.map((r) => ({ id: r.id, name: `${r.preferred_first_name ?? r.legal_first_name} ${r.legal_last_name}` }));
  });
  afterAll(() => app.close());

  it('lets a parent of two choose whose records every page shows, and only their own children', async () => {
    expect(children.length).toBeGreaterThanOrEqual(2);
    const c = new Client(app);
    await c.submit('/sign-in', { username: parent.username, password: DEMO_PASSWORD });
    const home = await c.get('/home');
    expect(home.body).toContain('id="student-switcher"');
    expect(home.body).toMatch(new RegExp(`<option value="${children[0]!.id}" selected`));
    // The switcher is on other pages too, and comes back to them.
    const contact = await c.get('/account/contact');
    expect(contact.body).toContain('id="student-switcher"');
    const switched = await c.post('/students/current', { studentId: String(children[1]!.id), next: '/account/contact' });
    expect(switched.statusCode).toBe(303);
    expect(switched.headers.location).toBe('/account/contact');
    expect((await c.get('/home')).body).toMatch(new RegExp(`<option value="${children[1]!.id}" selected`));
    // From any tool's page, including those with a dash in their address or a page inside them, to the same tool of the other child.
    for (const from of ['report-cards', 'report-cards/2', 'grades/41/what-if', 'attendance?term=3', 'transcript']) {
      const res = await c.post('/students/current', { studentId: String(children[1]!.id), next: `/students/${children[0]!.id}/${from}` });
      expect(res.headers.location, from).toBe(`/students/${children[1]!.id}/${from.split(/[/?]/)[0]}`);
    }
    // Another family's student, a made-up id, or an off-site "next": refused or kept on this site.
    const stranger = await get().db.selectFrom('students').select('id').where('id', 'not in', children.map((x) => x.id)).executeTakeFirstOrThrow();
    expect((await c.post('/students/current', { studentId: String(stranger.id), next: '/home' })).statusCode).toBe(404);
    expect((await c.post('/students/current', { studentId: 'abc' })).statusCode).toBe(404);
    expect((await c.post('/students/current', { studentId: String(children[0]!.id), next: 'https://evil.example/' })).headers.location).toBe('/');
    // A court order takes effect on the next page, in this very session.
    await get().db.updateTable('student_guardians').set({ rights_revoked: 1 }).where('student_id', '=', children[0]!.id).execute();
    const after = await c.get('/home');
    expect(after.body).not.toContain(children[0]!.name);
    await get().db.updateTable('student_guardians').set({ rights_revoked: 0 }).where('student_id', '=', children[0]!.id).execute();
  });

  it('is not shown to staff or students', async () => {
    const district = await get().db.selectFrom('district').select('settings').executeTakeFirstOrThrow();
    const teacher = parsePortalSettings(district.settings).demo!.accounts.find((a) => a.role === 'teacher')!;
    const c = new Client(app);
    await c.submit('/sign-in', { username: teacher.username, password: DEMO_PASSWORD });
    expect((await c.get('/home')).body).not.toContain('student-switcher');
    expect((await c.post('/students/current', { studentId: String(children[0]!.id) })).statusCode).toBe(404);
  });
});
