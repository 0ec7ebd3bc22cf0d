/**
 * The fault suite's tools: a database a child process can open too (a SQLite file, or a fresh
 * PostgreSQL database), the real `homeroom` command run as a child with `HOMEROOM_FAULT` naming where it
 * kills itself (src/jobs/faults.ts), and the checks every crash must pass.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe } from 'vitest';
import { connect, type Database, type Dialect } from '../../src/db/connect.js';
import { TABLES_WITH_ID } from '../../src/db/bulk.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { ENGINES, freshDatabase } from '../support/db.js';

const root = path.resolve(import.meta.dirname, '../..');

export interface SharedDatabase extends Database {
  /** what a child process is given as DATABASE_URL */
  url: string;
  dataDir: string;
}

async function sharedDatabase(engine: Dialect): Promise<SharedDatabase & { drop(): Promise<void> }> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'homeroom-faults-'));
  if (engine === 'sqlite') {
    const url = `sqlite:${path.join(dataDir, 'homeroom.sqlite')}`;
    const database = await connect(url);
    await migrateToLatest(database);
    return {
      ...database,
      url,
      dataDir,
      drop: async () => {
        await database.close();
        fs.rmSync(dataDir, { recursive: true, force: true });
      },
    };
  }
  const database = await freshDatabase('postgres');
  return {
    ...database,
    url: database.url!,
    dataDir,
    drop: async () => {
      await database.drop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The same suite on every engine, each with a database its child processes share. */
export function describeFaults(name: string, suite: (get: () => SharedDatabase, engine: Dialect) => void): void {
  for (const engine of ENGINES) {
    describe(`${name} [${engine}]`, () => {
      let database: (SharedDatabase & { drop(): Promise<void> }) | undefined;
      beforeAll(async () => {
        database = await sharedDatabase(engine);
      });
      afterAll(async () => {
        await database?.drop();
      });
      suite(() => {
        if (!database) throw new Error('database not ready');
        return database;
      }, engine);
    });
  }
}

export interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs `homeroom <args>` as a child process against the shared database; `fault` arms HOMEROOM_FAULT. */
export function homeroom(database: SharedDatabase, args: string[], options: { fault?: string; smtpUrl?: string } = {}): Promise<ChildResult> {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    DATABASE_URL: database.url,
    DATA_DIR: database.dataDir,
    BASE_URL: 'http://portal.test',
    MAIL_FROM: 'Cedar Valley Portal <portal@cedarvalley.example.org>',
    LOG_LEVEL: 'silent',
    HOMEROOM_QUIET: '1',
    ...(options.smtpUrl ? { SMTP_URL: options.smtpUrl } : {}),
    ...(options.fault ? { HOMEROOM_FAULT: options.fault } : {}),
  };
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += String(chunk)));
    child.stderr.on('data', (chunk) => (stderr += String(chunk)));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** Tables whose next id (PostgreSQL's sequence) is not above their largest id: must be none. */
export async function laggingSequences(database: Database): Promise<string[]> {
  if (database.dialect !== 'postgres') return [];
  const out: string[] = [];
  for (const table of TABLES_WITH_ID) {
    const { rows } = await sql<{ name: string | null; top: string | null }>`
      select pg_get_serial_sequence(${table}, 'id') as name, (select max(id) from ${sql.table(table)})::text as top`.execute(database.db);
    const { name, top } = rows[0]!;
    if (!name || top === null) continue;
    const state = (await sql<{ last_value: string; is_called: boolean }>`select last_value::text, is_called from ${sql.raw(name)}`.execute(database.db)).rows[0]!;
    const next = BigInt(state.last_value) + (state.is_called ? 1n : 0n);
    if (next <= BigInt(top)) out.push(table);
  }
  return out;
}

/** How many times each value occurs. */
export function tally(values: Iterable<string | number | null>): Map<string | number | null, number> {
  const counts = new Map<string | number | null, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return counts;
}
