/**
 * The calendar: school events (a concert, conferences, picture day — one school's or the whole
 * district's, in each language like announcements) and private calendar feeds, one per account,
 * kept only as the hash of their secret token.
 */
import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../connect.js';
import { columns, type DialectMigration } from './types.js';

function timeFormat(dialect: Dialect, column: string) {
  const ref = sql.ref(column);
  return dialect === 'postgres'
    ? sql`${ref} is null or ${ref} ~ '^([01][0-9]|2[0-3]):[0-5][0-9]$'`
    : sql`${ref} is null or (length(${ref}) = 5 and ${ref} glob '[0-2][0-9]:[0-5][0-9]' and ${ref} < '24:00')`;
}

export const calendar: DialectMigration = {
  name: '0007_calendar',
  async up(db: Kysely<any>, dialect: Dialect) {
    const c = columns(dialect);
    const nn = (col: any) => col.notNull();

    await db.schema
      .createTable('school_events')
      .$call(c.id)
      .addColumn('sourced_id', 'text', (col) => col.unique())
      // null: every school of the district
      .addColumn('school_id', 'integer', (col) => col.references('schools.id').onDelete('cascade'))
      .$call((t) => c.date(t, 'start_date', nn))
      .$call((t) => c.date(t, 'end_date', nn))
      // local wall-clock 'HH:MM' in the district's time zone; both null for an all-day event
      .addColumn('start_time', 'text')
      .addColumn('end_time', 'text')
      .addColumn('location', 'text')
      .$call(c.changed)
      .addCheckConstraint('school_events_dates', sql`start_date <= end_date`)
      .addCheckConstraint('school_events_times', sql`(start_time is null) = (end_time is null) and (start_time is null or (start_date = end_date and start_time < end_time))`)
      // 'HH:MM', 00:00–23:59: what the pages and the feed read back
      .addCheckConstraint('school_events_start_format', timeFormat(dialect, 'start_time'))
      .addCheckConstraint('school_events_end_format', timeFormat(dialect, 'end_time'))
      .execute();
    await db.schema.createIndex('school_events_school_dates').on('school_events').columns(['school_id', 'start_date']).execute();

    await db.schema
      .createTable('school_event_texts')
      .addColumn('event_id', 'integer', (col) => col.notNull().references('school_events.id').onDelete('cascade'))
      .addColumn('locale', 'text', nn)
      .addColumn('title', 'text', nn)
      .addColumn('description', 'text')
      .addPrimaryKeyConstraint('school_event_texts_pk', ['event_id', 'locale'])
      .execute();

    await db.schema
      .createTable('calendar_feeds')
      .$call(c.id)
      .addColumn('account_id', 'integer', (col) => col.notNull().unique().references('user_accounts.id').onDelete('cascade'))
      // sha-256 of the secret in the feed's address
      .addColumn('token_hash', 'text', (col) => col.notNull().unique())
      .$call((t) => c.instant(t, 'created_at', nn))
      .$call((t) => c.instant(t, 'last_used_at'))
      .execute();
  },
};
