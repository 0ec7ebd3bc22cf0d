/**
 * Delivering notifications that wait (quiet hours, a digest), and emails the decider left pending (run
 * without the portal's address): the person's right to see the student is checked again — a link removed
 * since the change sends nothing — and the email is written to the outbox (or the push queued) in the
 * same short transaction that marks the delivery sent, on the condition that it is still pending: once,
 * whatever crashes, however many workers. Emails carry RFC 8058 unsubscribe headers (email.ts).
 */
import { sql, type Kysely } from 'kysely';
import { writesInTurn, type Database } from '../../db/connect.js';
import type { DB } from '../../db/schema.js';
import { enqueueEmail, enqueueEmails, type OutgoingEmail } from '../../email/outbox.js';
import { paramChunks } from '../../db/bulk.js';
import { composeEmail } from '../../email/templates.js';
import { isLocale, translate, type Locale } from '../../i18n/index.js';
import { accountLocale, confirmedEmail } from '../accounts/mail.js';
import { getDistrictProfile, type DistrictProfile } from '../district/service.js';
import { notificationText, recipientsOf, type QueuePush } from './decide.js';
import { digestSlot } from './quiet.js';
import type { PushToQueue } from './push.js';
import { notificationEmails, unsubscribeFor } from './email.js';
import { channelsOf, childSettings, defaultSettings, isNotifyKind, settingsOf, settingsOfMany, zoneOf, type PersonSettings } from './settings.js';
import { unsubscribeSigner } from './unsubscribe.js';

export interface DeliverOptions {
  now: Date;
  baseUrl: string;
  queuePush: QueuePush | null;
  limit?: number;
}

interface Due {
  delivery_id: number;
  channel: string;
  notification_id: number;
  account_id: number;
  kind: string;
  student_id: number | null;
  params: string;
  url: string;
}

/** Which of these (account, student) pairs may still be told: the decider's rule, asked again now. */
async function stillAllowed(trx: Kysely<DB>, rows: readonly { account_id: number; student_id: number | null }[], district: DistrictProfile, now: Date): Promise<Set<string>> {
  const students = [...new Set(rows.map((r) => r.student_id).filter((s): s is number => s !== null))];
  const allowed = new Set((await recipientsOf(trx, students, district, now)).map((r) => `${r.accountId}:${r.studentId}`));
  return allowed;
}

type Address = { to: string; locale: Locale };

/** The confirmed address and language of each active account among these (absent: none to write to). */
async function addressesOf(trx: Kysely<DB>, accountIds: readonly number[], district: DistrictProfile): Promise<Map<number, Address>> {
  const out = new Map<number, Address>();
  for (const ids of paramChunks([...new Set(accountIds)], 1)) {
    const accounts = await trx
      .selectFrom('user_accounts as ua')
      .leftJoin('guardians as g', 'g.id', 'ua.guardian_id')
      .select(['ua.id', 'ua.status', 'ua.locale', 'g.preferred_language as guardian_language', 'ua.security_email', 'ua.security_email_confirmed_at'])
      .where('ua.id', 'in', ids)
      .execute();
    for (const account of accounts) {
      const to = account.status === 'active' ? confirmedEmail(account) : null;
      if (to) out.set(account.id, { to, locale: accountLocale(account, district) });
    }
  }
  return out;
}

async function emailOf(trx: Kysely<DB>, accountId: number, district: DistrictProfile): Promise<Address | null> {
  return (await addressesOf(trx, [accountId], district)).get(accountId) ?? null;
}

/**
 * Sends the deliveries due now; returns how many were sent (withdrawn ones are not counted). Set-based
 * per batch of `limit`: the due deliveries, and the rights, addresses and settings of their people, are
 * read and their emails composed outside any write transaction; then, a few hundred at a time, each
 * short write transaction (ADR 0054) marks those still pending — `status = 'pending'` in the update's
 * condition — and writes the emails and pushes of the ones it marked, and only those: a delivery that
 * another worker marked since is neither sent nor counted twice, and a process that dies between two
 * writes leaves the rest pending for the next run.
 */
