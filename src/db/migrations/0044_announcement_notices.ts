/**
 * The announcements the notifications have told (issue 22, ADR 0049): one row per announcement once
 * its families were notified, written in the transaction that writes their notifications, so that a
 * worker restarted (or a second one) never tells an announcement twice. Announcements that had started
 * when a district upgrades are old news: they are marked told without telling anyone.
 */
import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../connect.js';
import { columns, type DialectMigration } from './types.js';

export const announcementNotices: DialectMigration = {
  name: '0044_announcement_notices',
  async up(db: Kysely<any>, dialect: Dialect) {
    const c = columns(dialect);
    await db.schema
      .createTable('notification_announcements')
      .addColumn('announcement_id', 'integer', (col) => col.primaryKey().references('announcements.id').onDelete('cascade'))
      .$call((t) => c.instant(t, 'notified_at', (col) => col.notNull()))
      // how many people's lists it was written to (0 for those marked at the upgrade)
      .addColumn('recipients', 'integer', (col) => col.notNull())
      .execute();
    const now = new Date();
    await db
      .insertInto('notification_announcements')
      .columns(['announcement_id', 'notified_at', 'recipients'])
      .expression(
        db
          .selectFrom('announcements')
          .select(['id', (dialect === 'postgres' ? sql`cast(${now.toISOString()} as timestamptz)` : sql`cast(${now.toISOString()} as text)`).as('notified_at'), sql`0`.as('recipients')])
          .where('start_date', '<=', now.toISOString().slice(0, 10)),
      )
      .execute();
  },
};
