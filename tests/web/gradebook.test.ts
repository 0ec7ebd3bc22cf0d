/**
 * The teacher's gradebook (issue 19): the score grid, column and row pages, bulk actions, setup of
 * categories and assignments, concurrency (a cell saved by someone else, a roster that changed, two
 * co-teachers at once), bad input with no partial save, access (404 for a teacher of another section,
 * 403 for anyone who teaches nothing, and nothing written either way), change events and audit rows, and what families see afterwards.
 * Every expected value is worked out by hand from the fixture below.
 *
 * Tuesday 9 February 2027; Quarter 3 runs 5 January – 12 March. Biology (weighted: Homework 40 %, Tests
 * 60 %) is Rosa Marquez's with Ana Lopez as co-teacher; Zoe Adams, Leo Ortiz and Maya Ortiz are enrolled.
 * Quarter 3 assignments: HW 1 (Homework, 10 points, due 20 Jan), Test 1 (Tests, 100, due 1 Feb),
 * Secret quiz (Tests, 20, due 5 Feb, NOT published), HW 2 (Homework, 10, due 20 Feb).
 * Maya has HW 1 8/10 and Test 1 90/100: Homework 80 %, Tests 90 %, grade (40·80 + 60·90)/100 = 86.00 % (B).
 * Leo has Test 1 70/100. Maya's mother Lucia reads the portal. Paul Nyberg teaches Chemistry; Tom teaches
 * at the middle school; Olga is office staff, Nina the nurse.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { makeApp } from '../support/app.js';
import { describeEachEngine } from '../support/db.js';
import {
  guardianWithChild,
  otherSchool,
  schoolYear,
  sectionWithGradebook,
  staffMember,
  student,
  teachSection,
  type AccountFixture,
  type Family,
  type SectionFixture,
  type StaffFixture,
  type StudentFixture,
  type World,
} from '../support/factories.js';
import { Client } from '../support/http.js';
import { QueryCounter } from '../support/query-counter.js';

const TODAY = '2027-02-09';

const unescape = (s: string) => s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

/** The fields a browser would send for the form posting to `action` (the form token left to the client). */
function formFields(body: string, action: string): Record<string, string | string[]> {
  const start = body.indexOf(`<form method="post" action="${action}"`);
  if (start < 0) throw new Error(`no form posting to ${action}`);
  const html = body.slice(start, body.indexOf('</form>', start));
  const fields: Record<string, string | string[]> = {};
  const add = (name: string, value: string) => {
    const had = fields[name];
    fields[name] = had === undefined ? value : ([] as string[]).concat(had, value);
  };
  for (const tag of html.match(/<input\b[^>]*>/g) ?? []) {
    const attr = (n: string) => new RegExp(`\\s${n}="([^"]*)"`).exec(tag)?.[1];
    const name = attr('name');
    if (!name || name === '_csrf') continue;
    if (attr('type') === 'checkbox' && !/\schecked[\s>=/]/.test(tag)) continue;
    add(name, unescape(attr('value') ?? ''));
  }
  for (const m of html.matchAll(/<textarea\b[^>]*name="([^"]+)"[^>]*>([\s\S]*?)<\/textarea>/g)) add(m[1]!, unescape(m[2]!));
  for (const m of html.matchAll(/<select\b[^>]*name="([^"]+)"[^>]*>([\s\S]*?)<\/select>/g)) {
    const chosen = /<option[^>]*value="([^"]*)"[^>]*selected/.exec(m[2]!) ?? /<option[^>]*value="([^"]*)"/.exec(m[2]!);
    if (chosen) add(m[1]!, chosen[1]!);
  }
  return fields;
}

