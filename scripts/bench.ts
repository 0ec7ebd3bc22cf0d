/**
 * Benchmarks: `npm run bench -- <name> [options]`. Results go to stdout as a Markdown table, ready
 * for BENCHMARKS.md.
 *
 *   recovery [--tries N]
 *       The self-serve forms' answer time for known and unknown usernames and addresses (bench/recovery.ts).
 *
 *   attendance [--students N] [--window SECONDS] [--sections N] [--think LOW-HIGH] [--portal-rate R] [--warm SECONDS] [--database URL]
 *       A bell's attendance, submitted through the real routes by the sections' teachers (bench/attendance.ts).
 *
 *   search [--students N] [--tries N] [--database URL]
 *       Find a student as a district administrator and as a teacher (bench/search.ts).
 *
 *   fees [--students N] [--fees-per-student 4] [--tries 400] [--database URL] [--engines sqlite,postgres]
 *       A family's fee reads (To Do, Payments, a student's fees) with a year of fees for every student
 *       (bench/fee-reads.ts): p50 and p99 of each, for guardians across the district.
 *
 *   gradebook [--students N] [--seconds S] [--concurrency N] [--portal-rate R] [--think LOW-HIGH] [--warm SECONDS] [--form whole|changed] [--database URL]
 *       Teachers opening gradebooks and saving a column from the grid beside the portal's load
 *       (bench/gradebook.ts); --think: seconds of typing between opening and saving (default 0-0: saturation);
 *       --warm: seconds of the portal's load before anything is timed (default 20; 0: none); --form: the
 *       save's form with every cell (whole, as without JavaScript: the default) or as gradebook.js sends it (changed).
 *
 *   oneroster --database URL --package PATH [--dry-run]
 *       One OneRoster import of a package into a database, measured (bench/oneroster-import.ts).
 *   oneroster --database URL --package FULL --delta [--fraction 0.01] [--seed 1] [--delta-package PATH] [--portal-rate 300] [--baseline-seconds 15]
 *       A nightly delta: made from the district's full package FULL (bench/oneroster-delta.ts), imported
 *       into a copy of URL (the database that holds FULL's import; it stays as it is) while the portal is
 *       under load beside it: import time, write-lock time, rows/s per file, memory, the portal's p99.
 *       --delta-package: a delta made before with `tsx scripts/bench/oneroster-delta.ts FULL DELTA.zip [fraction] [seed]`.
 *   oneroster-export --database URL
 *       Export an existing database (load it with `homeroom demo --students N` first) as a OneRoster 1.2
 *       package, in a child process: rows and rows/s per file, size, wall time and peak memory
 *       (bench/oneroster-export.ts).
 *
 *   messages [--students N] [--tries N] [--database URL] [--engines sqlite,postgres]
 *       A district administrator's message to every guardian, sent and delivered; the inbox's queries
 *       for a guardian with 2,000 messages (bench/messages.ts).
 *   notify [--students N] [--seconds S] [--mail-connections 8] [--mail-round M] [--push-round P] [--push-concurrency 50] [--push-devices 20000] [--portal-rate 300] [--processes CORES] [--engines sqlite,postgres]
 *       Notifications (issue 22): a column of scores and an import changing every student's term grade;
 *       time to decide and queue (pushes queued, emails written), delivery rates to a local SMTP sink and
 *       a local Web Push service, each for at most S seconds (bench/notify.ts); with --portal-rate R (0:
 *       none), a real server on the same database answers the portal's pages at R requests/s beside it:
 *       requests/s, p50, p99 before, while deciding and queueing, and while delivering. Per email and
 *       per push: the sender's CPU, its statements, PostgreSQL's CPU for them. --mail-round and
 *       --push-round: items per round (0: the library's default; ADR 0055), or a comma-separated list
 *       of them measured one after the other on the same outbox and queue (S seconds at most each).
 *
 *   announce [--students N] [--engines sqlite,postgres]
 *       A district-wide announcement (issue 22) on a fresh demo district of N students (default
 *       600, each with an account), told while another process and this one each save a row every 10 ms:
 *       wall time and CPU of the telling, entries and deliveries written, and how long the saves took
 *       (p50, p99, max; on SQLite, waiting for the write lock) (bench/announce.ts, a child per engine).
 *
 *   payments [--students N] [--webhook-rate R] [--webhook-seconds S] [--processes N] [--database URL] [--engines sqlite,postgres]
 *       A day's point-of-sale file (about 1.5 meal transactions per student) imported, then imported
 *       again (adds nothing): wall time of each (bench/payments.ts). Then Stripe's webhooks, signed, sent
 *       to a real server over HTTP open-loop at R per second for S seconds (default 200/s, 30 s): the
 *       achieved rate and the latency from each one's slot (bench/payment-webhooks.ts).
 *
 *   demo [--students N] [--seed S] [--engines sqlite,postgres]
 *       Generate and load the demo district on each engine, in a fresh child process and a fresh
 *       database each: wall time of generation + load, and the process's peak RSS.
 *       PostgreSQL: BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres) names
 *       a server where a scratch database is created and dropped.
 */
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';

const root = path.resolve(import.meta.dirname, '..');
const [name, ...rest] = process.argv.slice(2);

function machine(): string {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  return `${os.cpus().length} × ${cpu}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${os.platform()} ${os.release()}`;
}

async function withScratchPostgres<T>(fn: (url: string) => T | Promise<T>): Promise<T> {
  const adminUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const dbName = `homeroom_bench_${Date.now()}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${dbName}`);
  try {
    const url = new URL(adminUrl);
    url.pathname = `/${dbName}`;
    return await fn(url.toString());
  } finally {
    await admin.query(`drop database if exists ${dbName} with (force)`);
    await admin.end();
  }
}

