import { describe, expect, it } from 'vitest';
import { hashingShare, hashPassword, initialsDobPassword, verifyPassword } from '../../src/domain/accounts/passwords.js';

describe('passwords', () => {
  it("follows the seed's initial student password: Allen Alda, 3 January 2011 → aa010311", () => {
    expect(initialsDobPassword('Allen', 'Alda', '2011-01-03')).toBe('aa010311');
    expect(initialsDobPassword('Ángel', "O'Brien", '2012-11-30')).toBe('ao113012');
  });

  it('hashes with argon2id at the OWASP parameters, and verifies', async () => {
    const hash = await hashPassword('correct horse battery');
    expect(hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(await verifyPassword(hash, 'correct horse battery')).toBe(true);
    expect(await verifyPassword(hash, 'correct horse batterY')).toBe(false);
  });

  it('normalizes Unicode (NFKC) so the same password typed two ways matches', async () => {
    const hash = await hashPassword('ｐａｓｓ café');
    expect(await verifyPassword(hash, 'pass cafe\u0301')).toBe(true);
  });

  it('gives the same hash for the same salt (demo data) and different hashes otherwise', async () => {
    const salt = new Uint8Array(16).fill(7);
    expect(await hashPassword('x'.repeat(12), salt)).toBe(await hashPassword('x'.repeat(12), salt));
    expect(await hashPassword('x'.repeat(12))).not.toBe(await hashPassword('x'.repeat(12)));
  });

  it('splits the cores between web processes for hashing, at least one thread each', () => {
    const split = (cores: number, processes: number) => Array.from({ length: processes }, (_, i) => hashingShare(cores, processes, i));
    expect(split(2, 1)).toEqual([2]);
    expect(split(2, 2)).toEqual([1, 1]);
    expect(split(4, 3)).toEqual([2, 1, 1]);
    expect(split(8, 3)).toEqual([3, 3, 2]);
    expect(split(2, 4)).toEqual([1, 1, 1, 1]);
  });
});
