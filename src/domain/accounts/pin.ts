/**
 * The E-Signature PIN of the seed's Account Settings: 4 to 8 digits, hashed like a password, set,
 * changed or removed only with the account's password. The district decides whether it is used yet.
 */
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import { audit } from '../audit/service.js';
import { hashPassword } from './passwords.js';
import type { DeviceToken } from './devices.js';
import { reauthenticate } from './reauthenticate.js';
import type { AccountRow } from './repository.js';

export type PinResult =
  | { kind: 'saved' }
  | { kind: 'removed' }
  | { kind: 'missingPassword' }
  | { kind: 'wrongPassword' }
  | { kind: 'wait'; retryAfterSeconds: number };

export async function updatePin(
  db: Kysely<DB>,
  input: { account: AccountRow; pin: string | null; password: string; ip: string | null; device?: DeviceToken },
  now: Date,
): Promise<PinResult> {
  const { account } = input;
  const check = await reauthenticate(db, account, input.password, input.ip, now, input.device);
  if (check.kind !== 'ok') return check;
  const pinHash = input.pin === null ? null : await hashPassword(input.pin);
  await db
    .updateTable('user_accounts')
    .set({ pin_hash: pinHash, updated_at: now.toISOString(), updated_by: account.id })
    .where('id', '=', account.id)
    .execute();
  await audit(db, { action: pinHash ? 'pin.saved' : 'pin.removed', actorAccountId: account.id, subjectType: 'user_account', subjectId: account.id, ip: input.ip }, now);
  return pinHash ? { kind: 'saved' } : { kind: 'removed' };
}
