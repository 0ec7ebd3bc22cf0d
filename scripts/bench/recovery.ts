/**
 * Self-serve forms, known against unknown: how long "Forgot your username?", "Forgot your password?"
 * and "Resend my welcome link" take to answer for an address or username that has an account and for
 * one that has none. Run by `npm run bench -- recovery`.
 *
 * The app is built in this process on a fresh database (SQLite, and PostgreSQL) with the demo district and answers through
 * Fastify's inject (no sockets: the difference measured is the handler's own work). Known and unknown
 * requests alternate, so that a slower moment of the machine falls on both; every request has an
 * address of its own (the per-address limits are not what is measured), and the throttle counters are
 * cleared between rounds. Nothing runs the queued jobs: the answer is what is timed.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config/env.js';
import { connect } from '../../src/db/connect.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { loadDemo } from '../../src/domain/demo/load.js';
import { parsePortalSettings } from '../../src/domain/district/settings.js';
import { buildApp } from '../../src/web/app.js';

export interface RecoveryBenchRow {
  form: string;
  known: { median: number; p90: number; mean: number };
  unknown: { median: number; p90: number; mean: number };
}

const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
  return { median: at(0.5), p90: at(0.9), mean: xs.reduce((a, b) => a + b, 0) / xs.length };
};

/** `databaseUrl`: an empty PostgreSQL database, or none for a fresh SQLite file. */
export async function recoveryBench(options: { tries: number; databaseUrl?: string }): Promise<RecoveryBenchRow[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'homeroom-bench-recovery-'));
  const database = await connect(options.databaseUrl ?? `sqlite:${path.join(dir, 'bench.sqlite')}`);
  try {
    await migrateToLatest(database);
    await loadDemo(database, { students: 600, seed: 1, startYear: 2026 });
    const settings = parsePortalSettings((await database.db.selectFrom('district').select('settings').executeTakeFirstOrThrow()).settings);
    const parent = settings.demo!.accounts.find((a) => a.role === 'parent')!;
    const email = (await database.db.selectFrom('user_accounts').select('security_email').where('username', '=', parent.username).executeTakeFirstOrThrow()).security_email!;
    const config = loadConfig({ LOG_LEVEL: 'silent', DATA_DIR: dir, BASE_URL: 'http://portal.test' });
    const app = await buildApp({ config, database, logger: false, mailIntervalMs: 0 });
    await app.ready();
    // A page's form token and its cookie, as a browser has them.
    const page = await app.inject({ method: 'GET', url: '/forgot-username' });
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!;
    const cookies = Object.fromEntries(page.cookies.map((c) => [c.name, c.value]));
    let n = 0;
    const time = async (url: string, field: string, value: string) => {
      n++;
      const body = new URLSearchParams({ _csrf: csrf, [field]: value }).toString();
      const t = process.hrtime.bigint();
      const res = await app.inject({
        method: 'POST',
        url,
        payload: body,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        cookies,
        remoteAddress: `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`,
      });
      const ms = Number(process.hrtime.bigint() - t) / 1e6;
      if (res.statusCode !== 200) throw new Error(`${url} answered ${res.statusCode}`);
      return ms;
    };
    const forms: [string, string, string, string, string][] = [
      ['Forgot your username?', '/forgot-username', 'email', email, 'nobody.at.all@example.org'],
      ['Forgot your password?', '/forgot-password', 'username', parent.username, 'nobody.at.all'],
      ['Resend my welcome link', '/welcome/resend', 'email', email, 'nobody.at.all@example.org'],
    ];
    const rows: RecoveryBenchRow[] = [];
    for (const [form, url, field, known, unknown] of forms) {
      // Warm-up: the statements are prepared and the code paths compiled before anything is counted.
      for (let i = 0; i < 50; i++) await time(url, field, i % 2 ? known : unknown);
      const k: number[] = [];
      const u: number[] = [];
      for (let i = 0; i < options.tries; i++) {
        if (i % 100 === 0) await database.db.deleteFrom('throttle').execute();
        k.push(await time(url, field, known));
        u.push(await time(url, field, unknown));
      }
      rows.push({ form, known: stats(k), unknown: stats(u) });
    }
    await app.close();
    return rows;
  } finally {
    await database.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
