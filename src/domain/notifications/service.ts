/**
 * The notifications' background run (every minute, jobs/registry.ts): decide what stood, tell the
 * announcements whose day came, deliver what is due, send the digests whose hour came. And the account's own events (a password change), which are
 * always on: an entry in the person's list, besides the email the account code already sends.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../../db/connect.js';
import type { DB } from '../../db/schema.js';
import { notifyAnnouncements } from './announcements.js';
import { decideChanges, type QueuePush } from './decide.js';
import { deliverDue, sendDigests } from './deliver.js';
import { notifyDirect } from './direct.js';
import { formatInstant } from '../../i18n/format.js';
import { LOCALES, type Locale } from '../../i18n/index.js';
import { getDistrictProfile } from '../district/service.js';
import { bothLanguages } from './localized.js';
import { settingsOf, zoneOf, type AccountKind } from './settings.js';

export const NOTIFICATIONS_JOB = 'notifications.run';

export async function runNotifications(database: Database, options: { now: Date; baseUrl: string; queuePush: QueuePush | null }) {
  // Emails due now are written with their notifications (the portal's address for their links).
  const decided = await decideChanges(database, { now: options.now, queuePush: options.queuePush, baseUrl: options.baseUrl });
  // Announcements whose day has come (announcements.ts): their deliveries go out in this run's step below.
  const announced = await notifyAnnouncements(database, options.now);
  const delivered = await deliverDue(database, options);
  const digests = await sendDigests(database, options);
  return { ...decided, announced, delivered, digests };
}

/**
 * An account event, always on, in the caller's transaction (the one that made the change). A password
 * change: an entry in the person's list (the account code sends its own email). A sign-in from a new
 * device: the entry, an email and a push at once (notifications/direct.ts).
 */
export async function notifyAccountEvent(trx: Kysely<DB>, accountId: number, event: AccountKind, now: Date, params: Record<string, string> = {}): Promise<void> {
  if (event === 'newDevice') {
    // Which account and when, in the person's time zone and each language: the notice is read in the list,
    // by email and on the lock screen, far from the sign-in it tells of.
    const account = await trx.selectFrom('user_accounts').select('username').where('id', '=', accountId).executeTakeFirst();
    if (!account) return;
    const district = await getDistrictProfile(trx);
    const zone = zoneOf(await settingsOf(trx, accountId, district.settings), district.timeZone);
    const when = bothLanguages('when', Object.fromEntries(LOCALES.map((l) => [l, formatInstant(now, l, zone)])) as Record<Locale, string>);
    const audience = trx.selectFrom('user_accounts').where('id', '=', accountId).select(['id as account_id', sql<number | null>`cast(null as integer)`.as('student_id')]);
    await notifyDirect(trx, audience, { kind: 'newDevice', source: now.toISOString(), params: { ...params, username: account.username, ...when }, url: '/account#sessions-heading' }, now);
    return;
  }
  await trx
    .insertInto('notifications')
    .values({ account_id: accountId, key: `account:${event}:${now.toISOString()}`, kind: event, change_event_id: null, student_id: null, section_id: null, params: '{}', url: '/account', created_at: now.toISOString(), read_at: null })
    .onConflict((oc) => oc.columns(['account_id', 'key']).doNothing())
    .execute();
}
