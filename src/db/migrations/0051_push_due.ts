/**
 * The push claim takes the few oldest due deliveries of a round (src/domain/notifications/push.ts
 * `claimRound`, `order by next_attempt_at, id`). PostgreSQL's `push_deliveries_due (state,
 * next_attempt_at)` does not carry the id, and the decider queues every push of a run with the same
 * `next_attempt_at`: each round read and sorted every queued delivery (tens of thousands after a
 * district-wide change) to take fifty. A partial index of the queued ones, in claim order, as the
 * outbox got in 0049; SQLite, whose indexes carry the row id, reads it the same way.
 */
import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../connect.js';
import type { DialectMigration } from './types.js';

export const pushDue: DialectMigration = {
  name: '0051_push_due',
  async up(db: Kysely<any>, _dialect: Dialect) {
    await sql`create index push_deliveries_queued on push_deliveries (next_attempt_at, id) where state = 'queued'`.execute(db);
  },
};
