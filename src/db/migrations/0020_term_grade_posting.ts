/**
 * Posting term grades (issue 19): the district's report-card comment codes (English and Spanish), the
 * codes a teacher chose on a term grade, the history of every earlier version of a posted grade, and a
 * version number on term_grades.
 * Only domain/gradebook/posting.ts writes these (and term_grades).
 */
import type { Kysely } from 'kysely';
import type { Dialect } from '../connect.js';
import { columns, type DialectMigration } from './types.js';

export const termGradePosting: DialectMigration = {
  name: '0020_term_grade_posting',
  async up(db: Kysely<any>, dialect: Dialect) {
    const c = columns(dialect);
    // Saves of a posted grade so far: a posting form carries the version it showed, so a save in
    // between (a co-teacher's, in the same millisecond even) is told apart.
    await db.schema.alterTable('term_grades').addColumn('version', 'integer', (col) => col.notNull().defaultTo(0)).execute();
    await db.schema
      .createTable('report_card_comments')
      .$call(c.id)
      .addColumn('code', 'text', (col) => col.notNull().unique())
      .addColumn('text_en', 'text', (col) => col.notNull())
      .addColumn('text_es', 'text', (col) => col.notNull())
      .addColumn('sequence', 'integer', (col) => col.notNull().defaultTo(0))
      .$call((t) => c.flag(t, 'active', 1))
      .execute();

    // The codes chosen on a term grade, in the teacher's order (at most 3: the domain's rule).
    await db.schema
      .createTable('term_grade_comments')
      .addColumn('term_grade_id', 'integer', (col) => col.notNull().references('term_grades.id').onDelete('cascade'))
      .addColumn('comment_id', 'integer', (col) => col.notNull().references('report_card_comments.id'))
      .addColumn('sequence', 'integer', (col) => col.notNull())
      .addPrimaryKeyConstraint('term_grade_comments_pk', ['term_grade_id', 'comment_id'])
      .execute();

    // Every earlier version of a posted grade: what families saw until `replaced_at`.
    await db.schema
      .createTable('term_grade_history')
      .$call(c.id)
      .addColumn('term_grade_id', 'integer', (col) => col.notNull().references('term_grades.id').onDelete('cascade'))
      .$call((t) => c.real(t, 'percent'))
      .addColumn('letter', 'text')
      /** JSON: the codes as they were, e.g. ["EFF","MISS"] */
      .addColumn('codes', 'text', (col) => col.notNull())
      .addColumn('comment', 'text')
      .$call((t) => c.instant(t, 'posted_at', (col) => col.notNull()))
      .addColumn('posted_by', 'integer', (col) => col.references('user_accounts.id').onDelete('set null'))
      .$call((t) => c.instant(t, 'replaced_at', (col) => col.notNull()))
      .addColumn('replaced_by', 'integer', (col) => col.references('user_accounts.id').onDelete('set null'))
      .execute();
    await db.schema.createIndex('term_grade_history_grade').on('term_grade_history').columns(['term_grade_id', 'replaced_at']).execute();
  },
};
