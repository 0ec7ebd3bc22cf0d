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
 * Exactly once (ADR 0054): a batch is read and worked out outside any write transaction, then written
 * in short write transactions of a few hundred notifications each — every notification with its
 * deliveries, its push and its email when they are due now — the cursor moving with the last one. Every
 * row has a unique key, and deliveries, pushes and emails are written only with a notification the same
 * transaction added, so a batch read again after a crash between two writes adds nothing twice. On
 * PostgreSQL one decider runs at a time (a session lock); on SQLite each write waits its turn for the
 * lock without stopping the process (`writeInTurn`), and holds it for milliseconds.
 */
import { sql, type Insertable, type Kysely } from 'kysely';
import { poolSizeOf, writesInTurn, type Database, type Dialect } from '../../db/connect.js';
import type { DB } from '../../db/schema.js';
import { enqueueEmailsInBulk, type OutgoingEmail } from '../../email/outbox.js';
import { formatCalendarDate, formatNumber, formatPercentage } from '../../i18n/format.js';
import { translate, isLocale, type Locale, type MessageKey } from '../../i18n/index.js';
import { faultPoint } from '../../jobs/faults.js';
import { toolUrl } from '../portal/tools.js';
import { readableStudent } from '../access/portal.js';
import { confirmedEmail } from '../accounts/mail.js';
import { portalLinks } from '../access/guardian-links.js';
import { localDate } from '../calendar/dates.js';
import { getDistrictProfile, type DistrictProfile } from '../district/service.js';
import { adultCutoff } from '../district/settings.js';
import { gradesOf, shownGradeOf } from '../gradebook/grades.js';
import type { PushToQueue, queuePush } from './push.js';
import { paramChunks } from '../../db/bulk.js';
import { notificationEmails } from './email.js';
import { bothLanguages, inReaderLanguage } from './localized.js';
import { quietUntil } from './quiet.js';
import { channelsOf, defaultChild, defaultSettings, settingsOfMany, zoneOf, type ChildSettings, type NotifyKind, type PersonSettings } from './settings.js';
import { unsubscribeSigner } from './unsubscribe.js';

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

/** The parameters of a notification that are a number (a score's points), and a percentage (sign included by the format). */
const NUMBER_PARAMS = ['points', 'possible'] as const;
const PERCENT_PARAMS = ['percent', 'threshold'] as const;

/** A notification's text in a language (the list, push, email). */
export function notificationText(locale: Locale, kind: string, params: Record<string, string | number>): { title: string; body: string } {
  const key = (part: 'title' | 'body') => `notifications.${part}.${kind}` as MessageKey;
  const read = inReaderLanguage(locale, params);
  // Stored as numbers (the entry is read in either language); written here as the reader writes them.
  for (const name of NUMBER_PARAMS) if (typeof read[name] === 'number') read[name] = formatNumber(read[name], locale);
  for (const name of PERCENT_PARAMS) if (typeof read[name] === 'number') read[name] = formatPercentage(read[name], locale);
  return { title: translate(locale, key('title'), read), body: translate(locale, key('body'), read) };
}

export interface Recipient {
  accountId: number;
  studentId: number;
  locale: Locale;
  /** the account's confirmed security email, where its notification emails go (null: none) */
  email: string | null;
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
      .select(['ua.id', 'ua.student_id', 'ua.locale', 'ua.security_email', 'ua.security_email_confirmed_at'])
      .where('ua.person_kind', '=', 'student')
      .where('ua.status', '=', 'active')
      .where('ua.student_id', 'in', ids)
      .execute();
    for (const r of own) out.push({ accountId: r.id, studentId: r.student_id!, locale: isLocale(r.locale) ? r.locale : fallback, email: confirmedEmail(r) });
    let guardians = portalLinks(db)
      .innerJoin('user_accounts as ua', 'ua.guardian_id', 'sg.guardian_id')
      .innerJoin('students as s', 's.id', 'sg.student_id')
      .innerJoin('guardians as g', 'g.id', 'sg.guardian_id')
      .select(['ua.id', 'sg.student_id', 'ua.locale', 'g.preferred_language as guardian_language', 'ua.security_email', 'ua.security_email_confirmed_at'])
      .where('ua.person_kind', '=', 'guardian')
      .where('ua.status', '=', 'active')
      .where('sg.student_id', 'in', ids);
    if (cutoff) guardians = guardians.where('s.birth_date', '>', cutoff);
    const seen = new Set<string>();
    for (const r of await guardians.execute()) {
      const k = `${r.id}:${r.student_id}`;
      if (seen.has(k)) continue;
      seen.add(k);
      out.push({ accountId: r.id, studentId: r.student_id, locale: isLocale(r.locale) ? r.locale : isLocale(r.guardian_language) ? r.guardian_language : fallback, email: confirmedEmail(r) });
    }
  }
  return out;
}

