/** SQLite's durability setting (ADR 0016): what SQLITE_SYNCHRONOUS asks is what the connection runs with. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { connect } from '../../src/db/connect.js';

describe('SQLite durability', () => {
  it.each([
    [undefined, 1],
    ['normal', 1],
    ['full', 2],
  ] as const)('synchronous %s is PRAGMA synchronous = %i, in WAL mode', async (asked, expected) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'homeroom-sync-'));
    const database = await connect(`sqlite:${path.join(dir, 'x.sqlite')}`, asked ? { sqliteSynchronous: asked } : {});
    try {
      const { rows } = await sql<{ synchronous: number }>`pragma synchronous`.execute(database.db);
      expect(rows[0]?.synchronous).toBe(expected);
      const mode = await sql<{ journal_mode: string }>`pragma journal_mode`.execute(database.db);
      expect(mode.rows[0]?.journal_mode).toBe('wal');
    } finally {
      await database.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
