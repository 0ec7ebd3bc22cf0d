/**
 * Announcements as the office writes them: in English and Spanish, for the sign-in page (public, the
 * whole district), every family of the district, or one school's families, from a start day to an end
 * day. This module is the only writer of announcements and announcement_texts: each write records a
 * change event (kind 'announcement') and an audit entry with the before and after in the same
 * transaction, and forgets the cached announcements (Today's, the inbox's) so that the next read shows the change.
 */
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { AnnouncementCondition, DateString, DB } from '../../db/schema.js';
import type { OfficeScope, StaffActor } from '../access/staff.js';
import { audit } from '../audit/service.js';
import { addDays } from '../calendar/dates.js';
import { dateField, mayWrite, placeIn, schoolYearHolding } from '../calendar/events.js';
import { recordChanges } from '../changes/service.js';
import { forgetAnnouncements } from '../portal/today.js';
import { ttlCache } from '../cache.js';
import { optionalLongText, requiredText, type FieldErrors } from '../forms.js';
import type { MessageKey } from '../../i18n/index.js';

export const ANNOUNCEMENT_TITLE_MAX = 120;
export const ANNOUNCEMENT_CONDITIONS = ['noSecurityEmail'] as const satisfies readonly AnnouncementCondition[];
export const ANNOUNCEMENT_BODY_MAX = 2000;

const bodyField = () => optionalLongText(ANNOUNCEMENT_BODY_MAX).refine((v) => v !== null, 'form.required' satisfies MessageKey);

export const announcementForm = z.object({
  target: requiredText(12).refine((v) => v === 'signIn' || v === 'district' || /^\d{1,10}$/.test(v), 'form.invalid' satisfies MessageKey),
  titleEn: requiredText(ANNOUNCEMENT_TITLE_MAX),
  bodyEn: bodyField(),
  titleEs: requiredText(ANNOUNCEMENT_TITLE_MAX),
  bodyEs: bodyField(),
  start: dateField(),
  end: dateField(),
  // what makes it disappear for a signed-in reader (migration 0028): nothing, or a confirmed security email
  condition: z
    .string()
    .optional()
    .transform((v) => (v ?? '').trim())
    .refine((v) => v === '' || (ANNOUNCEMENT_CONDITIONS as readonly string[]).includes(v), 'form.invalid' satisfies MessageKey)
    .transform((v) => (v === '' ? null : (v as AnnouncementCondition))),
});

export type AnnouncementForm = z.output<typeof announcementForm>;

export interface AnnouncementRow {
  schoolId: number | null;
  public: boolean;
  start: DateString;
  end: DateString;
  condition: AnnouncementCondition | null;
  titleEn: string;
  bodyEn: string;
  titleEs: string;
  bodyEs: string;
}

function targetOf(row: { schoolId: number | null; public: boolean }): string {
  return row.schoolId !== null ? String(row.schoolId) : row.public ? 'signIn' : 'district';
}

/** The checks across fields and the scope's right to the target; the row to write when they pass. */
export async function checkAnnouncement(db: Kysely<DB>, scope: OfficeScope, form: AnnouncementForm): Promise<{ ok: true; row: AnnouncementRow } | { ok: false; errors: FieldErrors } | { ok: false; outside: true }> {
  const errors: FieldErrors = {};
  // The form offers only the scope's schools (and the district and sign-in page to a district administrator).
  const place = placeIn(scope, form.target === 'signIn' ? 'district' : form.target);
  if (!place) return { ok: false, outside: true };
  if (form.end < form.start) errors.end = 'officeCalendar.endBeforeStart';
  else if (!(await schoolYearHolding(db, form.start, form.end))) errors.start = 'officeCalendar.outsideYear';
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return {
    ok: true,
    row: {
      schoolId: place.schoolId,
      public: form.target === 'signIn',
      start: form.start,
      end: form.end,
      condition: form.condition,
      titleEn: form.titleEn,
      bodyEn: form.bodyEn!,
      titleEs: form.titleEs,
      bodyEs: form.bodyEs!,
    },
  };
}

/** One announcement as the office edits it, or null when it is not there or not the scope's. */
export async function announcementForOffice(db: Kysely<DB>, scope: OfficeScope, id: number): Promise<(AnnouncementRow & { id: number; target: string }) | null> {
  const a = await db.selectFrom('announcements').selectAll().where('id', '=', id).executeTakeFirst();
  if (!a || !mayWrite(scope, a.school_id)) return null;
  const texts = await db.selectFrom('announcement_texts').selectAll().where('announcement_id', '=', id).execute();
  const en = texts.find((x) => x.locale === 'en') ?? texts[0];
  const es = texts.find((x) => x.locale === 'es') ?? en;
  const row = {
    schoolId: a.school_id,
    public: a.public === 1,
    start: a.start_date,
    end: a.end_date,
    condition: a.condition,
    titleEn: en?.title ?? '',
    bodyEn: en?.body ?? '',
    titleEs: es?.title ?? '',
    bodyEs: es?.body ?? '',
  };
  return { id, target: targetOf(row), ...row };
}