export interface DecideOptions {
  now: Date;
  queuePush: QueuePush | null;
  /**
   * The portal's address for links: given (the notifications run gives it), an email due now is written
   * to the outbox with its notification, and its delivery is done; absent, it waits pending for the
   * delivery step (deliver.ts), which writes the same message.
   */
  baseUrl?: string;
  /** change events read and decided together (the chains are within it) */
  batchSize?: number;
  /** notifications written per write transaction (ADR 0054) */
  chunkSize?: number;
  /** a test's fault-injection seam: throws in a batch's last write transaction, before its commit */
  dieBeforeCommit?: () => boolean;
  /** a test's fault-injection seam: throws after the n-th write transaction of a batch (from 1) committed, when it was not the last */
  dieAfterChunk?: (n: number) => boolean;
  /** PostgreSQL: notifications a run writes at least before it analyzes the tables it wrote (default STATISTICS_AFTER) */
  statisticsAfter?: number;
}

export interface DecideResult {
  /** change events the cursor moved past */
  decided: number;
  /** in-app notifications written */
  notifications: number;
  /** emails written to the outbox with their notifications (only with `baseUrl`) */
  emails: number;
  /** write transactions, and how long the longest held the write lock (ms) */
  writes: number;
  longestWriteMs: number;
}

/** Notifications written per write transaction: on SQLite, a few milliseconds of the only write lock (ADR 0054). */
const NOTIFICATIONS_PER_WRITE = 200;

const DECIDER_LOCK = sql`hashtext('homeroom.notifications.decide')`;

/**
 * PostgreSQL: once a run has written at least this many notifications, the tables it wrote are analyzed
 * at once rather than when autovacuum gets to them (a minute or more later; never, where it is off).
 * Planned with statistics from before the run — no email waiting — the outbox's claim of the next eight
 * emails sorted all 282,000 just written (370 ms, not 0.07 ms, a claim: 72 emails a second at 100,000
 * students); and the portal's unread counts, planned while the notifications table was empty, read it
 * whole while it grew (50–84 ms a page). ANALYZE samples a bounded number of rows (0.5 s for the
 * 282,000-email outbox), and a table that grows from empty is analyzed about once each time it doubles.
 */
const STATISTICS_AFTER = 10_000;

/**
 * Decides every change that has stood; returns what it did. Safe to run from several processes: on
 * PostgreSQL one decider at a time holds a session lock (another worker's run waits for it, then finds
 * the cursor moved); on SQLite two runs may read the same batch, and the unique keys keep every row once.
 */
export async function decideChanges(database: Database, options: DecideOptions): Promise<DecideResult> {
  if (database.dialect !== 'postgres') return decideAll(database.db, 'sqlite', options);
  return database.db.connection().execute(async (conn) => {
    await sql`select pg_advisory_lock(${DECIDER_LOCK})`.execute(conn);
    // The foreign-key checks of the rows it writes (about nine a notification) are planned by PostgreSQL
    // and kept for the connection's life. Planned while a new district's notifications table was nearly
    // empty, the check of each delivery's notification read that whole table (a scan per row, growing with
    // it: 0.3 s a write of 200 at 5,000 students). Its writes therefore plan without sequential scans
    // (`set local` in each write transaction, below): every check is a primary-key probe whatever the
    // statistics say, and its plan can be kept. Plans this connection made before, elsewhere, are dropped
    // first. (Until ADR 0064 the session planned every check again at each use, which cost PostgreSQL more
    // than the rows' own writing.)
    await sql`discard plans`.execute(conn);
    const run = async (writers: Kysely<DB>[]) => {
      try {
        // The tables it writes are analyzed once a run has written STATISTICS_AFTER notifications and at
        // least as many as the table held at its last analysis (so a few times as it grows from empty, as
        // a first district-wide change makes it), and at the end of a run that wrote as many.
        const threshold = options.statisticsAfter ?? STATISTICS_AFTER;
        const held = await sql<{ n: number }>`select greatest(reltuples, 0)::float8 as n from pg_class where oid = 'notifications'::regclass`.execute(conn);
        let analyzed = Number(held.rows[0]?.n ?? 0);
        let since = 0;
        const analyze = () => sql`analyze notifications, notification_deliveries, push_deliveries, email_outbox`.execute(conn);
        const total = await decideAll(conn, 'postgres', options, writers, async (written) => {
          since += written;
          if (since >= threshold && since >= analyzed) {
            await analyze();
            analyzed += since;
            since = 0;
          }
        });
        if (since >= threshold) await analyze();
        return total;
      } finally {
        // A connection that cannot run this has ended, and its session's lock with it.
        await sql`select pg_advisory_unlock(${DECIDER_LOCK})`.execute(conn).catch(() => undefined);
      }
    };
    // A second connection writes beside the first (ADR 0069), where the pool leaves a third for others.
    if ((poolSizeOf(database.db) ?? 1) < 3) return run([conn]);
    return database.db.connection().execute(async (second) => {
      await sql`discard plans`.execute(second);
      return run([conn, second]);
    });
  });
}

