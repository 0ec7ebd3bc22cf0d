/**
 * Emailed sign-in codes: how the holder of a username that strangers have slowed down or locked gets in
 * from a browser the account has not seen, with the right password and something the strangers do not
 * have — a code sent to the account's confirmed security email (ADR 0007, revisited 2026-12-06).
 *
 * A code belongs to the browser that asked for it: the browser keeps a random challenge (a cookie) and
 * the stored hash is of the challenge and the code together, so a code works only in that browser, and
 * a stranger's wrong codes count against their own challenge, never the holder's. Eight digits, fifteen
 * minutes, single use; wrong codes and wrong passwords with a code count against the challenge like
 * failed sign-ins. Asking is a self-serve form like "Forgot your password?": the same answer whether or
 * not the username has an account with a confirmed email, counted against the requester, the work queued.
 */
import { randomInt } from 'node:crypto';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { DB } from '../../db/schema.js';
import { enqueueEmail } from '../../email/outbox.js';
import { composeEmail } from '../../email/templates.js';
import { enqueue, type JobFinish } from '../../jobs/queue.js';
import { audit } from '../audit/service.js';
import { accountLocale, confirmedEmail, type AccountMailDistrict } from './mail.js';
import { findAccountByKeys, findToken, insertToken } from './repository.js';
import { pickAccount, usernameKeys, type SignInPolicy } from './sign-in.js';
import { allowRequest, userThrottleKey, type ThrottleVerdict } from './throttle.js';
import { hashToken, newToken } from './tokens.js';

export const CODE_MINUTES = 15;
const PER_REQUESTER = { limit: 3, windowMs: 60 * 60_000 };
const PER_IP = { limit: 20, windowMs: 60 * 60_000 };
/** from a district-listed school network, where a building shares one address */
const PER_SCHOOL_NETWORK = { limit: 200, windowMs: 60 * 60_000 };
/**
 * Codes emailed to one account in an hour, whoever asks: a ceiling against flooding the mailbox. Each
 * requester (username and address) may ask 3 times an hour on its own, so strangers asking cannot use
 * up the holder's codes unless they ask from seven addresses in the hour.
 */
export const CODE_MAILS_PER_ACCOUNT = { limit: 20, windowMs: 60 * 60_000 };

/** The code as typed: eight digits, spaces and dashes allowed; null when it cannot be one. */
export function normalizeCode(typed: string): string | null {
  const digits = typed.replace(/[\s-]/g, '');
  return /^\d{8}$/.test(digits) ? digits : null;
}

/** The browser's challenge as stored: its hash. */
export const challengeId = (challenge: string) => hashToken(`challenge:${challenge}`);
const codeHash = (challenge: string, code: string) => hashToken(`${challengeId(challenge)}:${code}`);

const payloadSchema = z.object({ username: z.string().max(254), challenge: z.string().length(64), ip: z.string().max(100).nullable() });

/**
 * Asks for a code for a username. Returns the challenge the browser must keep (a new one each time),
 * or a wait when this requester has asked too often.
 */
export async function requestSignInCode(
  db: Kysely<DB>,
  input: { username: string; ip: string | null; policy: Pick<SignInPolicy, 'firstPasswords'> },
  now: Date,
): Promise<{ kind: 'sent'; challenge: string } | ThrottleVerdict & { kind: 'wait' }> {
  const byRequester = await allowRequest(db, `code:${userThrottleKey(input.username)}|${input.ip ?? 'unknown'}`, PER_REQUESTER, now);
  if (byRequester.kind === 'wait') return byRequester;
  const schoolNetwork = input.policy.firstPasswords.networks.has(input.ip);
  const byIp = await allowRequest(db, `code-ip:${input.ip ?? 'unknown'}`, schoolNetwork ? PER_SCHOOL_NETWORK : PER_IP, now);
  if (byIp.kind === 'wait') return byIp;
  const challenge = newToken();
  await enqueue(db, { kind: 'accounts.sign_in_code', payload: { username: input.username.slice(0, 254), challenge: challengeId(challenge), ip: input.ip } }, now);
  return { kind: 'sent', challenge };
}

/** Job `accounts.sign_in_code`: the code, to the confirmed security email of the username's active account. */
export async function sendSignInCode(db: Kysely<DB>, payload: unknown, options: { district: AccountMailDistrict; finish?: JobFinish }, now: Date): Promise<void> {
  const input = payloadSchema.parse(payload);
  const account = pickAccount(await findAccountByKeys(db, usernameKeys(input.username)), input.username);
  const to = account && account.status === 'active' ? confirmedEmail(account) : null;
  await db.transaction().execute(async (trx) => {
    // The job ends with its email, in one transaction: run again after a crash, it sends nothing.
    await options.finish?.(trx);
    const send = account && to ? (await allowRequest(trx, `code-mail:${account.id}`, CODE_MAILS_PER_ACCOUNT, now)).kind === 'ok' : false;
    if (account && to && send) {
      const code = String(randomInt(0, 100_000_000)).padStart(8, '0');
      await insertToken(trx, {
        account_id: account.id,
        purpose: 'sign_in_code',
        // the stored challenge id is already a hash of the browser's challenge
        token_hash: hashToken(`${input.challenge}:${code}`),
        email: null,
        created_at: now.toISOString(),
        expires_at: new Date(now.getTime() + CODE_MINUTES * 60_000).toISOString(),
      });
      const locale = accountLocale(account, options.district);
      await enqueueEmail(
        trx,
        composeEmail({
          kind: 'sign_in_code',
          to,
          locale,
          district: options.district,
          subject: 'email.signInCode.subject',
          paragraphs: [
            { key: 'email.signInCode.body', params: { username: account.username, minutes: CODE_MINUTES } },
            { key: 'email.signInCode.code', params: { code: `${code.slice(0, 4)} ${code.slice(4)}` } },
            { key: 'email.signInCode.notYou' },
          ],
        }),
        now,
      );
    }
    await audit(
      trx,
      { action: 'sign_in_code.requested', subjectType: account ? 'user_account' : null, subjectId: account?.id ?? null, ip: input.ip, details: { username: input.username.slice(0, 100), sent: send } },
      now,
    );
  });
}

/** The code token this browser's challenge and typed code name, if it still works: its id and account. */
export async function findSignInCode(db: Kysely<DB>, challenge: string, typed: string, now: Date): Promise<{ tokenId: number; accountId: number } | null> {
  const code = normalizeCode(typed);
  if (!code || !/^[A-Za-z0-9_-]{43}$/.test(challenge)) return null;
  const row = await findToken(db, 'sign_in_code', codeHash(challenge, code));
  if (!row || row.used_at || Date.parse(row.expires_at) <= now.getTime() || !row.account_id) return null;
  return { tokenId: row.id, accountId: row.account_id };
}
