/**
 * One-click unsubscribe (RFC 8058): every notification email carries a link that needs no sign-in. Its
 * token is signed (HMAC-SHA256 under the application's own secret) and names one person, one kind (or
 * every kind) and when it stops working; nothing is stored, so a token cannot be guessed or changed to
 * name another person. Using it turns email off for that kind, for every child; push and the in-app
 * list stay as they were.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import { audit } from '../audit/service.js';
import { getDistrictProfile } from '../district/service.js';
import { appSecret } from '../system/secrets.js';
import { channelsOf, isNotifyKind, NOTIFY_KINDS, saveSettings, settingsOf, defaultChild, isDirectKind, ownChannelsOf, DIRECT_KINDS, type DirectKind, type NotifyKind } from './settings.js';

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
  const expires = Math.floor(now.getTime() / 1000) + UNSUBSCRIBE_DAYS * 86_400;
  return (scope) => {
    const body = `${scope.accountId}.${scope.kind}.${expires}`;
    return `${body}.${sign(secret, body)}`;
  };
}

/** What a token allows, if it is one of ours and still works; null otherwise (forged, changed, expired). */
export async function readUnsubscribeToken(db: Kysely<DB>, token: unknown, now: Date): Promise<UnsubscribeScope | null> {
  if (typeof token !== 'string' || token.length > 200) return null;
  const match = /^(\d{1,12})\.([A-Za-z]{1,20})\.(\d{1,12})\.([A-Za-z0-9_-]{43})$/.exec(token);
  if (!match) return null;
  const [, account, kind, expires, mac] = match as unknown as [string, string, string, string, string];
  const expected = Buffer.from(sign(await appSecret(db, SECRET, now), `${account}.${kind}.${expires}`));
  const given = Buffer.from(mac);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null;
  if (Number(expires) * 1000 <= now.getTime()) return null;
  if (kind !== 'all' && !isNotifyKind(kind) && !isDirectKind(kind)) return null;
  return { accountId: Number(account), kind: kind as UnsubscribeScope['kind'] };
}

/** Turns email off as the token says; false when its account is gone. */
export async function unsubscribe(db: Kysely<DB>, scope: UnsubscribeScope, ip: string | null, now: Date): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const account = await trx.selectFrom('user_accounts').select(['id', 'student_id', 'guardian_id']).where('id', '=', scope.accountId).executeTakeFirst();
    if (!account) return false;
    const district = await getDistrictProfile(trx);
    const settings = await settingsOf(trx, scope.accountId, district.settings);
    // Every child the person has settings for, and the children the portal shows them now.
    const linked = account.student_id
      ? [account.student_id]
      : (await trx.selectFrom('student_guardians').select('student_id').where('guardian_id', '=', account.guardian_id ?? -1).execute()).map((r) => r.student_id);
    const ids = new Set([...Object.keys(settings.children).map(Number), ...linked]);
    // The person's own kinds (a new message): once, whatever the child.
    for (const k of scope.kind === 'all' ? DIRECT_KINDS : isDirectKind(scope.kind) ? [scope.kind] : []) settings.own[k] = { ...ownChannelsOf(settings, k, district.settings), email: false };
    for (const id of scope.kind === 'all' || isNotifyKind(scope.kind) ? ids : []) {
      const child = settings.children[String(id)] ?? defaultChild(district.settings);
      const kinds = scope.kind === 'all' ? NOTIFY_KINDS : [scope.kind as NotifyKind];
      for (const k of kinds) child.kinds[k] = { ...channelsOf(child, k, district.settings), email: false };
      settings.children[String(id)] = child;
    }
    await saveSettings(trx, scope.accountId, settings, now);
    // Emails not sent yet stop too.
    let pending = trx.updateTable('notification_deliveries').set({ status: 'withdrawn', done_at: now.toISOString() }).where('account_id', '=', scope.accountId).where('channel', '=', 'email').where('status', 'in', ['pending', 'digest']);
    if (scope.kind !== 'all') pending = pending.where('notification_id', 'in', (eb) => eb.selectFrom('notifications').select('id').where('account_id', '=', scope.accountId).where('kind', '=', scope.kind));
    await pending.execute();
    await audit(trx, { action: 'notifications.unsubscribed', actorAccountId: null, subjectType: 'user_account', subjectId: scope.accountId, ip, details: { kind: scope.kind } }, now);
    return true;
  });
}

/** The scope of an unsubscribe link and the username of the account it is for (shown on its page); null when the link is not good. */
export async function unsubscribeTarget(db: Kysely<DB>, token: unknown, now: Date): Promise<{ scope: UnsubscribeScope; username: string } | null> {
  const scope = await readUnsubscribeToken(db, token, now);
  if (!scope) return null;
  const account = await db.selectFrom('user_accounts').select(['username']).where('id', '=', scope.accountId).executeTakeFirst();
  return account ? { scope, username: account.username } : null;
}
