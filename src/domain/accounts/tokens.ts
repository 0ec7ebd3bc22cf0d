/** Random tokens (256 bits from the CSPRNG) and the hashes under which they are stored. */
import { hash, randomFillSync } from 'node:crypto';

/**
 * Bytes from the CSPRNG are drawn 2 KiB at a time and each handed out once (as Node's own randomUUID
 * does): one call into OpenSSL per 64 tokens instead of one per token, which at every sign-in cost
 * more than the session's database insert.
 */
const pool = Buffer.alloc(2048);
let used = pool.length;

/** `bytes` random bytes (at most 64) as base64url, from the pool. */
export function randomToken(bytes: number): string {
  if (used + bytes > pool.length) {
    randomFillSync(pool);
    used = 0;
  }
  const token = pool.toString('base64url', used, used + bytes);
  // Handed out bytes are overwritten, so that the process keeps no copy of a token it gave away.
  pool.fill(0, used, used + bytes);
  used += bytes;
  return token;
}

/** A 256-bit token: sessions, reset and confirmation links. */
export function newToken(): string {
  return randomToken(32);
}

export function hashToken(token: string): string {
  return hash('sha256', token, 'hex');
}
