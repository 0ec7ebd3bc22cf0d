/**
 * The welcome of a parent account made by the nightly run: an email with the username and a
 * single-use link (stored hashed, `welcomeLinkDays` long) to choose a password. Choosing it activates
 * the account and confirms the email, since only its reader has the link. An expired link is replaced
 * from the sign-in help page by entering the email.
 */
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { DB } from '../../db/schema.js';
import { enqueueEmail } from '../../email/outbox.js';
import { composeEmail } from '../../email/templates.js';
import { enqueue } from '../../jobs/queue.js';
import { audit } from '../audit/service.js';
import { accountLocale, type AccountMailDistrict } from './mail.js';
import { checkNewPassword, type PasswordProblem } from './password-policy.js';
import { hashPassword } from './passwords.js';
import { passwordContextOf } from './reauthenticate.js';
import { findAccountById, findToken, insertToken, useToken } from './repository.js';
import { allowRequest } from './throttle.js';
import type { JobFinish } from '../../jobs/queue.js';
import { hashToken, newToken } from './tokens.js';

/** Job `accounts.welcome`: writes the welcome email of a pending account (a no-op for any other). */
export async function sendWelcome(
  db: Kysely<DB>,
  accountId: number,
  options: { baseUrl: string; district: AccountMailDistrict; days: number; finish?: JobFinish; /** the district's closing words, by language */ closing?: { en: string; es: string } | undefined },
  now: Date,
): Promise<boolean> {
  const account = await findAccountById(db, accountId);
  if (!account || account.status !== 'pending' || !account.security_email) return false;
  const email = account.security_email;
  const token = newToken();
  const locale = accountLocale(account, options.district);
  await db.transaction().execute(async (trx) => {
    // The job is done in the same transaction as its email: run again after a crash, it sends nothing.
    await options.finish?.(trx);
    // Earlier links keep working until they expire: a stranger asking for a new one cancels nothing.
    await insertToken(trx, {
      account_id: account.id,
      purpose: 'activation',
      token_hash: hashToken(token),
      email,
      created_at: now.toISOString(),
      expires_at: new Date(now.getTime() + options.days * 86_400_000).toISOString(),
    });
    await enqueueEmail(
      trx,
      composeEmail({
        kind: 'welcome',
        to: email,
        locale,
        district: options.district,
        subject: 'email.welcome.subject',
        // Staff are welcomed to their work, families to their children's school day.
        paragraphs: [{ key: account.person_kind === 'staff' ? 'email.staffWelcome.body' : 'email.welcome.body', params: { username: account.username, days: options.days } }],
        link: { url: `${options.baseUrl}/welcome?token=${token}`, label: 'email.welcome.link' },
        closing: options.closing?.[locale],
      }),
      now,
    );
  });
  return true;
}

export async function pendingWelcome(db: Kysely<DB>, token: string, now: Date) {
  if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return null;
  const row = await findToken(db, 'activation', hashToken(token));
  if (!row || row.used_at || Date.parse(row.expires_at) <= now.getTime() || !row.account_id) return null;
  const account = await findAccountById(db, row.account_id);
  if (!account || account.status !== 'pending') return null;
  return { tokenId: row.id, account };
}

export type WelcomeResult = { kind: 'done'; username: string } | { kind: 'invalid' } | { kind: 'problem'; problem: PasswordProblem };

export async function completeWelcome(
  db: Kysely<DB>,
  input: { token: string; password: string; minLength: number; ip: string | null },
  now: Date,
): Promise<WelcomeResult> {
  const pending = await pendingWelcome(db, input.token, now);
  if (!pending) return { kind: 'invalid' };
  const { account } = pending;
  const problem = checkNewPassword(input.password, passwordContextOf(account, input.minLength));
  if (problem) return { kind: 'problem', problem };
  const hash = await hashPassword(input.password);
  const t = now.toISOString();
  const done = await db.transaction().execute(async (trx) => {
    if (!(await useToken(trx, pending.tokenId, t))) return false;
    const activated = await trx
      .updateTable('user_accounts')
      .set({ password_hash: hash, status: 'active', security_email_confirmed_at: t, password_changed_at: t, updated_at: t, updated_by: account.id })
      .where('id', '=', account.id)
      .where('status', '=', 'pending')
      .executeTakeFirst();
    // Two welcome links used at once: the other one activated the account with its password.
    if (Number(activated.numUpdatedRows) !== 1) return false;
    await audit(trx, { action: 'account.welcomed', actorAccountId: account.id, subjectType: 'user_account', subjectId: account.id, ip: input.ip }, now);
    return true;
  });
  return done ? { kind: 'done', username: account.username } : { kind: 'invalid' };
}

export const WELCOME_MAILS_PER_ADDRESS = { limit: 3, windowMs: 3_600_000 };
const welcomeRequestPayload = z.object({ email: z.string().max(254), ip: z.string().max(100).nullable() });

/**
 * A new welcome link for a pending account with this email; the same answer, in the same time, whether
 * or not there is one: the request is counted against its requester and queued (`recovery.welcome`).
 */
export async function resendWelcome(
  db: Kysely<DB>,
  input: { email: string; ip: string | null },
  now: Date,
): Promise<{ kind: 'done' } | { kind: 'wait'; retryAfterSeconds: number }> {
  for (const [key, limits] of [
    [`welcome:${input.email}|${input.ip ?? 'unknown'}`, { limit: 3, windowMs: 3_600_000 }],
    [`welcome-ip:${input.ip ?? 'unknown'}`, { limit: 50, windowMs: 900_000 }],
  ] as const) {
    const verdict = await allowRequest(db, key, limits, now);
    if (verdict.kind === 'wait') return verdict;
  }
  await enqueue(db, { kind: 'recovery.welcome', payload: { email: input.email.slice(0, 254), ip: input.ip } }, now);
  return { kind: 'done' };
}

/** Job `recovery.welcome`: a welcome job for each pending account with this email, at most 3 an hour per address. */
export async function resendWelcomeLinks(db: Kysely<DB>, payload: unknown, now: Date, finish?: JobFinish): Promise<void> {
  const input = welcomeRequestPayload.parse(payload);
  const accounts = await db
    .selectFrom('user_accounts')
    .select('id')
    .where('security_email', '=', input.email)
    .where('status', '=', 'pending')
    .execute();
  await db.transaction().execute(async (trx) => {
    await finish?.(trx);
    const send = accounts.length > 0 && (await allowRequest(trx, `welcome-mail:${input.email}`, WELCOME_MAILS_PER_ADDRESS, now)).kind === 'ok';
    if (send) {
      for (const a of accounts) {
        await enqueue(trx, { kind: 'accounts.welcome', payload: { accountId: a.id }, uniqueKey: `welcome:${a.id}:${now.toISOString()}` }, now);
      }
    }
    await audit(trx, { action: 'welcome.resend_requested', ip: input.ip, details: { email: input.email, accounts: accounts.length, sent: send } }, now);
  });
}
