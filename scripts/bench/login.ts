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
 *    answer's time.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { hashPassword, verifyPassword } from '../../src/domain/accounts/passwords.js';
import { startServer } from './server.js';

const root = path.resolve(import.meta.dirname, '../..');

export interface LoginBenchOptions {
  seconds: number;
  concurrency: number;
  databaseUrl: string;
  label: string;
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

/**
 * One page read the way a browser asks for it (compressed), timed to the last byte. Node's plain http
 * client on a kept-alive connection, and the body left compressed: the reader is there to time pages, and
 * `fetch` (with decompression) took ~4 % of the two cores from the server it was measuring.
 */
function readPage(agent: http.Agent, url: string, cookie: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent, headers: { cookie, 'accept-encoding': 'br, gzip' } }, (res) => {
      res.on('data', () => undefined);
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
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

export async function loginBench(options: LoginBenchOptions): Promise<string> {
  const { limits, rate, pages, errors } = await storm(options);
  const limit = limits.reduce((a, b) => a + b, 0) / limits.length;
  const range = `${Math.min(...limits).toFixed(0)}–${Math.max(...limits).toFixed(0)}`;
  return `| ${options.label} | ${limit.toFixed(1)} /s (${range}) | ${rate.toFixed(1)} /s | ${((rate / limit) * 100).toFixed(0)} % | ${percentile(pages, 50).toFixed(1)} ms | ${percentile(pages, 99).toFixed(1)} ms | ${pages.length} | ${errors} |`;
}

/**
 * The storm is cut into rounds of at most 10 s, and the limit is measured for 5 s before the first
 * round, between rounds and after the last, with the server idle: the limit drifts by several percent
 * over minutes on a shared machine, and this way every part of the storm has a measurement of the limit
 * next to it.
 */
async function storm(options: LoginBenchOptions): Promise<{ limits: number[]; rate: number; pages: number[]; errors: number }> {
  const server = await startServer(['--demo'], { DATABASE_URL: options.databaseUrl }, (out) => out.includes('Homeroom is running at') && out.includes('district_admin'));
  const { base, output, dataDir } = server;
  try {
    const parent = /parent\s+(\S+)\s+cedar valley demo/.exec(output)?.[1];
    if (!parent) throw new Error(`no demo parent in: ${output}`);
    const password = 'cedar valley demo';

    // The reader of other pages, signed in once.
    const readerForm = await formSession(base);
    const readerJar = new Map([...readerForm.jar, ...cookiesOf(await signIn(base, readerForm, parent, password))]);

    // The storm comes from wrk (C, Debian's wrk package), so that the load generator takes as little
    // of the two cores as possible; every request is a complete sign-in with the real hash.
    const form = await formSession(base);
    const script = path.join(dataDir, 'signin.lua');
    fs.writeFileSync(
      script,
      [
        `wrk.method = "POST"`,
        `wrk.body = "${new URLSearchParams({ _csrf: form.token, username: parent, password }).toString()}"`,
        `wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"`,
        `wrk.headers["Cookie"] = "${header(form.jar)}"`,
        `done = function(summary, latency, requests)`,
        `  io.write(string.format("WRK %d %d %d\\n", summary.requests, summary.errors.status, summary.duration))`,
        `end`,
      ].join('\n'),
    );
    const rounds = Math.max(1, Math.ceil(options.seconds / 10));
    const roundSeconds = options.seconds / rounds;
    const limits = [await hashLimit(5)];
    let signIns = 0;
    let errors = 0;
    let stormSeconds = 0;
    const pageTimes: number[] = [];
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    for (let round = 0; round < rounds; round++) {
      const until = Date.now() + roundSeconds * 1000;
      const started = process.hrtime.bigint();
      await Promise.all([
        new Promise<void>((resolve, reject) => {
          // wrk runs niced: when the two cores are contended the server, not the load generator, gets them.
          const wrk = spawn('nice', ['-n', '10', 'wrk', '-t1', `-c${options.concurrency}`, `-d${roundSeconds}s`, '-s', script, `${base}/sign-in`], { stdio: ['ignore', 'pipe', 'inherit'] });
          let out = '';
          wrk.stdout.on('data', (d: Buffer) => (out += d.toString()));
          wrk.on('error', reject);
          wrk.on('exit', () => {
            const m = /WRK (\d+) (\d+) (\d+)/.exec(out);
            if (!m) return reject(new Error(`wrk said: ${out}`));
            // Non-2xx/3xx answers are errors; 303 (signed in) counts as success.
            errors += Number(m[2]);
            signIns += Number(m[1]) - Number(m[2]);
            resolve();
          });
        }),
        (async () => {
          while (Date.now() < until) {
            const t = process.hrtime.bigint();
            if ((await readPage(agent, `${base}/home`, header(readerJar))) !== 200) errors++;
            pageTimes.push(Number(process.hrtime.bigint() - t) / 1e6);
            await new Promise((r) => setTimeout(r, 20));
          }
        })(),
      ]);
      stormSeconds += Number(process.hrtime.bigint() - started) / 1e9;
      // The sign-ins wrk left in flight finish within a few hashes' time; then the server is idle.
      await new Promise((r) => setTimeout(r, 1000));
      limits.push(await hashLimit(5));
    }
    agent.destroy();
    pageTimes.sort((a, b) => a - b);
    return { limits, rate: signIns / stormSeconds, pages: pageTimes, errors };
  } finally {
    await server.stop();
  }
}
