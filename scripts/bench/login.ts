/**
 * Login storm: how many sign-ins per second Homeroom serves with the real argon2id hash, against the
 * machine's hashing limit, and how slow other pages get meanwhile. Run by `npm run bench -- login`.
 *
 * 1. A real server (`homeroom serve`, demo district) in a child process.
 * 2. The limit: argon2id verifications per second with every core busy, in this process alone (the
 *    server idle), through the same `verifyPassword` the server uses: 5 s before the storm, between its
 *    rounds and after it; the mean.
 * 3. For the chosen time, in rounds of at most 10 s, wrk posts the sign-in form in a loop on
 *    `concurrency` connections, while one more client reads a signed-in page (/home) and records each
 *    answer's time. A warm-up round of WARM_UP_SECONDS comes first and is reported, not counted.
 *
 * With `server: 'bare'` the same storm goes to bare-sign-in.ts, the floor: Node.js with the same hashing
 * and nothing else.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { hashPassword, verifyPassword } from '../../src/domain/accounts/passwords.js';
import { connect } from '../../src/db/connect.js';
import { combine, processTree, read as readCpu, split as splitCpu, type CpuSplit } from './cpu-split.js';
import { startServer } from './server.js';

/**
 * How many families the storm signs in, in turn: a morning's storm is many people, and a web process
 * runs one try per username at a time (throttle.ts), so one account signed in eight times at once
 * would measure that queue, not the hashing.
 */
export const STORM_ACCOUNTS = 400;

/**
 * Guardian accounts for the storm, made in the server's database beside the demo's: each with the demo
 * parent's password hash (the same cost to verify) and a confirmed security email (so a sign-in lands
 * on Home, as most do). Their usernames.
 */
async function stormAccounts(databaseUrl: string, parent: string, count: number): Promise<string[]> {
  const { db, close } = await connect(databaseUrl);
  try {
    const { password_hash: hash } = await db.selectFrom('user_accounts').select('password_hash').where('username_key', '=', parent).executeTakeFirstOrThrow();
    const guardians = await db
      .selectFrom('guardians')
      .select('id')
      .where('id', 'not in', db.selectFrom('user_accounts').select('guardian_id').where('guardian_id', 'is not', null))
      .orderBy('id')
      .limit(count)
      .execute();
    if (guardians.length < count) throw new Error(`the demo district has ${guardians.length} guardians without an account; the storm needs ${count}`);
    const now = new Date().toISOString();
    const usernames = guardians.map((_, i) => `storm.parent.${i + 1}`);
    await db
      .insertInto('user_accounts')
      .values(
        guardians.map((g, i) => ({
          username: usernames[i] as string,
          username_key: usernames[i] as string,
          password_hash: hash,
          person_kind: 'guardian' as const,
          guardian_id: g.id,
          security_email: `${usernames[i]}@example.org`,
          security_email_confirmed_at: now,
          created_at: now,
          updated_at: now,
          updated_by: null,
        })),
      )
      .execute();
    return usernames;
  } finally {
    await close();
  }
}

/** The storm's first round, not counted (see storm()). */
export const WARM_UP_SECONDS = 30;

export interface LoginBenchOptions {
  seconds: number;
  concurrency: number;
  databaseUrl: string;
  label: string;
  /** 'bare': the floor, a bare Node.js server with the same hashing (bare-sign-in.ts) instead of Homeroom */
  server?: 'homeroom' | 'bare';
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

async function hashLimit(seconds: number): Promise<number> {
  const hash = await hashPassword('benchmark password value');
  const workers = os.cpus().length * 2;
  let done = 0;
  const until = Date.now() + seconds * 1000;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (Date.now() < until) {
        await verifyPassword(hash, 'benchmark password value');
        done++;
      }
    }),
  );
  return done / (Number(process.hrtime.bigint() - started) / 1e9);
}


