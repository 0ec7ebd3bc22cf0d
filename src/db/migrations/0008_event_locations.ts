/**
 * Where an event takes place, in each language ("Gym" / "Gimnasio"), beside its title and description.
 * school_events.location stays: it is the place as the district wrote it, shown when a language's text
 * has none (every event written before this migration).
 */
import type { Kysely } from 'kysely';
import type { Dialect } from '../connect.js';
import type { DialectMigration } from './types.js';

export const eventLocations: DialectMigration = {
  name: '0008_event_locations',
  async up(db: Kysely<any>, _dialect: Dialect) {
    await db.schema.alterTable('school_event_texts').addColumn('location', 'text').execute();
  },
};
