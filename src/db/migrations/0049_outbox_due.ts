/**
 * The email outbox's claim takes the few oldest due messages of a round (src/email/outbox.ts `claimRound`,
 * `order by send_after, id`). SQLite reads them in order from `email_outbox_pending (sent_at, send_after)`,
 * whose entries carry the row id; PostgreSQL's index does not carry the id, and a notification run writes
 * every email of a change with the same `send_after`, so it sorted all of them (hundreds of thousands) for
 * each round of eight. A partial index over what is still to send, in claim order, serves both.
 */
import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../connect.js';
import type { DialectMigration } from './types.js';

export const outboxDue: DialectMigration = {
  name: '0049_outbox_due',
  async up(db: Kysely<any>, _dialect: Dialect) {
    await sql`create index email_outbox_due on email_outbox (send_after, id) where sent_at is null`.execute(db);
    // Each delivery pass first asks whether a message was begun and never finished (a crash mid-send):
    // answered from the pending index, that read every pending row (280,000 after a district-wide change)
    // to find none. Only the messages in flight are in this one.
    await sql`create index email_outbox_in_flight on email_outbox (send_after) where sent_at is null and sending_at is not null`.execute(db);
  },
};
