/**
 * The E-Signature PIN of the seed's Account Settings: 4 to 8 digits, hashed like a password, set,
 * changed or removed only with the account's password. The district decides whether it is used yet.
 */
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import { audit } from '../audit/service.js';
import { hashPassword, verifyPassword } from './passwords.js';
import type { AccountRow } from './repository.js';
import { checkThrottle, ipThrottleKey, recordFailure, userThrottleKey } from './throttle.js';

export type PinResult = { kind: 'saved' } | { kind: 'removed' } | { kind: 'wrongPassword' } | { kind: 'wait'; retryAfterSeconds: number };

export async function updatePin(
  db: Kysely<DB>,
  input: { account: AccountRow; pin: string | null; password: string; ip: string | null },
  now: Date,
): Promise<PinResult> {
  const { account } = input;
  const keys = { user: userThrottleKey(account.username), ip: ipThrottleKey(input.ip) };
  const verdict = await checkThrottle(db, keys, now);
  if (verdict.kind === 'wait') return verdict;
  if (verdict.kind === 'locked') return { kind: 'wait', retryAfterSeconds: 900 };
  if (!account.password_hash || !(await verifyPassword(account.password_hash, input.password))) {
    await recordFailure(db, keys, now);
    return { kind: 'wrongPassword' };
  }
  const pinHash = input.pin === null ? null : await hashPassword(input.pin);
  await db
    .updateTable('user_accounts')
    .set({ pin_hash: pinHash, updated_at: now.toISOString(), updated_by: account.id })
    .where('id', '=', account.id)
    .execute();
  await audit(db, { action: pinHash ? 'pin.saved' : 'pin.removed', actorAccountId: account.id, subjectType: 'user_account', subjectId: account.id, ip: input.ip }, now);
  return pinHash ? { kind: 'saved' } : { kind: 'removed' };
}
