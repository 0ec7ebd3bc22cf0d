/**
 * Staff accounts and the audit log's search (issue 25, ADR 0030).
 *
 * The audit log is searched newest first by who acted, whom it was about, and the kind of event, over a
 * date range. With only `at` and `(subject_type, subject_id)` indexed, a search for one person's entries
 * on a log of millions of rows read the log backwards from today until it had a page (or to its
 * beginning, for someone with few entries). Each filter now has an index that ends with `at`, so the
 * database reads one person's (or one kind's) entries in time order and stops after a page:
 *   - `(actor_account_id, at)`: what a person did;
 *   - `(subject_type, subject_id, at)`: what was done to a person, an account or a student (it replaces
 *     `(subject_type, subject_id)`, which it covers);
 *   - `(action, at)`: one kind of event, whose actions share a prefix (`staff.` …): a range of the
 *     index, compared byte by byte — on PostgreSQL the index is on `action collate "C"`, since a
 *     language's collation would not keep `staff.` and `staff/` (the end of the range) apart.
 */
import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../connect.js';
import type { DialectMigration } from './types.js';

export const staffAdmin: DialectMigration = {
  name: '0026_staff_admin',
  async up(db: Kysely<any>, dialect: Dialect) {
    await db.schema.createIndex('audit_log_actor_at').on('audit_log').columns(['actor_account_id', 'at']).execute();
    await db.schema.createIndex('audit_log_subject_at').on('audit_log').columns(['subject_type', 'subject_id', 'at']).execute();
    await db.schema.dropIndex('audit_log_subject').execute();
    if (dialect === 'postgres') await sql`create index audit_log_action_at on audit_log (action collate "C", at)`.execute(db);
    else await db.schema.createIndex('audit_log_action_at').on('audit_log').columns(['action', 'at']).execute();
  },
};
