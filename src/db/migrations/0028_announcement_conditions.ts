/**
 * An announcement aimed at a condition (issue 23): the seed's "Account Security Email" announcement asks
 * for a recovery email, and once the reader has confirmed one it has nothing more to say to them.
 * `condition` names what makes it disappear for a signed-in reader; null: shown to everyone of its
 * audience. The public sign-in page has no reader and shows it as before.
 */
import type { Kysely } from 'kysely';
import type { Dialect } from '../connect.js';
import type { DialectMigration } from './types.js';

export const announcementConditions: DialectMigration = {
  name: '0028_announcement_conditions',
  async up(db: Kysely<any>, _dialect: Dialect) {
    await db.schema.alterTable('announcements').addColumn('condition', 'text').execute();
  },
};
