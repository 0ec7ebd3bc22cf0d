/**
 * A second factor for staff (issue 25, ADR 0037): an authenticator app's six-digit codes (TOTP, RFC 6238,
 * by `otpauth`: SHA-1, 30 seconds, the defaults every app reads), and ten recovery codes.
 *
 *  - A district setting names the staff roles that must use one; anyone on staff may set one up.
 *    Family accounts never have one.
 *  - Setting up: a secret is made and kept (encrypted) until the person types a code from their app;
 *    then it holds, and the ten recovery codes are shown once (kept as their sha-256).
 *  - Signing in: after the password, a "half signed-in" state — a single-use token of five minutes kept
 *    by the browser, no session — waits for a code. A code is accepted one step (30 s) either side of
 *    now, and never at a step already used (replay). Wrong codes count against the account like failed
 *    sign-ins (throttle.ts); a recovery code works once.
 *  - A district administrator can reset someone else's second factor: it is gone, their sessions end,
 *    and they set one up again at their next sign-in if their role requires one.
 * The secret is never logged, never in the audit log, and never shown once the setup is finished.
 */
import { createCipheriv, createDecipheriv, hash, randomBytes, randomInt } from 'node:crypto';
import type { Kysely } from 'kysely';
import { Secret, TOTP } from 'otpauth';
import type { DB, StaffRole } from '../../db/schema.js';
import { audit, auditRow } from '../audit/service.js';
import { appSecret } from '../system/secrets.js';
import { findAccountById, findToken, insertToken, recordSignIn, useToken, type AccountRow } from './repository.js';
import {
  countUnusedRecoveryCodes,
  deleteSecondFactor,
  findSecondFactor,
  putPendingSecondFactor,
  replaceRecoveryCodes,
  rolesOfStaff,
  takeStep,
  useRecoveryCode,
} from './second-factor-repository.js';
import { deleteSessionsOf } from './repository.js';
import { newSession, type SessionSettings, type StartedSession } from './sessions.js';
import { ipThrottleKey, recordFailure, recordSuccess, throttledTry } from './throttle.js';
import { hashToken, newToken } from './tokens.js';

export const PERIOD_SECONDS = 30;
export const RECOVERY_CODE_COUNT = 10;
/** How long the half signed-in state waits for a code. */
export const PENDING_MINUTES = 5;
/** The letters of a recovery code: digits and lower-case letters without i, l, o, u (read aloud, copied by hand). */
const RECOVERY_ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

// ── the secret, sealed ─────────────────────────────────────────────────────────────────────────────

/** The key the secrets are sealed with: made once per district and kept with the application's secrets. */
async function sealingKey(db: Kysely<DB>, now: Date): Promise<Buffer> {
  return Buffer.from(hash('sha256', `second-factor:${await appSecret(db, 'second-factor', now)}`, 'buffer'));
}

function seal(key: Buffer, plain: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return [iv, cipher.getAuthTag(), body].map((b) => b.toString('base64url')).join('.');
}

function unseal(key: Buffer, sealed: string): string {
  const [iv, tag, body] = sealed.split('.').map((p) => Buffer.from(p, 'base64url'));
  const decipher = createDecipheriv('aes-256-gcm', key, iv!);
  decipher.setAuthTag(tag!);
  return Buffer.concat([decipher.update(body!), decipher.final()]).toString('utf8');
}

// ── who must use one ───────────────────────────────────────────────────────────────────────────────

/** Whether one of these roles is among those the district requires a second factor of. */
export function rolesRequire(roles: readonly string[], required: readonly StaffRole[]): boolean {
  return roles.some((r) => (required as readonly string[]).includes(r));
}

/** Whether the district requires a second factor of this account (staff only, by their roles now). */
export async function secondFactorRequired(db: Kysely<DB>, account: Pick<AccountRow, 'person_kind' | 'staff_id'>, required: readonly StaffRole[]): Promise<boolean> {
  if (account.person_kind !== 'staff' || !account.staff_id || required.length === 0) return false;
  return rolesRequire(await rolesOfStaff(db, account.staff_id), required);
}

/** Whether the account has a finished second factor. */
export async function hasSecondFactor(db: Kysely<DB>, accountId: number): Promise<boolean> {
  return Boolean((await findSecondFactor(db, accountId))?.confirmed_at);
}

/**
 * What a signed-in staff member must do before anything else: set up a second factor, when their role
 * requires one and they have none. Families: never.
 */
