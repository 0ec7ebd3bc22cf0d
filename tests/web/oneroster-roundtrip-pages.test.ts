/**
 * The round trip by pages (issue 20: "the demo district exported and re-imported gives the same portal
 * pages"). The demo district is exported as OneRoster, imported into an EMPTY database of the same
 * engine, and the portal pages of a sample of students and guardians are rendered from both databases
 * and compared once what must differ is normalised (row ids in links and form values, the CSRF token,
 * the CSP nonce). Accounts are not in OneRoster, so each database gets the same accounts, made here;
 * the district's own settings and the schools' bell schedules are an administrator's, set in Homeroom,
 * so the empty database gets them as an administrator would (then the next import places the periods).
 *
 * What OneRoster does not carry cannot come back (ADR 0029): a page built on it is listed in
 * EXPECTED_TO_DIFFER with the reason, and the test proves it does differ — so when a load lands (the
 * gradebook and attendance files, by another change) the test fails with "now the same: move it to
 * COMPARED", and the lead moves it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Database } from '../../src/db/connect.js';
import { startSession } from '../../src/domain/accounts/sessions.js';
import { loadDemo } from '../../src/domain/demo/load.js';
import { exportPackage } from '../../src/domain/oneroster/export/index.js';
import { importPackage } from '../../src/domain/oneroster/load/index.js';
import { openPackage } from '../../src/domain/oneroster/read/package.js';
import { ProblemSink } from '../../src/domain/oneroster/records.js';
import { makeApp } from '../support/app.js';
import { describeEachEngine, freshDatabase, type TestDatabase } from '../support/db.js';
import { Client } from '../support/http.js';

const TODAY = '2026-11-24';
const NOW = new Date(`${TODAY}T18:00:00Z`);

/** Pages that come back the same. */
const COMPARED = ['schedule', 'today', 'assignments', 'attendance'] as const;

/** Pages that cannot come back the same yet, and why. Move a page to COMPARED when its data loads. */
const EXPECTED_TO_DIFFER: Record<string, string> = {
  grades: 'posted term grades (each class’s past grading periods) are not in OneRoster',
  'report-cards': 'posted term grades are not in OneRoster',
  transcript: 'past years’ courses (transcript_courses) are not in OneRoster',
  immunizations: 'doses are health records, not in OneRoster',
};

const url = (page: string, student: number) => `/students/${student}/${page}`;

/** What must differ between the two databases: row ids in links and values, the CSRF token, the CSP nonce. */
function normalise(html: string): string {
  return html
    .replace(/name="_csrf" value="[^"]*"/g, 'name="_csrf"')
    .replace(/nonce="[^"]*"/g, 'nonce')
    .replace(/\b(href|action|id|for|value|name|aria-[a-z]+|data-[a-z-]+)="([^"]*)"/g, (_m, a: string, v: string) => `${a}="${v.replace(/\d+/g, '#')}"`);
}

/** The first line where two pages differ, for a readable failure. */
function firstDifference(a: string, b: string): string | null {
  const x = a.split(/(?=<)/);
  const y = b.split(/(?=<)/);
  for (let i = 0; i < Math.max(x.length, y.length); i++) if (x[i] !== y[i]) return `#${i}: ${x[i]?.slice(0, 160)} ≠ ${y[i]?.slice(0, 160)}`;
  return null;
}

interface Sample {
  why: string;
  kind: 'student' | 'guardian';
  /** the person in the demo database, by natural key */
  studentNumber?: string;
  guardian?: { email: string; first: string; last: string };
  /** the students whose pages are read (their numbers) */
  students: string[];
  locale: 'en' | 'es';
}

/** The sample, chosen from the demo to cover what the issue names. */
async function chooseSample(database: Database): Promise<Sample[]> {
  const { db } = database;
  const portal = db
    .selectFrom('student_guardians as l')
    .innerJoin('students as s', 's.id', 'l.student_id')
    .innerJoin('guardians as g', 'g.id', 'l.guardian_id')
    .where('l.portal_access', '=', 1)
    .where('l.rights_revoked', '=', 0)
    .where('s.enrollment_status', '=', 'active')
    .where('g.email', 'is not', null);
  const numbersOf = async (guardianId: number) =>
    (await portal.select('s.student_number').where('g.id', '=', guardianId).orderBy('s.student_number').execute()).map((r) => r.student_number);
  const many = await portal.select(['g.id', 'g.email', 'g.first_name', 'g.last_name']).groupBy(['g.id', 'g.email', 'g.first_name', 'g.last_name']).having((e) => e.fn.countAll(), '>=', 2).orderBy('g.id').executeTakeFirstOrThrow();
  const spanish = await portal.select(['g.id', 'g.email', 'g.first_name', 'g.last_name']).where('g.preferred_language', '=', 'es').orderBy('g.id').executeTakeFirstOrThrow();
  const absent = await db
    .selectFrom('attendance_records as a')
    .innerJoin('students as s', 's.id', 'a.student_id')
    .select('s.student_number')
    .where('s.enrollment_status', '=', 'active')
    .orderBy('s.student_number')
    .executeTakeFirstOrThrow();
  const schools = (await db.selectFrom('schools').select('name').execute()).map((r) => r.name);
  const transfer = await db
    .selectFrom('transcript_courses as t')
    .innerJoin('students as s', 's.id', 't.student_id')
    .select('s.student_number')
    .where('t.school_name', 'not in', schools)
    .where('s.enrollment_status', '=', 'active')
    .orderBy('s.student_number')
    .executeTakeFirst();
  const guardian = (g: typeof many) => ({ email: g.email!, first: g.first_name, last: g.last_name });
  return [
    { why: 'a parent of several children', kind: 'guardian', guardian: guardian(many), students: await numbersOf(many.id), locale: 'en' },
    { why: 'a Spanish-speaking parent', kind: 'guardian', guardian: guardian(spanish), students: await numbersOf(spanish.id), locale: 'es' },
    { why: 'a student with attendance', kind: 'student', studentNumber: absent.student_number, students: [absent.student_number], locale: 'en' },
    ...(transfer ? [{ why: 'a student with transfer credits', kind: 'student' as const, studentNumber: transfer.student_number, students: [transfer.student_number], locale: 'es' as const }] : []),
  ];
}

