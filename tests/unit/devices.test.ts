import { describe, expect, it } from 'vitest';
import { KNOWN_DEVICE_DAYS, KnownDevices } from '../../src/domain/accounts/devices.js';

describe('known devices', () => {
  const known = new KnownDevices('a secret of the application');
  const now = new Date('2026-11-25T15:00:00Z');
  const day = 86_400_000;

  it('knows a token it gave for the same username, as typed in any case', () => {
    const token = known.issue('Diane.Alda', now);
    const key = known.throttleKey(token, 'diane.alda', now);
    expect(key).toMatch(/^device:[A-Za-z0-9_-]{22}$/);
    expect(known.throttleKey(token, ' DIANE.ALDA ', new Date(now.getTime() + (KNOWN_DEVICE_DAYS - 1) * day))).toBe(key);
    // Every sign-in gives a new token.
    expect(known.throttleKey(known.issue('diane.alda', now), 'diane.alda', now)).not.toBe(key);
  });

  it('does not know a token for another username, another secret, a changed part, or one too old', () => {
    const token = known.issue('diane.alda', now);
    const [nonce, name, issued, mac] = token.split('.') as [string, string, string, string];
    const flip = (s: string) => (s[0] === 'A' ? 'B' : 'A') + s.slice(1);
    const cases: [string | null | undefined, string, Date][] = [
      [token, 'imunoz', now],
      [new KnownDevices('another secret').issue('diane.alda', now), 'diane.alda', now],
      [[flip(nonce), name, issued, mac].join('.'), 'diane.alda', now],
      [[nonce, Buffer.from('user:imunoz').toString('base64url'), issued, mac].join('.'), 'imunoz', now],
      [[nonce, name, String(Number(issued) + 30), mac].join('.'), 'diane.alda', now],
      [[nonce, name, issued, flip(mac)].join('.'), 'diane.alda', now],
      [`${token}.more`, 'diane.alda', now],
      [token, 'diane.alda', new Date(now.getTime() + (KNOWN_DEVICE_DAYS + 1) * day)],
      ['', 'diane.alda', now],
      [null, 'diane.alda', now],
      [undefined, 'diane.alda', now],
      ['x'.repeat(10_000), 'diane.alda', now],
    ];
    for (const [given, username, at] of cases) expect(known.throttleKey(given, username, at), String(given).slice(0, 60)).toBeNull();
  });
});
