/**
 * Signing in. Wrong username and wrong password give the same answer in the same time: an unknown
 * username is checked against a dummy hash. Throttling is per username (known or not) and per address.
 * Usernames: a student's is the student number exactly as issued ("0045" is not "45"); guardians' and
 * staff's are case-insensitive.
 */
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import { audit, auditRow } from '../audit/service.js';
import { ARGON2_OPTIONS, hashPassword, needsRehash, verifyPassword } from './passwords.js';
import { findAccountByKeys, recordSignIn, rehash, type AccountRow } from './repository.js';
import { newSession, type SessionSettings, type StartedSession } from './sessions.js';
import { checkThrottle, ipThrottleKey, recordFailure, recordSuccess, userThrottleKey } from './throttle.js';

export type SignInResult =
  | { kind: 'ok'; account: AccountRow; mustChangePassword: boolean; session: StartedSession }
  | { kind: 'invalid' }
  | { kind: 'wait'; retryAfterSeconds: number }
  | { kind: 'locked' };

let dummyHash: Promise<string> | undefined;
/** A real hash of a random password, verified when the username is unknown, to take the same time. */
function dummy(): Promise<string> {
  // A failed attempt is not kept: the next unknown username tries again.
  dummyHash ??= hashPassword(`dummy-${Math.random()}-${Date.now()}`).catch((error: unknown) => {
    dummyHash = undefined;
    throw error;
  });
  return dummyHash;
}

export function usernameKeys(username: string): string[] {
  const typed = username.normalize('NFKC').trim();
  return [...new Set([typed, typed.toLowerCase()])];
}

/** Which account a typed username names: an exact student number first, else case-insensitively. */
export function pickAccount(rows: AccountRow[], username: string): AccountRow | undefined {
  const typed = username.normalize('NFKC').trim();
  return (
    rows.find((r) => r.person_kind === 'student' && r.username_key === typed) ??
    rows.find((r) => r.person_kind !== 'student' && r.username_key === typed.toLowerCase())
  );
}

export interface SessionRequest {
  /** "Keep me signed in on this device" (never for staff) */
  remember: boolean;
  userAgent: string | null;
  settings: SessionSettings;
  /** the session this browser had before, ended now: a new id at every sign-in */
  replaces: string | null;
}

export async function signIn(
  db: Kysely<DB>,
  input: { username: string; password: string; ip: string | null; session: SessionRequest },
  now: Date,
): Promise<SignInResult> {
  const keys = { user: userThrottleKey(input.username), ip: ipThrottleKey(input.ip) };
  const verdict = await checkThrottle(db, keys, now);
  if (verdict.kind !== 'ok') {
    await audit(db, { action: 'sign_in.throttled', ip: input.ip, details: { username: input.username.slice(0, 100), verdict: verdict.kind } }, now);
    return verdict;
  }
  const account = pickAccount(await findAccountByKeys(db, usernameKeys(input.username)), input.username);
  const hash = account?.password_hash ?? (await dummy());
  const matches = await verifyPassword(hash, input.password);
  if (!account || !account.password_hash || !matches || account.status !== 'active') {
    await recordFailure(db, keys, now);
    await audit(
      db,
      {
        action: 'sign_in.failed',
        ip: input.ip,
        subjectType: account ? 'user_account' : null,
        subjectId: account?.id ?? null,
        details: { username: input.username.slice(0, 100) },
      },
      now,
    );
    return { kind: 'invalid' };
  }
  // Most sign-ins follow no failure: then there is no counter to clear.
  if (verdict.userFailures) await recordSuccess(db, keys.user);
  if (needsRehash(account.password_hash)) await rehash(db, account.id, await hashPassword(input.password));
  // The sign-in's audit row, the new session and the end of the browser's previous one are written
  // together, all or none. (When an account last signed in is in both; the account row is not written.)
  const { session: asked } = input;
  const { row, started } = newSession(account.id, {
    persistent: asked.remember && account.person_kind !== 'staff',
    ip: input.ip,
    userAgent: asked.userAgent,
    settings: asked.settings,
    now,
  });
  const signedIn = auditRow({ action: 'sign_in', actorAccountId: account.id, subjectType: 'user_account', subjectId: account.id, ip: input.ip }, now);
  await recordSignIn(db, { audit: signedIn, session: row, replaces: asked.replaces });
  return { kind: 'ok', account, mustChangePassword: account.must_change_password === 1, session: started };
}

export { ARGON2_OPTIONS };