/** Signs the sample's person in on a database: an account and a session made for the test. */
async function signIn(app: FastifyInstance, database: Database, sample: Sample): Promise<{ client: Client; ids: Map<string, number> }> {
  const { db } = database;
  const t = NOW.toISOString();
  const person =
    sample.kind === 'student'
      ? { person_kind: 'student' as const, student_id: (await db.selectFrom('students').select('id').where('student_number', '=', sample.studentNumber!).executeTakeFirstOrThrow()).id }
      : {
          person_kind: 'guardian' as const,
          guardian_id: (
            await db.selectFrom('guardians').select('id').where('email', '=', sample.guardian!.email).where('first_name', '=', sample.guardian!.first).where('last_name', '=', sample.guardian!.last).executeTakeFirstOrThrow()
          ).id,
        };
  const username = `rt-${sample.kind}-${sample.studentNumber ?? sample.guardian!.email}`;
  const account = await db
    .insertInto('user_accounts')
    .values({ username, username_key: username.toLowerCase(), status: 'active', ...person, locale: sample.locale, security_email: `${username}@example.com`, security_email_confirmed_at: t, created_at: t, updated_at: t, updated_by: null })
    .returning('id')
    .executeTakeFirstOrThrow();
  const session = await startSession(db, account.id, { persistent: true, ip: null, userAgent: null, settings: { sessionIdleMinutes: 600, sessionAbsoluteHours: 12, rememberDeviceDays: 30 }, now: NOW });
  const client = new Client(app);
  client.cookies.set('hr_session', session.token);
  const rows = await db.selectFrom('students').select(['id', 'student_number']).where('student_number', 'in', sample.students).execute();
  return { client, ids: new Map(rows.map((r) => [r.student_number, r.id])) };
}

