/**
 * The tests' own authenticator app: RFC 6238 (TOTP, HMAC-SHA-1, 30-second steps, six digits) written out
 * from the RFC with node:crypto, so the codes the tests type are not made by the library under test.
 */
import { createHmac } from 'node:crypto';

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** The key of a base32 secret as an app reads it (spaces ignored, RFC 4648 alphabet, no padding). */
export function base32Decode(text: string): Buffer {
  const clean = text.replace(/[\s=]/g, '').toUpperCase();
  let bits = 0;
  let value = 0;
  const out: number[] = [];
  for (const ch of clean) {
    const i = BASE32.indexOf(ch);
    if (i < 0) throw new Error(`not base32: ${ch}`);
    value = (value << 5) | i;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

/** The code of a secret at an instant (`at`, in ms). */
export function totpAt(secret: string, at: number): string {
  const counter = Math.floor(at / 1000 / 30);
  const message = Buffer.alloc(8);
  message.writeBigUInt64BE(BigInt(counter));
  const mac = createHmac('sha1', base32Decode(secret)).update(message).digest();
  const offset = mac[mac.length - 1]! & 0x0f;
  const binary = ((mac[offset]! & 0x7f) << 24) | (mac[offset + 1]! << 16) | (mac[offset + 2]! << 8) | mac[offset + 3]!;
  return String(binary % 1_000_000).padStart(6, '0');
}

/** The secret a setup page shows for typing (`<code … id="secret">`). */
export function secretOnPage(html: string): string {
  const found = /id="secret"[^>]*>([^<]+)</.exec(html)?.[1];
  if (!found) throw new Error('no secret on the page');
  return found.replace(/\s+/g, '');
}

/** The recovery codes a page shows once. */
export function recoveryCodesOnPage(html: string): string[] {
  return [...html.matchAll(/<li><code>([0-9a-z]{5}-[0-9a-z]{5})<\/code><\/li>/g)].map((m) => m[1]!);
}
