/**
 * One-click unsubscribe (RFC 8058): every notification email carries a link that needs no sign-in. Its
 * token is signed (HMAC-SHA256 under the application's own secret) and names one person, one kind (or
 * every kind), when it was written and when it stops working; nothing is stored, so a token cannot be
 * guessed or changed to name another person. Using it turns email off for that kind, for every child;
 * push and the in-app list stay as they were. A link the person's later choice superseded (email turned
 * back on after it was written) does nothing (ADR 0062).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import { audit } from '../audit/service.js';
import { getDistrictProfile } from '../district/service.js';
import { appSecret } from '../system/secrets.js';
import { channelsOf, isNotifyKind, NOTIFY_KINDS, defaultChild, isDirectKind, ownChannelsOf, DIRECT_KINDS, storedSettingsOf, writeSettings, type DirectKind, type NotifyKind, type PersonSettings } from './settings.js';

/** A link works this long after its email was written. */
export const UNSUBSCRIBE_DAYS = 90;
const SECRET = 'notification-unsubscribe';

export interface UnsubscribeScope {
  accountId: number;
  kind: NotifyKind | DirectKind | 'all';
}

const sign = (secret: string, body: string) => createHmac('sha256', secret).update(`unsubscribe:${body}`).digest('base64url');

export async function unsubscribeToken(db: Kysely<DB>, scope: UnsubscribeScope, now: Date): Promise<string> {
  return (await unsubscribeSigner(db, now))(scope);
}

export type UnsubscribeSigner = (scope: UnsubscribeScope) => string;

/** Tokens written now, for many people at once: the secret read once (a batch of emails). */
export async function unsubscribeSigner(db: Kysely<DB>, now: Date): Promise<UnsubscribeSigner> {
  const secret = await appSecret(db, SECRET, now);
  const issued = now.getTime();
  const expires = Math.floor(issued / 1000) + UNSUBSCRIBE_DAYS * 86_400;
  return (scope) => {
    const body = `${scope.accountId}.${scope.kind}.${issued}.${expires}`;
    return `${body}.${sign(secret, body)}`;
  };
}

/** A good link: what it allows, and when it was written (a later choice of the person's supersedes it). */
export interface UnsubscribeLink extends UnsubscribeScope {
  issuedAt: Date;
}

/**
 * What a token allows, if it is one of ours and still works; null otherwise (forged, changed, expired).
 * A token names when it was written (milliseconds) before when it stops working (seconds); one written
 * before the issue time was in it (account.kind.expires.mac, still in people's mailboxes) was written
 * UNSUBSCRIBE_DAYS before it expires.
 */
export async function readUnsubscribeToken(db: Kysely<DB>, token: unknown, now: Date): Promise<UnsubscribeLink | null> {
  if (typeof token !== 'string' || token.length > 200) return null;
  const match = /^(\d{1,12})\.([A-Za-z]{1,20})(?:\.(\d{1,15}))?\.(\d{1,12})\.([A-Za-z0-9_-]{43})$/.exec(token);
  if (!match) return null;
  const [, account, kind, issued, expires, mac] = match as unknown as [string, string, string, string | undefined, string, string];
  const body = issued === undefined ? `${account}.${kind}.${expires}` : `${account}.${kind}.${issued}.${expires}`;
  const expected = Buffer.from(sign(await appSecret(db, SECRET, now), body));
  const given = Buffer.from(mac);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null;
  if (Number(expires) * 1000 <= now.getTime()) return null;
  if (kind !== 'all' && !isNotifyKind(kind) && !isDirectKind(kind)) return null;
  const issuedAt = new Date(issued === undefined ? (Number(expires) - UNSUBSCRIBE_DAYS * 86_400) * 1000 : Number(issued));
  return { accountId: Number(account), kind: kind as UnsubscribeScope['kind'], issuedAt };
}

/**
 * Whether the person chose otherwise after the link was written: they turned email back on, for a kind
 * the link turns off, after it was written. Such a link no longer acts (a replayed or late click must
 * not undo the person's later choice).
 */