describeEachEngine('the teacher’s gradebook', (get) => {
  let app: FastifyInstance;
  let world: World;
  let ortiz: Family;
  let leo: StudentFixture;
  let zoe: StudentFixture;
  let biology: SectionFixture;
  let rosa: StaffFixture;
  let ana: StaffFixture;
  let paul: StaffFixture;
  let tom: StaffFixture;
  let olga: StaffFixture;
  let nina: StaffFixture;
  let address = 0;

  beforeAll(async () => {
    const db = get().db;
    world = await schoolYear(db, { today: TODAY });
    ortiz = await guardianWithChild(db, world, { student: { first: 'Maya', last: 'Ortiz', grade: 11 }, guardian: { first: 'Lucia', last: 'Ortiz' } });
    leo = await student(db, world, { first: 'Leo', last: 'Ortiz', grade: 9 });
    zoe = await student(db, world, { first: 'Zoe', last: 'Adams', grade: 10 });
    const maya = ortiz.student;
    biology = await sectionWithGradebook(db, world, {
      course: { code: 'SCI301', title: 'Biology' },
      period: '2',
      method: 'weighted',
      categories: [
        { name: 'Homework', weight: 40 },
        { name: 'Tests', weight: 60 },
      ],
      assignments: [
        { title: 'HW 1', category: 'Homework', quarter: 'Q3', due: '2027-01-20', possible: 10 },
        { title: 'Test 1', category: 'Tests', quarter: 'Q3', due: '2027-02-01', possible: 100 },
        { title: 'Secret quiz', category: 'Tests', quarter: 'Q3', due: '2027-02-05', possible: 20, published: false },
        { title: 'HW 2', category: 'Homework', quarter: 'Q3', due: '2027-02-20', possible: 10 },
      ],
      students: [{ student: maya }, { student: leo }, { student: zoe }],
      scores: [
        { student: maya, assignment: 'HW 1', points: 8 },
        { student: maya, assignment: 'Test 1', points: 90 },
        { student: leo, assignment: 'Test 1', points: 70 },
      ],
    });
    const chemistry = await sectionWithGradebook(db, world, { course: { code: 'SCI401', title: 'Chemistry' }, period: '3', students: [{ student: zoe }] });
    rosa = await staffMember(db, world, { first: 'Rosa', last: 'Marquez', roles: [{ role: 'teacher' }] });
    ana = await staffMember(db, world, { first: 'Ana', last: 'Lopez', roles: [{ role: 'teacher' }] });
    paul = await staffMember(db, world, { first: 'Paul', last: 'Nyberg', roles: [{ role: 'teacher' }] });
    await teachSection(db, rosa, biology, { primary: true });
    await teachSection(db, ana, biology);
    await teachSection(db, paul, chemistry, { primary: true });
    const middle = await otherSchool(db);
    tom = await staffMember(db, world, { first: 'Tom', last: 'Middle', roles: [{ role: 'teacher', schoolId: middle.id }] });
    const middleSection = await sectionWithGradebook(db, world, { course: { code: 'MID100', title: 'Math 6' }, period: '1' });
    await db.updateTable('sections').set({ school_id: middle.id }).where('id', '=', middleSection.id).execute();
    await teachSection(db, tom, middleSection, { primary: true });
    olga = await staffMember(db, world, { first: 'Olga', last: 'Office', roles: [{ role: 'office' }] });
    nina = await staffMember(db, world, { first: 'Nina', last: 'Nurse', roles: [{ role: 'nurse' }] });
    app = await makeApp(get(), { now: () => new Date(`${TODAY}T18:00:00Z`) });
  });
  afterAll(() => app.close());

  const signedIn = async (who: AccountFixture | null) => {
    const c = new Client(app, {}, `10.9.${Math.floor(++address / 250)}.${address % 250}`);
    const res = await c.submit('/sign-in', { username: who!.username, password: who!.password });
    expect(res.statusCode).toBe(303);
    await c.get('/home');
    return c;
  };
  const q3 = () => world.terms.Q3.id;
  const grid = () => `/staff/classes/${biology.id}/gradebook?period=${q3()}`;
  const column = (title: string) => `/staff/classes/${biology.id}/gradebook/assignments/${biology.assignments[title]}?period=${q3()}`;
  const row = (s: StudentFixture) => `/staff/classes/${biology.id}/gradebook/students/${s.id}?period=${q3()}`;
  const setup = () => `/staff/classes/${biology.id}/gradebook/setup?period=${q3()}`;
  const cell = (s: StudentFixture, title: string) => `p_${s.id}_${biology.assignments[title]}`;
  const scores = () =>
    get()
      .db.selectFrom('assignment_scores')
      .select(['assignment_id', 'student_id', 'points', 'missing', 'late', 'exempt', 'incomplete', 'dropped', 'comment', 'version'])
      .orderBy('assignment_id')
      .orderBy('student_id')
      .execute();
  const scoreOf = async (s: StudentFixture, title: string) => (await scores()).find((r) => r.student_id === s.id && r.assignment_id === biology.assignments[title]);
  const events = () => get().db.selectFrom('change_events').select(['id', 'kind', 'action', 'student_id', 'section_id', 'before', 'after']).orderBy('id').execute();
  const audits = (action: string) => get().db.selectFrom('audit_log').select(['action', 'actor_account_id', 'subject_id', 'details']).where('action', '=', action).orderBy('id').execute();
  const everything = async () => ({
    scores: await scores(),
    assignments: await get().db.selectFrom('assignments').selectAll().orderBy('id').execute(),
    categories: await get().db.selectFrom('grading_categories').selectAll().orderBy('id').execute(),
    events: (await events()).length,
  });

  it('shows students down and assignments across, each with the grade families see', async () => {
    const rosaClient = await signedIn(rosa.account);
    const page = await rosaClient.get(grid());
    expect(page.statusCode).toBe(200);
    const names = [...page.body.matchAll(/<th scope="row" id="s-\d+"><a [^>]*>([^<]+)<\/a>/g)].map((m) => m[1]);
    expect(names).toEqual(['Adams, Zoe', 'Ortiz, Leo', 'Ortiz, Maya']);
    const columns = [...page.body.matchAll(/<th scope="col" id="a-\d+"><a [^>]*>([^<]+)<\/a>/g)].map((m) => m[1]);
    expect(columns).toEqual(['HW 1', 'Test 1', 'Secret quiz', 'HW 2']);
    expect(page.body).toContain('Not published to families');
    const grade = (s: StudentFixture) => new RegExp(`data-grade="${s.id}">([^<]*)<`).exec(page.body)?.[1];
    expect(grade(ortiz.student)).toBe('86.00% B');
    // Leo: Tests 70 %, no homework yet: the Tests category alone makes the grade.
    expect(grade(leo)).toBe('70.00% C-');
    expect(grade(zoe)).toBe('—');
    expect(formFields(page.body, grid())[cell(ortiz.student, 'HW 1')]).toBe('8');
    // Spanish: the same page in the teacher's other language.
    await rosaClient.post('/lang/es', { next: grid() });
    const es = await rosaClient.get(grid());
    expect(es.body).toContain('Calificación que ven las familias');
    expect(es.body).toContain('No publicada para las familias');
    await rosaClient.post('/lang/en', { next: grid() });
    // My classes links the gradebook (Biology meets on Tuesdays).
    expect((await rosaClient.get('/staff/classes')).body).toContain(`href="/staff/classes/${biology.id}/gradebook"`);
  });

  it('saves every changed cell of the grid at once, records each change and audits it; families see it at once', async () => {
    const rosaClient = await signedIn(rosa.account);
    const page = await rosaClient.get(grid());
    const fields = formFields(page.body, grid());
    fields[cell(ortiz.student, 'Test 1')] = '100';
    fields[cell(zoe, 'HW 1')] = '9,5';
    const before = (await events()).length;
    const res = await rosaClient.post(grid(), fields);
    expect(res.statusCode).toBe(303);
    // Back to the last cell changed (Maya Ortiz is below Zoe Adams): its field, focused by the fragment.
    const mayaTest = `${ortiz.student.id}_${biology.assignments['Test 1']}`;
    expect(res.headers.location).toBe(`${grid()}&saved=2&at=${mayaTest}#p_${mayaTest}`);
    expect((await rosaClient.get(res.headers.location as string)).body).toContain('2 scores saved.');
    expect(await scoreOf(ortiz.student, 'Test 1')).toMatchObject({ points: 100, version: 2 });
    expect(await scoreOf(zoe, 'HW 1')).toMatchObject({ points: 9.5, version: 1, missing: 0 });
    const recorded = (await events()).slice(before).sort((a, b) => (a.student_id ?? 0) - (b.student_id ?? 0));
    expect(recorded.map((e) => [e.kind, e.action, e.student_id, e.section_id])).toEqual([
      ['score', 'updated', ortiz.student.id, biology.id],
      ['score', 'created', zoe.id, biology.id],
    ]);
    expect(JSON.parse(recorded[0]!.before as string)).toMatchObject({ title: 'Test 1', points: 90 });
    expect(JSON.parse(recorded[0]!.after as string)).toMatchObject({ title: 'Test 1', points: 100 });
    const audit = (await audits('gradebook.scores')).at(-1)!;
    expect(audit.actor_account_id).toBe(rosa.account!.id);
    expect(audit.subject_id).toBe(biology.id);
    expect(JSON.parse(audit.details as string).changes).toHaveLength(2);
    // The family's next page: Homework 80 %, Tests 100 % → (40·80 + 60·100)/100 = 92.00 %.
    const lucia = await signedIn(ortiz.guardianAccount);
    const grades = await lucia.get(`/students/${ortiz.student.id}/grades/${biology.id}`);
    expect(grades.body).toContain('92.00%');
    expect(grades.body).not.toContain('86.00%');
    // The grid shows the same grade.
    expect((await rosaClient.get(grid())).body).toContain(`data-grade="${ortiz.student.id}">92.00% A-<`);
    // Saving an unchanged grid writes nothing.
    const again = await rosaClient.post(grid(), formFields((await rosaClient.get(grid())).body, grid()));
    expect(again.headers.location).toBe(`${grid()}&saved=0`);
  });

  it('takes a grid cell whose points were not sent as unchanged (gradebook.js sends only the changed ones); the column page needs every cell', async () => {
    const rosaClient = await signedIn(rosa.account);
    const fields = formFields((await rosaClient.get(grid())).body, grid());
    const points = Object.keys(fields).filter((k) => k.startsWith('p_'));
    expect(points.length).toBeGreaterThan(4);
    const before = await everything();
    // Nothing but the rows' originals and the lists: saved nothing, changed nothing.
    const bare = Object.fromEntries(Object.entries(fields).filter(([k]) => !k.startsWith('p_')));
    const none = await rosaClient.post(grid(), bare);
    expect(none.statusCode).toBe(303);
    expect(none.headers.location).toBe(`${grid()}&saved=0`);
    expect(await everything()).toEqual(before);
    // One cell sent, changed: that cell is saved; every other stays as it was.
    const leoHw1 = await scoreOf(leo, 'HW 1');
    const one = await rosaClient.post(grid(), { ...bare, [cell(leo, 'HW 1')]: leoHw1?.points === 3 ? '2' : '3' });
    expect(one.statusCode).toBe(303);
    expect(one.headers.location).toContain('saved=1');
    const after = await scores();
    const changed = after.filter((r) => JSON.stringify(r) !== JSON.stringify((before.scores as typeof after).find((b) => b.student_id === r.student_id && b.assignment_id === r.assignment_id)));
    expect(changed.map((r) => [r.student_id, r.assignment_id])).toEqual([[leo.id, biology.assignments['HW 1']]]);
    // One sent with a bad value: refused as any other, nothing saved.
    const snapshot = await everything();
    const bad = await rosaClient.post(grid(), { ...Object.fromEntries(Object.entries(formFields((await rosaClient.get(grid())).body, grid())).filter(([k]) => !k.startsWith('p_'))), [cell(zoe, 'HW 2')]: '-2' });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('Points cannot be below zero.');
    expect(await everything()).toEqual(snapshot);
    // The column page carries every cell's flags and comment: a cell left out there is a malformed form.
    const columnFields = formFields((await rosaClient.get(column('HW 1'))).body, column('HW 1'));
    delete columnFields[cell(zoe, 'HW 1')];
    const partial = await rosaClient.post(column('HW 1'), columnFields);
    expect(partial.statusCode).toBe(400);
    expect(partial.body).toContain('This form could not be read.');
    expect(await everything()).toEqual(snapshot);
  });

  it('comes back after a save to the cell the teacher was in: its field is the fragment, focused and described by the notice', async () => {
    const rosaClient = await signedIn(rosa.account);
    const key = (s: StudentFixture, title: string) => `${s.id}_${biology.assignments[title]}`;
    const fields = formFields((await rosaClient.get(grid())).body, grid());
    // The form carries an empty `at` (gradebook.js fills it in with the focused cell).
    expect(fields.at).toBe('');
    // With a script: the cell that had focus (Leo's HW 2, not changed) — not the one changed.
    fields[cell(zoe, 'HW 2')] = '5';
    const focused = await rosaClient.post(grid(), { ...fields, at: key(leo, 'HW 2') });
    expect(focused.headers.location).toBe(`${grid()}&saved=1&at=${key(leo, 'HW 2')}#p_${key(leo, 'HW 2')}`);
    // A cell the form did not carry, or not a cell: the last cell changed.
    const again = formFields((await rosaClient.get(grid())).body, grid());
    again[cell(zoe, 'HW 2')] = '6';
    for (const at of ['999999_999999', '<x>', `${leo.id}_${biology.assignments['HW 2']}_1`]) {
      const res = await rosaClient.post(grid(), { ...again, at });
      expect(res.headers.location, at).toBe(`${grid()}&saved=1&at=${key(zoe, 'HW 2')}#p_${key(zoe, 'HW 2')}`);
      again[cell(zoe, 'HW 2')] = again[cell(zoe, 'HW 2')] === '6' ? '7' : '6';
      Object.assign(again, Object.fromEntries(Object.entries(formFields((await rosaClient.get(grid())).body, grid())).filter(([k]) => k.startsWith('o_'))));
    }

    // The page it comes back to: that one field has the fragment's id and is described by the notice beside it.
    const back = await rosaClient.get(`${grid()}&saved=1&at=${key(zoe, 'HW 2')}`);
    expect(back.body).toContain('id="gradebook-saved"');
    const inputs = back.body.match(/<input class="usa-input hr-cell[^>]*>/g)!;
    const withId = inputs.filter((i) => / id="/.test(i));
    expect(withId).toHaveLength(1);
    expect(withId[0]).toContain(`name="p_${key(zoe, 'HW 2')}"`);
    expect(withId[0]).toContain(`id="p_${key(zoe, 'HW 2')}"`);
    expect(withId[0]).toContain('aria-describedby="gradebook-saved"');
    expect(back.body).toMatch(/aria-describedby="gradebook-saved">\s*<span class="hr-cell-saved" aria-hidden="true">Saved<\/span>/);
    // Without a save to tell of, no cell is singled out.
    expect((await rosaClient.get(`${grid()}&at=${key(zoe, 'HW 2')}`)).body).not.toContain(`id="p_${key(zoe, 'HW 2')}"`);

    // A column and a row come back to the last cell changed, the same way.
    const columnForm = formFields((await rosaClient.get(column('HW 2'))).body, column('HW 2'));
    columnForm[`c_${key(leo, 'HW 2')}`] = 'Redone';
    const columnSaved = await rosaClient.post(column('HW 2'), columnForm);
    expect(columnSaved.headers.location).toBe(`${column('HW 2')}&saved=1&at=${key(leo, 'HW 2')}#p_${key(leo, 'HW 2')}`);
    const columnPage = await rosaClient.get(columnSaved.headers.location!.split('#')[0]!);
    expect(columnPage.body).toMatch(new RegExp(`id="p_${key(leo, 'HW 2')}"[^>]*aria-describedby="gradebook-saved"`));
    const rowForm = formFields((await rosaClient.get(row(leo))).body, row(leo));
    rowForm[`c_${key(leo, 'HW 1')}`] = 'Checked';
    const rowSaved = await rosaClient.post(row(leo), rowForm);
    expect(rowSaved.headers.location).toBe(`${row(leo)}&saved=1&at=${key(leo, 'HW 1')}#p_${key(leo, 'HW 1')}`);
    const rowPage = await rosaClient.get(rowSaved.headers.location!.split('#')[0]!);
    expect(rowPage.body).toMatch(new RegExp(`id="p_${key(leo, 'HW 1')}"[^>]*aria-describedby="gradebook-saved"`));
    // Spanish: the note beside the cell in the teacher's language.
    await rosaClient.post('/lang/es', { next: grid() });
    expect((await rosaClient.get(`${grid()}&saved=1&at=${key(zoe, 'HW 2')}`)).body).toContain('<span class="hr-cell-saved" aria-hidden="true">Guardado</span>');
    await rosaClient.post('/lang/en', { next: grid() });
  });

  it('refuses bad points with a message at each cell and saves none of the submission', async () => {
    const rosaClient = await signedIn(rosa.account);
    const fields = formFields((await rosaClient.get(grid())).body, grid());
    const snapshot = await everything();
    // A good change beside each bad one: nothing of either may be saved.
    const cases: [string, string, string][] = [
      ['-1', 'Points cannot be below zero.', 'HW 2'],
      ['21', 'Points cannot be more than 20.', 'HW 2'],
      ['ten', 'Enter a number, such as 8 or 8.5, or leave it empty.', 'HW 2'],
    ];
    for (const [value, message] of cases) {
      const res = await rosaClient.post(grid(), { ...fields, [cell(leo, 'HW 1')]: '6', [cell(leo, 'HW 2')]: value });
      expect(res.statusCode).toBe(400);
      expect(res.body).toContain(message);
      expect(res.body).toContain('Nothing was saved.');
      expect(res.body).toContain(`id="${cell(leo, 'HW 2')}-error"`);
      // What was typed is shown again.
      expect(res.body).toMatch(new RegExp(`name="${cell(leo, 'HW 1')}"[^>]*value="6"`));
      expect(await everything()).toEqual(snapshot);
    }
    // What was typed comes back escaped, never as markup (the grid's cells are written as a string).
    const hostile = await rosaClient.post(grid(), { ...fields, [cell(leo, 'HW 2')]: '"><b>8</b>&' });
    expect(hostile.statusCode).toBe(400);
    expect(hostile.body).toContain('value="&quot;&gt;&lt;b&gt;8&lt;/b&gt;&amp;"');
    expect(hostile.body).not.toContain('<b>8</b>');
    // Exactly the largest allowed (twice 10) is accepted.
    const ok = await rosaClient.post(grid(), { ...fields, [cell(leo, 'HW 2')]: '20' });
    expect(ok.statusCode).toBe(303);
    expect(await scoreOf(leo, 'HW 2')).toMatchObject({ points: 20 });
    // The district sets the largest score: at 1.5 × points possible, 16 of 10 is refused and 15 accepted.
    const district = await get().db.selectFrom('district').select('settings').executeTakeFirstOrThrow();
    await get().db.updateTable('district').set({ settings: JSON.stringify({ ...JSON.parse(district.settings), maxScoreMultiple: 1.5 }) }).execute();
    app.services.districts.invalidate();
    const fresh = formFields((await rosaClient.get(grid())).body, grid());
    const over = await rosaClient.post(grid(), { ...fresh, [cell(zoe, 'HW 2')]: '16' });
    expect(over.statusCode).toBe(400);
    expect(over.body).toContain('Points cannot be more than 15.');
    expect((await rosaClient.post(grid(), { ...fresh, [cell(zoe, 'HW 2')]: '15' })).statusCode).toBe(303);
    expect(await scoreOf(zoe, 'HW 2')).toMatchObject({ points: 15 });
    await get().db.updateTable('district').set({ settings: district.settings }).execute();
    app.services.districts.invalidate();
    // A malformed form is a 400, not a 500, and saves nothing: a row's originals that are not the grid's
    // (not a list, a list of another length, an entry that is not "version:points"), or no list of the
    // grid's assignments to read them by.
    const unchanged = await everything();
    const leoRow = fields[`o_${leo.id}`] as string;
    expect(leoRow.split(',')).toHaveLength(4);
    const malformed = [
      { ...fields, [`o_${leo.id}`]: '{not json' },
      { ...fields, [`o_${leo.id}`]: `${leoRow},0:` },
      { ...fields, [`o_${leo.id}`]: leoRow.replace(/^[^,]*/, 'x:1') },
      Object.fromEntries(Object.entries(fields).filter(([k]) => k !== 'assignments')),
    ];
    for (const form of malformed) {
      const broken = await rosaClient.post(grid(), { ...form, [cell(leo, 'HW 1')]: '3' });
      expect(broken.statusCode).toBe(400);
      expect(broken.body).toContain('This form could not be read.');
    }
    expect(await everything()).toEqual(unchanged);
  });

  it('refuses a cell someone else saved meanwhile, names it, saves nothing; the shown form then saves', async () => {
    const rosaClient = await signedIn(rosa.account);
    const anaClient = await signedIn(ana.account);
    const rosaForm = formFields((await rosaClient.get(grid())).body, grid());
    const anaForm = formFields((await anaClient.get(grid())).body, grid());
    // Ana (co-teacher) saves Maya's HW 1 as 9.
    expect((await anaClient.post(grid(), { ...anaForm, [cell(ortiz.student, 'HW 1')]: '9' })).statusCode).toBe(303);
    const snapshot = await everything();
    // Rosa, from the page she opened before, sets the same cell to 7 and Zoe's HW 2 to 5.
    const res = await rosaClient.post(grid(), { ...rosaForm, [cell(ortiz.student, 'HW 1')]: '7', [cell(zoe, 'HW 2')]: '5' });
    expect(res.statusCode).toBe(409);
    expect(res.body).toContain('Someone else saved some of these scores');
    expect(res.body).toContain('Changed by someone else: it is now 9 (you entered 7).');
    expect(await everything()).toEqual(snapshot);
    // The page shown keeps Zoe's 5 and shows Maya's 9; saving it saves Zoe's score and keeps Ana's 9.
    const shown = formFields(res.body, grid());
    expect(shown[cell(zoe, 'HW 2')]).toBe('5');
    expect(shown[cell(ortiz.student, 'HW 1')]).toBe('9');
    expect((await rosaClient.post(grid(), shown)).statusCode).toBe(303);
    expect(await scoreOf(zoe, 'HW 2')).toMatchObject({ points: 5 });
    expect(await scoreOf(ortiz.student, 'HW 1')).toMatchObject({ points: 9 });
    // A cell someone else changed that this form did not touch is neither refused nor overwritten.
    const stale = formFields((await rosaClient.get(grid())).body, grid());
    expect((await anaClient.post(grid(), { ...formFields((await anaClient.get(grid())).body, grid()), [cell(leo, 'HW 1')]: '4' })).statusCode).toBe(303);
    expect((await rosaClient.post(grid(), { ...stale, [cell(zoe, 'HW 2')]: '6' })).statusCode).toBe(303);
    expect(await scoreOf(leo, 'HW 1')).toMatchObject({ points: 4 });
    expect(await scoreOf(zoe, 'HW 2')).toMatchObject({ points: 6 });
  });

  it('two co-teachers saving the same cell at the same moment: one is saved, the other told', async () => {
    const rosaClient = await signedIn(rosa.account);
    const anaClient = await signedIn(ana.account);
    const rosaForm = formFields((await rosaClient.get(grid())).body, grid());
    const anaForm = formFields((await anaClient.get(grid())).body, grid());
    const [a, b] = await Promise.all([
      rosaClient.post(grid(), { ...rosaForm, [cell(zoe, 'Test 1')]: '81' }),
      anaClient.post(grid(), { ...anaForm, [cell(zoe, 'Test 1')]: '82' }),
    ]);
    expect([a.statusCode, b.statusCode].sort()).toEqual([303, 409]);
    const loser = a.statusCode === 409 ? a : b;
    const winner = a.statusCode === 303 ? '81' : '82';
    expect(loser.body).toContain(`Changed by someone else: it is now ${winner}`);
    expect(await scoreOf(zoe, 'Test 1')).toMatchObject({ points: Number(winner), version: 1 });
    const created = (await events()).filter((e) => e.kind === 'score' && e.student_id === zoe.id && e.action === 'created' && JSON.parse(e.after as string).title === 'Test 1');
    expect(created).toHaveLength(1);
  });

  it('refuses a save when the class list changed while the form was open', async () => {
    const rosaClient = await signedIn(rosa.account);
    const fields = formFields((await rosaClient.get(grid())).body, grid());
    const ian = await student(get().db, world, { first: 'Ian', last: 'Cho', grade: 10 });
    await get()
      .db.insertInto('section_enrollments')
      .values({ sourced_id: null, section_id: biology.id, student_id: ian.id, begin_date: '2027-02-08', end_date: null, created_at: '2027-02-08T12:00:00.000Z', updated_at: '2027-02-08T12:00:00.000Z', updated_by: null })
      .execute();
    const snapshot = await everything();
    const res = await rosaClient.post(grid(), { ...fields, [cell(leo, 'HW 2')]: '7' });
    expect(res.statusCode).toBe(409);
    expect(res.body).toContain('The class list changed after you opened this page');
    expect(await everything()).toEqual(snapshot);
    // The page shown lists Ian and keeps Leo's 7: saving it works.
    expect(res.body).toContain('Cho, Ian');
    expect((await rosaClient.post(grid(), formFields(res.body, grid()))).statusCode).toBe(303);
    expect(await scoreOf(leo, 'HW 2')).toMatchObject({ points: 7 });
    await get().db.deleteFrom('section_enrollments').where('student_id', '=', ian.id).execute();
  });

  it('answers 404 to teachers of other sections, 403 to everyone who teaches nothing, and writes nothing', async () => {
    const rosaClient = await signedIn(rosa.account);
    const fields = { ...formFields((await rosaClient.get(grid())).body, grid()), [cell(leo, 'HW 2')]: '3' };
    const snapshot = await everything();
    // Teachers of another section (here and at the middle school): as if the section did not exist.
    // Office staff, the nurse and the family teach nothing: the teaching pages are not theirs (403).
    const outsiders: [AccountFixture | null, number][] = [
      [paul.account, 404],
      [tom.account, 404],
      [olga.account, 403],
      [nina.account, 403],
      [ortiz.guardianAccount, 403],
      [ortiz.studentAccount, 403],
    ];
    for (const [who, status] of outsiders) {
      const c = await signedIn(who);
      const as = (url: string) => `${who!.username} ${url}`;
      for (const url of [grid(), column('HW 1'), row(leo), setup(), `/staff/classes/${biology.id}/gradebook/assignments/new?period=${q3()}`, `/staff/classes/${biology.id}/gradebook/assignments/${biology.assignments['HW 1']}/delete?period=${q3()}`]) {
        const res = await c.get(url);
        expect(res.statusCode, as(url)).toBe(status);
        expect(res.body, as(url)).not.toContain('Ortiz, Maya');
      }
      expect((await c.post(grid(), fields)).statusCode, as(grid())).toBe(status);
      expect((await c.post(column('HW 1').replace('?', '/fill?'), { points: '1' })).statusCode, as('fill')).toBe(status);
      expect((await c.post(column('HW 1').replace('?', '/missing?'), {})).statusCode, as('missing')).toBe(status);
      expect((await c.post(`/staff/classes/${biology.id}/gradebook/categories?period=${q3()}`, { name: 'X', weight: '5', dropLowest: '0', sequence: '3' })).statusCode, as('category')).toBe(status);
      expect((await c.post(`/staff/classes/${biology.id}/gradebook/categories/${biology.categories.Homework}/remove?period=${q3()}`, {})).statusCode, as('remove')).toBe(status);
      expect(
        (await c.post(`/staff/classes/${biology.id}/gradebook/assignments/new?period=${q3()}`, { title: 'X', categoryId: String(biology.categories.Homework), assigned: TODAY, due: TODAY, pointsPossible: '5' })).statusCode,
        as('new assignment'),
      ).toBe(status);
      expect((await c.post(`/staff/classes/${biology.id}/gradebook/assignments/${biology.assignments['HW 1']}/delete?period=${q3()}`, {})).statusCode, as('delete')).toBe(status);
    }
    expect(await everything()).toEqual(snapshot);
    // A period that is not the section's, and a section that does not exist, are not found either.
    expect((await rosaClient.get(`/staff/classes/${biology.id}/gradebook?period=${world.terms.S1.id}`)).statusCode).toBe(404);
    expect((await rosaClient.get(`/staff/classes/999999/gradebook`)).statusCode).toBe(404);
    expect((await rosaClient.get(`/staff/classes/${biology.id}/gradebook?period=abc`)).statusCode).toBe(404);
  });

  it('saves a column with flags and comments, fills empty cells and marks missing past the due date', async () => {
    const rosaClient = await signedIn(rosa.account);
    // Clear the state of HW 2 left by earlier tests: Leo 7, Zoe 6; Maya none.
    const page = await rosaClient.get(column('HW 1'));
    expect(page.statusCode).toBe(200);
    const fields = formFields(page.body, column('HW 1'));
    const key = (s: StudentFixture) => `${s.id}_${biology.assignments['HW 1']}`;
    fields[`f_${key(leo)}`] = ['late'];
    fields[`c_${key(leo)}`] = 'Turned in a day late.';
    fields[`f_${key(ortiz.student)}`] = ['exempt'];
    const res = await rosaClient.post(column('HW 1'), fields);
    expect(res.statusCode).toBe(303);
    expect(await scoreOf(leo, 'HW 1')).toMatchObject({ points: 4, late: 1, comment: 'Turned in a day late.' });
    expect(await scoreOf(ortiz.student, 'HW 1')).toMatchObject({ points: 9, exempt: 1 });
    // A bad comment (a line break) is refused for that cell; nothing saved.
    const snapshot = await everything();
    const bad = formFields((await rosaClient.get(column('HW 1'))).body, column('HW 1'));
    bad[`c_${key(zoe)}`] = 'two\nlines';
    bad[`p_${key(leo)}`] = '5';
    expect((await rosaClient.post(column('HW 1'), bad)).statusCode).toBe(400);
    expect(await everything()).toEqual(snapshot);

    // Test 1: Maya 100, Leo 70, Zoe 81 or 82; HW 2 (due 20 Feb): Leo 7, Zoe 6, Maya empty.
    const fill = await rosaClient.post(column('HW 2').replace('?', '/fill?'), { points: '10' });
    expect(fill.statusCode).toBe(303);
    expect(await scoreOf(ortiz.student, 'HW 2')).toMatchObject({ points: 10 });
    expect(await scoreOf(leo, 'HW 2')).toMatchObject({ points: 7 });
    expect((await rosaClient.get(fill.headers.location as string)).body).toContain('1 empty score filled.');
    // Above the largest allowed, or not a number: a message at the field, nothing filled.
    const tooMuch = await rosaClient.post(column('Secret quiz').replace('?', '/fill?'), { points: '41' });
    expect(tooMuch.statusCode).toBe(400);
    expect(tooMuch.body).toContain('Points cannot be more than 40.');
    expect((await rosaClient.post(column('Secret quiz').replace('?', '/fill?'), { points: '-3' })).body).toContain('Points cannot be below zero.');
    expect(await scoreOf(zoe, 'Secret quiz')).toBeUndefined();
    // HW 2 is not due yet: nothing can be marked missing.
    const early = await rosaClient.post(column('HW 2').replace('?', '/missing?'), {});
    expect(early.statusCode).toBe(400);
    expect(early.body).toContain('once the due date has passed');
    // The secret quiz was due 5 February and nobody has a score: all three are marked missing.
    const missing = await rosaClient.post(column('Secret quiz').replace('?', '/missing?'), {});
    expect(missing.statusCode).toBe(303);
    for (const s of [ortiz.student, leo, zoe]) expect(await scoreOf(s, 'Secret quiz')).toMatchObject({ points: null, missing: 1 });
    expect((await rosaClient.get(missing.headers.location as string)).body).toContain('3 students marked missing.');
  });

  it('saves a student’s row; an unpublished assignment is hidden from families and left out of their grade', async () => {
    const rosaClient = await signedIn(rosa.account);
    const page = await rosaClient.get(row(ortiz.student));
    expect(page.statusCode).toBe(200);
    const fields = formFields(page.body, row(ortiz.student));
    const quiz = `${ortiz.student.id}_${biology.assignments['Secret quiz']}`;
    fields[`p_${quiz}`] = '2';
    fields[`f_${quiz}`] = [];
    const res = await rosaClient.post(row(ortiz.student), fields);
    expect(res.statusCode).toBe(303);
    expect(await scoreOf(ortiz.student, 'Secret quiz')).toMatchObject({ points: 2, missing: 0 });
    // Maya now: HW 1 exempt, HW 2 10/10 → Homework 100 %; Test 1 100/100 → Tests 100 %. The quiz (2/20) is not published: 100.00 %.
    const lucia = await signedIn(ortiz.guardianAccount);
    const grades = await lucia.get(`/students/${ortiz.student.id}/grades/${biology.id}`);
    expect(grades.body).toContain('100.00%');
    expect(grades.body).not.toContain('Secret quiz');
    expect((await lucia.get(`/students/${ortiz.student.id}/assignments`)).body).not.toContain('Secret quiz');
    expect((await lucia.get(`/students/${ortiz.student.id}/assignments`)).body).toContain('HW 2');
    expect((await lucia.get(`/students/${ortiz.student.id}/calendar?month=2027-02`)).body).not.toContain('Secret quiz');
    expect((await lucia.get(`/students/${ortiz.student.id}/today`)).body).not.toContain('Secret quiz');
    // The teacher's grid shows the same grade the family sees.
    expect((await rosaClient.get(grid())).body).toContain(`data-grade="${ortiz.student.id}">100.00% A<`);
  });

  it('sets up categories: weights as the class needs them, a category with assignments stays', async () => {
    const rosaClient = await signedIn(rosa.account);
    const add = `/staff/classes/${biology.id}/gradebook/categories?period=${q3()}`;
    await rosaClient.get(setup());
    const snapshot = await everything();
    const noWeight = await rosaClient.post(add, { name: 'Labs', weight: '', dropLowest: '0', sequence: '3' });
    expect(noWeight.statusCode).toBe(400);
    expect(noWeight.body).toContain('needs a weight for each category');
    expect((await rosaClient.post(add, { name: 'Labs', weight: 'lots', dropLowest: '0', sequence: '3' })).body).toContain('Enter a number, such as 10 or 12.5.');
    expect((await rosaClient.post(add, { name: 'Labs', weight: '10', dropLowest: '1.5', sequence: '3' })).body).toContain('Enter a whole number.');
    expect((await rosaClient.post(add, { name: '', weight: '10', dropLowest: '0', sequence: '3' })).body).toContain('This is required.');
    expect(await everything()).toEqual(snapshot);
    const ok = await rosaClient.post(add, { name: 'Labs', weight: '10', dropLowest: '1', sequence: '3' });
    expect(ok.statusCode).toBe(303);
    const labs = await get().db.selectFrom('grading_categories').selectAll().where('section_id', '=', biology.id).where('name', '=', 'Labs').executeTakeFirstOrThrow();
    expect(labs).toMatchObject({ weight: 10, drop_lowest: 1, sequence: 3 });
    // Homework has assignments: it stays, and the teacher is told why.
    const refused = await rosaClient.post(`/staff/classes/${biology.id}/gradebook/categories/${biology.categories.Homework}/remove?period=${q3()}`, {});
    expect(refused.statusCode).toBe(409);
    expect(refused.body).toContain('This category has assignments, so it cannot be removed.');
    expect(await get().db.selectFrom('grading_categories').select('id').where('id', '=', biology.categories.Homework!).executeTakeFirst()).toBeDefined();
    // Labs has none: it goes. Both saves are audited.
    expect((await rosaClient.post(`/staff/classes/${biology.id}/gradebook/categories/${labs.id}/remove?period=${q3()}`, {})).statusCode).toBe(303);
    expect(await get().db.selectFrom('grading_categories').select('id').where('id', '=', labs.id).executeTakeFirst()).toBeUndefined();
    expect((await audits('gradebook.category.created')).length).toBe(1);
    expect((await audits('gradebook.category.removed')).length).toBe(1);
  });

  it('creates, publishes and deletes an assignment; dates outside the period and unknown categories are refused', async () => {
    const rosaClient = await signedIn(rosa.account);
    const create = `/staff/classes/${biology.id}/gradebook/assignments/new?period=${q3()}`;
    const form = formFields((await rosaClient.get(create)).body, create);
    // Not published: the box is left unticked.
    const unticked = Object.fromEntries(Object.entries(form).filter(([k]) => k !== 'published'));
    const good = { ...unticked, title: 'Lab report', categoryId: String(biology.categories.Tests), assigned: '2027-02-08', due: '2027-02-12', pointsPossible: '50', description: 'Enzymes.' };
    const snapshot = await everything();
    const outside = await rosaClient.post(create, { ...good, due: '2027-03-20' });
    expect(outside.statusCode).toBe(400);
    expect(outside.body).toContain('The date must be inside the grading period.');
    expect((await rosaClient.post(create, { ...good, assigned: '2027-02-30' })).body).toContain('Enter a real date.');
    expect((await rosaClient.post(create, { ...good, categoryId: '999999' })).body).toContain('Choose one of this class’s categories.');
    expect((await rosaClient.post(create, { ...good, pointsPossible: '-5' })).body).toContain('This cannot be below zero.');
    expect((await rosaClient.post(create, { ...good, due: '2027-02-01' })).body).toContain('The due date cannot be before the date it is assigned.');
    expect(await everything()).toEqual(snapshot);

    const before = (await events()).length;
    expect((await rosaClient.post(create, good)).statusCode).toBe(303);
    const lab = await get().db.selectFrom('assignments').selectAll().where('title', '=', 'Lab report').executeTakeFirstOrThrow();
    expect(lab).toMatchObject({ section_id: biology.id, grading_period_id: q3(), due_date: '2027-02-12', points_possible: 50, published: 0, description: 'Enzymes.' });
    const lucia = await signedIn(ortiz.guardianAccount);
    expect((await lucia.get(`/students/${ortiz.student.id}/assignments`)).body).not.toContain('Lab report');
    // Published by editing it: the family sees it on the next page.
    const edit = `/staff/classes/${biology.id}/gradebook/assignments/${lab.id}/edit?period=${q3()}`;
    const editForm = formFields((await rosaClient.get(edit)).body, edit);
    expect((await rosaClient.post(edit, { ...editForm, published: '1' })).statusCode).toBe(303);
    expect((await lucia.get(`/students/${ortiz.student.id}/assignments`)).body).toContain('Lab report');
    const recorded = (await events()).slice(before).map((e) => [e.kind, e.action]);
    expect(recorded).toEqual([
      ['assignment', 'created'],
      ['assignment', 'updated'],
    ]);

    // A score on it, then delete: the page asks first, and the score goes with it.
    const labColumn = `/staff/classes/${biology.id}/gradebook/assignments/${lab.id}?period=${q3()}`;
    const labFields = formFields((await rosaClient.get(labColumn)).body, labColumn);
    labFields[`p_${leo.id}_${lab.id}`] = '45';
    expect((await rosaClient.post(labColumn, labFields)).statusCode).toBe(303);
    const confirm = await rosaClient.get(`/staff/classes/${biology.id}/gradebook/assignments/${lab.id}/delete?period=${q3()}`);
    expect(confirm.body).toContain('The score of 1 student is deleted with it.');
    const gone = await rosaClient.post(`/staff/classes/${biology.id}/gradebook/assignments/${lab.id}/delete?period=${q3()}`, {});
    expect(gone.statusCode).toBe(303);
    expect(await get().db.selectFrom('assignments').select('id').where('id', '=', lab.id).executeTakeFirst()).toBeUndefined();
    expect(await get().db.selectFrom('assignment_scores').select('id').where('assignment_id', '=', lab.id).executeTakeFirst()).toBeUndefined();
    const last = (await events()).slice(-2).map((e) => [e.kind, e.action, e.student_id]);
    expect(last).toEqual([
      ['score', 'deleted', leo.id],
      ['assignment', 'deleted', null],
    ]);
    expect((await lucia.get(`/students/${ortiz.student.id}/assignments`)).body).not.toContain('Lab report');
    expect((await audits('gradebook.assignment.deleted')).length).toBe(1);
  });
  it('saves from a full-size grid: 35 students and 60 assignments post back as one form (with each cell’s full original it was over the form size limit: 413)', async () => {
    const db = get().db;
    const pupils: StudentFixture[] = [];
    for (let i = 0; i < 35; i++) pupils.push(await student(db, world, { first: `Pupil${i}`, last: `Grid${String(i).padStart(2, '0')}`, grade: 10 }));
    // Quarter 3 runs 5 January – 12 March: one 10-point homework due each day from 6 January.
    const titles = Array.from({ length: 60 }, (_, i) => `Day ${i + 1}`);
    const big = await sectionWithGradebook(db, world, {
      course: { code: 'SCI900', title: 'Big Biology' },
      period: '2',
      categories: [{ name: 'Homework', weight: 100 }],
      assignments: titles.map((title, i) => ({ title, category: 'Homework', quarter: 'Q3' as const, due: new Date(Date.UTC(2027, 0, 6 + i)).toISOString().slice(0, 10), possible: 10 })),
      students: pupils.map((p) => ({ student: p })),
      scores: pupils.map((p) => ({ student: p, assignment: 'Day 1', points: 5 })),
    });
    const bigTeacher = await staffMember(db, world, { first: 'Gina', last: 'Grid', roles: [{ role: 'teacher' }] });
    await teachSection(db, bigTeacher, big, { primary: true });
    const client = await signedIn(bigTeacher.account);
    const url = `/staff/classes/${big.id}/gradebook?period=${q3()}`;
    const fields = formFields((await client.get(url)).body, url);
    expect(Object.keys(fields).filter((k) => k.startsWith('p_'))).toHaveLength(35 * 60);
    // What each cell showed rides in one hidden field per student row, not one per cell.
    expect(Object.keys(fields).filter((k) => k.startsWith('o_'))).toHaveLength(35);
    // The whole column of Day 2 typed in: student i gets i mod 11 points.
    pupils.forEach((p, i) => (fields[`p_${p.id}_${big.assignments['Day 2']}`] = String(i % 11)));
    const res = await client.post(url, fields);
    expect(res.statusCode).toBe(303);
    const lastDay2 = `${pupils[34]!.id}_${big.assignments['Day 2']}`;
    expect(res.headers.location).toBe(`${url}&saved=35&at=${lastDay2}#p_${lastDay2}`);
    const stored = await db.selectFrom('assignment_scores').select(['student_id', 'points']).where('assignment_id', '=', big.assignments['Day 2']!).orderBy('student_id').execute();
    expect(stored).toEqual(pupils.map((p, i) => ({ student_id: p.id, points: i % 11 })).sort((a, b) => a.student_id - b.student_id));

    // Opening a grid asks as many statements for 35 × 60 as for Biology's 3 × 4, and saving a column as
    // many for 35 new scores as for one, or for 35 changed ones: a fixed number, each a round trip on
    // PostgreSQL (BENCHMARKS.md, "Session 17", counting begin and commit too: 11 → 9 to open, 25 → 12 to
    // save a column; a new column was an INSERT a cell).
    const counter = new QueryCounter();
    const counted = await makeApp({ ...get(), db: db.withPlugin(counter) }, { now: () => new Date(`${TODAY}T18:00:00Z`) });
    try {
      const browser = async (who: AccountFixture, page: string) => {
        const c = new Client(counted, {}, `10.9.250.${++address % 250}`);
        expect((await c.submit('/sign-in', { username: who.username, password: who.password })).statusCode).toBe(303);
        expect((await c.get(page)).statusCode).toBe(200); // warms the short caches (the district, the terms)
        return c;
      };
      const statements = async (run: () => Promise<number>, status: number) => {
        counter.count = 0;
        expect(await run()).toBe(status);
        return counter.count;
      };
      const gina = await browser(bigTeacher.account!, url);
      const rosaCounted = await browser(rosa.account!, grid());
      const openLarge = await statements(async () => (await gina.get(url)).statusCode, 200);
      expect(await statements(async () => (await rosaCounted.get(grid())).statusCode, 200)).toBe(openLarge);
      const column = async (title: string, typed: (i: number) => boolean) => {
        const form = formFields((await gina.get(url)).body, url);
        pupils.forEach((p, i) => typed(i) && (form[`p_${p.id}_${big.assignments[title]}`] = String((i % 9) + 1)));
        return statements(async () => (await gina.post(url, form)).statusCode, 303);
      };
      const newColumn = await column('Day 3', () => true);
      expect(await column('Day 4', (i) => i === 0)).toBe(newColumn);
      expect(await column('Day 2', () => true)).toBe(newColumn);
      expect(await db.selectFrom('assignment_scores').select((eb) => eb.fn.countAll<number>().as('n')).where('assignment_id', '=', big.assignments['Day 3']!).executeTakeFirstOrThrow()).toEqual({ n: 35 });
      expect(openLarge).toBeLessThanOrEqual(11);
      expect(newColumn).toBeLessThanOrEqual(14);
    } finally {
      await counted.close();
    }
  });
});
