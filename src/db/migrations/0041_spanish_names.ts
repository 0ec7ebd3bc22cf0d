/**
 * Names a district keeps in two languages (issue 23): a grading period's or term's title, a vaccine's
 * name, an attendance code's description and a calendar day's note get a Spanish column beside the one
 * the district writes in its own language. Null: no Spanish name, and a Spanish reader sees the
 * district's (src/i18n/format.ts `localName`). OneRoster has no Spanish title for academicSessions, so
 * imported sessions keep null here. ADR 0043.
 */
import type { Kysely } from 'kysely';
import type { Dialect } from '../connect.js';
import type { DialectMigration } from './types.js';

export const spanishNames: DialectMigration = {
  name: '0041_spanish_names',
  async up(db: Kysely<any>, _dialect: Dialect) {
    await db.schema.alterTable('academic_sessions').addColumn('title_es', 'text').execute();
    await db.schema.alterTable('vaccines').addColumn('name_es', 'text').execute();
    await db.schema.alterTable('attendance_codes').addColumn('description_es', 'text').execute();
    await db.schema.alterTable('calendar_days').addColumn('note_es', 'text').execute();
  },
};
