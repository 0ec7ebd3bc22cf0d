/**
 * Who may open the student search, a student's page and a counselor's reads: every route as every
 * role. No session → sign in; a role with no student in reach (families, a teacher with no class
 * today) → 403; a student outside one's reach → 404, like one that does not exist; a counselor's pages
 * → 403 for anyone who is not a counselor, 404 for a counselor of another school. A refused open writes
 * nothing (no audit row), an allowed one writes one; the one write, transfer credit, is refused the same
 * way and leaves the transcript and the change events as they were.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { makeApp } from '../support/app.js';
import { describeEachEngine } from '../support/db.js';
import type { AccountFixture } from '../support/factories.js';
import { Client } from '../support/http.js';
import { SEARCH_TODAY, searchWorld, type SearchWorld } from '../support/student-search.js';

type Role = 'anonymous' | 'student' | 'parent' | 'teacher' | 'idleTeacher' | 'office' | 'nurse' | 'counselor' | 'districtAdmin' | 'otherOffice' | 'otherCounselor';
const ROLES: Role[] = ['anonymous', 'student', 'parent', 'teacher', 'idleTeacher', 'office', 'nurse', 'counselor', 'districtAdmin', 'otherOffice', 'otherCounselor'];

/** The answer per role: 200, 303 (to sign in), 403 or 404. */
type Answers = Record<Role, number>;
const none = (status: number): Answers => Object.fromEntries(ROLES.map((r) => [r, status])) as Answers;
const signedOut = (answers: Partial<Answers>, rest: number): Answers => ({ ...none(rest), anonymous: 303, student: 403, parent: 403, idleTeacher: 403, ...answers });