async function decideAll(db: Kysely<DB>, dialect: Dialect, options: DecideOptions, writers: readonly Kysely<DB>[] = [db], afterBatch?: (notifications: number) => Promise<void>): Promise<DecideResult> {
  const total: DecideResult = { decided: 0, notifications: 0, emails: 0, writes: 0, longestWriteMs: 0 };
  for (;;) {
    const step = await decideBatch(db, dialect, options, writers);
    await afterBatch?.(step.notifications);
    total.decided += step.decided;
    total.notifications += step.notifications;
    total.emails += step.emails;
    total.writes += step.writes;
    total.longestWriteMs = Math.max(total.longestWriteMs, step.longestWriteMs);
    if (!step.more) return total;
  }
}

/**
 * One batch of change events. Read and worked out outside any write transaction (the events, chains,
 * recipients, settings, names, class grades); then written a chunk of notifications per short write
 * transaction, each with its deliveries, pushes and emails, the cursor moving with the last one. A
 * process that dies between two leaves the cursor where it was: the batch is read again, and what was
 * written adds nothing (unique keys; deliveries, pushes and emails are written only with a notification
 * that was new).
 */
async function decideBatch(db: Kysely<DB>, dialect: Dialect, options: DecideOptions, writers: readonly Kysely<DB>[]): Promise<DecideResult & { more: boolean }> {
  const { now } = options;
  const batchSize = options.batchSize ?? 5000;
  const cursor = (await db.selectFrom('notification_cursor').select('decided_through').where('id', '=', 1).executeTakeFirst())?.decided_through ?? 0;
  const events = await db
    .selectFrom('change_events')
    .select(['id', 'at', 'kind', 'action', 'subject_id', 'student_id', 'section_id', 'before', 'after'])
    .where('id', '>', cursor)
    .orderBy('id')
    .limit(batchSize)
    .execute();
  const nothing = { decided: 0, notifications: 0, emails: 0, writes: 0, longestWriteMs: 0, more: false };
  if (events.length === 0) return nothing;
  const district = await getDistrictProfile(db);
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
    const later = await db.selectFrom('change_events').select(['kind', 'subject_id']).where('id', '>', lastId).where('subject_id', 'in', [...new Set(events.map((e) => e.subject_id))]).execute();
    for (const l of later) continued.add(`${l.kind}:${l.subject_id}`);
  }
  const atOf = (e: EventRow) => (e.at instanceof Date ? e.at.getTime() : Date.parse(e.at));
  let blockedFrom = Infinity;
  let waiting = Infinity;
  const ready: { last: EventRow; described: Described }[] = [];
  for (const [key, chain] of chains) {
    const last = chain[chain.length - 1]!;
    if (continued.has(key) || atOf(last) > horizon) {
      blockedFrom = Math.min(blockedFrom, chain[0]!.id);
      if (atOf(last) > horizon) waiting = Math.min(waiting, chain[0]!.id);
      continue;
    }
    if (last.student_id === null) continue;
    const described = describe(last.kind, parse(chain[0]!.before), parse(last.after));
    if (described) ready.push({ last, described });
  }
  // The batch's first chain goes on after it (a score corrected after an import's 100,000 changes) and
  // has stood so far: only a longer batch can see its end. Read again, twice as long; otherwise the
  // cursor would stay before it for good.
  if (blockedFrom === events[0]!.id && waiting !== blockedFrom) return decideBatch(db, dialect, { ...options, batchSize: batchSize * 2 }, writers);
  const through = blockedFrom === Infinity ? lastId : blockedFrom - 1;

  const plan = await planBatch(db, ready, district, options);
  const writer = await recorder(db, dialect, district, options);
  const chunkSize = Math.max(1, options.chunkSize ?? NOTIFICATIONS_PER_WRITE);
  const pieces: { planned: Planned[]; checks: GradeCheck[] }[] = [];
  // In account order (stable: one person's keep theirs): a write's rows then fall on neighbouring pages
  // of the indexes that begin with the account (the list's, the unique key's) instead of one page each.
  const inAccountOrder = [...plan.planned].sort((a, b) => a.accountId - b.accountId);
  for (let i = 0; i < inAccountOrder.length; i += chunkSize) pieces.push({ planned: inAccountOrder.slice(i, i + chunkSize), checks: [] });
  // A class grade's check reads and writes its last seen grade with the notifications it gives: one write.
  for (let i = 0; i < plan.checks.length; i += chunkSize) pieces.push({ planned: [], checks: plan.checks.slice(i, i + chunkSize) });
  // Nothing to tell: one write still moves the cursor.
  if (pieces.length === 0) pieces.push({ planned: [], checks: [] });

  // Others' writes (a page's, the outbox's) take their turn between two of these. With two writers
  // (PostgreSQL, ADR 0069) two pieces are in flight on two connections: while the server writes one,
  // this process composes and sends the next. The last piece, which moves the cursor, is written only
  // once every other has committed.
  const turns = writers.map((w) => writesInTurn(w));
  const out = { decided: Math.max(0, through - cursor), notifications: 0, emails: 0, writes: 0, longestWriteMs: 0, more: through > cursor && events.length === batchSize };
  const writePiece = async (i: number, slot: number) => {
    const piece = pieces[i]!;
    const last = i === pieces.length - 1;
    // Composed before the write: the lock is held only for the statements.
    const emails = writer.emailsOf(piece.planned);
    const result = await turns[slot]!.write(async (trx) => {
      // Its rows' foreign-key checks are probes of primary keys, planned as such (decideChanges).
      if (dialect === 'postgres') await sql`set local enable_seqscan = off`.execute(trx);
      const written = await writer.record(trx, piece.planned, emails);
      const told = await writer.checkGrades(trx, piece.checks, plan);
      if (last) {
        if (options.dieBeforeCommit?.()) throw new Error('fault injected: the decider stopped before its commit');
        // Never back: a second decider (SQLite) that finished a later batch first keeps its place.
        if (through > cursor) await trx.updateTable('notification_cursor').set({ decided_through: through }).where('id', '=', 1).where('decided_through', '<', through).execute();
      }
      return { notifications: written.notifications + told.notifications, emails: written.emails + told.emails };
    });
    out.notifications += result.notifications;
    out.emails += result.emails;
    if (!last) {
      faultPoint('notify.after-chunk');
      if (options.dieAfterChunk?.(i + 1)) throw new Error('fault injected: the decider stopped between two writes');
    }
  };
  const inFlight: (Promise<void> | null)[] = writers.map(() => null);
  const settle = async (slot: number) => {
    const pending = inFlight[slot];
    inFlight[slot] = null;
    if (pending) await pending;
  };
  try {
    for (let i = 0; i < pieces.length; i++) {
      if (i === pieces.length - 1) {
        for (let slot = 0; slot < writers.length; slot++) await settle(slot);
        await writePiece(i, 0);
        break;
      }
      const slot = i % writers.length;
      await settle(slot);
      const pending = writePiece(i, slot);
      // Awaited in turn (settle); a failure meanwhile is not left unhandled.
      pending.catch(() => undefined);
      inFlight[slot] = pending;
    }
  } catch (error) {
    // Nothing left running when the batch gives up: a piece in flight commits or not, and either is safe.
    await Promise.allSettled(inFlight.filter((p): p is Promise<void> => p !== null));
    throw error;
  }
  out.writes = turns.reduce((n, t) => n + t.stats.writes, 0);
  out.longestWriteMs = Math.max(...turns.map((t) => t.stats.longestMs));
  return out;
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
  /** the account's confirmed address (recipientsOf) */
  email: string | null;
  settings: PersonSettings;
}

