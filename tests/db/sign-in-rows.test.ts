import type { KyselyPlugin, PluginTransformQueryArgs, PluginTransformResultArgs, QueryResult, RootOperationNode, UnknownRow } from 'kysely';
import { beforeAll, expect, it } from 'vitest';
import { findAccountByKeys, findSignInRows, findThrottle, saveThrottle } from '../../src/domain/accounts/repository.js';
import { usernameKeys } from '../../src/domain/accounts/sign-in.js';
import { loadDemo } from '../../src/domain/demo/load.js';
import { describeEachEngine } from '../support/db.js';

/** Counts the statements answered (prepared statements are not transformed, but are answered). */
class QueryCounter implements KyselyPlugin {
  count = 0;
  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    return args.node;
  }
  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    this.count++;
    return args.result;
  }
}

const byKey = <T extends { key: string }>(rows: T[]) => [...rows].sort((a, b) => a.key.localeCompare(b.key));

describeEachEngine('what a sign-in reads before it hashes', (get) => {
  let username: string;
  beforeAll(async () => {
    await loadDemo(get(), { students: 10, seed: 7, startYear: 2026 });
    username = (await get().db.selectFrom('user_accounts').select('username').where('person_kind', '=', 'guardian').orderBy('id').executeTakeFirstOrThrow()).username;
    await saveThrottle(get().db, { key: `user:${username}`, failures: 3, window_start: '2026-11-26T06:59:00.000Z', blocked_until: null });
    await saveThrottle(get().db, { key: 'ip:192.0.2.9', failures: 40, window_start: '2026-11-26T06:50:00.000Z', blocked_until: '2026-11-26T07:05:00.000Z' });
    await saveThrottle(get().db, { key: 'user:someone-else', failures: 99, window_start: '2026-11-26T06:00:00.000Z', blocked_until: null });
  });

  const separately = async (throttle: string[], usernames: string[]) => ({
    throttle: byKey(await findThrottle(get().db, throttle)),
    accounts: await findAccountByKeys(get().db, usernames),
  });

  it.each([
    ['a username and an address, both counted', (u: string) => [[`user:${u}`, 'ip:192.0.2.9'], usernameKeys(u)]],
    ['a username typed with capitals (two keys)', (u: string) => [[`user:${u}`, 'ip:192.0.2.9'], usernameKeys(u.toUpperCase())]],
    ['no address', (u: string) => [[`user:${u}`], usernameKeys(u)]],
    ['counters for neither', (u: string) => [['user:nobody-counted', 'ip:198.51.100.1'], usernameKeys(u)]],
    ['an unknown username with its counter', () => [['user:someone-else', 'ip:192.0.2.9'], usernameKeys('someone-else')]],
    ['an unknown username and nothing counted', () => [['user:nobody', 'ip:198.51.100.2'], usernameKeys('nobody')]],
  ] as const)('are the counters and accounts the two queries read: %s', async (_, keysFor) => {
    const [throttle, usernames] = keysFor(username) as [string[], string[]];
    const together = await findSignInRows(get().db, { throttle, usernames });
    const expected = await separately(throttle, usernames);
    expect({ ...together, throttle: byKey(together.throttle) }).toEqual(expected);
  });

  it('finds the demo guardian with the counters of the username and the address', async () => {
    const rows = await findSignInRows(get().db, { throttle: [`user:${username}`, 'ip:192.0.2.9'], usernames: usernameKeys(username) });
    expect(rows.accounts.map((a) => a.username)).toEqual([username]);
    expect(byKey(rows.throttle)).toEqual([
      { key: 'ip:192.0.2.9', failures: 40, window_start: '2026-11-26T06:50:00.000Z', blocked_until: '2026-11-26T07:05:00.000Z' },
      { key: `user:${username}`, failures: 3, window_start: '2026-11-26T06:59:00.000Z', blocked_until: null },
    ]);
  });

  it('take one statement on PostgreSQL when the username has an account, two otherwise and on SQLite', async () => {
    const counter = new QueryCounter();
    const db = get().db.withPlugin(counter);
    const count = async (usernames: string[]) => {
      counter.count = 0;
      await findSignInRows(db, { throttle: [`user:${usernames[0]}`, 'ip:192.0.2.9'], usernames });
      return counter.count;
    };
    const postgres = get().dialect === 'postgres';
    expect(await count(usernameKeys(username))).toBe(postgres ? 1 : 2);
    expect(await count(usernameKeys('nobody'))).toBe(2);
  });
});