function cookiesOf(res: Response): Map<string, string> {
  const jar = new Map<string, string>();
  for (const c of res.headers.getSetCookie()) {
    const [pair] = c.split(';');
    const [name, ...value] = (pair ?? '').split('=');
    if (name) jar.set(name.trim(), value.join('='));
  }
  return jar;
}

const header = (jar: Map<string, string>) => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');

async function formSession(base: string): Promise<{ jar: Map<string, string>; token: string }> {
  const res = await fetch(`${base}/sign-in`);
  const html = await res.text();
  const token = /name="_csrf" value="([^"]+)"/.exec(html)?.[1];
  if (!token) throw new Error('no CSRF token on the sign-in page');
  return { jar: cookiesOf(res), token };
}

export async function signIn(base: string, form: { jar: Map<string, string>; token: string }, username: string, password: string) {
  const res = await fetch(`${base}/sign-in`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: header(form.jar) },
    body: new URLSearchParams({ _csrf: form.token, username, password }).toString(),
  });
  await res.arrayBuffer();
  return res;
}

/** One engine's results: a row of the main table and a row of the table of where the cores went. */
export async function loginBench(options: LoginBenchOptions): Promise<{ row: string; cpu: string }> {
  const { limits: allLimits, rounds: allRounds, pages, errors, cpu: cpuRounds } = await storm(options);
  // The first round warms the server up and is not counted (see storm()); it is shown on its own.
  const [warmUp] = allRounds as [{ signIns: number; seconds: number }];
  const warmUpShare = warmUp.signIns / warmUp.seconds / (((allLimits[0] as number) + (allLimits[1] as number)) / 2);
  const limits = allLimits.slice(1);
  const rounds = allRounds.slice(1);
  const limit = limits.reduce((a, b) => a + b, 0) / limits.length;
  const range = `${Math.min(...limits).toFixed(0)}–${Math.max(...limits).toFixed(0)}`;
  const signIns = rounds.reduce((a, r) => a + r.signIns, 0);
  const rate = signIns / rounds.reduce((a, r) => a + r.seconds, 0);
  // Each round against the limit measured just before and just after it; the share is their mean.
  const shares = rounds.map((r, i) => r.signIns / r.seconds / (((limits[i] as number) + (limits[i + 1] as number)) / 2));
  const share = shares.reduce((a, b) => a + b, 0) / shares.length;
  const pct = (x: number) => (x * 100).toFixed(0);
  const row = `| ${options.label} | ${limit.toFixed(1)} /s (${range}) | ${rate.toFixed(1)} /s | ${pct(share)} % (${pct(Math.min(...shares))}–${pct(Math.max(...shares))}) | ${percentile(pages, 50).toFixed(1)} ms | ${percentile(pages, 99).toFixed(1)} ms | ${pages.length} | ${errors} | ${(warmUp.signIns / warmUp.seconds).toFixed(1)} /s, ${pct(warmUpShare)} % |`;
  return { row, cpu: cpuRow(options.label, cpuRounds, signIns) };
}

/** The header of cpuRow's table. */
export const CPU_HEADER = [
  '| engine | server main thread | server, other threads (hashing; V8’s and libuv’s helpers) | database server | the rest (load generators, kernel, services) | idle | stolen by the hypervisor | main thread per sign-in | database server per sign-in |',
  '|---|---|---|---|---|---|---|---|---|',
].join('\n');

/** Where the cores went in the counted rounds (cpu-split.ts), as shares of all of them. */
function cpuRow(label: string, rounds: ({ split: CpuSplit; seconds: number } | undefined)[], signIns: number): string {
  const measured = rounds.filter((r): r is { split: CpuSplit; seconds: number } => r !== undefined);
  if (measured.length === 0 || measured.length !== rounds.length) return `| ${label} | (no /proc: not measured) | | | | | | | |`;
  const c = combine(measured);
  const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
  const ms = (seconds: number) => `${((seconds / signIns) * 1000).toFixed(2)} ms`;
  return `| ${label} | ${pct(c.serverMain)} | ${pct(c.serverOther)} | ${pct(c.database)} | ${pct(c.rest)} | ${pct(c.idle)} | ${pct(c.steal)} | ${ms(c.serverMainSeconds)} | ${ms(c.databaseSeconds)} |`;
}