/** A (student, class) whose score changed and whose grade some recipient watches: the grade as the portal shows it now. */
interface GradeCheck {
  studentId: number;
  sectionId: number;
  eventId: number;
  percent: number | null;
}

interface BatchPlan {
  planned: Planned[];
  checks: GradeCheck[];
  byStudent: Map<number, Recipient[]>;
  settingsOf: (accountId: number) => PersonSettings;
  names: Awaited<ReturnType<typeof namesOf>>;
}

/** `childSettings`, with the district's default child made once: it is only read here. */
function childrenIn(district: DistrictProfile): (settings: PersonSettings, studentId: number) => ChildSettings {
  const fallback = defaultChild(district.settings);
  return (settings, studentId) => settings.children[String(studentId)] ?? fallback;
}

/** Who is told what, read and worked out outside any write transaction. */
async function planBatch(db: Kysely<DB>, ready: { last: EventRow; described: Described }[], district: DistrictProfile, options: DecideOptions): Promise<BatchPlan> {
  const { now } = options;
  const studentIds = [...new Set(ready.map((r) => r.last.student_id!))];
  const recipients = await recipientsOf(db, studentIds, district, now);
  const byStudent = new Map<number, Recipient[]>();
  for (const r of recipients) (byStudent.get(r.studentId) ?? byStudent.set(r.studentId, []).get(r.studentId)!).push(r);
  const stored = await settingsOfMany(db, [...new Set(recipients.map((r) => r.accountId))], district.settings);
  // The district's defaults, once: read, never changed, by everyone who never saved settings.
  const defaults = defaultSettings(district.settings);
  const settingsOf = (accountId: number) => stored.get(accountId) ?? defaults;
  const childOf = childrenIn(district);
  const names = await namesOf(db, studentIds, [...new Set(ready.map((r) => r.last.section_id).filter((s): s is number => s !== null))]);
  const codes = await attendanceCodesOf(db, [...new Set(ready.filter((r) => r.described.kind === 'attendance').map((r) => String(r.described.params.code)))]);

  const planned: Planned[] = [];
  const gradeChecks = new Map<string, { studentId: number; sectionId: number; eventId: number }>();
  for (const { last, described } of ready) {
    const studentId = last.student_id!;
    const base = { student: names.students.get(studentId) ?? '', class: last.section_id ? (names.sections.get(last.section_id) ?? '') : '' };
    const params = { ...base, ...(described.kind === 'attendance' ? attendanceWords(described.params, codes) : described.params) };
    for (const r of byStudent.get(studentId) ?? []) {
      const settings = settingsOf(r.accountId);
      const child = childOf(settings, studentId);
      if (last.kind === 'score' && last.section_id && (child.gradeBelow !== null || child.gradeAbove !== null) && channelsOf(child, 'classGrade', district.settings).on) {
        gradeChecks.set(`${studentId}:${last.section_id}`, { studentId, sectionId: last.section_id, eventId: last.id });
      }
      if (!channelsOf(child, described.kind, district.settings, last.section_id).on) continue;
      if (described.kind === 'score' && child.scoreBelow !== null && (described.percent === null || described.percent >= child.scoreBelow)) continue;
      planned.push({ accountId: r.accountId, studentId, sectionId: last.section_id, eventId: last.id, key: `change:${last.id}`, kind: described.kind, params, locale: r.locale, email: r.email, settings });
    }
  }

  // Class grades, computed by the portal's own grade function (reads only); whether each crossed a
  // person's threshold is decided in the write that records the grade as seen (checkGrades).
  const today = localDate(now, district.timeZone);
  const checks: GradeCheck[] = [];
  for (const check of gradeChecks.values()) {
    const proof = await readableStudent(db, { person_kind: 'student', student_id: check.studentId, guardian_id: null }, check.studentId, null).catch(() => null);
    if (!proof) continue;
    const grades = await gradesOf(db, proof, today);
    const cls = grades.classes.find((c) => c.class.sectionId === check.sectionId);
    checks.push({ ...check, percent: cls ? (shownGradeOf(cls)?.percent ?? null) : null });
  }
  return { planned, checks, byStudent, settingsOf, names };
}

