/**
 * Portal pages under load: signed-in requests to Today, Grades, Assignments and Attendance for randomly
 * chosen students and guardians of a district-scale demo. Run by `npm run bench -- portal`.
 *
 * 1. Load the demo district into a fresh database (not timed), with grades and attendance as of today.
 * 2. Give `people` random students and guardians (with portal access) an account and a session, the
 *    way sign-in would (a session row per person; no password hashing, which is not what is measured).
 * 3. Start a real server (`homeroom serve`, no background worker) in a child process.
 * 4. For each concurrency level, `wrk` (niced, on the same two cores) requests a random page of a random
 *    person for the chosen time and reports throughput and latency percentiles.
 * 5. Measure Today's first load on a phone: the HTML, the stylesheet and the theme, compressed.
 */
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { connect } from '../../src/db/connect.js';
import { startSession } from '../../src/domain/accounts/sessions.js';
import { localDate } from '../../src/domain/calendar/dates.js';
import { startServer } from './server.js';

const root = path.resolve(import.meta.dirname, '../..');

export interface PortalBenchOptions {
  databaseUrl: string;
  label: string;
  students: number;
  seconds: number;
  levels: number[];
  people: number;
  /** web processes (one per core) */
  processes: number;
  /** a database that already holds the demo district: no load (for trying changes quickly) */
  reuse?: boolean;
}

export interface PortalBenchResult {
  label: string;
  loadSeconds: number;
  rows: { connections: number; rps: number; p50: number; p90: number; p99: number; errors: number }[];
  todayBytes: { html: number; css: number; theme: number };
}