async function demo(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      students: { type: 'string', default: '100000' },
      seed: { type: 'string', default: '1' },
      engines: { type: 'string', default: 'sqlite,postgres' },
    },
  });
  const students = Number(values.students);
  if (!Number.isInteger(students) || students < 1) throw new Error('--students must be a positive whole number');
  const engines = String(values.engines).split(',');
  const run = (url: string) =>
    JSON.parse(
      execFileSync(path.join(root, 'node_modules/.bin/tsx'), ['scripts/bench/demo-load.ts', url, String(students), String(values.seed)], {
        cwd: root,
        encoding: 'utf8',
        maxBuffer: 16 * 1024 * 1024,
      }),
    ) as { ms: number; peakRssMiB: number; peakAnonMiB: number; counts: Record<string, number> };

  const rows: string[] = [];
  for (const engine of engines) {
    let result: ReturnType<typeof run>;
    if (engine === 'sqlite') {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'homeroom-bench-'));
      try {
        result = run(`sqlite:${path.join(dir, 'bench.sqlite')}`);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    } else if (engine === 'postgres') {
      result = await withScratchPostgres(run);
    } else {
      throw new Error(`unknown engine ${engine}`);
    }
    const c = result.counts;
    const n = (k: string) => (c[k] ?? 0).toLocaleString('en-US');
    const rowCount = Object.values(c).reduce((a, b) => a + b, 0);
    rows.push(
      `| ${engine} | ${students.toLocaleString('en-US')} | ${(result.ms / 1000).toFixed(1)} s | ${result.peakRssMiB.toFixed(0)} MiB | ${result.peakAnonMiB.toFixed(0)} MiB | ` +
        `${n('guardians')} guardians, ${n('sectionEnrollments')} class enrollments, ${n('assignments')} assignments, ${n('scores')} scores, ${n('termGrades')} posted grades, ` +
        `${n('attendanceRecords')} attendance records, ${n('transcriptCourses')} transcript courses, ${n('immunizationDoses')} immunization doses, ${n('mealLedgerRows')} meal ledger rows (${Math.round(rowCount / (result.ms / 1000)).toLocaleString('en-US')} counted rows/s) |`,
    );
    console.error(`${engine}: ${(result.ms / 1000).toFixed(1)} s, ${result.peakRssMiB.toFixed(0)} MiB (own memory ${result.peakAnonMiB.toFixed(0)} MiB)`);
  }
  console.log(`\nMachine: ${machine()}\nCommand: npm run bench -- demo --students ${students} --seed ${values.seed}\n`);
  console.log('| engine | students | generate + load | peak RSS | peak of its own memory (RSS less mapped files) | what was written |');
  console.log('|---|---|---|---|---|---|');
  for (const row of rows) console.log(row);
}

async function login(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      seconds: { type: 'string', default: '20' },
      concurrency: { type: 'string', default: '8' },
      engines: { type: 'string', default: 'sqlite,postgres' },
    },
  });
  const { loginBench, WARM_UP_SECONDS, CPU_HEADER } = await import('./bench/login.js');
  const rows: string[] = [];
  const cpuRows: string[] = [];
  const add = ({ row, cpu }: { row: string; cpu: string }) => {
    rows.push(row);
    cpuRows.push(cpu);
  };
  for (const engine of String(values.engines).split(',')) {
    const options = { seconds: Number(values.seconds), concurrency: Number(values.concurrency), label: engine };
    if (engine === 'sqlite') {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'homeroom-bench-'));
      try {
        add(await loginBench({ ...options, databaseUrl: `sqlite:${path.join(dir, 'bench.sqlite')}` }));
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    } else if (engine === 'postgres') {
      add(await withScratchPostgres((url) => loginBench({ ...options, databaseUrl: url })));
    } else if (engine === 'bare') {
      // the floor: a bare Node.js server with the same hashing and no application (bench/bare-sign-in.ts)
      add(await loginBench({ ...options, label: 'bare Node.js floor', databaseUrl: '', server: 'bare' }));
    } else {
      throw new Error(`unknown engine ${engine}`);
    }
    console.error(rows[rows.length - 1]);
    console.error(cpuRows[cpuRows.length - 1]);
  }
  console.log(`\nMachine: ${machine()}\nCommand: npm run bench -- login --seconds ${values.seconds} --concurrency ${values.concurrency} --engines ${values.engines}\n`);
  console.log(`| engine | argon2id limit, all cores (mean; lowest–highest) | sign-ins | of the limit (rounds: lowest–highest) | /home p50 during the storm | /home p99 | /home requests | errors | warm-up round (first ${WARM_UP_SECONDS} s, not counted) |`);
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const row of rows) console.log(row);
  console.log(`\nWhere the two cores went in the counted rounds (CPU time per thread from /proc: scripts/bench/cpu-split.ts):\n`);
  console.log(CPU_HEADER);
  for (const row of cpuRows) console.log(row);
}

async function parentAccounts(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: { students: { type: 'string', default: '100000' }, engines: { type: 'string', default: 'sqlite,postgres' } },
  });
  const students = Number(values.students);
  const run = (url: string) =>
    JSON.parse(
      execFileSync(path.join(root, 'node_modules/.bin/tsx'), ['scripts/bench/parent-accounts.ts', url, String(students)], {
        cwd: root,
        encoding: 'utf8',
        maxBuffer: 16 * 1024 * 1024,
      }),
    ) as { ms: number; peakRssMiB: number; guardians: number; summary: Record<string, number> };
  const rows: string[] = [];
  for (const engine of String(values.engines).split(',')) {
    let r: ReturnType<typeof run>;
    if (engine === 'sqlite') {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'homeroom-bench-'));
      try {
        r = run(`sqlite:${path.join(dir, 'bench.sqlite')}`);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    } else if (engine === 'postgres') {
      r = await withScratchPostgres(run);
    } else {
      throw new Error(`unknown engine ${engine}`);
    }
    const s = r.summary;
    rows.push(
      `| ${engine} | ${students.toLocaleString('en-US')} | ${r.guardians.toLocaleString('en-US')} | ${(r.ms / 1000).toFixed(1)} s | ${r.peakRssMiB.toFixed(0)} MiB | ` +
        `${s.created!.toLocaleString('en-US')} created; skipped ${s.skippedNoEmail!.toLocaleString('en-US')} no email, ${s.skippedSharedEmail!.toLocaleString('en-US')} shared email, ${s.skippedNoPortalAccess!.toLocaleString('en-US')} no portal access, ${s.skippedHasAccount!.toLocaleString('en-US')} with an account |`,
    );
    console.error(rows[rows.length - 1]);
  }
  console.log(`\nMachine: ${machine()}\nCommand: npm run bench -- accounts --students ${students}\n`);
  console.log('| engine | students | guardians | generation | peak RSS | result |');
  console.log('|---|---|---|---|---|---|');
  for (const row of rows) console.log(row);
}

