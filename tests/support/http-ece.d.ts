/** The part of http_ece (no types of its own) the test push service uses: aes128gcm decryption (RFC 8188, 8291). */
declare module 'http_ece' {
  import type { ECDH } from 'node:crypto';
  export function decrypt(buffer: Buffer, params: { version: string; privateKey: ECDH; authSecret: string }): Buffer;
}
