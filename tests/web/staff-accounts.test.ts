/**
 * Staff accounts and the audit log through the pages (issue 25): every route as every role (nobody
 * signed in, a student, a parent, a teacher, office, nurse, counselor, the school's administrator,
 * another school's administrator, a district administrator), then the flows: the welcome email over
 * real SMTP, deactivation ending a signed-in session, a role change holding from the next request,
 * the SIS's fields and the last administrator refused, bad input in English and Spanish, and the CSV.
 */
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { DB } from '../../src/db/schema.js';
import { jobHandlers } from '../../src/jobs/registry.js';
import { startWorker } from '../../src/jobs/worker.js';
import { makeApp } from '../support/app.js';
import { describeEachEngine } from '../support/db.js';
import { guardianWithChild, otherSchool, schoolYear, staffMember, type AccountFixture, type StaffFixture, type World } from '../support/factories.js';
import { Client } from '../support/http.js';
import { linkIn, startSmtp, type TestSmtp } from '../support/smtp.js';

const TODAY = '2027-02-09';
const NOW = new Date(`${TODAY}T18:00:00.000Z`);

const ROLES = ['anonymous', 'student', 'parent', 'teacher', 'office', 'nurse', 'counselor', 'schoolAdmin', 'otherSchoolAdmin', 'districtAdmin'] as const;
type Role = (typeof ROLES)[number];
const STAFF_ADMINS: Role[] = ['schoolAdmin', 'otherSchoolAdmin', 'districtAdmin'];
const MANAGERS: Role[] = ['schoolAdmin', 'districtAdmin'];
const ADMIN: Role[] = ['districtAdmin'];

