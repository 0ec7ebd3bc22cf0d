/**
 * Discussions (issue 21, ADR 0033). A teacher of a section (co-teachers alike) opens topics for it; the
 * students enrolled in the section post on an open topic and reply to a post (one level of replies);
 * guardians of those students read, when the district lets them, and never post. A teacher hides a post
 * (the reason goes to the audit log) and locks a topic. Every rule is decided here: a topic or post of a
 * section that is not the reader's (or their child's, or the teacher's) is answered as if it did not
 * exist, and a refused write writes nothing.
 */
import type { Kysely } from 'kysely';
import type { DateString, DB } from '../../db/schema.js';
import type { MessageKey } from '../../i18n/index.js';
import type { ReadableStudent } from '../access/portal.js';
import type { TeacherScope } from '../access/staff.js';
import { teachesSection } from '../access/staff.js';
import { audit } from '../audit/service.js';
import { recordChanges } from '../changes/service.js';
import { hasForbiddenCharacters } from '../forms.js';

export const TITLE_MAX = 120;
export const PROMPT_MAX = 4000;
export const POST_MAX = 2000;
export const REASON_MAX = 500;

export type TopicState = 'upcoming' | 'open' | 'closed' | 'locked';

export interface TopicSummary {
  id: number;
  sectionId: number;
  course: string;
  sectionCode: string;
  title: string;
  opensOn: DateString;
  closesOn: DateString;
  state: TopicState;
  /** posts and replies shown (not hidden) */
  posts: number;
}

export interface PostView {
  id: number;
  author: string;
  /** the reader's own post */
  mine: boolean;
  body: string | null;
  hidden: boolean;
  createdAt: string;
  replies: PostView[];
}

export interface TopicView extends TopicSummary {
  prompt: string;
  posts: number;
  thread: PostView[];
  /** the reader may post here now */
  canPost: boolean;
}

/** Who reads a topic: a teacher of its section, or a family reader for one student. */
export type DiscussionReader =
  | { kind: 'teacher'; scope: TeacherScope }
  | { kind: 'student'; student: ReadableStudent }
  | { kind: 'guardian'; student: ReadableStudent };

export class TopicNotFound extends Error {
  constructor() {
    super('No such discussion topic for this reader');
    this.name = 'TopicNotFound';
  }
}

export function stateOf(topic: { opens_on: string; closes_on: string; locked: number }, today: DateString): TopicState {
  if (today < topic.opens_on) return 'upcoming';
  if (topic.locked === 1) return 'locked';
  if (today > topic.closes_on) return 'closed';
  return 'open';
}

/** The sections the student is enrolled in today, as a query (to read, or to use inside another). */
function enrolledToday(db: Kysely<DB>, studentId: number, today: DateString) {
  return db
    .selectFrom('section_enrollments')
    .select('section_id')
    .where('student_id', '=', studentId)
    .where('begin_date', '<=', today)
    .where((eb) => eb.or([eb('end_date', 'is', null), eb('end_date', '>=', today)]));
}

/** The sections the student is enrolled in today. */
async function sectionsOfStudent(db: Kysely<DB>, studentId: number, today: DateString): Promise<number[]> {
  const rows = await enrolledToday(db, studentId, today).execute();
  return [...new Set(rows.map((r) => r.section_id))];
}

const topicColumns = ['t.id', 't.section_id', 't.title', 't.prompt', 't.opens_on', 't.closes_on', 't.locked', 'c.title as course', 's.section_code'] as const;

function topicsOf(db: Kysely<DB>) {
  return db
    .selectFrom('discussion_topics as t')
    .innerJoin('sections as s', 's.id', 't.section_id')
    .innerJoin('courses as c', 'c.id', 's.course_id')
    .select(topicColumns);
}

