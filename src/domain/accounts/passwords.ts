/**
 * Password hashing: argon2id with OWASP's parameters (m=19456 KiB, t=2, p=1), set explicitly because
 * the library's defaults differ. The E-Signature PIN uses the same function.
 */
import os from 'node:os';
import { hash, verify } from '@node-rs/argon2';

/** Algorithm.Argon2id of @node-rs/argon2 (a const enum, which isolated modules cannot import) */
const ARGON2ID = 2;

export const ARGON2_OPTIONS = {
  algorithm: ARGON2ID,
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
  outputLen: 32,
} as const;

/**
 * At most one hash per core at a time, plus one. Each takes ~10 ms of CPU and 19 MiB; during a sign-in
 * storm more at once would only add memory and take CPU away from every other page (with four at once
 * on two cores, other pages' p99 was 105 ms). The one extra keeps the cores busy between hashes: a
 * finished hash's slot is given to the next one by the main thread, and while that thread is busy with
 * another request a core sat idle (8–9 % idle during a storm with exactly one per core, 1–2 % with one
 * more).
 */
const slots = Math.max(1, os.availableParallelism()) + 1;
let running = 0;
const waiting: (() => void)[] = [];

async function limited<T>(work: () => Promise<T>): Promise<T> {
  if (running >= slots) await new Promise<void>((resolve) => waiting.push(resolve));
  running++;
  try {
    return await work();
  } finally {
    running--;
    waiting.shift()?.();
  }
}

/** Hash a password. `salt` is only for reproducible demo data; real accounts get a random one. */
export function hashPassword(password: string, salt?: Uint8Array): Promise<string> {
  return limited(() => hash(password.normalize('NFKC'), salt ? { ...ARGON2_OPTIONS, salt } : ARGON2_OPTIONS));
}

/** True when a stored hash was made with other parameters than today's: rehash at the next sign-in. */
export function needsRehash(storedHash: string): boolean {
  const { memoryCost, timeCost, parallelism } = ARGON2_OPTIONS;
  return !storedHash.startsWith(`$argon2id$v=19$m=${memoryCost},t=${timeCost},p=${parallelism}$`);
}

export async function verifyPassword(storedHash: string, password: string): Promise<boolean> {
  try {
    return await limited(() => verify(storedHash, password.normalize('NFKC')));
  } catch {
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