describeEachEngine('the demo district, exported and imported into an empty database, shows the same portal pages', (get, engine) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'homeroom-roundtrip-'));
  let copy: TestDatabase;
  let apps: [FastifyInstance, FastifyInstance];
  let samples: Sample[];
  /** The district's names kept in Spanish (ADR 0043), as [Spanish, district's] pairs, longest first. */
  let spanishNames: [string, string][];

  beforeAll(async () => {
    await loadDemo(get(), { students: 40, seed: 67, startYear: 2026, asOf: TODAY });
    const pkgPath = path.join(dir, 'demo.zip');
    await exportPackage(get(), pkgPath, { now: NOW });
    copy = await freshDatabase(engine);
    const importIt = async () => {
      const problems = new ProblemSink();
      const { ok } = await importPackage(copy, await openPackage(pkgPath, problems), problems, { dryRun: false, now: NOW, actorAccountId: null });
      expect(ok, JSON.stringify(problems.list().filter((p) => p.severity === 'error'))).toBe(true);
    };
    await importIt();
    // Bell schedules and school days are a school's, set in Homeroom (OneRoster has none): the office enters them,
    // and the next import places the classes in their periods by name.
    for (const school of await get().db.selectFrom('schools').select(['id', 'school_number']).execute()) {
      const there = await copy.db.selectFrom('schools').select('id').where('school_number', '=', school.school_number).executeTakeFirstOrThrow();
      for (const bell of await get().db.selectFrom('bell_schedules').selectAll().where('school_id', '=', school.id).execute()) {
        const { id: bellId, ...rest } = bell;
        const made = await copy.db.insertInto('bell_schedules').values({ ...rest, school_id: there.id }).returning('id').executeTakeFirstOrThrow();
        const periods = await get().db.selectFrom('bell_periods').selectAll().where('bell_schedule_id', '=', bellId).execute();
        await copy.db.insertInto('bell_periods').values(periods.map(({ id: _id, ...p }) => ({ ...p, bell_schedule_id: made.id }))).execute();
      }
      // So is each school's calendar of school days (the office calendar).
      const days = await get().db.selectFrom('calendar_days').selectAll().where('school_id', '=', school.id).execute();
      for (let i = 0; i < days.length; i += 200) {
        await copy.db.insertInto('calendar_days').values(days.slice(i, i + 200).map(({ id: _id, ...d }) => ({ ...d, school_id: there.id }))).execute();
      }
    }
    await importIt();
    // Meal accounts come from the district's point-of-sale system, never the SIS (ADR 0040): the copy gets each
    // student's account and ledger as the point-of-sale file would give them, matched by student number.
    const numbers = new Map((await copy.db.selectFrom('students').select(['id', 'student_number']).execute()).map((r) => [r.student_number, r.id]));
    const thereOf = new Map((await get().db.selectFrom('students').select(['id', 'student_number']).execute()).map((r) => [r.id, numbers.get(r.student_number)!]));
    const accounts = await get().db.selectFrom('meal_accounts').selectAll().execute();
    expect(accounts.length).toBeGreaterThan(0);
    for (let i = 0; i < accounts.length; i += 200) {
      await copy.db.insertInto('meal_accounts').values(accounts.slice(i, i + 200).map((a) => ({ ...a, student_id: thereOf.get(a.student_id)! }))).execute();
    }
    const ledger = await get().db.selectFrom('meal_ledger').selectAll().execute();
    for (let i = 0; i < ledger.length; i += 200) {
      await copy.db.insertInto('meal_ledger').values(ledger.slice(i, i + 200).map(({ id: _id, ...e }) => ({ ...e, student_id: thereOf.get(e.student_id)!, recorded_by: null }))).execute();
    }
    // The district's own configuration is set by an administrator in Homeroom, never by the SIS: as one would.
    const own = await get().db.selectFrom('district').select(['name', 'short_name', 'portal_name', 'time_zone', 'locale', 'color_primary', 'color_secondary', 'help_email', 'website_url', 'settings']).executeTakeFirstOrThrow();
    await copy.db.updateTable('district').set(own).execute();
    samples = await chooseSample(get());
    // OneRoster has no Spanish titles (ADR 0043): the copy shows the district's names where the source
    // shows its Spanish ones. Nothing else may differ, so a Spanish reader's source page is compared with
    // each Spanish name put back to the district's.
    const { db } = get();
    const pairs = [
      ...(await db.selectFrom('academic_sessions').select(['title_es as es', 'title as base']).where('title_es', 'is not', null).execute()),
      ...(await db.selectFrom('calendar_days').select(['note_es as es', 'note as base']).where('note_es', 'is not', null).where('note', 'is not', null).execute()),
    ];
    spanishNames = [...new Map(pairs.map((p) => [p.es!, p.base!])).entries()].sort((x, y) => y[0].length - x[0].length);
    expect(spanishNames.length).toBeGreaterThan(0);
    apps = [await makeApp(get(), { now: () => NOW }), await makeApp(copy, { now: () => NOW })];
  }, 120_000);
  afterAll(async () => {
    await Promise.all(apps?.map((a) => a.close()) ?? []);
    await copy?.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('the sample covers several children, a Spanish-speaking parent and a student with attendance', () => {
    expect(samples.map((s) => s.why)).toEqual(expect.arrayContaining(['a parent of several children', 'a Spanish-speaking parent', 'a student with attendance']));
    expect(samples[0]!.students.length).toBeGreaterThanOrEqual(2);
  });

  it('every page is the same, except those listed as expected to differ, which do', async () => {
    const same: string[] = [];
    const differ: string[] = [];
    for (const sample of samples) {
      const [a, b] = [await signIn(apps[0], get(), sample), await signIn(apps[1], copy, sample)];
      for (const number of sample.students) {
        for (const page of [...COMPARED, ...Object.keys(EXPECTED_TO_DIFFER)]) {
          const where = `${sample.why}, student ${number}, ${page}`;
          const [ra, rb] = [await a.client.get(url(page, a.ids.get(number)!)), await b.client.get(url(page, b.ids.get(number)!))];
          expect(ra.statusCode, where).toBe(200);
          expect(rb.statusCode, where).toBe(200);
          const source = sample.locale === 'es' ? spanishNames.reduce((html, [es, base]) => html.replaceAll(es, base), ra.body) : ra.body;
          const difference = firstDifference(normalise(source), normalise(rb.body));
          if ((COMPARED as readonly string[]).includes(page)) {
            expect(difference, where).toBeNull();
            same.push(where);
          } else if (difference !== null) differ.push(page);
        }
      }
    }
    // A page expected to differ that is now the same for every sample: move it to COMPARED.
    for (const page of Object.keys(EXPECTED_TO_DIFFER)) expect(differ, `${page} is now the same: move it to COMPARED`).toContain(page);
    expect(same.length).toBeGreaterThan(0);
  });
});