async function shownCounts(db: Kysely<DB>, topicIds: number[]): Promise<Map<number, number>> {
  if (topicIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('discussion_posts')
    .select(['topic_id', (eb) => eb.fn.countAll<number | string>().as('n')])
    .where('topic_id', 'in', topicIds)
    .where('hidden_at', 'is', null)
    .groupBy('topic_id')
    .execute();
  return new Map(rows.map((r) => [r.topic_id, Number(r.n)]));
}

type TopicRow = Awaited<ReturnType<ReturnType<typeof topicsOf>['executeTakeFirstOrThrow']>>;

function summaryOf(row: TopicRow, today: DateString, posts: number): TopicSummary {
  return {
    id: row.id,
    sectionId: row.section_id,
    course: row.course,
    sectionCode: row.section_code,
    title: row.title,
    opensOn: row.opens_on,
    closesOn: row.closes_on,
    state: stateOf(row, today),
    posts,
  };
}

/** Whether a family reader reaches a section: the student is enrolled today; a guardian only when the district lets guardians read. */
async function familyReaches(db: Kysely<DB>, reader: Exclude<DiscussionReader, { kind: 'teacher' }>, sectionId: number, today: DateString, guardiansRead: boolean) {
  if (reader.kind === 'guardian' && !guardiansRead) return false;
  return (await sectionsOfStudent(db, reader.student.id, today)).includes(sectionId);
}

/** The topics of the student's sections that have opened, newest first (for a guardian only when the district lets guardians read). */
export async function topicsForStudent(db: Kysely<DB>, reader: Exclude<DiscussionReader, { kind: 'teacher' }>, today: DateString, guardiansRead: boolean): Promise<TopicSummary[]> {
  if (reader.kind === 'guardian' && !guardiansRead) return [];
  const sections = await sectionsOfStudent(db, reader.student.id, today);
  if (sections.length === 0) return [];
  const rows = await topicsOf(db).where('t.section_id', 'in', sections).where('t.opens_on', '<=', today).orderBy('t.opens_on', 'desc').orderBy('t.id', 'desc').execute();
  const counts = await shownCounts(db, rows.map((r) => r.id));
  return rows.map((r) => summaryOf(r, today, counts.get(r.id) ?? 0));
}

/** A section's topics for one of its teachers (every one, upcoming included); null when the section is not theirs. */
export async function topicsOfSection(db: Kysely<DB>, scope: TeacherScope, sectionId: number, today: DateString): Promise<{ course: string; sectionCode: string; topics: TopicSummary[] } | null> {
  if (!teachesSection(scope, sectionId)) return null;
  const section = await db.selectFrom('sections as s').innerJoin('courses as c', 'c.id', 's.course_id').select(['c.title as course', 's.section_code']).where('s.id', '=', sectionId).executeTakeFirst();
  if (!section) return null;
  const rows = await topicsOf(db).where('t.section_id', '=', sectionId).orderBy('t.opens_on', 'desc').orderBy('t.id', 'desc').execute();
  const counts = await shownCounts(db, rows.map((r) => r.id));
  return { course: section.course, sectionCode: section.section_code, topics: rows.map((r) => summaryOf(r, today, counts.get(r.id) ?? 0)) };
}

/** A topic the reader may read, or TopicNotFound: another section's, one not open yet for a family, a guardian's when the district says no. */
async function readableTopic(db: Kysely<DB>, reader: DiscussionReader, topicId: number, today: DateString, guardiansRead: boolean): Promise<TopicRow> {
  const row = await topicsOf(db).where('t.id', '=', topicId).executeTakeFirst();
  if (!row) throw new TopicNotFound();
  if (reader.kind === 'teacher') {
    if (!teachesSection(reader.scope, row.section_id)) throw new TopicNotFound();
  } else if (today < row.opens_on || !(await familyReaches(db, reader, row.section_id, today, guardiansRead))) {
    throw new TopicNotFound();
  }
  return row;
}

/**
 * One topic with its posts in order, each with its replies. A hidden post keeps its place and says so;
 * its words are kept from families (a teacher still reads them, marked hidden). When a student opens
 * it, the newest post is remembered, for Today's count of what is new.
 */
export async function openTopic(db: Kysely<DB>, reader: DiscussionReader, topicId: number, today: DateString, guardiansRead: boolean): Promise<TopicView> {
  const row = await readableTopic(db, reader, topicId, today, guardiansRead);
  const posts = await db
    .selectFrom('discussion_posts as p')
    .innerJoin('students as s', 's.id', 'p.student_id')
    .select(['p.id', 'p.parent_id', 'p.student_id', 'p.body', 'p.created_at', 'p.hidden_at', 's.preferred_first_name', 's.legal_first_name', 's.legal_last_name'])
    .where('p.topic_id', '=', row.id)
    .orderBy('p.id')
    .execute();
  const me = reader.kind === 'teacher' ? null : reader.student.id;
  const views = new Map<number, PostView>();
  const thread: PostView[] = [];
  for (const p of posts) {
    const hidden = p.hidden_at !== null;
    const view: PostView = {
      id: p.id,
      author: `${p.preferred_first_name ?? p.legal_first_name} ${p.legal_last_name}`,
      mine: p.student_id === me,
      body: hidden && reader.kind !== 'teacher' ? null : p.body,
      hidden,
      createdAt: typeof p.created_at === 'string' ? p.created_at : new Date(p.created_at as unknown as Date).toISOString(),
      replies: [],
    };
    views.set(p.id, view);
    const parent = p.parent_id === null ? undefined : views.get(p.parent_id);
    if (parent) parent.replies.push(view);
    else thread.push(view);
  }
  const state = stateOf(row, today);
  if (reader.kind === 'student' && posts.length > 0) await rememberVisit(db, reader.student.id, row.id, posts[posts.length - 1]!.id);
  return {
    ...summaryOf(row, today, posts.filter((p) => p.hidden_at === null).length),
    prompt: row.prompt,
    thread,
    canPost: reader.kind === 'student' && state === 'open',
  };
}

async function rememberVisit(db: Kysely<DB>, studentId: number, topicId: number, lastPostId: number): Promise<void> {
  await db
    .insertInto('discussion_visits')
    .values({ student_id: studentId, topic_id: topicId, last_post_id: lastPostId })
    .onConflict((oc) => oc.columns(['student_id', 'topic_id']).doUpdateSet({ last_post_id: lastPostId }))
    .execute();
}

/** Today's "new in discussions": per open topic of the student's sections, the posts of others since they last opened it. */
export type NewInDiscussions = { topicId: number; title: string; course: string; count: number }[];

export async function newInDiscussions(db: Kysely<DB>, student: ReadableStudent, today: DateString): Promise<NewInDiscussions> {
  // The student's sections of today inside the one statement (Today asks this on every load).
  const rows = await db
    .selectFrom('discussion_topics as t')
    .innerJoin('sections as s', 's.id', 't.section_id')
    .innerJoin('courses as c', 'c.id', 's.course_id')
    .innerJoin('discussion_posts as p', 'p.topic_id', 't.id')
    .leftJoin('discussion_visits as v', (j) => j.onRef('v.topic_id', '=', 't.id').on('v.student_id', '=', student.id))
    .select(['t.id', 't.title', 'c.title as course', (eb) => eb.fn.countAll<number | string>().as('n')])
    .where('t.section_id', 'in', enrolledToday(db, student.id, today))
    .where('t.opens_on', '<=', today)
    .where('p.hidden_at', 'is', null)
    .where('p.student_id', '!=', student.id)
    .where((eb) => eb.or([eb('v.last_post_id', 'is', null), eb('p.id', '>', eb.ref('v.last_post_id'))]))
    .groupBy(['t.id', 't.title', 'c.title'])
    .orderBy('t.id')
    .execute();
  return rows.map((r) => ({ topicId: r.id, title: r.title, course: r.course, count: Number(r.n) }));
}

// ── writing ────────────────────────────────────────────────────────────────────────────────────────

export type Problems = Record<string, { key: MessageKey; params?: Record<string, string | number> }>;

/** Plain text from a form: NFC, line breaks as \n, trimmed; its problem when empty, too long or carrying control characters. */
function readText(value: unknown, max: number, { lineBreaks }: { lineBreaks: boolean }): { value: string } | { problem: Problems[string] } {
  if (value !== undefined && typeof value !== 'string') return { problem: { key: 'form.invalid' } };
  const text = (value ?? '').normalize('NFC').replace(/\r\n?/g, '\n').trim();
  if (text === '') return { problem: { key: 'form.required' } };
  if (text.length > max) return { problem: { key: 'discussions.error.tooLong', params: { max } } };
  if (hasForbiddenCharacters(text, { lineBreaks })) return { problem: { key: 'form.badCharacters' } };
  return { value: text };
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;
function readDay(value: unknown): DateString | null {
  if (typeof value !== 'string' || !DAY.test(value)) return null;
  const d = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().startsWith(value) ? value : null;
}

export interface TopicForm {
  title?: unknown;
  prompt?: unknown;
  opensOn?: unknown;
  closesOn?: unknown;
}

export type TopicResult = { kind: 'created'; id: number } | { kind: 'invalid'; problems: Problems } | { kind: 'notFound' };

/** A teacher opens a topic for a section of theirs. A topic cannot close before it opens nor close in the past. */
export async function createTopic(
  db: Kysely<DB>,
  scope: TeacherScope,
  input: { sectionId: number; form: TopicForm; actorAccountId: number; ip: string | null },
  today: DateString,
  now: Date,
): Promise<TopicResult> {
  if (!teachesSection(scope, input.sectionId)) return { kind: 'notFound' };
  const problems: Problems = {};
  const title = readText(input.form.title, TITLE_MAX, { lineBreaks: false });
  const prompt = readText(input.form.prompt, PROMPT_MAX, { lineBreaks: true });
  const opensOn = readDay(input.form.opensOn);
  const closesOn = readDay(input.form.closesOn);
  if ('problem' in title) problems.title = title.problem;
  if ('problem' in prompt) problems.prompt = prompt.problem;
  if (!opensOn) problems.opensOn = { key: 'discussions.error.date' };
  if (!closesOn) problems.closesOn = { key: 'discussions.error.date' };
  else if (opensOn && closesOn < opensOn) problems.closesOn = { key: 'discussions.error.closesBeforeOpens' };
  else if (closesOn < today) problems.closesOn = { key: 'discussions.error.closesInPast' };
  if (Object.keys(problems).length > 0 || 'problem' in title || 'problem' in prompt || !opensOn || !closesOn) return { kind: 'invalid', problems };
  const at = now.toISOString();
  return db.transaction().execute(async (trx) => {
    const { id } = await trx
      .insertInto('discussion_topics')
      .values({ section_id: input.sectionId, title: title.value, prompt: prompt.value, opens_on: opensOn, closes_on: closesOn, created_by: scope.staffId, created_at: at, updated_at: at, updated_by: input.actorAccountId })
      .returning('id')
      .executeTakeFirstOrThrow();
    await recordChanges(trx, [{ kind: 'discussion_topic', action: 'created', subjectId: id, sectionId: input.sectionId, after: { title: title.value, opensOn, closesOn }, actorAccountId: input.actorAccountId }], now);
    await audit(trx, { action: 'discussion.topic_created', actorAccountId: input.actorAccountId, subjectType: 'discussion_topic', subjectId: id, ip: input.ip, details: { sectionId: input.sectionId } }, now);
    return { kind: 'created' as const, id };
  });
}

/** A teacher locks (read only) or unlocks a topic of theirs; false for a topic that is not theirs. */
export async function setLocked(db: Kysely<DB>, scope: TeacherScope, input: { topicId: number; locked: boolean; actorAccountId: number; ip: string | null }, now: Date): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const topic = await trx.selectFrom('discussion_topics').select(['id', 'section_id', 'locked']).where('id', '=', input.topicId).executeTakeFirst();
    if (!topic || !teachesSection(scope, topic.section_id)) return false;
    const locked = input.locked ? 1 : 0;
    if (topic.locked === locked) return true;
    await trx.updateTable('discussion_topics').set({ locked, updated_at: now.toISOString(), updated_by: input.actorAccountId }).where('id', '=', topic.id).execute();
    await recordChanges(trx, [{ kind: 'discussion_topic', action: 'updated', subjectId: topic.id, sectionId: topic.section_id, before: { locked: topic.locked === 1 }, after: { locked: input.locked }, actorAccountId: input.actorAccountId }], now);
    await audit(trx, { action: input.locked ? 'discussion.topic_locked' : 'discussion.topic_unlocked', actorAccountId: input.actorAccountId, subjectType: 'discussion_topic', subjectId: topic.id, ip: input.ip }, now);
    return true;
  });
}

