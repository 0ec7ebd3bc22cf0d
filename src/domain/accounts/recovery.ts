/**
 * Self-serve recovery (the seeds' "Self Serve"): a password reset link or the usernames, sent only to
 * a confirmed security email. Every request gets the same answer whether or not an account matched;
 * requests are counted per username or address and per IP.
 */
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import { enqueueEmail } from '../../email/outbox.js';
import { composeEmail, formatInstant } from '../../email/templates.js';
import { audit } from '../audit/service.js';
import { accountLocale, confirmedEmail, type AccountMailDistrict } from './mail.js';
import { checkNewPassword, type PasswordProblem } from './password-policy.js';
import { hashPassword } from './passwords.js';
import { passwordContextOf } from './reauthenticate.js';
import {
  expireTokensOf,
  findAccountById,
  findAccountByKeys,
  findAccountsByConfirmedEmail,
  findToken,
  insertToken,
  setPassword,
  useToken,
  type AccountRow,
} from './repository.js';
import { endSessionsOf } from './sessions.js';
import { endFeedOf } from '../portal/calendar-feed.js';
import { pickAccount, usernameKeys } from './sign-in.js';
import { allowRequest, clearThrottleKey, userThrottleKey, type ThrottleVerdict } from './throttle.js';
import { hashToken, newToken } from './tokens.js';

export const RESET_MINUTES = 60;
const PER_TARGET = { limit: 5, windowMs: 60 * 60_000 };
const PER_IP = { limit: 50, windowMs: 15 * 60_000 };

async function limit(db: Kysely<DB>, target: string, ip: string | null, now: Date): Promise<ThrottleVerdict> {
  const byTarget = await allowRequest(db, target, PER_TARGET, now);
  if (byTarget.kind !== 'ok') return byTarget;
  return ip ? allowRequest(db, `recover-ip:${ip}`, PER_IP, now) : { kind: 'ok' };
}

export type RecoveryResult = { kind: 'done' } | { kind: 'wait'; retryAfterSeconds: number };

export async function requestPasswordReset(
  db: Kysely<DB>,
  input: { username: string; ip: string | null; baseUrl: string; district: AccountMailDistrict },
  now: Date,
): Promise<RecoveryResult> {
  const verdict = await limit(db, `reset:${userThrottleKey(input.username)}`, input.ip, now);
  if (verdict.kind === 'wait') return verdict;
  const account = pickAccount(await findAccountByKeys(db, usernameKeys(input.username)), input.username);
  const to = account && account.status === 'active' ? confirmedEmail(account) : null;
  await db.transaction().execute(async (trx) => {
    if (account && to) await writeResetLink(trx, { account, to, baseUrl: input.baseUrl, district: input.district, body: 'email.reset.body' }, now);
    await audit(
      trx,
      {
        action: 'password_reset.requested',
        subjectType: account ? 'user_account' : null,
        subjectId: account?.id ?? null,
        ip: input.ip,
        details: { username: input.username.slice(0, 100), sent: Boolean(to) },
      },
      now,
    );
  });
  return { kind: 'done' };
}

/**
 * A new single-use reset link for the account (older ones stop working), and its email to `to`, which
 * must be the account's confirmed security email. Runs inside the caller's transaction.
 */
export async function writeResetLink(
  trx: Kysely<DB>,
  input: {
    account: Pick<AccountRow, 'id' | 'username' | 'locale' | 'guardian_language'>;
    to: string;
    baseUrl: string;
    district: AccountMailDistrict;
    body: 'email.reset.body' | 'email.requestReset.body';
  },
  now: Date,
): Promise<void> {
  const { account, to } = input;
  const token = newToken();
  await expireTokensOf(trx, account.id, 'reset_password', now.toISOString());
  await insertToken(trx, {
    account_id: account.id,
    purpose: 'reset_password',
    token_hash: hashToken(token),
    email: to,
    created_at: now.toISOString(),
    expires_at: new Date(now.getTime() + RESET_MINUTES * 60_000).toISOString(),
  });
  await enqueueEmail(
    trx,
    composeEmail({
      kind: 'reset_password',
      to,
      locale: accountLocale(account, input.district),
      district: input.district,
      subject: 'email.reset.subject',
      paragraphs: [{ key: input.body, params: { username: account.username } }],
      link: { url: `${input.baseUrl}/reset-password?token=${token}`, label: 'email.reset.link' },
    }),
    now,
  );
}

