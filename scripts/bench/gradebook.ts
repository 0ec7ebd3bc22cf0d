/**
 * The teacher's gradebook under load (issue 19): `concurrency` teachers, each with a 35-student section
 * holding 60 assignments in the current grading period, each opening the gradebook and saving a whole
 * column (35 scores) again and again, while the portal benchmark's pages are asked for beside them at
 * about `portalRate` requests per second. Bars: gradebook open and column save p99 ≤ 100 ms, portal
 * p99 ≤ 50 ms at 300 requests/s, both engines. Run by `npm run bench -- gradebook`.
 *
 * The setup is real and not timed: sections of 35 students (the nearest size the district has, topped
 * up with students of the school enrolled from today), one per teacher, each filled up to 60 assignments in the grading period with a score for every student, by
 * SQL (setup is not the measured path); an account and a session per teacher.
 *
 * Saving a column is what a browser does from the grid: the whole grid form is posted back, one
 * column's cells typed anew (the others unchanged, so only that column is written).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { sql } from 'kysely';
import { connect } from '../../src/db/connect.js';
import { localDate } from '../../src/domain/calendar/dates.js';
import { luaScript, runWrk, sessions } from './portal.js';
import { startServer } from './server.js';
import { loadAverage, seeded, serverRssMiB, staffSessions, StaffClient, summarize, type Summary, type Timing } from './staff.js';

const root = path.resolve(import.meta.dirname, '../..');

export interface GradebookBenchOptions {
  databaseUrl: string;
  label: string;
  students: number;
  seconds: number;
  /** teachers working at once, each on their own section */
  concurrency: number;
  /** students a section should have, and assignments in its grading period */
  sectionSize: number;
  assignments: number;
  portalRate: number;
  /** seconds a teacher spends typing a column between opening the gradebook and saving it, [low, high]; [0, 0]: none (saturation) */
  think: [number, number];
  processes: number;
  /** seconds of the portal's load at its rate, before anything is timed (0: none; the runs before session 23) */
  warmSeconds: number;
  /** the form as sent: 'whole' without JavaScript (every cell), 'changed' as gradebook.js sends it (the typed cells' points) */
  form?: 'whole' | 'changed';
  reuse?: boolean;
}

/** One teacher's section as the setup made it. */
export interface BenchSection {
  sectionId: number;
  staffId: number;
  gradingPeriodId: number;
  students: number[];
  /** the section's assignments in the period, by due date */
  assignments: { id: number; pointsPossible: number }[];
}

export class NotBuilt extends Error {}

/** The request that opens a section's gradebook for its grading period (the route named in issue 19's brief). */
export function openGradebook(s: BenchSection): string {
  return `/staff/classes/${s.sectionId}/gradebook?period=${s.gradingPeriodId}`;
}

const entities: Record<string, string> = { '&amp;': '&', '&quot;': '"', '&#39;': "'", '&#x27;': "'", '&lt;': '<', '&gt;': '>' };
const unescape = (v: string) => v.replace(/&(amp|quot|#39|#x27|lt|gt);/g, (e) => entities[e] ?? e);

/**
 * The form that saves one whole column from the gradebook page just opened, as a browser sends it: the
 * grid's form with every field the page carries (the form token, the roster, each cell's points and
 * what it showed), one assignment's 35 cells typed anew. `changedOnly`: as a browser running
 * gradebook.js sends it, without the points of the cells not typed in. `round` picks the column and varies the scores
 * from one save to the next, so every save changes every cell of its column.
 */
export function saveColumn(s: BenchSection, page: string, round: number, changedOnly = false): { url: string; form: [string, string][] } {
  const start = page.indexOf('class="hr-grid-form"');
  if (start < 0) throw new NotBuilt('the gradebook page has no score grid');
  const formStart = page.lastIndexOf('<form', start);
  const formEnd = page.indexOf('</form>', start);
  const html = page.slice(formStart, formEnd);
  const action = /action="([^"]+)"/.exec(html.slice(0, html.indexOf('>')))?.[1];
  if (!action) throw new NotBuilt('the score grid has no action');
  const column = s.assignments[round % s.assignments.length]!;
  const form: [string, string][] = [];
  let typed = 0;
  for (const tag of html.match(/<input\b[^>]*>/g) ?? []) {
    const name = /\sname="([^"]*)"/.exec(tag)?.[1];
    if (!name) continue;
    let value = unescape(/\svalue="([^"]*)"/.exec(tag)?.[1] ?? '');
    const cell = /^p_(\d+)_(\d+)$/.exec(name);
    // As gradebook.js sends the form: a cell's points only where typed anew (on a page just opened,
    // every other cell shows what is stored).
    if (changedOnly && cell && Number(cell[2]) !== column.id) continue;
    if (cell && Number(cell[2]) === column.id) {
      // A whole number of points from 0 to the points possible, different from the last save's.
      value = String((Number(cell[1]) + round) % (Math.floor(column.pointsPossible) + 1));
      typed++;
    }
    form.push([unescape(name), value]);
  }
  if (typed === 0) throw new NotBuilt(`assignment ${column.id} has no cells on the page`);
  return { url: unescape(action), form };
}

