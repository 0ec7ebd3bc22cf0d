/**
 * Web Push (issue 22, ADR 0036): the devices a person turned notifications on for, the pushes queued
 * for them, and their delivery through `web-push` (VAPID, RFC 8030/8291/8292).
 *
 * What to push and to whom (settings, guardian rights, quiet hours) is decided by the notifications
 * service, which calls `queuePush` in its own transaction. Here a queued push is sent once: a delivery
 * is claimed (`FOR UPDATE SKIP LOCKED` on PostgreSQL, so several workers never take the same one) and
 * marked `sending` until a deadline before the request goes out. A delivery whose attempt began and
 * never ended (its process died) is counted as sent when its deadline passes, never sent again — as the
 * email outbox does (ADR 0008): a push service gives no way to ask whether it took a message, and a
 * second copy is the worse failure. At most the requests in flight (`concurrency`) are in doubt.
 */
import type { Agent } from 'node:https';
import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import { sql, type Kysely } from 'kysely';
import webpush from 'web-push';
import { z } from 'zod';
import { commitWithoutWaiting, type Dialect } from '../../db/connect.js';
import type { DB } from '../../db/schema.js';
import type { MessageKey } from '../../i18n/index.js';
import { enqueue } from '../../jobs/queue.js';
import { faultPoint } from '../../jobs/faults.js';
import { roundSizes } from '../../jobs/rounds.js';
import { hasForbiddenCharacters } from '../forms.js';
import { appSecret } from '../system/secrets.js';
import { getDistrictProfile, type DistrictProfile } from '../district/service.js';
import { recipientsOf } from './decide.js';
import { paramChunks } from '../../db/bulk.js';

export interface PushMessage {
  title: string;
  body: string;
  url: string;
  tag: string;
}

/** The job that sends queued pushes (jobs/registry.ts). */
export const PUSH_JOB = 'push.deliver';

/** Deliveries per round by default (ADR 0055: measured with `npm run bench -- notify`). */
const PUSH_ROUND_SIZE = 10;
/** Attempts before a delivery is given up. */
export const MAX_PUSH_ATTEMPTS = 6;
/** How long an attempt holds its delivery: longer than the request's own timeout. */
const SENDING_MS = 2 * 60_000;
const REQUEST_TIMEOUT_MS = 30_000;
/** How long a push service keeps a message for a device that is off (seconds). */
const TTL_SECONDS = 24 * 3600;

/**
 * The VAPID authorization for a push service (RFC 8292): a JWT for its origin, signed with the
 * installation's key, valid 12 hours (web-push's own default) and reused until an hour before it ends.
 * web-push signs a new one for every request when given `vapidDetails`: an ECDSA signature that was 38 %
 * of the sender's CPU (scripts/bench notify's profile). A push service accepts the same JWT on many
 * requests; the spec lets a sender reuse it until it expires.
 */
const VAPID_SECONDS = 12 * 3600;
const vapidCache = new Map<string, { header: string; until: number }>();
function vapidAuthorization(audience: string, subject: string, keys: { publicKey: string; privateKey: string }): string {
  const key = `${audience} ${subject} ${keys.publicKey}`;
  const now = Date.now();
  const cached = vapidCache.get(key);
  if (cached && now < cached.until) return cached.header;
  const expires = Math.floor(now / 1000) + VAPID_SECONDS;
  const header = webpush.getVapidHeaders(audience, subject, keys.publicKey, keys.privateKey, 'aes128gcm', expires).Authorization;
  if (vapidCache.size > 1000) vapidCache.clear();
  vapidCache.set(key, { header, until: (expires - 3600) * 1000 });
  return header;
}
/** A Retry-After longer than this is not waited for. */
const MAX_RETRY_AFTER_MS = 24 * 3_600_000;
export const OUTCOME_UNKNOWN = 'the process stopped during this attempt, after it began: counted as sent, not sent again';

/** Back-off after a refused attempt: 1 min, 2, 4 … at most 6 hours. */
export function pushBackoffMs(attempts: number): number {
  return Math.min(60_000 * 2 ** Math.max(0, attempts - 1), 6 * 3_600_000);
}

