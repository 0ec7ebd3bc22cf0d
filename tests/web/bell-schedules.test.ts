/**
 * Bell schedules (/admin/bell-schedules): a district made by an import has none, so a district
 * administrator enters each school's periods; only district administrators reach the pages; every
 * rule refuses the whole form with a message at the field and writes nothing; a period in use cannot
 * be removed; the next import's name matching is the import's (tested there). Fixture: one school
 * with the fixture's five periods and a class in period 2 with an attendance record, and a second
 * school with no bell schedule at all.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { makeApp } from '../support/app.js';
import { describeEachEngine } from '../support/db.js';
import { attendance, guardianWithChild, otherSchool, schoolYear, sectionWithGradebook, staffMember, type StaffFixture, type World } from '../support/factories.js';
import { textOf } from '../support/html.js';
import { Client } from '../support/http.js';

describeEachEngine('bell schedules', (get) => {
  let app: FastifyInstance;
  let world: World;
  let admin: StaffFixture;
  let teacher: StaffFixture;
  let office: StaffFixture;
  let bare: { id: number; name: string };

  beforeAll(async () => {
    const db = get().db;
    world = await schoolYear(db);
    bare = await otherSchool(db, 'Imported Middle School');
    admin = await staffMember(db, world, { first: 'Dana', last: 'Administrator', roles: [{ role: 'district_admin', schoolId: null }] });
    teacher = await staffMember(db, world, { first: 'Rosa', last: 'Carter', roles: [{ role: 'teacher' }] });
    office = await staffMember(db, world, { first: 'Tom', last: 'Office', roles: [{ role: 'office' }] });
    const family = await guardianWithChild(db, world);
    const section = await sectionWithGradebook(db, world, { course: { code: 'ENG9', title: 'English 9' }, period: '2', students: [{ student: family.student }] });
    await attendance(db, world, family.student, [{ date: world.today, code: 'A-UNX', section }]);
    app = await makeApp(get(), { now: () => new Date(`${world.today}T18:00:00Z`) });
  });
  afterAll(() => app.close());
  beforeEach(async () => {
    await get().db.deleteFrom('audit_log').where('action', '=', 'school.bell_schedule_saved').execute();
  });

  const as = async (who: StaffFixture) => {
    const c = new Client(app);
    await c.submit('/sign-in', { username: who.account!.username, password: who.account!.password });
    expect(c.last?.headers.location).not.toMatch(/^\/sign-in/);
    return c;
  };
  const periodsOf = (schoolId: number) =>
    get()
      .db.selectFrom('bell_periods as bp')
      .innerJoin('bell_schedules as bs', 'bs.id', 'bp.bell_schedule_id')
      .select(['bp.id', 'bp.name', 'bp.sequence', 'bp.start_time', 'bp.end_time', 'bp.instructional'])
      .where('bs.school_id', '=', schoolId)
      .where('bs.is_default', '=', 1)
      .orderBy('bp.sequence')
      .execute();
  /** The form's fields for rows, as the page writes them. */
  const form = (rows: { id?: number; name: string; start: string; end: string; instructional?: boolean; remove?: boolean }[], action = 'save') => {
    const fields: Record<string, string> = { rows: String(rows.length), action };
    rows.forEach((r, i) => {
      if (r.id !== undefined) fields[`id-${i}`] = String(r.id);
      fields[`name-${i}`] = r.name;
      fields[`start-${i}`] = r.start;
      fields[`end-${i}`] = r.end;
      if (r.instructional !== false) fields[`instructional-${i}`] = '1';
      if (r.remove) fields[`remove-${i}`] = '1';
    });
    return fields;
  };

  it('is only for district administrators', async () => {
    for (const who of [teacher, office]) {
      const c = await as(who);
      expect((await c.get('/admin/bell-schedules')).statusCode).toBe(403);
      expect((await c.get(`/admin/bell-schedules/${bare.id}`)).statusCode).toBe(403);
      await c.get('/home');
      expect((await c.post(`/admin/bell-schedules/${bare.id}`, form([{ name: '1', start: '08:00', end: '08:50' }]))).statusCode).toBe(403);
    }
    expect(await periodsOf(bare.id)).toEqual([]);
    const anonymous = new Client(app);
    expect((await anonymous.get('/admin/bell-schedules')).statusCode).toBe(303);
  });

  it('lists the schools with their periods and their classes without one', async () => {
    const c = await as(admin);
    const page = await c.get('/admin/bell-schedules');
    expect(page.statusCode).toBe(200);
    const text = textOf(page.body);
    expect(text).toContain(`${world.school.name} 5 periods no classes`);
    expect(text).toContain('Imported Middle School None yet no classes');
    expect((await c.get('/admin/bell-schedules/999999')).statusCode).toBe(404);
    expect((await c.get('/admin/bell-schedules/abc')).statusCode).toBe(404);
  });

  it("creates a school's first schedule, ordered by start time, and audits it", async () => {
    const c = await as(admin);
    await c.get(`/admin/bell-schedules/${bare.id}`);
    const res = await c.post(
      `/admin/bell-schedules/${bare.id}`,
      form([
        { name: 'Period 2', start: '09:00', end: '09:50' },
        { name: ' Period  1 ', start: '08:05', end: '08:55' },
        { name: 'Lunch', start: '11:00', end: '11:30', instructional: false },
        { name: '', start: '', end: '' },
      ]),
    );
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(`/admin/bell-schedules/${bare.id}?saved=1`);
    const rows = await periodsOf(bare.id);
    expect(rows.map((r) => [r.name, r.sequence, r.start_time, r.end_time, r.instructional])).toEqual([
      ['Period 1', 1, '08:05', '08:55', 1],
      ['Period 2', 2, '09:00', '09:50', 1],
      ['Lunch', 3, '11:00', '11:30', 0],
    ]);
    const audits = await get().db.selectFrom('audit_log').select(['subject_id', 'details']).where('action', '=', 'school.bell_schedule_saved').execute();
    expect(audits).toHaveLength(1);
    expect(audits[0]!.subject_id).toBe(bare.id);
    expect(JSON.parse(audits[0]!.details!)).toEqual({
      before: [],
      after: [
        { name: 'Period 1', start: '08:05', end: '08:55', instructional: true },
        { name: 'Period 2', start: '09:00', end: '09:50', instructional: true },
        { name: 'Lunch', start: '11:00', end: '11:30', instructional: false },
      ],
    });
    // The same form again changes nothing and says so.
    await c.get(`/admin/bell-schedules/${bare.id}`);
    const again = await c.post(
      `/admin/bell-schedules/${bare.id}`,
      form(rows.map((r) => ({ id: r.id, name: r.name, start: r.start_time, end: r.end_time, instructional: r.instructional === 1 }))),
    );
    expect(again.headers.location).toBe(`/admin/bell-schedules/${bare.id}?saved=0`);
    await get().db.deleteFrom('bell_schedules').where('school_id', '=', bare.id).execute();
  });

  it('refuses each broken rule with a message at the field, in English and Spanish, and writes nothing', async () => {
    const c = await as(admin);
    await c.get(`/admin/bell-schedules/${bare.id}`);
    const cases: [Parameters<typeof form>[0], string, string][] = [
      [[{ name: '', start: '08:00', end: '08:50' }], 'Enter the period’s name.', 'Escriba el nombre del período.'],
      [[{ name: '1', start: '8 am', end: '08:50' }], 'Enter a time as hours and minutes, for example 08:15.', 'Escriba una hora en horas y minutos, por ejemplo 08:15.'],
      [[{ name: '1', start: '24:00', end: '08:50' }], 'Enter a time as hours and minutes, for example 08:15.', 'Escriba una hora en horas y minutos'],
      [[{ name: '1', start: '09:00', end: '08:50' }], 'The period must end after it starts.', 'El período debe terminar después de empezar.'],
      [
        [
          { name: '1', start: '08:00', end: '08:50' },
          { name: '2', start: '08:45', end: '09:30' },
        ],
        'This period starts before “1” ends.',
        'Este período empieza antes de que termine «1».',
      ],
      [
        [
          { name: 'Period 1', start: '08:00', end: '08:50' },
          { name: 'PERIOD 1', start: '09:00', end: '09:30' },
        ],
        'Another period is already called “PERIOD 1”.',
        'Ya hay otro período llamado «PERIOD 1».',
      ],
      [[{ name: 'x'.repeat(41), start: '08:00', end: '08:50' }], 'A period’s name has at most 40 characters.', 'como máximo 40 caracteres'],
      [[{ name: '', start: '', end: '' }], 'A bell schedule needs at least one period.', 'Un horario de timbres necesita al menos un período.'],
    ];
    for (const [rows, english] of cases) {
      const res = await c.post(`/admin/bell-schedules/${bare.id}`, form(rows));
      expect(res.statusCode, english).toBe(400);
      expect(textOf(res.body)).toContain(english);
    }
    await c.post('/lang/es', { next: `/admin/bell-schedules/${bare.id}` });
    for (const [rows, , spanish] of cases) {
      const res = await c.post(`/admin/bell-schedules/${bare.id}`, form(rows));
      expect(res.statusCode, spanish).toBe(400);
      expect(textOf(res.body)).toContain(spanish);
    }
    await c.post('/lang/en', { next: '/home' });
    // Forged forms: too many rows, an id that is not this school's period.
    expect((await c.post(`/admin/bell-schedules/${bare.id}`, { ...form([{ name: '1', start: '08:00', end: '08:50' }]), rows: '41' })).statusCode).toBe(400);
    const other = (await periodsOf(world.school.id))[0]!;
    const forged = await c.post(`/admin/bell-schedules/${bare.id}`, form([{ id: other.id, name: 'Mine', start: '08:00', end: '08:50' }]));
    expect(forged.statusCode).toBe(400);
    expect(textOf(forged.body)).toContain('The form no longer matches this school’s periods');
    expect(await periodsOf(bare.id)).toEqual([]);
    expect((await periodsOf(world.school.id)).find((p) => p.id === other.id)?.name).toBe(other.name);
    expect(await get().db.selectFrom('audit_log').select('id').where('action', '=', 'school.bell_schedule_saved').execute()).toEqual([]);
  });

  it('keeps a period a class meets in or attendance was taken for: rename and move it, but not remove it', async () => {
    const c = await as(admin);
    const before = await periodsOf(world.school.id);
    const rows = before.map((r) => ({ id: r.id, name: r.name, start: r.start_time, end: r.end_time, instructional: r.instructional === 1 }));
    await c.get(`/admin/bell-schedules/${world.school.id}`);
    const page = textOf(c.last!.body);
    expect(page).toContain('In use: 1 class, 1 attendance record');
    const refused = await c.post(`/admin/bell-schedules/${world.school.id}`, form(rows.map((r) => (r.name === '2' ? { ...r, remove: true } : r))));
    expect(refused.statusCode).toBe(400);
    expect(textOf(refused.body)).toContain('“2” cannot be removed: 1 class meets in it, and 1 attendance record was taken for it.');
    expect(await periodsOf(world.school.id)).toEqual(before);
    // Lunch is unused: it goes; period 2 is renamed and moved; the class still meets in it.
    const saved = await c.post(
      `/admin/bell-schedules/${world.school.id}`,
      form(rows.map((r) => (r.name === 'Lunch' ? { ...r, remove: true } : r.name === '2' ? { ...r, name: 'Second', start: '08:52', end: '09:45' } : r))),
    );
    expect(saved.statusCode).toBe(303);
    const after = await periodsOf(world.school.id);
    expect(after.map((r) => [r.name, r.sequence, r.start_time])).toEqual([
      ['1', 1, '08:00'],
      ['Second', 2, '08:52'],
      ['3', 3, '09:50'],
      ['4', 4, '11:20'],
    ]);
    const second = after.find((r) => r.name === 'Second')!;
    expect(second.id).toBe(world.periods['2']!.id);
    const meets = await get().db.selectFrom('section_periods').select('bell_period_id').execute();
    expect(meets.map((m) => m.bell_period_id)).toEqual([second.id]);
  });

  it('offers more rows, and copies another school’s periods into the form without saving', async () => {
    const c = await as(admin);
    await c.get(`/admin/bell-schedules/${bare.id}`);
    const more = await c.post(`/admin/bell-schedules/${bare.id}`, form([{ name: 'A', start: '08:00', end: '08:40' }], 'more'));
    expect(more.statusCode).toBe(200);
    expect(more.body).toContain('name="rows" value="4"');
    expect(more.body).toContain('value="A"');
    const copied = await c.get(`/admin/bell-schedules/${bare.id}?copy=${world.school.id}`);
    expect(copied.statusCode).toBe(200);
    expect(textOf(copied.body)).toContain(`The periods of ${world.school.name} are in the form below`);
    expect(copied.body).toContain('value="08:00"');
    expect(await periodsOf(bare.id)).toEqual([]);
    expect((await c.get(`/admin/bell-schedules/${bare.id}?copy=${bare.id}`)).statusCode).toBe(404);
    expect((await c.get(`/admin/bell-schedules/${bare.id}?copy=nope`)).statusCode).toBe(404);
  });
});
