import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { prepared, PreparedQueryError } from '../../src/db/prepared.js';
import { describeEachEngine } from '../support/db.js';

describeEachEngine('queries built once', (get) => {
  const byKey = prepared((db, p: { key: string; least: number }) => db.selectFrom('throttle').select(['key', 'failures']).where('key', '=', p.key).where('failures', '>=', p.least));
  const insert = prepared((db, row: { key: string; failures: number; window_start: string }) => db.insertInto('throttle').values({ ...row, blocked_until: null }));

  it('runs with each call’s own values, in and out of transactions, with constants left alone', async () => {
    const db = get().db;
    const t = '2026-11-25T12:00:00.000Z';
    await insert(db, { key: 'a', failures: 1, window_start: t });
    await db.transaction().execute(async (trx) => {
      await insert(trx, { key: 'b', failures: 5, window_start: t });
      expect(await byKey(trx, { key: 'b', least: 0 })).toEqual([{ key: 'b', failures: 5 }]);
    });
    expect(await byKey(db, { key: 'a', least: 1 })).toEqual([{ key: 'a', failures: 1 }]);
    expect(await byKey(db, { key: 'a', least: 2 })).toEqual([]);
    expect(await byKey(db, { key: 'b', least: 5 })).toEqual([{ key: 'b', failures: 5 }]);
    // A value that looks like SQL is a value.
    expect(await byKey(db, { key: "a' or '1'='1", least: 0 })).toEqual([]);
    // A rolled-back transaction leaves nothing behind.
    await expect(
      db.transaction().execute(async (trx) => {
        await insert(trx, { key: 'c', failures: 1, window_start: t });
        throw new Error('undo');
      }),
    ).rejects.toThrow('undo');
    expect(await byKey(db, { key: 'c', least: 0 })).toEqual([]);
    await db.deleteFrom('throttle').execute();
  });

  it('refuses a query whose values do not all become parameters', async () => {
    const inlined = prepared((db, p: { key: string }) => db.selectFrom('throttle').selectAll().where('key', '=', sql.lit(p.key)));
    await expect(inlined(get().db, { key: 'a' })).rejects.toThrow(PreparedQueryError);
  });
});