/**
 * In the caller's transaction: one delivery per subscription of the account, exactly once per key
 * (a repeat queues nothing). Returns how many deliveries were queued. A job to send them is queued in
 * the same transaction, so they go out as soon as it commits. `queuePush.many` does the same for many
 * pushes at once (the decider's batches): one read of the accounts' devices, multi-row inserts.
 */
async function queueOne(trx: Kysely<DB>, accountId: number, message: PushMessage, key: string, now: Date): Promise<number> {
  const payload = JSON.stringify({ title: message.title, body: message.body, url: message.url, tag: message.tag });
  const at = now.toISOString();
  const result = await trx
    .insertInto('push_deliveries')
    .columns(['subscription_id', 'key', 'payload', 'next_attempt_at', 'created_at'])
    .expression((eb) =>
      eb
        .selectFrom('push_subscriptions')
        .select((s) => ['push_subscriptions.id', s.val(key).as('key'), s.val(payload).as('payload'), s.val(at).as('next_attempt_at'), s.val(at).as('created_at')])
        .where('push_subscriptions.account_id', '=', accountId),
    )
    .onConflict((oc) => oc.columns(['subscription_id', 'key']).doNothing())
    .executeTakeFirst();
  const queued = Number(result.numInsertedOrUpdatedRows ?? 0);
  if (queued > 0) await enqueue(trx, { kind: PUSH_JOB, uniqueKey: `${PUSH_JOB}@${at}` }, now);
  return queued;
}

/** One push to queue: for every device of the account, once per key. */
export interface PushToQueue {
  accountId: number;
  message: PushMessage;
  key: string;
}

async function queueMany(trx: Kysely<DB>, pushes: readonly PushToQueue[], now: Date): Promise<number> {
  if (pushes.length === 0) return 0;
  const at = now.toISOString();
  const devices = new Map<number, number[]>();
  for (const ids of paramChunks([...new Set(pushes.map((p) => p.accountId))], 1)) {
    const rows = await trx.selectFrom('push_subscriptions').select(['id', 'account_id']).where('account_id', 'in', ids).orderBy('id').execute();
    for (const r of rows) (devices.get(r.account_id) ?? devices.set(r.account_id, []).get(r.account_id)!).push(r.id);
  }
  const rows = pushes.flatMap((p) => {
    const payload = JSON.stringify({ title: p.message.title, body: p.message.body, url: p.message.url, tag: p.message.tag });
    return (devices.get(p.accountId) ?? []).map((subscriptionId) => ({ subscription_id: subscriptionId, key: p.key, payload, next_attempt_at: at, created_at: at }));
  });
  let queued = 0;
  for (const chunk of paramChunks(rows, 5)) {
    const result = await trx
      .insertInto('push_deliveries')
      .values(chunk)
      .onConflict((oc) => oc.columns(['subscription_id', 'key']).doNothing())
      .executeTakeFirst();
    queued += Number(result.numInsertedOrUpdatedRows ?? 0);
  }
  if (queued > 0) await enqueue(trx, { kind: PUSH_JOB, uniqueKey: `${PUSH_JOB}@${at}` }, now);
  return queued;
}

export const queuePush = Object.assign(queueOne, { many: queueMany });

// ── VAPID keys ──

export interface VapidKeys {
  publicKey: string;
  privateKey: string;
}

/** The installation's VAPID key pair: made once, kept with the app's other secrets, shared by every process. */
export async function vapidKeys(db: Kysely<DB>, now: Date): Promise<VapidKeys> {
  const value = await appSecret(db, 'vapid', now, () => JSON.stringify(webpush.generateVAPIDKeys()));
  return JSON.parse(value) as VapidKeys;
}

/** The VAPID subject: the district's help address, else the address Homeroom's email comes from. */
export function vapidSubject(helpEmail: string | null, mailFrom: string): string {
  const address = helpEmail ?? /<([^>]+)>/.exec(mailFrom)?.[1] ?? mailFrom;
  return `mailto:${address.trim()}`;
}

// ── Subscriptions (devices) ──

const base64url = (bytes: number) =>
  z
    .string({ error: 'push.error.keys' satisfies MessageKey })
    .max(200, 'push.error.keys' satisfies MessageKey)
    .refine((v) => /^[A-Za-z0-9_-]+={0,2}$/.test(v) && Buffer.from(v, 'base64url').length === bytes, 'push.error.keys' satisfies MessageKey);

