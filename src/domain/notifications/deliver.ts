/**
 * Delivering notifications that wait (quiet hours, a digest) and every email: deliveries due now are
 * claimed (`FOR UPDATE SKIP LOCKED` on PostgreSQL, so several workers share them; SQLite has one
 * writer), the person's right to see the student is checked again — a link removed since the change
 * sends nothing — and the email is written to the outbox (or the push queued) in the same transaction
 * that marks the delivery sent: once, whatever crashes. Emails carry RFC 8058 unsubscribe headers.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../../db/connect.js';
import type { DB } from '../../db/schema.js';
import { enqueueEmail } from '../../email/outbox.js';
import { composeEmail } from '../../email/templates.js';
import { isLocale, translate, type Locale } from '../../i18n/index.js';
import { accountLocale, confirmedEmail } from '../accounts/mail.js';
import { getDistrictProfile, type DistrictProfile } from '../district/service.js';
import { notificationText, recipientsOf, type QueuePush } from './decide.js';
import { digestSlot } from './quiet.js';
import { channelsOf, childSettings, isDirectKind, isNotifyKind, settingsOf, zoneOf } from './settings.js';
import { unsubscribeToken } from './unsubscribe.js';

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

async function emailOf(trx: Kysely<DB>, accountId: number, district: DistrictProfile) {
  const account = await trx
    .selectFrom('user_accounts as ua')
    .leftJoin('guardians as g', 'g.id', 'ua.guardian_id')
    .select(['ua.id', 'ua.status', 'ua.locale', 'g.preferred_language as guardian_language', 'ua.security_email', 'ua.security_email_confirmed_at'])
    .where('ua.id', '=', accountId)
    .executeTakeFirst();
  if (!account || account.status !== 'active') return null;
  const to = confirmedEmail(account);
  return to ? { to, locale: accountLocale(account, district) } : null;
}

/** The RFC 8058 headers and the link's address, for one person and kind. */
async function unsubscribeFor(trx: Kysely<DB>, accountId: number, kind: string, baseUrl: string, now: Date) {
  const token = await unsubscribeToken(trx, { accountId, kind: isNotifyKind(kind) || isDirectKind(kind) ? kind : 'all' }, now);
  const url = `${baseUrl}/unsubscribe/${token}`;
  return { url, headers: { 'List-Unsubscribe': `<${url}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' } };
}

/** Sends the deliveries due now; returns how many were sent (withdrawn ones are not counted). */
export async function deliverDue(database: Database, options: DeliverOptions): Promise<number> {
  const { now } = options;
  const limit = options.limit ?? 500;
  let sent = 0;
  for (;;) {
    const step = await database.db.transaction().execute(async (trx) => {
      const lock = database.dialect === 'postgres' ? sql`for update of d skip locked` : sql``;
      const due = (
        await sql<Due>`
          select d.id as delivery_id, d.channel, n.id as notification_id, n.account_id, n.kind, n.student_id, n.params, n.url
            from notification_deliveries d join notifications n on n.id = d.notification_id
           where d.status = 'pending' and d.due_at <= ${database.dialect === 'postgres' ? sql`cast(${now.toISOString()} as timestamptz)` : now.toISOString()}
           order by d.id
           limit ${limit}
           ${lock}`.execute(trx)
      ).rows;
      if (due.length === 0) return { count: 0, sent: 0 };
      const district = await getDistrictProfile(trx);
      const allowed = await stillAllowed(trx, due, district, now);
      let done = 0;
      for (const d of due) {
        const ok = d.student_id === null || allowed.has(`${d.account_id}:${d.student_id}`);
        let delivered = false;
        if (ok && d.channel === 'email') delivered = await sendEmail(trx, d, district, options);
        else if (ok && d.channel === 'push' && options.queuePush) {
          const locale = (await emailOf(trx, d.account_id, district))?.locale ?? (isLocale(district.locale) ? district.locale : 'en');
          const text = notificationText(locale, d.kind, JSON.parse(d.params) as Record<string, string | number>);
          await options.queuePush(trx, d.account_id, { ...text, url: d.url, tag: `notification-${d.notification_id}` }, `notification-${d.notification_id}`, now);
          delivered = true;
        }
        await trx.updateTable('notification_deliveries').set({ status: delivered ? 'sent' : 'withdrawn', done_at: now.toISOString() }).where('id', '=', d.delivery_id).execute();
        if (delivered) done++;
      }
      return { count: due.length, sent: done };
    });
    sent += step.sent;
    if (step.count < limit) return sent;
  }
}

async function sendEmail(trx: Kysely<DB>, d: Due, district: DistrictProfile, options: DeliverOptions): Promise<boolean> {
  const { now } = options;
  const address = await emailOf(trx, d.account_id, district);
  if (!address) return false;
  // Settings changed since (email turned off for this kind): nothing goes.
  if (d.student_id !== null && isNotifyKind(d.kind)) {
    const settings = await settingsOf(trx, d.account_id, district.settings);
    if (!channelsOf(childSettings(settings, d.student_id, district.settings), d.kind, district.settings).email) return false;
  }
  const params = JSON.parse(d.params) as Record<string, string | number>;
  const text = notificationText(address.locale, d.kind, params);
  const unsub = await unsubscribeFor(trx, d.account_id, d.kind, options.baseUrl, now);
  const email = composeEmail({
    kind: 'notification',
    to: address.to,
    locale: address.locale,
    district,
    subject: 'email.notification.subject',
    subjectParams: { title: text.title },
    paragraphs: [{ key: 'email.notification.body', params: { body: text.body } }, { key: 'email.notification.unsubscribe', params: { url: unsub.url } }],
    link: { url: `${options.baseUrl}${d.url}`, label: 'email.notification.open' },
  });
  await enqueueEmail(trx, { ...email, headers: unsub.headers }, now);
  return true;
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
        const unsub = await unsubscribeFor(trx, accountId, 'all', options.baseUrl, now);
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
  const paragraphs: { key: 'email.notification.digestGroup' | 'email.notification.body' | 'email.notification.unsubscribe'; params: Record<string, string> }[] = [];
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
  paragraphs.push({ key: 'email.notification.unsubscribe', params: { url: unsubscribeUrl } });
  return composeEmail({
    kind: 'notification_digest',
    to,
    locale,
    district,
    subject: 'email.notification.digestSubject',
    subjectParams: { count: items.length, title: translate(locale, 'notifications.title') },
    paragraphs,
    link: { url: `${baseUrl}/notifications`, label: 'email.notification.openList' },
  });
}
