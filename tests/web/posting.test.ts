/**
 * Teachers post term grades (issue 19): the proposed grades from the gradebook, posting with comment
 * codes and a comment, re-posting unchanged (nothing written), a correction kept in history, a stale
 * form, bad input of every kind, other teachers and non-teachers, a period not yet open; then the
 * family's Report Cards and PDF. Every expectation comes from the fixture below.
 *
 * Tuesday 9 February 2027, noon in Chicago. Quarter 2 (19 Oct – 18 Dec 2026) has ended; Quarter 3
 * (5 Jan – 12 Mar 2027) opens for posting on 6 March. Algebra (weighted: Tests 60 %, Homework 40 %) is
 * Rosa Marquez's with Ana Lopez as co-teacher; Paul Nyberg teaches Chemistry. Quarter 2's gradebook:
 *   Unit test (Tests, 100 points), HW 1 and HW 2 (Homework, 10 points each).
 *   Maya Ortiz: 88, 9, 10   → Tests 88 %, Homework 19/20 = 95 %  → 0.6·88 + 0.4·95 = 90.80 → A-
 *   Leo Ortiz:  70, missing, 8 → Tests 70 %, Homework 8/20 = 40 % → 0.6·70 + 0.4·40 = 58.00 → F
 *   Zoe Adams:  95, 10, exempt → Tests 95 %, Homework 10/10 = 100 % → 57 + 40 = 97.00 → A
 * Ian Cho left the class on 1 December, before the quarter ended: not on its roster. Leo has an
 * in-progress (unposted) Quarter 2 row; Maya an unposted Quarter 1 row that must never show to families.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { makeApp } from '../support/app.js';
import { describeEachEngine } from '../support/db.js';
import {
  guardianWithChild,
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
import { PDFTOTEXT, pdfText } from '../support/pdf.js';

const TODAY = '2027-02-09';

describeEachEngine('posting term grades', (get) => {
  let app: FastifyInstance;
  let world: World;
  let ortiz: Family;
  let spanishParent: Family;
  let leo: StudentFixture;
  let zoe: StudentFixture;
  let ian: StudentFixture;
  let algebra: SectionFixture;
  let rosa: StaffFixture;
  let ana: StaffFixture;
  let paul: StaffFixture;
  let olga: StaffFixture;
  let elena: StaffFixture;
  const code: Record<string, number> = {};
  let address = 0;

  beforeAll(async () => {
    const db = get().db;
    world = await schoolYear(db, { today: TODAY });
    ortiz = await guardianWithChild(db, world, { student: { first: 'Maya', last: 'Ortiz', grade: 11 }, guardian: { first: 'Lucia', last: 'Ortiz' } });
    spanishParent = await guardianWithChild(db, world, { child: ortiz.student, guardian: { first: 'Jorge', last: 'Ortiz' }, accounts: 'guardian', locale: 'es' });
    leo = await student(db, world, { first: 'Leo', last: 'Ortiz', grade: 9 });
    zoe = await student(db, world, { first: 'Zoe', last: 'Adams', grade: 10 });
    ian = await student(db, world, { first: 'Ian', last: 'Cho', grade: 10 });
    algebra = await sectionWithGradebook(db, world, {
      course: { code: 'MAT201', title: 'Algebra II' },
      period: '1',
      categories: [
        { name: 'Tests', weight: 60 },
        { name: 'Homework', weight: 40 },
      ],
      assignments: [
        { title: 'Unit test', category: 'Tests', quarter: 'Q2', due: '2026-11-20', possible: 100 },
        { title: 'HW 1', category: 'Homework', quarter: 'Q2', due: '2026-11-10', possible: 10 },
        { title: 'HW 2', category: 'Homework', quarter: 'Q2', due: '2026-12-01', possible: 10 },
      ],
      students: [{ student: ortiz.student }, { student: leo }, { student: zoe }, { student: ian, until: '2026-12-01' }],
      scores: [
        { student: ortiz.student, assignment: 'Unit test', points: 88 },
        { student: ortiz.student, assignment: 'HW 1', points: 9 },
        { student: ortiz.student, assignment: 'HW 2', points: 10 },
        { student: leo, assignment: 'Unit test', points: 70 },
        { student: leo, assignment: 'HW 1', missing: true },
        { student: leo, assignment: 'HW 2', points: 8 },
        { student: zoe, assignment: 'Unit test', points: 95 },
        { student: zoe, assignment: 'HW 1', points: 10 },
        { student: zoe, assignment: 'HW 2', exempt: true },
        { student: ian, assignment: 'Unit test', points: 60 },
      ],
      termGrades: [
        { student: leo, term: 'Q2', percent: 61, letter: 'D', comment: 'draft note', posted: false },
        { student: ortiz.student, term: 'Q1', percent: 50, letter: 'F', comment: 'DRAFT-NEVER-SHOWN', posted: false },
      ],
    });
    const chemistry = await sectionWithGradebook(db, world, { course: { code: 'SCI401', title: 'Chemistry' }, period: '3', students: [{ student: zoe }] });
    rosa = await staffMember(db, world, { first: 'Rosa', last: 'Marquez', roles: [{ role: 'teacher' }] });
    ana = await staffMember(db, world, { first: 'Ana', last: 'Lopez', roles: [{ role: 'teacher' }] });
    paul = await staffMember(db, world, { first: 'Paul', last: 'Nyberg', roles: [{ role: 'teacher' }] });
    elena = await staffMember(db, world, { first: 'Elena', last: 'Ruiz', roles: [{ role: 'teacher' }], locale: 'es' });
    olga = await staffMember(db, world, { first: 'Olga', last: 'Office', roles: [{ role: 'office' }] });
    await teachSection(db, rosa, algebra, { primary: true });
    await teachSection(db, ana, algebra);
    await teachSection(db, elena, algebra);
    await teachSection(db, paul, chemistry, { primary: true });
    const codes = [
      { code: 'EFF', text_en: 'Excellent effort', text_es: 'Excelente esfuerzo', active: 1 as const },
      { code: 'MISS', text_en: 'Missing assignments affect grade', text_es: 'Las tareas que faltan afectan la calificación', active: 1 as const },
      { code: 'PLS', text_en: 'A pleasure to have in class', text_es: 'Es un placer tenerla en clase', active: 1 as const },
      { code: 'TUT', text_en: 'Would benefit from tutoring', text_es: 'Le beneficiaría asistir a tutorías', active: 1 as const },
      { code: 'OLD', text_en: 'Retired code', text_es: 'Código retirado', active: 0 as const },
    ];
    for (const [i, c] of codes.entries()) {
      code[c.code] = (await db.insertInto('report_card_comments').values({ ...c, sequence: i + 1 }).returning('id').executeTakeFirstOrThrow()).id;
    }
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
  const q2 = () => world.terms.Q2.id;
  const url = (period = q2()) => `/staff/classes/${algebra.id}/post-grades?period=${period}`;
  /** The hidden fields the page carries: the students, the percents shown, the posted times seen. */
  const formOf = (body: string) => {
    const fields: Record<string, string | string[]> = { student: [...body.matchAll(/name="student" value="(\d+)"/g)].map((m) => m[1]!) };
    // An empty value is written as a bare attribute (`value`), which a browser sends as ''.
    for (const m of body.matchAll(/name="((?:shown|seen)_\d+)" value(?:="([^"]*)")?/g)) fields[m[1]!] = m[2] ?? '';
    return fields;
  };
  const entry = (s: StudentFixture, letter: string, codes: string[] = [], comment = '') => ({
    [`letter_${s.id}`]: letter,
    [`codes_${s.id}`]: [...codes.map((c) => String(code[c] ?? c)), ...Array(Math.max(0, 3 - codes.length)).fill('')],
    [`comment_${s.id}`]: comment,
  });
  const grades = () =>
    get()
      .db.selectFrom('term_grades')
      .select(['id', 'student_id', 'academic_session_id', 'percent', 'letter', 'comment', 'posted_at', 'updated_by'])
      .where('section_id', '=', algebra.id)
      .orderBy('student_id')
      .orderBy('academic_session_id')
      .execute();
  const chosen = async () =>
    (
      await get()
        .db.selectFrom('term_grade_comments as tc')
        .innerJoin('term_grades as g', 'g.id', 'tc.term_grade_id')
        .innerJoin('report_card_comments as rc', 'rc.id', 'tc.comment_id')
        .select(['g.student_id', 'rc.code', 'tc.sequence'])
        .orderBy('g.student_id')
        .orderBy('tc.sequence')
        .execute()
    ).map((r) => `${r.student_id}:${r.code}`);
  const history = () => get().db.selectFrom('term_grade_history').selectAll().orderBy('id').execute();
  const events = () => get().db.selectFrom('change_events').select(['kind', 'action', 'student_id', 'section_id', 'before', 'after', 'actor_account_id']).where('kind', '=', 'term_grade').orderBy('id').execute();
  const audits = () => get().db.selectFrom('audit_log').select(['action', 'actor_account_id', 'subject_id', 'details']).where('action', '=', 'grades.posted').orderBy('id').execute();
  const snapshot = async () => JSON.stringify([await grades(), await chosen(), await history(), await events(), await audits()]);

  it('shows each student’s grade computed from the gradebook, for the quarter that has ended', async () => {
    const rosaC = await signedIn(rosa.account);
    const page = await rosaC.get(`/staff/classes/${algebra.id}/post-grades`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Post grades: Algebra II');
    expect(page.body).toMatch(/<option value="\d+" selected>Quarter 2/);
    expect(page.body).toContain('Computed grade: A- (90.80%)');
    expect(page.body).toContain('Computed grade: F (58.00%)');
    expect(page.body).toContain('Computed grade: A (97.00%)');
    // Ian left before the quarter ended: not on its roster.
    expect(page.body).not.toContain('Cho, Ian');
    // By last name, then first name.
    expect(formOf(page.body).student).toEqual([zoe.id, leo.id, ortiz.student.id].map(String));
    // The active codes are offered, the retired one is not.
    expect(page.body).toContain('EFF: Excellent effort');
    expect(page.body).not.toContain('Retired code');
    // My classes links to it (Algebra meets today, period 1), and so does the list of one's classes
    // that Home offers (for a day without class), which has only one's own.
    expect((await rosaC.get('/staff/classes')).body).toContain(`href="/staff/classes/${algebra.id}/post-grades"`);
    expect((await rosaC.get('/home')).body).toContain('href="/staff/post-grades"');
    const list = (await rosaC.get('/staff/post-grades')).body;
    expect(list).toContain(`<a href="/staff/classes/${algebra.id}/post-grades">Period 1: Algebra II · ${algebra.sectionCode}</a>`);
    expect(list).not.toContain('Chemistry');
    expect((await (await signedIn(paul.account)).get('/staff/post-grades')).body).not.toContain('Algebra');
    expect((await (await signedIn(olga.account)).get('/staff/post-grades')).statusCode).toBe(403);
  });

  it('refuses bad input field by field, in the reader’s language, and writes nothing', async () => {
    const before = await snapshot();
    const rosaC = await signedIn(rosa.account);
    const form = formOf((await rosaC.get(url())).body);
    const good = { ...entry(ortiz.student, 'A-'), ...entry(leo, 'F'), ...entry(zoe, 'A') };
    const cases: [Record<string, string | string[]>, string, string][] = [
      [entry(ortiz.student, 'A-', ['999999']), `code-${ortiz.student.id}-1`, 'Choose comment codes from the list.'],
      [entry(ortiz.student, 'A-', ['OLD']), `code-${ortiz.student.id}-1`, 'Choose comment codes from the list.'],
      [entry(ortiz.student, 'A-', ['abc']), `code-${ortiz.student.id}-1`, 'Choose comment codes from the list.'],
      [{ ...entry(ortiz.student, 'A-'), [`codes_${ortiz.student.id}`]: ['EFF', 'MISS', 'PLS', 'TUT'].map((c) => String(code[c])) }, `code-${ortiz.student.id}-1`, 'Choose at most 3 comment codes.'],
      [entry(ortiz.student, 'A-', ['EFF', 'EFF']), `code-${ortiz.student.id}-1`, 'Choose each comment code only once.'],
      [entry(ortiz.student, 'A-', [], 'x'.repeat(501)), `comment-${ortiz.student.id}`, 'The comment can be at most 500 characters.'],
      [entry(ortiz.student, 'A-', [], 'Good work \u202etxet'), `comment-${ortiz.student.id}`, 'The comment contains invisible control characters that cannot be saved.'],
      [entry(ortiz.student, 'Z'), `letter-${ortiz.student.id}`, 'Choose a grade from the grading scale.'],
    ];
    for (const [fields, field, message] of cases) {
      const res = await rosaC.post(url(), { ...form, ...good, ...fields });
      expect(res.statusCode, message).toBe(400);
      expect(res.body).toContain(message);
      expect(res.body).toContain(`id="${field}-error"`);
      expect(res.body).toContain(`href="#${field}"`);
    }
    // In Spanish for a teacher who reads Spanish.
    const elenaC = await signedIn(elena.account);
    const res = await elenaC.post(url(), { ...formOf((await elenaC.get(url())).body), ...good, ...entry(leo, 'F', ['EFF', 'MISS', 'PLS', 'TUT']) });
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('Elija como máximo 3 códigos de comentario.');
    expect(await snapshot()).toBe(before);
  });

  it('refuses a student not on the roster, a teacher of another class, non-teachers, and a quarter not yet open', async () => {
    const before = await snapshot();
    const rosaC = await signedIn(rosa.account);
    const form = formOf((await rosaC.get(url())).body);
    const good = { ...entry(ortiz.student, 'A-'), ...entry(leo, 'F'), ...entry(zoe, 'A') };
    // Ian (no longer in the class) slipped into the form: the form is not the roster, nothing is posted.
    const withIan = await rosaC.post(url(), { ...form, ...good, student: [...(form.student as string[]), String(ian.id)], [`shown_${ian.id}`]: '', [`seen_${ian.id}`]: '', ...entry(ian, 'D') });
    expect(withIan.statusCode).toBe(409);
    expect(withIan.body).toContain('Nothing was saved');
    // Paul teaches Chemistry, not Algebra: not found, reading or posting.
    const paulC = await signedIn(paul.account);
    expect((await paulC.get(url())).statusCode).toBe(404);
    expect((await paulC.post(url(), { ...form, ...good })).statusCode).toBe(404);
    expect((await paulC.get(`/staff/classes/${algebra.id}/post-grades/${ortiz.student.id}/history?period=${q2()}`)).statusCode).toBe(404);
    // Office staff and a parent are not teachers.
    expect((await (await signedIn(olga.account)).get(url())).statusCode).toBe(403);
    const parent = await signedIn(ortiz.guardianAccount);
    expect((await parent.get(url())).statusCode).toBe(403);
    expect((await parent.post(url(), { ...form, ...good })).statusCode).toBe(403);
    // Unknown section, period of no section, a period that is no id.
    expect((await rosaC.get(`/staff/classes/999999/post-grades`)).statusCode).toBe(404);
    expect((await rosaC.get(url(world.year.id))).statusCode).toBe(404);
    expect((await rosaC.get(`/staff/classes/${algebra.id}/post-grades?period=abc`)).statusCode).toBe(404);
    // Quarter 3 ends 12 March: it opens on 6 March, read only until then.
    const q3 = await rosaC.get(url(world.terms.Q3.id));
    expect(q3.statusCode).toBe(200);
    expect(q3.body).toContain('Grades for Quarter 3 can be posted from Sat, March 6, 2027');
    expect(q3.body).not.toContain('name="student"');
    const early = await rosaC.post(url(world.terms.Q3.id), { ...form, ...good });
    expect(early.statusCode).toBe(409);
    expect(early.body).toContain('can be posted from');
    expect(await snapshot()).toBe(before);
  });

  it('posts in one go: grades with codes and comments, a change event per student, one audit row', async () => {
    const rosaC = await signedIn(rosa.account);
    const form = formOf((await rosaC.get(url())).body);
    const res = await rosaC.post(url(), {
      ...form,
      ...entry(ortiz.student, 'A-', ['EFF', 'PLS'], 'Great lab work.'),
      ...entry(leo, 'F', ['MISS', 'TUT']),
      // Zoe is left unposted for now.
      ...entry(zoe, ''),
    });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(`${url()}&posted=2`);
    expect((await rosaC.get(res.headers.location!)).body).toContain('2 grades were posted.');
    const rows = await grades();
    const stamp = `${TODAY}T18:00:00.000Z`;
    const mayaQ2 = rows.find((r) => r.student_id === ortiz.student.id && r.academic_session_id === q2())!;
    const leoQ2 = rows.find((r) => r.student_id === leo.id && r.academic_session_id === q2())!;
    expect({ ...mayaQ2, posted_at: new Date(mayaQ2.posted_at!).toISOString() }).toMatchObject({ percent: 90.8, letter: 'A-', comment: 'Great lab work.', posted_at: stamp, updated_by: rosa.account!.id });
    // Leo's in-progress row became the posted grade (no second row).
    expect(rows.filter((r) => r.student_id === leo.id)).toHaveLength(1);
    expect(leoQ2).toMatchObject({ percent: 58, letter: 'F', comment: null, updated_by: rosa.account!.id });
    expect(rows.some((r) => r.student_id === zoe.id)).toBe(false);
    expect(await chosen()).toEqual([`${ortiz.student.id}:EFF`, `${ortiz.student.id}:PLS`, `${leo.id}:MISS`, `${leo.id}:TUT`].sort((a, b) => Number(a.split(':')[0]) - Number(b.split(':')[0])));
    expect(await history()).toEqual([]);
    const ev = await events();
    expect(ev.map((e) => [e.action, e.student_id, e.section_id, e.actor_account_id]).sort((a, b) => (a[1] as number) - (b[1] as number))).toEqual(
      [
        ['created', ortiz.student.id, algebra.id, rosa.account!.id],
        ['created', leo.id, algebra.id, rosa.account!.id],
      ].sort((a, b) => (a[1] as number) - (b[1] as number)),
    );
    const mayaEvent = ev.find((e) => e.student_id === ortiz.student.id)!;
    expect(JSON.parse(mayaEvent.after!)).toEqual({ periodId: q2(), percent: 90.8, letter: 'A-', codes: ['EFF', 'PLS'], comment: 'Great lab work.' });
    expect(mayaEvent.before).toBeNull();
    const au = await audits();
    expect(au).toHaveLength(1);
    expect(au[0]).toMatchObject({ actor_account_id: rosa.account!.id, subject_id: algebra.id });
    expect(JSON.parse(au[0]!.details!).changes).toHaveLength(2);
  });

  it('writes nothing when the same grades are posted again', async () => {
    const before = await snapshot();
    const rosaC = await signedIn(rosa.account);
    const page = (await rosaC.get(url())).body;
    // The form shows what was posted.
    expect(page).toContain('Posted A- (90.80%) on February 9, 2027 at 12:00 PM.');
    expect(page).not.toContain('The gradebook has changed since this grade was posted');
    expect(page).toContain('Great lab work.</textarea>');
    expect(page).toMatch(new RegExp(`<option value="${code.EFF}" selected>EFF: Excellent effort`));
    const res = await rosaC.post(url(), { ...formOf(page), ...entry(ortiz.student, 'A-', ['EFF', 'PLS'], 'Great lab work.'), ...entry(leo, 'F', ['MISS', 'TUT']), ...entry(zoe, '') });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(`${url()}&posted=0`);
    expect((await rosaC.get(res.headers.location!)).body).toContain('Nothing changed');
    expect(await snapshot()).toBe(before);
  });

  it('keeps the earlier version when a posted grade is corrected, and refuses a form opened before', async () => {
    const rosaC = await signedIn(rosa.account);
    const rosaForm = formOf((await rosaC.get(url())).body);
    // The co-teacher corrects Maya's grade: another letter, one code, a new comment.
    const anaC = await signedIn(ana.account);
    const res = await anaC.post(url(), { ...formOf((await anaC.get(url())).body), ...entry(ortiz.student, 'A', ['EFF'], 'Outstanding lab work.'), ...entry(leo, 'F', ['MISS', 'TUT']), ...entry(zoe, '') });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(`${url()}&posted=1`);
    const h = await history();
    expect(h).toHaveLength(1);
    expect(h[0]).toMatchObject({ percent: 90.8, letter: 'A-', codes: '["EFF","PLS"]', comment: 'Great lab work.', posted_by: rosa.account!.id, replaced_by: ana.account!.id });
    const ev = (await events()).at(-1)!;
    expect(ev.action).toBe('updated');
    expect(JSON.parse(ev.before!)).toEqual({ periodId: q2(), percent: 90.8, letter: 'A-', codes: ['EFF', 'PLS'], comment: 'Great lab work.' });
    expect(JSON.parse(ev.after!)).toEqual({ periodId: q2(), percent: 90.8, letter: 'A', codes: ['EFF'], comment: 'Outstanding lab work.' });
    // Rosa's page was opened before Ana posted: refused, nothing changed.
    const before = await snapshot();
    const stale = await rosaC.post(url(), { ...rosaForm, ...entry(ortiz.student, 'B', [], 'Overwrite?'), ...entry(leo, 'F', ['MISS', 'TUT']), ...entry(zoe, '') });
    expect(stale.statusCode).toBe(409);
    expect(stale.body).toContain('someone posted grades for this class');
    expect(await snapshot()).toBe(before);
    // A posted grade cannot be withdrawn.
    const withdraw = await rosaC.post(url(), { ...formOf((await rosaC.get(url())).body), ...entry(ortiz.student, ''), ...entry(leo, 'F', ['MISS', 'TUT']), ...entry(zoe, '') });
    expect(withdraw.statusCode).toBe(400);
    expect(withdraw.body).toContain('A posted grade can be corrected but not withdrawn.');
    expect(await snapshot()).toBe(before);
    // The history page: now and before, who posted each.
    const page = await rosaC.get(`/staff/classes/${algebra.id}/post-grades/${ortiz.student.id}/history?period=${q2()}`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Grade history: Maya Ortiz');
    expect(page.body).toContain('Outstanding lab work.');
    expect(page.body).toContain('Great lab work.');
    expect(page.body).toContain('A- (90.80%)');
    expect(page.body).toContain('Ana Lopez');
    expect(page.body).toContain('Rosa Marquez');
    expect(page.body).toContain('EFF: Excellent effort; PLS: A pleasure to have in class');
    // Zoe has no posted grade: no history to show.
    expect((await rosaC.get(`/staff/classes/${algebra.id}/post-grades/${zoe.id}/history?period=${q2()}`)).statusCode).toBe(404);
  });

  it('refuses a form opened before a score changed (the grade it showed is no longer the grade)', async () => {
    const rosaC = await signedIn(rosa.account);
    const form = formOf((await rosaC.get(url())).body);
    const db = get().db;
    await db.updateTable('assignment_scores').set({ points: 10 }).where('assignment_id', '=', algebra.assignments['HW 1']!).where('student_id', '=', leo.id).execute();
    try {
      const before = await snapshot();
      const res = await rosaC.post(url(), { ...form, ...entry(ortiz.student, 'A', ['EFF'], 'Outstanding lab work.'), ...entry(leo, 'F', ['MISS', 'TUT']), ...entry(zoe, 'A') });
      expect(res.statusCode).toBe(409);
      // Leo: Tests 70 %, Homework 18/20 = 90 % → 42 + 36 = 78.00 → C+.
      expect(res.body).toContain('Computed grade: C+ (78.00%)');
      // Leo's posted F is no longer what the gradebook computes: the page says so.
      expect(res.body).toContain('Posted F (58.00%) on February 9, 2027 at 12:00 PM. <strong>The gradebook has changed since this grade was posted');
      expect(await snapshot()).toBe(before);
    } finally {
      await db.updateTable('assignment_scores').set({ points: null }).where('assignment_id', '=', algebra.assignments['HW 1']!).where('student_id', '=', leo.id).execute();
    }
  });

  it('shows the posted grade with its codes in the family’s language on Report Cards and in the PDF, never an unposted one', async () => {
    const maya = ortiz.student;
    const parent = await signedIn(ortiz.guardianAccount);
    const page = await parent.get(`/students/${maya.id}/report-cards`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Quarter 2');
    expect(page.body).toContain('Excellent effort');
    expect(page.body).toContain('Outstanding lab work.');
    expect(page.body).not.toContain('Great lab work.');
    // Quarter 1's row was never posted.
    expect(page.body).not.toContain('DRAFT-NEVER-SHOWN');
    expect(page.body).not.toContain('Quarter 1');
    const spanish = await signedIn(spanishParent.guardianAccount);
    const es = await spanish.get(`/students/${maya.id}/report-cards`);
    expect(es.body).toContain('Excelente esfuerzo');
    expect(es.body).not.toContain('Excellent effort');
    const pdf = await parent.get(`/students/${maya.id}/report-cards/${q2()}.pdf`);
    expect(pdf.statusCode).toBe(200);
    if (PDFTOTEXT) {
      const text = pdfText(pdf.rawPayload);
      expect(text).toContain('Algebra II: A (90.80%)');
      expect(text).toContain('Comment: Excellent effort');
      expect(text).toContain('Comment: Outstanding lab work.');
      const esText = pdfText((await spanish.get(`/students/${maya.id}/report-cards/${q2()}.pdf`)).rawPayload);
      expect(esText).toContain('Excelente esfuerzo');
    }
    expect((await parent.get(`/students/${maya.id}/report-cards/${world.terms.Q1.id}.pdf`)).statusCode).toBe(404);
  });
});
