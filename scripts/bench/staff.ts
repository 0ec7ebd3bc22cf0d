/**
 * What the staff-tool benchmarks (attendance.ts, search.ts, gradebook.ts) share: signed-in staff
 * sessions made the way sign-in makes them (an account per staff member, a session row; no password
 * hashing, which is not what is measured), a small HTTP client that keeps a browser's two cookies
 * (the session and the form-token seed) and reads a page's forms, latency summaries, and the server's
 * memory.
 */
import fs from 'node:fs';
import type { Kysely } from 'kysely';
import type { DB } from '../../src/db/schema.js';
import { startSession } from '../../src/domain/accounts/sessions.js';
import { processTree } from './cpu-split.js';

/** A session cookie value for each staff member (an active staff account made for those without one). */
export async function staffSessions(db: Kysely<DB>, staffIds: readonly number[]): Promise<Map<number, string>> {
  const now = new Date();
  const t = now.toISOString();
  const settings = { sessionIdleMinutes: 600, sessionAbsoluteHours: 12, rememberDeviceDays: 30 };
  const out = new Map<number, string>();
  for (const staffId of new Set(staffIds)) {
    let account = await db.selectFrom('user_accounts').select(['id', 'status']).where('staff_id', '=', staffId).executeTakeFirst();
    if (!account) {
      const username = `bench.staff.${staffId}`;
      account = await db
        .insertInto('user_accounts')
        .values({
          username,
          username_key: username,
          password_hash: null,
          status: 'active',
          person_kind: 'staff',
          staff_id: staffId,
          security_email: `${username}@example.com`,
          security_email_confirmed_at: t,
          created_at: t,
          updated_at: t,
          updated_by: null,
        })
        .returning(['id', 'status'])
        .executeTakeFirstOrThrow();
    }
    if (account.status !== 'active') throw new Error(`the account of staff member ${staffId} is ${account.status}`);
    const session = await startSession(db, account.id, { persistent: true, ip: null, userAgent: 'homeroom-bench', settings, now });
    out.set(staffId, session.token);
  }
  return out;
}

/** One request's outcome: its latency, and whether it answered what was expected. */
export interface Timing {
  ms: number;
  ok: boolean;
}

export interface Summary {
  count: number;
  errors: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/** Nearest-rank percentiles of the latencies (all requests, failed ones included). */
export function summarize(timings: readonly Timing[]): Summary {
  const ms = timings.map((t) => t.ms).sort((a, b) => a - b);
  const at = (p: number) => (ms.length === 0 ? NaN : ms[Math.min(ms.length - 1, Math.max(0, Math.ceil((p / 100) * ms.length) - 1))]!);
  return { count: ms.length, errors: timings.filter((t) => !t.ok).length, p50: at(50), p95: at(95), p99: at(99), max: ms.length === 0 ? NaN : ms[ms.length - 1]! };
}

export const msText = (x: number) => (Number.isNaN(x) ? '—' : `${x.toFixed(1)} ms`);

/** A signed-in browser: its cookies, and GET and form POST that time themselves. */
export class StaffClient {
  private readonly cookies = new Map<string, string>();

  constructor(
    private readonly base: string,
    sessionToken: string,
  ) {
    this.cookies.set('hr_session', sessionToken);
  }

  private cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  private keep(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const m = /^([^=;]+)=([^;]*)/.exec(line);
      if (m) this.cookies.set(m[1]!, m[2]!);
    }
  }

  async get(url: string): Promise<{ status: number; text: string; ms: number }> {
    const started = performance.now();
    const res = await fetch(`${this.base}${url}`, { headers: { cookie: this.cookieHeader(), 'accept-encoding': 'gzip' }, redirect: 'manual' });
    const text = await res.text();
    const ms = performance.now() - started;
    this.keep(res);
    return { status: res.status, text, ms };
  }

  async post(url: string, form: [string, string][]): Promise<{ status: number; location: string | null; text: string; ms: number }> {
    const started = performance.now();
    const res = await fetch(`${this.base}${url}`, {
      method: 'POST',
      headers: { cookie: this.cookieHeader(), 'content-type': 'application/x-www-form-urlencoded', origin: this.base, 'accept-encoding': 'gzip' },
      body: new URLSearchParams(form).toString(),
      redirect: 'manual',
    });
    const text = await res.text();
    const ms = performance.now() - started;
    this.keep(res);
    return { status: res.status, location: res.headers.get('location'), text, ms };
  }
}

const decode = (s: string) => s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

/** The attributes of every tag of a kind in a page, in order (`input`, `option`, `form`, …). */
export function tags(html: string, tag: string): Record<string, string>[] {
  const out: Record<string, string>[] = [];
  for (const m of html.matchAll(new RegExp(`<${tag}\\b([^>]*)>`, 'gi'))) {
    const attrs: Record<string, string> = {};
    for (const a of m[1]!.matchAll(/([\w:-]+)(?:="([^"]*)")?/g)) attrs[a[1]!] = decode(a[2] ?? '');
    out.push(attrs);
  }
  return out;
}

/** The resident memory of the server's processes now (the started process and its children), in MiB. */
export function serverRssMiB(pid: number): number {
  let kib = 0;
  for (const p of processTree(pid)) {
    try {
      kib += Number(/VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${p}/status`, 'utf8'))?.[1] ?? 0);
    } catch {
      // the process ended while being read
    }
  }
  return kib / 1024;
}

/** A seeded random number generator (the same run twice draws the same sections, marks and arrivals). */
export function seeded(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (Math.imul(x, 1_103_515_245) + 12_345) >>> 0;
    return x / 4_294_967_296;
  };
}

/** The machine's load averages (1, 5 and 15 minutes), to record beside a run on shared cores. */
export function loadAverage(): string {
  try {
    return fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' / ');
  } catch {
    return 'unknown';
  }
}