export async function mustSetUpSecondFactor(db: Kysely<DB>, account: Pick<AccountRow, 'id' | 'person_kind' | 'staff_id'>, required: readonly StaffRole[]): Promise<boolean> {
  if (!(await secondFactorRequired(db, account, required))) return false;
  return !(await hasSecondFactor(db, account.id));
}

export interface SecondFactorStatus {
  enrolled: boolean;
  /** unused recovery codes left */
  recoveryCodesLeft: number;
  /** the district requires one of this person */
  required: boolean;
}

export async function secondFactorStatus(db: Kysely<DB>, account: Pick<AccountRow, 'id' | 'person_kind' | 'staff_id'>, required: readonly StaffRole[]): Promise<SecondFactorStatus> {
  const enrolled = await hasSecondFactor(db, account.id);
  return { enrolled, recoveryCodesLeft: enrolled ? await countUnusedRecoveryCodes(db, account.id) : 0, required: await secondFactorRequired(db, account, required) };
}

// ── setting one up ─────────────────────────────────────────────────────────────────────────────────

export interface PendingSetup {
  /** base32, in groups of four for typing */
  secret: string;
  /** the otpauth:// address an app reads from the QR code */
  uri: string;
}

function totpOf(secret: string, label: string, issuer: string): TOTP {
  return new TOTP({ issuer, label, secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: PERIOD_SECONDS });
}

function setupOf(secret: string, account: Pick<AccountRow, 'username'>, issuer: string): PendingSetup {
  return { secret: secret.replace(/(.{4})(?=.)/g, '$1 '), uri: totpOf(secret, account.username, issuer).toString() };
}

/**
 * The setup in progress for a staff account that has no second factor: the one started before (shown
 * again while it is not finished), or a new secret. Null when the account has one already, or is not staff.
 */
export async function setupInProgress(db: Kysely<DB>, account: Pick<AccountRow, 'id' | 'username' | 'person_kind'>, issuer: string, now: Date): Promise<PendingSetup | null> {
  if (account.person_kind !== 'staff') return null;
  const row = await findSecondFactor(db, account.id);
  if (row?.confirmed_at) return null;
  const key = await sealingKey(db, now);
  if (row) return setupOf(unseal(key, row.secret), account, issuer);
  const secret = new Secret({ size: 20 }).base32;
  await putPendingSecondFactor(db, { account_id: account.id, secret: seal(key, secret), created_at: now.toISOString() });
  return setupOf(secret, account, issuer);
}

/** The code as typed: six digits (spaces allowed), or a recovery code (ten letters and digits, dashes and spaces allowed). */
export function readCode(typed: string): { kind: 'app'; code: string } | { kind: 'recovery'; code: string } | null {
  const compact = typed.normalize('NFKC').replace(/[\s-]/g, '').toLowerCase();
  if (/^\d{6}$/.test(compact)) return { kind: 'app', code: compact };
  const recovery = compact.replace(/o/g, '0').replace(/[il]/g, '1');
  if (recovery.length === 10 && [...recovery].every((c) => RECOVERY_ALPHABET.includes(c))) return { kind: 'recovery', code: recovery };
  return null;
}

export type CodeCheck = { kind: 'ok' } | { kind: 'badFormat' } | { kind: 'wrongCode' } | { kind: 'wait'; retryAfterSeconds: number } | { kind: 'locked'; retryAfterSeconds: number };

const throttleKey = (accountId: number) => `second-factor:${accountId}`;

/**
 * Checks an app code of the account against its secret (pending or finished, as `finished` says) and takes
 * its step; or, when `recovery` allows, uses a recovery code. Wrong answers count like failed sign-ins,
 * against the account and the address.
 */
async function checkCode(
  db: Kysely<DB>,
  input: { accountId: number; typed: string; ip: string | null; finished: boolean; recovery: boolean },
  now: Date,
  /** run in the same try once the code is accepted */
  then: (trx: Kysely<DB>, kind: 'app' | 'recovery') => Promise<void>,
): Promise<CodeCheck> {
  const code = readCode(input.typed);
  // Something that cannot be a code is a form to fix, not a guess: not counted.
  if (!code || (code.kind === 'recovery' && !input.recovery)) return { kind: 'badFormat' };
  const keys = { user: throttleKey(input.accountId), ip: ipThrottleKey(input.ip) };
  return throttledTry(db, keys, now, async (verdict): Promise<CodeCheck> => {
    if (verdict.kind !== 'ok') return verdict;
    const accepted = await db.transaction().execute(async (trx) => {
      let ok = false;
      if (code.kind === 'recovery') ok = await useRecoveryCode(trx, input.accountId, hashToken(`recovery:${code.code}`), now.toISOString());
      else {
        const row = await findSecondFactor(trx, input.accountId);
        if (row && Boolean(row.confirmed_at) === input.finished) {
          const secret = unseal(await sealingKey(trx, now), row.secret);
          const delta = TOTP.validate({ token: code.code, secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: PERIOD_SECONDS, timestamp: now.getTime(), window: 1 });
          if (delta !== null) {
            const step = Math.floor(now.getTime() / 1000 / PERIOD_SECONDS) + delta;
            ok = await takeStep(trx, input.accountId, step, input.finished ? null : now.toISOString());
          }
        }
      }
      if (ok) await then(trx, code.kind === 'recovery' ? 'recovery' : 'app');
      return ok;
    });
    if (!accepted) {
      await recordFailure(db, { key: verdict.key, ip: keys.ip }, now);
      return { kind: 'wrongCode' };
    }
    if (verdict.failures) await recordSuccess(db, verdict.key);
    return { kind: 'ok' };
  });
}

