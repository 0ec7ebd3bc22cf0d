import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { hashToken, newToken } from '../../src/domain/accounts/tokens.js';

describe('tokens', () => {
  it('hands out 256-bit tokens that never repeat, across refills of the random pool', () => {
    // 2 KiB of randomness is 64 tokens: 500 tokens refill the pool several times.
    const tokens = Array.from({ length: 500 }, () => newToken());
    expect(new Set(tokens).size).toBe(tokens.length);
    for (const token of tokens) {
      expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(Buffer.from(token, 'base64url')).toHaveLength(32);
    }
    // No token is the all-zero bytes the pool is wiped to after handing them out.
    expect(tokens).not.toContain(Buffer.alloc(32).toString('base64url'));
  });

  it('stores tokens under their sha-256', () => {
    const token = newToken();
    expect(hashToken(token)).toBe(createHash('sha256').update(token).digest('hex'));
    expect(hashToken(token)).toMatch(/^[0-9a-f]{64}$/);
  });
});
