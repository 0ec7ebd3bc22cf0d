/**
 * The Message Center (issue 21, ADR 0032): staff write a message to an audience their roles allow; a
 * job delivers it at its time (one recipient row per person, set-based, idempotent); each person reads
 * their inbox, opens, marks, archives; a family member answers a teacher in a private thread.
 *
 * Who reads what is decided here, at every read: a person reads the rows addressed to them, and a
 * student or guardian only those reached through a student they may still see (the `MessageReader`
 * carries the students of access/portal.ts's proof), so a link removed or revoked after sending hides
 * the message at once. Anything else answers null, which the routes show as 404.
 */
import type { TodoItem } from '../todo/registry.js';
import { sql, type Expression, type Kysely, type SelectQueryBuilder } from 'kysely';
import { DateTime } from 'luxon';
import { z } from 'zod';
import type { DB, MessageSenderRole, PersonKind } from '../../db/schema.js';
import type { MessageKey } from '../../i18n/index.js';
import { enqueue } from '../../jobs/queue.js';
import { attachmentsOf, MAX_ATTACHMENTS, storeAttachments, type AttachmentLine, type CheckedFile } from './attachments.js';
import { takeDraftFiles } from './drafts.js';
import { EMAIL_JOB, notifyRecipients } from './email.js';
import { studentsReadableBy, type PortalReader, type ReadableStudent } from '../access/portal.js';
import { portalLinks } from '../access/guardian-links.js';
import { consentingAdults } from './adult.js';
import { unreadQuery as unreadNotificationsQuery } from '../notifications/list.js';
import { audit } from '../audit/service.js';
import { recordChanges } from '../changes/service.js';
import { getDistrictProfile } from '../district/service.js';
import { adultCutoff, type PortalSettings } from '../district/settings.js';
import { localDate } from '../calendar/dates.js';
import { checkboxGroup, optionalLongText, optionalText, recordId, type FieldErrors } from '../forms.js';
import {
  audienceSchema,
  AUDIENCE_KINDS,
  concernsStudent,
  countRecipients,
  kindsFor,
  READERS,
  RECIPIENT_LIMITS,
  recipientSelects,
  roleFor,
  schoolsFor,
  studentsByNumber,
  type Audience,
  type RecipientCount,
  type SenderRights,
} from './audience.js';

export const SUBJECT_MAX = 150;
export const BODY_MAX = 10_000;
export const PAGE_SIZE = 20;
export const DELIVER_JOB = 'messages.deliver';

// ── who reads ─────────────────────────────────────────────────────────────────────────────────────

declare const checked: unique symbol;
/** A person reading their messages: made only here, from their account and the students they may see now. */
export interface MessageReader {
  readonly accountId: number;
  readonly kind: PersonKind;
  readonly personId: number;
  /** the students a student or guardian may see now; null for staff */
  readonly students: readonly number[] | null;
  readonly [checked]: true;
}

export interface ReaderAccount extends PortalReader {
  id: number;
  staff_id: number | null;
}

/**
 * The reader of an account. A family member's students are those access/portal.ts gives (pass what the
 * request already asked, to ask once); null for an account that is no person's.
 */
export async function messageReader(db: Kysely<DB>, account: ReaderAccount, adultBornOnOrBefore: string | null, readable?: readonly ReadableStudent[]): Promise<MessageReader | null> {
  const kind = account.person_kind as PersonKind;
  const personId = kind === 'student' ? account.student_id : kind === 'guardian' ? account.guardian_id : account.staff_id;
  if (!personId) return null;
  let students = kind === 'staff' ? null : (readable ?? (await studentsReadableBy(db, account, adultBornOnOrBefore))).map((s) => s.id);
  // Where the district ends guardians' access at 18, a student who answered yes lets their guardians read messages about them (adult.ts).
  if (kind === 'guardian' && adultBornOnOrBefore !== null && students) {
    const consented = await portalLinks(db).select('sg.student_id').where('sg.guardian_id', '=', personId).where('sg.student_id', 'in', consentingAdults(db)).execute();
    students = [...new Set([...students, ...consented.map((r) => r.student_id)])];
  }
  return { accountId: account.id, kind, personId, students } as unknown as MessageReader;
}

/** Whose recipient rows: a person (kind and id, values or expressions of an enclosing query) and the students they may see now (null for staff). */
type RowsOf = {
  kind: PersonKind | Expression<string>;
  personId: number | Expression<number>;
  students: readonly number[] | SelectQueryBuilder<DB, any, { id: number }> | null;
};

/** The reader's own recipient rows (as `r`), only those reached through a student they may still see. */
function ownRows(db: Kysely<DB>, reader: MessageReader) {
  return ownRowsOf(db, { kind: reader.kind, personId: reader.personId, students: reader.students });
}

function ownRowsOf(db: Kysely<DB>, who: RowsOf) {
  const { students } = who;
  return db
    .selectFrom('message_recipients as r')
    .where('r.person_kind', '=', who.kind as PersonKind)
    .where('r.person_id', '=', who.personId)
    .$if(students !== null, (q) =>
      q.where((eb) =>
        !Array.isArray(students)
          ? eb.or([eb('r.student_id', 'is', null), eb('r.student_id', 'in', students as SelectQueryBuilder<DB, any, { id: number }>)])
          : students.length === 0
            ? eb('r.student_id', 'is', null)
            : eb.or([eb('r.student_id', 'is', null), eb('r.student_id', 'in', students)]),
      ),
    );
}

