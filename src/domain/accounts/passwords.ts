/**
 * Password hashing: argon2id with OWASP's parameters (m=19456 KiB, t=2, p=1), set explicitly because
 * the library's defaults differ. The E-Signature PIN uses the same function.
 */
import { HashingThreads, HashingUnavailableError } from './hashing-threads.js';

/** Algorithm.Argon2id of @node-rs/argon2 (a const enum, which isolated modules cannot import) */
const ARGON2ID = 2;

export const ARGON2_OPTIONS = {
  algorithm: ARGON2ID,
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
  outputLen: 32,
} as const;

/** One thread per core does the hashing (hashing-threads.ts); pages keep the main thread. */
let threads = new HashingThreads();

/**
 * The hashing threads of web process `index` of `processes` on a machine with `cores`: the cores split
 * as evenly as they go (4 cores, 3 processes: 2, 1, 1), at least one each (so with more processes than
 * cores, hashes outnumber cores).
 */
export function hashingShare(cores: number, processes: number, index: number): number {
  return Math.max(1, Math.floor(cores / processes) + (index < cores % processes ? 1 : 0));
}

/** How many hashing threads this process uses (before its first hash). */
export function setHashingThreads(count: number): void {
  void threads.close();
  threads = new HashingThreads(Math.max(1, Math.floor(count)));
}

/** Hash a password. `salt` is only for reproducible demo data; real accounts get a random one. */
export function hashPassword(password: string, salt?: Uint8Array): Promise<string> {
  return threads.run<string>({ op: 'hash', password: password.normalize('NFKC'), options: salt ? { ...ARGON2_OPTIONS, salt } : { ...ARGON2_OPTIONS } });
}

/** True when a stored hash was made with other parameters than today's: rehash at the next sign-in. */
export function needsRehash(storedHash: string): boolean {
  const { memoryCost, timeCost, parallelism } = ARGON2_OPTIONS;
  return !storedHash.startsWith(`$argon2id$v=19$m=${memoryCost},t=${timeCost},p=${parallelism}$`);
}

export async function verifyPassword(storedHash: string, password: string): Promise<boolean> {
  try {
    return await threads.run<boolean>({ op: 'verify', hash: storedHash, password: password.normalize('NFKC') });
  } catch (error) {
    // No thread to hash on is a server fault (500, logged), never a wrong password: it must not count
    // against the person's throttle.
    if (error instanceof HashingUnavailableError) throw error;
    // A malformed stored hash never matches.
    return false;
  }
}

/**
 * The seed's initial student password: first initial of the first name, first initial of the last
 * name and the birth date as mmddyy, lower case (Allen Alda, 2011-01-03 → aa010311).
 */
export function initialsDobPassword(firstName: string, lastName: string, birthDate: string): string {
  const initial = (s: string) =>
    s
      .normalize('NFD')
      .replace(/[\u0300-\u036f]/g, '')
      .replace(/[^A-Za-z]/g, '')
      .charAt(0)
      .toLowerCase();
  const [yyyy, mm, dd] = birthDate.split('-');
  return `${initial(firstName)}${initial(lastName)}${mm}${dd}${(yyyy ?? '').slice(2)}`;
}
