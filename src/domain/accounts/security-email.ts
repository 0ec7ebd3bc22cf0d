/**
 * The account security email: set at first sign-in or in Account Settings, always confirmed by a link
 * sent to the new address (24 hours, single use, stored hashed). Setting it needs the password, except
 * in the first-sign-in setup shortly after the sign-in itself; the old address is told when a change
 * is asked for and when it is done.
 */
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import { enqueueEmail } from '../../email/outbox.js';
import { composeEmail, formatInstant } from '../../email/templates.js';
import { audit } from '../audit/service.js';
import { accountLocale, confirmedEmail, type AccountMailDistrict } from './mail.js';
import type { DeviceToken } from './devices.js';
import { reauthenticate } from './reauthenticate.js';
import {
  endOutstandingTokens,
  expireTokensOf,
  findAccountById,
  findToken,
  insertToken,
  markSecuritySetupSkipped,
  setSecurityEmail,
  useToken,
  type AccountRow,
} from './repository.js';
import { hashToken, newToken } from './tokens.js';

export const CONFIRM_EMAIL_HOURS = 24;

/**
 * The first-sign-in setup asks for no password within this long of the sign-in (the person has just
 * typed it); later, or once the account has a confirmed address or skipped the setup, it does: whoever
 * holds a session must not be able to point the account's recovery at an address of their own.
 */
export const SETUP_WITHOUT_PASSWORD_MINUTES = 15;

/** May this session set the security email without the password (the first-sign-in setup)? */
export function setupWithoutPassword(
  account: Pick<AccountRow, 'security_email_confirmed_at' | 'security_setup_skipped_at'>,
  sessionStartedAt: Date,
  now: Date,
): boolean {
  return needsSecuritySetup(account) && now.getTime() - sessionStartedAt.getTime() <= SETUP_WITHOUT_PASSWORD_MINUTES * 60_000;
}

export type RequestEmailResult =
  | { kind: 'sent'; email: string }
  | { kind: 'missingPassword' }
  | { kind: 'wrongPassword' }
  | { kind: 'wait'; retryAfterSeconds: number };

export async function requestSecurityEmail(
  db: Kysely<DB>,
  input: {
    account: AccountRow;
    email: string;
    password: string | null;
    /** the browser's known-device token (devices.ts) */
    device?: DeviceToken;
    /** when the asking session began (its sign-in): see setupWithoutPassword */
    sessionStartedAt: Date;
    ip: string | null;
    baseUrl: string;
    district: AccountMailDistrict;
  },
  now: Date,
): Promise<RequestEmailResult> {
  const { account } = input;
  if (!setupWithoutPassword(account, input.sessionStartedAt, now)) {
    const check = await reauthenticate(db, account, input.password, input.ip, now, input.device);
    if (check.kind !== 'ok') return check;
  }
  await db.transaction().execute((trx) => sendConfirmationLink(trx, { account, email: input.email, ip: input.ip, baseUrl: input.baseUrl, district: input.district }, now));
  return { kind: 'sent', email: input.email };
}

/**
 * A confirmation link for a new security email, in the caller's transaction: earlier links of the
 * account stop working, the link goes to the new address and the old confirmed address is told.
 */
