/**
 * Discussions (issue 21, ADR 0033): a teacher's topics for a section, the posts of its students (one
 * level of replies: a post answers a topic, a reply answers a post), and where each student last read
 * each topic, so Today can count what is new since. A post is never deleted: a teacher hides it, and the
 * reason goes to the audit log.
 */
import type { ColumnDefinitionBuilder, Kysely } from 'kysely';
import type { Dialect } from '../connect.js';
import { columns, type DialectMigration } from './types.js';

export const discussions: DialectMigration = {
  name: '0031_discussions',
  async up(db: Kysely<any>, dialect: Dialect) {
    const c = columns(dialect);
    const nn = (col: ColumnDefinitionBuilder) => col.notNull();
    await db.schema
      .createTable('discussion_topics')
      .$call(c.id)
      .addColumn('section_id', 'integer', (col) => col.notNull().references('sections.id').onDelete('cascade'))
      .addColumn('title', 'text', (col) => col.notNull())
      .addColumn('prompt', 'text', (col) => col.notNull())
      // the first and the last day students may post, in the district's zone (inclusive)
      .$call((t) => c.date(t, 'opens_on', nn))
      .$call((t) => c.date(t, 'closes_on', nn))
      .$call((t) => c.flag(t, 'locked', 0))
      .addColumn('created_by', 'integer', (col) => col.references('staff.id').onDelete('set null'))
      .$call(c.changed)
      .execute();
    await db.schema.createIndex('discussion_topics_section').on('discussion_topics').columns(['section_id', 'opens_on']).execute();
    await db.schema
      .createTable('discussion_posts')
      .$call(c.id)
      .addColumn('topic_id', 'integer', (col) => col.notNull().references('discussion_topics.id').onDelete('cascade'))
      // null: a post on the topic; otherwise the post it replies to (which is itself on the topic)
      .addColumn('parent_id', 'integer', (col) => col.references('discussion_posts.id').onDelete('cascade'))
      .addColumn('student_id', 'integer', (col) => col.notNull().references('students.id').onDelete('cascade'))
      .addColumn('body', 'text', (col) => col.notNull())
      .$call((t) => c.instant(t, 'created_at', nn))
      .$call((t) => c.instant(t, 'hidden_at'))
      .addColumn('hidden_by', 'integer', (col) => col.references('user_accounts.id').onDelete('set null'))
      .execute();
    await db.schema.createIndex('discussion_posts_topic').on('discussion_posts').columns(['topic_id', 'id']).execute();
    await db.schema
      .createTable('discussion_visits')
      .addColumn('student_id', 'integer', (col) => col.notNull().references('students.id').onDelete('cascade'))
      .addColumn('topic_id', 'integer', (col) => col.notNull().references('discussion_topics.id').onDelete('cascade'))
      // the newest post the student had when they last opened the topic
      .addColumn('last_post_id', 'integer', (col) => col.notNull())
      .addPrimaryKeyConstraint('discussion_visits_pk', ['student_id', 'topic_id'])
      .execute();
  },
};
