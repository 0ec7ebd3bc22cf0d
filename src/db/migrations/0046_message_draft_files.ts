/**
 * Files attached while writing a message (issue 21, ADR 0042 addendum): the composer takes files on its
 * first step, and they wait here, under a random draft key and the sender's account, until the message
 * is sent (they then move to `message_attachments` in the send's transaction and leave this table) or
 * for a day at most (each new draft sweeps older ones). Their checks are done before they are kept here.
 */
import type { Kysely } from 'kysely';
import type { Dialect } from '../connect.js';
import { columns, type DialectMigration } from './types.js';

export const messageDraftFiles: DialectMigration = {
  name: '0046_message_draft_files',
  async up(db: Kysely<any>, dialect: Dialect) {
    const c = columns(dialect);
    let t = db.schema.createTable('message_draft_files');
    t = c.id(t);
    t = t
      .addColumn('account_id', 'integer', (x) => x.notNull().references('user_accounts.id').onDelete('cascade'))
      .addColumn('draft_key', 'text', (x) => x.notNull())
      .addColumn('position', 'integer', (x) => x.notNull())
      .addColumn('file_name', 'text', (x) => x.notNull())
      .addColumn('media_type', 'text', (x) => x.notNull())
      .addColumn('byte_size', 'integer', (x) => x.notNull())
      .addColumn('content', (dialect === 'postgres' ? 'bytea' : 'blob') as 'bytea', (x) => x.notNull());
    t = c.instant(t, 'created_at', (x) => x.notNull());
    await t.execute();
    await db.schema.createIndex('message_draft_files_position').unique().on('message_draft_files').columns(['account_id', 'draft_key', 'position']).execute();
    await db.schema.createIndex('message_draft_files_created').on('message_draft_files').column('created_at').execute();
  },
};