export async function sendConfirmationLink(
  trx: Kysely<DB>,
  input: {
    account: Pick<AccountRow, 'id' | 'username' | 'locale' | 'guardian_language' | 'security_email' | 'security_email_confirmed_at'>;
    email: string;
    ip: string | null;
    baseUrl: string;
    district: AccountMailDistrict;
  },
  now: Date,
): Promise<void> {
  const { account } = input;
  const token = newToken();
  const locale = accountLocale(account, input.district);
  const old = confirmedEmail(account);
  await expireTokensOf(trx, account.id, 'confirm_email', now.toISOString());
  await insertToken(trx, {
    account_id: account.id,
    purpose: 'confirm_email',
    token_hash: hashToken(token),
    email: input.email,
    created_at: now.toISOString(),
    expires_at: new Date(now.getTime() + CONFIRM_EMAIL_HOURS * 3_600_000).toISOString(),
  });
  await enqueueEmail(
    trx,
    composeEmail({
      kind: 'confirm_email',
      to: input.email,
      locale,
      district: input.district,
      subject: 'email.confirm.subject',
      paragraphs: [{ key: 'email.confirm.body', params: { username: account.username } }],
      link: { url: `${input.baseUrl}/confirm-email?token=${token}`, label: 'email.confirm.link' },
    }),
    now,
  );
  if (old && old !== input.email) {
    await enqueueEmail(
      trx,
      composeEmail({
        kind: 'email_change_requested',
        to: old,
        locale,
        district: input.district,
        subject: 'email.emailChangeRequested.subject',
        paragraphs: [
          {
            key: 'email.emailChangeRequested.body',
            params: { username: account.username, email: input.email, when: formatInstant(now, locale, input.district.timeZone) },
          },
        ],
      }),
      now,
    );
  }
  await audit(trx, { action: 'security_email.requested', actorAccountId: account.id, subjectType: 'user_account', subjectId: account.id, ip: input.ip, details: { email: input.email } }, now);
}

/** What a confirmation link is for, if it still works. */
export async function pendingConfirmation(db: Kysely<DB>, token: string, now: Date) {
  if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return null;
  const row = await findToken(db, 'confirm_email', hashToken(token));
  if (!row || row.used_at || Date.parse(row.expires_at) <= now.getTime() || !row.account_id || !row.email) return null;
  const account = await findAccountById(db, row.account_id);
  if (!account || account.status !== 'active') return null;
  return { tokenId: row.id, email: row.email, account };
}

export async function confirmSecurityEmail(
  db: Kysely<DB>,
  input: { token: string; ip: string | null; district: AccountMailDistrict },
  now: Date,
): Promise<{ kind: 'confirmed'; email: string } | { kind: 'invalid' }> {
  const pending = await pendingConfirmation(db, input.token, now);
  if (!pending) return { kind: 'invalid' };
  const { account, email } = pending;
  const old = confirmedEmail(account);
  const locale = accountLocale(account, input.district);
  const done = await db.transaction().execute(async (trx) => {
    if (!(await useToken(trx, pending.tokenId, now.toISOString()))) return false;
    await setSecurityEmail(trx, account.id, email, now.toISOString());
    // Links sent to the old address (reset links, sign-in codes, other confirmations) end with it.
    await endOutstandingTokens(trx, account.id, now.toISOString());
    if (old && old !== email) {
      await enqueueEmail(
        trx,
        composeEmail({
          kind: 'email_changed',
          to: old,
          locale,
          district: input.district,
          subject: 'email.emailChanged.subject',
          paragraphs: [{ key: 'email.emailChanged.body', params: { username: account.username, email } }],
        }),
        now,
      );
    }
    await audit(trx, { action: 'security_email.confirmed', actorAccountId: account.id, subjectType: 'user_account', subjectId: account.id, ip: input.ip, details: { email, previous: old } }, now);
    return true;
  });
  return done ? { kind: 'confirmed', email } : { kind: 'invalid' };
}

export async function skipSecuritySetup(db: Kysely<DB>, account: AccountRow, ip: string | null, now: Date): Promise<void> {
  await markSecuritySetupSkipped(db, account.id, now.toISOString());
  await audit(db, { action: 'security_email.setup_skipped', actorAccountId: account.id, subjectType: 'user_account', subjectId: account.id, ip }, now);
}

/** After signing in: should the first-sign-in security setup be shown? */
export function needsSecuritySetup(account: Pick<AccountRow, 'security_email_confirmed_at' | 'security_setup_skipped_at'>): boolean {
  return !account.security_email_confirmed_at && !account.security_setup_skipped_at;
}