export type HideResult = { kind: 'hidden'; topicId: number } | { kind: 'invalid'; topicId: number; problems: Problems } | { kind: 'notFound' };

/** A teacher hides a post with a reason, which the audit log keeps; its replies stay (each can be hidden on its own). */
export async function hidePost(db: Kysely<DB>, scope: TeacherScope, input: { postId: number; reason: unknown; actorAccountId: number; ip: string | null }, now: Date): Promise<HideResult> {
  return db.transaction().execute(async (trx): Promise<HideResult> => {
    const post = await trx
      .selectFrom('discussion_posts as p')
      .innerJoin('discussion_topics as t', 't.id', 'p.topic_id')
      .select(['p.id', 'p.topic_id', 'p.student_id', 'p.hidden_at', 't.section_id'])
      .where('p.id', '=', input.postId)
      .executeTakeFirst();
    if (!post || !teachesSection(scope, post.section_id)) return { kind: 'notFound' };
    const reason = readText(input.reason, REASON_MAX, { lineBreaks: false });
    if ('problem' in reason) return { kind: 'invalid', topicId: post.topic_id, problems: { reason: reason.problem } };
    if (post.hidden_at !== null) return { kind: 'hidden', topicId: post.topic_id };
    await trx.updateTable('discussion_posts').set({ hidden_at: now.toISOString(), hidden_by: input.actorAccountId }).where('id', '=', post.id).execute();
    await recordChanges(trx, [{ kind: 'discussion_post', action: 'updated', subjectId: post.id, studentId: post.student_id, sectionId: post.section_id, before: { hidden: false }, after: { hidden: true }, actorAccountId: input.actorAccountId }], now);
    await audit(trx, { action: 'discussion.post_hidden', actorAccountId: input.actorAccountId, subjectType: 'discussion_post', subjectId: post.id, ip: input.ip, details: { topicId: post.topic_id, reason: reason.value } }, now);
    return { kind: 'hidden', topicId: post.topic_id };
  });
}

