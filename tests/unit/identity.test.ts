import { describe, expect, it } from 'vitest';
import { normalizeEmail, normalizeStudentNumber, normalizeUsername, usernameKey, usernameKeysOf } from '../../src/domain/accounts/identity.js';

describe('the identity rule', () => {
  it.each([
    ['Ana.Ruiz@Example.com', 'ana.ruiz@example.com'],
    ['  ana.ruiz@example.com\t', 'ana.ruiz@example.com'],
    ['Ａｎａ.Ｒｕｉｚ＠Ｅｘａｍｐｌｅ.ｃｏｍ', 'ana.ruiz@example.com'],
    // A Cyrillic "а" stays itself: another address.
    ['\u0430na@example.com', '\u0430na@example.com'],
  ])('an email %j has the key %j', (typed, key) => {
    expect(normalizeEmail(typed)).toBe(key);
    expect(normalizeUsername(typed)).toBe(key);
  });

  it('keeps a student number’s case and leading zeros', () => {
    expect(normalizeStudentNumber(' ０045 ')).toBe('0045');
    expect(usernameKey('student', 'S0045')).toBe('S0045');
    expect(usernameKey('guardian', 'MKing')).toBe('mking');
    expect(usernameKey('staff', 'MKing')).toBe('mking');
  });

  it('looks a typed username up as a student number and as any other username', () => {
    expect(usernameKeysOf(' S0045 ')).toEqual(['S0045', 's0045']);
    expect(usernameKeysOf('0045')).toEqual(['0045']);
  });
});