export interface OfficeAnnouncementLine {
  id: number;
  target: string;
  title: string;
  start: DateString;
  end: DateString;
}

/** The announcements the scope may change that have not ended by a day, soonest first. */
export async function announcementsForOffice(db: Kysely<DB>, scope: OfficeScope, today: DateString, locale: string): Promise<OfficeAnnouncementLine[]> {
  const schools = [...scope.schools];
  const rows = await db
    .selectFrom('announcements as a')
    .innerJoin('announcement_texts as t', 't.announcement_id', 'a.id')
    .select(['a.id', 'a.school_id', 'a.public', 'a.start_date', 'a.end_date', 't.locale', 't.title'])
    .where('a.end_date', '>=', today)
    .$if(!scope.district, (q) => (schools.length === 0 ? q.where('a.id', '<', 0) : q.where('a.school_id', 'in', schools)))
    .orderBy('a.start_date')
    .orderBy('a.id')
    .limit(1000)
    .execute();
  const byId = new Map<number, OfficeAnnouncementLine & { locale: string }>();
  for (const r of rows) {
    const seen = byId.get(r.id);
    if (seen && seen.locale === locale) continue;
    byId.set(r.id, { id: r.id, target: targetOf({ schoolId: r.school_id, public: r.public === 1 }), title: r.title, start: r.start_date, end: r.end_date, locale: r.locale });
  }
  return [...byId.values()].map(({ locale: _l, ...line }) => line);
}

async function writeTexts(trx: Kysely<DB>, id: number, row: AnnouncementRow) {
  await trx.deleteFrom('announcement_texts').where('announcement_id', '=', id).execute();
  await trx
    .insertInto('announcement_texts')
    .values([
      { announcement_id: id, locale: 'en', title: row.titleEn, body: row.bodyEn },
      { announcement_id: id, locale: 'es', title: row.titleEs, body: row.bodyEs },
    ])
    .execute();
}

const shown = (row: AnnouncementRow): Record<string, unknown> => ({ ...row });

export type AnnouncementResult = { kind: 'saved'; id: number } | { kind: 'invalid'; errors: FieldErrors } | { kind: 'missing' };

export async function publishAnnouncement(db: Kysely<DB>, actor: StaffActor, form: AnnouncementForm, now: Date): Promise<AnnouncementResult> {
  const checked = await checkAnnouncement(db, actor.scope, form);
  if (!checked.ok) return 'outside' in checked ? { kind: 'missing' } : { kind: 'invalid', errors: checked.errors };
  const { row } = checked;
  const id = await db.transaction().execute(async (trx) => {
    const stamp = now.toISOString();
    const inserted = await trx
      .insertInto('announcements')
      .values({ school_id: row.schoolId, audience: 'all', start_date: row.start, end_date: row.end, public: row.public ? 1 : 0, condition: row.condition, created_at: stamp, updated_at: stamp })
      .returning('id')
      .executeTakeFirstOrThrow();
    await writeTexts(trx, inserted.id, row);
    await recordChanges(trx, [{ kind: 'announcement', action: 'created', subjectId: inserted.id, schoolId: row.schoolId, after: shown(row), actorAccountId: actor.actorAccountId }], now);
    await audit(trx, { action: 'announcement.created', actorAccountId: actor.actorAccountId, subjectType: 'announcement', subjectId: inserted.id, ip: actor.ip, details: { after: shown(row) } }, now);
    return inserted.id;
  });
  forget(db);
  return { kind: 'saved', id };
}

export async function updateAnnouncement(db: Kysely<DB>, actor: StaffActor, id: number, form: AnnouncementForm, now: Date): Promise<AnnouncementResult> {
  const before = await announcementForOffice(db, actor.scope, id);
  if (!before) return { kind: 'missing' };
  const checked = await checkAnnouncement(db, actor.scope, form);
  if (!checked.ok) return 'outside' in checked ? { kind: 'missing' } : { kind: 'invalid', errors: checked.errors };
  const { row } = checked;
  const { id: _id, target: _t, ...was } = before;
  await db.transaction().execute(async (trx) => {
    await trx
      .updateTable('announcements')
      .set({ school_id: row.schoolId, public: row.public ? 1 : 0, start_date: row.start, end_date: row.end, condition: row.condition, updated_at: now.toISOString() })
      .where('id', '=', id)
      .execute();
    await writeTexts(trx, id, row);
    await recordChanges(trx, [{ kind: 'announcement', action: 'updated', subjectId: id, schoolId: row.schoolId, before: shown(was), after: shown(row), actorAccountId: actor.actorAccountId }], now);
    await audit(trx, { action: 'announcement.updated', actorAccountId: actor.actorAccountId, subjectType: 'announcement', subjectId: id, ip: actor.ip, details: { before: shown(was), after: shown(row) } }, now);
  });
  forget(db);
  return { kind: 'saved', id };
}

