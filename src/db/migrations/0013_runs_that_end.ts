/**
 * Runs that finish their story (issue 18): a nightly parent-account run records who holds it (the
 * worker or process, jobs/holders.ts) and the job it belongs to, so that a run whose process died is
 * marked "interrupted" instead of "running" forever; the run that takes its work up names it
 * (`resumed_from`).
 */
import type { Kysely } from 'kysely';
import type { DialectMigration } from './types.js';

export const runsThatEnd: DialectMigration = {
  name: '0013_runs_that_end',
  async up(db: Kysely<any>) {
    await db.schema.alterTable('account_generation_runs').addColumn('holder', 'text').execute();
    await db.schema.alterTable('account_generation_runs').addColumn('job_id', 'integer').execute();
    await db.schema.alterTable('account_generation_runs').addColumn('resumed_from', 'integer').execute();
    await db.schema.createIndex('account_generation_runs_running').on('account_generation_runs').column('status').execute();
  },
};
