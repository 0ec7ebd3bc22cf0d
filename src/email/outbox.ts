/**
 * The email outbox: messages are rows written in the same transaction as the change that causes
 * them, and delivered afterwards by `deliverPending`. A crash never loses a message nor sends one
 * for a change that did not happen; a message is claimed before sending, so two processes never
 * send the same one.
 */
import { randomUUID } from 'node:crypto';
import { sql, type ExpressionBuilder, type Kysely, type Selectable, type SqlBool } from 'kysely';
import type { DB } from '../db/schema.js';
import { faultPoint } from '../jobs/faults.js';
import { roundSizes } from '../jobs/rounds.js';
import { commitWithoutWaiting, isSqlite, writesInTurn, writeUnlessBusy, type Dialect } from '../db/connect.js';
import { copyRows, paramChunks } from '../db/bulk.js';

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
  for (const chunk of paramChunks(emails, 13)) {
    await db
      .insertInto('email_outbox')
      .values(chunk.map((email) => outboxRow(email, at)))
      .execute();
  }
}

/** A message's row in the outbox, due now and never tried. */
function outboxRow(email: OutgoingEmail, at: string) {
  return {
    kind: email.kind,
    to_address: email.to,
    locale: email.locale,
    subject: email.subject,
    text_body: email.text,
    html_body: email.html,
    created_at: at,
    send_after: at,
    sent_at: null,
    attempts: 0,
    last_error: null,
    message_id: randomUUID(),
    headers: email.headers ? JSON.stringify(email.headers) : null,
  };
}

/** The Message-ID of a message: its stored left part at the sender's domain (the same at every attempt). */
export function messageIdOf(leftPart: string, from: string): string {
  const domain = /@([^>\s]+)>?\s*$/.exec(from)?.[1] ?? 'homeroom.invalid';
  return `<${leftPart}@${domain}>`;
}

export interface Transport {
  send(message: { from: string; to: string; subject: string; text: string; html: string; messageId: string; headers?: Record<string, string> }): Promise<void>;
  /** ends kept connections (an SMTP pool), so that a process that stops sending can exit */
  close?(): void;
}

/** What a message a crashed process left in the middle of an attempt is recorded with: see deliverPending. */
export const OUTCOME_UNKNOWN = 'the process stopped during this attempt, after it began: counted as sent, not sent again';

const CLAIM_MS = 5 * 60_000;