/** The account a reset link is for, if the link still works. */
export async function pendingReset(db: Kysely<DB>, token: string, now: Date) {
  if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return null;
  const row = await findToken(db, 'reset_password', hashToken(token));
  if (!row || row.used_at || Date.parse(row.expires_at) <= now.getTime() || !row.account_id) return null;
  const account = await findAccountById(db, row.account_id);
  if (!account || account.status !== 'active') return null;
  return { tokenId: row.id, account };
}

export type ResetResult = { kind: 'done' } | { kind: 'invalid' } | { kind: 'problem'; problem: PasswordProblem };

export async function resetPassword(
  db: Kysely<DB>,
  input: { token: string; password: string; ip: string | null; minLength: number; district: AccountMailDistrict },
  now: Date,
): Promise<ResetResult> {
  const pending = await pendingReset(db, input.token, now);
  if (!pending) return { kind: 'invalid' };
  const { account } = pending;
  const problem = checkNewPassword(input.password, passwordContextOf(account, input.minLength));
  if (problem) return { kind: 'problem', problem };
  const hash = await hashPassword(input.password);
  const locale = accountLocale(account, input.district);
  const to = confirmedEmail(account);
  const done = await db.transaction().execute(async (trx) => {
    if (!(await useToken(trx, pending.tokenId, now.toISOString()))) return false;
    await setPassword(trx, account.id, hash, now.toISOString(), account.id);
    await endSessionsOf(trx, account.id);
    await endFeedOf(trx, account.id);
    // A reset also lifts a lock after too many failed sign-ins.
    await clearThrottleKey(trx, userThrottleKey(account.username));
    await audit(trx, { action: 'password.reset', actorAccountId: account.id, subjectType: 'user_account', subjectId: account.id, ip: input.ip }, now);
    if (to) {
      await enqueueEmail(
        trx,
        composeEmail({
          kind: 'password_changed',
          to,
          locale,
          district: input.district,
          subject: 'email.passwordChanged.subject',
          paragraphs: [
            { key: 'email.passwordChanged.body', params: { username: account.username, when: formatInstant(now, locale, input.district.timeZone) } },
          ],
        }),
        now,
      );
    }
    return true;
  });
  return done ? { kind: 'done' } : { kind: 'invalid' };
}

export async function requestUsernames(
  db: Kysely<DB>,
  input: { email: string; ip: string | null; baseUrl: string; district: AccountMailDistrict },
  now: Date,
): Promise<RecoveryResult> {
  const verdict = await limit(db, `usernames:${input.email}`, input.ip, now);
  if (verdict.kind === 'wait') return verdict;
  const accounts = await findAccountsByConfirmedEmail(db, input.email);
  await db.transaction().execute(async (trx) => {
    const first = accounts[0];
    if (first) {
      await enqueueEmail(
        trx,
        composeEmail({
          kind: 'usernames',
          to: input.email,
          locale: accountLocale(first, input.district),
          district: input.district,
          subject: 'email.usernames.subject',
          paragraphs: [{ key: 'email.usernames.body' }, ...accounts.map((a) => ({ key: 'email.usernames.line' as const, params: { username: a.username } }))],
          link: { url: `${input.baseUrl}/sign-in`, label: 'email.usernames.signIn' },
        }),
        now,
      );
    }
    await audit(trx, { action: 'usernames.requested', ip: input.ip, details: { email: input.email, accounts: accounts.length } }, now);
  });
  return { kind: 'done' };
}
