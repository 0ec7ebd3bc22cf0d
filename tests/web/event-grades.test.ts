/**
 * A school event's audience by grade level (issue 19: "whole school, grade levels, the district"): the
 * office ticks grades on the event form; the portal Calendar and the calendar feed show such an event
 * only to a student in one of those grades and to a parent of one; an event without grades reaches
 * everyone of its school. A grade the school does not teach, or a value that is not a grade, answers
 * 400 with a field message in the staff member's language and writes nothing.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { makeApp } from '../support/app.js';
import { describeEachEngine } from '../support/db.js';
import { guardianWithChild, schoolYear, staffMember, type Family, type StaffFixture, type World } from '../support/factories.js';
import { tableRows, textOf } from '../support/html.js';
import { Client } from '../support/http.js';

describeEachEngine('school events for some grade levels', (get) => {
  let app: FastifyInstance;
  let world: World;
  /** Maya is in grade 9, Leo in grade 11: the school (Cedar Ridge High School) teaches 9 to 12 */
  let ninth: Family;
  let eleventh: Family;
  let office: StaffFixture;
  let oficina: StaffFixture;
  let admin: StaffFixture;
  let address = 0;

  const signedIn = async (account: { username: string; password: string }) => {
    const c = new Client(app, {}, `10.6.0.${++address}`);
    await c.submit('/sign-in', { username: account.username, password: account.password });
    expect((await c.get('/home')).statusCode).toBe(200);
    return c;
  };
  const calendarOf = async (c: Client, family: Family) => textOf((await c.get(`/students/${family.student.id}/calendar?month=2027-03`)).body);
  const feedOf = async (parent: Client) => {
    await parent.get('/account/calendar');
    const made = await parent.post('/account/calendar', { action: 'make' });
    const path = new URL(/id="feed-url"[^>]*value="([^"]+)"/.exec(made.body)![1]!).pathname;
    return async () => (await app.inject({ method: 'GET', url: path })).body;
  };
  const event = (fields: Record<string, string | string[]>) => ({
    place: String(world.school.id),
    titleEn: 'Freshman Orientation',
    titleEs: 'Orientación de primer año',
    locationEn: '',
    locationEs: '',
    start: '2027-03-04',
    end: '',
    startTime: '',
    endTime: '',
    ...fields,
  });
  const written = async () => {
    const db = get().db;
    const n = async (table: 'school_events' | 'school_event_grades' | 'change_events' | 'audit_log') =>
      Number((await db.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
    return [await n('school_events'), await n('school_event_grades'), await n('change_events'), await n('audit_log')];
  };

  beforeAll(async () => {
    const db = get().db;
    world = await schoolYear(db);
    ninth = await guardianWithChild(db, world, { student: { first: 'Maya', last: 'Ortiz', grade: 9 }, guardian: { first: 'Lucia', last: 'Ortiz' } });
    eleventh = await guardianWithChild(db, world, { student: { first: 'Leo', last: 'Reyes', grade: 11 }, guardian: { first: 'Ana', last: 'Reyes' } });
    office = await staffMember(db, world, { first: 'Olga', last: 'Office', roles: [{ role: 'office' }] });
    oficina = await staffMember(db, world, { first: 'Olivia', last: 'Oficina', roles: [{ role: 'office' }], locale: 'es' });
    admin = await staffMember(db, world, { first: 'Dana', last: 'District', roles: [{ role: 'district_admin', schoolId: null }] });
    app = await makeApp(get(), { now: () => new Date('2027-02-09T18:00:00Z') });
  });
  afterAll(() => app?.close());

  it('shows an event for grades 9 and 10 to the ninth grader and her parent only, and follows a change of grades', async () => {
    const staff = await signedIn(office.account!);
    const mayaParent = await signedIn(ninth.guardianAccount!);
    const leoParent = await signedIn(eleventh.guardianAccount!);
    const maya = await signedIn(ninth.studentAccount!);
    const leo = await signedIn(eleventh.studentAccount!);
    const mayaFeed = await feedOf(mayaParent);
    const leoFeed = await feedOf(leoParent);

    const form = textOf((await staff.get('/staff/calendar')).body);
    for (const g of [9, 10, 11, 12]) expect(form).toContain(`Grade ${g}`);
    expect(form).not.toContain('Grade 8');

    const created = await staff.submit('/staff/calendar', event({ grades: ['9', '10'] }));
    expect(created.statusCode).toBe(303);
    expect(textOf((await staff.get(String(created.headers.location))).body)).toContain(`${world.school.name}, grades 9–10`);
    const row = await get().db.selectFrom('school_events').select('id').where('school_id', '=', world.school.id).executeTakeFirstOrThrow();
    const grades = async () => (await get().db.selectFrom('school_event_grades').select('grade_level').where('event_id', '=', row.id).orderBy('grade_level').execute()).map((g) => g.grade_level);
    expect(await grades()).toEqual([9, 10]);
    const audit = await get().db.selectFrom('audit_log').select('details').where('action', '=', 'school_event.created').executeTakeFirstOrThrow();
    expect(JSON.parse(audit.details!).after.grades).toEqual([9, 10]);

    expect(await calendarOf(mayaParent, ninth)).toContain('Freshman Orientation');
    expect(await calendarOf(maya, ninth)).toContain('Freshman Orientation');
    expect(await mayaFeed()).toContain('SUMMARY:Freshman Orientation');
    expect(await calendarOf(leoParent, eleventh)).not.toContain('Freshman Orientation');
    expect(await calendarOf(leo, eleventh)).not.toContain('Freshman Orientation');
    expect(await leoFeed()).not.toContain('Freshman Orientation');

    // The edit form shows the grades ticked; saving grade 11 alone turns the audience round.
    const edit = (await staff.get(`/staff/calendar/${row.id}`)).body;
    expect(edit).toMatch(/id="grade-9"[^>]*checked/);
    expect(edit).toMatch(/id="grade-10"[^>]*checked/);
    expect(edit).not.toMatch(/id="grade-11"[^>]*checked/);
    expect((await staff.post(`/staff/calendar/${row.id}`, event({ grades: '11' }))).statusCode).toBe(303);
    expect(await grades()).toEqual([11]);
    expect(await calendarOf(mayaParent, ninth)).not.toContain('Freshman Orientation');
    expect(await mayaFeed()).not.toContain('Freshman Orientation');
    expect(await calendarOf(leoParent, eleventh)).toContain('Freshman Orientation');
    expect(await leoFeed()).toContain('SUMMARY:Freshman Orientation');

    // No grade ticked: the whole school.
    expect((await staff.post(`/staff/calendar/${row.id}`, event({}))).statusCode).toBe(303);
    expect(await grades()).toEqual([]);
    expect(await calendarOf(mayaParent, ninth)).toContain('Freshman Orientation');
    expect(await calendarOf(leoParent, eleventh)).toContain('Freshman Orientation');

    await staff.post(`/staff/calendar/${row.id}`, event({ grades: ['9'] }));
    expect((await staff.post(`/staff/calendar/${row.id}/remove`, { confirm: 'yes' })).statusCode).toBe(303);
    expect(await get().db.selectFrom('school_event_grades').selectAll().execute()).toEqual([]);
  });

  it('shows a district event for grade 11 only to the eleventh grader', async () => {
    const district = await signedIn(admin.account!);
    const created = await district.submit('/staff/calendar', event({ place: 'district', titleEn: 'Junior College Night', titleEs: 'Noche universitaria', grades: ['11'] }));
    expect(created.statusCode).toBe(303);
    expect(textOf((await district.get(String(created.headers.location))).body)).toContain('Every school of the district, grade 11');
    expect(textOf((await district.get('/staff/calendar')).body)).not.toContain('grades 11');
    expect(await calendarOf(await signedIn(eleventh.guardianAccount!), eleventh)).toContain('Junior College Night');
    expect(await calendarOf(await signedIn(ninth.guardianAccount!), ninth)).not.toContain('Junior College Night');
  });

  it('names an event’s grade levels as people write them, in English and Spanish: one grade, a range, a list', async () => {
    const english = await signedIn(office.account!);
    const spanish = await signedIn(oficina.account!);
    // Ticked in any order, as a form may send them; written down by hand, in each language.
    const cases: [string, string[], string, string][] = [
      ['Grades one', ['10'], 'grade 10', 'grado 10'],
      ['Grades two in a row', ['10', '9'], 'grades 9–10', 'grados 9–10'],
      ['Grades two apart', ['11', '9'], 'grades 9 and 11', 'grados 9 y 11'],
      ['Grades a run and one', ['12', '9', '10'], 'grades 9–10 and 12', 'grados 9–10 y 12'],
      ['Grades all four', ['9', '10', '11', '12'], 'grades 9–12', 'grados 9–12'],
      ['Grades one and a run', ['11', '9', '12'], 'grades 9 and 11–12', 'grados 9 y 11–12'],
    ];
    for (const [title, grades] of cases) expect((await english.submit('/staff/calendar', event({ titleEn: title, titleEs: title, grades }))).statusCode, title).toBe(303);
    const shown = async (c: Client, caption: string) => new Map(tableRows((await c.get('/staff/calendar')).body, caption).map((row) => [row[0], row[1]]));
    const en = await shown(english, 'Events from today on');
    const es = await shown(spanish, 'Eventos desde hoy');
    for (const [title, , inEnglish, inSpanish] of cases) {
      expect(en.get(title), title).toBe(`${world.school.name}, ${inEnglish}`);
      expect(es.get(title), title).toBe(`${world.school.name}, ${inSpanish}`);
    }
    // The question before removing says it the same way.
    const id = (await get().db.selectFrom('school_event_texts').select('event_id').where('title', '=', 'Grades one').executeTakeFirstOrThrow()).event_id;
    expect(textOf((await english.get(`/staff/calendar/${id}/remove`)).body)).toContain(`${world.school.name}, grade 10`);
    expect(textOf((await spanish.get(`/staff/calendar/${id}/remove`)).body)).toContain(`${world.school.name}, grado 10`);
    for (const [title] of cases) {
      const row = await get().db.selectFrom('school_event_texts').select('event_id').where('title', '=', title).executeTakeFirstOrThrow();
      expect((await english.post(`/staff/calendar/${row.event_id}/remove`, { confirm: 'yes' })).statusCode).toBe(303);
    }
  });

  it('refuses a grade the school does not teach, or one that is not a grade, in the staff member’s language, writing nothing', async () => {
    const english = await signedIn(office.account!);
    const spanish = await signedIn(oficina.account!);
    await english.get('/staff/calendar');
    await spanish.get('/staff/calendar');
    const before = await written();
    const cases: [Client, string | string[], string][] = [
      [english, ['9', '7'], 'Choose only grades the school teaches.'],
      [english, ['13'], 'Choose only grades the school teaches.'],
      [spanish, '8', 'Elija solo grados que tiene la escuela.'],
      [english, 'ninth', 'Grade levels'],
      [english, ['9', '-1'], 'Grade levels'],
    ];
    for (const [c, grades, message] of cases) {
      const res = await c.post('/staff/calendar', event({ titleEn: 'Wrong Grades', grades }));
      expect(res.statusCode, String(grades)).toBe(400);
      const text = textOf(res.body);
      expect(text, String(grades)).toContain(message);
      expect(res.body, String(grades)).toContain('id="grades-error"');
      expect(await written(), String(grades)).toEqual(before);
    }
  });
});
