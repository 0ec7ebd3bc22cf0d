/**
 * Signing in. Wrong username and wrong password give the same answer in the same time: an unknown
 * username is checked against a dummy hash. Throttling is per username (known or not) and per address.
 * Usernames: a student's is the student number exactly as issued ("0045" is not "45"); guardians' and
 * staff's are case-insensitive.
 */
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import { audit, auditRow } from '../audit/service.js';
import { normalizeStudentNumber, normalizeUsername, usernameKeysOf } from './identity.js';
import { hashPassword, needsRehash, verifyPassword } from './passwords.js';
import { firstPasswordProblem, reportFirstSignIn, type FirstPasswordProblem, type FirstPasswordRules } from './first-passwords.js';
import type { AccountMailDistrict } from './mail.js';
import { findAccountByKeys, recordSignIn, rehash, useToken, type AccountRow } from './repository.js';
import { challengeId, findSignInCode } from './sign-in-codes.js';
import { beginCodeStep, hasSecondFactor } from './second-factor.js';
import { newSession, type SessionSettings, type StartedSession } from './sessions.js';
import { deviceLabel, type DeviceToken } from './devices.js';
import { notifyAccountEvent } from '../notifications/service.js';
import { ipThrottleKey, recordFailure, recordSuccess, throttledTry, userThrottleKey, type SignInVerdict } from './throttle.js';

export type SignInResult =
  | {
      kind: 'ok';
      account: AccountRow;
      mustChangePassword: boolean;
      session: StartedSession;
      /** for the browser to keep: it is a known device of this username from now on (devices.ts) */
      deviceToken: string | null;
    }
  | { kind: 'invalid' }
  | { kind: 'wait'; retryAfterSeconds: number }
  | { kind: 'locked'; retryAfterSeconds: number }
  /** the emailed sign-in code is wrong, used, expired or not this browser's */
  | { kind: 'codeInvalid' }
  /** the right first password, but it may not sign in here or now (first-passwords.ts) */
  | { kind: 'firstPassword'; problem: FirstPasswordProblem }
  /** the right password of a staff member with a second factor: a half signed-in state waits for a code (second-factor.ts) */
  | { kind: 'secondFactor'; token: string };

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

export const usernameKeys = usernameKeysOf;