/**
 * Writes planned notifications, in the caller's short write transaction: multi-row inserts, each
 * notification once (unique key: a batch read again adds nothing), then one delivery per channel for
 * each one this write added, its push when one is due now, and — with the portal's address — its email
 * when one is due now (composed beforehand, `emailsOf`).
 */
async function recorder(db: Kysely<DB>, dialect: Dialect, district: DistrictProfile, options: DecideOptions) {
  const { now } = options;
  const at = now.toISOString();
  const dueText = new Map<number, string>();
  const iso = (d: Date) => {
    let text = dueText.get(d.getTime());
    if (text === undefined) dueText.set(d.getTime(), (text = d.toISOString()));
    return text;
  };
  const compose = options.baseUrl ? notificationEmails(district, options.baseUrl, await unsubscribeSigner(db, now)) : null;
  // When a notification may go out: now, or when the person's quiet hours end (the same for everyone with the same hours and zone).
  const dueAt = new Map<string, Date>();
  const dueOf = (p: Planned): Date => {
    if (p.kind === 'attendance' && p.settings.quiet?.exemptAttendance === true) return now;
    const zone = zoneOf(p.settings, district.timeZone);
    const key = `${zone} ${p.settings.quiet ? `${p.settings.quiet.from}-${p.settings.quiet.to}` : ''}`;
    let due = dueAt.get(key);
    if (!due) {
      due = quietUntil(now, p.settings.quiet, zone) ?? now;
      dueAt.set(key, due);
    }
    return due;
  };
  const childOf = childrenIn(district);
  const channelsFor = (p: Planned) => channelsOf(childOf(p.settings, p.studentId), p.kind, district.settings);
  // A change's text per language, for everyone told of it (their planned rows share one parameters object).
  const texts = new WeakMap<object, Map<string, { title: string; body: string }>>();
  const textOf = (p: Planned) => {
    let byLocale = texts.get(p.params);
    if (!byLocale) texts.set(p.params, (byLocale = new Map()));
    const key = `${p.locale}:${p.kind}`;
    let text = byLocale.get(key);
    if (!text) byLocale.set(key, (text = notificationText(p.locale, p.kind, p.params)));
    return text;
  };
  /** The email of each planned notification that is due now by email (null: none, or none to write now). */
  const emailsOf = (planned: readonly Planned[]): (OutgoingEmail | null)[] =>
    planned.map((p) => {
      if (!compose || !p.email || !channelsFor(p).email || p.settings.digest.mode !== 'off' || dueOf(p).getTime() > now.getTime()) return null;
      const url = pageOf(p.kind, p.studentId, p.sectionId);
      return compose({ accountId: p.accountId, to: p.email, locale: p.locale, kind: p.kind, url, text: textOf(p) });
    });

  async function record(trx: Kysely<DB>, planned: readonly Planned[], emails: readonly (OutgoingEmail | null)[]): Promise<{ notifications: number; emails: number }> {
    let written = 0;
    const outgoing: OutgoingEmail[] = [];
    const pushes: PushToQueue[] = [];
    const indexOf = new Map(planned.map((p, i) => [p, i]));
    for (const chunk of paramChunks(planned, 10)) {
      const byKey = new Map(chunk.map((p) => [`${p.accountId}:${p.key}`, p]));
      const inserted = await insertNotifications(trx, dialect, [...byKey.values()], at);
      const deliveries: Insertable<DB['notification_deliveries']>[] = [];
      // In the order planned, whatever order the database returned them in.
      const ids = new Map(inserted.map((row) => [`${row.account_id}:${row.key}`, row.id]));
      for (const [k, p] of byKey) {
        const id = ids.get(k);
        if (id === undefined) continue;
        faultPoint('notify.after-notification');
        const channels = channelsFor(p);
        const due = dueOf(p);
        const delivery = (channel: 'email' | 'push', status: 'pending' | 'digest' | 'sent' | 'withdrawn', when: Date) =>
          deliveries.push({ notification_id: id, account_id: p.accountId, channel, status, due_at: iso(when), done_at: status === 'sent' || status === 'withdrawn' ? at : null, digest_id: null });
        if (channels.email) {
          const email = emails[indexOf.get(p)!] ?? null;
          if (email) outgoing.push(email);
          if (p.settings.digest.mode !== 'off') delivery('email', 'digest', due);
          else if (email) delivery('email', 'sent', now);
          // Due now with no confirmed address to write to: what the delivery step would decide.
          else if (compose && due.getTime() <= now.getTime()) delivery('email', 'withdrawn', now);
          else delivery('email', 'pending', due);
        }
        if (channels.push && options.queuePush) {
          if (due.getTime() <= now.getTime()) {
            const url = pageOf(p.kind, p.studentId, p.sectionId);
            pushes.push({ accountId: p.accountId, message: { ...textOf(p), url, tag: `notification-${id}` }, key: `notification-${id}` });
            delivery('push', 'sent', now);
          } else delivery('push', 'pending', due);
        }
      }
      await insertDeliveries(trx, dialect, deliveries);
      written += ids.size;
    }
    await enqueueEmailsInBulk(trx, dialect, outgoing, now);
    // Last: the pushes' job has one key for the run's moment, so a write beside this one (ADR 0069) waits
    // for this one's commit at that insert; here, it waits for nothing else.
    if (pushes.length > 0 && options.queuePush) await options.queuePush.many(trx, pushes, now);
    return { notifications: written, emails: outgoing.length };
  }

  /**
   * Class grades crossing a person's thresholds, in the write transaction that records each grade as
   * last seen: a crash before its commit leaves the old grade, and the check is made again.
   */
  async function checkGrades(trx: Kysely<DB>, checks: readonly GradeCheck[], plan: BatchPlan): Promise<{ notifications: number; emails: number }> {
    const planned: Planned[] = [];
    for (const check of checks) {
      const { percent } = check;
      const prevRow = await trx.selectFrom('notification_class_grades').select('percent').where('student_id', '=', check.studentId).where('section_id', '=', check.sectionId).executeTakeFirst();
      const prev = prevRow?.percent ?? null;
      if (prevRow) await trx.updateTable('notification_class_grades').set({ percent }).where('student_id', '=', check.studentId).where('section_id', '=', check.sectionId).execute();
      else await trx.insertInto('notification_class_grades').values({ student_id: check.studentId, section_id: check.sectionId, percent }).execute();
      if (percent === null) continue;
      const base = { student: plan.names.students.get(check.studentId) ?? '', class: plan.names.sections.get(check.sectionId) ?? '', percent: round1(percent) };
      for (const r of plan.byStudent.get(check.studentId) ?? []) {
        const settings = plan.settingsOf(r.accountId);
        const child = childOf(settings, check.studentId);
        if (!channelsOf(child, 'classGrade', district.settings).on) continue;
        const fell = child.gradeBelow !== null && percent < child.gradeBelow && (prev === null || prev >= child.gradeBelow);
        const rose = child.gradeAbove !== null && percent > child.gradeAbove && prev !== null && prev <= child.gradeAbove;
        if (!fell && !rose) continue;
        const direction = fell ? 'below' : 'above';
        const threshold = fell ? child.gradeBelow! : child.gradeAbove!;
        planned.push({ accountId: r.accountId, studentId: check.studentId, sectionId: check.sectionId, eventId: check.eventId, key: `grade:${check.eventId}:${direction}`, kind: 'classGrade', params: { ...base, threshold, direction }, locale: r.locale, email: r.email, settings });
      }
    }
    // Few (a column of scores whose families watch the class grade): composed here, in the write.
    return planned.length > 0 ? record(trx, planned, emailsOf(planned)) : { notifications: 0, emails: 0 };
  }

  return { emailsOf, record, checkGrades };
}