// ── composing ─────────────────────────────────────────────────────────────────────────────────────

const idList = z
  .union([z.string(), z.array(z.string()).max(200)], { error: 'form.invalid' satisfies MessageKey })
  .optional()
  .transform((v, ctx) => {
    // An empty value is nothing chosen (a form may send the field empty).
    const list = (v === undefined ? [] : Array.isArray(v) ? v : [v]).filter((x) => x !== '');
    const ids = list.map(recordId);
    if (ids.some((id) => id === null)) {
      ctx.addIssue({ code: 'custom', message: 'form.invalid' satisfies MessageKey });
      return z.NEVER;
    }
    return [...new Set(ids as number[])];
  });

export const composeInput = z.object({
  kind: z.enum(AUDIENCE_KINDS, { error: 'messages.chooseAudience' satisfies MessageKey }),
  readers: z.enum(READERS, { error: 'form.invalid' satisfies MessageKey }).optional().default('guardians'),
  sectionIds: idList,
  studentNumbers: optionalLongText(20_000),
  schoolId: optionalText(12),
  grade: optionalText(3),
  subjectEn: optionalText(SUBJECT_MAX),
  bodyEn: optionalLongText(BODY_MAX),
  subjectEs: optionalText(SUBJECT_MAX),
  bodyEs: optionalLongText(BODY_MAX),
  sendDate: optionalText(10),
  sendTime: optionalText(5),
  asksReply: checkboxGroup(['yes']),
});
export type ComposeInput = z.output<typeof composeInput>;

/** A message that passed every check: what the preview shows and what sending writes. */
export interface Draft {
  audience: Audience;
  role: Exclude<MessageSenderRole, 'guardian' | 'student'>;
  subjectEn: string | null;
  bodyEn: string | null;
  subjectEs: string | null;
  bodyEs: string | null;
  asksReply: boolean;
  /** null: now */
  sendAt: Date | null;
  count: RecipientCount;
}

export type ComposeCheck = { ok: true; draft: Draft } | { ok: false; errors: FieldErrors; params: Record<string, Record<string, string | number>> };

export interface ComposeContext {
  now: Date;
  timeZone: string;
  settings: Pick<PortalSettings, 'guardiansKeepAccessAt18'>;
}

/** Every check of the composer, across fields and against the sender's rights; the draft when they pass. */
export async function checkCompose(db: Kysely<DB>, rights: SenderRights, form: ComposeInput, c: ComposeContext): Promise<ComposeCheck> {
  const errors: FieldErrors = {};
  const params: Record<string, Record<string, string | number>> = {};
  const today = localDate(c.now, c.timeZone);
  if (!kindsFor(rights).includes(form.kind)) return { ok: false, errors: { kind: 'messages.chooseAudience' }, params };

  // The words: at least one language whole; a subject without its body (or the reverse) is half a message.
  const en = form.subjectEn !== null || form.bodyEn !== null;
  const es = form.subjectEs !== null || form.bodyEs !== null;
  if (!en && !es) errors.subjectEn = 'messages.oneLanguage';
  for (const [subject, body, lang] of [
    ['subjectEn', 'bodyEn', en],
    ['subjectEs', 'bodyEs', es],
  ] as const) {
    if (!lang) continue;
    if (form[subject] === null) errors[subject] = 'form.required';
    if (form[body] === null) errors[body] = 'form.required';
  }

  // When: now, or a day and time of the district's, in the future.
  let sendAt: Date | null = null;
  if (form.sendDate !== null || form.sendTime !== null) {
    const at = DateTime.fromISO(`${form.sendDate ?? ''}T${form.sendTime ?? ''}`, { zone: c.timeZone });
    if (!/^\d{4}-\d{2}-\d{2}$/.test(form.sendDate ?? '') || !/^\d{2}:\d{2}$/.test(form.sendTime ?? '') || !at.isValid) errors.sendDate = 'messages.badWhen';
    else if (at.toMillis() <= c.now.getTime()) errors.sendDate = 'messages.whenPast';
    else if (at.toMillis() > c.now.getTime() + 366 * 86_400_000) errors.sendDate = 'messages.whenFar';
    else sendAt = at.toJSDate();
  }

  // Whom: only what the sender's roles reach.
  const audience: Audience = { kind: form.kind, readers: form.kind === 'families' ? 'guardians' : form.readers };
  const schools = schoolsFor(rights);
  const mayReachSchool = (id: number) => schools === null || schools.has(id);
  if (form.kind === 'sections') {
    if (form.sectionIds.length === 0) errors.sectionIds = 'messages.chooseSection';
    else if (form.sectionIds.some((id) => !rights.sections.has(id))) errors.sectionIds = 'form.invalid';
    else audience.sectionIds = form.sectionIds;
  } else if (form.kind === 'students' || form.kind === 'families') {
    const numbers = [...new Set((form.studentNumbers ?? '').split(/[\s,;]+/).filter(Boolean))];
    if (numbers.length === 0) errors.studentNumbers = 'messages.chooseStudents';
    else if (numbers.length > 5_000) errors.studentNumbers = 'messages.tooManyNumbers';
    else {
      const found = await studentsByNumber(db, numbers, form.kind === 'students' ? { sections: rights.sections, today } : { schools });
      const unknown = numbers.filter((n) => !found.has(n));
      if (unknown.length > 0) {
        errors.studentNumbers = 'messages.unknownStudents';
        params['messages.unknownStudents'] = { numbers: unknown.slice(0, 10).join(', ') };
      } else audience.studentIds = [...found.values()];
    }
  } else if (form.kind === 'grade' || form.kind === 'school') {
    const schoolId = recordId(form.schoolId ?? '');
    if (schoolId === null || !mayReachSchool(schoolId)) errors.schoolId = 'messages.chooseSchool';
    else audience.schoolId = schoolId;
    if (form.kind === 'grade') {
      const grade = /^-?\d{1,2}$/.test(form.grade ?? '') ? Number(form.grade) : NaN;
      if (!(grade >= -1 && grade <= 13)) errors.grade = 'messages.chooseGrade';
      else audience.grade = grade;
    }
  }
  if (Object.keys(errors).length > 0) return { ok: false, errors, params };

  const role = roleFor(rights, form.kind);
  const count = await countRecipients(db, audience, today, adultCutoff(c.settings, today));
  if (count.total === 0) errors.kind = 'messages.nobody';
  else if (count.total > RECIPIENT_LIMITS[role]) {
    errors.kind = 'messages.tooMany';
    params['messages.tooMany'] = { count: count.total, limit: RECIPIENT_LIMITS[role] };
  }
  if (Object.keys(errors).length > 0) return { ok: false, errors, params };
  return {
    ok: true,
    draft: {
      audience,
      role,
      subjectEn: en ? form.subjectEn : null,
      bodyEn: en ? form.bodyEn : null,
      subjectEs: es ? form.subjectEs : null,
      bodyEs: es ? form.bodyEs : null,
      asksReply: form.asksReply.includes('yes'),
      sendAt,
      count,
    },
  };
}

