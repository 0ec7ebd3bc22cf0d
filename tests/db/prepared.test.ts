import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { statementName } from '../../src/db/connect.js';
import { prepared, PreparedQueryError } from '../../src/db/prepared.js';
import { describeEachEngine } from '../support/db.js';

describeEachEngine('queries built once', (get, engine) => {
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

  // PostgreSQL: every parameterized query is a named statement of its connection, named after its text.
  it.runIf(engine === 'postgres')('prepares each text once per connection under the name of its text', async () => {
    await get()
      .db.transaction()
      .execute(async (trx) => {
        await byKey(trx, { key: 'x', least: 0 });
        await byKey(trx, { key: 'y', least: 1 });
        const text = trx.selectFrom('throttle').select(['key', 'failures']).where('key', '=', 'x').where('failures', '>=', 0).compile().sql;
        const statements = (await sql<{ name: string; statement: string }>`select name, statement from pg_prepared_statements`.execute(trx)).rows;
        expect(statements.filter((s) => s.statement === text)).toEqual([{ name: statementName(text), statement: text }]);
      });
  });
});

it('names a statement after its text alone, however many texts came before', () => {
  const first = statementName('select 1 where $1 = 1');
  expect(first).toMatch(/^hr_[A-Za-z0-9_-]{27}$/);
  expect(statementName('select 2 where $1 = 1')).not.toBe(first);
  // more texts than are remembered: the names are computed again, the same
  for (let i = 0; i < 2_500; i++) statementName(`select ${i} where $1 = 1`);
  expect(statementName('select 1 where $1 = 1')).toBe(first);
});
