/**
 * Known devices (OWASP's "device cookies"): a browser that has signed in to a username gets a token,
 * signed with the application's secret, that names the username and the day it was given. Later tries
 * at that username from that browser count against the token instead of the username (throttle.ts), so
 * a stranger who guesses at a username — or locks it with 100 failures — does not slow down or lock
 * out its holder on the phone or computer they always use. A token is only ever given after a
 * successful sign-in, and its own tries are throttled like a username's.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { userThrottleKey } from './throttle.js';
import { randomToken } from './tokens.js';

/** How long a browser stays known after its last sign-in. */
export const KNOWN_DEVICE_DAYS = 180;
const DAY_MS = 86_400_000;

/** A browser's known-device token as it came (null: none), with who checks it. */
export interface DeviceToken {
  token: string | null;
  known: KnownDevices;
}

export class KnownDevices {
  constructor(private readonly secret: string) {}

  /** A token for a browser that has just signed in to this username. */
  issue(username: string, now: Date): string {
    const nonce = randomToken(16);
    const name = Buffer.from(userThrottleKey(username)).toString('base64url');
    const day = String(Math.floor(now.getTime() / DAY_MS));
    return `${nonce}.${name}.${day}.${this.sign(nonce, name, day)}`;
  }

  /** The throttle key of a token that is genuine, current and for this username; otherwise null. */
  throttleKey(token: string | null | undefined, username: string, now: Date): string | null {
    if (!token || token.length > 600) return null;
    const [nonce, name, day, mac, ...rest] = token.split('.');
    if (!nonce || !name || !day || !mac || rest.length > 0 || !/^[A-Za-z0-9_-]{22}$/.test(nonce) || !/^\d{1,6}$/.test(day)) return null;
    const expected = Buffer.from(this.sign(nonce, name, day));
    const given = Buffer.from(mac);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
    if (now.getTime() - Number(day) * DAY_MS > KNOWN_DEVICE_DAYS * DAY_MS) return null;
    if (Buffer.from(name, 'base64url').toString() !== userThrottleKey(username)) return null;
    return `device:${nonce}`;
  }

  private sign(nonce: string, name: string, day: string): string {
    return createHmac('sha256', this.secret).update(`${nonce}.${name}.${day}`).digest('base64url');
  }
}