/** Messages that carry a live secret (a reset or confirmation link): their bodies are wiped once sent. */
export const SECRET_KINDS: ReadonlySet<string> = new Set(['reset_password', 'confirm_email', 'welcome']);
const REDACTED = '[removed after delivery: the message held a single-use link]';
export const MAX_ATTEMPTS = 8;
/** Messages per round by default (ADR 0055: measured with `npm run bench -- notify`). */
const MAIL_ROUND_SIZE = 8;

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
  /**
   * SMTP conversations at once (give the transport as many pooled connections). A process killed
   * mid-run leaves at most this many messages "outcome unknown" (counted as sent). 1: one at a time.
   */
  concurrency?: number;
  /**
   * Messages per round (default `MAIL_ROUND_SIZE`, at most `concurrency`). A round is claimed in one
   * statement and its accepted messages marked sent in one; `concurrency / roundSize` rounds are in
   * flight at once, so that one round's statements overlap the others' SMTP conversations instead of
   * every conversation waiting for them (ADR 0055).
   */
  roundSize?: number;
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
  const { from, now, limit = 50, keepSecrets = false, dieAfterAccepted, concurrency = 1 } = options;
  const dialect: Dialect = isSqlite(db) ? 'sqlite' : 'postgres';
  const start = now().toISOString();
  // A pass runs every few seconds in a web process: it writes only when there is something to write, and
  // on SQLite never waits for the write lock (better-sqlite3 waits synchronously: the whole process
  // would stop answering while an import holds the lock). What a busy pass skips, the next one does.
  // Only the messages in flight are in `email_outbox_in_flight`; SQLite's planner, whose statistics may
  // date from an empty outbox, preferred the pending index and read every pending row (137 ms with
  // 275,000 waiting) on every pass, so it is named.
  const inFlight = dialect === 'sqlite' ? sql`email_outbox indexed by email_outbox_in_flight` : sql`email_outbox`;
  const interrupted = (await sql<{ id: number }>`select id from ${inFlight} where sent_at is null and sending_at is not null and send_after <= ${start} limit 1`.execute(db)).rows[0];
  if (interrupted) {
    const written = await writeUnlessBusy(db, (d) =>
      d
        .updateTable('email_outbox')
        .set((eb) => ({ sent_at: eb.ref('sending_at'), sending_at: null, last_error: OUTCOME_UNKNOWN, ...wiped(eb, keepSecrets) }))
        .where('sent_at', 'is', null)
        .where('sending_at', 'is not', null)
        .where('send_after', '<=', start)
        .execute(),
    );
    if (!written) return 0;
  }
  const lanes = Math.max(1, Math.min(concurrency, limit));
  let sent = 0;
  /** messages claimed, or being claimed, by the rounds of this run */
  let handled = 0;
  /** no round claims again: the outbox had nothing due, SQLite's write lock was busy, or the test's kill came */
  let done = false;
  let died = false;
  // One round after another in each of `concurrency / roundSize` loops: each claims its messages, sends
  // them at once and marks the accepted ones, while the other loops' rounds do the same.
  const loop = async (size: number): Promise<void> => {
    while (!done && !died && handled < limit) {
      const count = Math.min(size, limit - handled);
      handled += count;
      const t = now();
      // Claim a round, marked as begun (sending_at) in the one statement that takes it — PostgreSQL skips
      // rows another process or round holds; SQLite has one writer, and a busy lock ends the pass.
      let claimed: Selectable<DB['email_outbox']>[] = [];
      const written = await writeUnlessBusy(db, async (d) => {
        claimed = await claimRound(d, dialect, t, count);
      });
      handled -= count - claimed.length;
      // Nothing due, or the write lock is held elsewhere (an import): the rest waits for the next pass.
      // (A round that got fewer than it asked for may have met another round's claim, which PostgreSQL
      // skips: only an empty one ends the run.)
      if (!written || claimed.length === 0) {
        done = true;
        return;
      }
      const accepted: Selectable<DB['email_outbox']>[] = [];
      await Promise.all(
        claimed.map(async (message) => {
          const messageId = messageIdOf(message.message_id ?? `outbox-${message.id}`, from);
          try {
            const headers = message.headers ? (JSON.parse(message.headers) as Record<string, string>) : undefined;
            await transport.send({ from, to: message.to_address, subject: message.subject, text: message.text_body, html: message.html_body, messageId, ...(headers ? { headers } : {}) });
            faultPoint('mail.after-accepted');
            if (dieAfterAccepted?.()) died = true;
            accepted.push(message);
          } catch (error) {
            const attempts = message.attempts - 1;
            const backoff = Math.min(60_000 * 2 ** attempts, 6 * 3_600_000);
            const reason = String((error as Error).message).slice(0, 500);
            await markWrite(db, dialect, (d) =>
              d
                .updateTable('email_outbox')
                .set({ last_error: reason, sending_at: null, send_after: new Date(now().getTime() + backoff).toISOString() })
                .where('id', '=', message.id)
                .execute(),
            );
            options.onFailure?.({ id: message.id, messageId, domain: message.to_address.split('@').pop() ?? '', attempt: message.attempts, error: reason, gaveUp: message.attempts >= MAX_ATTEMPTS });
          }
        }),
      );
      // The test's kill: nothing more is written by any round, as a killed process writes nothing.
      if (died) return;
      if (accepted.length > 0) {
        // The round's accepted messages marked sent at once; single-use links wiped in the same statement.
        // Committed without waiting for the disk (PostgreSQL): undone by a crash of the database server,
        // the messages are again begun and never ended, which counts them as sent — what they are.
        await markWrite(db, dialect, (d) =>
          d
            .updateTable('email_outbox')
            .set((eb) => ({ sent_at: now().toISOString(), sending_at: null, last_error: null, ...wiped(eb, keepSecrets) }))
            .where('id', 'in', accepted.map((m) => m.id))
            .where(commitWithoutWaiting(dialect))
            .execute(),
        );
        sent += accepted.length;
      }
    }
  };
  await Promise.all(roundSizes(lanes, options.roundSize ?? MAIL_ROUND_SIZE).map((size) => loop(size)));
  return sent;
}