async function portal(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      students: { type: 'string', default: '100000' },
      seconds: { type: 'string', default: '15' },
      levels: { type: 'string', default: '1,2,4,8,16' },
      people: { type: 'string', default: '400' },
      processes: { type: 'string', default: String(os.cpus().length) },
      database: { type: 'string' },
      engines: { type: 'string', default: 'sqlite,postgres' },
    },
  });
  const { portalBench } = await import('./bench/portal.js');
  const options = {
    students: Number(values.students),
    seconds: Number(values.seconds),
    levels: String(values.levels).split(',').map(Number),
    people: Number(values.people),
    processes: Number(values.processes),
  };
  const results = [];
  if (values.database) {
    // An existing demo database, not loaded again: for trying a change quickly.
    results.push(await portalBench({ ...options, label: String(values.database).split(':')[0]!, databaseUrl: String(values.database), reuse: true }));
  }
  for (const engine of values.database ? [] : String(values.engines).split(',')) {
    if (engine === 'sqlite') {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'homeroom-bench-'));
      try {
        results.push(await portalBench({ ...options, label: engine, databaseUrl: `sqlite:${path.join(dir, 'bench.sqlite')}` }));
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    } else if (engine === 'postgres') {
      results.push(await withScratchPostgres((url) => portalBench({ ...options, label: engine, databaseUrl: url })));
    } else {
      throw new Error(`unknown engine ${engine}`);
    }
  }
  console.log(
    `\nMachine: ${machine()}\nCommand: npm run bench -- portal --students ${options.students} --seconds ${options.seconds} --levels ${values.levels} --people ${options.people} --processes ${options.processes}\n`,
  );
  console.log('| engine | connections | requests/s | p50 | p90 | p99 | errors |');
  console.log('|---|---|---|---|---|---|---|');
  for (const r of results) {
    for (const row of r.rows) {
      console.log(`| ${r.label} | ${row.connections} | ${row.rps.toFixed(0)} | ${row.p50.toFixed(1)} ms | ${row.p90.toFixed(1)} ms | ${row.p99.toFixed(1)} ms | ${row.errors} |`);
    }
  }
  console.log('\n| engine | Today, first load: HTML | stylesheet | theme | total (compressed) | demo load (not timed in the table above) |');
  console.log('|---|---|---|---|---|---|');
  for (const r of results) {
    const b = r.todayBytes;
    const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
    console.log(`| ${r.label} | ${kb(b.html)} | ${kb(b.css)} | ${kb(b.theme)} | ${kb(b.html + b.css + b.theme)} | ${r.loadSeconds.toFixed(0)} s |`);
  }
}

/** Runs `fn` on each engine in a fresh database (or once on `--database`), as the portal benchmark does. */
async function onEngines<T>(values: { database?: string | boolean; engines?: string | boolean }, fn: (url: string, label: string, reuse: boolean) => Promise<T>): Promise<T[]> {
  if (typeof values.database === 'string') return [await fn(values.database, values.database.split(':')[0]!, true)];
  const out: T[] = [];
  for (const engine of String(values.engines).split(',')) {
    if (engine === 'sqlite') {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'homeroom-bench-'));
      try {
        out.push(await fn(`sqlite:${path.join(dir, 'bench.sqlite')}`, engine, false));
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    } else if (engine === 'postgres') {
      out.push(await withScratchPostgres((url) => fn(url, engine, false)));
    } else {
      throw new Error(`unknown engine ${engine}`);
    }
  }
  return out;
}

async function messages(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      students: { type: 'string', default: '100000' },
      tries: { type: 'string', default: '1000' },
      rate: { type: 'string', default: '300' },
      seconds: { type: 'string', default: '30' },
      processes: { type: 'string', default: String(os.cpus().length) },
      database: { type: 'string' },
      engines: { type: 'string', default: 'sqlite,postgres' },
    },
  });
  const { messagesBench } = await import('./bench/messages.js');
  const { msText } = await import('./bench/staff.js');
  const results = await onEngines(values, (url, label, reuse) =>
    messagesBench({ databaseUrl: url, label, students: Number(values.students), tries: Number(values.tries), reuse, rate: Number(values.rate), seconds: Number(values.seconds), processes: Number(values.processes) }),
  );
  console.log(`\nMachine: ${machine()}\nCommand: npm run bench -- messages --students ${values.students} --tries ${values.tries} --rate ${values.rate} --seconds ${values.seconds} --processes ${values.processes}\n`);
  console.log('| engine | recipients | send (request) | delivery (job) | inbox queries p50 | p99 | inbox page over HTTP: asked/s | got/s | p50 | p99 | errors |');
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const r of results)
    console.log(`| ${r.label} | ${r.recipients} | ${msText(r.sendMs)} | ${msText(r.deliverMs)} | ${msText(r.inbox.p50)} | ${msText(r.inbox.p99)} | ${r.page.rate} | ${r.page.rps.toFixed(0)} | ${msText(r.page.p50)} | ${msText(r.page.p99)} | ${r.page.errors} |`);
}

async function payments(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      students: { type: 'string', default: '100000' },
      'webhook-rate': { type: 'string', default: '200' },
      'webhook-seconds': { type: 'string', default: '30' },
      processes: { type: 'string', default: String(os.cpus().length) },
      database: { type: 'string' },
      engines: { type: 'string', default: 'sqlite,postgres' },
    },
  });
  const { paymentsBench } = await import('./bench/payments.js');
  const { webhookBench } = await import('./bench/payment-webhooks.js');
  const { msText } = await import('./bench/staff.js');
  const results = await onEngines(values, async (url, label, reuse) => {
    const pos = await paymentsBench({ databaseUrl: url, label, students: Number(values.students), reuse });
    const hooks = await webhookBench({ databaseUrl: url, label, rate: Number(values['webhook-rate']), seconds: Number(values['webhook-seconds']), processes: Number(values.processes) });
    return { pos, hooks };
  });
  console.log(`\nMachine: ${machine()}\nCommand: npm run bench -- payments --students ${values.students} --webhook-rate ${values['webhook-rate']} --webhook-seconds ${values['webhook-seconds']} --processes ${values.processes}\n`);
  console.log('| engine | students | transactions | file | import | rows added | same file again | added again | low-balance jobs after the commit |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const { pos: r } of results) {
    console.log(`| ${r.label} | ${r.students} | ${r.transactions} | ${r.fileMiB.toFixed(1)} MiB | ${(r.firstMs / 1000).toFixed(1)} s | ${r.added} | ${(r.againMs / 1000).toFixed(1)} s | ${r.addedAgain} (${r.alreadyImported} already imported) | ${r.noticeJobs} in ${(r.noticeJobsMs / 1000).toFixed(1)} s |`);
  }
  console.log('\n| engine | webhooks asked/s | sent | got/s | p50 | p95 | p99 | max | after the first 10 s: p50 / p99 / max | errors | checkouts paid (once each) |');
  console.log('|---|---|---|---|---|---|---|---|---|---|---|');
  for (const { hooks: w } of results) {
    process.stderr.write(`webhooks ${w.label}: each second's slowest answer (ms), from the first: ${w.slowestBySecond.join(' ')}\n`);
    console.log(`| ${w.label} | ${w.rate} | ${w.sent} | ${w.achieved.toFixed(0)} | ${msText(w.latency.p50)} | ${msText(w.latency.p95)} | ${msText(w.latency.p99)} | ${msText(w.latency.max)} | ${msText(w.warm.p50)} / ${msText(w.warm.p99)} / ${msText(w.warm.max)} | ${w.errors}${w.errors ? ` (${Object.entries(w.statuses).map(([k, n]) => `${k === '0' ? 'no answer' : k}: ${n}`).join(', ')})` : ''} | ${w.paid} of ${w.checkouts} |`);
  }
}

