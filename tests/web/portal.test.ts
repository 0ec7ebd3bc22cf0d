import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DEMO_PASSWORD } from '../../src/domain/demo/generate.js';
import { loadDemo } from '../../src/domain/demo/load.js';
import { PORTAL_TOOLS } from '../../src/domain/portal/tools.js';
import { readableStudent, StudentNotFound } from '../../src/domain/access/portal.js';
import { makeApp } from '../support/app.js';
import { childrenOf as familyOf, demoAccounts } from '../support/families.js';
import { PDFTOTEXT, pdfStructure, pdfText } from '../support/pdf.js';
import { describeEachEngine } from '../support/db.js';
import { Client } from '../support/http.js';

const TODAY = '2026-11-24';
/** Every tool of the registry, then the pages inside tools and other views of them. */
const ROUTES = (id: number, section: number) => [
  ...PORTAL_TOOLS.map((tool) => `/students/${id}/${tool.path}`),
  `/students/${id}/grades/${section}`,
  `/students/${id}/grades/${section}/what-if`,
  `/students/${id}/assignments?filter=missing&view=date`,
  `/students/${id}/transcript.pdf`,
  `/students/${id}/calendar?view=week`,
  `/students/${id}/calendar?month=2026-09`,
];

describeEachEngine('the portal tools', (get) => {
  let app: FastifyInstance;
  const demo: Record<string, { username: string; password: string }> = {};
  let spanishParent: { username: string };
  /** students each demo family sees, and one section of each */
  let aldas: { id: number; section: number }[];
  let munozes: { id: number; section: number }[];
  let allen: { id: number; section: number };

  const sectionOf = async (studentId: number) =>
    (await get().db.selectFrom('section_enrollments').select('section_id').where('student_id', '=', studentId).orderBy('section_id').executeTakeFirstOrThrow()).section_id;
  const childrenOf = async (username: string) =>
    Promise.all((await familyOf(get().db, username)).map(async (id) => ({ id, section: await sectionOf(id) })));

  beforeAll(async () => {
    await loadDemo(get(), { students: 60, seed: 59, startYear: 2026, asOf: TODAY });
    app = await makeApp(get(), { now: () => new Date(`${TODAY}T18:00:00Z`) });
    const accounts = await demoAccounts(get().db);
    Object.assign(demo, accounts.byRole);
    spanishParent = accounts.spanishParent;
    aldas = await childrenOf(demo.parent!.username);
    munozes = await childrenOf(spanishParent.username);
    const allenRow = await get().db.selectFrom('students').select('id').where('legal_first_name', '=', 'Allen').executeTakeFirstOrThrow();
    allen = { id: allenRow.id, section: await sectionOf(allenRow.id) };
  });
  afterAll(() => app.close());

  /** The student as this account may read them: the proof every portal read asks for. */
  const readerOf = (username: string) =>
    get().db.selectFrom('user_accounts').select(['person_kind', 'student_id', 'guardian_id']).where('username', '=', username).executeTakeFirstOrThrow();
  // Raw rows for setting up and naming things: the numbers the pages show are checked against fixtures
  // written by hand in portal-fixtures.test.ts, not recomputed here with the code under test.
  const missingTitles = async (studentId: number) =>
    (
      await get()
        .db.selectFrom('assignment_scores as sc')
        .innerJoin('assignments as a', 'a.id', 'sc.assignment_id')
        .select('a.title')
        .where('sc.student_id', '=', studentId)
        .where('sc.missing', '=', 1)
        .where('sc.exempt', '=', 0)
        .where('a.due_date', '<=', TODAY)
        .orderBy('a.due_date', 'desc')
        .execute()
    ).map((r) => r.title);
  const postedCards = async (studentId: number) =>
    get()
      .db.selectFrom('term_grades as g')
      .innerJoin('academic_sessions as t', 't.id', 'g.academic_session_id')
      .innerJoin('sections as s', 's.id', 'g.section_id')
      .innerJoin('courses as c', 'c.id', 's.course_id')
      .select(['t.id as termId', 't.title as term', 't.start_date as start', 'c.title as course', 'g.letter'])
      .where('g.student_id', '=', studentId)
      .where('g.posted_at', 'is not', null)
      .orderBy('t.start_date')
      .execute();

  // Each reader from its own address: the not-found page is rate limited per address (scanners).
  let address = 0;
  const signedIn = async (username: string, password = DEMO_PASSWORD) => {
    const c = new Client(app, {}, `10.0.${Math.floor(++address / 250)}.${address % 250}`);
    await c.submit('/sign-in', { username, password });
    return c;
  };

  it('shows each family only its own children, and answers 404 for everyone else’s', async () => {
    // Allen must change his first password before anything else: do it once.
    const student = await signedIn(demo.student!.username, demo.student!.password);
    await student.submit('/account/password', { password: 'maple river quartz', confirm: 'maple river quartz' });
    const readers: [string, Client, { id: number; section: number }[]][] = [
      ['parent', await signedIn(demo.parent!.username), aldas],
      ['spanish parent', await signedIn(spanishParent.username), munozes],
      ['student', student, [allen]],
      ['teacher', await signedIn(demo.teacher!.username), []],
      ['office', await signedIn(demo.office!.username), []],
    ];
    const everyone = [...new Map([...aldas, ...munozes, allen].map((s) => [s.id, s])).values()];
    expect(aldas.length).toBeGreaterThanOrEqual(2);
    for (const [who, client, own] of readers) {
      for (const s of everyone) {
        const mine = own.some((o) => o.id === s.id);
        for (const url of ROUTES(s.id, s.section)) {
          const res = await client.get(url);
          expect(res.statusCode, `${who} ${url}`).toBe(mine ? 200 : 404);
          if (!mine) expect(res.body, `${who} ${url}`).toMatch(/Page not found|Página no encontrada/);
        }
      }
    }
    // Someone else's section under one's own student, made-up ids, and no session at all.
    const parent = readers[0]![1];
    const foreignSection = await get()
      .db.selectFrom('sections')
      .select('id')
      .where('id', 'not in', (await get().db.selectFrom('section_enrollments').select('section_id').where('student_id', '=', aldas[0]!.id).execute()).map((r) => r.section_id))
      .executeTakeFirstOrThrow();
    for (const url of [`/students/${aldas[0]!.id}/grades/${foreignSection.id}`, '/students/abc/grades', '/students/0/grades', '/students/99999999999/grades', `/students/${aldas[0]!.id}/grades/x`]) {
      expect((await parent.get(url)).statusCode, url).toBe(404);
    }
    const anonymous = await new Client(app).get(`/students/${aldas[0]!.id}/grades`);
    expect(anonymous.statusCode).toBe(303);
    expect(anonymous.headers.location).toMatch(/^\/sign-in\?next=/);
  });

  it('refuses in the domain, before any portal read, a student of another family, another student, and staff', async () => {
    const parent = await readerOf(demo.parent!.username);
    const student = await readerOf(demo.student!.username);
    const teacher = await readerOf(demo.teacher!.username);
    await expect(readableStudent(get().db, parent, aldas[0]!.id, null)).resolves.toMatchObject({ id: aldas[0]!.id });
    for (const other of munozes) {
      expect(aldas.some((a) => a.id === other.id)).toBe(false);
      await expect(readableStudent(get().db, parent, other.id, null)).rejects.toBeInstanceOf(StudentNotFound);
    }
    await expect(readableStudent(get().db, student, allen.id, null)).resolves.toMatchObject({ id: allen.id });
    // Another child of Allen's family, and a student of the other family.
    for (const other of [aldas.find((a) => a.id !== allen.id)!, munozes[0]!]) {
      await expect(readableStudent(get().db, student, other.id, null)).rejects.toBeInstanceOf(StudentNotFound);
    }
    await expect(readableStudent(get().db, teacher, allen.id, null)).rejects.toBeInstanceOf(StudentNotFound);
    await expect(readableStudent(get().db, parent, 99_999_999, null)).rejects.toBeInstanceOf(StudentNotFound);
  });

  it('takes a revoked link away at once, and hides a tool the district turned off', async () => {
    const parent = await signedIn(demo.parent!.username);
    const child = aldas[1]!;
    expect((await parent.get(`/students/${child.id}/grades`)).statusCode).toBe(200);
    await get().db.updateTable('student_guardians').set({ rights_revoked: 1 }).where('student_id', '=', child.id).execute();
    expect((await parent.get(`/students/${child.id}/grades`)).statusCode).toBe(404);
    await get().db.updateTable('student_guardians').set({ rights_revoked: 0 }).where('student_id', '=', child.id).execute();

    const district = await get().db.selectFrom('district').select('settings').executeTakeFirstOrThrow();
    const settings = JSON.parse(district.settings);
    await get().db.updateTable('district').set({ settings: JSON.stringify({ ...settings, tools: { ...settings.tools, attendance: false } }) }).execute();
    app.services.districts.invalidate();
    expect((await parent.get(`/students/${child.id}/attendance`)).statusCode).toBe(404);
    expect((await parent.get(`/students/${child.id}/grades`)).body).not.toContain(`/students/${child.id}/attendance`);
    await get().db.updateTable('district').set({ settings: district.settings }).execute();
    app.services.districts.invalidate();
  });

  it('shows the grade the gradebook computes, the assignments each filter asks for, and attendance', async () => {
    const parent = await signedIn(demo.parent!.username);
    const child = aldas[0]!;
    const page = await parent.get(`/students/${child.id}/grades/${child.section}`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toMatch(/\d+\.\d\d%/);
    // The filters: the count matches the rows listed, every row of "missing" is missing, "upcoming" has none.
    const rowsOf = (body: string) => (body.match(/<tr[ >]/g) ?? []).length - (body.match(/<thead/g) ?? []).length;
    const missingPage = await parent.get(`/students/${child.id}/assignments?filter=missing&view=date`);
    const missingCount = Number(/(\d+) assignments?</.exec(missingPage.body)?.[1]);
    expect(missingCount).toBe((await missingTitles(child.id)).length);
    expect(rowsOf(missingPage.body)).toBe(missingCount);
    expect((missingPage.body.match(/hr-flag--missing/g) ?? []).length).toBeGreaterThanOrEqual(missingCount);
    const upcomingPage = await parent.get(`/students/${child.id}/assignments?filter=upcoming&view=date`);
    expect(Number(/(\d+) assignments?</.exec(upcomingPage.body)?.[1])).toBeGreaterThan(0);
    expect(upcomingPage.body).not.toContain('hr-flag--missing');
    // Unknown filters fall back to all, never an error.
    expect((await parent.get(`/students/${child.id}/assignments?filter=<script>&view=x`)).statusCode).toBe(200);
    const attendance = await parent.get(`/students/${child.id}/attendance`);
    expect(attendance.statusCode).toBe(200);
    expect(attendance.body).toContain('Totals by class');
    const spanish = await signedIn(spanishParent.username);
    expect((await spanish.get(`/students/${munozes[0]!.id}/grades`)).body).toContain('Calificaciones');
  });

  it('lists on Today what needs attention, what is due, and today’s classes with the one going on now', async () => {
    const parent = await signedIn(demo.parent!.username);
    const child = aldas[0]!;
    const missing = await missingTitles(child.id);
    // Make sure there is one unexplained absence and one missing assignment to see.
    const code = await get().db.selectFrom('attendance_codes').select('id').where('code', '=', 'A-UNK').executeTakeFirstOrThrow();
    const t = new Date().toISOString();
    await get().db.insertInto('attendance_records').values({ student_id: child.id, date: '2026-11-23', section_id: null, bell_period_id: null, code_id: code.id, comment: null, created_at: t, updated_at: t, updated_by: null }).execute();
    const page = await parent.get(`/students/${child.id}/today`);
    expect(page.body).not.toContain('No school today');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Needs attention');
    expect(page.body).toContain('Absence on Mon, Nov 23 not explained yet');
    for (const title of missing.slice(0, 3)) expect(page.body).toContain(title);
    // 18:00 UTC is noon in Chicago: a class is going on.
    expect(page.body).toContain('aria-current="time"');
    // Work due next Monday is listed; work due in two weeks is not.
    const section = child.section;
    const category = (await get().db.selectFrom('grading_categories').select('id').where('section_id', '=', section).orderBy('sequence').executeTakeFirstOrThrow()).id;
    const quarter = (
      await get()
        .db.selectFrom('academic_sessions')
        .select('id')
        .where('type', '=', 'gradingPeriod')
        .where('start_date', '<=', TODAY)
        .where('end_date', '>=', TODAY)
        .executeTakeFirstOrThrow()
    ).id;
    const assignment = (title: string, due: string) => ({
      sourced_id: null, section_id: section, category_id: category, grading_period_id: quarter, title, description: null,
      assigned_date: TODAY, due_date: due, points_possible: 10, created_at: t, updated_at: t, updated_by: null,
    });
    await get().db.insertInto('assignments').values([assignment('Lab report on enzymes', '2026-11-30'), assignment('Far-off essay', '2026-12-08')]).execute();
    const again = await parent.get(`/students/${child.id}/today`);
    expect(again.body).toContain('Lab report on enzymes');
    expect(again.body).not.toContain('Far-off essay');
    // Thanksgiving: no school, and the calendar says why.
    const holiday = await makeApp(get(), { now: () => new Date('2026-11-26T18:00:00Z') });
    const c = new Client(holiday);
    await c.submit('/sign-in', { username: demo.parent!.username, password: DEMO_PASSWORD });
    expect((await c.get(`/students/${child.id}/today`)).body).toContain('No school today: Thanksgiving break.');
    await holiday.close();
  });

  it('shows the unofficial transcript with its GPAs, and whether immunizations meet the requirements', async () => {
    const parent = await signedIn(demo.parent!.username);
    const highSchooler = await get()
      .db.selectFrom('students')
      .select(['id', 'grade_level'])
      .where('id', 'in', aldas.map((a) => a.id))
      .where('grade_level', '>=', 10)
      .executeTakeFirstOrThrow();
    const page = await parent.get(`/students/${highSchooler.id}/transcript`);
    expect(page.body).toContain('UNOFFICIAL TRANSCRIPT');
    expect(page.body).toMatch(/\d\.\d{3}/);
    expect(page.body).toContain(`of 24`);
    // One student out of compliance: take a required dose away.
    const child = aldas[0]!;
    expect((await parent.get(`/students/${child.id}/immunizations`)).body).toContain('Meets the district’s immunization requirements.');
    const mmr = await get().db.selectFrom('vaccines').select('id').where('code', '=', 'MMR').executeTakeFirstOrThrow();
    const dose = await get().db.selectFrom('immunization_doses').select('id').where('student_id', '=', child.id).where('vaccine_id', '=', mmr.id).orderBy('dose_date', 'desc').executeTakeFirstOrThrow();
    await get().db.deleteFrom('immunization_doses').where('id', '=', dose.id).execute();
    const after = await parent.get(`/students/${child.id}/immunizations`);
    expect(after.body).toContain('Does not meet the district’s immunization requirements yet');
    expect(after.body).toContain('1 more needed');
  });

  it('answers what-if scores with the grade they would make, saves nothing, and draws the trend', async () => {
    const parent = await signedIn(demo.parent!.username);
    const child = aldas[0]!;
    // A score below full marks in this quarter (raw rows), to raise in the what-if.
    const a = await get()
      .db.selectFrom('assignment_scores as sc')
      .innerJoin('assignments as x', 'x.id', 'sc.assignment_id')
      .innerJoin('academic_sessions as q', 'q.id', 'x.grading_period_id')
      .select(['x.id', 'x.section_id as sectionId', 'x.grading_period_id as periodId', 'x.points_possible as pointsPossible', 'sc.points'])
      .where('sc.student_id', '=', child.id)
      .where('sc.exempt', '=', 0)
      .where('sc.dropped', '=', 0)
      .where('sc.points', 'is not', null)
      .where('q.start_date', '<=', TODAY)
      .where('q.end_date', '>=', TODAY)
      .where('x.due_date', '<=', TODAY)
      .where((eb) => eb('sc.points', '<', eb.ref('x.points_possible')))
      .executeTakeFirstOrThrow();
    const c = { class: { sectionId: a.sectionId }, currentPeriodId: a.periodId };
    const category = (await get().db.selectFrom('grading_categories').select('id').where('section_id', '=', a.sectionId).orderBy('sequence').executeTakeFirstOrThrow()).id;
    const base = `/students/${child.id}/grades/${c.class.sectionId}/what-if?term=${c.currentPeriodId}`;
    const blank = await parent.get(base);
    expect(blank.statusCode).toBe(200);
    expect(blank.body).not.toContain('With these scores');
    const better = await parent.get(`${base}&a${a.id}=${a.pointsPossible}`);
    expect(better.statusCode).toBe(200);
    // (the exact numbers are checked against a hand-made gradebook in portal-fixtures.test.ts)
    expect(better.body).toContain('With these scores');
    expect(better.body).toContain('Nothing was saved.');
    const score = await get().db.selectFrom('assignment_scores').select('points').where('assignment_id', '=', a.id).where('student_id', '=', child.id).executeTakeFirstOrThrow();
    expect(score.points).toBe(a.points);
    // One more assignment, and bad numbers.
    const extra = await parent.get(`${base}&cat=${category}&pts=0&of=100`);
    expect(extra.statusCode).toBe(200);
    for (const bad of [`&a${a.id}=abc`, `&a${a.id}=-3`, `&a${a.id}=99999999`, '&pts=5', '&pts=5&of=0']) {
      const res = await parent.get(`${base}${bad}`);
      expect(res.statusCode, bad).toBe(400);
      expect(res.body, bad).toMatch(/Enter a number of points|Enter how many points/);
    }
    expect((await parent.get(`/students/${child.id}/grades/${c.class.sectionId}/what-if?term=999999`)).statusCode).toBe(404);
    // The trend: an SVG with a text alternative and the numbers as a table.
    const page = await parent.get(`/students/${child.id}/grades/${c.class.sectionId}?term=${c.currentPeriodId}`);
    expect(page.body).toContain('role="img" aria-labelledby="trend-title trend-desc"');
    expect(page.body).toContain('The grade week by week');
  });

  it('lists posted grades on Report Cards and makes a real PDF of each', async () => {
    const parent = await signedIn(demo.parent!.username);
    const child = aldas[0]!;
    // The posted term grades, as rows: on Nov 24 only Quarter 1's.
    const posted = await postedCards(child.id);
    expect([...new Set(posted.map((p) => p.term))]).toEqual(['Quarter 1']);
    const termId = posted[0]!.termId;
    const page = await parent.get(`/students/${child.id}/report-cards`);
    expect(page.statusCode).toBe(200);
    for (const p of posted) expect(page.body).toContain(p.course);
    const pdf = await parent.get(`/students/${child.id}/report-cards/${termId}.pdf`);
    expect(pdf.statusCode).toBe(200);
    expect(pdf.headers['content-type']).toBe('application/pdf');
    expect(pdf.rawPayload.subarray(0, 5).toString()).toBe('%PDF-');
    if (PDFTOTEXT) {
      const text = pdfText(pdf.rawPayload);
      expect(text).toContain('Cedar Valley Public Schools');
      expect(text).toContain('Report card, Quarter 1');
      for (const p of posted) expect(text).toContain(`${p.course}: ${p.letter}`);
      // Tagged: a screen reader finds the district as the title heading and each class as a heading.
      const { tagged, tree } = pdfStructure(pdf.rawPayload);
      expect(tagged).toBe(true);
      expect(tree).toMatch(/H1 \(block\)\n\s+"Cedar Valley Public Schools"/);
      expect(tree.match(/H3 \(block\)/g)).toHaveLength(posted.length);
    }
    // Another family's card, a term with no card, and a made-up file name: not found.
    expect((await parent.get(`/students/${munozes[0]!.id}/report-cards/${termId}.pdf`)).statusCode).toBe(404);
    expect((await parent.get(`/students/${child.id}/report-cards/999999.pdf`)).statusCode).toBe(404);
    expect((await parent.get(`/students/${child.id}/report-cards/..%2F1.pdf`)).statusCode).toBe(404);
  });

  it('makes the unofficial transcript a real PDF, and lists every document a family can open', async () => {
    const parent = await signedIn(demo.parent!.username);
    const highSchooler = await get()
      .db.selectFrom('students')
      .select(['id', 'legal_last_name', 'student_number'])
      .where('id', 'in', aldas.map((a) => a.id))
      .where('grade_level', '>=', 10)
      .executeTakeFirstOrThrow();
    const courses = await get().db.selectFrom('transcript_courses').select('course_code').where('student_id', '=', highSchooler.id).execute();
    expect(courses.length).toBeGreaterThan(0);
    const pdf = await parent.get(`/students/${highSchooler.id}/transcript.pdf`);
    expect(pdf.statusCode).toBe(200);
    expect(pdf.headers['content-type']).toBe('application/pdf');
    expect(pdf.headers['cache-control']).toBe('no-store');
    expect(pdf.rawPayload.subarray(0, 5).toString()).toBe('%PDF-');
    if (PDFTOTEXT) {
      const text = pdfText(pdf.rawPayload);
      expect(text).toContain('Cedar Valley Public Schools');
      expect(text).toContain('UNOFFICIAL TRANSCRIPT');
      expect(text).toContain(highSchooler.legal_last_name);
      expect(text).toContain(highSchooler.student_number);
      for (const { course_code } of courses) expect(text).toContain(course_code);
    }
    // Documents: the transcript and each posted report card, each opening as a PDF.
    const documents = await parent.get(`/students/${highSchooler.id}/documents`);
    expect(documents.statusCode).toBe(200);
    const links = [...documents.body.matchAll(/href="(\/students\/\d+\/[^"]+\.pdf)"/g)].map((m) => m[1]!);
    const terms = [...new Map((await postedCards(highSchooler.id)).map((p) => [p.termId, p.start])).entries()].sort((x, y) => (x[1] < y[1] ? 1 : -1));
    // The transcript first, then report cards newest first.
    expect(links).toEqual([`/students/${highSchooler.id}/transcript.pdf`, ...terms.map(([id]) => `/students/${highSchooler.id}/report-cards/${id}.pdf`)]);
    for (const link of links) expect((await parent.get(link)).headers['content-type'], link).toBe('application/pdf');
    // A middle-schooler has no transcript yet: only report cards.
    const younger = await get().db.selectFrom('students').select('id').where('id', 'in', [...aldas, ...munozes].map((a) => a.id)).where('grade_level', '<', 9).executeTakeFirst();
    if (younger) {
      const reader = aldas.some((a) => a.id === younger.id) ? parent : await signedIn(spanishParent.username);
      expect((await reader.get(`/students/${younger.id}/documents`)).body).not.toContain('transcript.pdf');
    }
  });

  it('sends the short addresses to the student shown now, and the switcher keeps the tool', async () => {
    const parent = await signedIn(demo.parent!.username);
    const short = await parent.get('/grades');
    expect(short.statusCode).toBe(303);
    expect(short.headers.location).toBe(`/students/${aldas[0]!.id}/grades`);
    // Report Cards had no short address and answered 404 (issue 17).
    const reportCards = await parent.get('/report-cards');
    expect(reportCards.statusCode).toBe(303);
    expect(reportCards.headers.location).toBe(`/students/${aldas[0]!.id}/report-cards`);
    expect((await parent.get(reportCards.headers.location!)).statusCode).toBe(200);
    // Every tool of the registry has one; To Do's is a page of its own, across the parent's children.
    expect((await parent.get('/todo')).statusCode).toBe(200);
    for (const { path } of PORTAL_TOOLS.filter((t) => !('acrossStudents' in t))) {
      const res = await parent.get(`/${path}`);
      expect(res.statusCode, path).toBe(303);
      expect(res.headers.location, path).toBe(`/students/${aldas[0]!.id}/${path}`);
    }
    await parent.get(`/students/${aldas[0]!.id}/attendance`);
    const switched = await parent.post('/students/current', { studentId: String(aldas[1]!.id), next: `/students/${aldas[0]!.id}/attendance?term=3` });
    expect(switched.headers.location).toBe(`/students/${aldas[1]!.id}/attendance`);
    expect((await (await signedIn(demo.teacher!.username)).get('/grades')).statusCode).toBe(404);
  });
});
