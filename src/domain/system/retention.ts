/**
 * Retention (ADR 0046): what the background work and the Message Center leave behind is removed once it
 * has served its time, so that the database does not grow without end and copies of what was sent to
 * families (an email's body, a message) are not kept longer than the district decided.
 *
 * - jobs that finished (done or failed) 30 days ago: the job's outcome is in the audit log or its run's
 *   record where it matters (a parent-account run, an import run);
 * - emails sent 30 days ago, and emails given up on 90 days ago: the Email status page shows the last
 *   month; an email holds links and a family's words;
 * - Web Push deliveries sent or given up on 30 days ago;
 * - in-app notifications (and their deliveries) made more than 400 days ago: a school year and a summer;
 * - payment provider events (`payment_events`, ADR 0056) received 90 days ago: an event's id is kept so that
 *   a delivery repeated by the provider (Stripe retries for 3 days, and resends from its dashboard for 30)
 *   is known; by then the checkout or refund it was about has long reached a state that another copy of
 *   the event cannot change (a paid checkout stays paid, a recorded refund is known by its id);
 * - dashboard refunds parked 90 days ago under a PaymentIntent that no checkout has named since
 *   (`checkout_refunds` with no checkout, ADR 0063): another application's on the same Stripe account;
 * - messages: a thread (a message and every reply to it) whose newest message is older than the
 *   district's `messageRetentionYears`, with its recipients and attached files. Users never delete a message; this is the
 *   only end of one (issue 21).
 * The change events and the audit log are the district's history and are not touched here.
 *
 * Each kind is removed in chunks of CHUNK rows, one short statement (or, for a thread, one short
 * transaction) each, so that SQLite's write lock is never held for long; a pass stops after MAX_CHUNKS
 * chunks of a kind and the next pass (every 10 minutes) goes on.
 */
