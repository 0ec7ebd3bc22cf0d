/**
 * Asking a signed-in person for their password again (to change the password, the security email or
 * the PIN): wrong answers count against the username like failed sign-ins — or, from a known device,
 * against the device (devices.ts) — so these forms cannot be used to guess a password either, and a
 * stranger's guesses at the username do not stop its holder from changing their password.
 */
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import type { DeviceToken } from './devices.js';
import type { PasswordContext } from './password-policy.js';
import { verifyPassword } from './passwords.js';
import type { AccountRow } from './repository.js';
import { ipThrottleKey, recordFailure, throttledTry, userThrottleKey } from './throttle.js';

export type Reauthentication = { kind: 'ok' } | { kind: 'missingPassword' } | { kind: 'wrongPassword' } | { kind: 'wait'; retryAfterSeconds: number };


export async function reauthenticate(
  db: Kysely<DB>,
  account: Pick<AccountRow, 'username' | 'password_hash'>,
  password: string | null | undefined,
  ip: string | null,
  now: Date,
  device?: DeviceToken,
): Promise<Reauthentication> {
  // An empty field is a form to fill in, not a guess: it is not checked and does not count.
  if (!password) return { kind: 'missingPassword' };
  const keys = {
    user: userThrottleKey(account.username),
    ip: ipThrottleKey(ip),
    device: device ? device.known.throttleKey(device.token, account.username, now) : null,
  };
  return throttledTry(db, keys, now, async (verdict): Promise<Reauthentication> => {
    if (verdict.kind !== 'ok') return { kind: 'wait', retryAfterSeconds: verdict.retryAfterSeconds };
    if (!account.password_hash || !(await verifyPassword(account.password_hash, password))) {
      await recordFailure(db, { key: verdict.key, ip: keys.ip }, now);
      return { kind: 'wrongPassword' };
    }
    return { kind: 'ok' };
  });
}

/** What the password policy must know about an account's holder. */
export function passwordContextOf(
  account: Pick<AccountRow, 'username' | 'first_name' | 'last_name' | 'student_number' | 'birth_date'>,
  minLength: number,
): PasswordContext {
  return {
    minLength,
    username: account.username,
    names: [account.first_name, account.last_name],
    studentNumber: account.student_number,
    birthDate: account.birth_date,
  };
}
