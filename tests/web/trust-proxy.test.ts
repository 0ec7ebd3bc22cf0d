/**
 * TRUST_PROXY: the address the throttles see. X-Forwarded-For is written left to right, the client
 * first and each proxy appending the address it saw, so only the right-most entries, added by the
 * proxies, can be believed; the left-most is whatever the client wrote.
 */
import type { FastifyInstance } from 'fastify';
import { afterEach, expect, it } from 'vitest';
import { makeApp } from '../support/app.js';
import { describeEachEngine } from '../support/db.js';
import { Client } from '../support/http.js';

describeEachEngine('the client address behind proxies', (get) => {
  let app: FastifyInstance | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
    await get().db.deleteFrom('throttle').execute();
  });

  /** The address a failed sign-in is counted against, for a request from `remoteAddress` with these headers. */
  const seenAddress = async (trustProxy: string | undefined, remoteAddress: string, headers: Record<string, string>) => {
    await get().db.deleteFrom('throttle').execute();
    await app?.close();
    app = await makeApp(get(), { env: trustProxy === undefined ? {} : { TRUST_PROXY: trustProxy } });
    const c = new Client(app, headers, remoteAddress);
    const res = await c.submit('/sign-in', { username: 'nobody.here', password: 'wrong password' });
    expect(res.statusCode).toBe(401);
    const keys = await get().db.selectFrom('throttle').select('key').where('key', 'like', 'ip:%').execute();
    expect(keys).toHaveLength(1);
    return keys[0]!.key.slice('ip:'.length);
  };

  it('believes no X-Forwarded-For without TRUST_PROXY', async () => {
    expect(await seenAddress(undefined, '198.51.100.7', { 'x-forwarded-for': '6.6.6.6' })).toBe('198.51.100.7');
    expect(await seenAddress('false', '198.51.100.7', { 'x-forwarded-for': '6.6.6.6' })).toBe('198.51.100.7');
  });

  it('with one proxy in front, sees the entry the proxy added, never the one the client wrote', async () => {
    // The client sent "X-Forwarded-For: 6.6.6.6"; the proxy (10.0.0.5) appended the address it saw.
    expect(await seenAddress('1', '10.0.0.5', { 'x-forwarded-for': '6.6.6.6, 198.51.100.7' })).toBe('198.51.100.7');
    expect(await seenAddress('1', '10.0.0.5', { 'x-forwarded-for': '6.6.6.6,1.2.3.4, 198.51.100.7' })).toBe('198.51.100.7');
    // No forged entry: the proxy's only entry.
    expect(await seenAddress('1', '10.0.0.5', { 'x-forwarded-for': '198.51.100.7' })).toBe('198.51.100.7');
    // Two proxies: the entry the farther one added.
    expect(await seenAddress('2', '10.0.0.5', { 'x-forwarded-for': '6.6.6.6, 198.51.100.7, 10.0.0.9' })).toBe('198.51.100.7');
  });

  it('with a list of proxies, skips only hops from the listed ones', async () => {
    const list = '10.0.0.0/8, 192.0.2.7';
    expect(await seenAddress(list, '10.0.0.5', { 'x-forwarded-for': '6.6.6.6, 198.51.100.7' })).toBe('198.51.100.7');
    // Through two listed proxies.
    expect(await seenAddress(list, '192.0.2.7', { 'x-forwarded-for': '6.6.6.6, 198.51.100.7, 10.1.2.3' })).toBe('198.51.100.7');
    // A client that writes a listed proxy's address itself gains nothing: the hop before it is not a listed proxy.
    expect(await seenAddress(list, '10.0.0.5', { 'x-forwarded-for': '10.9.9.9, 198.51.100.7' })).toBe('198.51.100.7');
    // A client reaching the portal directly, not through a listed proxy: its header is not believed at all.
    expect(await seenAddress(list, '203.0.113.5', { 'x-forwarded-for': '6.6.6.6' })).toBe('203.0.113.5');
  });
});
