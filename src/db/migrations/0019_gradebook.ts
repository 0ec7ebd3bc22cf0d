/**
 * The teacher's gradebook (issue 19): an assignment is published to families or kept for the teacher
 * (every assignment already stored was shown to families, so each stays published), and each score
 * carries a version that every save raises, so a form opened before someone else's save can tell that
 * the cell it would overwrite has changed (ADR 0020).
 */
import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../connect.js';
import type { DialectMigration } from './types.js';

export const gradebook: DialectMigration = {
  name: '0019_gradebook',
  async up(db: Kysely<any>, dialect: Dialect) {
    const small = dialect === 'postgres' ? 'smallint' : 'integer';
    await db.schema
      .alterTable('assignments')
      .addColumn('published', small, (c) => c.notNull().defaultTo(1).check(sql`published in (0, 1)`))
      .execute();
    await db.schema
      .alterTable('assignment_scores')
      .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
      .execute();
    // The grid reads a section's assignments of one grading period.
    await db.schema.createIndex('assignments_section_period').on('assignments').columns(['section_id', 'grading_period_id']).execute();
  },
};