/** Ten new recovery codes: their text to show once, their hashes to keep. */
function newRecoveryCodes(): { shown: string[]; hashes: string[] } {
  const shown: string[] = [];
  const hashes: string[] = [];
  while (shown.length < RECOVERY_CODE_COUNT) {
    const code = Array.from({ length: 10 }, () => RECOVERY_ALPHABET[randomInt(RECOVERY_ALPHABET.length)]).join('');
    const h = hashToken(`recovery:${code}`);
    if (hashes.includes(h)) continue;
    shown.push(`${code.slice(0, 5)}-${code.slice(5)}`);
    hashes.push(h);
  }
  return { shown, hashes };
}

export type SetupResult = CodeCheck | { kind: 'done'; recoveryCodes: string[] } | { kind: 'notStarted' };

/** Finishes the setup with a code from the app: the second factor holds from now on, with ten recovery codes. */
export async function finishSetup(db: Kysely<DB>, input: { account: Pick<AccountRow, 'id' | 'person_kind'>; code: string; ip: string | null }, now: Date): Promise<SetupResult> {
  const row = input.account.person_kind === 'staff' ? await findSecondFactor(db, input.account.id) : undefined;
  if (!row || row.confirmed_at) return { kind: 'notStarted' };
  const codes = newRecoveryCodes();
  const checked = await checkCode(db, { accountId: input.account.id, typed: input.code, ip: input.ip, finished: false, recovery: false }, now, async (trx) => {
    await replaceRecoveryCodes(trx, input.account.id, codes.hashes, now.toISOString());
    await audit(trx, { action: 'second_factor.enrolled', actorAccountId: input.account.id, subjectType: 'user_account', subjectId: input.account.id, ip: input.ip }, now);
  });
  return checked.kind === 'ok' ? { kind: 'done', recoveryCodes: codes.shown } : checked;
}

/** New recovery codes in place of the old ones, with a code from the app. */
export async function renewRecoveryCodes(db: Kysely<DB>, input: { account: Pick<AccountRow, 'id'>; code: string; ip: string | null }, now: Date): Promise<SetupResult> {
  if (!(await hasSecondFactor(db, input.account.id))) return { kind: 'notStarted' };
  const codes = newRecoveryCodes();
  const checked = await checkCode(db, { accountId: input.account.id, typed: input.code, ip: input.ip, finished: true, recovery: false }, now, async (trx) => {
    // The codes are replaced in the transaction that took the step (checkCode's).
    await replaceRecoveryCodes(trx, input.account.id, codes.hashes, now.toISOString());
    await audit(trx, { action: 'second_factor.recovery_codes_renewed', actorAccountId: input.account.id, subjectType: 'user_account', subjectId: input.account.id, ip: input.ip }, now);
  });
  return checked.kind === 'ok' ? { kind: 'done', recoveryCodes: codes.shown } : checked;
}

export type RemoveResult = CodeCheck | { kind: 'notStarted' };

/**
 * The holder turns their second factor off, with a code (or a recovery code). When their role requires
 * one, the guard then has them set up a new one before anything else: how a new phone replaces a lost one.
 */
export async function removeOwnSecondFactor(db: Kysely<DB>, input: { account: Pick<AccountRow, 'id'>; code: string; ip: string | null }, now: Date): Promise<RemoveResult> {
  if (!(await hasSecondFactor(db, input.account.id))) return { kind: 'notStarted' };
  return checkCode(db, { accountId: input.account.id, typed: input.code, ip: input.ip, finished: true, recovery: true }, now, async (trx) => {
    await deleteSecondFactor(trx, input.account.id);
    await audit(trx, { action: 'second_factor.removed', actorAccountId: input.account.id, subjectType: 'user_account', subjectId: input.account.id, ip: input.ip }, now);
  });
}

