/**
 * Finding a student (issue 19): `GET /staff/students?q=…` through a real server on a district-scale
 * demo, signed in as a district administrator (every student) and as a teacher (the students of the
 * sections they teach today), one request at a time. Run by `npm run bench -- search`.
 *
 * The searches are drawn from the district's own students (seeded): the first three letters of a last
 * name, four letters from inside one, a first and last name, and a student number with its leading
 * zeros and without them. The teacher's are drawn from their own students.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { connect } from '../../src/db/connect.js';
import { localDate } from '../../src/domain/calendar/dates.js';
import { startServer } from './server.js';
import { loadAverage, seeded, staffSessions, StaffClient, summarize, type Summary, type Timing } from './staff.js';

const root = path.resolve(import.meta.dirname, '../..');

export interface SearchBenchOptions {
  databaseUrl: string;
  label: string;
  students: number;
  /** searches of each kind for each role */
  tries: number;
  processes: number;
  reuse?: boolean;
}

export interface SearchBenchResult {
  label: string;
  rows: { role: string; kind: string; summary: Summary; found: number }[];
  loadBefore: string;
  loadAfter: string;
}

type Person = { number: string; first: string; last: string };

export async function searchBench(options: SearchBenchOptions): Promise<SearchBenchResult> {
  if (!options.reuse) {
    execFileSync(path.join(root, 'node_modules/.bin/tsx'), ['scripts/bench/demo-load.ts', options.databaseUrl, String(options.students), '1', '2026', localDate(new Date(), 'America/Chicago')], {
      cwd: root,
      encoding: 'utf8',
      maxBuffer: 16 * 1024 * 1024,
    });
  }
  const random = seeded(23);
  const database = await connect(options.databaseUrl);
  const db = database.db;
  let setup;
  try {
    const tz = (await db.selectFrom('district').select('time_zone').executeTakeFirstOrThrow()).time_zone;
    const today = localDate(new Date(), tz);
    const admin = (await db.selectFrom('staff_roles').select('staff_id').where('role', '=', 'district_admin').orderBy('staff_id').executeTakeFirstOrThrow()).staff_id;
    // The teacher with the most students today.
    const teacher = await db
      .selectFrom('section_teachers as t')
      .innerJoin('section_enrollments as e', 'e.section_id', 't.section_id')
      .select(['t.staff_id', (eb) => eb.fn.countAll<number | string>().as('n')])
      .where('t.begin_date', '<=', today)
      .where((eb) => eb.or([eb('t.end_date', 'is', null), eb('t.end_date', '>=', today)]))
      .where('e.begin_date', '<=', today)
      .where((eb) => eb.or([eb('e.end_date', 'is', null), eb('e.end_date', '>=', today)]))
      .groupBy('t.staff_id')
      .orderBy('n', 'desc')
      .orderBy('t.staff_id')
      .executeTakeFirstOrThrow();
    const everyone: Person[] = await db.selectFrom('students').select(['student_number as number', 'legal_first_name as first', 'legal_last_name as last']).execute();
    const theirs: Person[] = await db
      .selectFrom('students as s')
      .innerJoin('section_enrollments as e', 'e.student_id', 's.id')
      .innerJoin('section_teachers as t', 't.section_id', 'e.section_id')
      .select(['s.student_number as number', 's.legal_first_name as first', 's.legal_last_name as last'])
      .where('t.staff_id', '=', teacher.staff_id)
      .where('e.begin_date', '<=', today)
      .where((eb) => eb.or([eb('e.end_date', 'is', null), eb('e.end_date', '>=', today)]))
      .execute();
    const tokens = await staffSessions(db, [admin, teacher.staff_id]);
    setup = { admin, teacher: teacher.staff_id, everyone, theirs, tokens };
  } finally {
    await database.close();
  }

  const kinds: [string, (p: Person) => string][] = [
    ['last name, first 3 letters', (p) => p.last.slice(0, 3)],
    ['4 letters inside a last name', (p) => (p.last.length >= 5 ? p.last.slice(1, 5) : p.last)],
    ['first and last name', (p) => `${p.first} ${p.last}`],
    ['number with its leading zeros', (p) => p.number],
    ['number without leading zeros', (p) => p.number.replace(/^0+/, '') || '0'],
  ];
  const server = await startServer(['--no-worker', '--processes', String(options.processes)], { DATABASE_URL: options.databaseUrl, DEMO_MODE: 'false' }, (out) =>
    out.includes('Homeroom is running at'),
  );
  try {
    const rows: SearchBenchResult['rows'] = [];
    const loadBefore = loadAverage();
    for (const [role, staffId, people] of [
      ['district administrator', setup.admin, setup.everyone],
      ['teacher', setup.teacher, setup.theirs],
    ] as const) {
      const client = new StaffClient(server.base, setup.tokens.get(staffId)!);
      const ask = (q: string) => client.get(`/staff/students?q=${encodeURIComponent(q)}`);
      for (let i = 0; i < 10; i++) await ask(kinds[i % kinds.length]![1](people[Math.floor(random() * people.length)]!)); // warm-up, not counted
      for (const [kind, query] of kinds) {
        const timings: Timing[] = [];
        let found = 0;
        for (let i = 0; i < options.tries; i++) {
          const p = people[Math.floor(random() * people.length)]!;
          const res = await ask(query(p));
          timings.push({ ms: res.ms, ok: res.status === 200 });
          // The student searched for is on the page (the number) or among the matches (a name).
          if (res.status === 200 && !/no students? (were )?found/i.test(res.text)) found++;
        }
        rows.push({ role, kind, summary: summarize(timings), found });
        console.error(`${options.label} ${role} ${kind}: p50 ${summarize(timings).p50.toFixed(1)} ms p99 ${summarize(timings).p99.toFixed(1)} ms`);
      }
    }
    return { label: options.label, rows, loadBefore, loadAfter: loadAverage() };
  } finally {
    await server.stop();
  }
}
