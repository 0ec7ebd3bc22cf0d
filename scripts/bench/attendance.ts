/**
 * A bell's attendance (issue 19): on a district-scale demo, the teachers of `sections` sections each open
 * their section's roster (`GET /staff/classes/:id/attendance`), mark it, and submit it (`POST`, then
 * the page the 303 leads to, as a browser follows it), the submissions spread like a bell over `window`
 * seconds: most in the first minute. Run by `npm run bench -- attendance`.
 *
 * 1. Load the demo district into a fresh database (not timed), with its records as of today.
 * 2. Setup (not timed): today is made a school day if it is not one (a weekend or holiday run), the
 *    sections meeting today and their teachers are drawn — one section per teacher, as many teachers as
 *    there are, the period of each teacher's earliest class —, their attendance for today is cleared,
 *    and each teacher gets an account and a session (staff.ts).
 * 3. A real server (`homeroom serve --no-worker`) in a child process; `wrk` asks for the portal's pages
 *    beside it at about `portalRate` requests per second (0: no portal load).
 * 4. Each teacher's submission time is drawn from a Beta(2, 12) distribution over the window (its mode
 *    at 1/12 of the window, 77 % of the submissions in the first fifth: the first minute of five); the
 *    roster is opened `think` seconds before (a teacher marking the roster); the run starts the longest
 *    think before the window, so that openings are spread as the submissions are.
 *    About 6 % of the students are marked with a code (absent or tardy), the rest present.
 * 5. Latency of each kind of request (p50/p95/p99/max), errors (anything but 200 for a page and 303 for
 *    a save, or no answer), the server's resident memory (all its processes, sampled every second).
 */
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { sql } from 'kysely';
import { connect } from '../../src/db/connect.js';
import { localDate } from '../../src/domain/calendar/dates.js';
import { luaScript, runWrk, sessions } from './portal.js';
import { startServer } from './server.js';
import { loadAverage, seeded, serverRssMiB, staffSessions, StaffClient, summarize, tags, type Summary, type Timing } from './staff.js';

const root = path.resolve(import.meta.dirname, '../..');

export interface AttendanceBenchOptions {
  databaseUrl: string;
  label: string;
  students: number;
  /** seconds over which the submissions are spread */
  window: number;
  sections: number;
  /** seconds between opening the roster and submitting it: lowest and highest */
  think: [number, number];
  /** portal requests per second beside the bell (0: none) */
  portalRate: number;
  processes: number;
  /** seconds of the portal's load at its rate before anything is timed (0: none; the runs before session 23) */
  warmSeconds: number;
  /** a database that already holds the demo district: no load */
  reuse?: boolean;
}

export interface AttendanceBenchResult {
  label: string;
  today: string;
  madeSchoolDay: number;
  sections: number;
  teachers: number;
  students: number;
  firstMinute: number;
  kinds: { kind: string; summary: Summary }[];
  flowsSaved: number;
  peakRssMiB: number;
  portal: { rps: number; p50: number; p99: number; errors: number } | null;
  /** the portal warming up before anything was timed */
  warm: { seconds: number; rps: number; p50: number; p99: number; errors: number } | null;
  loadBefore: string;
  loadAfter: string;
  seconds: number;
}

/** Today as the district counts it (the server's clock and the district's time zone). */
export async function districtToday(databaseUrl: string): Promise<string> {
  const database = await connect(databaseUrl);
  try {
    const d = await database.db.selectFrom('district').select('time_zone').executeTakeFirstOrThrow();
    return localDate(new Date(), d.time_zone);
  } finally {
    await database.close();
  }
}

