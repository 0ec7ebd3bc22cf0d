import { expect, it } from 'vitest';
import { accountHousekeeping } from '../../src/domain/accounts/housekeeping.js';
import { allowRequest, checkThrottle, recordFailure } from '../../src/domain/accounts/throttle.js';
import { describeEachEngine } from '../support/db.js';

const NOW = new Date('2026-11-25T12:00:00.000Z');

describeEachEngine('throttle counters', (get) => {
  it('counts failures that happen at the same time, every one of them', async () => {
    const { db } = get();
    await Promise.all(Array.from({ length: 20 }, () => recordFailure(db, { key: 'user:together', ip: 'ip:198.51.100.7' }, NOW)));
    const rows = await db.selectFrom('throttle').select(['key', 'failures', 'blocked_until']).orderBy('key').execute();
    expect(rows.map((r) => [r.key, r.failures])).toEqual([
      ['ip:198.51.100.7', 20],
      ['user:together', 20],
    ]);
    // The wait follows the count: 15 failures past the free ones is the longest wait, 15 minutes.
    const verdict = await checkThrottle(db, { user: 'user:together', ip: null }, NOW);
    expect(verdict).toEqual({ kind: 'wait', retryAfterSeconds: 900 });
  });

  it('lets exactly the limit of requests through when they arrive at the same time, and starts again after the window', async () => {
    const { db } = get();
    const limits = { limit: 5, windowMs: 60 * 60_000 };
    const verdicts = await Promise.all(Array.from({ length: 12 }, () => allowRequest(db, 'recover:together', limits, NOW)));
    expect(verdicts.filter((v) => v.kind === 'ok')).toHaveLength(5);
    expect(verdicts.filter((v) => v.kind === 'wait')).toEqual(Array(7).fill({ kind: 'wait', retryAfterSeconds: 3600 }));
    const later = new Date(NOW.getTime() + limits.windowMs);
    expect(await allowRequest(db, 'recover:together', limits, later)).toEqual({ kind: 'ok' });
    const row = await db.selectFrom('throttle').select(['failures', 'window_start']).where('key', '=', 'recover:together').executeTakeFirstOrThrow();
    expect(row.failures).toBe(1);
    expect(new Date(row.window_start).toISOString()).toBe(later.toISOString());
  });
  it('keeps a count of failures in a row for as long as they keep coming, and ends it after a quiet day', async () => {
    const { db } = get();
    const at = (hoursBefore: number) => new Date(NOW.getTime() - hoursBefore * 3_600_000);
    // One guess every 20 hours: each within a day of the one before.
    for (const hours of [60, 40, 20, 0]) {
      await recordFailure(db, { key: 'user:slow', ip: null }, at(hours));
      await accountHousekeeping(db, at(hours));
    }
    expect(await db.selectFrom('throttle').select('failures').where('key', '=', 'user:slow').executeTakeFirst()).toEqual({ failures: 4 });
    await accountHousekeeping(db, new Date(NOW.getTime() + 25 * 3_600_000));
    expect(await db.selectFrom('throttle').select('failures').where('key', '=', 'user:slow').executeTakeFirst()).toBeUndefined();
  });
  it('keeps a known device that stopped counting stopped for as long as its token lasts', async () => {
    const { db } = get();
    const day = 86_400_000;
    for (let i = 0; i < 10; i++) await recordFailure(db, { key: 'device:spent', ip: null }, NOW);
    for (let i = 0; i < 3; i++) await recordFailure(db, { key: 'device:typos', ip: null }, NOW);
    await accountHousekeeping(db, new Date(NOW.getTime() + 2 * day));
    const left = await db.selectFrom('throttle').select(['key', 'failures']).where('key', 'like', 'device:%').execute();
    expect(left).toEqual([{ key: 'device:spent', failures: 10 }]);
    await accountHousekeeping(db, new Date(NOW.getTime() + 181 * day));
    expect(await db.selectFrom('throttle').select('key').where('key', 'like', 'device:%').execute()).toEqual([]);
  });
});
