/**
 * The email outbox: messages are rows written in the same transaction as the change that causes
 * them, and delivered afterwards by `deliverPending`. A crash never loses a message nor sends one
 * for a change that did not happen; a message is claimed before sending, so two processes never
 * send the same one.
 */
import { randomUUID } from 'node:crypto';
import { sql, type Kysely, type SqlBool } from 'kysely';
import type { DB } from '../db/schema.js';
import { faultPoint } from '../jobs/faults.js';
import { writeUnlessBusy } from '../db/connect.js';
import { paramChunks } from '../db/bulk.js';

export interface OutgoingEmail {
  kind: string;
  to: string;
  locale: string;
  subject: string;
  text: string;
  html: string;
  /** extra headers (List-Unsubscribe and List-Unsubscribe-Post of a notification, RFC 8058) */
  headers?: Record<string, string>;
}

/** Counts messages written by this process, so that a delivery run is only started when there may be some. */
let written = 0;
export const writtenCount = (): number => written;

export async function enqueueEmail(db: Kysely<DB>, email: OutgoingEmail, now: Date): Promise<void> {
  await enqueueEmails(db, [email], now);
}

/** Many messages at once, with multi-row inserts (a batch of notifications' emails). */
export async function enqueueEmails(db: Kysely<DB>, emails: readonly OutgoingEmail[], now: Date): Promise<void> {
  written += emails.length;
  const at = now.toISOString();
  for (const chunk of paramChunks(emails, 12)) {
    await db
      .insertInto('email_outbox')
      .values(
        chunk.map((email) => ({
          kind: email.kind,
          to_address: email.to,
          locale: email.locale,
          subject: email.subject,
          text_body: email.text,
          html_body: email.html,
          created_at: at,
          send_after: at,
          sent_at: null,
          last_error: null,
          message_id: randomUUID(),
          headers: email.headers ? JSON.stringify(email.headers) : null,
        })),
      )
      .execute();
  }
}

/** The Message-ID of a message: its stored left part at the sender's domain (the same at every attempt). */
export function messageIdOf(leftPart: string, from: string): string {
  const domain = /@([^>\s]+)>?\s*$/.exec(from)?.[1] ?? 'homeroom.invalid';
  return `<${leftPart}@${domain}>`;
}

export interface Transport {
  send(message: { from: string; to: string; subject: string; text: string; html: string; messageId: string; headers?: Record<string, string> }): Promise<void>;
}

/** What a message a crashed process left in the middle of an attempt is recorded with: see deliverPending. */
export const OUTCOME_UNKNOWN = 'the process stopped during this attempt, after it began: counted as sent, not sent again';

const CLAIM_MS = 5 * 60_000;

/** Messages that carry a live secret (a reset or confirmation link): their bodies are wiped once sent. */
export const SECRET_KINDS: ReadonlySet<string> = new Set(['reset_password', 'confirm_email', 'welcome']);
const REDACTED = '[removed after delivery: the message held a single-use link]';
export const MAX_ATTEMPTS = 8;

/**
 * Sends what is due; returns how many were sent. Failures are retried with back-off, 8 times at most.
 *
 * No second copy after a crash (ADR 0008): an attempt is marked `sending_at` before the SMTP
 * conversation starts and unmarked when it ends (sent, or refused with the reason). A message whose
 * attempt began but never ended — the process died between the server's acceptance and the "sent" row,
 * or during the conversation — is counted as sent once its claim has run out, not sent again: SMTP cannot
 * be exactly-once, and a second welcome or reset email is worse than the rare lost one (which the holder
 * asks for again). Every attempt carries the message's stable Message-ID as well, so that receiving
 * systems can drop a duplicate.
 */
export interface DeliveryOptions {
  from: string;
  now: () => Date;
  /** messages per run */
  limit?: number;
  /** the demo mailbox shows sent messages whole; elsewhere single-use links do not stay in the database */
  keepSecrets?: boolean;
  /** told of every failed attempt (for the log): never the address, only its domain */
  onFailure?: (failure: DeliveryFailure) => void;
  /** a test's fault-injection seam: true stops here after the server accepted a message, as a kill would */
  dieAfterAccepted?: () => boolean;
}

export interface DeliveryFailure {
  id: number;
  messageId: string;
  /** the recipient's domain (the address itself stays out of logs) */
  domain: string;
  attempt: number;
  error: string;
  /** that was the last attempt: the message will not be tried again unless an administrator asks */
  gaveUp: boolean;
}