/** Setup: today a school day, the bell's sections and teachers, their attendance for today cleared, sessions. */
export async function prepareBell(databaseUrl: string, today: string, wanted: number, random: () => number) {
  const database = await connect(databaseUrl);
  const db = database.db;
  try {
    const made = await db.updateTable('calendar_days').set({ instructional: 1 }).where('date', '=', today).where('instructional', '=', 0).executeTakeFirst();
    // Sections meeting today with students enrolled today, each with its teachers and its earliest period.
    const rows = await db
      .selectFrom('sections as s')
      .innerJoin('section_teachers as t', 't.section_id', 's.id')
      .innerJoin('section_periods as sp', 'sp.section_id', 's.id')
      .innerJoin('bell_periods as bp', 'bp.id', 'sp.bell_period_id')
      .select(['s.id as sectionId', 't.staff_id as staffId', (eb) => eb.fn.min('bp.sequence').as('sequence')])
      .where('t.begin_date', '<=', today)
      .where((eb) => eb.or([eb('t.end_date', 'is', null), eb('t.end_date', '>=', today)]))
      .where(({ exists, selectFrom }) =>
        exists(
          selectFrom('section_terms as st')
            .innerJoin('academic_sessions as a', 'a.id', 'st.academic_session_id')
            .select(sql`1`.as('one'))
            .whereRef('st.section_id', '=', 's.id')
            .where('a.start_date', '<=', today)
            .where('a.end_date', '>=', today),
        ),
      )
      .where(({ exists, selectFrom }) =>
        exists(selectFrom('calendar_days as d').select(sql`1`.as('one')).whereRef('d.school_id', '=', 's.school_id').where('d.date', '=', today).where('d.instructional', '=', 1)),
      )
      .where(({ exists, selectFrom }) =>
        exists(
          selectFrom('section_enrollments as e')
            .select(sql`1`.as('one'))
            .whereRef('e.section_id', '=', 's.id')
            .where('e.begin_date', '<=', today)
            .where((w) => w.or([w('e.end_date', 'is', null), w('e.end_date', '>=', today)])),
        ),
      )
      .groupBy(['s.id', 't.staff_id'])
      .orderBy('t.staff_id')
      .orderBy('sequence')
      .orderBy('s.id')
      .execute();
    // One section per teacher (their earliest class), the teachers in random order; if there are fewer
    // teachers than sections wanted, their next classes follow (a teacher then takes two rosters).
    const byTeacher = new Map<number, number[]>();
    const owner = new Map<number, number>();
    for (const r of rows) {
      if (owner.has(r.sectionId)) continue; // a co-taught section once, for its first teacher
      owner.set(r.sectionId, r.staffId);
      byTeacher.set(r.staffId, [...(byTeacher.get(r.staffId) ?? []), r.sectionId]);
    }
    const teachers = [...byTeacher.keys()];
    for (let i = teachers.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [teachers[i], teachers[j]] = [teachers[j]!, teachers[i]!];
    }
    const picked: { sectionId: number; staffId: number }[] = [];
    for (let round = 0; picked.length < wanted; round++) {
      const before = picked.length;
      for (const staffId of teachers) {
        const sectionId = byTeacher.get(staffId)![round];
        if (sectionId !== undefined && picked.length < wanted) picked.push({ sectionId, staffId });
      }
      if (picked.length === before) break;
    }
    if (picked.length < wanted) console.error(`only ${picked.length} sections meet today; the bell has ${picked.length}`);
    const ids = picked.map((p) => p.sectionId);
    for (let i = 0; i < ids.length; i += 500) {
      const chunk = ids.slice(i, i + 500);
      await db.deleteFrom('attendance_records').where('date', '=', today).where('section_id', 'in', chunk).execute();
      await db.deleteFrom('attendance_takings').where('date', '=', today).where('section_id', 'in', chunk).execute();
    }
    const tokens = await staffSessions(
      db,
      picked.map((p) => p.staffId),
    );
    return { picked, tokens, madeSchoolDay: Number(made.numUpdatedRows), teachers: new Set(picked.map((p) => p.staffId)).size };
  } finally {
    await database.close();
  }
}

/** The second smallest of 13 uniform draws: Beta(2, 12) on 0–1. */
function bell(random: () => number): number {
  const draws = Array.from({ length: 13 }, random).sort((a, b) => a - b);
  return draws[1]!;
}

