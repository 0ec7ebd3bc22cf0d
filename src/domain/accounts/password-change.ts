/**
 * Changing a password: the current one is required (except right after a sign-in with a password the
 * district issued), the new one must pass the policy, every other session ends, and the holder is told
 * by email at the confirmed security address.
 */
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import { audit } from '../audit/service.js';
import { tellPasswordChanged, type AccountMailDistrict } from './mail.js';
import { checkNewPassword, type PasswordProblem } from './password-policy.js';
import { hashPassword, verifyPassword } from './passwords.js';
import { endOutstandingTokens, setPassword, type AccountRow } from './repository.js';
import { endSessionsOf } from './sessions.js';
import { endFeedOf } from '../calendar/feed-end.js';
import { passwordContextOf, reauthenticate } from './reauthenticate.js';
import type { DeviceToken } from './devices.js';

export type ChangePasswordResult =
  | { kind: 'ok' }
  /** a first password's forced change, long after the sign-in: sign in again (where the district's rules apply) */
  | { kind: 'signInAgain' }
  | { kind: 'problem'; field: 'current' | 'password'; problem: PasswordProblem | 'wrongCurrent' | 'missingCurrent' }
  | { kind: 'wait'; retryAfterSeconds: number };

/** how long after the sign-in a first password's forced change may be made without signing in again */
export const FORCED_CHANGE_MINUTES = 15;

export interface ChangePasswordInput {
  account: AccountRow;
  current: string | undefined;
  password: string;
  /** the session to keep; every other one ends */
  sessionId: string;
  /** when that session began (its sign-in with the password) */
  sessionStartedAt: Date;
  ip: string | null;
  /** the browser's known-device token (devices.ts) */
  device?: DeviceToken;
  minLength: number;
  district: AccountMailDistrict;
}

export async function changePassword(db: Kysely<DB>, input: ChangePasswordInput, now: Date): Promise<ChangePasswordResult> {
  const { account } = input;
  const forced = account.must_change_password === 1;
  // The forced change asks for no current password only just after the sign-in with it: a session kept
  // from a sign-in at school must not set the password from anywhere days later, when the first password
  // itself would no longer sign in there (first-passwords.ts).
  if (forced && now.getTime() - input.sessionStartedAt.getTime() > FORCED_CHANGE_MINUTES * 60_000) return { kind: 'signInAgain' };
  if (!forced) {
    const check = await reauthenticate(db, account, input.current, input.ip, now, input.device);
    if (check.kind === 'wait') return check;
    if (check.kind === 'wrongPassword') return { kind: 'problem', field: 'current', problem: 'wrongCurrent' };
    if (check.kind === 'missingPassword') return { kind: 'problem', field: 'current', problem: 'missingCurrent' };
  }
  const problem = checkNewPassword(input.password, passwordContextOf(account, input.minLength));
  if (problem) return { kind: 'problem', field: 'password', problem };
  if (account.password_hash && (await verifyPassword(account.password_hash, input.password))) {
    return { kind: 'problem', field: 'password', problem: 'sameAsCurrent' };
  }
  const hash = await hashPassword(input.password);
  await db.transaction().execute(async (trx) => {
    await setPassword(trx, account.id, hash, now.toISOString(), account.id);
    // Links asked for with the old password (a reset, a new security email) end with it.
    await endOutstandingTokens(trx, account.id, now.toISOString());
    await endSessionsOf(trx, account.id, input.sessionId);
    await endFeedOf(trx, account.id);
    await audit(trx, { action: forced ? 'password.initial_changed' : 'password.changed', actorAccountId: account.id, subjectType: 'user_account', subjectId: account.id, ip: input.ip }, now);
    await tellPasswordChanged(trx, account, input.district, now);
  });
  return { kind: 'ok' };
}
