/**
 * Throttling of sign-in and recovery (NIST SP 800-63B rev 4, OWASP ASVS 5.0):
 *  - per username (whether or not an account has it, so that throttling reveals nothing): after
 *    5 consecutive failures every further try waits, 30 s doubling up to 15 minutes; after 100
 *    consecutive failures the username is locked for a day after each further failure (a lock expires;
 *    a reset, office staff, a known device or an emailed sign-in code let the holder in meanwhile);
 *  - per device that has signed in to the username before (devices.ts): a try from such a device counts
 *    against the device instead of the username, so a stranger's failures neither slow down nor lock
 *    out the holder on their own phone or computer (OWASP's device cookies); the same waits, and after
 *    DEVICE_LOCK_AFTER failures in a row the device counts no more (its tries are the username's);
 *  - per IP address: 100 failures in 15 minutes (1,000 from the district's school networks, where a
 *    whole building shares one address), and past that one try every IP_SLOW_MS: an address is slowed,
 *    never refused, and a try from a known device of the username is not held back by its address at
 *    all (successes never count).
 * Counts are kept by the database (concurrent failures all count), and a web process runs one try
 * per username, and one per known device, at a time, so a burst of tries at once cannot all pass the
 * check before the first failure is counted (with several web processes, at most one each). A
 * username's or device's counter is "consecutive" failures: it ends with a success, or once it has
 * gone a day without a failure (housekeeping), except at the lock.
 */
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import { addFailure, addToWindow, blockThrottle, clearThrottle, findThrottle } from './repository.js';
import { normalizeUsername } from './identity.js';

export const FREE_FAILURES = 5;
export const LOCK_AFTER = 100;
export const DEVICE_LOCK_AFTER = 10;
export const MAX_DELAY_MS = 15 * 60_000;
export const LOCK_MS = 24 * 60 * 60_000;
export const IP_WINDOW_MS = 15 * 60_000;
export const IP_MAX_FAILURES = 100;
/** from a district-listed school network (district setting schoolNetworks) */
export const SCHOOL_NETWORK_MAX_FAILURES = 1_000;
/** past its limit, an address may try once this often */
export const IP_SLOW_MS = 10_000;

export type ThrottleVerdict = { kind: 'ok' } | { kind: 'wait'; retryAfterSeconds: number } | { kind: 'locked'; retryAfterSeconds: number };

/** The keys a try counts against: the username's (or, from a known device, the device's) and the address's. */
export interface ThrottleKeys {
  user: string;
  ip: string | null;
  /** the device's key when the try comes from a device that signed in to this username before */
  device?: string | null;
  /** the address is on one of the district's school networks: its limit is SCHOOL_NETWORK_MAX_FAILURES */
  schoolNetwork?: boolean;
  /**
   * the address's limit does not hold this try back (its failure still counts there): a try with an
   * emailed sign-in code, which only the holder of the username's mailbox has (sign-in-codes.ts)
   */
  pastAddressLimit?: boolean;
}

/** A verdict on a try, and the key its failure or success counts against. */
export type SignInVerdict = (ThrottleVerdict & { kind: 'wait' | 'locked' }) | { kind: 'ok'; key: string; failures: number };

export function delayAfter(failures: number): number {
  if (failures < FREE_FAILURES) return 0;
  if (failures >= LOCK_AFTER) return LOCK_MS;
  return Math.min(30_000 * 2 ** (failures - FREE_FAILURES), MAX_DELAY_MS);
}

const seconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));

export async function checkThrottle(db: Kysely<DB>, keys: ThrottleKeys, now: Date): Promise<SignInVerdict> {
  const rows = await findThrottle(db, [keys.user, ...(keys.ip ? [keys.ip] : []), ...(keys.device ? [keys.device] : [])]);
  // A known device counts on its own, until it has failed DEVICE_LOCK_AFTER times in a row.
  const device = keys.device ? rows.find((r) => r.key === keys.device) : undefined;
  const key = keys.device && (device?.failures ?? 0) < DEVICE_LOCK_AFTER ? keys.device : keys.user;
  // A known device, or a try with an emailed code, has a throttle of its own: its address's limit does
  // not hold it back.
  const counted = key === keys.device || keys.pastAddressLimit ? [key] : [key, keys.ip];
  let wait = 0;
  for (const row of rows) {
    if (!counted.includes(row.key) || !row.blocked_until) continue;
    const left = Date.parse(row.blocked_until) - now.getTime();
    if (left <= 0) continue;
    if (row.key === key && row.failures >= LOCK_AFTER) return { kind: 'locked', retryAfterSeconds: seconds(left) };
    wait = Math.max(wait, left);
  }
  if (wait > 0) return { kind: 'wait', retryAfterSeconds: seconds(wait) };
  return { kind: 'ok', key, failures: rows.find((r) => r.key === key)?.failures ?? 0 };
}

