/**
 * Who may use the office's school calendar (events and days) and announcements: every route, GET and POST, as every role.
 * Nobody signed in is sent to sign in; students, parents, teachers, nurses and counselors are refused
 * (403); office staff of another school open the pages but reach none of this school's events or
 * announcements (404); office staff of the school and district administrators do. Every refused
 * request leaves the calendar, the announcements, the change events and the audit log as they were.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { makeApp } from '../support/app.js';
import { describeEachEngine } from '../support/db.js';
import { guardianWithChild, otherSchool, schoolYear, staffMember, type World } from '../support/factories.js';
import { Client } from '../support/http.js';

type Role = 'anonymous' | 'student' | 'parent' | 'teacher' | 'nurse' | 'counselor' | 'otherOffice' | 'office' | 'districtAdmin';
const REFUSED: Role[] = ['student', 'parent', 'teacher', 'nurse', 'counselor'];
const STAMP = '2026-08-01T00:00:00.000Z';

describeEachEngine('who may use the school calendar and announcements', (get) => {
  let app: FastifyInstance;
  let world: World;
  const clients = new Map<Role, Client>();

  /** This school's event and announcement, written as the importer would. */
  const fixtures = async () => {
    const db = get().db;
    const event = await db
      .insertInto('school_events')
      .values({ sourced_id: null, school_id: world.school.id, start_date: '2027-03-10', end_date: '2027-03-10', start_time: null, end_time: null, location: null, created_at: STAMP, updated_at: STAMP })
      .returning('id')
      .executeTakeFirstOrThrow();
    await db.insertInto('school_event_texts').values({ event_id: event.id, locale: 'en', title: 'Band Night', description: null, location: null }).execute();
    const a = await db
      .insertInto('announcements')
      .values({ school_id: world.school.id, audience: 'all', start_date: '2027-02-01', end_date: '2027-02-28', public: 0, created_at: STAMP, updated_at: STAMP })
      .returning('id')
      .executeTakeFirstOrThrow();
    await db.insertInto('announcement_texts').values({ announcement_id: a.id, locale: 'en', title: 'Book Fair', body: 'In the library.' }).execute();
    return { event: event.id, announcement: a.id };
  };

  const snapshot = async () => {
    const db = get().db;
    return {
      events: await db.selectFrom('school_events').selectAll().orderBy('id').execute(),
      eventTexts: await db.selectFrom('school_event_texts').selectAll().orderBy('event_id').orderBy('locale').execute(),
      announcements: await db.selectFrom('announcements').selectAll().orderBy('id').execute(),
      announcementTexts: await db.selectFrom('announcement_texts').selectAll().orderBy('announcement_id').orderBy('locale').execute(),
      days: await db.selectFrom('calendar_days').selectAll().orderBy('id').execute(),
      changes: await db.selectFrom('change_events').selectAll().orderBy('id').execute(),
      audits: await db.selectFrom('audit_log').selectAll().where('subject_type', 'in', ['school_event', 'announcement', 'calendar_day']).orderBy('id').execute(),
    };
  };

  beforeAll(async () => {
    const db = get().db;
    world = await schoolYear(db);
    const elsewhere = await otherSchool(db);
    const family = await guardianWithChild(db, world);
    const staff = async (role: 'teacher' | 'nurse' | 'counselor' | 'office' | 'district_admin', schoolId: number | null = world.school.id) =>
      (await staffMember(db, world, { first: 'Pat', last: role, roles: [{ role, schoolId }] })).account!;
    const accounts: Partial<Record<Role, { username: string; password: string }>> = {
      student: family.studentAccount!,
      parent: family.guardianAccount!,
      teacher: await staff('teacher'),
      nurse: await staff('nurse'),
      counselor: await staff('counselor'),
      otherOffice: await staff('office', elsewhere.id),
      office: await staff('office'),
      districtAdmin: await staff('district_admin', null),
    };
    app = await makeApp(get(), { now: () => new Date('2027-02-09T18:00:00Z') });
    let n = 0;
    for (const role of ['anonymous', ...REFUSED, 'otherOffice', 'office', 'districtAdmin'] as Role[]) {
      const c = new Client(app, {}, `10.8.0.${++n}`);
      await c.get('/sign-in');
      const account = accounts[role];
      if (account) {
        await c.submit('/sign-in', { username: account.username, password: account.password });
        expect((await c.get('/home')).statusCode, role).toBe(200);
      }
      clients.set(role, c);
    }
  });
  afterAll(() => app.close());

  const event = (school: number) => ({ place: String(school), titleEn: 'Art Show', titleEs: 'Muestra de arte', start: '2027-03-11', end: '', startTime: '', endTime: '' });
  const notice = (school: number) => ({ target: String(school), titleEn: 'Snow day', bodyEn: 'No school.', titleEs: 'Día de nieve', bodyEs: 'No hay clases.', start: '2027-02-10', end: '2027-02-10' });

  /** [method, path, body] for this school's event and announcement. */
  const routes = (ids: { event: number; announcement: number }, school: number = world?.school.id ?? 0): [string, string, Record<string, string>][] => [
    ['GET', '/staff/calendar', {}],
    ['POST', '/staff/calendar', event(school)],
    ['GET', `/staff/calendar/${ids.event}`, {}],
    ['POST', `/staff/calendar/${ids.event}`, event(school)],
    ['POST', `/staff/calendar/${ids.event}/remove`, {}],
    ['POST', '/staff/calendar/days', { school: String(school), date: '2027-03-15', kind: 'holiday', note: 'Spring holiday' }],
    ['GET', '/staff/announcements', {}],
    ['POST', '/staff/announcements', { ...notice(school), intent: 'preview' }],
    ['POST', '/staff/announcements', { ...notice(school), intent: 'publish' }],
    ['GET', `/staff/announcements/${ids.announcement}`, {}],
    ['POST', `/staff/announcements/${ids.announcement}`, { ...notice(school), intent: 'preview' }],
    ['POST', `/staff/announcements/${ids.announcement}`, { ...notice(school), intent: 'publish' }],
    ['POST', `/staff/announcements/${ids.announcement}/end`, {}],
  ];
  const send = async (c: Client, method: string, path: string, body: Record<string, string>) => {
    await c.get('/home');
    return method === 'GET' ? c.get(path) : c.post(path, body);
  };
  /** The pages that list and add: office staff of another school open them; the rest is this school's. */
  const opensForOtherOffice = (method: string, path: string) => method === 'GET' && (path === '/staff/calendar' || path === '/staff/announcements');

  for (const [index, [method, path]] of routes({ event: 0, announcement: 0 }).entries()) {
    it(`${method} ${path.replace(/\/0(?=\/|$)/, '/:id')} (${index})`, async () => {
      const ids = await fixtures();
      const [, url, body] = routes(ids)[index]!;
      const before = await snapshot();
      for (const role of ['anonymous', ...REFUSED, 'otherOffice'] as Role[]) {
        const res = await send(clients.get(role)!, method, url, body);
        if (role === 'anonymous') {
          expect(res.statusCode, role).toBe(303);
          expect(String(res.headers.location)).toMatch(/^\/sign-in/);
        } else if (role === 'otherOffice') {
          expect(res.statusCode, role).toBe(opensForOtherOffice(method, url) ? 200 : 404);
        } else {
          expect(res.statusCode, role).toBe(403);
        }
        expect(await snapshot(), role).toEqual(before);
      }
      for (const role of ['office', 'districtAdmin'] as Role[]) {
        // Each on its own event and announcement: a removal by one leaves the other something to remove.
        const own = role === 'office' ? ids : await fixtures();
        const [, ownUrl, ownBody] = routes(own)[index]!;
        const res = await send(clients.get(role)!, method, ownUrl, ownBody);
        expect(res.statusCode, role).toBe(200);
      }
    });
  }

  it('office staff of another school add to their own school but not to this one', async () => {
    const c = clients.get('otherOffice')!;
    const before = await snapshot();
    expect((await send(c, 'POST', '/staff/calendar', event(world.school.id))).statusCode).toBe(404);
    expect((await send(c, 'POST', '/staff/announcements', { ...notice(world.school.id), intent: 'publish' })).statusCode).toBe(404);
    expect(await snapshot()).toEqual(before);
  });
});
