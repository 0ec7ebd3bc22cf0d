/**
 * The decider (issue 22, ADR 0035): reads change_events in id order after its cursor and, for each
 * change that has stood for the district's grace period, tells the people who may see it now and asked
 * to know. A subject's changes are taken together (a chain): its state before the first one against its
 * state after the last, so a score 8 → 9 → 8, or a score entered and cleared, within the grace period
 * sends nothing; a chain is decided only once its last change has stood.
 *
 * Recipients: the student's own account, and the accounts of guardians with a portal link (the rule of
 * access/guardian-links.ts, with the district's end of access at 18 as in people/visibility.ts), asked
 * for the whole batch at once. Each person gets one row in their in-app list per change (unique key),
 * and one delivery per channel (unique key): email now, after quiet hours, or in their digest; Web Push
 * through the push channel when one is wired.
 *
 * Exactly once: a batch is one transaction that writes its notifications and moves the cursor (which it
 * locks on PostgreSQL, so two workers never decide the same batch); every row has a unique key, so a
 * batch read again after a crash adds nothing. Deliveries (deliver.ts) are claimed with SKIP LOCKED.
 */
import { sql, type Insertable, type Kysely } from 'kysely';
import type { Database } from '../../db/connect.js';
import type { DB } from '../../db/schema.js';
import { translate, isLocale, type Locale, type MessageKey } from '../../i18n/index.js';
import { faultPoint } from '../../jobs/faults.js';
import { toolUrl } from '../portal/tools.js';
import { readableStudent } from '../access/portal.js';
import { portalLinks } from '../access/guardian-links.js';
import { localDate } from '../calendar/dates.js';
import { getDistrictProfile, type DistrictProfile } from '../district/service.js';
import { adultCutoff } from '../district/settings.js';
import { gradesOf, shownGradeOf } from '../gradebook/grades.js';
import type { PushToQueue, queuePush } from './push.js';
import { paramChunks } from '../../db/bulk.js';
import { inReaderLanguage } from './localized.js';
import { quietUntil } from './quiet.js';
import { channelsOf, childSettings, defaultSettings, settingsOfMany, zoneOf, type NotifyKind, type PersonSettings } from './settings.js';

/**
 * The push channel: push.ts's queuePush in production (jobs/registry.ts); a parameter so that the
 * decider can be run without it (null: no push is queued).
 */
export type QueuePush = typeof queuePush;

export interface EventRow {
  id: number;
  at: string | Date;
  kind: string;
  action: string;
  subject_id: number;
  student_id: number | null;
  section_id: number | null;
  before: string | null;
  after: string | null;
}

/** What one net change says: its kind for the settings, the text's parameters and where it is shown. */
export interface Described {
  kind: NotifyKind;
  params: Record<string, string | number>;
  /** a score's percentage, for "a score below N %" */
  percent: number | null;
}

