/**
 * A transaction that reads and then writes, with two SQLite connections on one file (two web processes):
 * a plain `begin` reads a snapshot that another connection's commit makes stale, and its write then fails
 * at once with SQLITE_BUSY whatever the busy timeout (the 503s of the attendance bell, BENCHMARKS.md);
 * every transaction of `connect()` holds the write lock from its start, so the other connection waits instead.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import SQLite from 'better-sqlite3';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connect, writeUnlessBusy, writesInTurn, type Database } from '../../src/db/connect.js';

describe('write transactions on SQLite', () => {
  let dir: string;
  let database: Database;
  let other: SQLite.Database;
  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'homeroom-write-'));
    const file = path.join(dir, 'db.sqlite');
    database = await connect(`sqlite:${file}`);
    await sql`create table counter (id integer primary key, n integer not null)`.execute(database.db);
    await sql`insert into counter (id, n) values (1, 0)`.execute(database.db);
    // The other process's connection, not waiting for a lock so that the test sees who holds it.
    other = new SQLite(file);
    other.pragma('busy_timeout = 0');
  });
  afterEach(async () => {
    other.close();
    await database.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const n = async () => Number((await sql<{ n: number }>`select n from counter where id = 1`.execute(database.db)).rows[0]!.n);

  it('holds the write lock from the start: the other connection cannot write in between, and the save succeeds', async () => {
    await database.db.transaction().execute(async (trx) => {
      const before = Number((await sql<{ n: number }>`select n from counter where id = 1`.execute(trx)).rows[0]!.n);
      expect(() => other.prepare('update counter set n = n + 100 where id = 1').run()).toThrow(/locked|busy/i);
      await sql`update counter set n = ${before + 1} where id = 1`.execute(trx);
    });
    expect(await n()).toBe(1);
    // Released at commit: the other connection writes now.
    other.prepare('update counter set n = n + 100 where id = 1').run();
    expect(await n()).toBe(101);
  });

  it('undoes everything when the function throws, and releases the lock', async () => {
    await expect(
      database.db.transaction().execute(async (trx) => {
        await sql`update counter set n = 7 where id = 1`.execute(trx);
        throw new Error('refused');
      }),
    ).rejects.toThrow('refused');
    expect(await n()).toBe(0);
    other.prepare('update counter set n = 5 where id = 1').run();
    expect(await n()).toBe(5);
  });

  it('a write that may be skipped gives up at once while another connection holds the lock, and waits again afterwards', async () => {
    const bump = (db: typeof database.db) => sql`update counter set n = n + 1 where id = 1`.execute(db);
    // Another thread holds the lock for 400 ms (an import's write transaction). A write that waited
    // would get it after those 400 ms and succeed; this one does not wait.
    const holder = new Worker(
      `const SQLite = require('better-sqlite3'); const { parentPort, workerData } = require('node:worker_threads');
       const db = new SQLite(workerData); db.exec('begin immediate'); parentPort.postMessage('locked');
       Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 400); db.exec('commit'); db.close();`,
      { eval: true, workerData: path.join(dir, 'db.sqlite') },
    );
    await new Promise((resolve) => holder.once('message', resolve));
    expect(await writeUnlessBusy(database.db, bump)).toBe(false);
    await new Promise((resolve) => holder.once('exit', resolve));
    expect(await n()).toBe(0);
    expect(await writeUnlessBusy(database.db, bump)).toBe(true);
    expect(await n()).toBe(1);
    // The connection's busy timeout is back: other writes wait for the lock as before.
    const [timeout] = (await sql<{ timeout: number }>`pragma busy_timeout`.execute(database.db)).rows;
    expect(Number(Object.values(timeout ?? {})[0])).toBe(5000);
  });

  it('a long run’s write waits for the lock without stopping the process, then writes once, whole', async () => {
    // Another thread holds the lock until told to let go (an import's write transaction).
    const release = new Int32Array(new SharedArrayBuffer(4));
    const holder = new Worker(
      `const SQLite = require('better-sqlite3'); const { parentPort, workerData } = require('node:worker_threads');
       const db = new SQLite(workerData.file); db.exec('begin immediate'); parentPort.postMessage('locked');
       Atomics.wait(new Int32Array(workerData.release), 0, 0); db.exec('commit'); db.close();`,
      { eval: true, workerData: { file: path.join(dir, 'db.sqlite'), release: release.buffer } },
    );
    await new Promise((resolve) => holder.once('message', resolve));
    const turns = writesInTurn(database.db);
    let settled = false;
    const write = turns
      .write(async (trx) => {
        await sql`update counter set n = n + 1 where id = 1`.execute(trx);
        return 'written';
      })
      .finally(() => (settled = true));
    // The process goes on meanwhile: a timer fires and a read answers, the write still waiting.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await n()).toBe(0);
    expect(settled).toBe(false);
    Atomics.store(release, 0, 1);
    Atomics.notify(release, 0);
    await new Promise((resolve) => holder.once('exit', resolve));
    expect(await write).toBe('written');
    expect(await n()).toBe(1);
    // A write that fails is undone whole, and the next one goes through.
    await expect(
      turns.write(async (trx) => {
        await sql`update counter set n = 50 where id = 1`.execute(trx);
        throw new Error('refused');
      }),
    ).rejects.toThrow('refused');
    expect(await n()).toBe(1);
    await turns.write((trx) => sql`update counter set n = n + 1 where id = 1`.execute(trx));
    expect(await n()).toBe(2);
    expect(turns.stats.writes).toBe(2);
    // The connection's busy timeout is back for everything else.
    const [timeout] = (await sql<{ timeout: number }>`pragma busy_timeout`.execute(database.db)).rows;
    expect(Number(Object.values(timeout ?? {})[0])).toBe(5000);
  });

  it('is why: a plain (deferred) transaction that read before the other commit cannot write after it', () => {
    const plain = new SQLite(path.join(dir, 'db.sqlite'));
    plain.pragma('busy_timeout = 1000');
    try {
      plain.exec('begin');
      plain.prepare('select n from counter where id = 1').get();
      other.prepare('update counter set n = n + 100 where id = 1').run();
      let error: unknown;
      try {
        plain.prepare('update counter set n = n + 1 where id = 1').run();
      } catch (e) {
        error = e;
      }
      expect(error).toMatchObject({ code: expect.stringMatching(/^SQLITE_BUSY/) });
      plain.exec('rollback');
    } finally {
      plain.close();
    }
    return n().then((value) => expect(value).toBe(100));
  });
});
