/**
 * The notifications' background run (every minute, jobs/registry.ts): decide what stood, deliver what is
 * due, send the digests whose hour came. And the account's own events (a password change), which are
 * always on: an entry in the person's list, besides the email the account code already sends.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../../db/connect.js';
import type { DB } from '../../db/schema.js';
import { decideChanges, type QueuePush } from './decide.js';
import { deliverDue, sendDigests } from './deliver.js';

export const NOTIFICATIONS_JOB = 'notifications.run';

export async function runNotifications(database: Database, options: { now: Date; baseUrl: string; queuePush: QueuePush | null }) {
  const decided = await decideChanges(database, { now: options.now, queuePush: options.queuePush });
  const delivered = await deliverDue(database, options);
  const digests = await sendDigests(database, options);
  return { ...decided, delivered, digests };
}

export type AccountEvent = 'passwordChanged';

/** An account event in the person's list, in the caller's transaction (the one that made the change). */
export async function notifyAccountEvent(trx: Kysely<DB>, accountId: number, event: AccountEvent, now: Date): Promise<void> {
  await trx
    .insertInto('notifications')
    .values({ account_id: accountId, key: `account:${event}:${now.toISOString()}`, kind: event, change_event_id: null, student_id: null, section_id: null, params: '{}', url: '/account', created_at: now.toISOString(), read_at: null })
    .onConflict((oc) => oc.columns(['account_id', 'key']).doNothing())
    .execute();
}