/**
 * A write's notifications, each once (unique key); returns the ones added. PostgreSQL: one statement
 * whose text is the same whatever the number of rows (each column an array, `unnest`), so it is parsed
 * and planned once per connection rather than once per size of a multi-row VALUES list.
 */
async function insertNotifications(trx: Kysely<DB>, dialect: Dialect, rows: readonly Planned[], at: string): Promise<{ id: number; account_id: number; key: string }[]> {
  if (rows.length === 0) return [];
  if (dialect === 'postgres') {
    const column = <T>(of: (p: Planned) => T) => rows.map(of);
    return (
      await sql<{ id: number; account_id: number; key: string }>`
        insert into notifications (account_id, key, kind, change_event_id, student_id, section_id, params, url, created_at)
        select t.account_id, t.key, t.kind, t.change_event_id, t.student_id, t.section_id, t.params, t.url, cast(${at} as timestamptz)
          from unnest(cast(${column((p) => p.accountId)} as integer[]), cast(${column((p) => p.key)} as text[]), cast(${column((p) => p.kind)} as text[]),
                      cast(${column((p) => p.eventId)} as integer[]), cast(${column((p) => p.studentId)} as integer[]), cast(${column((p) => p.sectionId)} as integer[]),
                      cast(${column((p) => paramsOf(p))} as text[]), cast(${column((p) => pageOf(p.kind, p.studentId, p.sectionId))} as text[]))
               as t(account_id, key, kind, change_event_id, student_id, section_id, params, url)
        on conflict (account_id, key) do nothing
        returning id, account_id, key`.execute(trx)
    ).rows;
  }
  const out: { id: number; account_id: number; key: string }[] = [];
  for (const chunk of paramChunks(rows, 10)) {
    out.push(
      ...(await trx
        .insertInto('notifications')
        .values(chunk.map((p) => ({ account_id: p.accountId, key: p.key, kind: p.kind, change_event_id: p.eventId, student_id: p.studentId, section_id: p.sectionId, params: paramsOf(p), url: pageOf(p.kind, p.studentId, p.sectionId), created_at: at, read_at: null })))
        .onConflict((oc) => oc.columns(['account_id', 'key']).doNothing())
        .returning(['id', 'account_id', 'key'])
        .execute()),
    );
  }
  return out;
}