/**
 * The storm is cut into rounds of at most 10 s, and the limit is measured for 5 s before the first
 * round, between rounds and after the last, with the server idle: the limit drifts by several percent
 * over minutes on a shared machine, and this way every part of the storm has a measurement of the limit
 * next to it.
 *
 * One more round comes first, the warm-up (WARM_UP_SECONDS): a server that has just started runs the
 * sign-in's code unoptimized until V8 has seen it often enough, and V8's compiler threads then take
 * cores from the hashing. Measured per thread (BENCHMARKS.md): the main thread spent about 1.8 ms per
 * sign-in in the first 10 s of a storm and 1.4 ms from then on; V8's compiler threads took about 3 % of
 * the two cores in each of the first two 10-s rounds, 1.4 % in the third and under 0.5 % from the
 * fourth on. A district's server has served sign-ins before the morning's storm, so the counted rounds
 * are the steady state; the warm-up round's own numbers are reported beside them, not hidden.
 */
async function storm(options: LoginBenchOptions): Promise<{
  limits: number[];
  rounds: { signIns: number; seconds: number }[];
  pages: number[];
  errors: number;
  /** where the cores went in each counted round (undefined without Linux's /proc) */
  cpu: ({ split: CpuSplit; seconds: number } | undefined)[];
}> {
  const ready = (out: string) => out.includes('Homeroom is running at') && out.includes('district_admin');
  const server =
    options.server === 'bare'
      ? await startServer([], {}, ready, ['scripts/bench/bare-sign-in.ts'])
      : await startServer(['--demo'], { DATABASE_URL: options.databaseUrl }, ready);
  const { base, output, dataDir } = server;
  try {
    const parent = /parent\s+(\S+)\s+cedar valley demo/.exec(output)?.[1];
    if (!parent) throw new Error(`no demo parent in: ${output}`);
    const password = 'cedar valley demo';

    // The reader of other pages, signed in once.
    const readerForm = await formSession(base);
    const readerJar = new Map([...readerForm.jar, ...cookiesOf(await signIn(base, readerForm, parent, password))]);

    // Both the storm and the reader of other pages are wrk (C, Debian's wrk package), so that the load
    // generators take as little of the two cores as possible (a Node reader with fetch took ~4 %, with
    // Node's http client ~2 %). Every storm request is a complete sign-in with the real hash; the reader
    // asks for /home, compressed as a browser would, and waits 20 ms after each answer.
    // The storm signs in STORM_ACCOUNTS families in turn (the floor checks no username: any will do).
    const usernames = options.server === 'bare' ? Array.from({ length: STORM_ACCOUNTS }, (_, i) => `storm.parent.${i + 1}`) : await stormAccounts(options.databaseUrl, parent, STORM_ACCOUNTS);
    const form = await formSession(base);
    const stormScript = path.join(dataDir, 'signin.lua');
    fs.writeFileSync(
      stormScript,
      [
        `wrk.method = "POST"`,
        `wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"`,
        `wrk.headers["Cookie"] = "${header(form.jar)}"`,
        `local bodies = {`,
        ...usernames.map((username) => `  "${new URLSearchParams({ _csrf: form.token, username, password }).toString()}",`),
        `}`,
        `local next = 0`,
        `request = function()`,
        `  next = next % #bodies + 1`,
        `  return wrk.format(nil, nil, nil, bodies[next])`,
        `end`,
        `done = function(summary, latency, requests)`,
        `  local e = summary.errors`,
        `  io.write(string.format("WRK %d %d %d\\n", summary.requests, e.status + e.connect + e.read + e.write + e.timeout, summary.duration))`,
        `end`,
      ].join('\n'),
    );
    const readerScript = path.join(dataDir, 'reader.lua');
    fs.writeFileSync(
      readerScript,
      [
        `wrk.headers["Cookie"] = "${header(readerJar)}"`,
        `wrk.headers["Accept-Encoding"] = "gzip, br"`,
        `delay = function() return 20 end`,
        // anything but the page itself (a redirect to sign in, an error page) is an error
        `response = function(status, headers, body) if status ~= 200 then io.write("BAD " .. status .. "\\n") end end`,
        `done = function(summary, latency, requests)`,
        `  local e = summary.errors`,
        `  io.write(string.format("WRK %d %d\\n", summary.requests, e.status + e.connect + e.read + e.write + e.timeout))`,
        // every latency wrk recorded (microseconds) with its count, so that rounds can be merged
        `  for i = 1, #latency do local v, c = latency(i); io.write(string.format("L %d %d\\n", v, c)) end`,
        `end`,
      ].join('\n'),
    );
    const runWrk = (args: string[]) =>
      new Promise<string>((resolve, reject) => {
        const wrk = spawn(args[0] as string, args.slice(1), { stdio: ['ignore', 'pipe', 'inherit'] });
        let out = '';
        wrk.stdout.on('data', (d: Buffer) => (out += d.toString()));
        wrk.on('error', reject);
        wrk.on('exit', () => (/WRK \d+ \d+/.test(out) ? resolve(out) : reject(new Error(`wrk said: ${out}`))));
      });
    // wrk takes whole seconds only.
    const counted = Math.max(1, Math.ceil(options.seconds / 10));
    const roundSeconds = Math.max(1, Math.round(options.seconds / counted));
    // round 0 is the warm-up (not counted)
    const rounds = counted + 1;
    const limits = [await hashLimit(5)];
    const done: { signIns: number; seconds: number }[] = [];
    let errors = 0;
    const pageTimes: number[] = [];
    const cpu: ({ split: CpuSplit; seconds: number } | undefined)[] = [];
    for (let round = 0; round < rounds; round++) {
      const cpuBefore = readCpu();
      const [stormOut, readerOut] = await Promise.all([
        // The storm's wrk runs niced: when the two cores are contended the server, not the load
        // generator, gets them. The reader is not: its own waiting would count as the page's time.
        runWrk(['nice', '-n', '10', 'wrk', '-t1', `-c${options.concurrency}`, `-d${round === 0 ? WARM_UP_SECONDS : roundSeconds}s`, '-s', stormScript, `${base}/sign-in`]),
        runWrk(['wrk', '-t1', '-c1', `-d${round === 0 ? WARM_UP_SECONDS : roundSeconds}s`, '-s', readerScript, `${base}/home`]),
      ]);
      // Non-2xx/3xx answers and failed connections are errors; 303 (signed in) counts as success.
      // wrk's own duration (µs).
      const [, sent, failed, micros] = /WRK (\d+) (\d+) (\d+)/.exec(stormOut) as RegExpExecArray;
      done.push({ signIns: Number(sent) - Number(failed), seconds: Number(micros) / 1e6 });
      const cpuAfter = readCpu();
      if (round > 0) cpu.push(cpuBefore && cpuAfter ? { split: splitCpu(cpuBefore, cpuAfter, processTree(server.pid)), seconds: Number(micros) / 1e6 } : undefined);
      // Errors and page times count in every round, the warm-up's too (the stricter reading).
      errors += Number(failed);
      errors += Number((/WRK \d+ (\d+)/.exec(readerOut) as RegExpExecArray)[1]) + (readerOut.match(/^BAD /gm)?.length ?? 0);
      for (const [, micros, count] of readerOut.matchAll(/^L (\d+) (\d+)$/gm)) {
        for (let i = 0; i < Number(count); i++) pageTimes.push(Number(micros) / 1000);
      }
      // The sign-ins wrk left in flight finish within a few hashes' time; then the server is idle.
      await new Promise((r) => setTimeout(r, 1000));
      limits.push(await hashLimit(5));
    }
    pageTimes.sort((a, b) => a - b);
    return { limits, rounds: done, pages: pageTimes, errors, cpu };
  } finally {
    await server.stop();
  }
}
