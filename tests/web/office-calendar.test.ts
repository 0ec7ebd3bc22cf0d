/**
 * The office's school calendar and announcements: what office staff write is what a parent sees on the
 * next read of the Calendar, the calendar feed, Today and the sign-in page; each write records one
 * change event and one audit entry; every bad input answers 400 with a field message and writes nothing.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeApp } from '../support/app.js';
import { describeEachEngine } from '../support/db.js';
import { guardianWithChild, otherSchool, schoolYear, staffMember, type Family, type StaffFixture, type World } from '../support/factories.js';
import { definition, textOf } from '../support/html.js';
import { Client } from '../support/http.js';

const STAMP = '2026-08-01T00:00:00.000Z';

describeEachEngine('the office school calendar and announcements', (get) => {
  let app: FastifyInstance;
  let world: World;
  let family: Family;
  let office: StaffFixture;
  let admin: StaffFixture;
  let elsewhere: { id: number; name: string };
  let otherEventId: number;
  let otherAnnouncementId: number;
  let address = 0;

  /** A page of the parent's child, opened at its own address. */
  const portal = (c: Client, tool: string, query = '') => c.get(`/students/${family.student.id}/${tool}${query}`);
  const signedIn = async (username: string, password: string) => {
    const c = new Client(app, {}, `10.7.0.${++address}`);
    await c.submit('/sign-in', { username, password });
    expect((await c.get('/home')).statusCode).toBe(200);
    return c;
  };
  const count = async (table: 'school_events' | 'school_event_texts' | 'announcements' | 'announcement_texts' | 'change_events' | 'audit_log') =>
    Number((await get().db.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
  /** A write answers 303 to the page that tells what it did (never the page itself: a reload would send the form again); that page, followed. */
  const followed = async (c: Client, res: { statusCode: number; headers: Record<string, unknown> }, location: string) => {
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(location);
    return c.get(location);
  };
  const counts = async () => ({
    events: await count('school_events'),
    eventTexts: await count('school_event_texts'),
    announcements: await count('announcements'),
    announcementTexts: await count('announcement_texts'),
    changes: await count('change_events'),
  });

  beforeAll(async () => {
    const db = get().db;
    world = await schoolYear(db);
    family = await guardianWithChild(db, world);
    office = await staffMember(db, world, { first: 'Olga', last: 'Office', roles: [{ role: 'office' }] });
    admin = await staffMember(db, world, { first: 'Dana', last: 'District', roles: [{ role: 'district_admin', schoolId: null }] });
    elsewhere = await otherSchool(db);
    // Another school's event and announcement, written as the importer would.
    const event = await db
      .insertInto('school_events')
      .values({ sourced_id: null, school_id: elsewhere.id, start_date: '2027-03-10', end_date: '2027-03-10', start_time: null, end_time: null, location: null, created_at: STAMP, updated_at: STAMP })
      .returning('id')
      .executeTakeFirstOrThrow();
    otherEventId = event.id;
    await db.insertInto('school_event_texts').values({ event_id: event.id, locale: 'en', title: 'Middle School Play', description: null, location: null }).execute();
    const a = await db
      .insertInto('announcements')
      .values({ school_id: elsewhere.id, audience: 'all', start_date: '2027-02-01', end_date: '2027-02-28', public: 0, created_at: STAMP, updated_at: STAMP })
      .returning('id')
      .executeTakeFirstOrThrow();
    otherAnnouncementId = a.id;
    await db.insertInto('announcement_texts').values({ announcement_id: a.id, locale: 'en', title: 'Middle School Book Fair', body: 'In the library.' }).execute();
    app = await makeApp(get(), { now: () => new Date('2027-02-09T18:00:00Z') });
  });
  afterAll(() => app.close());

  const concert = (school: number) => ({
    place: String(school),
    titleEn: 'Spring Concert',
    titleEs: 'Concierto de primavera',
    locationEn: 'Gym',
    locationEs: 'Gimnasio',
    start: '2027-03-04',
    end: '',
    startTime: '18:00',
    endTime: '19:30',
  });

  describe('school events', () => {
    it('an event added, changed and removed shows on the parent’s Calendar and feed at their next read', async () => {
      const staff = await signedIn(office.account!.username, office.account!.password);
      const parent = await signedIn(family.guardianAccount!.username, family.guardianAccount!.password);
      await parent.get('/account/calendar');
      const made = await parent.post('/account/calendar', { action: 'make' });
      const feed = new URL(/id="feed-url"[^>]*value="([^"]+)"/.exec(made.body)![1]!).pathname;
      const ics = async () => (await app.inject({ method: 'GET', url: feed })).body;

      expect(textOf((await portal(parent, 'calendar', '?month=2027-03')).body)).not.toContain('Spring Concert');
      expect(await ics()).not.toContain('Spring Concert');

      const created = await followed(staff, await staff.submit('/staff/calendar', concert(world.school.id)), '/staff/calendar?done=created');
      expect(created.statusCode).toBe(200);
      expect(textOf(created.body)).toContain('The event was added.');
      const row = await get().db.selectFrom('school_events').selectAll().where('school_id', '=', world.school.id).executeTakeFirstOrThrow();
      expect(row).toMatchObject({ start_date: '2027-03-04', end_date: '2027-03-04', start_time: '18:00', end_time: '19:30' });
      const calendar = textOf((await portal(parent, 'calendar', '?month=2027-03')).body);
      expect(calendar).toContain('Spring Concert');
      expect(await ics()).toContain('SUMMARY:Spring Concert');
      expect(await ics()).toContain('LOCATION:Gym');
      const changes = await get().db.selectFrom('change_events').selectAll().where('kind', '=', 'event').execute();
      expect(changes.map((c) => [c.action, c.subject_id, c.school_id])).toEqual([['created', row.id, world.school.id]]);
      const audits = await get().db.selectFrom('audit_log').select(['action', 'details']).where('subject_type', '=', 'school_event').execute();
      expect(audits.map((a) => a.action)).toEqual(['school_event.created']);
      expect(JSON.parse(audits[0]!.details!).after.titleEs).toBe('Concierto de primavera');


      const edit = await staff.get(`/staff/calendar/${row.id}`);
      expect(edit.statusCode).toBe(200);
      const changed = await followed(staff, await staff.post(`/staff/calendar/${row.id}`, { ...concert(world.school.id), titleEn: 'Spring Concert moved', start: '2027-03-05' }), '/staff/calendar?done=updated');
      expect(textOf(changed.body)).toContain('The event was saved.');
      const moved = textOf((await portal(parent, 'calendar', '?week=2027-03-05')).body);
      expect(moved).toContain('Spring Concert moved');
      expect(await ics()).toContain('SUMMARY:Spring Concert moved');
      expect(await ics()).toContain('DTSTART:20270306T000000Z');

      // Remove asks first (the question writes nothing), then its button removes.
      expect((await staff.get(`/staff/calendar/${row.id}/remove`)).statusCode).toBe(200);
      expect(textOf((await portal(parent, 'calendar', '?week=2027-03-05')).body)).toContain('Spring Concert moved');
      const removed = await followed(staff, await staff.post(`/staff/calendar/${row.id}/remove`, { confirm: 'yes' }), '/staff/calendar?done=removed');
      expect(textOf(removed.body)).toContain('The event was removed.');
      expect(textOf((await portal(parent, 'calendar', '?month=2027-03')).body)).not.toContain('Spring Concert');
      expect(await ics()).not.toContain('Spring Concert');
      const all = await get().db.selectFrom('change_events').select(['action']).where('kind', '=', 'event').orderBy('id').execute();
      expect(all.map((c) => c.action)).toEqual(['created', 'updated', 'deleted']);
      expect(await count('school_event_texts')).toBe(1);
    });

    it('a district administrator adds a district event that the family sees', async () => {
      const staff = await signedIn(admin.account!.username, admin.account!.password);
      const res = await staff.submit('/staff/calendar', { ...concert(0), place: 'district', titleEn: 'District Science Fair', titleEs: 'Feria de ciencias', start: '2027-04-12', end: '2027-04-13', startTime: '', endTime: '' });
      expect(res.statusCode).toBe(303);
      const parent = await signedIn(family.guardianAccount!.username, family.guardianAccount!.password);
      expect(textOf((await portal(parent, 'calendar', '?month=2027-04')).body)).toContain('District Science Fair');
      const row = await get().db.selectFrom('school_events').selectAll().where('school_id', 'is', null).executeTakeFirstOrThrow();
      expect(row).toMatchObject({ start_date: '2027-04-12', end_date: '2027-04-13', start_time: null, end_time: null });
    });

    const BAD: [string, Record<string, string>, string, string][] = [
      ['the last day before the first', { start: '2027-03-04', end: '2027-03-03', startTime: '', endTime: '' }, 'end', 'The last day must be on or after the first day.'],
      ['a day outside the school year', { start: '2027-07-01', startTime: '', endTime: '' }, 'start', 'The dates must be within a school year.'],
      ['a day that does not exist', { start: '2027-02-30' }, 'start', 'This value is not valid.'],
      ['no Spanish title', { titleEs: '' }, 'titleEs', 'This field is required.'],
      ['no English title', { titleEn: '   ' }, 'titleEn', 'This field is required.'],
      ['a title too long', { titleEn: 'x'.repeat(121) }, 'titleEn', 'This is too long.'],
      ['a control character', { locationEs: 'Gimnasio\u0007' }, 'locationEs', 'This contains characters that are not allowed.'],
      ['a start time alone', { endTime: '' }, 'endTime', 'Give both a start time and an end time, or neither.'],
      ['an end time before the start time', { endTime: '17:00' }, 'endTime', 'The end time must be after the start time.'],
      ['times on a run of days', { end: '2027-03-06' }, 'startTime', 'Times can be given for a one-day event only.'],
      ['a time that is not one', { startTime: '25:00' }, 'startTime', 'This value is not valid.'],
      ['a list for a field', { titleEn: ['a', 'b'] as unknown as string }, 'titleEn', 'This value is not valid.'],
    ];
    for (const [what, change, field, message] of BAD) {
      it(`refuses ${what}: 400, a message at the field, nothing written`, async () => {
        const staff = await signedIn(office.account!.username, office.account!.password);
        const before = await counts();
        const fields = { ...concert(world.school.id), ...change };
        const res = await staff.submit('/staff/calendar', fields);
        expect(res.statusCode).toBe(400);
        expect(res.body).toContain(`id="${field}-error"`);
        expect(textOf(res.body)).toContain(message);
        expect(await counts()).toEqual(before);
      });
    }

    it('an event for another school or, by office staff, for the district answers 404 and writes nothing', async () => {
      const staff = await signedIn(office.account!.username, office.account!.password);
      const before = await counts();
      for (const place of [String(elsewhere.id), 'district', '999999']) {
        expect((await staff.submit('/staff/calendar', { ...concert(world.school.id), place })).statusCode, place).toBe(404);
      }
      expect(await counts()).toEqual(before);
    });

    it('another school’s event answers 404 to open, change or remove, and stays as it was', async () => {
      const staff = await signedIn(office.account!.username, office.account!.password);
      const before = await counts();
      expect((await staff.get(`/staff/calendar/${otherEventId}`)).statusCode).toBe(404);
      await staff.get('/staff/calendar');
      expect((await staff.post(`/staff/calendar/${otherEventId}`, concert(world.school.id))).statusCode).toBe(404);
      // The question before removing, and its answer, as for an event that does not exist: 404, not named.
      for (const url of [`/staff/calendar/${otherEventId}/remove`, '/staff/calendar/abc/remove', '/staff/calendar/99999999/remove']) {
        const asked = await staff.get(url);
        expect(asked.statusCode, url).toBe(404);
        expect(textOf(asked.body), url).toContain('That event was not found.');
        expect(textOf(asked.body), url).not.toContain('Middle School Play');
        await staff.get('/staff/calendar');
        expect((await staff.post(url, { confirm: 'yes' })).statusCode, url).toBe(404);
        expect((await staff.post(url, {})).statusCode, url).toBe(404);
      }
      expect(await counts()).toEqual(before);
      const texts = await get().db.selectFrom('school_event_texts').select(['title']).where('event_id', '=', otherEventId).execute();
      expect(texts).toEqual([{ title: 'Middle School Play' }]);
    });

    it('asks before "Remove" removes an event: a page that names it in the reader’s language, and a post without the confirmation removes nothing', async () => {
      const staff = await signedIn(office.account!.username, office.account!.password);
      const parent = await signedIn(family.guardianAccount!.username, family.guardianAccount!.password);
      expect(family.student.grade).toBe(11);
      await staff.submit('/staff/calendar', { ...concert(world.school.id), titleEn: 'Science Night', titleEs: 'Noche de ciencias', locationEn: 'Cafeteria', locationEs: 'Cafetería', start: '2027-03-16', startTime: '18:30', endTime: '20:00', grades: ['10', '11'] });
      const id = (await get().db.selectFrom('school_event_texts').select('event_id').where('title', '=', 'Science Night').executeTakeFirstOrThrow()).event_id;
      const list = await staff.get('/staff/calendar');
      // The list's "Remove" is a link to the question (it works without JavaScript), not a button that removes at once.
      expect(list.body).toMatch(new RegExp(`<a class="usa-button usa-button--secondary" href="/staff/calendar/${id}/remove">Remove<span class="usa-sr-only">: Science Night</span></a>`));
      expect(list.body).not.toContain(`action="/staff/calendar/${id}/remove"`);
      const before = await counts();

      const asked = await staff.get(`/staff/calendar/${id}/remove`);
      expect(asked.statusCode).toBe(200);
      expect(asked.body).toMatch(/<h1[^>]*>Remove this event\?<\/h1>/);
      expect(definition(asked.body, 'Event')).toBe('Science Night');
      expect(definition(asked.body, 'When')).toBe('Tue, March 16, 2027, 6:30 PM – 8:00 PM');
      expect(definition(asked.body, 'Place')).toBe('Cafeteria');
      expect(definition(asked.body, 'Shown to')).toBe(`${world.school.name}, grades 10–11`);
      expect(textOf(asked.body)).toContain('Families no longer see it on their Calendar, and the calendar feeds drop it the next time they are read.');
      // A plain form: its button posts the confirmation with the CSRF token; "Keep it" goes back to the list.
      const form = /<form method="post" action="([^"]+)">([\s\S]*?)<\/form>/.exec(asked.body.slice(asked.body.indexOf('<main')));
      expect(form?.[1]).toBe(`/staff/calendar/${id}/remove`);
      expect(form?.[2]).toContain('name="_csrf"');
      expect(form?.[2]).toContain('<input type="hidden" name="confirm" value="yes"');
      expect(form?.[2]).toMatch(/<button class="usa-button usa-button--secondary" type="submit">Remove the event<\/button>/);
      expect(form?.[2]).toContain('<a class="usa-button usa-button--outline" href="/staff/calendar">Keep it</a>');

      // In Spanish: the Spanish title and place.
      const spanish = await signedIn(office.account!.username, office.account!.password);
      await spanish.get('/lang/es?next=%2Fstaff%2Fcalendar');
      const pregunta = await spanish.get(`/staff/calendar/${id}/remove`);
      expect(pregunta.body).toMatch(/<h1[^>]*>¿Quitar este evento\?<\/h1>/);
      expect(definition(pregunta.body, 'Evento')).toBe('Noche de ciencias');
      expect(definition(pregunta.body, 'Lugar')).toBe('Cafetería');
      expect(definition(pregunta.body, 'Para')).toBe(`${world.school.name}, grados 10–11`);
      expect(textOf(pregunta.body)).toContain('Quitar el evento');
      expect(textOf(pregunta.body)).toContain('Mantenerlo');

      // Without the confirmation (an old page's button, a stray request): the question again, 400, nothing removed.
      const unconfirmed = await staff.post(`/staff/calendar/${id}/remove`, {});
      expect(unconfirmed.statusCode).toBe(400);
      expect(textOf(unconfirmed.body)).toContain('Remove this event?');
      expect((await staff.post(`/staff/calendar/${id}/remove`, { confirm: 'no' })).statusCode).toBe(400);
      expect(await counts()).toEqual(before);
      expect(textOf((await portal(parent, 'calendar', '?month=2027-03')).body)).toContain('Science Night');

      const removed = await followed(staff, await staff.post(`/staff/calendar/${id}/remove`, { confirm: 'yes' }), '/staff/calendar?done=removed');
      expect(textOf(removed.body)).toContain('The event was removed.');
      expect(await get().db.selectFrom('school_events').select('id').where('id', '=', id).executeTakeFirst()).toBeUndefined();
      expect(textOf((await portal(parent, 'calendar', '?month=2027-03')).body)).not.toContain('Science Night');
      // Removed: the question (a stale tab, the back button) answers 404 and names nothing.
      const stale = await staff.get(`/staff/calendar/${id}/remove`);
      expect(stale.statusCode).toBe(404);
      expect(textOf(stale.body)).not.toContain('Science Night');
    });

    it('"Remove" sent twice removes the event once: one change event, one audit entry, and no 500', async () => {
      const staff = await signedIn(office.account!.username, office.account!.password);
      const db = get().db;
      // Rows written from here on (an id of a removed event may be used again on SQLite).
      const changesFrom = Number((await db.selectFrom('change_events').select((eb) => eb.fn.max('id').as('m')).executeTakeFirstOrThrow()).m ?? 0);
      const auditsFrom = Number((await db.selectFrom('audit_log').select((eb) => eb.fn.max('id').as('m')).executeTakeFirstOrThrow()).m ?? 0);
      await staff.submit('/staff/calendar', { ...concert(world.school.id), titleEn: 'Robotics showcase', start: '2027-03-18' });
      const id = (await db.selectFrom('school_event_texts').select('event_id').where('title', '=', 'Robotics showcase').executeTakeFirstOrThrow()).event_id;
      const [a, b] = await Promise.all([staff.post(`/staff/calendar/${id}/remove`, { confirm: 'yes' }), staff.post(`/staff/calendar/${id}/remove`, { confirm: 'yes' })]);
      // Each says the event is removed (303) or, asked after it was, not found (404): never a 500.
      for (const res of [a, b]) expect([303, 404]).toContain(res.statusCode);
      expect([a.statusCode, b.statusCode]).toContain(303);
      expect(await db.selectFrom('school_events').select('id').where('id', '=', id).executeTakeFirst()).toBeUndefined();
      const changes = await db.selectFrom('change_events').select('action').where('kind', '=', 'event').where('subject_id', '=', id).where('id', '>', changesFrom).orderBy('id').execute();
      expect(changes.map((c) => c.action)).toEqual(['created', 'deleted']);
      const audits = await db.selectFrom('audit_log').select('action').where('subject_type', '=', 'school_event').where('subject_id', '=', id).where('id', '>', auditsFrom).orderBy('id').execute();
      expect(audits.map((x) => x.action)).toEqual(['school_event.created', 'school_event.deleted']);
      // A third, later (a stale tab): the event is not there, 404, nothing written.
      const third = await staff.post(`/staff/calendar/${id}/remove`, { confirm: 'yes' });
      expect(third.statusCode).toBe(404);
      expect(textOf(third.body)).toContain('It may have been removed already.');
      expect(await db.selectFrom('change_events').select('id').where('kind', '=', 'event').where('subject_id', '=', id).where('id', '>', changesFrom).execute()).toHaveLength(2);
    });
  });

  describe('days without school and day notes', () => {
    it('a day made a day without school shows on the parent’s Today, Calendar and feed at their next read', async () => {
      const staff = await signedIn(office.account!.username, office.account!.password);
      const parent = await signedIn(family.guardianAccount!.username, family.guardianAccount!.password);
      // Today is read (and cached) while it is still a school day.
      expect(textOf((await portal(parent, 'today')).body)).not.toContain('Staff development');
      const saved = await followed(staff, await staff.submit('/staff/calendar', { school: String(world.school.id), date: '2027-02-09', kind: 'teacher_workday', note: 'Staff development' }, '/staff/calendar/days'), '/staff/calendar?done=day');
      expect(textOf(saved.body)).toContain('The day was saved.');
      expect(textOf((await portal(parent, 'today')).body)).toContain('Staff development');
      expect(textOf((await portal(parent, 'calendar', '?month=2027-02')).body)).toContain('Staff development');
      const row = await get().db.selectFrom('calendar_days').select(['id', 'instructional', 'reason', 'note']).where('school_id', '=', world.school.id).where('date', '=', '2027-02-09').executeTakeFirstOrThrow();
      expect(row).toMatchObject({ instructional: 0, reason: 'teacher_workday', note: 'Staff development' });
      const change = await get().db.selectFrom('change_events').select(['kind', 'action', 'subject_id', 'before']).where('subject_id', '=', row.id).where('kind', '=', 'event').execute();
      expect(change.map((c) => [c.action, JSON.parse(c.before!)])).toEqual([['updated', { date: '2027-02-09', schoolDay: true, reason: null, note: null, noteEs: null }]]);

      // And back to a school day.
      await staff.submit('/staff/calendar', { school: String(world.school.id), date: '2027-02-09', kind: 'school', note: '' }, '/staff/calendar/days');
      expect(textOf((await portal(parent, 'today')).body)).not.toContain('Staff development');
    });

    const BAD: [string, Record<string, string>, string, string][] = [
      ['a day outside the school year', { date: '2027-07-05' }, 'date', 'The dates must be within a school year.'],
      ['a day that does not exist', { date: '2027-13-01' }, 'date', 'This value is not valid.'],
      ['an unknown kind of day', { kind: 'summer' }, 'kind', 'This value is not valid.'],
      ['a note too long', { note: 'x'.repeat(81) }, 'note', 'This is too long.'],
      ['a control character', { note: 'Early\u0000release' }, 'note', 'This contains characters that are not allowed.'],
    ];
    for (const [what, change, field, message] of BAD) {
      it(`refuses ${what}: 400, a message at the field, nothing written`, async () => {
        const staff = await signedIn(office.account!.username, office.account!.password);
        const before = await get().db.selectFrom('calendar_days').selectAll().orderBy('id').execute();
        const res = await staff.submit('/staff/calendar', { school: String(world.school.id), date: '2027-03-15', kind: 'holiday', note: 'Spring holiday', ...change }, '/staff/calendar/days');
        expect(res.statusCode).toBe(400);
        expect(res.body).toContain(`id="${field}-error"`);
        expect(textOf(res.body)).toContain(message);
        expect(await get().db.selectFrom('calendar_days').selectAll().orderBy('id').execute()).toEqual(before);
      });
    }

    it('another school’s day answers 404 and writes nothing', async () => {
      const staff = await signedIn(office.account!.username, office.account!.password);
      const before = await counts();
      const res = await staff.submit('/staff/calendar', { school: String(elsewhere.id), date: '2027-03-15', kind: 'holiday', note: 'Spring holiday' }, '/staff/calendar/days');
      expect(res.statusCode).toBe(404);
      expect(await get().db.selectFrom('calendar_days').selectAll().where('school_id', '=', elsewhere.id).execute()).toEqual([]);
      expect(await counts()).toEqual(before);
    });
  });

  describe('announcements', () => {
    const notice = (school: number) => ({
      target: String(school),
      titleEn: 'Early release Friday',
      bodyEn: 'School ends at 12:30.',
      titleEs: 'Salida temprana el viernes',
      bodyEs: 'Las clases terminan a las 12:30.',
      start: '2027-02-09',
      end: '2027-02-12',
    });

    it('is previewed without saving, then published, changed and ended, and Today shows each at its next read', async () => {
      const staff = await signedIn(office.account!.username, office.account!.password);
      const parent = await signedIn(family.guardianAccount!.username, family.guardianAccount!.password);
      // Today is read (and cached) before the announcement exists.
      expect(textOf((await portal(parent, 'today')).body)).not.toContain('Early release');

      const before = await counts();
      const preview = await staff.submit('/staff/announcements', { ...notice(world.school.id), intent: 'preview' });
      expect(preview.statusCode).toBe(200);
      const previewText = textOf(preview.body);
      expect(previewText).toContain('Preview, as families will see it');
      expect(previewText).toContain('Early release Friday');
      expect(previewText).toContain('Salida temprana el viernes');
      expect(await counts()).toEqual(before);

      const published = await followed(staff, await staff.post('/staff/announcements', { ...notice(world.school.id), intent: 'publish' }), '/staff/announcements?done=published');
      expect(textOf(published.body)).toContain('The announcement was published.');
      const today = textOf((await portal(parent, 'today')).body);
      expect(today).toContain('Early release Friday');
      expect(today).toContain('School ends at 12:30.');
      const row = await get().db.selectFrom('announcements').selectAll().where('school_id', '=', world.school.id).executeTakeFirstOrThrow();
      expect(row).toMatchObject({ start_date: '2027-02-09', end_date: '2027-02-12', public: 0 });

      await staff.get(`/staff/announcements/${row.id}`);
      const changed = await followed(staff, await staff.post(`/staff/announcements/${row.id}`, { ...notice(world.school.id), titleEn: 'Early release Thursday', intent: 'publish' }), '/staff/announcements?done=updated');
      expect(textOf(changed.body)).toContain('The announcement was saved.');
      expect(textOf((await portal(parent, 'today')).body)).toContain('Early release Thursday');

      const ended = await followed(staff, await staff.post(`/staff/announcements/${row.id}/end`, { confirm: 'yes' }), '/staff/announcements?done=ended');
      expect(textOf(ended.body)).toContain('The announcement was ended: it no longer shows.');
      expect(textOf((await portal(parent, 'today')).body)).not.toContain('Early release');
      const changes = await get().db.selectFrom('change_events').select(['action', 'subject_id']).where('kind', '=', 'announcement').orderBy('id').execute();
      expect(changes).toEqual([
        { action: 'created', subject_id: row.id },
        { action: 'updated', subject_id: row.id },
        { action: 'deleted', subject_id: row.id },
      ]);
      const audits = await get().db.selectFrom('audit_log').select(['action']).where('subject_type', '=', 'announcement').orderBy('id').execute();
      expect(audits.map((a) => a.action)).toEqual(['announcement.created', 'announcement.updated', 'announcement.deleted']);
    });

    /** The hidden fields of the form whose action is `action` on a page (what a browser would send back). */
    const hiddenFields = (html: string, action: string) => {
      const form = html.split(`action="${action}"`)[1]!.split('</form>')[0]!;
      return Object.fromEntries([...form.matchAll(/<input type="hidden" name="([^"]+)"(?: value="([^"]*)")?/g)].filter((m) => m[1] !== '_csrf').map((m) => [m[1]!, textOf(m[2] ?? '')]));
    };

    it('publishes exactly what was previewed: the preview shows it read-only, and "Change it" brings the form back', async () => {
      const staff = await signedIn(office.account!.username, office.account!.password);
      const before = await counts();
      await staff.get('/staff/announcements');
      const preview = await staff.post('/staff/announcements', { ...notice(world.school.id), titleEn: 'Band trip forms due', bodyEn: 'Bring them to room 12.', intent: 'preview' });
      expect(preview.statusCode).toBe(200);
      // Nothing on the page can be typed in: no text field, no text area, no choice; the values ride in hidden fields.
      for (const field of ['target', 'titleEn', 'bodyEn', 'titleEs', 'bodyEs', 'start', 'end', 'condition']) {
        const inputs = [...preview.body.matchAll(new RegExp(`<(input|textarea|select)\\b[^>]*name="${field}"[^>]*>`, 'g'))].map((m) => m[0]);
        expect(inputs, field).toHaveLength(1);
        expect(inputs[0], field).toMatch(/^<input type="hidden"/);
      }
      expect(definition(preview.body, 'Shown on')).toBe('The portal of Cedar Ridge High School');
      expect(definition(preview.body, 'First day shown')).toBe('Tue, February 9, 2027');
      const carried = hiddenFields(preview.body, '/staff/announcements');
      expect(carried).toEqual({ ...notice(world.school.id), titleEn: 'Band trip forms due', bodyEn: 'Bring them to room 12.', condition: '' });
      expect(await counts()).toEqual(before);

      // Change it: the form again, filled in with what was previewed, nothing written.
      const again = await staff.post('/staff/announcements', { ...carried, intent: 'edit' });
      expect(again.statusCode).toBe(200);
      expect(again.body).toMatch(/<input[^>]*id="titleEn"[^>]*value="Band trip forms due"/);
      expect(again.body).toMatch(/<textarea[^>]*id="bodyEn"[^>]*>Bring them to room 12\.<\/textarea>/);
      expect(textOf(again.body)).not.toContain('Preview, as families will see it');
      expect(await counts()).toEqual(before);

      // Publish sends back what the preview carried: that is what families see.
      const published = await staff.post('/staff/announcements', { ...carried, intent: 'publish' });
      expect(published.statusCode).toBe(303);
      const row = await get()
        .db.selectFrom('announcement_texts as t')
        .innerJoin('announcements as a', 'a.id', 't.announcement_id')
        .select(['a.id', 't.locale', 't.title', 't.body', 'a.start_date', 'a.end_date'])
        .where('t.title', 'in', ['Band trip forms due', 'Salida temprana el viernes'])
        .where('a.start_date', '=', '2027-02-09')
        .orderBy('t.locale')
        .execute();
      expect(row.map(({ id: _id, ...r }) => r)).toEqual([
        { locale: 'en', title: 'Band trip forms due', body: 'Bring them to room 12.', start_date: '2027-02-09', end_date: '2027-02-12' },
        { locale: 'es', title: 'Salida temprana el viernes', body: 'Las clases terminan a las 12:30.', start_date: '2027-02-09', end_date: '2027-02-12' },
      ]);
      await staff.get('/staff/announcements');
      await staff.post(`/staff/announcements/${row[0]!.id}/end`, { confirm: 'yes' });
    });

    it('asks before "End now" ends an announcement: a page that names it, and a post without the confirmation ends nothing', async () => {
      const staff = await signedIn(office.account!.username, office.account!.password);
      await staff.submit('/staff/announcements', { ...notice(world.school.id), titleEn: 'Library closed Friday', intent: 'publish' });
      const id = (await get().db.selectFrom('announcement_texts').select('announcement_id').where('title', '=', 'Library closed Friday').executeTakeFirstOrThrow()).announcement_id;
      const list = await staff.get('/staff/announcements');
      // The list's "End now" is a link to the question, not a button that ends at once.
      expect(list.body).toContain(`href="/staff/announcements/${id}/end"`);
      expect(list.body).not.toContain(`action="/staff/announcements/${id}/end"`);
      const before = await counts();
      const asked = await staff.get(`/staff/announcements/${id}/end`);
      expect(asked.statusCode).toBe(200);
      expect(textOf(asked.body)).toContain('End this announcement now?');
      expect(definition(asked.body, 'Announcement')).toBe('Library closed Friday');
      expect(asked.body).toContain('<input type="hidden" name="confirm" value="yes"');
      const unconfirmed = await staff.post(`/staff/announcements/${id}/end`, {});
      expect(unconfirmed.statusCode).toBe(400);
      expect(textOf(unconfirmed.body)).toContain('End this announcement now?');
      expect(await counts()).toEqual(before);
      expect((await get().db.selectFrom('announcements').select('end_date').where('id', '=', id).executeTakeFirstOrThrow()).end_date).toBe('2027-02-12');
      await followed(staff, await staff.post(`/staff/announcements/${id}/end`, { confirm: 'yes' }), '/staff/announcements?done=ended');
      expect(await get().db.selectFrom('announcements').select('id').where('id', '=', id).executeTakeFirst()).toBeUndefined();
      // another school's: 404 to the question too
      expect((await staff.get(`/staff/announcements/${otherAnnouncementId}/end`)).statusCode).toBe(404);
    });

    it('"End now" sent twice at once ends the announcement once: one change event, one audit entry', async () => {
      const staff = await signedIn(office.account!.username, office.account!.password);
      // Rows written from here on (an id of a removed announcement may be used again on SQLite).
      const db = get().db;
      const changesFrom = Number((await db.selectFrom('change_events').select((eb) => eb.fn.max('id').as('m')).executeTakeFirstOrThrow()).m ?? 0);
      const auditsFrom = Number((await db.selectFrom('audit_log').select((eb) => eb.fn.max('id').as('m')).executeTakeFirstOrThrow()).m ?? 0);
      // Begun last week: ending it ends it yesterday (the row stays, its last day changes).
      await staff.submit('/staff/announcements', { ...notice(world.school.id), titleEn: 'Gym floor being refinished', start: '2027-02-01', intent: 'publish' });
      const id = (await get().db.selectFrom('announcement_texts').select('announcement_id').where('title', '=', 'Gym floor being refinished').executeTakeFirstOrThrow()).announcement_id;
      const [a, b] = await Promise.all([staff.post(`/staff/announcements/${id}/end`, { confirm: 'yes' }), staff.post(`/staff/announcements/${id}/end`, { confirm: 'yes' })]);
      expect([a.statusCode, b.statusCode]).toEqual([303, 303]);
      expect((await get().db.selectFrom('announcements').select('end_date').where('id', '=', id).executeTakeFirstOrThrow()).end_date).toBe('2027-02-08');
      const changes = await get().db.selectFrom('change_events').select('action').where('kind', '=', 'announcement').where('subject_id', '=', id).where('id', '>', changesFrom).orderBy('id').execute();
      expect(changes.map((c) => c.action)).toEqual(['created', 'updated']);
      const audits = await get().db.selectFrom('audit_log').select('action').where('subject_type', '=', 'announcement').where('subject_id', '=', id).where('id', '>', auditsFrom).orderBy('id').execute();
      expect(audits.map((x) => x.action)).toEqual(['announcement.created', 'announcement.ended']);
    });

    it('a reload after publishing or adding an event writes nothing again: each write answers 303 to a page that only reads', async () => {
      const staff = await signedIn(office.account!.username, office.account!.password);
      const before = await counts();
      // A browser that reloads the page after a write asks again for what the last answer was: here, a
      // GET of the page the 303 named (an answer of 200 to the POST would have it send the form again).
      const published = await staff.submit('/staff/announcements', { ...notice(world.school.id), titleEn: 'Bus routes change Monday', intent: 'publish' });
      const shown = await followed(staff, published, '/staff/announcements?done=published');
      expect(textOf(shown.body)).toContain('The announcement was published.');
      await staff.get('/staff/announcements?done=published');
      const added = await staff.submit('/staff/calendar', { ...concert(world.school.id), titleEn: 'Winter Concert', start: '2027-03-11' });
      expect(textOf((await followed(staff, added, '/staff/calendar?done=created')).body)).toContain('The event was added.');
      await staff.get('/staff/calendar?done=created');
      const after = await counts();
      expect(after.announcements).toBe(before.announcements + 1);
      expect(after.events).toBe(before.events + 1);
      // A done that names nothing tells nothing.
      expect(textOf((await staff.get('/staff/calendar?done=constructor')).body)).not.toContain('The event was');
      const made = await get().db.selectFrom('announcement_texts').select('announcement_id').where('title', '=', 'Bus routes change Monday').execute();
      for (const m of made) await staff.post(`/staff/announcements/${m.announcement_id}/end`, { confirm: 'yes' });
      const event = await get().db.selectFrom('school_event_texts').select('event_id').where('title', '=', 'Winter Concert').executeTakeFirstOrThrow();
      await staff.post(`/staff/calendar/${event.event_id}/remove`, { confirm: 'yes' });
    });

    it('one that began before today ends yesterday when ended early', async () => {
      const staff = await signedIn(office.account!.username, office.account!.password);
      await staff.submit('/staff/announcements', { ...notice(world.school.id), titleEn: 'Picture day forms', start: '2027-02-01', end: '2027-02-20', intent: 'publish' });
      const row = await get().db.selectFrom('announcements').selectAll().where('start_date', '=', '2027-02-01').where('school_id', '=', world.school.id).executeTakeFirstOrThrow();
      expect((await staff.post(`/staff/announcements/${row.id}/end`, { confirm: 'yes' })).statusCode).toBe(303);
      const after = await get().db.selectFrom('announcements').select(['start_date', 'end_date']).where('id', '=', row.id).executeTakeFirstOrThrow();
      expect(after).toEqual({ start_date: '2027-02-01', end_date: '2027-02-08' });
    });

    it('a district administrator publishes one for the sign-in page, and anyone sees it there', async () => {
      const staff = await signedIn(admin.account!.username, admin.account!.password);
      const res = await staff.submit('/staff/announcements', { ...notice(0), target: 'signIn', titleEn: 'Portal maintenance Saturday', titleEs: 'Mantenimiento del portal el sábado', intent: 'publish' });
      expect(res.statusCode).toBe(303);
      const visitor = new Client(app, {}, '10.7.2.1');
      expect(textOf((await visitor.get('/sign-in')).body)).toContain('Portal maintenance Saturday');
    });

    it('offers the announcement’s condition: one aimed at readers without a security email leaves Today once they confirm one (issue 23)', async () => {
      const db = get().db;
      const staff = await signedIn(office.account!.username, office.account!.password);
      const form = textOf((await staff.get('/staff/announcements')).body);
      expect(form).toContain('Stop showing it to a signed-in reader');
      const res = await staff.submit('/staff/announcements', { ...notice(world.school.id), titleEn: 'Set up your security email', condition: 'noSecurityEmail', intent: 'publish' });
      expect(res.statusCode).toBe(303);
      const row = await db.selectFrom('announcements as a').innerJoin('announcement_texts as t', 't.announcement_id', 'a.id').select(['a.id', 'a.condition']).where('t.title', '=', 'Set up your security email').executeTakeFirstOrThrow();
      expect(row.condition).toBe('noSecurityEmail');
      // the edit page shows it chosen
      expect((await staff.get(`/staff/announcements/${row.id}`)).body).toMatch(/<option value="noSecurityEmail" selected/);
      const account = family.guardianAccount!.id;
      const was = await db.selectFrom('user_accounts').select(['security_email', 'security_email_confirmed_at']).where('id', '=', account).executeTakeFirstOrThrow();
      await db.updateTable('user_accounts').set({ security_email: null, security_email_confirmed_at: null }).where('id', '=', account).execute();
      const parent = await signedIn(family.guardianAccount!.username, family.guardianAccount!.password);
      expect(textOf((await portal(parent, 'today')).body)).toContain('Set up your security email');
      await db.updateTable('user_accounts').set({ security_email: 'parent@example.org', security_email_confirmed_at: '2027-02-01T00:00:00.000Z' }).where('id', '=', account).execute();
      expect(textOf((await portal(parent, 'today')).body)).not.toContain('Set up your security email');
      // changed back to none, it shows again to the same reader
      await staff.get(`/staff/announcements/${row.id}`);
      await staff.post(`/staff/announcements/${row.id}`, { ...notice(world.school.id), titleEn: 'Set up your security email', condition: '', intent: 'publish' });
      expect((await db.selectFrom('announcements').select('condition').where('id', '=', row.id).executeTakeFirstOrThrow()).condition).toBeNull();
      expect(textOf((await portal(parent, 'today')).body)).toContain('Set up your security email');
      await db.updateTable('user_accounts').set(was).where('id', '=', account).execute();
      await staff.post(`/staff/announcements/${row.id}/end`, { confirm: 'yes' });
    });

    const BAD: [string, Record<string, string>, string, string][] = [
      ['the last day before the first', { start: '2027-02-10', end: '2027-02-09' }, 'end', 'The last day must be on or after the first day.'],
      ['days outside the school year', { start: '2027-06-01', end: '2027-06-05' }, 'start', 'The dates must be within a school year.'],
      ['no Spanish text', { bodyEs: '' }, 'bodyEs', 'This field is required.'],
      ['no English title', { titleEn: '' }, 'titleEn', 'This field is required.'],
      ['a text too long', { bodyEn: 'x'.repeat(2001) }, 'bodyEn', 'This is too long.'],
      ['a control character', { titleEs: 'Aviso\u001b' }, 'titleEs', 'This contains characters that are not allowed.'],
      ['a condition that does not exist', { condition: 'always' }, 'condition', 'This value is not valid.'],
    ];
    for (const [what, change, field, message] of BAD) {
      for (const intent of ['preview', 'publish']) {
        it(`refuses ${what} (${intent}): 400, a message at the field, nothing written`, async () => {
          const staff = await signedIn(office.account!.username, office.account!.password);
          const before = await counts();
          const fields = { ...notice(world.school.id), ...change, intent };
          const res = await staff.submit('/staff/announcements', fields);
          expect(res.statusCode).toBe(400);
          expect(res.body).toContain(`id="${field}-error"`);
          // the error summary links to the field
          expect(res.body).toContain(`<a href="#${field}">`);
          expect(textOf(res.body)).toContain(message);
          expect(await counts()).toEqual(before);
        });
      }
    }

    it('an announcement for another school, the district or the sign-in page, by office staff, answers 404 and writes nothing', async () => {
      const staff = await signedIn(office.account!.username, office.account!.password);
      const before = await counts();
      for (const target of [String(elsewhere.id), 'district', 'signIn']) {
        for (const intent of ['preview', 'publish']) {
          const res = await staff.submit('/staff/announcements', { ...notice(world.school.id), target, intent });
          expect(res.statusCode, `${target} ${intent}`).toBe(404);
          expect(textOf(res.body)).not.toContain('Preview, as families will see it');
        }
      }
      expect(await counts()).toEqual(before);
    });

    it('another school’s announcement answers 404 to open, change or end, and stays as it was', async () => {
      const staff = await signedIn(office.account!.username, office.account!.password);
      const before = await counts();
      expect((await staff.get(`/staff/announcements/${otherAnnouncementId}`)).statusCode).toBe(404);
      await staff.get('/staff/announcements');
      expect((await staff.post(`/staff/announcements/${otherAnnouncementId}`, { ...notice(world.school.id), intent: 'publish' })).statusCode).toBe(404);
      expect((await staff.post(`/staff/announcements/${otherAnnouncementId}/end`, { confirm: 'yes' })).statusCode).toBe(404);
      expect(await counts()).toEqual(before);
      const row = await get().db.selectFrom('announcements').select(['end_date']).where('id', '=', otherAnnouncementId).executeTakeFirstOrThrow();
      expect(row.end_date).toBe('2027-02-28');
    });
  });
});