/**
 * The deliveries of a write's new notifications, each once (unique key). PostgreSQL: one statement of
 * arrays, as insertNotifications, instead of a VALUES list of 400 rows the server parses and plans each time.
 */
async function insertDeliveries(trx: Kysely<DB>, dialect: Dialect, rows: readonly Insertable<DB['notification_deliveries']>[]): Promise<void> {
  if (rows.length === 0) return;
  if (dialect === 'postgres') {
    const column = <T>(of: (d: Insertable<DB['notification_deliveries']>) => T) => rows.map(of);
    await sql`
      insert into notification_deliveries (notification_id, account_id, channel, status, due_at, done_at)
      select * from unnest(cast(${column((d) => d.notification_id)} as integer[]), cast(${column((d) => d.account_id)} as integer[]),
                           cast(${column((d) => d.channel)} as text[]), cast(${column((d) => d.status)} as text[]),
                           cast(${column((d) => d.due_at)} as timestamptz[]), cast(${column((d) => d.done_at ?? null)} as timestamptz[]))
      on conflict (notification_id, channel) do nothing`.execute(trx);
    return;
  }
  for (const chunk of paramChunks(rows, 7)) {
    await trx
      .insertInto('notification_deliveries')
      .values(chunk)
      .onConflict((oc) => oc.columns(['notification_id', 'channel']).doNothing())
      .execute();
  }
}

