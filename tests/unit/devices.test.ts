import { describe, expect, it } from 'vitest';
import { KNOWN_DEVICE_DAYS, KNOWN_PER_BROWSER, KnownDevices } from '../../src/domain/accounts/devices.js';

describe('known devices', () => {
  const known = new KnownDevices('a secret of the application');
  const now = new Date('2026-11-25T15:00:00Z');
  const day = 86_400_000;

  it('knows a token it gave for the same username, as typed in any case', () => {
    const cookie = known.issue(null, 'Diane.Alda', now);
    const key = known.throttleKey(cookie, 'diane.alda', now);
    expect(key).toMatch(/^device:[A-Za-z0-9_-]{22}$/);
    expect(known.throttleKey(cookie, ' DIANE.ALDA ', new Date(now.getTime() + (KNOWN_DEVICE_DAYS - 1) * day))).toBe(key);
    // Every sign-in gives a new token, in place of the browser's old one for that username.
    const again = known.issue(cookie, 'diane.alda', now);
    expect(again.split('~')).toHaveLength(1);
    expect(known.throttleKey(again, 'diane.alda', now)).not.toBe(key);
  });

  it('works for the longest usernames, and does not show the username in the cookie', () => {
    const long = `${'a'.repeat(64)}.${'b'.repeat(64)}@${'c'.repeat(60)}.example.org`;
    let cookie = known.issue(null, long, now);
    for (const username of ['diane.alda', '0004001', 'grace.alda']) cookie = known.issue(cookie, username, now);
    expect(cookie.length).toBeLessThan(450);
    expect(known.throttleKey(cookie, long, now)).toMatch(/^device:/);
    expect(cookie).not.toContain(Buffer.from('user:diane.alda').toString('base64url'));
  });

  it('keeps the tokens of a family’s shared computer, the newest few', () => {
    let cookie: string | null = null;
    for (const username of ['diane.alda', '0004001', 'grace.alda', '0004002', 'diane.alda']) cookie = known.issue(cookie, username, now);
    expect(cookie!.split('~')).toHaveLength(KNOWN_PER_BROWSER);
    for (const username of ['diane.alda', '0004001', 'grace.alda', '0004002']) expect(known.throttleKey(cookie, username, now), username).toMatch(/^device:/);
    cookie = known.issue(cookie, 'imunoz', now);
    // The browser's oldest username is dropped.
    expect(known.throttleKey(cookie, '0004001', now)).toBeNull();
    expect(known.throttleKey(cookie, 'imunoz', now)).toMatch(/^device:/);
  });

  it('does not know a token for another username, another secret, a changed part, or one too old', () => {
    const token = known.issue(null, 'diane.alda', now);
    const [nonce, name, issued, mac] = token.split('.') as [string, string, string, string];
    const flip = (s: string) => (s[0] === 'A' ? 'B' : 'A') + s.slice(1);
    const cases: [string | null | undefined, string, Date][] = [
      [token, 'imunoz', now],
      [new KnownDevices('another secret').issue(null, 'diane.alda', now), 'diane.alda', now],
      [[flip(nonce), name, issued, mac].join('.'), 'diane.alda', now],
      [[nonce, known.issue(null, 'imunoz', now).split('.')[1], issued, mac].join('.'), 'imunoz', now],
      [[nonce, name, String(Number(issued) + 30), mac].join('.'), 'diane.alda', now],
      [[nonce, name, issued, flip(mac)].join('.'), 'diane.alda', now],
      [`${token}.more`, 'diane.alda', now],
      [token, 'diane.alda', new Date(now.getTime() + (KNOWN_DEVICE_DAYS + 1) * day)],
      // A genuine token past the number a browser keeps, or in a cookie too long to be one of ours.
      [[...Array(KNOWN_PER_BROWSER).fill('x.y.1.z'), token].join('~'), 'diane.alda', now],
      [`${'x'.repeat(2000)}~${token}`, 'diane.alda', now],
      ['', 'diane.alda', now],
      [null, 'diane.alda', now],
      [undefined, 'diane.alda', now],
      ['~~~', 'diane.alda', now],
    ];
    for (const [given, username, at] of cases) expect(known.throttleKey(given, username, at), String(given).slice(0, 60)).toBeNull();
  });
});
