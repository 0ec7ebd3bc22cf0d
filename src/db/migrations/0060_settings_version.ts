/**
 * Notification Settings kept safe from an older form (issue 22, the user walk): each person's settings
 * row counts its writes (`notification_settings.version`). The settings page carries the version it
 * showed; a save is written only over that same version, so a form left open in another tab cannot
 * silently overwrite what was saved since (ADR 0062). Rows written before start at 0.
 */
import type { Kysely } from 'kysely';
import type { Dialect } from '../connect.js';
import type { DialectMigration } from './types.js';

export const settingsVersion: DialectMigration = {
  name: '0060_settings_version',
  async up(db: Kysely<any>, _dialect: Dialect) {
    await db.schema
      .alterTable('notification_settings')
      .addColumn('version', 'integer', (col) => col.notNull().defaultTo(0))
      .execute();
  },
};
