/**
 * Email delivery with no second copy after a crash (issue 18, ADR 0008): every message keeps a stable
 * Message-ID (its left part, made when the message is written; receiving systems drop a second copy
 * with the same id), and an attempt is marked `sending_at` before the SMTP conversation starts. A message
 * a crashed process left "sending", with no refusal recorded, is counted as sent rather than sent again.
 */
import type { Kysely } from 'kysely';
import type { Dialect } from '../connect.js';
import type { DialectMigration } from './types.js';

export const emailAttempts: DialectMigration = {
  name: '0012_email_attempts',
  async up(db: Kysely<any>, dialect: Dialect) {
    await db.schema.alterTable('email_outbox').addColumn('message_id', 'text').execute();
    await db.schema.alterTable('email_outbox').addColumn('sending_at', dialect === 'postgres' ? 'timestamptz' : 'text').execute();
  },
};
