/**
 * Email delivery as district administrators see it: how many messages wait, are failing, were given up
 * or went out lately, the ones that need a look (with their last error), and "retry now". The counts
 * also feed `/metrics`.
 */
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import { MAX_ATTEMPTS } from '../../email/outbox.js';
import { audit } from '../audit/service.js';

export interface MailCounts {
  /** written, not yet tried (or being tried) */
  queued: number;
  /** tried and refused or failed, to be tried again */
  failing: number;
  /** failed at every attempt: not tried again unless someone asks */
  gaveUp: number;
  /** sent in the last day */
  sentToday: number;
}

export interface MailProblem {
  id: number;
  createdAt: string;
  to: string;
  subject: string;
  attempts: number;
  lastError: string | null;
  gaveUp: boolean;
}

export async function mailCounts(db: Kysely<DB>, now: Date): Promise<MailCounts> {
  const dayAgo = new Date(now.getTime() - 86_400_000).toISOString();
  const row = await db
    .selectFrom('email_outbox')
    .select((eb) => [
      eb.fn.sum<number>(eb.case().when(eb.and([eb('sent_at', 'is', null), eb('last_error', 'is', null), eb('attempts', '<', MAX_ATTEMPTS)])).then(1).else(0).end()).as('queued'),
      eb.fn.sum<number>(eb.case().when(eb.and([eb('sent_at', 'is', null), eb('last_error', 'is not', null), eb('attempts', '<', MAX_ATTEMPTS)])).then(1).else(0).end()).as('failing'),
      eb.fn.sum<number>(eb.case().when(eb.and([eb('sent_at', 'is', null), eb('attempts', '>=', MAX_ATTEMPTS)])).then(1).else(0).end()).as('gave_up'),
      eb.fn.sum<number>(eb.case().when(eb('sent_at', '>', dayAgo)).then(1).else(0).end()).as('sent_today'),
    ])
    .where((eb) => eb.or([eb('sent_at', 'is', null), eb('sent_at', '>', dayAgo)]))
    .executeTakeFirst();
  return { queued: Number(row?.queued ?? 0), failing: Number(row?.failing ?? 0), gaveUp: Number(row?.gave_up ?? 0), sentToday: Number(row?.sent_today ?? 0) };
}

/** The unsent messages that have failed at least once, given-up ones first, newest first: at most 50. */
export async function mailProblems(db: Kysely<DB>): Promise<MailProblem[]> {
  const rows = await db
    .selectFrom('email_outbox')
    .select(['id', 'created_at', 'to_address', 'subject', 'attempts', 'last_error'])
    .where('sent_at', 'is', null)
    .where('last_error', 'is not', null)
    .orderBy('attempts', 'desc')
    .orderBy('id', 'desc')
    .limit(50)
    .execute();
  return rows.map((r) => ({
    id: r.id,
    createdAt: r.created_at,
    to: r.to_address,
    subject: r.subject,
    attempts: r.attempts,
    lastError: r.last_error,
    gaveUp: r.attempts >= MAX_ATTEMPTS,
  }));
}

/**
 * "Retry now": an unsent message that failed is tried at the next delivery run (a given-up one gets one
 * more attempt). False when there is no such message (sent meanwhile, or not a failed one).
 */
export async function retryMessage(db: Kysely<DB>, input: { id: number; actorAccountId: number; ip: string | null }, now: Date): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const result = await trx
      .updateTable('email_outbox')
      .set((eb) => ({
        send_after: now.toISOString(),
        attempts: eb.case().when('attempts', '>=', MAX_ATTEMPTS).then(MAX_ATTEMPTS - 1).else(eb.ref('attempts')).end(),
      }))
      .where('id', '=', input.id)
      .where('sent_at', 'is', null)
      .where('last_error', 'is not', null)
      .where('sending_at', 'is', null)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) !== 1) return false;
    await audit(trx, { action: 'email.retry_asked', actorAccountId: input.actorAccountId, subjectType: 'email', subjectId: input.id, ip: input.ip }, now);
    return true;
  });
}
