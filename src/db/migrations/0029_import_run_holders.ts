/**
 * An import run records who holds it (issue 20, ADR 0028): the process that runs it (jobs/holders.ts).
 * An import now reads its package outside any write transaction, so on SQLite a live run holds no lock
 * while it reads; the next run tells a dead one from a live one by its holder's process instead.
 */
import type { Kysely } from 'kysely';
import type { DialectMigration } from './types.js';

export const importRunHolders: DialectMigration = {
  name: '0029_import_run_holders',
  async up(db: Kysely<any>) {
    await db.schema.alterTable('import_runs').addColumn('holder', 'text').execute();
  },
};