type Json = Record<string, unknown> | null;
const parse = (text: string | null): Json => (text ? (JSON.parse(text) as Record<string, unknown>) : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const str = (v: unknown): string => (typeof v === 'string' ? v : v === null || v === undefined ? '' : String(v));
const round1 = (n: number) => Math.round(n * 10) / 10;

/** The net change of a chain, as a family reads it; null when there is nothing to tell. */
export function describe(kind: string, before: Json, after: Json): Described | null {
  if (JSON.stringify(before) === JSON.stringify(after) || !after) return null;
  switch (kind) {
    case 'score': {
      if (after.published === false) return null;
      const title = str(after.title);
      if (after.missing === true && before?.missing !== true) return { kind: 'missing', params: { assignment: title }, percent: null };
      const points = num(after.points);
      const possible = num(after.pointsPossible);
      if (points === null || (before && num(before.points) === points)) return null;
      const percent = possible && possible > 0 ? round1((points / possible) * 100) : null;
      return { kind: 'score', params: { assignment: title, points, possible: possible ?? 0, percent: percent ?? 0 }, percent };
    }
    case 'term_grade':
      return { kind: 'termGrade', params: { letter: str(after.letter) || '—', percent: num(after.percent) ?? '' }, percent: null };
    case 'attendance':
      if (!after.code) return null;
      return { kind: 'attendance', params: { code: str(after.code), date: str(after.date) }, percent: null };
    case 'dose':
    case 'exemption':
      return { kind: 'immunization', params: {}, percent: null };
    default:
      return null;
  }
}

/** The page that shows a change. */
export function pageOf(kind: NotifyKind, studentId: number, sectionId: number | null): string {
  switch (kind) {
    case 'score':
    case 'missing':
    case 'classGrade':
    case 'termGrade':
      return sectionId ? toolUrl(studentId, 'grades', sectionId) : toolUrl(studentId, 'grades');
    case 'attendance':
      return toolUrl(studentId, 'attendance');
    case 'immunization':
      return toolUrl(studentId, 'immunizations');
    default:
      return '/notifications';
  }
}

/** A notification's text in a language (the list, push, email). */
export function notificationText(locale: Locale, kind: string, params: Record<string, string | number>): { title: string; body: string } {
  const key = (part: 'title' | 'body') => `notifications.${part}.${kind}` as MessageKey;
  const read = inReaderLanguage(locale, params);
  return { title: translate(locale, key('title'), read), body: translate(locale, key('body'), read) };
}

export interface Recipient {
  accountId: number;
  studentId: number;
  locale: Locale;
}

/**
 * Who may see each of these students now: their own active account, and the active accounts of
 * guardians with a portal link (ended at 18 where the district says so). One query per kind of reader.
 */
export async function recipientsOf(db: Kysely<DB>, studentIds: readonly number[], district: DistrictProfile, now: Date): Promise<Recipient[]> {
  if (studentIds.length === 0) return [];
  const cutoff = adultCutoff(district.settings, localDate(now, district.timeZone));
  const fallback: Locale = isLocale(district.locale) ? district.locale : 'en';
  const out: Recipient[] = [];
  for (let i = 0; i < studentIds.length; i += 1000) {
    const ids = studentIds.slice(i, i + 1000);
    const own = await db
      .selectFrom('user_accounts as ua')
      .select(['ua.id', 'ua.student_id', 'ua.locale'])
      .where('ua.person_kind', '=', 'student')
      .where('ua.status', '=', 'active')
      .where('ua.student_id', 'in', ids)
      .execute();
    for (const r of own) out.push({ accountId: r.id, studentId: r.student_id!, locale: isLocale(r.locale) ? r.locale : fallback });
    let guardians = portalLinks(db)
      .innerJoin('user_accounts as ua', 'ua.guardian_id', 'sg.guardian_id')
      .innerJoin('students as s', 's.id', 'sg.student_id')
      .innerJoin('guardians as g', 'g.id', 'sg.guardian_id')
      .select(['ua.id', 'sg.student_id', 'ua.locale', 'g.preferred_language as guardian_language'])
      .where('ua.person_kind', '=', 'guardian')
      .where('ua.status', '=', 'active')
      .where('sg.student_id', 'in', ids);
    if (cutoff) guardians = guardians.where('s.birth_date', '>', cutoff);
    const seen = new Set<string>();
    for (const r of await guardians.execute()) {
      const k = `${r.id}:${r.student_id}`;
      if (seen.has(k)) continue;
      seen.add(k);
      out.push({ accountId: r.id, studentId: r.student_id, locale: isLocale(r.locale) ? r.locale : isLocale(r.guardian_language) ? r.guardian_language : fallback });
    }
  }
  return out;
}

export interface DecideOptions {
  now: Date;
  queuePush: QueuePush | null;
  /** change events per transaction */
  batchSize?: number;
  /** a test's fault-injection seam: throws after a batch's notifications are written, before its commit */
  dieBeforeCommit?: () => boolean;
}

export interface DecideResult {
  /** change events the cursor moved past */
  decided: number;
  /** in-app notifications written */
  notifications: number;
}

/** Decides every change that has stood; returns what it did. Safe to run from several processes. */
export async function decideChanges(database: Database, options: DecideOptions): Promise<DecideResult> {
  const total: DecideResult = { decided: 0, notifications: 0 };
  for (;;) {
    const step = await database.db.transaction().execute((trx) => decideBatch(trx, database.dialect, options));
    total.decided += step.decided;
    total.notifications += step.notifications;
    if (!step.more) return total;
  }
}

async function decideBatch(trx: Kysely<DB>, dialect: Database['dialect'], options: DecideOptions): Promise<DecideResult & { more: boolean }> {
  const { now } = options;
  const batchSize = options.batchSize ?? 5000;
  const lock = dialect === 'postgres' ? sql`for update` : sql``;
  const cursor = (await sql<{ decided_through: number }>`select decided_through from notification_cursor where id = 1 ${lock}`.execute(trx)).rows[0]?.decided_through ?? 0;
  const events = await trx
    .selectFrom('change_events')
    .select(['id', 'at', 'kind', 'action', 'subject_id', 'student_id', 'section_id', 'before', 'after'])
    .where('id', '>', cursor)
    .orderBy('id')
    .limit(batchSize)
    .execute();
  if (events.length === 0) return { decided: 0, notifications: 0, more: false };
  const district = await getDistrictProfile(trx);
  const horizon = now.getTime() - district.settings.notifyGraceMinutes * 60_000;
  const lastId = events[events.length - 1]!.id;

  // Chains: a subject's changes in this batch, in order; one that goes on after the batch is not ready.
  const chains = new Map<string, EventRow[]>();
  for (const e of events) {
    const key = `${e.kind}:${e.subject_id}`;
    const chain = chains.get(key);
    if (chain) chain.push(e);
    else chains.set(key, [e]);
  }
  const continued = new Set<string>();
  if (events.length === batchSize) {
    const later = await trx.selectFrom('change_events').select(['kind', 'subject_id']).where('id', '>', lastId).where('subject_id', 'in', [...new Set(events.map((e) => e.subject_id))]).execute();
    for (const l of later) continued.add(`${l.kind}:${l.subject_id}`);
  }
  const atOf = (e: EventRow) => (e.at instanceof Date ? e.at.getTime() : Date.parse(e.at));
  let blockedFrom = Infinity;
  const ready: { last: EventRow; described: Described }[] = [];
  for (const [key, chain] of chains) {
    const last = chain[chain.length - 1]!;
    if (continued.has(key) || atOf(last) > horizon) {
      blockedFrom = Math.min(blockedFrom, chain[0]!.id);
      continue;
    }
    if (last.student_id === null) continue;
    const described = describe(last.kind, parse(chain[0]!.before), parse(last.after));
    if (described) ready.push({ last, described });
  }
  const through = blockedFrom === Infinity ? lastId : blockedFrom - 1;

  const written = await tell(trx, ready, district, options);
  if (options.dieBeforeCommit?.()) throw new Error('fault injected: the decider stopped before its commit');
  if (through > cursor) await trx.updateTable('notification_cursor').set({ decided_through: through }).where('id', '=', 1).execute();
  return { decided: Math.max(0, through - cursor), notifications: written, more: through > cursor && events.length === batchSize };
}

interface Planned {
  accountId: number;
  studentId: number;
  sectionId: number | null;
  eventId: number;
  key: string;
  kind: NotifyKind;
  params: Record<string, string | number>;
  locale: Locale;
  settings: PersonSettings;
}

async function tell(trx: Kysely<DB>, ready: { last: EventRow; described: Described }[], district: DistrictProfile, options: DecideOptions): Promise<number> {
  if (ready.length === 0) return 0;
  const { now } = options;
  const studentIds = [...new Set(ready.map((r) => r.last.student_id!))];
  const recipients = await recipientsOf(trx, studentIds, district, now);
  const byStudent = new Map<number, Recipient[]>();
  for (const r of recipients) (byStudent.get(r.studentId) ?? byStudent.set(r.studentId, []).get(r.studentId)!).push(r);
  const stored = await settingsOfMany(trx, [...new Set(recipients.map((r) => r.accountId))], district.settings);
  const settingsOf = (accountId: number) => stored.get(accountId) ?? defaultSettings(district.settings);
  const names = await namesOf(trx, studentIds, [...new Set(ready.map((r) => r.last.section_id).filter((s): s is number => s !== null))]);

  const planned: Planned[] = [];
  const gradeChecks = new Map<string, { studentId: number; sectionId: number; eventId: number }>();
  for (const { last, described } of ready) {
    const studentId = last.student_id!;
    const base = { student: names.students.get(studentId) ?? '', class: last.section_id ? (names.sections.get(last.section_id) ?? '') : '' };
    for (const r of byStudent.get(studentId) ?? []) {
      const settings = settingsOf(r.accountId);
      const child = childSettings(settings, studentId, district.settings);
      if (last.kind === 'score' && last.section_id && (child.gradeBelow !== null || child.gradeAbove !== null) && channelsOf(child, 'classGrade', district.settings).on) {
        gradeChecks.set(`${studentId}:${last.section_id}`, { studentId, sectionId: last.section_id, eventId: last.id });
      }
      if (!channelsOf(child, described.kind, district.settings, last.section_id).on) continue;
      if (described.kind === 'score' && child.scoreBelow !== null && (described.percent === null || described.percent >= child.scoreBelow)) continue;
      planned.push({ accountId: r.accountId, studentId, sectionId: last.section_id, eventId: last.id, key: `change:${last.id}`, kind: described.kind, params: { ...base, ...described.params }, locale: r.locale, settings });
    }
  }

  // Class grades crossing a person's thresholds: computed by the portal's own grade function.
  const today = localDate(now, district.timeZone);
  for (const check of gradeChecks.values()) {
    const proof = await readableStudent(trx, { person_kind: 'student', student_id: check.studentId, guardian_id: null }, check.studentId, null).catch(() => null);
    if (!proof) continue;
    const grades = await gradesOf(trx, proof, today);
    const cls = grades.classes.find((c) => c.class.sectionId === check.sectionId);
    const percent = cls ? (shownGradeOf(cls)?.percent ?? null) : null;
    const prevRow = await trx.selectFrom('notification_class_grades').select('percent').where('student_id', '=', check.studentId).where('section_id', '=', check.sectionId).executeTakeFirst();
    const prev = prevRow?.percent ?? null;
    if (prevRow) await trx.updateTable('notification_class_grades').set({ percent }).where('student_id', '=', check.studentId).where('section_id', '=', check.sectionId).execute();
    else await trx.insertInto('notification_class_grades').values({ student_id: check.studentId, section_id: check.sectionId, percent }).execute();
    if (percent === null) continue;
    const base = { student: names.students.get(check.studentId) ?? '', class: names.sections.get(check.sectionId) ?? '', percent: round1(percent) };
    for (const r of byStudent.get(check.studentId) ?? []) {
      const settings = settingsOf(r.accountId);
      const child = childSettings(settings, check.studentId, district.settings);
      if (!channelsOf(child, 'classGrade', district.settings).on) continue;
      const fell = child.gradeBelow !== null && percent < child.gradeBelow && (prev === null || prev >= child.gradeBelow);
      const rose = child.gradeAbove !== null && percent > child.gradeAbove && prev !== null && prev <= child.gradeAbove;
      if (!fell && !rose) continue;
      const direction = fell ? 'below' : 'above';
      const threshold = fell ? child.gradeBelow! : child.gradeAbove!;
      planned.push({ accountId: r.accountId, studentId: check.studentId, sectionId: check.sectionId, eventId: check.eventId, key: `grade:${check.eventId}:${direction}`, kind: 'classGrade', params: { ...base, threshold, direction }, locale: r.locale, settings });
    }
  }
  return record(trx, planned, district, options);
}

/**
 * The notifications and their deliveries, set-based: multi-row inserts in chunks (SQLite's bound
 * parameters), each notification once (unique key: a batch read again adds nothing), then one delivery
 * per channel for each one this run wrote, and its push when one is due now. Returns how many were written.
 */
async function record(trx: Kysely<DB>, planned: readonly Planned[], district: DistrictProfile, options: DecideOptions): Promise<number> {
  const { now } = options;
  const at = now.toISOString();
  let written = 0;
  for (const chunk of paramChunks(planned, 10)) {
    const byKey = new Map(chunk.map((p) => [`${p.accountId}:${p.key}`, p]));
    const inserted = await trx
      .insertInto('notifications')
      .values([...byKey.values()].map((p) => ({ account_id: p.accountId, key: p.key, kind: p.kind, change_event_id: p.eventId, student_id: p.studentId, section_id: p.sectionId, params: JSON.stringify(p.params), url: pageOf(p.kind, p.studentId, p.sectionId), created_at: at, read_at: null })))
      .onConflict((oc) => oc.columns(['account_id', 'key']).doNothing())
      .returning(['id', 'account_id', 'key'])
      .execute();
    const deliveries: Insertable<DB['notification_deliveries']>[] = [];
    const pushes: PushToQueue[] = [];
    // In the order planned, whatever order the database returned them in.
    const ids = new Map(inserted.map((row) => [`${row.account_id}:${row.key}`, row.id]));
    for (const [k, p] of byKey) {
      const id = ids.get(k);
      if (id === undefined) continue;
      faultPoint('notify.after-notification');
      const channels = channelsOf(childSettings(p.settings, p.studentId, district.settings), p.kind, district.settings);
      const exempt = p.kind === 'attendance' && p.settings.quiet?.exemptAttendance === true;
      const due = (exempt ? null : quietUntil(now, p.settings.quiet, zoneOf(p.settings, district.timeZone))) ?? now;
      const delivery = (channel: 'email' | 'push', status: 'pending' | 'digest' | 'sent', when: Date) =>
        deliveries.push({ notification_id: id, account_id: p.accountId, channel, status, due_at: when.toISOString(), done_at: status === 'sent' ? at : null, digest_id: null });
      if (channels.email) delivery('email', p.settings.digest.mode === 'off' ? 'pending' : 'digest', due);
      if (channels.push && options.queuePush) {
        if (due.getTime() <= now.getTime()) {
          const url = pageOf(p.kind, p.studentId, p.sectionId);
          pushes.push({ accountId: p.accountId, message: { ...notificationText(p.locale, p.kind, p.params), url, tag: `notification-${id}` }, key: `notification-${id}` });
          delivery('push', 'sent', now);
        } else delivery('push', 'pending', due);
      }
    }
    for (const rows of paramChunks(deliveries, 7)) {
      await trx
        .insertInto('notification_deliveries')
        .values(rows)
        .onConflict((oc) => oc.columns(['notification_id', 'channel']).doNothing())
        .execute();
    }
    if (pushes.length > 0 && options.queuePush) await options.queuePush.many(trx, pushes, now);
    written += ids.size;
  }
  return written;
}

async function namesOf(trx: Kysely<DB>, studentIds: number[], sectionIds: number[]) {
  const students = new Map<number, string>();
  const sections = new Map<number, string>();
  for (let i = 0; i < studentIds.length; i += 1000) {
    const rows = await trx.selectFrom('students').select(['id', 'preferred_first_name', 'legal_first_name']).where('id', 'in', studentIds.slice(i, i + 1000)).execute();
    for (const r of rows) students.set(r.id, r.preferred_first_name ?? r.legal_first_name);
  }
  for (let i = 0; i < sectionIds.length; i += 1000) {
    const rows = await trx.selectFrom('sections as s').innerJoin('courses as c', 'c.id', 's.course_id').select(['s.id', 'c.title']).where('s.id', 'in', sectionIds.slice(i, i + 1000)).execute();
    for (const r of rows) sections.set(r.id, r.title);
  }
  return { students, sections };
}