export interface Sender {
  accountId: number;
  name: string;
  ip: string | null;
}

/** The files attached on the composer's first step that go with a message: its draft key and the positions the sender kept. */
export interface AttachedOnCompose {
  key: string | null;
  keep: readonly number[];
}

/** Thrown (and nothing sent) when files of the draft the sender saw are no longer there: expired, or sent already. */
export class DraftFilesGone extends Error {
  constructor() {
    super('the files attached to this draft are no longer kept');
  }
}

/**
 * Writes the message and queues its delivery for its time: the request returns at once, whatever the
 * audience's size. Audited with what it was sent to.
 */
export async function sendMessage(db: Kysely<DB>, sender: Sender, draft: Draft, now: Date, files: readonly CheckedFile[] = [], attached?: AttachedOnCompose): Promise<number> {
  return db.transaction().execute(async (trx) => {
    // The files attached while writing move into the message here: all those the sender saw, or nothing is sent.
    const taken = attached ? (await takeDraftFiles(trx, sender.accountId, attached.key, now)).filter((f) => attached.keep.includes(f.position)) : [];
    if (attached && taken.length !== attached.keep.length) throw new DraftFilesGone();
    const all = [...taken, ...files];
    if (all.length > MAX_ATTACHMENTS) throw new DraftFilesGone();
    const stamp = now.toISOString();
    const { id } = await trx
      .insertInto('messages')
      .values({
        sender_account_id: sender.accountId,
        sender_name: sender.name,
        sender_role: draft.role,
        subject_en: draft.subjectEn,
        body_en: draft.bodyEn,
        subject_es: draft.subjectEs,
        body_es: draft.bodyEs,
        audience: JSON.stringify(draft.audience),
        concerns_student: concernsStudent(draft.audience.kind) ? 1 : 0,
        asks_reply: draft.asksReply ? 1 : 0,
        thread_root_id: null,
        thread_person_kind: null,
        thread_person_id: null,
        send_at: (draft.sendAt ?? now).toISOString(),
        sent_at: null,
        created_at: stamp,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await storeAttachments(trx, id, all, now);
    await enqueue(trx, { kind: DELIVER_JOB, payload: { messageId: id }, runAt: draft.sendAt ?? now, uniqueKey: `${DELIVER_JOB}:${id}` }, now);
    await audit(trx, { action: 'message.sent', actorAccountId: sender.accountId, subjectType: 'message', subjectId: id, ip: sender.ip, details: { audience: draft.audience, recipients: draft.count.total, sendAt: draft.sendAt?.toISOString() ?? null } }, now);
    return id;
  });
}

// ── delivering ────────────────────────────────────────────────────────────────────────────────────

/**
 * Delivers a message to every person of its audience as it is at delivery (links removed since the
 * sending reach nobody): one `insert … select` per kind of person, the message marked sent and its
 * change event recorded, all in one transaction. A run that dies leaves nothing; a run after a run that
 * finished changes nothing (the status, and the recipients' primary key).
 */
export async function deliverMessage(db: Kysely<DB>, messageId: number, now: Date): Promise<void> {
  const district = await getDistrictProfile(db);
  const today = localDate(now, district.timeZone);
  const cutoff = adultCutoff(district.settings, today);
  await db.transaction().execute(async (trx) => {
    const message = await trx.selectFrom('messages').select(['id', 'status', 'audience', 'sender_account_id']).where('id', '=', messageId).executeTakeFirst();
    if (!message || message.status === 'sent') return;
    const audience = audienceSchema.parse(JSON.parse(message.audience));
    for (const select of recipientSelects(trx, audience, today, cutoff)) {
      await trx
        .insertInto('message_recipients')
        .columns(['message_id', 'person_kind', 'person_id', 'student_id', 'locale'])
        .expression(
          trx
            .selectFrom(select.as('x'))
            .select([sql.lit(messageId).as('message_id'), 'x.person_kind', 'x.person_id', 'x.student_id', 'x.locale'])
            // SQLite reads `on conflict` after a select without a where as part of a join
            .where(sql<boolean>`1 = 1`),
        )
        .onConflict((oc) => oc.doNothing())
        .execute();
    }
    const { n } = await trx.selectFrom('message_recipients').select((eb) => eb.fn.countAll().as('n')).where('message_id', '=', messageId).executeTakeFirstOrThrow();
    await trx.updateTable('messages').set({ status: 'sent', sent_at: now.toISOString(), recipient_count: Number(n) }).where('id', '=', messageId).execute();
    await recordChanges(trx, [{ kind: 'message' as never, action: 'created', subjectId: messageId, actorAccountId: message.sender_account_id }], now);
    // The email copies: a job of their own, so a delivery to 130,000 people commits without them.
    await enqueue(trx, { kind: EMAIL_JOB, payload: { messageId }, uniqueKey: `${EMAIL_JOB}:${messageId}` }, now);
  });
}

export const deliverPayload = z.object({ messageId: z.number().int().positive() });

// ── reading ───────────────────────────────────────────────────────────────────────────────────────

export interface InboxLine {
  id: number;
  senderName: string;
  senderRole: MessageSenderRole;
  subject: string;
  sentAt: string;
  unread: boolean;
  /** the student it is about, when it is about one */
  student: string | null;
}

/** The subject (or body) in the reader's language, else the other one, with which language it is in. */
export function inLanguage(m: { subject_en: string | null; subject_es: string | null; body_en?: string | null; body_es?: string | null }, locale: string) {
  const es = locale === 'es' ? m.subject_es !== null : m.subject_en === null;
  return {
    locale: es ? 'es' : 'en',
    subject: (es ? m.subject_es : m.subject_en) ?? '',
    body: (es ? m.body_es : m.body_en) ?? '',
    fallback: (es ? 'es' : 'en') !== locale,
  };
}

/** Characters of LIKE that mean something, escaped. */
function likePattern(q: string): string {
  return `%${q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

export const inboxQuery = z.object({
  q: z.string().max(100).optional().catch(undefined).transform((v) => (v ?? '').normalize('NFKC').trim()),
  page: z.string().regex(/^\d{1,5}$/).optional().catch(undefined).transform((v) => Math.max(1, Number(v ?? 1))),
  view: z.enum(['inbox', 'archived']).optional().catch(undefined).default('inbox'),
});
export type InboxQuery = z.output<typeof inboxQuery>;

/** The header's counts of a page, when asked with it: unread messages, and unread notifications when asked for (a family's). */
export interface UnreadCounts {
  messages: number;
  notifications: number | null;
}

/** What the header counts besides the reader's messages: a family member's notifications (about the students they may see now), or nothing. */
export interface UnreadNotificationsOf {
  accountId: number;
  readable: readonly ReadableStudent[];
}

/**
 * One page of the reader's inbox (or archive), newest first, searched by sender and subject. With
 * `counts`, the page's statement also counts the header's unread messages and notifications (each an
 * uncorrelated subquery, the same queries as unreadCount and the notifications' count, answered once per
 * statement): the page's one round trip instead of three (ADR 0058). The counts ride on the page's rows,
 * so an empty page has none (null): the caller then asks for them alone.
 */
export async function inboxOf(
  db: Kysely<DB>,
  reader: MessageReader,
  query: InboxQuery,
  locale: string,
  counts?: { notifications: UnreadNotificationsOf | null },
): Promise<{ lines: InboxLine[]; more: boolean; counts: UnreadCounts | null }> {
  const notifications = counts?.notifications ?? null;
  const rows = await ownRows(db, reader)
    .innerJoin('messages as m', 'm.id', 'r.message_id')
    .leftJoin('students as s', 's.id', 'r.student_id')
    .select(['m.id', 'm.sender_name', 'm.sender_role', 'm.subject_en', 'm.subject_es', 'm.sent_at', 'm.concerns_student', 'r.read_at', 's.preferred_first_name', 's.legal_first_name', 's.legal_last_name'])
    .$if(counts !== undefined, (q) => q.select(unreadQuery(db, reader).as('unread_messages')))
    .$if(notifications !== null, (q) => q.select(unreadNotificationsQuery(db, notifications!.accountId, notifications!.readable).as('unread_notifications')))
    .where('r.archived', '=', query.view === 'archived' ? 1 : 0)
    .$if(query.q !== '', (q) => {
      const p = likePattern(query.q);
      return q.where((eb) =>
        eb.or([
          sql<boolean>`lower(${eb.ref('m.sender_name')}) like ${p} escape '\\'`,
          sql<boolean>`lower(coalesce(${eb.ref('m.subject_en')}, '')) like ${p} escape '\\'`,
          sql<boolean>`lower(coalesce(${eb.ref('m.subject_es')}, '')) like ${p} escape '\\'`,
        ]),
      );
    })
    .orderBy('r.message_id', 'desc')
    .limit(PAGE_SIZE + 1)
    .offset((query.page - 1) * PAGE_SIZE)
    .execute();
  const first = rows[0];
  return {
    more: rows.length > PAGE_SIZE,
    counts:
      counts && first
        ? { messages: Number(first.unread_messages), notifications: notifications ? Number(first.unread_notifications) : null }
        : null,
    lines: rows.slice(0, PAGE_SIZE).map((r) => ({
      id: r.id,
      senderName: r.sender_name,
      senderRole: r.sender_role,
      subject: inLanguage(r, locale).subject,
      sentAt: r.sent_at ?? '',
      unread: r.read_at === null,
      student: r.concerns_student === 1 && r.legal_last_name ? `${r.preferred_first_name ?? r.legal_first_name ?? ''} ${r.legal_last_name}` : null,
    })),
  };
}

/** The count of the reader's unread messages (archived ones aside), as a query: run alone, or a subquery of the header's counts. */
export function unreadQuery(db: Kysely<DB>, reader: MessageReader) {
  return ownRows(db, reader).select((eb) => eb.fn.countAll().as('n')).where('r.archived', '=', 0).where('r.read_at', 'is', null);
}

/**
 * unreadQuery for a family member given as expressions of an enclosing query (their kind and person id,
 * a subquery of the students they may see now): domain/portal/prefix.ts. Only where messageReader would
 * give those students as they are (not a guardian where the district ends access at 18: adult.ts).
 */
export function unreadQueryOf(db: Kysely<DB>, who: { kind: Expression<string>; personId: Expression<number>; students: SelectQueryBuilder<DB, any, { id: number }> }) {
  return ownRowsOf(db, who).select((eb) => eb.fn.countAll().as('n')).where('r.archived', '=', 0).where('r.read_at', 'is', null);
}

/** How many of the reader's messages are unread (archived ones aside): the header's count. */
export async function unreadCount(db: Kysely<DB>, reader: MessageReader): Promise<number> {
  const row = await unreadQuery(db, reader).executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Unread messages per student the reader reaches them through: the counts on a parent's child cards. */
export async function unreadByStudent(db: Kysely<DB>, reader: MessageReader): Promise<Map<number, number>> {
  const rows = await ownRows(db, reader)
    .select(['r.student_id', (eb) => eb.fn.countAll().as('n')])
    .where('r.archived', '=', 0)
    .where('r.read_at', 'is', null)
    .where('r.student_id', 'is not', null)
    .groupBy('r.student_id')
    .execute();
  return new Map(rows.map((r) => [r.student_id as number, Number(r.n)]));
}

export interface ThreadMessage {
  id: number;
  senderName: string;
  senderRole: MessageSenderRole;
  mine: boolean;
  subject: string;
  body: string;
  /** written in the other language: the page says so */
  fallback: boolean;
  sentAt: string;
  attachments: AttachmentLine[];
}

export interface OpenedMessage extends ThreadMessage {
  archived: boolean;
  /** it was unread until this opening (which read it) */
  readNow: boolean;
  student: string | null;
  asksReply: boolean;
  /** the messages of the reader's private thread after the first one */
  replies: ThreadMessage[];
  /** the reader may answer (a family member, a teacher's message, the district allows it) */
  mayReply: boolean;
}

const messageColumns = ['m.id', 'm.sender_account_id', 'm.sender_name', 'm.sender_role', 'm.subject_en', 'm.body_en', 'm.subject_es', 'm.body_es', 'm.sent_at', 'm.send_at', 'm.thread_root_id', 'm.thread_person_kind', 'm.thread_person_id', 'm.asks_reply', 'm.concerns_student'] as const;

function asThreadMessage(
  m: { id: number; sender_account_id: number; sender_name: string; sender_role: MessageSenderRole; subject_en: string | null; body_en: string | null; subject_es: string | null; body_es: string | null; sent_at: string | null; send_at: string },
  reader: MessageReader,
  locale: string,
  files: Map<number, AttachmentLine[]>,
): ThreadMessage {
  const words = inLanguage(m, locale);
  return { id: m.id, senderName: m.sender_name, senderRole: m.sender_role, mine: m.sender_account_id === reader.accountId, subject: words.subject, body: words.body, fallback: words.fallback, sentAt: m.sent_at ?? m.send_at, attachments: files.get(m.id) ?? [] };
}

/** Whether the district lets this kind of family member answer a teacher. */
export function repliesAllowed(settings: Pick<PortalSettings, 'messageRepliesGuardians' | 'messageRepliesStudents'>, kind: PersonKind): boolean {
  return kind === 'guardian' ? settings.messageRepliesGuardians : kind === 'student' ? settings.messageRepliesStudents : false;
}

/** The thread's messages after its first, between its family member and the first message's sender, oldest first. */
async function threadReplies(db: Kysely<DB>, rootId: number, person: { kind: PersonKind; id: number }) {
  return db
    .selectFrom('messages as m')
    .select(messageColumns)
    .where('m.thread_root_id', '=', rootId)
    .where('m.thread_person_kind', '=', person.kind)
    .where('m.thread_person_id', '=', person.id)
    .orderBy('m.id')
    .execute();
}

/**
 * A message the reader received, with its private thread, marked read; null when it is not theirs to
 * read (not addressed to them, or reached through a student they no longer see).
 */
export async function openMessage(
  db: Kysely<DB>,
  reader: MessageReader,
  id: number,
  c: { locale: string; settings: Pick<PortalSettings, 'messageRepliesGuardians' | 'messageRepliesStudents'>; now: Date },
): Promise<OpenedMessage | null> {
  const row = await ownRows(db, reader)
    .innerJoin('messages as m', 'm.id', 'r.message_id')
    .leftJoin('students as s', 's.id', 'r.student_id')
    .select([...messageColumns, 'r.read_at', 'r.archived', 's.preferred_first_name', 's.legal_first_name', 's.legal_last_name'])
    .where('r.message_id', '=', id)
    .executeTakeFirst();
  if (!row) return null;
  if (row.read_at === null) {
    await db.updateTable('message_recipients').set({ read_at: c.now.toISOString() }).where('message_id', '=', id).where('person_kind', '=', reader.kind).where('person_id', '=', reader.personId).execute();
  }
  // The thread: a reply's own, or the reader's own under a first message (a family member's).
  const rootId = row.thread_root_id ?? row.id;
  const person = row.thread_person_kind && row.thread_person_id ? { kind: row.thread_person_kind, id: row.thread_person_id } : reader.kind !== 'staff' ? { kind: reader.kind, id: reader.personId } : null;
  let first = row as typeof row | { [K in keyof typeof row]: (typeof row)[K] };
  if (row.thread_root_id !== null) {
    const root = await db.selectFrom('messages as m').select(messageColumns).where('m.id', '=', rootId).executeTakeFirstOrThrow();
    first = { ...row, ...root };
  }
  const replies = person ? await threadReplies(db, rootId, person) : [];
  const files = await attachmentsOf(db, [first.id, ...replies.map((m) => m.id)]);
  const student = first.concerns_student === 1 && row.legal_last_name ? `${row.preferred_first_name ?? row.legal_first_name ?? ''} ${row.legal_last_name}` : null;
  const familyMayReply = reader.kind !== 'staff' && first.sender_role === 'teacher' && repliesAllowed(c.settings, reader.kind);
  // The teacher answers in a thread a family member started.
  const teacherMayReply = reader.kind === 'staff' && row.thread_root_id !== null && first.sender_account_id === reader.accountId;
  return {
    ...asThreadMessage(first, reader, c.locale, files),
    archived: row.archived === 1,
    readNow: row.read_at === null,
    student,
    asksReply: first.asks_reply === 1,
    replies: replies.map((m) => asThreadMessage(m, reader, c.locale, files)),
    mayReply: familyMayReply || teacherMayReply,
  };
}

/** Marks one of the reader's messages read or unread; false when it is not theirs. */
export async function markRead(db: Kysely<DB>, reader: MessageReader, id: number, read: boolean, now: Date): Promise<boolean> {
  if (!(await ownRows(db, reader).select('r.message_id').where('r.message_id', '=', id).executeTakeFirst())) return false;
  await db.updateTable('message_recipients').set({ read_at: read ? now.toISOString() : null }).where('message_id', '=', id).where('person_kind', '=', reader.kind).where('person_id', '=', reader.personId).execute();
  return true;
}

/** Archives one of the reader's messages or brings it back to the inbox; false when it is not theirs. Nothing is ever deleted. */
export async function markArchived(db: Kysely<DB>, reader: MessageReader, id: number, archived: boolean): Promise<boolean> {
  if (!(await ownRows(db, reader).select('r.message_id').where('r.message_id', '=', id).executeTakeFirst())) return false;
  await db.updateTable('message_recipients').set({ archived: archived ? 1 : 0 }).where('message_id', '=', id).where('person_kind', '=', reader.kind).where('person_id', '=', reader.personId).execute();
  return true;
}

// ── replies ───────────────────────────────────────────────────────────────────────────────────────

export const replyInput = z.object({
  body: optionalLongText(BODY_MAX).refine((v) => v !== null, 'form.required' satisfies MessageKey),
});

export type ReplyResult = { kind: 'sent'; id: number } | { kind: 'missing' } | { kind: 'closed' };

/**
 * Answers in the private thread of a message the reader received: a family member to the teacher who
 * wrote the first message, the teacher back to that family member. Delivered at once to that one person.
 */
export async function replyTo(
  db: Kysely<DB>,
  reader: MessageReader,
  id: number,
  body: string,
  c: { locale: string; name: string; ip: string | null; settings: Pick<PortalSettings, 'messageRepliesGuardians' | 'messageRepliesStudents'>; now: Date },
  files: readonly CheckedFile[] = [],
): Promise<ReplyResult> {
  const row = await ownRows(db, reader).innerJoin('messages as m', 'm.id', 'r.message_id').select([...messageColumns, 'r.student_id']).where('r.message_id', '=', id).executeTakeFirst();
  if (!row) return { kind: 'missing' };
  const rootId = row.thread_root_id ?? row.id;
  const root = await db
    .selectFrom('messages as m')
    .innerJoin('user_accounts as a', 'a.id', 'm.sender_account_id')
    .select([...messageColumns, 'a.staff_id'])
    .where('m.id', '=', rootId)
    .executeTakeFirstOrThrow();
  let to: { kind: PersonKind; id: number; studentId: number | null; locale: string };
  let threadPerson: { kind: PersonKind; id: number };
  if (reader.kind !== 'staff') {
    if (root.sender_role !== 'teacher' || root.staff_id === null) return { kind: 'missing' };
    if (!repliesAllowed(c.settings, reader.kind)) return { kind: 'closed' };
    threadPerson = { kind: reader.kind, id: reader.personId };
    // The family member must have received the first message through a student they still see.
    const first = await ownRows(db, reader).select(['r.student_id']).where('r.message_id', '=', rootId).executeTakeFirst();
    if (!first) return { kind: 'missing' };
    to = { kind: 'staff', id: root.staff_id, studentId: first.student_id, locale: 'en' };
  } else {
    if (row.thread_root_id === null || root.sender_account_id !== reader.accountId || !row.thread_person_kind || !row.thread_person_id) return { kind: 'missing' };
    threadPerson = { kind: row.thread_person_kind, id: row.thread_person_id };
    const theirs = await db
      .selectFrom('message_recipients')
      .select(['student_id', 'locale'])
      .where('message_id', '=', rootId)
      .where('person_kind', '=', threadPerson.kind)
      .where('person_id', '=', threadPerson.id)
      .executeTakeFirst();
    if (!theirs) return { kind: 'missing' };
    to = { kind: threadPerson.kind, id: threadPerson.id, studentId: theirs.student_id, locale: theirs.locale };
  }
  const es = c.locale === 'es';
  const subjectOf = (s: string | null, other: string | null) => `Re: ${s ?? other ?? ''}`.slice(0, SUBJECT_MAX + 4);
  const stamp = c.now.toISOString();
  const newId = await db.transaction().execute(async (trx) => {
    const { id: replyId } = await trx
      .insertInto('messages')
      .values({
        sender_account_id: reader.accountId,
        sender_name: c.name,
        sender_role: reader.kind === 'staff' ? 'teacher' : (reader.kind as 'guardian' | 'student'),
        subject_en: es ? null : subjectOf(root.subject_en, root.subject_es),
        body_en: es ? null : body,
        subject_es: es ? subjectOf(root.subject_es, root.subject_en) : null,
        body_es: es ? body : null,
        audience: JSON.stringify({ kind: 'thread' }),
        concerns_student: root.concerns_student,
        asks_reply: 0,
        thread_root_id: rootId,
        thread_person_kind: threadPerson.kind,
        thread_person_id: threadPerson.id,
        status: 'sent',
        recipient_count: 1,
        send_at: stamp,
        sent_at: stamp,
        created_at: stamp,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await trx.insertInto('message_recipients').values({ message_id: replyId, person_kind: to.kind, person_id: to.id, student_id: to.studentId, locale: to.locale, read_at: null }).execute();
    await storeAttachments(trx, replyId, files, c.now);
    // A family member's inbox: their "new message" notification (staff have none; issue 22).
    if (to.kind !== 'staff') await notifyRecipients(trx, replyId, c.now);
    await recordChanges(trx, [{ kind: 'message' as never, action: 'created', subjectId: replyId, studentId: to.studentId, actorAccountId: reader.accountId }], c.now);
    await audit(trx, { action: 'message.replied', actorAccountId: reader.accountId, subjectType: 'message', subjectId: replyId, ip: c.ip, details: { thread: rootId } }, c.now);
    return replyId;
  });
  return { kind: 'sent', id: newId };
}

// ── what a sender sees ────────────────────────────────────────────────────────────────────────────

export interface SentLine {
  id: number;
  subject: string;
  audience: Audience;
  status: 'scheduled' | 'sent';
  sendAt: string;
  recipients: number;
  /** family members who answered, each thread once */
  threads: { kind: PersonKind; id: number; name: string; messageId: number; unread: boolean }[];
}

/** The messages the account sent (not replies), newest first, with their delivery and their threads. */
export async function sentBy(db: Kysely<DB>, accountId: number, locale: string, page: number): Promise<{ lines: SentLine[]; more: boolean }> {
  const rows = await db
    .selectFrom('messages as m')
    .select(['m.id', 'm.subject_en', 'm.subject_es', 'm.audience', 'm.status', 'm.send_at', 'm.recipient_count'])
    .where('m.sender_account_id', '=', accountId)
    .where('m.thread_root_id', 'is', null)
    .orderBy('m.id', 'desc')
    .limit(PAGE_SIZE + 1)
    .offset((page - 1) * PAGE_SIZE)
    .execute();
  const shown = rows.slice(0, PAGE_SIZE);
  const threads = await threadsOf(db, accountId, shown.map((r) => r.id));
  return {
    more: rows.length > PAGE_SIZE,
    lines: shown.map((r) => ({
      id: r.id,
      subject: inLanguage(r, locale).subject,
      audience: audienceSchema.parse(JSON.parse(r.audience)),
      status: r.status,
      sendAt: r.send_at,
      recipients: r.recipient_count,
      threads: threads.get(r.id) ?? [],
    })),
  };
}

/** The sender's view of one message they sent; null when it is not theirs. */
export async function sentMessage(db: Kysely<DB>, accountId: number, id: number, locale: string): Promise<(SentLine & { body: string; fallback: boolean; attachments: AttachmentLine[] }) | null> {
  const r = await db
    .selectFrom('messages as m')
    .select(['m.id', 'm.subject_en', 'm.subject_es', 'm.body_en', 'm.body_es', 'm.audience', 'm.status', 'm.send_at', 'm.recipient_count'])
    .where('m.id', '=', id)
    .where('m.sender_account_id', '=', accountId)
    .where('m.thread_root_id', 'is', null)
    .executeTakeFirst();
  if (!r) return null;
  const words = inLanguage(r, locale);
  const threads = await threadsOf(db, accountId, [id]);
  const files = await attachmentsOf(db, [id]);
  return { id, subject: words.subject, body: words.body, fallback: words.fallback, audience: audienceSchema.parse(JSON.parse(r.audience)), status: r.status, sendAt: r.send_at, recipients: r.recipient_count, threads: threads.get(id) ?? [], attachments: files.get(id) ?? [] };
}

/** Each thread under these first messages: the family member, and the latest message they sent the sender. */
async function threadsOf(db: Kysely<DB>, accountId: number, rootIds: number[]) {
  const out = new Map<number, SentLine['threads']>();
  if (rootIds.length === 0) return out;
  const staff = await db.selectFrom('user_accounts').select('staff_id').where('id', '=', accountId).executeTakeFirst();
  const rows = await db
    .selectFrom('messages as m')
    .innerJoin('message_recipients as r', 'r.message_id', 'm.id')
    .leftJoin('guardians as g', (j) => j.onRef('g.id', '=', 'm.thread_person_id').on('m.thread_person_kind', '=', 'guardian'))
    .leftJoin('students as s', (j) => j.onRef('s.id', '=', 'm.thread_person_id').on('m.thread_person_kind', '=', 'student'))
    .select(['m.id', 'm.thread_root_id', 'm.thread_person_kind', 'm.thread_person_id', 'r.read_at', 'g.first_name', 'g.last_name', 's.preferred_first_name', 's.legal_first_name', 's.legal_last_name'])
    .where('m.thread_root_id', 'in', rootIds)
    .where('r.person_kind', '=', 'staff')
    .where('r.person_id', '=', staff?.staff_id ?? -1)
    .orderBy('m.id', 'desc')
    .execute();
  for (const r of rows) {
    const list = out.get(r.thread_root_id!) ?? [];
    if (!list.some((t) => t.kind === r.thread_person_kind && t.id === r.thread_person_id)) {
      const name = r.thread_person_kind === 'guardian' ? `${r.first_name ?? ''} ${r.last_name ?? ''}` : `${r.preferred_first_name ?? r.legal_first_name ?? ''} ${r.legal_last_name ?? ''}`;
      list.push({ kind: r.thread_person_kind!, id: r.thread_person_id!, name: name.trim(), messageId: r.id, unread: r.read_at === null });
    }
    out.set(r.thread_root_id!, list);
  }
  return out;
}

// ── files ─────────────────────────────────────────────────────────────────────────────────────────

/**
 * One file of a message, for its sender (by account) or a person it was delivered to and may still read
 * (the reader's rows, as for the message itself); null for anyone else, as for a file that does not exist.
 */
export async function openAttachment(db: Kysely<DB>, reader: MessageReader | null, accountId: number, messageId: number, position: number) {
  const sender = await db.selectFrom('messages').select('id').where('id', '=', messageId).where('sender_account_id', '=', accountId).executeTakeFirst();
  const allowed = sender ?? (reader ? await ownRows(db, reader).select('r.message_id').where('r.message_id', '=', messageId).executeTakeFirst() : undefined);
  if (!allowed) return null;
  const file = await db.selectFrom('message_attachments').select(['file_name', 'media_type', 'byte_size', 'content']).where('message_id', '=', messageId).where('position', '=', position).executeTakeFirst();
  return file ? { fileName: file.file_name, mediaType: file.media_type, size: file.byte_size, content: Buffer.from(file.content) } : null;
}

// ── To Do ─────────────────────────────────────────────────────────────────────────────────────────


/**
 * Unread messages that ask for an answer, for the To Do list: each links to the message, and leaves
 * the list once it is read. `person` is the reader (messageReader), `now` is unused by the rule today
 * but kept in the signature the To Do list calls every source with.
 */
export async function todoItemsForMessages(db: Kysely<DB>, person: MessageReader, _now: Date, locale = 'en'): Promise<TodoItem[]> {
  const rows = await ownRows(db, person)
    .innerJoin('messages as m', 'm.id', 'r.message_id')
    .select(['m.id', 'm.subject_en', 'm.subject_es', 'r.student_id'])
    .where('r.read_at', 'is', null)
    .where('r.archived', '=', 0)
    .where('m.asks_reply', '=', 1)
    .orderBy('m.id', 'desc')
    .limit(100)
    .execute();
  return rows.map((r) => ({ kind: 'message', title: inLanguage(r, locale).subject, url: `/messages/${r.id}`, due: null, studentId: r.student_id }));
}