/** Accounts and sessions for random students and guardians; returns [cookie value, student id] pairs. */
export async function sessions(databaseUrl: string, people: number, seed: number): Promise<{ token: string; studentId: number }[]> {
  const database = await connect(databaseUrl);
  const db = database.db;
  let x = seed;
  const random = () => {
    x = (Math.imul(x, 1_103_515_245) + 12_345) >>> 0;
    return x / 4_294_967_296;
  };
  const now = new Date();
  const t = now.toISOString();
  const settings = { sessionIdleMinutes: 600, sessionAbsoluteHours: 12, rememberDeviceDays: 30 };
  const maxStudent = Number((await db.selectFrom('students').select((eb) => eb.fn.max('id').as('m')).executeTakeFirstOrThrow()).m);
  const out: { token: string; studentId: number }[] = [];
  const used = new Set<string>();
  /** The person's account, made (active, no password: sessions are made directly) if there is none. */
  const accountFor = async (kind: 'student' | 'guardian', personId: number, username: string): Promise<number> => {
    const column = kind === 'student' ? 'student_id' : 'guardian_id';
    const existing = await db.selectFrom('user_accounts').select('id').where(column, '=', personId).executeTakeFirst();
    if (existing) return existing.id;
    const made = await db
      .insertInto('user_accounts')
      .values({
        username,
        username_key: username.toLowerCase(),
        password_hash: null,
        status: 'active',
        person_kind: kind,
        [column]: personId,
        security_email_confirmed_at: t,
        security_email: `bench.${kind}.${personId}@example.com`,
        created_at: t,
        updated_at: t,
        updated_by: null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return made.id;
  };
  while (out.length < people) {
    const studentId = 1 + Math.floor(random() * maxStudent);
    const student = await db.selectFrom('students').select(['id', 'student_number', 'enrollment_status']).where('id', '=', studentId).executeTakeFirst();
    if (!student || student.enrollment_status !== 'active') continue;
    const asGuardian = out.length % 2 === 1;
    let accountId: number;
    if (asGuardian) {
      const link = await db
        .selectFrom('student_guardians')
        .select('guardian_id')
        .where('student_id', '=', studentId)
        .where('portal_access', '=', 1)
        .where('rights_revoked', '=', 0)
        .executeTakeFirst();
      if (!link || used.has(`g${link.guardian_id}`)) continue;
      used.add(`g${link.guardian_id}`);
      accountId = await accountFor('guardian', link.guardian_id, `bench.parent.${link.guardian_id}`);
    } else {
      if (used.has(`s${studentId}`)) continue;
      used.add(`s${studentId}`);
      accountId = await accountFor('student', studentId, student.student_number);
    }
    const session = await startSession(db, accountId, { persistent: true, ip: null, userAgent: 'homeroom-bench', settings, now });
    out.push({ token: session.token, studentId });
  }
  await database.close();
  return out;
}

/**
 * wrk's script: a random page of a random person. With `rate` (requests per second, all
 * connections together) the requests are paced open-loop: each one is given the next slot of a fixed
 * schedule (LuaJIT's ffi reads the wall clock), so a slow answer does not lower the rate asked for — a
 * fixed pause after each answer (wrk's plain `delay`) asked for 230 requests/s when 300 were meant.
 * When the server falls behind, the connections (8) are all busy and the rate is what they get.
 */
export function luaScript(people: { token: string; studentId: number }[], rate = 0): string {
  const tools = ['today', 'grades', 'assignments', 'attendance'];
  return requestScript(
    people.flatMap((p) => tools.map((tool) => [p.token, `/students/${p.studentId}/${tool}`] as const)),
    rate,
  );
}

/** wrk's script for these (session token, path) pairs, one at random per request, paced as luaScript says. */
export function requestScript(pairs: readonly (readonly [token: string, path: string])[], rate = 0): string {
  const entries = pairs.map(([token, url]) => `{"hr_session=${token}", "${url}"}`);
  const paced =
    rate > 0
      ? [
          `local ffi = require("ffi")`,
          `ffi.cdef[[ typedef struct { long tv_sec; long tv_usec; } hr_timeval; int gettimeofday(hr_timeval *tv, void *tz); ]]`,
          `local tv = ffi.new("hr_timeval")`,
          `local function now_ms() ffi.C.gettimeofday(tv, nil); return tonumber(tv.tv_sec) * 1000 + tonumber(tv.tv_usec) / 1000 end`,
          `local interval = ${(1000 / rate).toFixed(3)}`,
          `local next_at = nil`,
          `delay = function()`,
          `  local t = now_ms()`,
          `  if next_at == nil or next_at < t - 1000 then next_at = t end`,
          `  next_at = next_at + interval`,
          `  return math.max(0, math.floor(next_at - t))`,
          `end`,
        ]
      : [];
  return [
    `local reqs = {${entries.join(',\n')}}`,
    `math.randomseed(42)`,
    `request = function()`,
    `  local r = reqs[math.random(#reqs)]`,
    `  return wrk.format("GET", r[2], {["Cookie"] = r[1], ["Accept-Encoding"] = "gzip"})`,
    `end`,
    ...paced,
    `done = function(summary, latency, requests)`,
    `  io.write(string.format("WRK %d %d %d %d %.3f %.3f %.3f\\n", summary.requests, summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout, summary.duration, 0, latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000))`,
    `end`,
  ].join('\n');
}

/**
 * Runs wrk (niced, on the same cores) with a portal script: throughput and latency percentiles. With
 * `stop`, wrk is interrupted (SIGINT: it reports what it measured so far) when that settles, if before
 * `seconds` are up.
 */
export async function runWrk(
  script: string,
  base: string,
  connections: number,
  seconds: number,
  stop?: Promise<unknown>,
): Promise<{ rps: number; p50: number; p90: number; p99: number; errors: number }> {
  const out = await new Promise<string>((resolve, reject) => {
    // nice executes wrk in its own process: the signal reaches wrk.
    const wrk = spawn('nice', ['-n', '10', 'wrk', '-t1', `-c${connections}`, `-d${seconds}s`, '--timeout', '10s', '-s', script, base], { stdio: ['ignore', 'pipe', 'inherit'] });
    let text = '';
    wrk.stdout.on('data', (d: Buffer) => (text += d.toString()));
    wrk.on('error', reject);
    wrk.on('exit', () => resolve(text));
    void stop?.finally(() => {
      if (wrk.exitCode === null) wrk.kill('SIGINT');
    });
  });
  const m = /WRK (\d+) (\d+) (\d+) \d+ ([\d.]+) ([\d.]+) ([\d.]+)/.exec(out);
  if (!m) throw new Error(`wrk said: ${out}`);
  return { rps: Number(m[1]) / (Number(m[3]) / 1e6), p50: Number(m[4]), p90: Number(m[5]), p99: Number(m[6]), errors: Number(m[2]) };
}

export async function portalBench(options: PortalBenchOptions): Promise<PortalBenchResult> {
  const asOf = localDate(new Date(), 'America/Chicago');
  const loaded = options.reuse
    ? { ms: 0 }
    : (JSON.parse(
    execFileSync(path.join(root, 'node_modules/.bin/tsx'), ['scripts/bench/demo-load.ts', options.databaseUrl, String(options.students), '1', '2026', asOf], {
      cwd: root,
      encoding: 'utf8',
      maxBuffer: 16 * 1024 * 1024,
    }),
  ) as { ms: number });
  const people = await sessions(options.databaseUrl, options.people, 7);
  const server = await startServer(['--no-worker', '--processes', String(options.processes)], { DATABASE_URL: options.databaseUrl, DEMO_MODE: 'false' }, (out) =>
    out.includes('Homeroom is running at'),
  );
  const { base, dataDir } = server;
  try {
    // Every session works before the clock starts (and warms the server up).
    for (const p of people) {
      for (const tool of ['today', 'grades', 'assignments', 'attendance']) {
        const res = await fetch(`${base}/students/${p.studentId}/${tool}`, { headers: { cookie: `hr_session=${p.token}` }, redirect: 'manual' });
        await res.arrayBuffer();
        if (res.status !== 200) throw new Error(`${tool} of student ${p.studentId} answered ${res.status}`);
      }
    }
    // Today's first load on a phone: the page, the stylesheet and the theme, as a browser receives them.
    const first = people[0]!;
    const todayHtml = await (await fetch(`${base}/students/${first.studentId}/today`, { headers: { cookie: `hr_session=${first.token}` } })).text();
    const cssHref = /href="(\/assets\/homeroom\.css[^"]*)"/.exec(todayHtml)?.[1];
    const themeHref = /href="(\/theme\.css[^"]*)"/.exec(todayHtml)?.[1];
    // The bytes on the wire, as a phone's browser asking for gzip or Brotli receives them.
    const compressedSize = (url: string) =>
      new Promise<number>((resolve, reject) => {
        http
          .get(`${base}${url}`, { headers: { cookie: `hr_session=${first.token}`, 'accept-encoding': 'br, gzip' } }, (res) => {
            let n = 0;
            res.on('data', (d: Buffer) => (n += d.length));
            res.on('end', () => resolve(n));
          })
          .on('error', reject);
      });
    const todayBytes = {
      html: await compressedSize(`/students/${first.studentId}/today`),
      css: cssHref ? await compressedSize(cssHref) : 0,
      theme: themeHref ? await compressedSize(themeHref) : 0,
    };

    const script = path.join(dataDir, 'portal.lua');
    fs.writeFileSync(script, luaScript(people));
    const rows: PortalBenchResult['rows'] = [];
    for (const connections of options.levels) {
      const row = { connections, ...(await runWrk(script, base, connections, options.seconds)) };
      rows.push(row);
      console.error(`${options.label} c=${connections}: ${row.rps.toFixed(0)}/s p50 ${row.p50.toFixed(1)} ms p99 ${row.p99.toFixed(1)} ms errors ${row.errors}`);
    }
    return { label: options.label, loadSeconds: loaded.ms / 1000, rows, todayBytes };
  } finally {
    await server.stop();
  }
}