import { sql, type Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import { MAX_ATTEMPTS } from '../../email/outbox.js';

export const CHUNK = 2_000;
const MAX_CHUNKS = 50;
const DAY = 86_400_000;

export const RETENTION_DAYS = { jobs: 30, sentEmail: 30, failedEmail: 90, push: 30, notifications: 400, paymentEvents: 90 } as const;

export interface Pruned {
  jobs: number;
  emails: number;
  pushDeliveries: number;
  notifications: number;
  paymentEvents: number;
  parkedRefunds: number;
  messages: number;
}

/** Deletes the ids `pick` finds, chunk after chunk, until none is left or the pass has done enough. */
async function inChunks(pick: (limit: number) => Promise<number[]>, remove: (ids: number[]) => Promise<void>): Promise<number> {
  let total = 0;
  for (let i = 0; i < MAX_CHUNKS; i++) {
    const ids = await pick(CHUNK);
    if (ids.length === 0) break;
    await remove(ids);
    total += ids.length;
    if (ids.length < CHUNK) break;
  }
  return total;
}

export async function pruneExpired(db: Kysely<DB>, now: Date, settings: { messageRetentionYears: number }): Promise<Pruned> {
  const before = (days: number) => new Date(now.getTime() - days * DAY).toISOString();
  const ids = (rows: { id: number }[]) => rows.map((r) => r.id);

  const jobs = await inChunks(
    async (limit) => ids(await db.selectFrom('jobs').select('id').where('status', 'in', ['done', 'failed']).where('finished_at', '<', before(RETENTION_DAYS.jobs)).orderBy('id').limit(limit).execute()),
    async (chosen) => void (await db.deleteFrom('jobs').where('id', 'in', chosen).execute()),
  );

  const emails = await inChunks(
    async (limit) =>
      ids(
        await db
          .selectFrom('email_outbox')
          .select('id')
          .where((eb) =>
            eb.or([
              eb('sent_at', '<', before(RETENTION_DAYS.sentEmail)),
              eb.and([eb('sent_at', 'is', null), eb('attempts', '>=', MAX_ATTEMPTS), eb('created_at', '<', before(RETENTION_DAYS.failedEmail))]),
            ]),
          )
          .orderBy('id')
          .limit(limit)
          .execute(),
      ),
    async (chosen) => void (await db.deleteFrom('email_outbox').where('id', 'in', chosen).execute()),
  );

  const pushDeliveries = await inChunks(
    async (limit) =>
      ids(
        await db
          .selectFrom('push_deliveries')
          .select('id')
          .where('state', 'in', ['sent', 'failed'])
          .where('created_at', '<', before(RETENTION_DAYS.push))
          .orderBy('id')
          .limit(limit)
          .execute(),
      ),
    async (chosen) => void (await db.deleteFrom('push_deliveries').where('id', 'in', chosen).execute()),
  );

  const notifications = await inChunks(
    async (limit) => ids(await db.selectFrom('notifications').select('id').where('created_at', '<', before(RETENTION_DAYS.notifications)).orderBy('id').limit(limit).execute()),
    async (chosen) =>
      db.transaction().execute(async (trx) => {
        await trx.deleteFrom('notification_deliveries').where('notification_id', 'in', chosen).execute();
        await trx.deleteFrom('notifications').where('id', 'in', chosen).execute();
      }),
  );

  const paymentEvents = await inChunks(
    async (limit) => ids(await db.selectFrom('payment_events').select('id').where('received_at', '<', before(RETENTION_DAYS.paymentEvents)).orderBy('id').limit(limit).execute()),
    async (chosen) => void (await db.deleteFrom('payment_events').where('id', 'in', chosen).execute()),
  );

  const parkedRefunds = await inChunks(
    async (limit) => ids(await db.selectFrom('checkout_refunds').select('id').where('received_at', '<', before(RETENTION_DAYS.paymentEvents)).where('checkout_id', 'is', null).orderBy('id').limit(limit).execute()),
    async (chosen) => void (await db.deleteFrom('checkout_refunds').where('id', 'in', chosen).where('checkout_id', 'is', null).execute()),
  );

  const messages = await pruneMessages(db, new Date(now.getTime() - settings.messageRetentionYears * 365.25 * DAY).toISOString());
  return { jobs, emails, pushDeliveries, notifications, paymentEvents, parkedRefunds, messages };
}

/** Threads whose newest message was made before `cutoff`: the whole thread goes, recipients and files first. */
async function pruneMessages(db: Kysely<DB>, cutoff: string): Promise<number> {
  // A thread's messages are its first one and its replies; threads are taken 200 at a time.
  const THREADS = 200;
  let total = 0;
  for (let i = 0; i < MAX_CHUNKS; i++) {
    const roots = (
      await db
        .selectFrom('messages as m')
        .select('m.id')
        .where('m.thread_root_id', 'is', null)
        .where('m.status', '=', 'sent')
        .where('m.created_at', '<', cutoff)
        .where((eb) => eb.not(eb.exists(eb.selectFrom('messages as r').select(sql<number>`1`.as('one')).whereRef('r.thread_root_id', '=', 'm.id').where('r.created_at', '>=', cutoff))))
        .orderBy('m.id')
        .limit(THREADS)
        .execute()
    ).map((r) => r.id);
    if (roots.length === 0) break;
    const replies = (await db.selectFrom('messages').select('id').where('thread_root_id', 'in', roots).execute()).map((r) => r.id);
    const all = [...roots, ...replies];
    // recipients one message at a time, each its own statement (a district-wide message: some 130,000 rows)
    for (const id of all) await db.deleteFrom('message_recipients').where('message_id', '=', id).execute();
    await db.transaction().execute(async (trx) => {
      await trx.deleteFrom('message_attachments').where('message_id', 'in', all).execute();
      if (replies.length > 0) await trx.deleteFrom('messages').where('id', 'in', replies).execute();
      await trx.deleteFrom('messages').where('id', 'in', roots).execute();
    });
    total += all.length;
    if (roots.length < THREADS) break;
  }
  return total;
}