/**
 * A district administrator resets a staff member's second factor (a lost phone): it is gone with its
 * recovery codes, the person's sessions end, audited. Not one's own (that is the account page's).
 * The caller has checked that the actor is a district administrator and the account is staff.
 */
export async function resetSecondFactor(db: Kysely<DB>, input: { actorAccountId: number; accountId: number; ip: string | null }, now: Date): Promise<'reset' | 'none' | 'self'> {
  if (input.actorAccountId === input.accountId) return 'self';
  return db.transaction().execute(async (trx) => {
    const had = await hasSecondFactor(trx, input.accountId);
    if (!had) return 'none';
    await deleteSecondFactor(trx, input.accountId);
    await deleteSessionsOf(trx, input.accountId);
    await audit(trx, { action: 'second_factor.reset', actorAccountId: input.actorAccountId, subjectType: 'user_account', subjectId: input.accountId, ip: input.ip, details: { sessionsEnded: true } }, now);
    return 'reset';
  });
}

// ── signing in ─────────────────────────────────────────────────────────────────────────────────────

/** The password was right: a half signed-in state for the browser to keep (the token), no session. */
export async function beginCodeStep(db: Kysely<DB>, account: Pick<AccountRow, 'id'>, ip: string | null, now: Date): Promise<string> {
  const token = newToken();
  await insertToken(db, {
    account_id: account.id,
    purpose: 'second_factor',
    token_hash: hashToken(token),
    email: null,
    created_at: now.toISOString(),
    expires_at: new Date(now.getTime() + PENDING_MINUTES * 60_000).toISOString(),
  });
  await audit(db, { action: 'sign_in.password_accepted', subjectType: 'user_account', subjectId: account.id, ip, details: { secondFactor: true } }, now);
  return token;
}

/** The account a half signed-in state is for, while it lasts. */
async function pendingOf(db: Kysely<DB>, token: string, now: Date): Promise<{ tokenId: number; account: AccountRow } | null> {
  if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return null;
  const row = await findToken(db, 'second_factor', hashToken(token));
  if (!row || row.used_at || Date.parse(row.expires_at) <= now.getTime() || !row.account_id) return null;
  const account = await findAccountById(db, row.account_id);
  if (!account || account.status !== 'active' || account.person_kind !== 'staff') return null;
  return { tokenId: row.id, account };
}

/** Whether a half signed-in state still waits for its code. */
export async function codeStepOpen(db: Kysely<DB>, token: string, now: Date): Promise<boolean> {
  return (await pendingOf(db, token, now)) !== null;
}

export type CodeSignIn =
  | { kind: 'ok'; account: AccountRow; session: StartedSession; recoveryCodesLeft: number | null }
  | { kind: 'expired' }
  | Exclude<CodeCheck, { kind: 'ok' }>;

/** The code step: the right code (or an unused recovery code) ends the half state and starts the session. */
export async function finishCodeStep(
  db: Kysely<DB>,
  input: { token: string; code: string; ip: string | null; userAgent: string | null; settings: SessionSettings; replaces: string | null },
  now: Date,
): Promise<CodeSignIn> {
  const pending = await pendingOf(db, input.token, now);
  if (!pending) return { kind: 'expired' };
  const { account } = pending;
  const used: { how: 'app' | 'recovery' } = { how: 'app' };
  const checked = await checkCode(db, { accountId: account.id, typed: input.code, ip: input.ip, finished: true, recovery: true }, now, async (trx, kind) => {
    used.how = kind;
    if (!(await useToken(trx, pending.tokenId, now.toISOString()))) throw new PendingUsed();
  }).catch((error: unknown) => {
    if (error instanceof PendingUsed) return { kind: 'expired' } as const;
    throw error;
  });
  if (checked.kind !== 'ok') return checked;
  const { row, started } = newSession(account.id, { persistent: false, ip: input.ip, userAgent: input.userAgent, settings: input.settings, now });
  const signedIn = auditRow({ action: 'sign_in', actorAccountId: account.id, subjectType: 'user_account', subjectId: account.id, ip: input.ip, details: { secondFactor: used.how } }, now);
  await recordSignIn(db, { audit: signedIn, session: row, replaces: input.replaces });
  return { kind: 'ok', account, session: started, recoveryCodesLeft: used.how === 'recovery' ? await countUnusedRecoveryCodes(db, account.id) : null };
}

/** Two tries with one half signed-in state at once: the second finds it used. */
class PendingUsed extends Error {}