export async function deliverPending(db: Kysely<DB>, transport: Transport, options: DeliveryOptions): Promise<number> {
  const { from, now, limit = 50, keepSecrets = false, dieAfterAccepted } = options;
  const start = now().toISOString();
  // A pass runs every few seconds in a web process: it writes only when there is something to write, and
  // on SQLite never waits for the write lock (better-sqlite3 waits synchronously: the whole process
  // would stop answering while an import holds the lock). What a busy pass skips, the next one does.
  const interrupted = await db
    .selectFrom('email_outbox')
    .select('id')
    .where('sent_at', 'is', null)
    .where('sending_at', 'is not', null)
    .where('send_after', '<=', start)
    .limit(1)
    .executeTakeFirst();
  if (interrupted) {
    const written = await writeUnlessBusy(db, (d) =>
      d
        .updateTable('email_outbox')
        .set((eb) => ({ sent_at: eb.ref('sending_at'), sending_at: null, last_error: OUTCOME_UNKNOWN }))
        .where('sent_at', 'is', null)
        .where('sending_at', 'is not', null)
        .where('send_after', '<=', start)
        .execute(),
    );
    if (!written) return 0;
  }
  const due = await db
    .selectFrom('email_outbox')
    .select(['id', 'attempts'])
    .where('sent_at', 'is', null)
    .where('attempts', '<', MAX_ATTEMPTS)
    .where('send_after', '<=', now().toISOString())
    .orderBy('id')
    .limit(limit)
    .execute();
  let sent = 0;
  for (const { id, attempts } of due) {
    const t = now();
    // Claim: only one process moves send_after forward for this attempt.
    let claimed = 0;
    const written = await writeUnlessBusy(db, async (d) => {
      const claim = await d
        .updateTable('email_outbox')
        .set({ send_after: new Date(t.getTime() + CLAIM_MS).toISOString(), attempts: attempts + 1, sending_at: t.toISOString() })
        .where('id', '=', id)
        .where('attempts', '=', attempts)
        .where('sent_at', 'is', null)
        .executeTakeFirst();
      claimed = Number(claim.numUpdatedRows);
    });
    // The write lock is held elsewhere (an import): the rest waits for the next pass.
    if (!written) break;
    if (claimed !== 1) continue;
    const message = await db.selectFrom('email_outbox').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    try {
      const messageId = messageIdOf(message.message_id ?? `outbox-${message.id}`, from);
      const headers = message.headers ? (JSON.parse(message.headers) as Record<string, string>) : undefined;
      await transport.send({ from, to: message.to_address, subject: message.subject, text: message.text_body, html: message.html_body, messageId, ...(headers ? { headers } : {}) });
      faultPoint('mail.after-accepted');
      if (dieAfterAccepted?.()) return sent;
      const wipe = !keepSecrets && SECRET_KINDS.has(message.kind);
      await db
        .updateTable('email_outbox')
        .set({ sent_at: now().toISOString(), sending_at: null, last_error: null, ...(wipe ? { text_body: REDACTED, html_body: REDACTED } : {}) })
        .where('id', '=', id)
        .execute();
      sent++;
    } catch (error) {
      const backoff = Math.min(60_000 * 2 ** attempts, 6 * 3_600_000);
      const reason = String((error as Error).message).slice(0, 500);
      await db
        .updateTable('email_outbox')
        .set({ last_error: reason, sending_at: null, send_after: new Date(now().getTime() + backoff).toISOString() })
        .where('id', '=', id)
        .execute();
      options.onFailure?.({
        id,
        messageId: messageIdOf(message.message_id ?? `outbox-${message.id}`, from),
        domain: message.to_address.split('@').pop() ?? '',
        attempt: attempts + 1,
        error: reason,
        gaveUp: attempts + 1 >= MAX_ATTEMPTS,
      });
    }
  }
  return sent;
}

export const MAILBOX_PAGE_SIZE = 20;

/** The demo mailbox's query: a recipient to look for (any part of the address, any case) and a page. */
export function mailboxFilters(query: Record<string, unknown>): { to: string; page: number } {
  const text = (v: unknown) => (typeof v === 'string' ? v.normalize('NFKC').trim().slice(0, 200) : '');
  const page = text(query.page);
  return { to: text(query.to), page: /^\d{1,6}$/.test(page) && Number(page) >= 1 ? Number(page) : 1 };
}

/** The messages of the demo mailbox, newest first, a page at a time, those to a matching address only when one is asked for. */
export async function mailboxPage(db: Kysely<DB>, filters: { to: string; page: number }) {
  let query = db.selectFrom('email_outbox');
  if (filters.to !== '') {
    const like = `%${filters.to.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    query = query.where(sql<SqlBool>`lower(to_address) like ${like} escape '\\'`);
  }
  const { total } = await query.select((eb) => eb.fn.countAll<number | string>().as('total')).executeTakeFirstOrThrow();
  const pages = Math.max(1, Math.ceil(Number(total) / MAILBOX_PAGE_SIZE));
  const page = Math.min(filters.page, pages);
  const rows = await query
    .selectAll()
    .orderBy('id', 'desc')
    .limit(MAILBOX_PAGE_SIZE)
    .offset((page - 1) * MAILBOX_PAGE_SIZE)
    .execute();
  return { rows, total: Number(total), page, pages };
}
