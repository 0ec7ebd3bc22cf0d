/**
 * Migration 0044 on a district that upgrades (ADR 0049): the announcements that had started by the
 * upgrade's day are marked told with nobody told (old news is not sent to every family), those that
 * start later are left to be told on their day. Both engines, from the migration before it.
 */
import { Migrator, type Migration } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { migrateToLatest, migrations } from '../../src/db/migrate.js';
import { addDays } from '../../src/domain/calendar/dates.js';
import { ENGINES, freshDatabase, type TestDatabase } from '../support/db.js';

const stamp = '2026-11-25T15:00:00.000Z';
const changed = { created_at: stamp, updated_at: stamp, updated_by: null };

describe.each(ENGINES)('migration 0044 on an existing district [%s]', (engine) => {
  let database: TestDatabase | undefined;
  afterEach(async () => {
    await database?.drop();
  });

  it('marks the announcements already started as told, and leaves the later ones to be told', async () => {
    database = await freshDatabase(engine, { migrate: false });
    const { db, dialect } = database;
    const before = migrations.filter((m) => m.name < '0044');
    const provider = { getMigrations: async (): Promise<Record<string, Migration>> => Object.fromEntries(before.map((m) => [m.name, { up: (tx) => m.up(tx, dialect) } satisfies Migration])) };
    const partial = await new Migrator({ db, provider }).migrateToLatest();
    expect(partial.error).toBeUndefined();
    // The upgrade's day, as the migration reads it (UTC); one announcement started yesterday, one starts tomorrow.
    const today = new Date().toISOString().slice(0, 10);
    await db
      .insertInto('announcements')
      .values([
        { id: 1, school_id: null, start_date: addDays(today, -1), end_date: addDays(today, 10), public: 0, ...changed },
        { id: 2, school_id: null, start_date: addDays(today, 1), end_date: addDays(today, 10), public: 0, ...changed },
      ])
      .execute();
    await migrateToLatest(database);
    const marks = await db.selectFrom('notification_announcements').select(['announcement_id', 'recipients']).execute();
    expect(marks).toEqual([{ announcement_id: 1, recipients: 0 }]);
  });
});