export function superseded(settings: PersonSettings, link: UnsubscribeLink): boolean {
  const kinds = link.kind === 'all' ? [...NOTIFY_KINDS, ...DIRECT_KINDS] : [link.kind];
  return kinds.some((k) => {
    const at = settings.emailOnAt?.[k];
    return at !== undefined && Date.parse(at) > link.issuedAt.getTime();
  });
}

/**
 * Turns email off as the link says: 'done'; 'superseded' when the person turned it back on after the
 * link was written (nothing changes); 'gone' when its account is gone. In one transaction, written over
 * the settings as read (a save from the settings page between the two is read again, never lost).
 */
export async function unsubscribe(db: Kysely<DB>, link: UnsubscribeLink, ip: string | null, now: Date): Promise<'done' | 'superseded' | 'gone'> {
  return db.transaction().execute(async (trx) => {
    const account = await trx.selectFrom('user_accounts').select(['id', 'student_id', 'guardian_id']).where('id', '=', link.accountId).executeTakeFirst();
    if (!account) return 'gone';
    const district = await getDistrictProfile(trx);
    // Every child the person has settings for, and the children the portal shows them now.
    const linked = account.student_id
      ? [account.student_id]
      : (await trx.selectFrom('student_guardians').select('student_id').where('guardian_id', '=', account.guardian_id ?? -1).execute()).map((r) => r.student_id);
    for (let attempt = 0; ; attempt++) {
      const stored = await storedSettingsOf(trx, link.accountId, district.settings);
      if (superseded(stored.settings, link)) return 'superseded';
      const settings = structuredClone(stored.settings);
      const ids = new Set([...Object.keys(settings.children).map(Number), ...linked]);
      // The person's own kinds (a new message): once, whatever the child.
      for (const k of link.kind === 'all' ? DIRECT_KINDS : isDirectKind(link.kind) ? [link.kind] : []) settings.own[k] = { ...ownChannelsOf(settings, k, district.settings), email: false };
      for (const id of link.kind === 'all' || isNotifyKind(link.kind) ? ids : []) {
        const child = settings.children[String(id)] ?? defaultChild(district.settings);
        const kinds = link.kind === 'all' ? NOTIFY_KINDS : [link.kind as NotifyKind];
        for (const k of kinds) child.kinds[k] = { ...channelsOf(child, k, district.settings), email: false };
        settings.children[String(id)] = child;
      }
      if (await writeSettings(trx, link.accountId, stored, settings, district.settings, now)) break;
      // Another write came first (PostgreSQL): read it and decide again.
      if (attempt >= 4) throw new Error('notification settings kept changing during an unsubscribe');
    }
    // Emails not sent yet stop too.
    let pending = trx.updateTable('notification_deliveries').set({ status: 'withdrawn', done_at: now.toISOString() }).where('account_id', '=', link.accountId).where('channel', '=', 'email').where('status', 'in', ['pending', 'digest']);
    if (link.kind !== 'all') pending = pending.where('notification_id', 'in', (eb) => eb.selectFrom('notifications').select('id').where('account_id', '=', link.accountId).where('kind', '=', link.kind));
    await pending.execute();
    await audit(trx, { action: 'notifications.unsubscribed', actorAccountId: null, subjectType: 'user_account', subjectId: link.accountId, ip, details: { kind: link.kind } }, now);
    return 'done';
  });
}

/**
 * The link of a token and the username of the account it is for (shown on its page), and whether a
 * later choice of the person's superseded it; null when the link is not good.
 */
export async function unsubscribeTarget(db: Kysely<DB>, token: unknown, now: Date): Promise<{ link: UnsubscribeLink; username: string; superseded: boolean } | null> {
  const link = await readUnsubscribeToken(db, token, now);
  if (!link) return null;
  const account = await db.selectFrom('user_accounts').select(['username']).where('id', '=', link.accountId).executeTakeFirst();
  if (!account) return null;
  const district = await getDistrictProfile(db);
  const { settings } = await storedSettingsOf(db, link.accountId, district.settings);
  return { link, username: account.username, superseded: superseded(settings, link) };
}