/** What the main part of a page says, as text. */
const mainText = (html: string) => (/<main\b[\s\S]*<\/main>/.exec(html)?.[0] ?? html).replace(/<[^>]+>/g, ' ').replace(/&#x27;|&#39;/g, "'").replace(/&quot;/g, '"').replace(/\s+/g, ' ');

describeEachEngine('staff accounts and the audit log, through the pages', (get) => {
  let app: FastifyInstance;
  let db: Kysely<DB>;
  let smtp: TestSmtp;
  let world: World;
  let far: { id: number; name: string };
  let admin: StaffFixture;
  const clients = new Map<Role, Client>();
  let made = 0;

  const runJobs = async () => {
    const worker = startWorker({ database: get(), handlers: jobHandlers({ baseUrl: 'http://portal.test' }), now: () => NOW, pollMs: 0 });
    while (await worker.runOnce());
    await worker.stop();
    await app.services.mailer.flush();
  };
  /** A teacher at the fixture school for a row to act on, each time a new one. */
  const target = async () => staffMember(db, world, { first: 'Tess', last: `Target${++made}`, roles: [{ role: 'teacher' }] });
  const signedIn = async (who: AccountFixture, address: string) => {
    const c = new Client(app, {}, address);
    expect((await c.submit('/sign-in', { username: who.username, password: who.password })).statusCode).toBe(303);
    expect((await c.get('/home')).statusCode).toBe(200);
    return c;
  };

  beforeAll(async () => {
    db = get().db;
    world = await schoolYear(db, { today: TODAY });
    far = await otherSchool(db);
    smtp = await startSmtp();
    app = await makeApp(get(), { now: () => NOW, smtpUrl: smtp.url, demoMode: false });
    const family = await guardianWithChild(db, world, { student: { first: 'Maya', last: 'Ortiz', number: '00412' } });
    const staff = (first: string, role: 'teacher' | 'office' | 'nurse' | 'counselor' | 'school_admin' | 'district_admin', schoolId: number | null = world.school.id) =>
      staffMember(db, world, { first, last: 'Matrix', roles: [{ role, schoolId }] });
    admin = await staff('Dana', 'district_admin', null);
    const logins: Record<Exclude<Role, 'anonymous'>, AccountFixture> = {
      student: family.studentAccount!,
      parent: family.guardianAccount!,
      teacher: (await staff('Rosa', 'teacher')).account!,
      office: (await staff('Otto', 'office')).account!,
      nurse: (await staff('Nia', 'nurse')).account!,
      counselor: (await staff('Cora', 'counselor')).account!,
      schoolAdmin: (await staff('Sara', 'school_admin')).account!,
      otherSchoolAdmin: (await staff('Olaf', 'school_admin', far.id)).account!,
      districtAdmin: admin.account!,
    };
    let n = 0;
    for (const role of ROLES) {
      const c = role === 'anonymous' ? new Client(app, {}, '10.8.0.1') : await signedIn(logins[role], `10.8.0.${++n + 1}`);
      if (role === 'anonymous') await c.get('/sign-in');
      clients.set(role, c);
    }
  });
  afterAll(async () => {
    await app?.close();
    await smtp?.close();
  });

  interface Row {
    method: 'GET' | 'POST';
    url: (id: number) => string;
    body?: (id: number, n: number) => Record<string, string | string[]>;
    gate: Role[];
    allowed: Role[];
    /** the answer to a role of the gate outside `allowed` (404 unless said) */
    outside?: number;
    /** the answers to an allowed role (200 or 303 unless said) */
    ok?: number[];
  }
  const details = (id: number): Record<string, string | string[]> => ({ firstName: 'Tess', lastName: `Target${id}`, email: `tess.${id}@fixture.example.org`, roles: [`teacher@${world.school.id}`, `office@${world.school.id}`] });
  const ROWS: Row[] = [
    { method: 'GET', url: () => '/admin/staff', gate: STAFF_ADMINS, allowed: STAFF_ADMINS },
    { method: 'GET', url: () => '/admin/staff?q=target&role=teacher&page=1', gate: STAFF_ADMINS, allowed: STAFF_ADMINS },
    { method: 'GET', url: () => '/admin/staff/new', gate: STAFF_ADMINS, allowed: STAFF_ADMINS },
    {
      method: 'POST',
      url: () => '/admin/staff/new',
      body: (_id, n) => ({ firstName: 'Nell', lastName: `New${n}`, email: `nell.${n}@fixture.example.org`, username: `nell${n}`, staffNumber: `N-${n}`, roles: `teacher@${world.school.id}` }),
      gate: STAFF_ADMINS,
      allowed: MANAGERS,
      outside: 400,
    },
    { method: 'GET', url: (id) => `/admin/staff/${id}`, gate: STAFF_ADMINS, allowed: MANAGERS },
    { method: 'POST', url: (id) => `/admin/staff/${id}`, body: (id) => details(id), gate: STAFF_ADMINS, allowed: MANAGERS },
    { method: 'POST', url: (id) => `/admin/staff/${id}/deactivate`, gate: STAFF_ADMINS, allowed: MANAGERS },
    { method: 'POST', url: (id) => `/admin/staff/${id}/reactivate`, gate: STAFF_ADMINS, allowed: MANAGERS },
    // The target has no second factor: the district administrator is told there is none to reset (ADR 0037).
    { method: 'POST', url: (id) => `/admin/staff/${id}/second-factor-reset`, gate: STAFF_ADMINS, allowed: ADMIN, ok: [409] },
    { method: 'GET', url: () => '/admin/audit', gate: ADMIN, allowed: ADMIN },
    { method: 'GET', url: () => '/admin/audit?kind=staff&from=2027-02-01', gate: ADMIN, allowed: ADMIN },
    { method: 'GET', url: () => '/admin/audit.csv', gate: ADMIN, allowed: ADMIN },
  ];

  const snapshot = async () => {
    const out: Record<string, string> = {};
    for (const table of ['staff', 'staff_roles', 'user_accounts', 'sessions', 'jobs', 'audit_log'] as const) {
      out[table] = (await db.selectFrom(table).selectAll().execute()).map((r) => JSON.stringify(r)).sort().join('\n');
    }
    return out;
  };

  it('answers every route as every role, and a refused request changes nothing', async () => {
    for (const row of ROWS) {
      const victim = await target();
      const before = await snapshot();
      for (const role of ROLES.filter((r) => !row.allowed.includes(r))) {
        const c = clients.get(role)!;
        const url = row.url(victim.id);
        const res = row.method === 'GET' ? await c.get(url) : await c.post(url, row.body?.(victim.id, ++made) ?? {});
        const what = `${role} ${row.method} ${url}`;
        if (role === 'anonymous') {
          expect(res.statusCode, what).toBe(303);
          expect(String(res.headers.location), what).toBe(`/sign-in?next=${encodeURIComponent(url)}`);
        } else {
          expect(res.statusCode, what).toBe(row.gate.includes(role) ? (row.outside ?? 404) : 403);
        }
        // The session's sign-in already happened; the refused request wrote nothing more (touching a session is not a change of data).
        const after = await snapshot();
        expect({ ...after, sessions: '' }, `${what}: a refused request changed data`).toEqual({ ...before, sessions: '' });
      }
      for (const role of row.allowed) {
        const mine = row.method === 'POST' ? await target() : victim;
        const c = clients.get(role)!;
        const url = row.url(mine.id);
        const res = row.method === 'GET' ? await c.get(url) : await c.post(url, row.body?.(mine.id, ++made) ?? {});
        expect(row.ok ?? [200, 303], `${role} ${row.method} ${url}: ${mainText(res.body).slice(0, 300)}`).toContain(res.statusCode);
      }
    }
  });

  it('lists the tools on Home: staff accounts for school and district administrators, the audit log for the district’s', async () => {
    const home = async (role: Role) => (await clients.get(role)!.get('/home')).body;
    for (const role of ['teacher', 'office', 'nurse', 'counselor'] as const) {
      const body = await home(role);
      expect(body, role).not.toContain('href="/admin/staff"');
      expect(body, role).not.toContain('href="/admin/audit"');
    }
    expect(await home('schoolAdmin')).toContain('href="/admin/staff"');
    expect(await home('schoolAdmin')).not.toContain('href="/admin/audit"');
    expect(await home('districtAdmin')).toContain('href="/admin/staff"');
    expect(await home('districtAdmin')).toContain('href="/admin/audit"');
  });

  it('welcomes a new staff member by email with a link to choose a password, valid the district’s days, then lets them in', async () => {
    const c = clients.get('districtAdmin')!;
    await c.get('/admin/staff/new');
    const created = await c.post('/admin/staff/new', {
      firstName: 'Wendy',
      lastName: 'Welcome',
      email: 'Wendy.Welcome@Fixture.Example.org',
      username: 'wwelcome',
      staffNumber: 'W-1',
      roles: [`nurse@${world.school.id}`],
    });
    expect(created.statusCode).toBe(303);
    const page = await c.get(String(created.headers.location));
    expect(mainText(page.body)).toContain('The account was created. The welcome email is on its way.');
    await runJobs();
    const mail = smtp.messages.find((m) => m.to[0] === 'wendy.welcome@fixture.example.org');
    expect(mail?.subject).toMatch(/account is ready$/);
    expect(mail?.text).toContain('where you work with your students and their families. Your username is wwelcome.');
    expect(mail?.text).toContain('within 14 days');
    const token = await db
      .selectFrom('account_tokens as t')
      .innerJoin('user_accounts as a', 'a.id', 't.account_id')
      .select(['t.created_at', 't.expires_at', 't.purpose'])
      .where('a.username', '=', 'wwelcome')
      .executeTakeFirstOrThrow();
    // 14 days (the district's welcomeLinkDays) from now, worked out by hand.
    expect(token).toEqual({ created_at: '2027-02-09T18:00:00.000Z', expires_at: '2027-02-23T18:00:00.000Z', purpose: 'activation' });
    const link = linkIn(mail!, 'http://portal.test/welcome?token=').replace('http://portal.test', '');
    const wendy = new Client(app, {}, '10.8.1.1');
    expect((await wendy.get(link)).statusCode).toBe(200);
    const done = await wendy.post('/welcome', { token: link.split('token=')[1]!, password: 'lantern orchard quietly', confirm: 'lantern orchard quietly' });
    expect(done.statusCode).toBe(200);
    const signIn = await wendy.submit('/sign-in', { username: 'wwelcome', password: 'lantern orchard quietly' });
    expect(signIn.headers.location).toBe('/home');
    expect((await wendy.get('/staff/health')).statusCode).toBe(200);
  });

  it('ends a deactivated staff member’s session at their next request', async () => {
    const who = await staffMember(db, world, { first: 'Sid', last: 'Session', roles: [{ role: 'office' }] });
    const sid = await signedIn(who.account!, '10.8.2.1');
    expect((await sid.get('/staff/attendance')).statusCode).toBe(200);
    const c = clients.get('districtAdmin')!;
    await c.get(`/admin/staff/${who.id}`);
    const res = await c.post(`/admin/staff/${who.id}/deactivate`, {});
    expect(res.headers.location).toBe(`/admin/staff/${who.id}?done=deactivate`);
    const next = await sid.get('/staff/attendance');
    expect(next.statusCode).toBe(303);
    expect(String(next.headers.location)).toMatch(/^\/sign-in/);
    expect((await new Client(app, {}, '10.8.2.2').submit('/sign-in', { username: who.account!.username, password: who.account!.password })).statusCode).toBe(401);
  });

  it('holds a role change from the staff member’s next request', async () => {
    const who = await staffMember(db, world, { first: 'Rolf', last: 'Roles', roles: [{ role: 'office' }] });
    const rolf = await signedIn(who.account!, '10.8.3.1');
    expect((await rolf.get('/staff/attendance')).statusCode).toBe(200);
    expect((await rolf.get('/staff/health')).statusCode).toBe(403);
    const c = clients.get('districtAdmin')!;
    await c.get(`/admin/staff/${who.id}`);
    const email = (await db.selectFrom('staff').select('email').where('id', '=', who.id).executeTakeFirstOrThrow()).email!;
    const saved = await c.post(`/admin/staff/${who.id}`, { firstName: 'Rolf', lastName: 'Roles', email, roles: [`nurse@${world.school.id}`] });
    expect(saved.statusCode).toBe(303);
    expect((await rolf.get('/staff/attendance')).statusCode).toBe(403);
    expect((await rolf.get('/staff/health')).statusCode).toBe(200);
  });

  it('refuses the SIS’s fields and the last administrator with a message, in English and Spanish', async () => {
    const sis = await staffMember(db, world, { first: 'Sam', last: 'Synced', roles: [{ role: 'teacher' }] });
    await db.updateTable('staff').set({ sourced_id: 'sis-sam-web' }).where('id', '=', sis.id).execute();
    await db.insertInto('oneroster_staff_roles').values({ staff_id: sis.id, role: 'teacher', school_id: world.school.id }).execute();
    const email = (await db.selectFrom('staff').select('email').where('id', '=', sis.id).executeTakeFirstOrThrow()).email!;
    const c = clients.get('districtAdmin')!;
    const page = await c.get(`/admin/staff/${sis.id}`);
    expect(mainText(page.body)).toContain('This staff member comes from the SIS');
    const refused = await c.post(`/admin/staff/${sis.id}`, { firstName: 'Samuel', lastName: 'Synced', email, roles: [`teacher@${world.school.id}`] });
    expect(refused.statusCode).toBe(400);
    expect(mainText(refused.body)).toContain('First name: Managed by the SIS: change it in the SIS, not here.');
    const self = await c.post(`/admin/staff/${admin.id}/deactivate`, {});
    expect(self.statusCode).toBe(409);
    expect(mainText(self.body)).toContain('You cannot deactivate your own account.');
    c.cookies.set('hr_lang', 'es');
    try {
      await c.get(`/admin/staff/${sis.id}`);
      const es = await c.post(`/admin/staff/${sis.id}`, { firstName: 'Samuel', lastName: 'Synced', email, roles: [`teacher@${world.school.id}`] });
      expect(es.statusCode).toBe(400);
      expect(mainText(es.body)).toContain('Nombre: Administrado por el SIS: cámbielo en el SIS, no aquí.');
      const selfEs = await c.post(`/admin/staff/${admin.id}/deactivate`, {});
      expect(mainText(selfEs.body)).toContain('No puede desactivar su propia cuenta.');
    } finally {
      c.cookies.delete('hr_lang');
    }
  });

  it('changes the roles of an SIS staff member whose SIS email this form would call odd: the SIS’s fields are not validated as local edits', async () => {
    const sis = await staffMember(db, world, { first: 'Odd', last: 'Address', roles: [{ role: 'teacher' }] });
    // Two dots in a row: the SIS accepts it, the form's email check does not.
    const odd = 'odd..address@fixture.example.org';
    await db.updateTable('staff').set({ sourced_id: 'sis-odd-address', email: odd }).where('id', '=', sis.id).execute();
    await db.insertInto('oneroster_staff_roles').values({ staff_id: sis.id, role: 'teacher', school_id: world.school.id }).execute();
    const c = clients.get('districtAdmin')!;
    await c.get(`/admin/staff/${sis.id}`);
    const saved = await c.post(`/admin/staff/${sis.id}`, { firstName: 'Odd', lastName: 'Address', email: odd, roles: [`teacher@${world.school.id}`, `nurse@${world.school.id}`] });
    expect(saved.statusCode, mainText(saved.body).slice(0, 300)).toBe(303);
    const roles = await db.selectFrom('staff_roles').select('role').where('staff_id', '=', sis.id).orderBy('role').execute();
    expect(roles.map((r) => r.role)).toEqual(['nurse', 'teacher']);
    // A change to the SIS's email is still refused, with the SIS's message, and nothing is saved.
    await c.get(`/admin/staff/${sis.id}`);
    const changed = await c.post(`/admin/staff/${sis.id}`, { firstName: 'Odd', lastName: 'Address', email: 'other@fixture.example.org', roles: [`teacher@${world.school.id}`] });
    expect(changed.statusCode).toBe(400);
    expect(mainText(changed.body)).toContain('Managed by the SIS: change it in the SIS, not here.');
    expect((await db.selectFrom('staff').select('email').where('id', '=', sis.id).executeTakeFirstOrThrow()).email).toBe(odd);
    expect(await db.selectFrom('staff_roles').select('role').where('staff_id', '=', sis.id).orderBy('role').execute()).toEqual(roles);
  });

  it('answers bad input with a message at each field and a 400, never half-saved, in English and Spanish', async () => {
    const c = clients.get('districtAdmin')!;
    const count = async () => Number((await db.selectFrom('staff').select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow()).n);
    const before = await count();
    const bad = { firstName: '', lastName: 'Bad', email: 'not an address', username: '123', staffNumber: 'N 1', roles: ['janitor@1', 'teacher@x'] };
    await c.get('/admin/staff/new');
    const en = await c.post('/admin/staff/new', bad);
    expect(en.statusCode).toBe(400);
    for (const text of ['First name: This field is required.', 'Username: Use 3 to 100 letters', 'Staff number: Use letters, digits and . _ - only.', 'Roles: Choose roles from the list.']) expect(mainText(en.body)).toContain(text);
    // A list where one value is expected, and a body that is not a form at all.
    expect((await c.post('/admin/staff/new', { ...bad, firstName: ['a', 'b'] })).statusCode).toBe(400);
    c.cookies.set('hr_lang', 'es');
    try {
      await c.get('/admin/staff/new');
      const es = await c.post('/admin/staff/new', bad);
      expect(es.statusCode).toBe(400);
      for (const text of ['Nombre: Este campo es obligatorio.', 'Nombre de usuario: Use de 3 a 100 letras', 'Funciones: Elija funciones de la lista.']) expect(mainText(es.body)).toContain(text);
      const audit = await c.get('/admin/audit?from=2027-13-01&to=ayer');
      expect(audit.statusCode).toBe(400);
      expect(mainText(audit.body)).toContain('Escriba una fecha como año-mes-día');
    } finally {
      c.cookies.delete('hr_lang');
    }
    expect((await c.get('/admin/staff/abc')).statusCode).toBe(404);
    expect((await c.get('/admin/staff/99999999999')).statusCode).toBe(404);
    expect((await c.get('/admin/audit?from=2027-03-02&to=2027-03-01')).statusCode).toBe(400);
    expect((await c.get('/admin/audit.csv?kind=nothing')).statusCode).toBe(400);
    expect(await count()).toBe(before);
  });

  it('exports the search as CSV that a spreadsheet will not run, and records the export', async () => {
    const odd = await staffMember(db, world, { first: '=SUM(A1)', last: 'Formula', roles: [{ role: 'teacher' }] });
    await db.insertInto('audit_log').values({ at: '2027-02-08T15:00:00.000Z', action: 'sign_in', actor_account_id: odd.account!.id, subject_type: 'user_account', subject_id: odd.account!.id, ip: '192.0.2.7', details: null }).execute();
    const c = clients.get('districtAdmin')!;
    const res = await c.get(`/admin/audit.csv?person=${encodeURIComponent(odd.account!.username)}&kind=sign_in`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toBe('attachment; filename="audit-log.csv"');
    expect(res.body).toBe(
      [
        'when,instant_utc,who,what,action,about,ip,details',
        // 8 February 2027, 15:00 UTC is 9:00 AM in Chicago (the fixture district's zone).
        `"February 8, 2027 at 9:00 AM",2027-02-08T15:00:00.000Z,'=SUM(A1) Formula (${odd.account!.username}),Signed in,sign_in,Account: ${odd.account!.username},192.0.2.7,`,
        '',
      ].join('\n'),
    );
    const row = await db.selectFrom('audit_log').select(['actor_account_id', 'details']).where('action', '=', 'audit_log.exported').orderBy('id', 'desc').executeTakeFirstOrThrow();
    expect({ actor: row.actor_account_id, details: JSON.parse(row.details!) }).toEqual({ actor: admin.account!.id, details: { person: odd.account!.username, kind: 'sign_in', rows: 1 } });
    const page = await c.get(`/admin/audit?person=${encodeURIComponent(odd.account!.username)}`);
    expect(mainText(page.body)).toContain(`=SUM(A1) Formula (${odd.account!.username}) Signed in Account: ${odd.account!.username} 192.0.2.7`);
  });
});