async function attendance(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      students: { type: 'string', default: '100000' },
      window: { type: 'string', default: '300' },
      sections: { type: 'string', default: '2000' },
      think: { type: 'string', default: '5-20' },
      'portal-rate': { type: 'string', default: '300' },
      warm: { type: 'string', default: '20' },
      processes: { type: 'string', default: String(os.cpus().length) },
      database: { type: 'string' },
      engines: { type: 'string', default: 'sqlite,postgres' },
    },
  });
  const think = String(values.think).split('-').map(Number) as [number, number];
  if (think.length !== 2 || think.some((x) => !(x >= 0)) || think[0] > think[1]) throw new Error('--think must be LOW-HIGH seconds, e.g. 5-20');
  const window = Number(values.window);
  if (!(window >= 10)) throw new Error('--window must be at least 10 seconds');
  const { attendanceBench } = await import('./bench/attendance.js');
  const { msText } = await import('./bench/staff.js');
  const options = {
    students: Number(values.students),
    window,
    sections: Number(values.sections),
    think,
    portalRate: Number(values['portal-rate']),
    processes: Number(values.processes),
    warmSeconds: Number(values.warm),
  };
  const results = await onEngines(values, (url, label, reuse) => attendanceBench({ ...options, databaseUrl: url, label, reuse }));
  console.log(
    `\nMachine: ${machine()}\nCommand: npm run bench -- attendance --students ${options.students} --window ${window} --sections ${options.sections} --think ${values.think} --portal-rate ${options.portalRate} --warm ${options.warmSeconds} --processes ${options.processes}${values.database ? ' --database …' : ''}\n`,
  );
  console.log('| engine | requests | count | p50 | p95 | p99 | max | errors |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const r of results) {
    for (const k of r.kinds) {
      const s = k.summary;
      console.log(`| ${r.label} | ${k.kind} | ${s.count} | ${msText(s.p50)} | ${msText(s.p95)} | ${msText(s.p99)} | ${msText(s.max)} | ${s.errors} |`);
    }
  }
  console.log('\n| engine | day | sections (teachers) | students marked | submitted in the first minute | saved | server peak RSS | portal beside it: requests/s, p50, p99, errors | the portal warming up, not timed: seconds, requests/s, p50, p99 | load average before → after | run |');
  console.log('|---|---|---|---|---|---|---|---|---|---|---|');
  for (const r of results) {
    const portal = r.portal ? `${r.portal.rps.toFixed(0)}/s, ${msText(r.portal.p50)}, ${msText(r.portal.p99)}, ${r.portal.errors}` : 'none';
    const warm = r.warm ? `${r.warm.seconds} s, ${r.warm.rps.toFixed(0)}/s, ${msText(r.warm.p50)}, ${msText(r.warm.p99)}` : 'none';
    console.log(
      `| ${r.label} | ${r.today}${r.madeSchoolDay > 0 ? ` (made a school day at ${r.madeSchoolDay} schools)` : ''} | ${r.sections} (${r.teachers}) | ${r.students} | ${r.firstMinute} | ${r.flowsSaved} | ${r.peakRssMiB.toFixed(0)} MiB | ${portal} | ${warm} | ${r.loadBefore} → ${r.loadAfter} | ${r.seconds.toFixed(0)} s |`,
    );
  }
}

async function search(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      students: { type: 'string', default: '100000' },
      tries: { type: 'string', default: '40' },
      processes: { type: 'string', default: String(os.cpus().length) },
      database: { type: 'string' },
      engines: { type: 'string', default: 'sqlite,postgres' },
    },
  });
  const { searchBench } = await import('./bench/search.js');
  const { msText } = await import('./bench/staff.js');
  const options = { students: Number(values.students), tries: Number(values.tries), processes: Number(values.processes) };
  const results = await onEngines(values, (url, label, reuse) => searchBench({ ...options, databaseUrl: url, label, reuse }));
  console.log(`\nMachine: ${machine()}\nCommand: npm run bench -- search --students ${options.students} --tries ${options.tries}${values.database ? ' --database …' : ''}\n`);
  console.log('| engine | as | search | requests | p50 | p95 | p99 | max | errors | with results |');
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  for (const r of results) {
    for (const row of r.rows) {
      const s = row.summary;
      console.log(`| ${r.label} | ${row.role} | ${row.kind} | ${s.count} | ${msText(s.p50)} | ${msText(s.p95)} | ${msText(s.p99)} | ${msText(s.max)} | ${s.errors} | ${row.found} |`);
    }
  }
  for (const r of results) console.log(`\n${r.label}: load average before ${r.loadBefore}, after ${r.loadAfter}`);
}