export async function prepare(databaseUrl: string, options: GradebookBenchOptions, random: () => number) {
  const database = await connect(databaseUrl);
  const db = database.db;
  try {
    const tz = (await db.selectFrom('district').select('time_zone').executeTakeFirstOrThrow()).time_zone;
    const today = localDate(new Date(), tz);
    // Sections in a term covering today, with their students today and their teacher, by how near
    // their size is to the wanted one; one per teacher.
    const sizes = await db
      .selectFrom('sections as s')
      .innerJoin('section_teachers as t', 't.section_id', 's.id')
      .innerJoin('section_enrollments as e', 'e.section_id', 's.id')
      .select(['s.id as sectionId', 't.staff_id as staffId', (eb) => eb.fn.countAll<number | string>().as('n')])
      .where('t.begin_date', '<=', today)
      .where((eb) => eb.or([eb('t.end_date', 'is', null), eb('t.end_date', '>=', today)]))
      .where('e.begin_date', '<=', today)
      .where((eb) => eb.or([eb('e.end_date', 'is', null), eb('e.end_date', '>=', today)]))
      .groupBy(['s.id', 't.staff_id'])
      .execute();
    const ranked = sizes
      .map((r) => ({ ...r, n: Number(r.n), tie: random() }))
      .sort((a, b) => Math.abs(a.n - options.sectionSize) - Math.abs(b.n - options.sectionSize) || a.tie - b.tie);
    const teachers = new Set<number>();
    const picked: typeof ranked = [];
    for (const r of ranked) {
      if (picked.length >= options.concurrency) break;
      if (teachers.has(r.staffId) || picked.some((p) => p.sectionId === r.sectionId)) continue;
      teachers.add(r.staffId);
      picked.push(r);
    }
    const t = new Date().toISOString();
    const out: BenchSection[] = [];
    let inserted = 0;
    for (const p of picked) {
      // The section's grading period today (the quarter inside its term).
      const period = await db
        .selectFrom('academic_sessions as a')
        .select(['a.id', 'a.start_date', 'a.end_date'])
        .where('a.type', '=', 'gradingPeriod')
        .where('a.start_date', '<=', today)
        .where('a.end_date', '>=', today)
        .where(({ exists, selectFrom }) =>
          exists(
            selectFrom('section_terms as st')
              .innerJoin('academic_sessions as term', 'term.id', 'st.academic_session_id')
              .select(sql`1`.as('one'))
              .where('st.section_id', '=', p.sectionId)
              .whereRef('term.start_date', '<=', 'a.start_date')
              .whereRef('term.end_date', '>=', 'a.end_date'),
          ),
        )
        .executeTakeFirst();
      if (!period) continue;
      const students = (
        await db
          .selectFrom('section_enrollments')
          .select('student_id')
          .where('section_id', '=', p.sectionId)
          .where('begin_date', '<=', today)
          .where((eb) => eb.or([eb('end_date', 'is', null), eb('end_date', '>=', today)]))
          .orderBy('student_id')
          .execute()
      ).map((r) => r.student_id);
      // A section smaller than wanted gets students of its school enrolled from today (setup, as a
      // schedule change would), so that every gradebook has the same number of rows.
      if (students.length < options.sectionSize) {
        const school = (await db.selectFrom('sections').select('school_id').where('id', '=', p.sectionId).executeTakeFirstOrThrow()).school_id;
        const more = await db
          .selectFrom('students')
          .select('id')
          .where('school_id', '=', school)
          .where('enrollment_status', '=', 'active')
          .where('id', 'not in', students.length > 0 ? students : [0])
          .orderBy('id')
          .limit(options.sectionSize - students.length)
          .execute();
        if (more.length > 0) {
          await db
            .insertInto('section_enrollments')
            .values(more.map((m) => ({ sourced_id: null, section_id: p.sectionId, student_id: m.id, begin_date: today, end_date: null, created_at: t, updated_at: t, updated_by: null })))
            .execute();
          students.push(...more.map((m) => m.id));
        }
      }
      let categories = (await db.selectFrom('grading_categories').select('id').where('section_id', '=', p.sectionId).orderBy('sequence').execute()).map((c) => c.id);
      if (categories.length === 0) {
        const made = await db.insertInto('grading_categories').values({ section_id: p.sectionId, name: 'Classwork', weight: null, sequence: 1 }).returning('id').executeTakeFirstOrThrow();
        categories = [made.id];
      }
      const existing = await db.selectFrom('assignments').select(['id', 'points_possible']).where('section_id', '=', p.sectionId).where('grading_period_id', '=', period.id).execute();
      const start = new Date(`${String(period.start_date).slice(0, 10)}T00:00:00Z`).getTime();
      const end = Math.min(new Date(`${today}T00:00:00Z`).getTime(), new Date(`${String(period.end_date).slice(0, 10)}T00:00:00Z`).getTime());
      for (let k = existing.length; k < options.assignments; k++) {
        const due = new Date(start + ((end - start) * (k + 1)) / options.assignments).toISOString().slice(0, 10);
        const pointsPossible = [10, 20, 25, 50, 100][Math.floor(random() * 5)]!;
        const made = await db
          .insertInto('assignments')
          .values({
            sourced_id: null,
            section_id: p.sectionId,
            category_id: categories[k % categories.length]!,
            grading_period_id: period.id,
            title: `Bench assignment ${k + 1}`,
            description: null,
            assigned_date: due,
            due_date: due,
            points_possible: pointsPossible,
            created_at: t,
            updated_at: t,
            updated_by: null,
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        const scores = students.map((studentId) => ({
          assignment_id: made.id,
          student_id: studentId,
          points: random() < 0.05 ? null : Math.round(pointsPossible * (0.55 + 0.45 * random())),
          comment: null,
          created_at: t,
          updated_at: t,
          updated_by: null,
        }));
        if (scores.length > 0) await db.insertInto('assignment_scores').values(scores).execute();
        existing.push({ id: made.id, points_possible: pointsPossible });
        inserted++;
      }
      const assignments = (
        await db.selectFrom('assignments').select(['id', 'points_possible']).where('section_id', '=', p.sectionId).where('grading_period_id', '=', period.id).orderBy('due_date').orderBy('id').execute()
      ).map((a) => ({ id: a.id, pointsPossible: a.points_possible }));
      out.push({ sectionId: p.sectionId, staffId: p.staffId, gradingPeriodId: period.id, students, assignments });
    }
    const tokens = await staffSessions(
      db,
      out.map((s) => s.staffId),
    );
    return { sections: out, tokens, inserted };
  } finally {
    await database.close();
  }
}

export interface GradebookBenchResult {
  label: string;
  sections: number;
  sizes: string;
  assignments: string;
  inserted: number;
  open: Summary;
  save: Summary;
  portal: { rps: number; p50: number; p99: number; errors: number } | null;
  /** the portal warming up before anything was timed */
  warm: { seconds: number; rps: number; p50: number; p99: number; errors: number } | null;
  peakRssMiB: number;
  loadBefore: string;
  loadAfter: string;
}

const range = (xs: number[]) => (xs.length === 0 ? '—' : `${Math.min(...xs)}–${Math.max(...xs)}`);

export async function gradebookBench(options: GradebookBenchOptions): Promise<GradebookBenchResult> {
  if (!options.reuse) {
    execFileSync(path.join(root, 'node_modules/.bin/tsx'), ['scripts/bench/demo-load.ts', options.databaseUrl, String(options.students), '1', '2026', localDate(new Date(), 'America/Chicago')], {
      cwd: root,
      encoding: 'utf8',
      maxBuffer: 16 * 1024 * 1024,
    });
  }
  const random = seeded(31);
  const setup = await prepare(options.databaseUrl, options, random);
  const described = {
    sections: setup.sections.length,
    sizes: range(setup.sections.map((s) => s.students.length)),
    assignments: range(setup.sections.map((s) => s.assignments.length)),
  };
  console.error(`${options.label}: ${described.sections} sections of ${described.sizes} students, ${described.assignments} assignments each (${setup.inserted} added)`);
  const people = options.portalRate > 0 ? await sessions(options.databaseUrl, 400, 7) : [];
  const server = await startServer(['--no-worker', '--processes', String(options.processes)], { DATABASE_URL: options.databaseUrl, DEMO_MODE: 'false' }, (out) =>
    out.includes('Homeroom is running at'),
  );
  try {
    // Both request builders must work before anything is timed.
    const first = setup.sections[0];
    if (!first) throw new Error('no section to measure');
    const probe = await new StaffClient(server.base, setup.tokens.get(first.staffId)!).get(openGradebook(first));
    if (probe.status !== 200) throw new NotBuilt(`GET ${openGradebook(first)} answered ${probe.status}: the gradebook route is not there yet`);
    // Warm-up, not timed: a save, so that the server's first use of the save path (tsx compiling its
    // modules, prepared statements) is not one of the measured requests — with 40–90 saves a run, the
    // p99 is nearly the slowest one.
    // Twice, for the two web processes (connections are spread between them).
    const warm = new StaffClient(server.base, setup.tokens.get(first.staffId)!);
    const script = path.join(server.dataDir, 'portal.lua');
    const portalConnections = 8;
    if (people.length > 0) fs.writeFileSync(script, luaScript(people, options.portalRate));
    // And the portal at its rate for `warmSeconds`, not timed: a fresh server's first seconds (V8
    // compiling the hot paths, each connection's server process planning its first statements) are
    // not the steady state the bars are about. Measured apart: the portal alone at 300 requests/s
    // answered its first 15 s at p99 90–107 ms and the minutes after at 23–37 ms (BENCHMARKS.md, session 23).
    const warming = people.length > 0 && options.warmSeconds > 0 ? runWrk(script, server.base, portalConnections, options.warmSeconds) : Promise.resolve(null);
    for (const round of [0, 1]) {
      const page = await warm.get(openGradebook(first));
      const form = saveColumn(first, page.text, round);
      const warmed = await warm.post(form.url, form.form);
      if (warmed.status !== 303) throw new NotBuilt(`POST ${form.url} answered ${warmed.status} in the warm-up`);
    }
    const warmed = await warming;

    const open: Timing[] = [];
    const save: Timing[] = [];
    const loadBefore = loadAverage();
    let peakRssMiB = serverRssMiB(server.pid);
    const sampler = setInterval(() => (peakRssMiB = Math.max(peakRssMiB, serverRssMiB(server.pid))), 1000);
    const portalRun = people.length > 0 ? runWrk(script, server.base, portalConnections, options.seconds) : Promise.resolve(null);
    const until = performance.now() + options.seconds * 1000;
    let firstError: string | null = null;
    await Promise.all(
      setup.sections.map(async (s) => {
        const client = new StaffClient(server.base, setup.tokens.get(s.staffId)!);
        const pause = () => {
          const [low, high] = options.think;
          return new Promise((resolve) => setTimeout(resolve, (low + Math.random() * (high - low)) * 1000));
        };
        // Teachers start spread over the first think time, not all at the same instant.
        if (options.think[1] > 0) await new Promise((resolve) => setTimeout(resolve, Math.random() * options.think[1] * 1000));
        for (let round = 0; performance.now() < until; round++) {
          const page = await client.get(openGradebook(s));
          open.push({ ms: page.ms, ok: page.status === 200 });
          if (page.status !== 200) continue;
          const { url, form } = saveColumn(s, page.text, round, options.form === 'changed');
          if (options.think[1] > 0) await pause();
          if (performance.now() >= until) break;
          const saved = await client.post(url, form);
          save.push({ ms: saved.ms, ok: saved.status === 303 });
          if (saved.status !== 303 && !firstError) {
            firstError = `save answered ${saved.status}: ${/<h[12][^>]*>([^<]*)/.exec(saved.text)?.[1] ?? saved.text.slice(0, 200)}`;
            console.error(firstError);
          }
        }
      }),
    );
    const portal = await portalRun;
    clearInterval(sampler);
    return {
      label: options.label,
      ...described,
      inserted: setup.inserted,
      open: summarize(open),
      save: summarize(save),
      portal: portal ? { rps: portal.rps, p50: portal.p50, p99: portal.p99, errors: portal.errors } : null,
      warm: warmed ? { seconds: options.warmSeconds, rps: warmed.rps, p50: warmed.p50, p99: warmed.p99, errors: warmed.errors } : null,
      peakRssMiB,
      loadBefore,
      loadAfter: loadAverage(),
    };
  } finally {
    await server.stop();
  }
}