/**
 * A delivery pass's marks (sent, or an attempt refused), which must be written once the message went
 * out. On SQLite they wait for the write lock without blocking the process (`writesInTurn`): a plain
 * write waits synchronously — better-sqlite3 — and the web process that runs the mailer stopped answering
 * pages while the notifications' decider held the lock between its turns. PostgreSQL: a plain statement.
 */
async function markWrite(db: Kysely<DB>, dialect: Dialect, write: (db: Kysely<DB>) => Promise<unknown>): Promise<void> {
  if (dialect === 'sqlite') await writesInTurn(db).write((trx) => write(trx));
  else await write(db);
}

/** A sent message's bodies: those of a message that held a single-use link wiped, unless kept (the demo mailbox). */
function wiped(eb: ExpressionBuilder<DB, 'email_outbox'>, keepSecrets: boolean) {
  if (keepSecrets) return { text_body: eb.ref('text_body'), html_body: eb.ref('html_body') };
  const secret = sql.join([...SECRET_KINDS]);
  return {
    text_body: sql<string>`case when kind in (${secret}) then ${REDACTED} else text_body end`,
    html_body: sql<string>`case when kind in (${secret}) then ${REDACTED} else html_body end`,
  };
}

/**
 * Takes up to `count` due messages for an attempt that begins now: attempts counted, `sending_at` set,
 * `send_after` moved past the claim, in one statement; returns them whole.
 */
async function claimRound(db: Kysely<DB>, dialect: Dialect, t: Date, count: number): Promise<Selectable<DB['email_outbox']>[]> {
  const at = t.toISOString();
  const lock = dialect === 'postgres' ? sql`for update skip locked` : sql``;
  // In the order of the pending index (sent_at, send_after; the id breaks ties, as the row id is in it):
  // the round's few rows are the index's first, where `order by id` made both engines read and sort every
  // pending row for each round — 10 ms a round with 200,000 emails waiting, 34 emails a second (ADR 0035).
  // PostgreSQL: the ids taken once into an array (a plain `in (subquery)` may be run again by the plan,
  // each run skipping other locked rows, and claim more than `count`), and checked again against what
  // another process may have done since. SQLite: the statement holds the only write lock, and the ids
  // alone — with the subquery's conditions repeated outside, the planner walked every pending row and
  // tested each against the list: 24 ms a round with 275,000 waiting, 3 ms of CPU an email.
  const due = sql`select id from email_outbox where sent_at is null and attempts < ${MAX_ATTEMPTS} and send_after <= ${at} order by send_after, id limit ${count} ${lock}`;
  const result = await sql<Selectable<DB['email_outbox']>>`
    update email_outbox
       set send_after = ${new Date(t.getTime() + CLAIM_MS).toISOString()}, attempts = attempts + 1, sending_at = ${at}
     where ${dialect === 'postgres' ? sql`id = any(array(${due})) and sent_at is null and send_after <= ${at}` : sql`id in (${due})`}
    returning *`.execute(db);
  return [...result.rows].sort((a, b) => a.id - b.id);
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

/**
 * Many messages at once, as fast as the engine takes them (the notifications run's emails, ADR 0054):
 * on PostgreSQL one `COPY … FROM STDIN` on the caller's connection (inside its transaction), with no
 * statement to build, send and plan; on SQLite the multi-row inserts of `enqueueEmails`.
 */
export async function enqueueEmailsInBulk(db: Kysely<DB>, dialect: Dialect, emails: readonly OutgoingEmail[], now: Date): Promise<void> {
  if (emails.length === 0) return;
  if (dialect === 'sqlite') return enqueueEmails(db, emails, now);
  written += emails.length;
  const at = now.toISOString();
  const rows = emails.map((email) => outboxRow(email, at));
  await copyRows(db, 'email_outbox', Object.keys(rows[0]!), rows, 0, rows.length);
}
