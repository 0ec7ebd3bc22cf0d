import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startSession } from '../../src/domain/accounts/sessions.js';
import { loadDemo } from '../../src/domain/demo/load.js';
import { PORTAL_TOOLS } from '../../src/domain/portal/tools.js';
import { makeApp } from '../support/app.js';
import { QueryCounter } from '../support/query-counter.js';
import { describeEachEngine } from '../support/db.js';
import { Client } from '../support/http.js';

const TODAY = '2026-11-24';

describeEachEngine('portal pages ask a fixed number of queries', (get) => {
  let app: FastifyInstance;
  const counter = new QueryCounter();
  /** two students: one with many classes and scores, one with few (some classes removed) */
  let many: { id: number; token: string };
  let few: { id: number; token: string };

  beforeAll(async () => {
    await loadDemo(get(), { students: 40, seed: 67, startYear: 2026, asOf: TODAY });
    const db = get().db;
    const t = new Date().toISOString();
    const student = async (id: number) => {
      const account = await db
        .insertInto('user_accounts')
        .values({ username: `s${id}`, username_key: `s${id}`, status: 'active', person_kind: 'student', student_id: id, security_email: `s${id}@example.com`, security_email_confirmed_at: t, created_at: t, updated_at: t, updated_by: null })
        .returning('id')
        .executeTakeFirstOrThrow();
      const session = await startSession(db, account.id, { persistent: true, ip: null, userAgent: null, settings: { sessionIdleMinutes: 600, sessionAbsoluteHours: 12, rememberDeviceDays: 30 }, now: new Date() });
      return { id, token: session.token };
    };
    const ids = (await db.selectFrom('students').select('id').where('legal_first_name', '!=', 'Allen').where('enrollment_status', '=', 'active').orderBy('id').limit(2).execute()).map((r) => r.id);
    many = await student(ids[0]!);
    few = await student(ids[1]!);
    // Leave the second student two classes: with a query per class, the counts would differ.
    const keep = (await db.selectFrom('section_enrollments').select('id').where('student_id', '=', few.id).orderBy('id').limit(2).execute()).map((r) => r.id);
    await db.deleteFrom('section_enrollments').where('student_id', '=', few.id).where('id', 'not in', keep).execute();
    app = await makeApp({ ...get(), db: db.withPlugin(counter) }, { now: () => new Date(`${TODAY}T18:00:00Z`) });
  });
  afterAll(() => app.close());

  it('whatever the number of classes, assignments and absences', async () => {
    const classes = async (id: number) => (await get().db.selectFrom('section_enrollments').select('id').where('student_id', '=', id).execute()).length;
    expect(await classes(many.id)).toBeGreaterThan(5);
    expect(await classes(few.id)).toBe(2);
    const countFor = async (s: { id: number; token: string }, tool: string) => {
      const c = new Client(app);
      c.cookies.set('hr_session', s.token);
      await c.get(`/students/${s.id}/${tool}`); // warms the short caches (terms, scales, calendar)
      counter.count = 0;
      const res = await c.get(`/students/${s.id}/${tool}`);
      expect(res.statusCode, tool).toBe(200);
      return counter.count;
    };
    for (const tool of [...PORTAL_TOOLS.map((t) => t.path), 'calendar?view=week']) {
      const a = await countFor(many, tool);
      const b = await countFor(few, tool);
      expect(a, tool).toBe(b);
      // at least the session with the students and the header (one statement, ADR 0070)
      expect(a, tool).toBeGreaterThanOrEqual(1);
      expect(a, tool).toBeLessThanOrEqual(10);
    }
  });
});
