/**
 * Throttling of sign-in and recovery (NIST SP 800-63B rev 4, OWASP ASVS 5.0):
 *  - per username (whether or not an account has it, so that throttling reveals nothing): after
 *    5 consecutive failures every further try waits, 30 s doubling up to 15 minutes; after 100
 *    consecutive failures the username is locked until its password is reset;
 *  - per IP address: at most 100 failures in 15 minutes (a school's whole building may share one
 *    address, so successes never count).
 */
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import { clearThrottle, findThrottle, saveThrottle } from './repository.js';

export const FREE_FAILURES = 5;
export const LOCK_AFTER = 100;
export const MAX_DELAY_MS = 15 * 60_000;
export const IP_WINDOW_MS = 15 * 60_000;
export const IP_MAX_FAILURES = 100;

export type ThrottleVerdict = { kind: 'ok'; userFailures?: number } | { kind: 'wait'; retryAfterSeconds: number } | { kind: 'locked' };

export function delayAfter(failures: number): number {
  if (failures < FREE_FAILURES) return 0;
  return Math.min(30_000 * 2 ** (failures - FREE_FAILURES), MAX_DELAY_MS);
}

const seconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));

export async function checkThrottle(db: Kysely<DB>, keys: { user: string; ip: string | null }, now: Date): Promise<ThrottleVerdict> {
  const list = [keys.user, ...(keys.ip ? [keys.ip] : [])];
  const rows = await findThrottle(db, list);
  let wait = 0;
  for (const row of rows) {
    if (row.key === keys.user && row.failures >= LOCK_AFTER) return { kind: 'locked' };
    if (row.blocked_until) wait = Math.max(wait, Date.parse(row.blocked_until) - now.getTime());
  }
  const userFailures = rows.find((r) => r.key === keys.user)?.failures ?? 0;
  return wait > 0 ? { kind: 'wait', retryAfterSeconds: seconds(wait) } : { kind: 'ok', userFailures };
}

export async function recordFailure(db: Kysely<DB>, keys: { user: string; ip: string | null }, now: Date): Promise<void> {
  const rows = await findThrottle(db, [keys.user, ...(keys.ip ? [keys.ip] : [])]);
  const byKey = new Map(rows.map((r) => [r.key, r]));
  const t = now.getTime();

  const user = byKey.get(keys.user);
  const failures = (user?.failures ?? 0) + 1;
  const delay = delayAfter(failures);
  await saveThrottle(db, {
    key: keys.user,
    failures,
    window_start: user?.window_start ?? now.toISOString(),
    blocked_until: delay > 0 ? new Date(t + delay).toISOString() : null,
  });

  if (keys.ip) {
    const ip = byKey.get(keys.ip);
    const fresh = !ip || t - Date.parse(ip.window_start) >= IP_WINDOW_MS;
    const start = fresh ? t : Date.parse(ip.window_start);
    const count = fresh ? 1 : ip.failures + 1;
    await saveThrottle(db, {
      key: keys.ip,
      failures: count,
      window_start: new Date(start).toISOString(),
      blocked_until: count >= IP_MAX_FAILURES ? new Date(start + IP_WINDOW_MS).toISOString() : null,
    });
  }
}

export async function recordSuccess(db: Kysely<DB>, userKey: string): Promise<void> {
  await clearThrottle(db, userKey);
}

export const userThrottleKey = (username: string) => `user:${username.normalize('NFKC').trim().toLowerCase()}`;
export const ipThrottleKey = (ip: string | null | undefined) => (ip ? `ip:${ip}` : null);

/**
 * A plain request counter for recovery forms (successes count too: each request may send an email).
 * At most `limit` requests per key in `windowMs`.
 */
export async function allowRequest(
  db: Kysely<DB>,
  key: string,
  limits: { limit: number; windowMs: number },
  now: Date,
): Promise<ThrottleVerdict> {
  const [row] = await findThrottle(db, [key]);
  const t = now.getTime();
  if (!row || t - Date.parse(row.window_start) >= limits.windowMs) {
    await saveThrottle(db, { key, failures: 1, window_start: now.toISOString(), blocked_until: null });
    return { kind: 'ok' };
  }
  if (row.failures >= limits.limit) {
    return { kind: 'wait', retryAfterSeconds: seconds(Date.parse(row.window_start) + limits.windowMs - t) };
  }
  await saveThrottle(db, { key, failures: row.failures + 1, window_start: row.window_start, blocked_until: null });
  return { kind: 'ok' };
}

export async function clearThrottleKey(db: Kysely<DB>, key: string): Promise<void> {
  await clearThrottle(db, key);
}
