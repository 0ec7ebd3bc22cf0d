/**
 * Removes what has served its time: ended sessions, throttle counters nobody has touched for a day
 * (a username's or device's `window_start` is its latest failure; an address's, its window's start),
 * and used or expired tokens and activation keys older than 30 days (kept that long for support
 * questions; the audit log keeps the history). Account requests typed by the public are kept a year
 * after they were closed, then deleted with their history (the audit log keeps that they existed).
 */
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';

export async function accountHousekeeping(db: Kysely<DB>, now: Date): Promise<void> {
  const iso = (ms: number) => new Date(now.getTime() - ms).toISOString();
  await db.deleteFrom('sessions').where('expires_at', '<=', now.toISOString()).execute();
  await db
    .deleteFrom('throttle')
    .where('window_start', '<', iso(86_400_000))
    .where((eb) => eb.or([eb('blocked_until', 'is', null), eb('blocked_until', '<', now.toISOString())]))
    // a locked username stays locked until its password is reset
    .where('failures', '<', 100)
    .execute();
  await db.deleteFrom('account_tokens').where('expires_at', '<', iso(30 * 86_400_000)).execute();
  await db.deleteFrom('activation_keys').where('expires_at', '<', iso(30 * 86_400_000)).where('used_at', 'is', null).execute();
  await db.deleteFrom('account_requests').where('status', '=', 'closed').where('closed_at', '<', iso(REQUEST_RETENTION_DAYS * 86_400_000)).execute();
}

export const REQUEST_RETENTION_DAYS = 365;