/** A failed try: one more for its key (see checkThrottle) and for its address, with the waits they make, together. */
export async function recordFailure(db: Kysely<DB>, keys: { key: string; ip: string | null; schoolNetwork?: boolean }, now: Date): Promise<void> {
  const t = now.getTime();
  await db.transaction().execute(async (trx) => {
    const failures = await addFailure(trx, keys.key, now.toISOString());
    const delay = delayAfter(failures);
    if (delay > 0) await blockThrottle(trx, keys.key, new Date(t + delay).toISOString());
    if (keys.ip) {
      const { count, windowStart } = await addToWindow(trx, keys.ip, now.toISOString(), new Date(t - IP_WINDOW_MS).toISOString());
      // Past its limit an address is slowed to one try every IP_SLOW_MS, never shut out until the window ends.
      const max = keys.schoolNetwork ? SCHOOL_NETWORK_MAX_FAILURES : IP_MAX_FAILURES;
      if (count >= max) await blockThrottle(trx, keys.ip, new Date(Math.min(t + IP_SLOW_MS, Date.parse(windowStart) + IP_WINDOW_MS)).toISOString());
    }
  });
}

export async function recordSuccess(db: Kysely<DB>, key: string): Promise<void> {
  await clearThrottle(db, key);
}

export const userThrottleKey = (username: string) => `user:${normalizeUsername(username)}`;
export const ipThrottleKey = (ip: string | null | undefined) => (ip ? `ip:${ip}` : null);

/**
 * Checks a try and runs it (`attempt`, given the verdict) under the one-at-a-time rule of the key it
 * counts against: a known device's own, or — once that device has failed DEVICE_LOCK_AFTER times in a
 * row, or without one — the username's.
 */
export async function throttledTry<T>(db: Kysely<DB>, keys: ThrottleKeys, now: Date, attempt: (verdict: SignInVerdict) => Promise<T>): Promise<T> {
  const { device } = keys;
  if (device) {
    const outcome = await oneAtATime(device, async () => {
      const verdict = await checkThrottle(db, keys, now);
      // The device counts no more: the try is the username's, and waits its turn there.
      if (verdict.kind === 'ok' && verdict.key !== device) return null;
      return { value: await attempt(verdict) };
    });
    if (outcome) return outcome.value;
  }
  const user = { ...keys, device: null };
  return oneAtATime(keys.user, async () => attempt(await checkThrottle(db, user, now)));
}

const running = new Map<string, Promise<void>>();

/**
 * Runs `attempt` once every earlier attempt of this process under the same key has ended: tries of one
 * username (or device) are checked, verified and counted one after another, never side by side.
 */
async function oneAtATime<T>(key: string, attempt: () => Promise<T>): Promise<T> {
  const before = running.get(key);
  const result = before ? before.then(attempt) : attempt();
  const done = result.then(
    () => undefined,
    () => undefined,
  );
  running.set(key, done);
  try {
    return await result;
  } finally {
    if (running.get(key) === done) running.delete(key);
  }
}

/**
 * A plain request counter for recovery forms (successes count too: each request may send an email).
 * At most `limit` requests per key in `windowMs`; requests at the same time all count.
 */
export async function allowRequest(
  db: Kysely<DB>,
  key: string,
  limits: { limit: number; windowMs: number },
  now: Date,
): Promise<ThrottleVerdict> {
  const t = now.getTime();
  const { count, windowStart } = await addToWindow(db, key, now.toISOString(), new Date(t - limits.windowMs).toISOString());
  if (count > limits.limit) return { kind: 'wait', retryAfterSeconds: seconds(Date.parse(windowStart) + limits.windowMs - t) };
  return { kind: 'ok' };
}

export async function clearThrottleKey(db: Kysely<DB>, key: string): Promise<void> {
  await clearThrottle(db, key);
}