export const MAX_ENDPOINT_LENGTH = 1024;
export const MAX_DEVICE_NAME = 60;

/** Whether a push service address is one Homeroom will send to; `production` refuses local and private hosts. */
export function endpointProblem(endpoint: string, production: boolean): MessageKey | null {
  if (endpoint.length > MAX_ENDPOINT_LENGTH) return 'push.error.endpoint';
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return 'push.error.endpoint';
  }
  if (url.protocol !== 'https:' || url.username || url.password || url.hash) return 'push.error.endpoint';
  if (production) {
    const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
    if (host === 'localhost' || host.endsWith('.localhost') || host.endsWith('.local') || !host.includes('.') && isIP(host) === 0) return 'push.error.endpoint';
    if (isIP(host) !== 0) return 'push.error.endpoint';
  }
  return null;
}

export function subscriptionInput(production: boolean) {
  return z.object({
    endpoint: z
      .string({ error: 'push.error.endpoint' satisfies MessageKey })
      .refine((v) => endpointProblem(v, production) === null, 'push.error.endpoint' satisfies MessageKey),
    keys: z.object({ p256dh: base64url(65), auth: base64url(16) }, { error: 'push.error.keys' satisfies MessageKey }),
    deviceName: z
      .string({ error: 'form.required' satisfies MessageKey })
      .transform((v) => v.normalize('NFKC').trim())
      .pipe(
        z
          .string()
          .min(1, 'form.required' satisfies MessageKey)
          .max(MAX_DEVICE_NAME, 'form.tooLong' satisfies MessageKey)
          .refine((v) => !hasForbiddenCharacters(v), 'form.badCharacters' satisfies MessageKey),
      ),
  });
}
export type SubscriptionInput = z.output<ReturnType<typeof subscriptionInput>>;

export type SubscribeResult = { kind: 'saved'; id: number } | { kind: 'taken' };

/**
 * Saves this device for the account (again: its keys and name are updated). An endpoint another account
 * holds is refused ('taken'): nobody can have a device's pushes sent to them by naming its address.
 * The browser that really holds it can always make a new one (the page's script unsubscribes and
 * subscribes again, which ends the old address at the push service).
 */
export async function subscribe(db: Kysely<DB>, accountId: number, input: SubscriptionInput, userAgent: string | null, now: Date): Promise<SubscribeResult> {
  return db.transaction().execute(async (trx) => {
    await trx
      .insertInto('push_subscriptions')
      .values({
        account_id: accountId,
        endpoint: input.endpoint,
        p256dh: input.keys.p256dh,
        auth: input.keys.auth,
        device_name: input.deviceName,
        user_agent: userAgent ? userAgent.slice(0, 300) : null,
        created_at: now.toISOString(),
        last_success_at: null,
      })
      .onConflict((oc) => oc.column('endpoint').doNothing())
      .execute();
    const row = await trx.selectFrom('push_subscriptions').select(['id', 'account_id']).where('endpoint', '=', input.endpoint).executeTakeFirstOrThrow();
    if (row.account_id !== accountId) return { kind: 'taken' };
    await trx
      .updateTable('push_subscriptions')
      .set({ p256dh: input.keys.p256dh, auth: input.keys.auth, device_name: input.deviceName })
      .where('id', '=', row.id)
      .execute();
    return { kind: 'saved', id: row.id };
  });
}