/** A notification's parameters as stored: the same object for everyone told of one change, written once. */
const paramsText = new WeakMap<object, string>();
function paramsOf(p: Planned): string {
  let text = paramsText.get(p.params);
  if (text === undefined) {
    text = JSON.stringify(p.params);
    paramsText.set(p.params, text);
  }
  return text;
}

/** The district's words for these attendance codes, in both languages (Spanish: English where none was given). */
async function attendanceCodesOf(db: Kysely<DB>, codes: string[]): Promise<Map<string, Record<Locale, string>>> {
  const out = new Map<string, Record<Locale, string>>();
  if (codes.length === 0) return out;
  const rows = await db.selectFrom('attendance_codes').select(['code', 'description', 'description_es']).where('code', 'in', codes).execute();
  for (const r of rows) out.set(r.code, { en: r.description, es: r.description_es || r.description });
  return out;
}

/**
 * An attendance change's parameters as a family reads them: the code's words (not "A-APT") and the day
 * written out, each in both languages (read in the reader's: localized.ts). An unknown code stays as it is.
 */
function attendanceWords(params: Record<string, string | number>, codes: Map<string, Record<Locale, string>>): Record<string, string | number> {
  const { code, date, ...rest } = params;
  const words = codes.get(String(code));
  const day = /^\d{4}-\d{2}-\d{2}$/.test(String(date)) ? String(date) : null;
  return {
    ...rest,
    ...(words ? bothLanguages('code', words) : { code: code ?? '' }),
    ...(day ? bothLanguages('date', { en: formatCalendarDate(day, 'en'), es: formatCalendarDate(day, 'es') }) : { date: date ?? '' }),
  };
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