describeEachEngine('who may find and open a student (staff)', (get) => {
  let app: FastifyInstance;
  let w: SearchWorld;
  const clients = new Map<Role, Client>();

  beforeAll(async () => {
    w = await searchWorld(get().db);
    app = await makeApp(get(), { now: () => new Date(`${SEARCH_TODAY}T18:00:00Z`) });
    const accounts: Record<Exclude<Role, 'anonymous'>, AccountFixture> = {
      student: w.jose.studentAccount!,
      parent: w.jose.guardianAccount!,
      teacher: w.staff.teacher.account!,
      idleTeacher: w.staff.idleTeacher.account!,
      office: w.staff.office.account!,
      nurse: w.staff.nurse.account!,
      counselor: w.staff.counselor.account!,
      districtAdmin: w.staff.districtAdmin.account!,
      otherOffice: w.staff.otherOffice.account!,
      otherCounselor: w.staff.otherCounselor.account!,
    };
    let address = 0;
    for (const role of ROLES) {
      const c = new Client(app, {}, `10.7.0.${++address}`);
      if (role !== 'anonymous') {
        const account = accounts[role];
        expect((await c.submit('/sign-in', { username: account.username, password: account.password })).statusCode, role).toBe(303);
      }
      clients.set(role, c);
    }
  });
  afterAll(() => app?.close());

  const opens = async () => Number((await get().db.selectFrom('audit_log').select((eb) => eb.fn.countAll().as('n')).where('action', '=', 'student.viewed_by_staff').executeTakeFirst())?.n ?? 0);

  it('answers every route as each role, writing an audit row only for an allowed open', async () => {
    const jose = w.jose.student.id;
    const zoe = w.zoe.id;
    const ana = w.ana.id;
    const routes: [string, Answers, boolean][] = [
      ['/staff/students', signedOut({}, 200), false],
      ['/staff/students?q=alvarez', signedOut({}, 200), false],
      [`/staff/students/${jose}`, signedOut({ otherOffice: 404, otherCounselor: 404 }, 200), true],
      [`/staff/students/${ana}`, signedOut({ teacher: 404, otherOffice: 404, otherCounselor: 404 }, 200), true],
      [`/staff/students/${zoe}`, signedOut({ teacher: 404, office: 404, nurse: 404, counselor: 404 }, 200), true],
      ['/staff/students/999999', signedOut({}, 404), true],
      ['/staff/students/abc', signedOut({}, 404), true],
      ...(['grades', 'attendance', 'transcript'] as const).flatMap((tool): [string, Answers, boolean][] => [
        [`/staff/students/${jose}/${tool}`, { ...none(403), anonymous: 303, counselor: 200, otherCounselor: 404 }, true],
        [`/staff/students/${zoe}/${tool}`, { ...none(403), anonymous: 303, counselor: 404, otherCounselor: 200 }, true],
        [`/staff/students/999999/${tool}`, { ...none(403), anonymous: 303, counselor: 404, otherCounselor: 404 }, true],
      ]),
    ];
    for (const [url, answers, audited] of routes) {
      for (const role of ROLES) {
        const before = await opens();
        const res = await clients.get(role)!.get(url);
        expect(res.statusCode, `${role} GET ${url}`).toBe(answers[role]);
        if (answers[role] === 303) expect(res.headers.location).toBe(`/sign-in?next=${encodeURIComponent(url)}`);
        expect(await opens(), `${role} GET ${url}: audit rows`).toBe(before + (audited && answers[role] === 200 ? 1 : 0));
      }
    }
  });

  it('adds transfer credit for a counselor of the student’s school only; every other role is refused and nothing is written', async () => {
    const db = get().db;
    const written = async () => [
      Number((await db.selectFrom('transcript_courses').select((eb) => eb.fn.countAll().as('n')).executeTakeFirst())?.n ?? 0),
      Number((await db.selectFrom('change_events').select((eb) => eb.fn.countAll().as('n')).executeTakeFirst())?.n ?? 0),
    ];
    const course = (code: string) => ({ school: 'Lakeside Academy', schoolYear: '2025', grade: '9', code, title: 'Algebra I', term: 'Year', letter: 'B', weight: 'none', attempted: '1', earned: '1' });
    const cases: [number, Answers][] = [
      [w.jose.student.id, { ...none(403), anonymous: 303, counselor: 303, otherCounselor: 404 }],
      [w.zoe.id, { ...none(403), anonymous: 303, counselor: 404, otherCounselor: 303 }],
      [999999, { ...none(403), anonymous: 303, counselor: 404, otherCounselor: 404 }],
    ];
    for (const [studentId, answers] of cases) {
      for (const role of ROLES) {
        const c = clients.get(role)!;
        await c.get(role === 'anonymous' ? '/sign-in' : '/home');
        const before = await written();
        const url = `/staff/students/${studentId}/transfer-credit`;
        const res = await c.post(url, course(`T-${role}`));
        expect(res.statusCode, `${role} POST ${url}`).toBe(answers[role]);
        const added = role !== 'anonymous' && answers[role] === 303;
        if (added) expect(res.headers.location).toBe(`/staff/students/${studentId}/transcript?added=1`);
        const after = await written();
        expect(after, `${role} POST ${url}: rows`).toEqual(added ? [before[0]! + 1, before[1]! + 1] : before);
      }
    }
    for (const [studentId, answers] of cases) {
      for (const role of ROLES) {
        const res = await clients.get(role)!.get(`/staff/students/${studentId}/transfer-credit`);
        expect(res.statusCode, `${role} GET transfer credit of ${studentId}`).toBe(answers[role] === 303 && role !== 'anonymous' ? 200 : answers[role]);
      }
    }
  });

  it('has no other route that writes: a POST to the search, a student page or a read is not found', async () => {
    for (const role of ROLES.filter((r) => r !== 'anonymous')) {
      const c = clients.get(role)!;
      await c.get('/home');
      for (const url of ['/staff/students', `/staff/students/${w.jose.student.id}`, `/staff/students/${w.jose.student.id}/transcript`]) {
        expect((await c.post(url, { q: 'x' })).statusCode, `${role} POST ${url}`).toBe(404);
      }
    }
  });
});
