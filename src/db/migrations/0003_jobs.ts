/**
 * The job queue of DESIGN.md: background work (nightly account generation, imports, notifications)
 * lives in the same database as the data, so a job can be enqueued in the same transaction as the
 * change that causes it, and several workers can share it on PostgreSQL.
 */
import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../connect.js';
import { columns, type DialectMigration } from './types.js';

export const jobs: DialectMigration = {
  name: '0003_jobs',
  async up(db: Kysely<any>, dialect: Dialect) {
    const c = columns(dialect);
    const nn = (col: any) => col.notNull();
    await db.schema
      .createTable('jobs')
      .$call(c.id)
      .addColumn('kind', 'text', nn)
      // JSON text
      .addColumn('payload', 'text', (col) => col.notNull().defaultTo('{}'))
      .addColumn('status', 'text', (col) =>
        col.notNull().defaultTo('queued').check(sql`status in ('queued', 'running', 'done', 'failed')`),
      )
      .$call((t) => c.instant(t, 'run_at', nn))
      .addColumn('attempts', 'integer', (col) => col.notNull().defaultTo(0))
      .addColumn('max_attempts', 'integer', (col) => col.notNull().defaultTo(5))
      .addColumn('locked_by', 'text')
      .$call((t) => c.instant(t, 'locked_until'))
      .addColumn('last_error', 'text')
      // at most one job with this key, ever: scheduled runs use `kind:date`
      .addColumn('unique_key', 'text', (col) => col.unique())
      .$call((t) => c.instant(t, 'created_at', nn))
      .$call((t) => c.instant(t, 'finished_at'))
      .execute();
    await db.schema.createIndex('jobs_due').on('jobs').columns(['status', 'run_at']).execute();
  },
};
