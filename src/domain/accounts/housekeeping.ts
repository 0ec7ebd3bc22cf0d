/**
 * Removes what has served its time: ended sessions, throttle counters nobody has touched for a day
 * and no longer waiting (a username's or device's `window_start` is its latest failure; an address's,
 * its window's start; a username past the lock keeps its count for LOCKED_COUNT_DAYS;
 * a known device that stopped counting is kept for as long as its token lasts),
 * and used or expired tokens and activation keys older than 30 days (kept that long for support
 * questions; the audit log keeps the history). Account requests typed by the public are kept a year
 * after they were closed, then deleted with their history (the audit log keeps that they existed).
 */
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import { KNOWN_DEVICE_DAYS } from './devices.js';
import { DEVICE_LOCK_AFTER, LOCK_AFTER } from './throttle.js';

export async function accountHousekeeping(db: Kysely<DB>, now: Date): Promise<void> {
  const iso = (ms: number) => new Date(now.getTime() - ms).toISOString();
  await db.deleteFrom('sessions').where('expires_at', '<=', now.toISOString()).execute();
  await db
    .deleteFrom('throttle')
    .where('window_start', '<', iso(86_400_000))
    .where((eb) => eb.or([eb('blocked_until', 'is', null), eb('blocked_until', '<', now.toISOString())]))
    // past the lock, a username's count stays (each further failure locks it for another day, NIST's
    // "consecutive" failures) until a month without one
    .where((eb) => eb.or([eb('failures', '<', LOCK_AFTER), eb('window_start', '<', iso(LOCKED_COUNT_DAYS * 86_400_000))]))
    // a known device that has stopped counting stays stopped for as long as its token could be used
    .where((eb) => eb.or([eb('key', 'not like', 'device:%'), eb('failures', '<', DEVICE_LOCK_AFTER)]))
    .execute();
  await db.deleteFrom('throttle').where('key', 'like', 'device:%').where('window_start', '<', iso(KNOWN_DEVICE_DAYS * 86_400_000)).execute();
  await db.deleteFrom('account_tokens').where('expires_at', '<', iso(30 * 86_400_000)).execute();
  await db.deleteFrom('activation_keys').where('expires_at', '<', iso(30 * 86_400_000)).where('used_at', 'is', null).execute();
  await db.deleteFrom('account_requests').where('status', '=', 'closed').where('closed_at', '<', iso(REQUEST_RETENTION_DAYS * 86_400_000)).execute();
}

export const REQUEST_RETENTION_DAYS = 365;
/** how long a username's count past the lock is kept after its latest failure */
export const LOCKED_COUNT_DAYS = 30;
