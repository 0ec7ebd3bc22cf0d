/**
 * Self-serve recovery (the seeds' "Self Serve"): a password reset link or the usernames, sent only to
 * a confirmed security email. Every request gets the same answer whether or not an account matched;
 * requests are counted per username or address and per IP.
 */
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { DB } from '../../db/schema.js';
import { enqueueEmail } from '../../email/outbox.js';
import { enqueue, type JobFinish } from '../../jobs/queue.js';
import { composeEmail } from '../../email/templates.js';
import { audit } from '../audit/service.js';
import { accountLocale, confirmedEmail, tellPasswordChanged, type AccountMailDistrict } from './mail.js';
import { checkNewPassword, type PasswordProblem } from './password-policy.js';
import { hashPassword } from './passwords.js';
import { passwordContextOf } from './reauthenticate.js';
import {
  endOutstandingTokens,
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
import { endFeedOf } from '../calendar/feed-end.js';
import { pickAccount, usernameKeys } from './sign-in.js';
import { allowRequest, clearThrottleKey, userThrottleKey, type ThrottleVerdict } from './throttle.js';
import { hashToken, newToken } from './tokens.js';

export const RESET_MINUTES = 60;
/** What one requester (an address) may ask about one username or email: their own limit, nobody else's. */
const PER_REQUESTER = { limit: 5, windowMs: 60 * 60_000 };
const PER_IP = { limit: 50, windowMs: 15 * 60_000 };
/**
 * How many emails one account (or address) is sent by these forms in an hour, whoever asks. Past it the
 * request still gets its answer and sends nothing: the links sent before still work (a request never
 * ends an earlier link), so a stranger asking in the holder's name cannot use up the holder's requests.
 */
export const MAILS_PER_TARGET = { limit: 5, windowMs: 60 * 60_000 };

/**
 * A self-serve request is counted against its requester (per target and address, and per address) and
 * then only queued: the answer does not wait on the work a known username or address causes (the
 * lookup, the link, the email), so it takes the same time for known and unknown ones. The job
 * (`recovery.reset`, `recovery.usernames`) does the rest.
 */
async function countRequester(db: Kysely<DB>, target: string, ip: string | null, now: Date): Promise<ThrottleVerdict> {
  const byTarget = await allowRequest(db, `${target}|${ip ?? 'unknown'}`, PER_REQUESTER, now);
  if (byTarget.kind !== 'ok') return byTarget;
  return ip ? allowRequest(db, `recover-ip:${ip}`, PER_IP, now) : { kind: 'ok' };
}

export type RecoveryResult = { kind: 'done' } | { kind: 'wait'; retryAfterSeconds: number };

export const resetRequestPayload = z.object({ username: z.string().max(254), ip: z.string().max(100).nullable() });
export const usernamesRequestPayload = z.object({ email: z.string().max(254), ip: z.string().max(100).nullable() });

export async function requestPasswordReset(db: Kysely<DB>, input: { username: string; ip: string | null }, now: Date): Promise<RecoveryResult> {
  const verdict = await countRequester(db, `reset:${userThrottleKey(input.username)}`, input.ip, now);
  if (verdict.kind === 'wait') return verdict;
  await enqueue(db, { kind: 'recovery.reset', payload: { username: input.username.slice(0, 254), ip: input.ip } }, now);
  return { kind: 'done' };
}

/** Job `recovery.reset`: a reset link to the confirmed security email of the username's account, if it has one. */
export async function sendResetLink(
  db: Kysely<DB>,
  payload: unknown,
  options: { baseUrl: string; district: AccountMailDistrict; finish?: JobFinish },
  now: Date,
): Promise<void> {
  const input = resetRequestPayload.parse(payload);
  const account = pickAccount(await findAccountByKeys(db, usernameKeys(input.username)), input.username);
  const to = account && account.status === 'active' ? confirmedEmail(account) : null;
  await db.transaction().execute(async (trx) => {
    // The job ends with its email, in one transaction: run again after a crash, it sends nothing.
    await options.finish?.(trx);
    const send = account && to ? (await allowRequest(trx, `reset-mail:${account.id}`, MAILS_PER_TARGET, now)).kind === 'ok' : false;
    if (account && to && send) await writeResetLink(trx, { account, to, baseUrl: options.baseUrl, district: options.district, body: 'email.reset.body' }, now);
    await audit(
      trx,
      {
        action: 'password_reset.requested',
        subjectType: account ? 'user_account' : null,
        subjectId: account?.id ?? null,
        ip: input.ip,
        details: { username: input.username.slice(0, 100), sent: send, ...(to && !send ? { held: 'too many emails this hour' } : {}) },
      },
      now,
    );
  });
}

/**
 * A new single-use reset link for the account, and its email to `to`, which must be the account's
 * confirmed security email. Runs inside the caller's transaction. A link asked for on the public form
 * ends no earlier link (a stranger asking must not cancel the holder's); a staff reset (`byStaff`)
 * ends every other outstanding token of the account (endOutstandingTokens).
 */
export async function writeResetLink(
  trx: Kysely<DB>,
  input: {
    account: Pick<AccountRow, 'id' | 'username' | 'locale' | 'guardian_language'>;
    to: string;
    baseUrl: string;
    district: AccountMailDistrict;
    body: 'email.reset.body' | 'email.requestReset.body';
    byStaff?: boolean;
  },
  now: Date,
): Promise<void> {
  const { account, to } = input;
  const token = newToken();
  const id = await insertToken(trx, {
    account_id: account.id,
    purpose: 'reset_password',
    token_hash: hashToken(token),
    email: to,
    created_at: now.toISOString(),
    expires_at: new Date(now.getTime() + RESET_MINUTES * 60_000).toISOString(),
  });
  if (input.byStaff) await endOutstandingTokens(trx, account.id, now.toISOString(), id);
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
  const done = await db.transaction().execute(async (trx) => {
    if (!(await useToken(trx, pending.tokenId, now.toISOString()))) return false;
    await setPassword(trx, account.id, hash, now.toISOString(), account.id);
    // Every other link of the account ends with the old password: other reset links, a pending
    // change of the security email, welcome links and sign-in codes.
    await endOutstandingTokens(trx, account.id, now.toISOString());
    await endSessionsOf(trx, account.id);
    await endFeedOf(trx, account.id);
    // A reset also lifts a lock after too many failed sign-ins.
    await clearThrottleKey(trx, userThrottleKey(account.username));
    await audit(trx, { action: 'password.reset', actorAccountId: account.id, subjectType: 'user_account', subjectId: account.id, ip: input.ip }, now);
    await tellPasswordChanged(trx, account, input.district, now);
    return true;
  });
  return done ? { kind: 'done' } : { kind: 'invalid' };
}

export async function requestUsernames(db: Kysely<DB>, input: { email: string; ip: string | null }, now: Date): Promise<RecoveryResult> {
  const verdict = await countRequester(db, `usernames:${input.email}`, input.ip, now);
  if (verdict.kind === 'wait') return verdict;
  await enqueue(db, { kind: 'recovery.usernames', payload: { email: input.email.slice(0, 254), ip: input.ip } }, now);
  return { kind: 'done' };
}

/** Job `recovery.usernames`: the usernames of the active accounts whose confirmed security email this is. */
export async function sendUsernames(
  db: Kysely<DB>,
  payload: unknown,
  options: { baseUrl: string; district: AccountMailDistrict; finish?: JobFinish },
  now: Date,
): Promise<void> {
  const input = usernamesRequestPayload.parse(payload);
  const accounts = await findAccountsByConfirmedEmail(db, input.email);
  await db.transaction().execute(async (trx) => {
    await options.finish?.(trx);
    const first = accounts[0];
    const send = first ? (await allowRequest(trx, `usernames-mail:${input.email}`, MAILS_PER_TARGET, now)).kind === 'ok' : false;
    if (first && send) {
      await enqueueEmail(
        trx,
        composeEmail({
          kind: 'usernames',
          to: input.email,
          locale: accountLocale(first, options.district),
          district: options.district,
          subject: 'email.usernames.subject',
          paragraphs: [{ key: 'email.usernames.body' }, ...accounts.map((a) => ({ key: 'email.usernames.line' as const, params: { username: a.username } }))],
          link: { url: `${options.baseUrl}/sign-in`, label: 'email.usernames.signIn' },
        }),
        now,
      );
    }
    await audit(trx, { action: 'usernames.requested', ip: input.ip, details: { email: input.email, accounts: accounts.length, sent: send } }, now);
  });
}