export async function deliverDue(database: Database, options: DeliverOptions): Promise<number> {
  const { now } = options;
  const db = database.db;
  const limit = options.limit ?? 500;
  // Others' writes (a page's, the outbox's) take their turn between two of these.
  const turns = writesInTurn(db);
  let sent = 0;
  for (;;) {
    const due = (
      await sql<Due>`
        select d.id as delivery_id, d.channel, n.id as notification_id, n.account_id, n.kind, n.student_id, n.params, n.url
          from notification_deliveries d join notifications n on n.id = d.notification_id
         where d.status = 'pending' and d.due_at <= ${database.dialect === 'postgres' ? sql`cast(${now.toISOString()} as timestamptz)` : now.toISOString()}
         order by d.id
         limit ${limit}`.execute(db)
    ).rows;
    if (due.length === 0) return sent;
    const district = await getDistrictProfile(db);
    const allowed = await stillAllowed(db, due, district, now);
    const addresses = await addressesOf(db, due.map((d) => d.account_id), district);
    const emailed = due.filter((d) => d.channel === 'email' && d.student_id !== null && isNotifyKind(d.kind));
    const settings = await settingsOfMany(db, [...new Set(emailed.map((d) => d.account_id))], district.settings);
    const compose = notificationEmails(district, options.baseUrl, await unsubscribeSigner(db, now));
    const fallback: Locale = isLocale(district.locale) ? district.locale : 'en';
    const outcomeOf = (d: Due) => {
      const ok = d.student_id === null || allowed.has(`${d.account_id}:${d.student_id}`);
      if (ok && d.channel === 'email') {
        const email = emailFor(d, addresses.get(d.account_id) ?? null, settings.get(d.account_id) ?? defaultSettings(district.settings), district, compose);
        return { d, email, push: null };
      }
      if (ok && d.channel === 'push' && options.queuePush) {
        const locale = addresses.get(d.account_id)?.locale ?? fallback;
        const text = notificationText(locale, d.kind, JSON.parse(d.params) as Record<string, string | number>);
        const push: PushToQueue = { accountId: d.account_id, message: { ...text, url: d.url, tag: `notification-${d.notification_id}` }, key: `notification-${d.notification_id}` };
        return { d, email: null, push };
      }
      return { d, email: null, push: null };
    };
    for (const part of paramChunks(due, 1, DELIVERIES_PER_WRITE)) {
      // Composed before the write: the lock is held only for the statements.
      const chunk = part.map(outcomeOf);
      sent += await turns.write(async (trx) => {
        const mark = async (status: 'sent' | 'withdrawn', ids: number[]) => {
          const marked = new Set<number>();
          for (const some of paramChunks(ids, 1)) {
            const rows = await trx.updateTable('notification_deliveries').set({ status, done_at: now.toISOString() }).where('id', 'in', some).where('status', '=', 'pending').returning('id').execute();
            for (const r of rows) marked.add(r.id);
          }
          return marked;
        };
        const going = chunk.filter((o) => o.email || o.push);
        const marked = await mark('sent', going.map((o) => o.d.delivery_id));
        await mark('withdrawn', chunk.filter((o) => !o.email && !o.push).map((o) => o.d.delivery_id));
        const ours = going.filter((o) => marked.has(o.d.delivery_id));
        await enqueueEmails(trx, ours.flatMap((o) => (o.email ? [o.email] : [])), now);
        const pushes = ours.flatMap((o) => (o.push ? [o.push] : []));
        if (pushes.length > 0) await options.queuePush!.many(trx, pushes, now);
        return marked.size;
      });
    }
    if (due.length < limit) return sent;
  }
}

/** Deliveries marked, and their emails written, per write transaction (ADR 0054). */
const DELIVERIES_PER_WRITE = 250;

/** A delivery's email, or null when none goes: no confirmed address, or email turned off for this kind since. */
function emailFor(d: Due, address: Address | null, settings: PersonSettings, district: DistrictProfile, compose: ReturnType<typeof notificationEmails>): OutgoingEmail | null {
  if (!address) return null;
  if (d.student_id !== null && isNotifyKind(d.kind) && !channelsOf(childSettings(settings, d.student_id, district.settings), d.kind, district.settings).email) return null;
  const params = JSON.parse(d.params) as Record<string, string | number>;
  return compose({ accountId: d.account_id, to: address.to, locale: address.locale, kind: d.kind, url: d.url, text: notificationText(address.locale, d.kind, params) });
}