const sleepUntil = (t0: number, ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, t0 + ms - performance.now())));

export async function attendanceBench(options: AttendanceBenchOptions): Promise<AttendanceBenchResult> {
  const asOf = localDate(new Date(), 'America/Chicago');
  if (!options.reuse) {
    execFileSync(path.join(root, 'node_modules/.bin/tsx'), ['scripts/bench/demo-load.ts', options.databaseUrl, String(options.students), '1', '2026', asOf], {
      cwd: root,
      encoding: 'utf8',
      maxBuffer: 16 * 1024 * 1024,
    });
  }
  const random = seeded(19);
  const today = await districtToday(options.databaseUrl);
  const setup = await prepareBell(options.databaseUrl, today, options.sections, random);
  const people = options.portalRate > 0 ? await sessions(options.databaseUrl, 400, 7) : [];
  const server = await startServer(['--no-worker', '--processes', String(options.processes)], { DATABASE_URL: options.databaseUrl, DEMO_MODE: 'false' }, (out) =>
    out.includes('Homeroom is running at'),
  );
  const { base, dataDir } = server;
  try {
    // Warm-up (not counted): 50 teachers' My classes pages, and the portal's pages once each for 20 people.
    for (const { staffId } of setup.picked.slice(0, 50)) {
      const res = await new StaffClient(base, setup.tokens.get(staffId)!).get('/staff/classes');
      if (res.status !== 200) throw new Error(`My classes of staff member ${staffId} answered ${res.status}`);
    }
    for (const p of people.slice(0, 20)) {
      for (const tool of ['today', 'grades', 'assignments', 'attendance']) {
        const res = await fetch(`${base}/students/${p.studentId}/${tool}`, { headers: { cookie: `hr_session=${p.token}` }, redirect: 'manual' });
        await res.arrayBuffer();
      }
    }

    const windowMs = options.window * 1000;
    const [thinkLow, thinkHigh] = options.think.map((s) => s * 1000) as [number, number];
    // The run starts `thinkHigh` before the bell's window: a roster is opened `think` before its
    // submission even when that falls in the window's first seconds (teachers open their rosters in the
    // minutes before the bell; clamped to the start, some 240 of 2,000 openings came at one instant).
    const lead = thinkHigh;
    const plan = setup.picked.map((p) => {
      const submitAt = bell(random) * windowMs;
      const think = thinkLow + random() * (thinkHigh - thinkLow);
      return { ...p, openAt: lead + submitAt - think, submitAt: lead + submitAt, markSeed: Math.floor(random() * 2 ** 31) };
    });
    const firstMinute = plan.filter((p) => p.submitAt - lead < 60_000).length;
    const timings: Record<'open' | 'save' | 'after', Timing[]> = { open: [], save: [], after: [] };
    let saved = 0;
    let studentsMarked = 0;
    const failures: string[] = [];
    const fail = (what: string) => {
      if (failures.length < 10) failures.push(what);
    };

    const loadBefore = loadAverage();
    let peakRssMiB = serverRssMiB(server.pid);
    const sampler = setInterval(() => (peakRssMiB = Math.max(peakRssMiB, serverRssMiB(server.pid))), 1000);
    const runSeconds = Math.ceil(options.window + lead / 1000 + 5);
    const script = path.join(dataDir, 'portal.lua');
    const portalConnections = 8;
    if (people.length > 0) fs.writeFileSync(script, luaScript(people, options.portalRate));
    // A fresh server's first seconds are not the steady state the bar is about (gradebook.ts says how
    // much they differ): the portal at its rate for `warmSeconds` first, not timed.
    const warmed = people.length > 0 && options.warmSeconds > 0 ? await runWrk(script, base, portalConnections, options.warmSeconds) : null;
    const t0 = performance.now();
    const portalRun = people.length > 0 ? runWrk(script, base, portalConnections, runSeconds) : Promise.resolve(null);

    const flow = async (p: (typeof plan)[number]) => {
      const client = new StaffClient(base, setup.tokens.get(p.staffId)!);
      const url = `/staff/classes/${p.sectionId}/attendance`;
      await sleepUntil(t0, p.openAt);
      let page;
      try {
        page = await client.get(url);
      } catch (error) {
        timings.open.push({ ms: performance.now() - t0 - p.openAt, ok: false });
        return fail(`GET ${url}: ${String(error)}`);
      }
      timings.open.push({ ms: page.ms, ok: page.status === 200 });
      if (page.status !== 200) return fail(`GET ${url}: ${page.status}`);
      const inputs = tags(page.text, 'input');
      const hidden = (name: string) => inputs.find((i) => i.name === name)?.value;
      const students = inputs.filter((i) => i.name === 'student').map((i) => i.value!);
      const codes = tags(page.text, 'option')
        .map((o) => o.value!)
        .filter((v) => v !== 'present' && /^\d+$/.test(v));
      const uniqueCodes = [...new Set(codes)];
      const csrf = hidden('_csrf');
      if (!csrf || hidden('version') === undefined || students.length === 0 || uniqueCodes.length === 0) return fail(`GET ${url}: no roster form`);
      const mark = seeded(p.markSeed);
      const form: [string, string][] = [
        ['_csrf', csrf],
        ['date', hidden('date')!],
        ['version', hidden('version')!],
      ];
      for (const id of students) {
        form.push(['student', id]);
        form.push([`mark_${id}`, mark() < 0.06 ? uniqueCodes[Math.floor(mark() * uniqueCodes.length)]! : 'present']);
      }
      studentsMarked += students.length;
      await sleepUntil(t0, p.submitAt);
      let result;
      try {
        result = await client.post(url, form);
      } catch (error) {
        timings.save.push({ ms: performance.now() - t0 - p.submitAt, ok: false });
        return fail(`POST ${url}: ${String(error)}`);
      }
      const ok = result.status === 303 && Boolean(result.location?.includes('saved=1'));
      timings.save.push({ ms: result.ms, ok });
      if (!ok) return fail(`POST ${url}: ${result.status} ${result.location ?? ''}`);
      saved++;
      try {
        const after = await client.get(result.location!);
        timings.after.push({ ms: after.ms, ok: after.status === 200 });
        if (after.status !== 200) fail(`GET ${result.location}: ${after.status}`);
      } catch (error) {
        timings.after.push({ ms: NaN, ok: false });
        fail(`GET ${result.location}: ${String(error)}`);
      }
    };
    await Promise.all(plan.map(flow));
    const portal = await portalRun;
    const seconds = (performance.now() - t0) / 1000;
    clearInterval(sampler);
    peakRssMiB = Math.max(peakRssMiB, serverRssMiB(server.pid));
    for (const f of failures) console.error(`  failed: ${f}`);
    const all = [...timings.open, ...timings.save, ...timings.after];
    return {
      label: options.label,
      today,
      madeSchoolDay: setup.madeSchoolDay,
      sections: plan.length,
      teachers: setup.teachers,
      students: studentsMarked,
      firstMinute,
      kinds: [
        { kind: 'open the roster (GET)', summary: summarize(timings.open) },
        { kind: 'submit it (POST, 303)', summary: summarize(timings.save) },
        { kind: 'the page after saving (GET)', summary: summarize(timings.after) },
        { kind: 'all attendance requests', summary: summarize(all) },
      ],
      flowsSaved: saved,
      peakRssMiB,
      portal: portal ? { rps: portal.rps, p50: portal.p50, p99: portal.p99, errors: portal.errors } : null,
      warm: warmed ? { seconds: options.warmSeconds, rps: warmed.rps, p50: warmed.p50, p99: warmed.p99, errors: warmed.errors } : null,
      loadBefore,
      loadAfter: loadAverage(),
      seconds,
    };
  } finally {
    await server.stop();
  }
}
