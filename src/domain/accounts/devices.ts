/**
 * Known devices (OWASP's "device cookies"): a browser that has signed in to a username gets a token,
 * signed with an application secret, that names the username (by a digest) and the day it was given. Later tries at
 * that username from that browser count against the token instead of the username (throttle.ts), so a
 * stranger who guesses at a username — or locks it with 100 failures — does not slow down or lock out
 * its holder on the phone or computer they use. A token is only ever given after a successful sign-in;
 * its own tries wait like a username's, and after DEVICE_LOCK_AFTER failures in a row it no longer
 * counts (its tries are the username's again), so a token left on a shared computer adds only that
 * many guesses. One browser keeps the tokens of up to KNOWN_PER_BROWSER usernames (a family's shared
 * computer), in one cookie.
 */
import { createHmac, hash, timingSafeEqual } from 'node:crypto';
import { userThrottleKey } from './throttle.js';
import { randomToken } from './tokens.js';

/** How long a browser stays known after its last sign-in. */
export const KNOWN_DEVICE_DAYS = 180;
/** The usernames one browser is known for, newest first. */
export const KNOWN_PER_BROWSER = 4;
const TOKEN_LENGTH_MAX = 200;
const DAY_MS = 86_400_000;

/** A browser's known-device token as it came (null: none), with who checks it. */
export interface DeviceToken {
  token: string | null;
  known: KnownDevices;
}

export class KnownDevices {
  constructor(private readonly secret: string) {}

  /**
   * The cookie for a browser that has just signed in to this username: a new token for it, before the
   * tokens the browser had for other usernames (at most KNOWN_PER_BROWSER in all).
   */
  issue(cookie: string | null | undefined, username: string, now: Date): string {
    const nonce = randomToken(16);
    const name = nameOf(username);
    const day = String(Math.floor(now.getTime() / DAY_MS));
    const others = tokensOf(cookie).filter((t) => t.split('.')[1] !== name);
    return [`${nonce}.${name}.${day}.${this.sign(nonce, name, day)}`, ...others].slice(0, KNOWN_PER_BROWSER).join('~');
  }

  /** The throttle key of the cookie's token for this username, if it is genuine and current; otherwise null. */
  throttleKey(cookie: string | null | undefined, username: string, now: Date): string | null {
    for (const token of tokensOf(cookie)) {
      const key = this.keyOf(token, username, now);
      if (key) return key;
    }
    return null;
  }

  private keyOf(token: string, username: string, now: Date): string | null {
    const [nonce, name, day, mac, ...rest] = token.split('.');
    if (!nonce || !name || !day || !mac || rest.length > 0 || !/^[A-Za-z0-9_-]{22}$/.test(nonce) || !/^\d{1,6}$/.test(day)) return null;
    const expected = Buffer.from(this.sign(nonce, name, day));
    const given = Buffer.from(mac);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
    if (now.getTime() - Number(day) * DAY_MS > KNOWN_DEVICE_DAYS * DAY_MS) return null;
    if (name !== nameOf(username)) return null;
    return `device:${nonce}`;
  }

  private sign(nonce: string, name: string, day: string): string {
    return createHmac('sha256', this.secret).update(`${nonce}.${name}.${day}`).digest('base64url');
  }
}

/**
 * A username as a token names it: a digest of its throttle key, the same length for every username
 * (an email address can be long) and not readable from the cookie.
 */
function nameOf(username: string): string {
  return hash('sha256', userThrottleKey(username), 'base64url').slice(0, 22);
}

/** The tokens of a cookie as a browser sent it: at most KNOWN_PER_BROWSER, none too long. */
function tokensOf(cookie: string | null | undefined): string[] {
  if (!cookie || cookie.length > KNOWN_PER_BROWSER * (TOKEN_LENGTH_MAX + 1)) return [];
  return cookie
    .split('~')
    .filter((t) => t.length > 0 && t.length <= TOKEN_LENGTH_MAX)
    .slice(0, KNOWN_PER_BROWSER);
}

/**
 * A browser as a person recognizes it ("Firefox on Android"), from its user agent: only these names,
 * never the agent's own text (it is the browser's to write). 'unknown' when nothing is recognized.
 */
export function deviceLabel(userAgent: string | null): string {
  const ua = userAgent ?? '';
  const browser = /Edg\//.test(ua) ? 'Edge' : /Firefox\//.test(ua) ? 'Firefox' : /Chrome\/|CriOS\//.test(ua) ? 'Chrome' : /Safari\//.test(ua) ? 'Safari' : null;
  const system = /Android/.test(ua) ? 'Android' : /iPhone|iPad|iPod/.test(ua) ? 'iOS' : /CrOS/.test(ua) ? 'ChromeOS' : /Windows/.test(ua) ? 'Windows' : /Mac OS X|Macintosh/.test(ua) ? 'macOS' : /Linux/.test(ua) ? 'Linux' : null;
  if (browser && system) return `${browser} / ${system}`;
  return browser ?? system ?? 'unknown';
}