async function fees(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      students: { type: 'string', default: '100000' },
      'fees-per-student': { type: 'string', default: '4' },
      tries: { type: 'string', default: '400' },
      database: { type: 'string' },
      engines: { type: 'string', default: 'sqlite,postgres' },
    },
  });
  const { feeReadsBench } = await import('./bench/fee-reads.js');
  const { msText } = await import('./bench/staff.js');
  const results = await onEngines(values, async (url, label, reuse) => {
    if (!reuse) execFileSync(path.join(root, 'node_modules/.bin/tsx'), ['scripts/bench/demo-load.ts', url, String(values.students)], { cwd: root, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
    return feeReadsBench({ databaseUrl: url, label, perStudent: Number(values['fees-per-student']), tries: Number(values.tries) });
  });
  console.log(`\nMachine: ${machine()}\nCommand: npm run bench -- fees --students ${values.students} --fees-per-student ${values['fees-per-student']} --tries ${values.tries}${values.database ? ' --database …' : ''}\n`);
  console.log('| engine | fees | ledger rows | guardians | To Do fee items p50 / p99 | Payments (open fees) p50 / p99 | a student\'s fees with history p50 / p99 |');
  console.log('|---|---|---|---|---|---|---|');
  for (const r of results) console.log(`| ${r.label} | ${r.fees} | ${r.ledgerRows} | ${r.guardians} | ${msText(r.todo.p50)} / ${msText(r.todo.p99)} | ${msText(r.payable.p50)} / ${msText(r.payable.p99)} | ${msText(r.studentFees.p50)} / ${msText(r.studentFees.p99)} |`);
}

async function gradebook(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      students: { type: 'string', default: '100000' },
      seconds: { type: 'string', default: '60' },
      concurrency: { type: 'string', default: '50' },
      'section-size': { type: 'string', default: '35' },
      assignments: { type: 'string', default: '60' },
      'portal-rate': { type: 'string', default: '300' },
      think: { type: 'string', default: '0-0' },
      warm: { type: 'string', default: '20' },
      form: { type: 'string', default: 'whole' },
      processes: { type: 'string', default: String(os.cpus().length) },
      database: { type: 'string' },
      engines: { type: 'string', default: 'sqlite,postgres' },
    },
  });
  if (values.form !== 'whole' && values.form !== 'changed') throw new Error('--form must be whole (every cell, as without JavaScript) or changed (as gradebook.js sends it)');
  const { gradebookBench, NotBuilt } = await import('./bench/gradebook.js');
  const { msText } = await import('./bench/staff.js');
  const options = {
    students: Number(values.students),
    seconds: Number(values.seconds),
    concurrency: Number(values.concurrency),
    sectionSize: Number(values['section-size']),
    assignments: Number(values.assignments),
    portalRate: Number(values['portal-rate']),
    think: String(values.think).split('-').map(Number) as [number, number],
    processes: Number(values.processes),
    warmSeconds: Number(values.warm),
    form: values.form as 'whole' | 'changed',
  };
  let results;
  try {
    results = await onEngines(values, (url, label, reuse) => gradebookBench({ ...options, databaseUrl: url, label, reuse }));
  } catch (error) {
    if (!(error instanceof NotBuilt)) throw error;
    console.error(`Nothing measured: ${error.message}`);
    process.exit(3);
  }
  console.log(
    `\nMachine: ${machine()}\nCommand: npm run bench -- gradebook --students ${options.students} --seconds ${options.seconds} --concurrency ${options.concurrency} --portal-rate ${options.portalRate} --think ${values.think} --warm ${options.warmSeconds} --form ${options.form}${values.database ? ' --database …' : ''}\n`,
  );
  console.log('| engine | sections (students; assignments) | open the gradebook: p50 / p95 / p99 / max (requests, errors) | save a column: p50 / p95 / p99 / max (requests, errors) | portal beside it: requests/s, p50, p99, errors | the portal warming up, not timed: seconds, requests/s, p50, p99 | server peak RSS | load average before → after |');
  console.log('|---|---|---|---|---|---|---|---|');
  const line = (s: { p50: number; p95: number; p99: number; max: number; count: number; errors: number }) => `${msText(s.p50)} / ${msText(s.p95)} / ${msText(s.p99)} / ${msText(s.max)} (${s.count}, ${s.errors})`;
  for (const r of results) {
    const portal = r.portal ? `${r.portal.rps.toFixed(0)}/s, ${msText(r.portal.p50)}, ${msText(r.portal.p99)}, ${r.portal.errors}` : 'none';
    const warm = r.warm ? `${r.warm.seconds} s, ${r.warm.rps.toFixed(0)}/s, ${msText(r.warm.p50)}, ${msText(r.warm.p99)}` : 'none';
    console.log(`| ${r.label} | ${r.sections} (${r.sizes}; ${r.assignments}) | ${line(r.open)} | ${line(r.save)} | ${portal} | ${warm} | ${r.peakRssMiB.toFixed(0)} MiB | ${r.loadBefore} → ${r.loadAfter} |`);
  }
}

async function onerosterExport(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { database: { type: 'string' } } });
  if (!values.database) throw new Error('--database URL is required: the database to export (load one with `homeroom demo --students N`)');
  const r = JSON.parse(
    execFileSync(path.join(root, 'node_modules/.bin/tsx'), ['scripts/bench/oneroster-export.ts', values.database], { cwd: root, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 }),
  ) as { ms: number; rows: number; bytes: number; files: { name: string; rows: number; ms: number; rowsPerSecond: number }[]; peakRssMiB: number; peakAnonMiB: number };
  const n = (x: number) => Math.round(x).toLocaleString('en-US');
  console.log(`\nMachine: ${machine()}\nCommand: npm run bench -- oneroster-export --database ${values.database.split(':')[0]}:…\n`);
  console.log('| file | rows | time | rows/s |');
  console.log('|---|---|---|---|');
  for (const f of r.files) console.log(`| ${f.name} | ${n(f.rows)} | ${(f.ms / 1000).toFixed(1)} s | ${n(f.rowsPerSecond)} |`);
  console.log(
    `| **all** | ${n(r.rows)} | ${(r.ms / 1000).toFixed(1)} s | ${n(r.rows / (r.ms / 1000))} |\n\n` +
      `Package ${(r.bytes / 2 ** 20).toFixed(1)} MiB; peak RSS ${r.peakRssMiB.toFixed(0)} MiB, peak of its own memory (RSS less mapped files) ${r.peakAnonMiB.toFixed(0)} MiB.`,
  );
}

interface ImportRun {
  ms: number;
  ok: boolean;
  files: { file: string; rows: number; rowsPerSecond: number }[];
  stagingSeconds: number;
  writeSeconds: number;
  counts: Record<string, Record<string, number>>;
  errors: number;
  warnings: number;
  problems: unknown[];
  peakRssMiB: number;
  peakAnonMiB: number;
}