/** Removes the account's subscription with this endpoint (the browser turned push off); false when it has none. */
export async function unsubscribe(db: Kysely<DB>, accountId: number, endpoint: string): Promise<boolean> {
  const result = await db.deleteFrom('push_subscriptions').where('account_id', '=', accountId).where('endpoint', '=', endpoint).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

export interface PushDevice {
  id: number;
  name: string;
  userAgent: string | null;
  createdAt: string;
  lastSuccessAt: string | null;
}

export async function devicesOf(db: Kysely<DB>, accountId: number): Promise<PushDevice[]> {
  const rows = await db
    .selectFrom('push_subscriptions')
    .select(['id', 'device_name', 'user_agent', 'created_at', 'last_success_at'])
    .where('account_id', '=', accountId)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  return rows.map((r) => ({ id: r.id, name: r.device_name, userAgent: r.user_agent, createdAt: String(r.created_at), lastSuccessAt: r.last_success_at === null ? null : String(r.last_success_at) }));
}

/** Removes one of the account's devices; false when the account has no device with that id. */
export async function removeDevice(db: Kysely<DB>, accountId: number, id: number): Promise<boolean> {
  const result = await db.deleteFrom('push_subscriptions').where('account_id', '=', accountId).where('id', '=', id).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

// ── Delivery ──

export interface PushSendOptions {
  vapid: VapidKeys;
  subject: string;
  /** the TLS agent for push services (tests trust their own service's certificate) */
  agent?: Agent;
}

export interface PushDeliveryOptions {
  now: () => Date;
  /** at most this many deliveries per run */
  limit?: number;
  /** requests in flight at once; a process killed mid-run leaves at most this many in doubt */
  concurrency?: number;
  /**
   * Deliveries per round (default `PUSH_ROUND_SIZE`, at most `concurrency`). A round is claimed in one
   * statement, its devices and rights read once, its accepted ones marked together; `concurrency /
   * roundSize` rounds are in flight at once, one's statements beside the others' requests (ADR 0055).
   */
  roundSize?: number;
  /** a test's fault-injection seam: true stops here after the push service accepted, as a kill would */
  dieAfterAccepted?: () => boolean;
}

export interface PushRunResult {
  sent: number;
  retried: number;
  failed: number;
  removed: number;
  /** the earliest time a delivery waiting for a retry is due (null: none waits) */
  nextDue: Date | null;
}

interface Claimed {
  id: number;
  subscription_id: number;
  /** what the push is of: `notification-<id>` for the notifications' pushes */
  key: string;
  payload: string;
  attempts: number;
}

/** Claims up to `count` due deliveries for an attempt that begins now (state `sending` until the hold ends). */
async function claimRound(db: Kysely<DB>, dialect: Dialect, now: Date, count: number): Promise<Claimed[]> {
  const t = now.toISOString();
  const until = new Date(now.getTime() + SENDING_MS).toISOString();
  const lock = dialect === 'postgres' ? sql`for update skip locked` : sql``;
  // PostgreSQL: the ids taken once into an array (a plain `in (subquery)` may be run again by the plan,
  // each run skipping other locked rows, and claim more than `count`), checked again against what another
  // process did since. SQLite holds the only write lock: the ids alone, or its planner walks every queued
  // row testing each against the list (as the email outbox's claim did, src/email/outbox.ts).
  const due = sql`select id from push_deliveries where state = 'queued' and next_attempt_at <= ${t} order by next_attempt_at, id limit ${count} ${lock}`;
  const result = await sql<Claimed>`
    update push_deliveries
       set state = 'sending', attempts = attempts + 1, sending_until = ${until}
     where ${dialect === 'postgres' ? sql`state = 'queued' and id = any(array(${due}))` : sql`id in (${due})`}
    returning id, subscription_id, key, payload, attempts`.execute(db);
  return [...result.rows].sort((x, y) => x.id - y.id);
}

/** How long a push service asked to wait (Retry-After: seconds or an HTTP date), in ms; null when it did not say. */
export function retryAfterMs(value: string | string[] | undefined, now: Date): number | null {
  const text = Array.isArray(value) ? value[0] : value;
  if (!text) return null;
  if (/^\d+$/.test(text.trim())) return Math.min(Number(text.trim()) * 1000, MAX_RETRY_AFTER_MS);
  const at = Date.parse(text);
  if (Number.isNaN(at)) return null;
  return Math.min(Math.max(0, at - now.getTime()), MAX_RETRY_AFTER_MS);
}

/**
 * Which of these deliveries' keys may still go: a notification's push only to someone who may still see
 * its student now (other pushes: yes). One look for the whole round.
 */
async function stillAllowed(db: Kysely<DB>, claimed: readonly Claimed[], now: Date, districtOf: () => Promise<DistrictProfile>): Promise<Set<number>> {
  const about = new Map<number, number>();
  for (const c of claimed) {
    const match = /^notification-(\d+)$/.exec(c.key);
    if (match) about.set(c.id, Number(match[1]));
  }
  const ok = new Set(claimed.filter((c) => !about.has(c.id)).map((c) => c.id));
  if (about.size === 0) return ok;
  const notifications = await db.selectFrom('notifications').select(['id', 'account_id', 'student_id']).where('id', 'in', [...new Set(about.values())]).execute();
  const byId = new Map(notifications.map((n) => [n.id, n]));
  const students = [...new Set(notifications.map((n) => n.student_id).filter((s): s is number => s !== null))];
  const district = students.length > 0 ? await districtOf() : null;
  const may = new Set(district ? (await recipientsOf(db, students, district, now)).map((r) => `${r.accountId}:${r.studentId}`) : []);
  for (const [deliveryId, notificationId] of about) {
    const n = byId.get(notificationId);
    if (n && (n.student_id === null || may.has(`${n.account_id}:${n.student_id}`))) ok.add(deliveryId);
  }
  return ok;
}

/** A Topic header (RFC 8030 §5.4: at most 32 base64url characters): a newer push with the same tag replaces one not yet delivered. */
function topicOf(tag: string): string {
  return createHash('sha256').update(tag).digest('base64url').slice(0, 32);
}

/**
 * Sends what is due, a few deliveries at once (`concurrency`); returns what happened. Safe to run in several processes
 * at once. A delivery of an account that is no longer active is not sent (it fails, with the reason).
 */
export async function deliverDuePushes(db: Kysely<DB>, dialect: Dialect, send: PushSendOptions, options: PushDeliveryOptions): Promise<PushRunResult> {
  const { now, limit = 500, concurrency = 50, dieAfterAccepted } = options;
  const lanes = Math.max(1, Math.min(concurrency, limit));
  const out: PushRunResult = { sent: 0, retried: 0, failed: 0, removed: 0, nextDue: null };
  // Attempts whose process died after they began: counted as sent (see the top of this file).
  await db
    .updateTable('push_deliveries')
    .set((eb) => ({ state: 'sent', sent_at: eb.ref('sending_until'), sending_until: null, last_error: OUTCOME_UNKNOWN }))
    .where('state', '=', 'sending')
    .where('sending_until', '<', now().toISOString())
    .execute();
  /** The test's kill came: no round writes anything more, as a killed process writes nothing. */
  let died = false;
  /** Where a delivery goes, and whether its account is still active. */
  type Target = { endpoint: string; p256dh: string; auth: string; status: string };
  /**
   * One claimed delivery: sent (added to its round's `sentIds`, marked with the round), retried later,
   * failed, or its subscription removed.
   */
  const sendOne = async (claimed: Claimed, target: Target | undefined, allowed: boolean, sentIds: Claimed[]): Promise<void> => {
    if (!target || target.status !== 'active') {
      await db
        .updateTable('push_deliveries')
        .set({ state: 'failed', sending_until: null, last_error: 'the account is no longer active: not sent' })
        .where('id', '=', claimed.id)
        .execute();
      out.failed++;
      return;
    }
    // A notification about a student goes only to someone who may still see that student now (a link
    // removed after the decision, before a retry: nothing is sent).
    if (!allowed) {
      await db
        .updateTable('push_deliveries')
        .set({ state: 'failed', sending_until: null, last_error: 'no longer allowed to see the student: not sent' })
        .where('id', '=', claimed.id)
        .execute();
      out.failed++;
      return;
    }
    const message = JSON.parse(claimed.payload) as PushMessage;
    try {
      await webpush.sendNotification({ endpoint: target.endpoint, keys: { p256dh: target.p256dh, auth: target.auth } }, claimed.payload, {
        headers: { Authorization: vapidAuthorization(new URL(target.endpoint).origin, send.subject, send.vapid) },
        TTL: TTL_SECONDS,
        topic: topicOf(message.tag),
        urgency: 'normal',
        contentEncoding: 'aes128gcm',
        timeout: REQUEST_TIMEOUT_MS,
        ...(send.agent ? { agent: send.agent } : {}),
      });
      faultPoint('push.after-accepted');
      if (dieAfterAccepted?.()) {
        died = true;
        return;
      }
      // Marked sent with the rest of its round (below).
      sentIds.push(claimed);
    } catch (error) {
      const status = error instanceof webpush.WebPushError ? error.statusCode : null;
      const reason = (status ? `${status} ${String((error as webpush.WebPushError).body ?? '').slice(0, 200)}` : String((error as Error).message)).slice(0, 500);
      if (status === 404 || status === 410) {
        // The device's subscription ended (RFC 8030 §7.3): it and its queued pushes go.
        await db.deleteFrom('push_subscriptions').where('id', '=', claimed.subscription_id).execute();
        out.removed++;
        return;
      }
      const transient = status === null || status === 429 || status >= 500;
      if (!transient || claimed.attempts >= MAX_PUSH_ATTEMPTS) {
        await db.updateTable('push_deliveries').set({ state: 'failed', sending_until: null, last_error: reason }).where('id', '=', claimed.id).execute();
        out.failed++;
        return;
      }
      const asked = error instanceof webpush.WebPushError ? retryAfterMs(error.headers?.['retry-after'], now()) : null;
      const wait = Math.max(pushBackoffMs(claimed.attempts), asked ?? 0);
      const next = new Date(now().getTime() + wait);
      await db
        .updateTable('push_deliveries')
        .set({ state: 'queued', sending_until: null, next_attempt_at: next.toISOString(), last_error: reason })
        .where('id', '=', claimed.id)
        .execute();
      out.retried++;
    }
  };
  // Rounds of a few requests at once: a round's deliveries are claimed in one statement, their devices
  // and the people's rights read at once, and the accepted ones marked sent together. A push service
  // answers in tens of milliseconds, which one request at a time would spend waiting; and with several
  // rounds in flight (`concurrency / roundSize`), one round's statements run while others' requests do.
  // The district (its end of access at 18, its zone) is read once per run.
  let district: DistrictProfile | null = null;
  const districtOf = async () => (district ??= await getDistrictProfile(db));
  let taken = 0;
  let done = false;
  const loop = async (size: number): Promise<void> => {
    while (!done && !died && taken < limit) {
      const count = Math.min(size, limit - taken);
      taken += count;
      const round = await claimRound(db, dialect, now(), count);
      taken -= count - round.length;
      if (round.length === 0) {
        done = true;
        return;
      }
      const targets = new Map(
        (
          await db
            .selectFrom('push_subscriptions')
            .innerJoin('user_accounts', 'user_accounts.id', 'push_subscriptions.account_id')
            .select(['push_subscriptions.id', 'push_subscriptions.endpoint', 'push_subscriptions.p256dh', 'push_subscriptions.auth', 'user_accounts.status'])
            .where('push_subscriptions.id', 'in', [...new Set(round.map((c) => c.subscription_id))])
            .execute()
        ).map((t) => [t.id, t]),
      );
      const allowed = await stillAllowed(db, round, now(), districtOf);
      const sentIds: Claimed[] = [];
      await Promise.all(round.map((c) => sendOne(c, targets.get(c.subscription_id), allowed.has(c.id), sentIds)));
      // The test's kill: nothing more is written by any round, as a killed process writes nothing.
      if (died) return;
      if (sentIds.length > 0) {
        // Marked sent first (what exactly-once rests on), then the devices' last success: two statements
        // rather than a transaction of four round trips; a process that stops between them leaves a
        // device's "last success" older than it is, nothing else. Both committed without waiting for the
        // disk (PostgreSQL): undone by a crash of the database server, a delivery is again one begun and
        // never ended, counted as sent when its hold ends — what it is.
        const at = now().toISOString();
        await db.updateTable('push_deliveries').set({ state: 'sent', sent_at: at, sending_until: null, last_error: null }).where('id', 'in', sentIds.map((c) => c.id)).where(commitWithoutWaiting(dialect)).execute();
        await db.updateTable('push_subscriptions').set({ last_success_at: at }).where('id', 'in', [...new Set(sentIds.map((c) => c.subscription_id))]).where(commitWithoutWaiting(dialect)).execute();
        out.sent += sentIds.length;
      }
    }
  };
  await Promise.all(roundSizes(lanes, options.roundSize ?? PUSH_ROUND_SIZE).map((size) => loop(size)));
  if (died) return out;
  const waiting = await db
    .selectFrom('push_deliveries')
    .select((eb) => eb.fn.min('next_attempt_at').as('next'))
    .where('state', '=', 'queued')
    .executeTakeFirst();
  out.nextDue = waiting?.next ? new Date(String(waiting.next)) : null;
  return out;
}