/** Which account a typed username names: an exact student number first, else by the identity rule. */
export function pickAccount(rows: AccountRow[], username: string): AccountRow | undefined {
  return (
    rows.find((r) => r.person_kind === 'student' && r.username_key === normalizeStudentNumber(username)) ??
    rows.find((r) => r.person_kind !== 'student' && r.username_key === normalizeUsername(username))
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

/** What the district decides about a sign-in: its first-password rules and school networks, and its mail. */
export interface SignInPolicy {
  firstPasswords: FirstPasswordRules;
  district: AccountMailDistrict;
  /** when the district ends guardians' access at 18 (district/settings.ts adultCutoff) */
  adultBornOnOrBefore: string | null;
}

export interface SignInInput {
  username: string;
  password: string;
  ip: string | null;
  session: SessionRequest;
  /** the browser's token of a known device (devices.ts), if any, and who checks it (none: no browser) */
  device?: DeviceToken;
  /** an emailed sign-in code and the browser's challenge it was asked with (sign-in-codes.ts) */
  code?: { challenge: string; code: string } | null;
  policy: SignInPolicy;
}

export async function signIn(db: Kysely<DB>, input: SignInInput, now: Date): Promise<SignInResult> {
  const schoolNetwork = input.policy.firstPasswords.networks.has(input.ip);
  if (input.code) {
    // With a code the try counts against the browser's challenge, not the username or the address: a
    // stranger who slowed the username or the building's address down does not hold back its holder,
    // who has the code.
    // A code without this browser's challenge cannot be right: nothing to look up or count.
    if (!/^[A-Za-z0-9_-]{43}$/.test(input.code.challenge)) return { kind: 'codeInvalid' };
    const keys = { user: `challenge:${challengeId(input.code.challenge)}`, ip: ipThrottleKey(input.ip), schoolNetwork, pastAddressLimit: true };
    return throttledTry(db, keys, now, (verdict) => attemptWithCode(db, input, keys, verdict, now));
  }
  const keys = {
    user: userThrottleKey(input.username),
    ip: ipThrottleKey(input.ip),
    device: input.device ? input.device.known.throttleKey(input.device.token, input.username, now) : null,
    schoolNetwork,
  };
  // One try per username (or known device) at a time in this process: see throttle.ts.
  return throttledTry(db, keys, now, (verdict) => attempt(db, input, keys, verdict, now));
}

async function attemptWithCode(
  db: Kysely<DB>,
  input: SignInInput,
  keys: { ip: string | null; schoolNetwork: boolean },
  verdict: SignInVerdict,
  now: Date,
): Promise<SignInResult> {
  if (verdict.kind !== 'ok') {
    await audit(db, { action: 'sign_in.throttled', ip: input.ip, details: { username: input.username.slice(0, 100), verdict: verdict.kind, code: true } }, now);
    return verdict;
  }
  const { challenge, code } = input.code!;
  const found = await findSignInCode(db, challenge, code, now);
  const account = pickAccount(await findAccountByKeys(db, usernameKeys(input.username)), input.username);
  if (!found || !account || found.accountId !== account.id) {
    await recordFailure(db, { key: verdict.key, ip: keys.ip, schoolNetwork: keys.schoolNetwork }, now);
    await audit(db, { action: 'sign_in.code_failed', ip: input.ip, details: { username: input.username.slice(0, 100) } }, now);
    return { kind: 'codeInvalid' };
  }
  const matches = account.password_hash ? await verifyPassword(account.password_hash, input.password) : false;
  if (!matches || account.status !== 'active') {
    await recordFailure(db, { key: verdict.key, ip: keys.ip, schoolNetwork: keys.schoolNetwork }, now);
    await audit(db, { action: 'sign_in.failed', ip: input.ip, subjectType: 'user_account', subjectId: account.id, details: { username: input.username.slice(0, 100), code: true } }, now);
    return { kind: 'invalid' };
  }
  return signedIn(db, input, account, { key: verdict.key, failures: verdict.failures }, now, found.tokenId);
}

async function attempt(
  db: Kysely<DB>,
  input: SignInInput,
  keys: { user: string; ip: string | null; device: string | null; schoolNetwork: boolean },
  verdict: SignInVerdict,
  now: Date,
): Promise<SignInResult> {
  if (verdict.kind !== 'ok') {
    await audit(db, { action: 'sign_in.throttled', ip: input.ip, details: { username: input.username.slice(0, 100), verdict: verdict.kind } }, now);
    return verdict;
  }
  const account = pickAccount(await findAccountByKeys(db, usernameKeys(input.username)), input.username);
  const hash = account?.password_hash ?? (await dummy());
  const matches = await verifyPassword(hash, input.password);
  if (!account || !account.password_hash || !matches || account.status !== 'active') {
    await recordFailure(db, { key: verdict.key, ip: keys.ip, schoolNetwork: keys.schoolNetwork }, now);
    await audit(
      db,
      {
        action: 'sign_in.failed',
        ip: input.ip,
        subjectType: account ? 'user_account' : null,
        subjectId: account?.id ?? null,
        details: { username: input.username.slice(0, 100), ...(keys.device ? { knownDevice: true } : {}) },
      },
      now,
    );
    return { kind: 'invalid' };
  }
  return signedIn(db, input, account, verdict, now);
}

/** The password matched (and the code, if there was one): the district's first-password rules, then the session. */
async function signedIn(
  db: Kysely<DB>,
  input: SignInInput,
  account: AccountRow,
  verdict: { key: string; failures: number },
  now: Date,
  /** the emailed code this try came with: used now, once the district's rules have passed */
  codeTokenId?: number,
): Promise<SignInResult> {
  const { policy } = input;
  const problem = firstPasswordProblem(account, policy.firstPasswords, input.ip, now);
  if (problem) {
    await audit(db, { action: 'sign_in.first_password_refused', subjectType: 'user_account', subjectId: account.id, ip: input.ip, details: { problem } }, now);
    return { kind: 'firstPassword', problem };
  }
  if (codeTokenId !== undefined && !(await useToken(db, codeTokenId, now.toISOString()))) return { kind: 'codeInvalid' };
  // Most sign-ins follow no failure: then there is no counter to clear. From a known device only the
  // device's counter is cleared: the holder signing in does not reset a stranger's wait at the username.
  if (verdict.failures) await recordSuccess(db, verdict.key);
  if (needsRehash(account.password_hash!)) await rehash(db, account.id, await hashPassword(input.password));
  // Staff with a second factor: no session yet, only the code step (families never have one).
  if (account.person_kind === 'staff' && (await hasSecondFactor(db, account.id))) return { kind: 'secondFactor', token: await beginCodeStep(db, account, input.ip, now) };
  // The first sign-in with a first password the district issued is told to the student's guardians.
  if (account.initial_password && !account.initial_password_used_at) {
    await db.transaction().execute((trx) => reportFirstSignIn(trx, account, { ip: input.ip, district: policy.district, adultBornOnOrBefore: policy.adultBornOnOrBefore }, now));
  }
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
  // A browser without this username's known-device token (devices.ts) is a new device: always told
  // (issue 22, ADR 0041) — but not the account's very first sign-in (there is no other device yet).
  const newDevice = input.device !== undefined && input.device.known.throttleKey(input.device.token, input.username, now) === null && (await hasSignedIn(db, account.id));
  await recordSignIn(db, { audit: signedIn, session: row, replaces: asked.replaces });
  if (newDevice) await db.transaction().execute((trx) => notifyAccountEvent(trx, account.id, 'newDevice', now, { device: deviceLabel(asked.userAgent) }));
  return { kind: 'ok', account, mustChangePassword: account.must_change_password === 1, session: started, deviceToken: input.device?.known.issue(input.device.token, input.username, now) ?? null };
}


/** Whether the account signed in before (its audit rows say so). */
async function hasSignedIn(db: Kysely<DB>, accountId: number): Promise<boolean> {
  const row = await db.selectFrom('audit_log').select('id').where('subject_type', '=', 'user_account').where('subject_id', '=', accountId).where('action', '=', 'sign_in').limit(1).executeTakeFirst();
  return row !== undefined;
}