/**
 * Digests: for each person with items waiting for their digest, once their digest's hour has come,
 * one email with every item written before that hour, grouped by child and class. A digest is written
 * once per person and slot (unique), in the transaction that marks its items sent.
 */
export async function sendDigests(database: Database, options: { now: Date; baseUrl: string }): Promise<number> {
  const { now } = options;
  const db = database.db;
  const district = await getDistrictProfile(db);
  const accounts = await db.selectFrom('notification_deliveries').select('account_id').distinct().where('status', '=', 'digest').execute();
  let sent = 0;
  for (const { account_id: accountId } of accounts) {
    const wrote = await db.transaction().execute(async (trx) => {
      const settings = await settingsOf(trx, accountId, district.settings);
      const slot = digestSlot(now, settings.digest, zoneOf(settings, district.timeZone));
      if (!slot) {
        // The digest was turned off since: what waited for it goes by itself now.
        await trx.updateTable('notification_deliveries').set({ status: 'pending', due_at: now.toISOString() }).where('account_id', '=', accountId).where('status', '=', 'digest').execute();
        return false;
      }
      const items = await trx
        .selectFrom('notification_deliveries as d')
        .innerJoin('notifications as n', 'n.id', 'd.notification_id')
        .select(['d.id', 'n.kind', 'n.student_id', 'n.section_id', 'n.params', 'n.account_id'])
        .where('d.account_id', '=', accountId)
        .where('d.status', '=', 'digest')
        .where('n.created_at', '<=', slot.at.toISOString())
        .orderBy('n.student_id')
        .orderBy('n.section_id')
        .orderBy('n.id')
        .execute();
      if (items.length === 0) return false;
      const digest = await trx
        .insertInto('notification_digests')
        .values({ account_id: accountId, slot: slot.name, items: items.length, sent_at: now.toISOString() })
        .onConflict((oc) => oc.columns(['account_id', 'slot']).doNothing())
        .returning('id')
        .executeTakeFirst();
      if (!digest) return false;
      const allowed = await stillAllowed(trx, items, district, now);
      const shown = items.filter((i) => i.student_id === null || allowed.has(`${accountId}:${i.student_id}`));
      const address = await emailOf(trx, accountId, district);
      if (address && shown.length > 0) {
        const unsub = unsubscribeFor(await unsubscribeSigner(trx, now), accountId, 'all', options.baseUrl);
        await enqueueEmail(trx, { ...digestEmail(address.to, address.locale, district, shown, options.baseUrl, unsub.url), headers: unsub.headers }, now);
      }
      const shownIds = new Set(shown.map((i) => i.id));
      for (const i of items) {
        await trx
          .updateTable('notification_deliveries')
          .set({ status: address && shownIds.has(i.id) ? 'sent' : 'withdrawn', done_at: now.toISOString(), digest_id: digest.id })
          .where('id', '=', i.id)
          .execute();
      }
      return Boolean(address && shown.length > 0);
    });
    if (wrote) sent++;
  }
  return sent;
}

function digestEmail(to: string, locale: Locale, district: DistrictProfile, items: { kind: string; params: string }[], baseUrl: string, unsubscribeUrl: string) {
  // Grouped by child, then class: the items come ordered so; a heading line starts each group.
  const paragraphs: { key: 'email.notification.digestGroup' | 'email.notification.body'; params: Record<string, string> }[] = [];
  let group = '';
  for (const item of items) {
    const params = JSON.parse(item.params) as Record<string, string | number>;
    const heading = [params.student, params.class].filter(Boolean).join(' · ');
    if (heading !== group) {
      group = heading;
      paragraphs.push({ key: 'email.notification.digestGroup', params: { group: heading } });
    }
    paragraphs.push({ key: 'email.notification.body', params: { body: `• ${notificationText(locale, item.kind, params).body}` } });
  }
  return composeEmail({
    kind: 'notification_digest',
    to,
    locale,
    district,
    subject: 'email.notification.digestSubject',
    subjectParams: { count: items.length, title: translate(locale, 'notifications.title') },
    paragraphs,
    link: { url: `${baseUrl}/notifications`, label: 'email.notification.openList' },
    unsubscribe: unsubscribeUrl,
  });
}