/** One measured import in a child process (bench/oneroster-import.ts). */
function importInChild(database: string, pkg: string, dryRun: boolean): Promise<ImportRun> {
  return new Promise((resolve, reject) => {
    execFile(
      path.join(root, 'node_modules/.bin/tsx'),
      ['scripts/bench/oneroster-import.ts', database, pkg, ...(dryRun ? ['dry-run'] : [])],
      { cwd: root, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => (error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(JSON.parse(stdout) as ImportRun)),
    );
  });
}

function printImport(r: ImportRun): void {
  const n = (x: number) => Math.round(x).toLocaleString('en-US');
  console.log('| file | rows | rows/s |');
  console.log('|---|---|---|');
  for (const f of r.files) console.log(`| ${f.file} | ${n(f.rows)} | ${n(f.rowsPerSecond)} |`);
  const rows = r.files.reduce((a, f) => a + f.rows, 0);
  console.log(`| **all** | ${n(rows)} | ${n(rows / (r.ms / 1000))} |\n`);
  console.log(
    `Imported: ${r.ok}; ${(r.ms / 1000).toFixed(1)} s (staging, no write lock: ${r.stagingSeconds.toFixed(1)} s; write transaction: ${r.writeSeconds.toFixed(1)} s); ` +
      `${r.errors} errors, ${r.warnings} warnings; peak RSS ${r.peakRssMiB.toFixed(0)} MiB, own memory ${r.peakAnonMiB.toFixed(0)} MiB.`,
  );
  console.log(Object.entries(r.counts).map(([k, c]) => `${k}: ${Object.entries(c).map(([a, b]) => `${a} ${n(b)}`).join(', ')}`).join('\n'));
  const problems = new Map<string, number>();
  for (const p of r.problems as { severity: string; code: string }[]) problems.set(`${p.severity} ${p.code}`, (problems.get(`${p.severity} ${p.code}`) ?? 0) + 1);
  if (problems.size > 0) console.log(`Problems (the first ten kept by the run): ${[...problems].map(([k, c]) => `${k} ×${c}`).join(', ')}`);
}

/**
 * A copy of a database to import into, so that the database named stays as it is and the run can be
 * repeated: SQLite by copying its file (closed: its write-ahead log is checkpointed), PostgreSQL as a
 * new database from it as a template. Removed by the returned function.
 */
async function scratchCopy(url: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const stamp = Date.now();
  if (url.startsWith('sqlite:')) {
    const file = url.replace(/^sqlite:(\/\/)?/, '');
    const copy = path.join(path.dirname(path.resolve(file)), `bench-delta-${stamp}.sqlite`);
    if (fs.existsSync(`${file}-wal`) && fs.statSync(`${file}-wal`).size > 0) throw new Error(`${file} has a write-ahead log: close whatever has it open first`);
    fs.copyFileSync(file, copy);
    return { url: `sqlite:${copy}`, drop: async () => ['', '-wal', '-shm'].forEach((x) => fs.rmSync(`${copy}${x}`, { force: true })) };
  }
  const source = new URL(url);
  const name = `homeroom_bench_delta_${stamp}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    await admin.query(`create database ${name} template ${source.pathname.slice(1)}`);
  } finally {
    await admin.end();
  }
  const copy = new URL(url);
  copy.pathname = `/${name}`;
  return {
    url: copy.toString(),
    drop: async () => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      await client.query(`drop database if exists ${name} with (force)`);
      await client.end();
    },
  };
}

/**
 * A nightly delta, measured (issue 20): a delta package is made from the district's full package
 * (bench/oneroster-delta.ts), then imported into a copy of the database that holds the full import,
 * while the portal's pages are asked for beside it at `portalRate` requests per second, paced open-loop
 * as in the staff benchmarks. Reports the import (time, staging and write-transaction time — on SQLite
 * how long the write lock was held —, rows/s per file, peak memory) and the portal's latency while it
 * ran, against the same load for `baselineSeconds` before it.
 */
async function onerosterDelta(values: {
  database: string;
  package: string;
  'delta-package'?: string;
  fraction: string;
  seed: string;
  'portal-rate': string;
  'baseline-seconds': string;
  processes: string;
}): Promise<void> {
  const { makeDelta } = await import('./bench/oneroster-delta.js');
  const { luaScript, runWrk, sessions } = await import('./bench/portal.js');
  const { startServer } = await import('./bench/server.js');
  const { msText } = await import('./bench/staff.js');
  const fraction = Number(values.fraction);
  if (!(fraction > 0 && fraction <= 0.5)) throw new Error('--fraction must be above 0 and at most 0.5');
  const portalRate = Number(values['portal-rate']);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'homeroom-bench-delta-'));
  // A delta made before (the generator's own command, for the same FULL and seed) is read as it is.
  const deltaPath = values['delta-package'] ?? path.join(dir, 'delta.zip');
  const delta = values['delta-package'] ? null : await makeDelta(values.package, deltaPath, fraction, Number(values.seed));
  if (delta) console.error(`delta: ${delta.rows} rows in ${(delta.ms / 1000).toFixed(1)} s`);
  const copy = await scratchCopy(values.database);
  let server: Awaited<ReturnType<typeof startServer>> | null = null;
  try {
    let baseline: Awaited<ReturnType<typeof runWrk>> | null = null;
    let during: Awaited<ReturnType<typeof runWrk>> | null = null;
    let run: ImportRun;
    if (portalRate > 0) {
      const people = await sessions(copy.url, 400, 7);
      server = await startServer(['--no-worker', '--processes', values.processes], { DATABASE_URL: copy.url, DEMO_MODE: 'false' }, (out) => out.includes('Homeroom is running at'));
      for (const p of people) {
        for (const tool of ['today', 'grades', 'assignments', 'attendance']) {
          const res = await fetch(`${server.base}/students/${p.studentId}/${tool}`, { headers: { cookie: `hr_session=${p.token}` }, redirect: 'manual' });
          await res.arrayBuffer();
          if (res.status !== 200) throw new Error(`${tool} of student ${p.studentId} answered ${res.status}`);
        }
      }
      const script = path.join(dir, 'portal.lua');
      fs.writeFileSync(script, luaScript(people, portalRate));
      baseline = await runWrk(script, server.base, 8, Number(values['baseline-seconds']));
      const importing = importInChild(copy.url, deltaPath, false);
      [during, run] = await Promise.all([runWrk(script, server.base, 8, 600, importing), importing]);
    } else {
      run = await importInChild(copy.url, deltaPath, false);
    }
    const n = (x: number) => Math.round(x).toLocaleString('en-US');
    console.log(`\nMachine: ${machine()}\nLoad average at the end: ${os.loadavg().map((x) => x.toFixed(1)).join(', ')}`);
    console.log(
      `Command: npm run bench -- oneroster --database ${values.database.split(':')[0]}:… --package … --delta${values['delta-package'] ? ' --delta-package …' : ` --fraction ${values.fraction} --seed ${values.seed}`} --portal-rate ${portalRate} --baseline-seconds ${values['baseline-seconds']}\n`,
    );
    if (delta) {
      console.log(`The delta: ${n(delta.rows)} rows (${Object.entries(delta.files).map(([f, c]) => `${f} ${n(c)}`).join(', ')}).`);
      console.log(`${Object.entries(delta.changes).map(([what, c]) => `${what} ${n(c)}`).join('; ')}.\n`);
    }
    printImport(run);
    if (baseline && during) {
      const row = (label: string, w: typeof baseline) => `| ${label} | ${w.rps.toFixed(0)} | ${msText(w.p50)} | ${msText(w.p90)} | ${msText(w.p99)} | ${w.errors} |`;
      console.log(`\nThe portal beside it (${portalRate} requests/s asked, open-loop, 8 connections, ${values.processes} web processes):\n`);
      console.log('| when | requests/s | p50 | p90 | p99 | errors |');
      console.log('|---|---|---|---|---|---|');
      console.log(row(`before the import (${values['baseline-seconds']} s)`, baseline));
      console.log(row(`while the delta was imported (${(run.ms / 1000).toFixed(0)} s)`, during));
    }
  } finally {
    await server?.stop();
    await copy.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function onerosterImport(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      database: { type: 'string' },
      package: { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
      delta: { type: 'boolean', default: false },
      'delta-package': { type: 'string' },
      fraction: { type: 'string', default: '0.01' },
      seed: { type: 'string', default: '1' },
      'portal-rate': { type: 'string', default: '300' },
      'baseline-seconds': { type: 'string', default: '15' },
      processes: { type: 'string', default: String(os.cpus().length) },
    },
  });
  if (!values.database || !values.package) throw new Error('--database URL and --package PATH are required (a package from `npm run bench -- oneroster-export` or `homeroom export oneroster`)');
  if (values.delta) {
    await onerosterDelta({ ...values, database: values.database, package: values.package });
    return;
  }
  const r = await importInChild(values.database, values.package, values['dry-run']);
  console.log(`\nMachine: ${machine()}\nCommand: npm run bench -- oneroster --database ${values.database.split(':')[0]}:… --package …${values['dry-run'] ? ' --dry-run' : ''}\n`);
  printImport(r);
}

async function recovery(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { tries: { type: 'string', default: '400' }, engines: { type: 'string', default: 'sqlite,postgres' } } });
  const tries = Number(values.tries);
  if (!Number.isInteger(tries) || tries < 10) throw new Error('--tries must be a whole number of at least 10');
  const { recoveryBench } = await import('./bench/recovery.js');
  const ms = (x: number) => x.toFixed(2);
  console.log('| engine | form | known: median / p90 / mean (ms) | unknown: median / p90 / mean (ms) |');
  console.log('|---|---|---|---|');
  for (const engine of String(values.engines).split(',')) {
    const rows = engine === 'postgres' ? await withScratchPostgres((url) => recoveryBench({ tries, databaseUrl: url })) : await recoveryBench({ tries });
    for (const r of rows) {
      console.log(`| ${engine} | ${r.form} | ${ms(r.known.median)} / ${ms(r.known.p90)} / ${ms(r.known.mean)} | ${ms(r.unknown.median)} / ${ms(r.unknown.p90)} / ${ms(r.unknown.mean)} |`);
    }
  }
  console.log(`\nMachine: ${machine()}\nCommand: npm run bench -- recovery --tries ${tries} --engines ${values.engines}\n`);
}

async function notify(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      students: { type: 'string', default: '2000' },
      seconds: { type: 'string', default: '20' },
      'mail-connections': { type: 'string', default: '8' },
      'mail-round': { type: 'string', default: '0' },
      'push-round': { type: 'string', default: '0' },
      'push-concurrency': { type: 'string', default: '50' },
      'push-devices': { type: 'string', default: '20000' },
      'portal-rate': { type: 'string', default: '300' },
      processes: { type: 'string', default: String(os.cpus().length) },
      engines: { type: 'string', default: 'sqlite,postgres' },
    },
  });
  const students = Number(values.students);
  type PortalRun = { rps: number; p50: number; p99: number; errors: number } | null;
  const portals: { engine: string; before: PortalRun; decide: PortalRun; deliver: PortalRun }[] = [];
  type Variant = { round: number; delivered: number; perSecond: number; cpuMsEach: number; statementsEach: number; serverCpuMsEach: number | null };
  const variants: string[] = [];
  console.log('| engine | students | changes | notifications | decide (pushes and emails due now) | delivery step | emails written | decided and queued | CPU per notification | PostgreSQL CPU per notification | written per notification (PostgreSQL: WAL; SQLite: the process) | writes (longest) | SMTP delivered | emails/s | sender CPU per email | statements per email | PostgreSQL CPU per email | pushes delivered (of queued) | pushes/s | sender CPU per push | statements per push | PostgreSQL CPU per push |');
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const engine of values.engines.split(',')) {
    const run = (url: string) =>
      JSON.parse(
        execFileSync(
          path.join(root, 'node_modules/.bin/tsx'),
          ['scripts/bench/notify.ts', url, String(students), values.seconds, values['mail-connections'], values['push-devices'], values['portal-rate'], values.processes, values['mail-round'], values['push-round'], values['push-concurrency']],
          { cwd: root, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024, stdio: ['ignore', 'pipe', 'inherit'] },
        )
          .trim()
          .split('\n')
          .pop()!,
      ) as { changes: number; notifications: number; decideMs: number; queueMs: number; emailsQueued: number; decideWrites: number; longestWriteMs: number; decideCpuMsEach: number; decideServerCpuMsEach: number | null; decideBytesEach: number; pushesQueued: number; smtpReceived: number; smtpPerSecond: number; pushReceived: number; pushPerSecond: number; pushProblems: number; smtpCpuMsEach: number; pushCpuMsEach: number; smtpStatementsEach: number; pushStatementsEach: number; smtpServerCpuMsEach: number | null; pushServerCpuMsEach: number | null; mail: Variant[]; push: Variant[]; mailConnections: number; pushConcurrency: number; portal: { before: PortalRun; decide: PortalRun; deliver: PortalRun } };
    let r;
    if (engine === 'postgres') r = await withScratchPostgres(run);
    else {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'homeroom-bench-notify-'));
      try {
        r = run(`sqlite:${path.join(dir, 'bench.sqlite')}`);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    }
    const n = (x: number) => Math.round(x).toLocaleString('en-US');
    const s = (x: number) => `${(x / 1000).toFixed(1)} s`;
    const pgMs = (x: number | null) => (x === null ? '—' : `${x.toFixed(2)} ms`);
    console.log(
      `| ${engine} | ${n(students)} | ${n(r.changes)} | ${n(r.notifications)} | ${s(r.decideMs)} | ${s(r.queueMs)} | ${n(r.emailsQueued)} | ${s(r.decideMs + r.queueMs)} | ${r.decideCpuMsEach.toFixed(3)} ms | ${pgMs(r.decideServerCpuMsEach)} | ${(r.decideBytesEach / 1024).toFixed(2)} KB | ${n(r.decideWrites)} (${r.longestWriteMs.toFixed(1)} ms) | ${n(r.smtpReceived)} | ${n(r.smtpPerSecond)} | ${r.smtpCpuMsEach.toFixed(2)} ms | ${r.smtpStatementsEach.toFixed(3)} | ${pgMs(r.smtpServerCpuMsEach)} | ${n(r.pushReceived)} (${n(r.pushesQueued)})${r.pushProblems ? `, ${r.pushProblems} refused` : ''} | ${n(r.pushPerSecond)} | ${r.pushCpuMsEach.toFixed(2)} ms | ${r.pushStatementsEach.toFixed(3)} | ${pgMs(r.pushServerCpuMsEach)} |`,
    );
    portals.push({ engine, ...r.portal });
    for (const [channel, list, inFlight] of [['email', r.mail, r.mailConnections], ['push', r.push, r.pushConcurrency]] as const) {
      for (const v of list) {
        variants.push(`| ${engine} | ${channel} | ${inFlight} | ${v.round || 'default'} | ${n(v.delivered)} | ${n(v.perSecond)} | ${v.cpuMsEach.toFixed(2)} ms | ${v.statementsEach.toFixed(3)} | ${pgMs(v.serverCpuMsEach)} |`);
      }
    }
  }
  if (values['mail-round'].includes(',') || values['push-round'].includes(',')) {
    console.log(`\nEach variant, one after the other on the same outbox and queue, ${values.seconds} s at most each (in flight: SMTP conversations or push requests at once; round: items per claim):\n`);
    console.log('| engine | channel | in flight | round | delivered | per second | sender CPU each | statements each | PostgreSQL CPU each |');
    console.log('|---|---|---|---|---|---|---|---|---|');
    for (const line of variants) console.log(line);
  }
  if (Number(values['portal-rate']) > 0) {
    const { msText } = await import('./bench/staff.js');
    const cell = (w: PortalRun) => (w ? `${w.rps.toFixed(0)}/s, ${msText(w.p50)}, ${msText(w.p99)}, ${w.errors}` : '—');
    console.log(`\nThe portal beside it (${values['portal-rate']} requests/s asked, open-loop, 8 connections, ${values.processes} web processes; requests/s, p50, p99, errors):\n`);
    console.log('| engine | before (10 s) | while deciding and queueing | while delivering |');
    console.log('|---|---|---|---|');
    for (const p of portals) console.log(`| ${p.engine} | ${cell(p.before)} | ${cell(p.decide)} | ${cell(p.deliver)} |`);
  }
  console.log(`\nMachine: ${machine()}; load average at the end ${os.loadavg().map((x) => x.toFixed(1)).join(', ')}`);
  console.log(
    `Command: npm run bench -- notify --students ${students} --seconds ${values.seconds} --mail-connections ${values['mail-connections']} --mail-round ${values['mail-round']} --push-round ${values['push-round']} --push-concurrency ${values['push-concurrency']} --push-devices ${values['push-devices']} --portal-rate ${values['portal-rate']} --processes ${values.processes} --engines ${values.engines}\n`,
  );
}

async function announce(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { students: { type: 'string', default: '600' }, engines: { type: 'string', default: 'sqlite,postgres' } } });
  const students = Number(values.students);
  if (!Number.isInteger(students) || students < 1) throw new Error('--students must be a positive whole number');
  type Saves = { count: number; p50: number; p99: number; max: number };
  type Result = { engine: string; told: { announcements: number; notifications: number }; entries: number; deliveries: number; ms: number; cpuMs: number; otherSaves: Saves; ownSaves: Saves };
  const run = (url: string) => JSON.parse(execFileSync(path.join(root, 'node_modules/.bin/tsx'), ['scripts/bench/announce.ts', url, String(students)], { cwd: root, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 })) as Result;
  const rows: Result[] = [];
  for (const engine of String(values.engines).split(',')) {
    if (engine === 'sqlite') {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'homeroom-announce-'));
      try {
        rows.push(run(`sqlite:${path.join(dir, 'bench.sqlite')}`));
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    } else if (engine === 'postgres') rows.push(await withScratchPostgres(run));
    else throw new Error(`unknown engine: ${engine}`);
  }
  const saves = (w: Saves) => `${w.count}: ${w.p50} / ${w.p99} / ${w.max} ms`;
  console.log('| engine | entries | deliveries | wall time | CPU (this process) | another process\'s saves: p50 / p99 / max | this process\'s saves: p50 / p99 / max |');
  console.log('|---|---|---|---|---|---|---|');
  for (const r of rows) console.log(`| ${r.engine} | ${r.entries} | ${r.deliveries} | ${(r.ms / 1000).toFixed(2)} s | ${(r.cpuMs / 1000).toFixed(2)} s | ${saves(r.otherSaves)} | ${saves(r.ownSaves)} |`);
  console.log(`\nMachine: ${machine()}; load average at the end ${os.loadavg().map((x) => x.toFixed(1)).join(', ')}`);
  console.log(`Command: npm run bench -- announce --students ${students} --engines ${values.engines}\n`);
}

switch (name) {
  case 'announce':
    await announce(rest);
    break;
  case 'notify':
    await notify(rest);
    break;
  case 'recovery':
    await recovery(rest);
    break;
  case 'portal':
    await portal(rest);
    break;
  case 'accounts':
    await parentAccounts(rest);
    break;
  case 'demo':
    await demo(rest);
    break;
  case 'login':
    await login(rest);
    break;
  case 'attendance':
    await attendance(rest);
    break;
  case 'search':
    await search(rest);
    break;
  case 'messages':
    await messages(rest);
    break;
  case 'payments':
    await payments(rest);
    break;
  case 'fees':
    await fees(rest);
    break;
  case 'gradebook':
    await gradebook(rest);
    break;
  case 'oneroster':
    await onerosterImport(rest);
    break;
  case 'oneroster-export':
    await onerosterExport(rest);
    break;
  default:
    console.error(
      'Usage: npm run bench -- announce [--students 600] [--engines sqlite,postgres]\n' +
        '       npm run bench -- notify [--students 2000] [--seconds 20] [--mail-connections 8] [--push-devices 20000] [--portal-rate 300] [--processes CORES] [--engines sqlite,postgres]\n' +
        '       npm run bench -- demo [--students N] [--seed S] [--engines sqlite,postgres]\n' +
        '       npm run bench -- login [--seconds 20] [--concurrency 8] [--engines sqlite,postgres,bare]\n' +
        '       npm run bench -- accounts [--students N] [--engines sqlite,postgres]\n' +
        '       npm run bench -- recovery [--tries 400] [--engines sqlite,postgres]\n' +
        '       npm run bench -- attendance [--students N] [--window 300] [--sections 2000] [--think 5-20] [--portal-rate 300] [--warm 20] [--database URL] [--engines sqlite,postgres]\n' +
        '       npm run bench -- messages [--students N] [--tries 1000] [--database URL] [--engines sqlite,postgres]\n' +
        '       npm run bench -- search [--students N] [--tries 40] [--database URL] [--engines sqlite,postgres]\n' +
        '       npm run bench -- fees [--students N] [--fees-per-student 4] [--tries 400] [--database URL] [--engines sqlite,postgres]\n' +
        '       npm run bench -- gradebook [--students N] [--seconds 60] [--concurrency 50] [--section-size 35] [--assignments 60] [--portal-rate 300] [--think 0-0] [--warm 20] [--form whole|changed] [--database URL] [--engines sqlite,postgres]\n' +
        '       npm run bench -- oneroster-export --database URL\n' +
        '       npm run bench -- oneroster --database URL --package PATH [--dry-run]\n' +
        '       npm run bench -- oneroster --database URL --package FULL --delta [--fraction 0.01] [--seed 1] [--delta-package PATH] [--portal-rate 300] [--baseline-seconds 15]\n' +
        '       npm run bench -- portal [--students N] [--seconds 15] [--levels 1,2,4,8,16] [--people 400] [--processes CORES] [--engines sqlite,postgres]',
    );
    process.exit(2);
}
