import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyPassword } from '../../src/domain/accounts/passwords.js';
import { DEMO_PASSWORD } from '../../src/domain/demo/generate.js';
import { DistrictExistsError, loadDemo } from '../../src/domain/demo/load.js';
import { parsePortalSettings } from '../../src/domain/district/settings.js';
import { ENGINES, describeEachEngine, dumpAll, freshDatabase, type TestDatabase } from '../support/db.js';

const TINY = { students: 60, seed: 7, startYear: 2026 };
const digest = (dump: unknown) => createHash('sha256').update(JSON.stringify(dump)).digest('hex');

describeEachEngine('demo district', (get) => {
  beforeAll(async () => {
    await loadDemo(get(), TINY);
  });

  it('has exactly the students asked for, in middle and high schools, grades 6–12', async () => {
    const { db } = get();
    const students = await db.selectFrom('students').selectAll().execute();
    expect(students).toHaveLength(60);
    expect(students.every((s) => s.grade_level >= 6 && s.grade_level <= 12)).toBe(true);
    const schools = await db.selectFrom('schools').selectAll().execute();
    expect(schools.map((s) => s.name).some((n) => n.endsWith('Middle School'))).toBe(true);
    expect(schools.map((s) => s.name).some((n) => n.endsWith('High School'))).toBe(true);
    expect(students.every((s) => /^0\d{6}$/.test(s.student_number))).toBe(true);
  });

  it("includes Allen Alda, born 3 January 2011, whose demo password follows the seed's rule", async () => {
    const { db } = get();
    const allen = await db
      .selectFrom('students')
      .selectAll()
      .where('legal_first_name', '=', 'Allen')
      .where('legal_last_name', '=', 'Alda')
      .executeTakeFirstOrThrow();
    expect(allen.birth_date).toBe('2011-01-03');
    expect(allen.grade_level).toBe(10);
    const account = await db.selectFrom('user_accounts').selectAll().where('student_id', '=', allen.id).executeTakeFirstOrThrow();
    expect(account.username).toBe(allen.student_number);
    expect(account.must_change_password).toBe(1);
    expect(await verifyPassword(account.password_hash ?? '', 'aa010311')).toBe(true);
  });

  it('has families of 1–4 children, some across two schools', async () => {
    const { db } = get();
    const links = await db
      .selectFrom('student_guardians as sg')
      .innerJoin('students as s', 's.id', 'sg.student_id')
      .select(['sg.guardian_id', 's.id as student', 's.school_id'])
      .where('sg.portal_access', '=', 1)
      .execute();
    const byGuardian = new Map<number, { students: Set<number>; schools: Set<number> }>();
    for (const l of links) {
      const g = byGuardian.get(l.guardian_id) ?? { students: new Set(), schools: new Set() };
      g.students.add(l.student);
      g.schools.add(l.school_id);
      byGuardian.set(l.guardian_id, g);
    }
    const sizes = [...byGuardian.values()].map((g) => g.students.size);
    expect(Math.min(...sizes)).toBe(1);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(4);
    expect([...byGuardian.values()].some((g) => g.schools.size === 2)).toBe(true);
  });

  it('has guardians on both sides of the unique-email rule, and without email', async () => {
    const { db } = get();
    const guardians = await db.selectFrom('guardians').select(['email']).execute();
    const counts = new Map<string, number>();
    for (const g of guardians) if (g.email) counts.set(g.email, (counts.get(g.email) ?? 0) + 1);
    expect([...counts.values()].some((n) => n === 1)).toBe(true);
    expect([...counts.values()].some((n) => n > 1)).toBe(true);
    expect(guardians.some((g) => g.email === null)).toBe(true);
    expect(guardians.every((g) => g.email === null || /^[a-z0-9.]+@[a-z.]*example\.(com|net|org)$/.test(g.email))).toBe(true);
  });

  it('has split households, revoked rights and students of 18 or older', async () => {
    const { db } = get();
    const revoked = await db.selectFrom('student_guardians').selectAll().where('rights_revoked', '=', 1).execute();
    expect(revoked.length).toBeGreaterThan(0);
    expect(revoked.every((l) => l.portal_access === 0 && l.receives_mail === 0)).toBe(true);
    const twoHomes = await db
      .selectFrom('household_students')
      .select('student_id')
      .groupBy('student_id')
      .having((eb) => eb.fn.countAll(), '>', 1)
      .execute();
    expect(twoHomes.length).toBeGreaterThan(0);
    const adults = await db.selectFrom('students').select('id').where('birth_date', '<=', '2008-11-25').execute();
    expect(adults.length).toBeGreaterThan(0);
  });

  it('gives every active student a full 7-period day with no two classes at once', async () => {
    const { db } = get();
    const rows = await db
      .selectFrom('section_enrollments as e')
      .innerJoin('section_periods as sp', 'sp.section_id', 'e.section_id')
      .innerJoin('section_terms as st', 'st.section_id', 'e.section_id')
      .innerJoin('students as s', 's.id', 'e.student_id')
      .select(['e.student_id', 'sp.bell_period_id', 'st.academic_session_id'])
      .where('s.enrollment_status', '=', 'active')
      .execute();
    const slots = new Map<number, Set<string>>();
    for (const r of rows) {
      const key = `${r.bell_period_id}:${r.academic_session_id}`;
      const set = slots.get(r.student_id) ?? new Set();
      expect(set.has(key), `student ${r.student_id} double-booked`).toBe(false);
      set.add(key);
      slots.set(r.student_id, set);
    }
    const active = await db.selectFrom('students').select('id').where('enrollment_status', '=', 'active').execute();
    for (const { id } of active) expect(slots.get(id)?.size, `student ${id}`).toBe(14); // 7 periods × 2 semesters
  });

  // Issue 23: 81 of 600 students had two sections of one course in a semester (Theater Arts in periods 6 and 7).
  it('never puts a student in two sections of the same course in one term', async () => {
    const { db } = get();
    const rows = await db
      .selectFrom('section_enrollments as e')
      .innerJoin('sections as sec', 'sec.id', 'e.section_id')
      .innerJoin('section_terms as st', 'st.section_id', 'e.section_id')
      .select(['e.student_id', 'e.section_id', 'sec.course_id', 'st.academic_session_id'])
      .execute();
    const seen = new Map<string, number>();
    const twice: string[] = [];
    for (const r of rows) {
      const key = `${r.student_id}:${r.course_id}:${r.academic_session_id}`;
      const other = seen.get(key);
      if (other !== undefined && other !== r.section_id) twice.push(key);
      seen.set(key, r.section_id);
    }
    expect(twice).toEqual([]);
  });

  it('never books a teacher twice in one period and term', async () => {
    const { db } = get();
    const rows = await db
      .selectFrom('section_teachers as t')
      .innerJoin('section_periods as sp', 'sp.section_id', 't.section_id')
      .innerJoin('section_terms as st', 'st.section_id', 't.section_id')
      .select(['t.staff_id', 'sp.bell_period_id', 'st.academic_session_id'])
      .execute();
    const keys = rows.map((r) => `${r.staff_id}:${r.bell_period_id}:${r.academic_session_id}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('has a calendar, semesters with quarters, and a bell schedule with lunch', async () => {
    const { db } = get();
    const sessions = await db.selectFrom('academic_sessions').selectAll().orderBy('id').execute();
    expect(sessions.map((s) => s.type)).toEqual(['schoolYear', 'semester', 'semester', 'gradingPeriod', 'gradingPeriod', 'gradingPeriod', 'gradingPeriod']);
    const holidays = await db.selectFrom('calendar_days').selectAll().where('reason', '=', 'holiday').execute();
    expect(holidays.map((h) => h.note)).toContain('Labor Day');
    const periods = await db.selectFrom('bell_periods').selectAll().where('bell_schedule_id', '=', 1).orderBy('sequence').execute();
    expect(periods.map((p) => p.name)).toEqual(['1', '2', '3', '4', 'Lunch', '5', '6', '7']);
  });

  it('lists demo accounts that sign in with the documented passwords', async () => {
    const { db } = get();
    const district = await db.selectFrom('district').selectAll().executeTakeFirstOrThrow();
    const settings = parsePortalSettings(district.settings);
    const roles = settings.demo?.accounts.map((a) => a.role);
    expect(roles).toEqual(['student', 'parent', 'parent', 'teacher', 'office', 'counselor', 'nurse', 'district_admin']);
    const parent = settings.demo?.accounts.find((a) => a.role === 'parent');
    const account = await db.selectFrom('user_accounts').selectAll().where('username', '=', parent?.username ?? '').executeTakeFirstOrThrow();
    expect(await verifyPassword(account.password_hash ?? '', DEMO_PASSWORD)).toBe(true);
    // The demo teacher teaches the demo student.
    const teacher = settings.demo?.accounts.find((a) => a.role === 'teacher');
    const taught = await db
      .selectFrom('user_accounts as u')
      .innerJoin('section_teachers as t', 't.staff_id', 'u.staff_id')
      .innerJoin('section_enrollments as e', 'e.section_id', 't.section_id')
      .innerJoin('students as s', 's.id', 'e.student_id')
      .select('s.legal_first_name')
      .where('u.username', '=', teacher?.username ?? '')
      .where('s.legal_last_name', '=', 'Alda')
      .execute();
    expect(taught.map((r) => r.legal_first_name)).toContain('Allen');
  });

  it('gives every active student a meal account: a month of lunches, a deposit, the balance its ledger’s sum', async () => {
    const { db } = get();
    const active = (await db.selectFrom('students').select('id').where('enrollment_status', '=', 'active').orderBy('id').execute()).map((s) => s.id);
    const accounts = await db.selectFrom('meal_accounts').select(['student_id', 'balance_cents']).orderBy('student_id').execute();
    expect(accounts.map((a) => a.student_id)).toEqual(active);
    const ledger = await db.selectFrom('meal_ledger').select(['student_id', 'kind', 'amount_cents', 'at', 'source']).execute();
    const sums = new Map<number, number>();
    for (const row of ledger) sums.set(row.student_id, (sums.get(row.student_id) ?? 0) + row.amount_cents);
    for (const a of accounts) expect(Number(a.balance_cents), `student ${a.student_id}`).toBe(sums.get(a.student_id) ?? 0);
    // Lunches on school days only (Chicago's dates), in the 30 days up to the demo's date (14 weeks after
    // the first day, 19 August 2026: 25 November), from 27 October, never on or after the 25th.
    const schoolDays = new Set((await db.selectFrom('calendar_days').select('date').where('instructional', '=', 1).execute()).map((d) => d.date));
    const lunchDays = new Set(ledger.filter((r) => r.kind === 'purchase').map((r) => new Date(r.at).toLocaleDateString('en-CA', { timeZone: 'America/Chicago' })));
    expect(lunchDays.size).toBeGreaterThan(15);
    for (const day of lunchDays) {
      expect(schoolDays.has(day), day).toBe(true);
      expect(day >= '2026-10-27' && day < '2026-11-25', day).toBe(true);
    }
    expect(ledger.filter((r) => r.kind === 'purchase').every((r) => r.amount_cents < 0 && r.source === 'pos')).toBe(true);
    expect(ledger.filter((r) => r.kind === 'deposit').every((r) => r.amount_cents > 0 && r.source === 'office')).toBe(true);
    // A few children under the district's $10 default, most not; of the demo parent's, Grace is and Allen is not.
    const low = accounts.filter((a) => Number(a.balance_cents) < 1000).length;
    expect(low).toBeGreaterThan(0);
    expect(low).toBeLessThan(accounts.length / 5);
    const alda = await db.selectFrom('students as s').innerJoin('meal_accounts as m', 'm.student_id', 's.id').select(['s.legal_first_name', 'm.balance_cents']).where('s.legal_last_name', '=', 'Alda').orderBy('s.id').execute();
    expect(alda.map((a) => [a.legal_first_name, Number(a.balance_cents)])).toEqual([
      ['Allen', 2340],
      ['Grace', 385],
    ]);
  });

  it('refuses to load over a district, and --reset replaces it with the same data', async () => {
    const before = digest(await dumpAll(get()));
    await expect(loadDemo(get(), TINY)).rejects.toBeInstanceOf(DistrictExistsError);
    expect(digest(await dumpAll(get()))).toBe(before);
    await loadDemo(get(), TINY, { reset: true });
    expect(digest(await dumpAll(get()))).toBe(before);
  });

  it('leaves nothing behind when loading fails half-way', async () => {
    const database = await freshDatabase(get().dialect);
    try {
      // A row that collides with the generator's last table makes the load fail near its end.
      const t = '2026-01-01T00:00:00.000Z';
      await database.db
        .insertInto('announcements')
        .values({ id: 1, start_date: '2026-01-01', end_date: '2026-01-02', created_at: t, updated_at: t, updated_by: null })
        .execute();
      await expect(loadDemo(database, TINY)).rejects.toThrow();
      expect(await database.db.selectFrom('students').selectAll().execute()).toEqual([]);
      expect(await database.db.selectFrom('district').selectAll().execute()).toEqual([]);
    } finally {
      await database.drop();
    }
  });
});

describe('demo generator determinism', () => {
  const made: TestDatabase[] = [];
  afterAll(async () => {
    for (const d of made) await d.drop();
  });
  const load = async (engine: (typeof ENGINES)[number], options = TINY) => {
    const database = await freshDatabase(engine);
    made.push(database);
    await loadDemo(database, options);
    return dumpAll(database);
  };

  it('gives the same rows for the same seed, and different rows for another seed', async () => {
    const a = await load('sqlite');
    const b = await load('sqlite');
    expect(digest(b)).toBe(digest(a));
    const c = await load('sqlite', { ...TINY, seed: 8 });
    expect(digest(c)).not.toBe(digest(a));
  });

  it.skipIf(!ENGINES.includes('postgres'))('gives the same rows on SQLite and PostgreSQL', async () => {
    const onSqlite = await load('sqlite');
    const onPostgres = await load('postgres');
    for (const table of Object.keys(onSqlite)) expect(onPostgres[table], table).toEqual(onSqlite[table]);
  });
});
