/**
 * The notifications' background run (every minute, jobs/registry.ts): decide what stood, deliver what is
 * due, send the digests whose hour came. And the account's own events (a password change), which are
 * always on: an entry in the person's list, besides the email the account code already sends.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../../db/connect.js';
import type { DB } from '../../db/schema.js';
import { decideChanges, type QueuePush } from './decide.js';
import { deliverDue, sendDigests } from './deliver.js';
import { notifyDirect } from './direct.js';
import type { AccountKind } from './settings.js';

export const NOTIFICATIONS_JOB = 'notifications.run';

export async function runNotifications(database: Database, options: { now: Date; baseUrl: string; queuePush: QueuePush | null }) {
  const decided = await decideChanges(database, { now: options.now, queuePush: options.queuePush });
  const delivered = await deliverDue(database, options);
  const digests = await sendDigests(database, options);
  return { ...decided, delivered, digests };
}

/**
 * An account event, always on, in the caller's transaction (the one that made the change). A password
 * change: an entry in the person's list (the account code sends its own email). A sign-in from a new
 * device: the entry, an email and a push at once (notifications/direct.ts).
 */
export async function notifyAccountEvent(trx: Kysely<DB>, accountId: number, event: AccountKind, now: Date, params: Record<string, string> = {}): Promise<void> {
  if (event === 'newDevice') {
    const audience = trx.selectFrom('user_accounts').where('id', '=', accountId).select(['id as account_id', sql<number | null>`cast(null as integer)`.as('student_id')]);
    await notifyDirect(trx, audience, { kind: 'newDevice', source: now.toISOString(), params, url: '/account' }, now);
    return;
  }
  await trx
    .insertInto('notifications')
    .values({ account_id: accountId, key: `account:${event}:${now.toISOString()}`, kind: event, change_event_id: null, student_id: null, section_id: null, params: '{}', url: '/account', created_at: now.toISOString(), read_at: null })
    .onConflict((oc) => oc.columns(['account_id', 'key']).doNothing())
    .execute();
}