/**
 * Ends an announcement early: it stops showing today. One that started before today keeps its past
 * (its last day becomes yesterday); one that starts today or later has never been seen for a whole day
 * and is removed. False when it is not there or not the scope's (nothing written).
 */
export async function endAnnouncement(db: Kysely<DB>, actor: StaffActor, id: number, today: DateString, now: Date): Promise<boolean> {
  if (!(await announcementForOffice(db, actor.scope, id))) return false;
  const yesterday = addDays(today, -1);
  const done = await db.transaction().execute(async (trx) => {
    // The row's lock, then the row as it is now: two "End now" at once act one after the other, and
    // the second finds the announcement already ended (or gone) and records nothing more.
    const held = await trx.updateTable('announcements').set({ updated_at: now.toISOString() }).where('id', '=', id).executeTakeFirst();
    if (Number(held.numUpdatedRows) === 0) return 'gone';
    const before = await announcementForOffice(trx, actor.scope, id);
    if (!before) return 'gone';
    const { id: _id, target: _t, ...was } = before;
    if (was.start <= yesterday) {
      if (was.end <= yesterday) return 'ended';
      const after = { ...was, end: yesterday };
      await trx.updateTable('announcements').set({ end_date: after.end }).where('id', '=', id).execute();
      await recordChanges(trx, [{ kind: 'announcement', action: 'updated', subjectId: id, schoolId: was.schoolId, before: shown(was), after: shown(after), actorAccountId: actor.actorAccountId }], now);
      await audit(trx, { action: 'announcement.ended', actorAccountId: actor.actorAccountId, subjectType: 'announcement', subjectId: id, ip: actor.ip, details: { before: shown(was), after: shown(after) } }, now);
    } else {
      await trx.deleteFrom('announcement_texts').where('announcement_id', '=', id).execute();
      await trx.deleteFrom('announcements').where('id', '=', id).execute();
      await recordChanges(trx, [{ kind: 'announcement', action: 'deleted', subjectId: id, schoolId: was.schoolId, before: shown(was), actorAccountId: actor.actorAccountId }], now);
      await audit(trx, { action: 'announcement.deleted', actorAccountId: actor.actorAccountId, subjectType: 'announcement', subjectId: id, ip: actor.ip, details: { before: shown(was) } }, now);
    }
    return 'ended';
  });
  forget(db);
  // Gone meanwhile (a second "End now" of one that had not begun): what was asked is done.
  return done === 'ended' || done === 'gone';
}

export interface CurrentAnnouncement {
  id: number;
  title: string;
  body: string;
  start: DateString;
}

/**
 * The announcements a family reads on a day (issue 21, the Message Center): district-wide ones and those
 * of their students' schools, for their audience, one per announcement in the reader's language when
 * written in it, newest first. Read from the rows this module writes; nothing is copied.
 */
export async function currentAnnouncements(db: Kysely<DB>, input: { schoolIds: readonly number[]; date: DateString; audience: 'students' | 'guardians'; locale: string }): Promise<CurrentAnnouncement[]> {
  const schools = [...new Set(input.schoolIds)].sort((a, b) => a - b);
  const rows = await currentCache(db, `${schools.join(',')}:${input.date}:${input.audience}`, () => currentRows(db, { ...input, schoolIds: schools }));
  const byId = new Map<number, CurrentAnnouncement & { locale: string }>();
  for (const r of rows) {
    const seen = byId.get(r.id);
    if (seen && seen.locale === input.locale) continue;
    byId.set(r.id, { id: r.id, title: r.title, body: r.body, start: r.start_date, locale: r.locale });
  }
  return [...byId.values()].map(({ locale: _l, ...a }) => a);
}

/**
 * The same for a whole school all day, and read on the first page of every family's inbox: cached 30
 * seconds per set of schools, date and audience, like Today's (ADR 0058); every write here forgets it.
 */
const currentCache = ttlCache<{ id: number; start_date: DateString; locale: string; title: string; body: string }[]>(30_000);

/** Forgets the cached announcements of Today and of the inbox, after a write: this process's next read shows it. */
function forget(db: Kysely<DB>): void {
  forgetAnnouncements(db);
  currentCache.clear(db);
}

function currentRows(db: Kysely<DB>, input: { schoolIds: readonly number[]; date: DateString; audience: 'students' | 'guardians' }) {
  return db
    .selectFrom('announcements as a')
    .innerJoin('announcement_texts as t', 't.announcement_id', 'a.id')
    .select(['a.id', 'a.start_date', 't.locale', 't.title', 't.body'])
    .where('a.start_date', '<=', input.date)
    .where('a.end_date', '>=', input.date)
    .where('a.condition', 'is', null)
    .where((eb) => (input.schoolIds.length === 0 ? eb('a.school_id', 'is', null) : eb.or([eb('a.school_id', 'is', null), eb('a.school_id', 'in', [...input.schoolIds])])))
    .where('a.audience', 'in', ['all', input.audience])
    .orderBy('a.start_date', 'desc')
    .orderBy('a.id', 'desc')
    .limit(100)
    .execute();
}