export type PostResult = { kind: 'posted'; id: number } | { kind: 'invalid'; problems: Problems } | { kind: 'refused'; why: 'closed' | 'locked' | 'notStudent' | 'hiddenParent' } | { kind: 'notFound' };

/**
 * A student posts on a topic of a section they are enrolled in, or replies to a shown post on it (one
 * level: a reply to a reply is refused as not found). Only the student themself posts: a guardian
 * reading the topic is refused. Nothing is written unless every check passes.
 */
export async function addPost(
  db: Kysely<DB>,
  reader: Exclude<DiscussionReader, { kind: 'teacher' }>,
  input: { topicId: number; parentId: number | null; body: unknown; actorAccountId: number },
  today: DateString,
  guardiansRead: boolean,
  now: Date,
): Promise<PostResult> {
  return db.transaction().execute(async (trx): Promise<PostResult> => {
    let topic: TopicRow;
    try {
      topic = await readableTopic(trx, reader, input.topicId, today, guardiansRead);
    } catch (error) {
      if (error instanceof TopicNotFound) return { kind: 'notFound' };
      throw error;
    }
    if (reader.kind !== 'student') return { kind: 'refused', why: 'notStudent' };
    const state = stateOf(topic, today);
    if (state === 'locked' || state === 'closed') return { kind: 'refused', why: state };
    if (input.parentId !== null) {
      const parent = await trx.selectFrom('discussion_posts').select(['id', 'parent_id', 'hidden_at']).where('id', '=', input.parentId).where('topic_id', '=', topic.id).executeTakeFirst();
      if (!parent || parent.parent_id !== null) return { kind: 'notFound' };
      if (parent.hidden_at !== null) return { kind: 'refused', why: 'hiddenParent' };
    }
    const body = readText(input.body, POST_MAX, { lineBreaks: true });
    if ('problem' in body) return { kind: 'invalid', problems: { body: body.problem } };
    const { id } = await trx
      .insertInto('discussion_posts')
      .values({ topic_id: topic.id, parent_id: input.parentId, student_id: reader.student.id, body: body.value, created_at: now.toISOString() })
      .returning('id')
      .executeTakeFirstOrThrow();
    await recordChanges(trx, [{ kind: 'discussion_post', action: 'created', subjectId: id, studentId: reader.student.id, sectionId: topic.section_id, after: { topicId: topic.id }, actorAccountId: input.actorAccountId }], now);
    // The writer has read their own post: it is not news to them.
    await rememberVisit(trx, reader.student.id, topic.id, id);
    return { kind: 'posted', id };
  });
}
