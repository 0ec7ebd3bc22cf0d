/**
 * The school calendar as the office writes it: a school's events (or, for a district administrator,
 * the whole district's), each titled in English and Spanish, on a day or a run of days, all day or from
 * one time to another. This module is the only writer of school_events and school_event_texts: each
 * write records a change event (kind 'event') and an audit entry with the before and after in the same
 * transaction. The portal Calendar and the calendar feeds read these tables at every request, so a
 * change shows at their next read.
 */
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { DateString, DB } from '../../db/schema.js';
import { mayActOnSchool, type OfficeScope, type StaffActor } from '../access/staff.js';
import { audit } from '../audit/service.js';
import { recordChanges } from '../changes/service.js';
import { optionalText, requiredText, type FieldErrors } from '../forms.js';
import type { MessageKey } from '../../i18n/index.js';

export const TITLE_MAX = 120;
export const LOCATION_MAX = 120;

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const TIME = /^([01]\d|2[0-3]):[0-5]\d$/;

function realDate(v: string): boolean {
  if (!DATE.test(v)) return false;
  const d = new Date(`${v}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === v;
}

/** A required date field ('YYYY-MM-DD', a real day). */
export const dateField = () =>
  requiredText(10).refine(realDate, 'form.invalid' satisfies MessageKey);

/** An optional date field: empty becomes null. */
export const optionalDateField = () =>
  optionalText(10).refine((v) => v === null || realDate(v), 'form.invalid' satisfies MessageKey);

const optionalTimeField = () => optionalText(5).refine((v) => v === null || TIME.test(v), 'form.invalid' satisfies MessageKey);

/** Where an item goes: one school (its id) or the whole district. */
const placeField = () =>
  requiredText(12).refine((v) => v === 'district' || /^\d{1,10}$/.test(v), 'form.invalid' satisfies MessageKey);

/** The grade levels ticked: none is the whole school (or district); each one a grade number. */
const gradesField = () =>
  z
    .preprocess((v) => (v === undefined || v === '' ? [] : Array.isArray(v) ? v : [v]), z.array(z.string().regex(/^\d{1,2}$/, 'form.invalid' satisfies MessageKey)).max(20, 'form.invalid' satisfies MessageKey))
    .transform((a) => [...new Set(a.map(Number))].sort((x, y) => x - y));

/** The event form as typed. */
export const eventForm = z.object({
  grades: gradesField(),
  place: placeField(),
  titleEn: requiredText(TITLE_MAX),
  titleEs: requiredText(TITLE_MAX),
  locationEn: optionalText(LOCATION_MAX),
  locationEs: optionalText(LOCATION_MAX),
  start: dateField(),
  end: optionalDateField(),
  startTime: optionalTimeField(),
  endTime: optionalTimeField(),
});

export type EventForm = z.output<typeof eventForm>;

/** The school year (a district-wide 'schoolYear' session) that holds both days, or null. */
export async function schoolYearHolding(db: Kysely<DB>, start: DateString, end: DateString) {
  return db
    .selectFrom('academic_sessions')
    .select(['start_date', 'end_date'])
    .where('type', '=', 'schoolYear')
    .where('start_date', '<=', start)
    .where('end_date', '>=', end)
    .executeTakeFirst();
}

/** The school id a place names, when the scope may write there: null for the district. */
export function placeIn(scope: OfficeScope, place: string): { schoolId: number | null } | null {
  if (place === 'district') return scope.district ? { schoolId: null } : null;
  const id = Number(place);
  return Number.isSafeInteger(id) && id >= 1 && mayActOnSchool(scope, id) ? { schoolId: id } : null;
}

/** Whether the scope may change an item of this school (null: the district's, district administrators only). */
export function mayWrite(scope: OfficeScope, schoolId: number | null): boolean {
  return schoolId === null ? scope.district : mayActOnSchool(scope, schoolId);
}

interface EventRow {
  schoolId: number | null;
  start: DateString;
  end: DateString;
  startTime: string | null;
  endTime: string | null;
  titleEn: string;
  titleEs: string;
  locationEn: string | null;
  locationEs: string | null;
  /** the grades it is for; empty: everyone of its school (or of the district) */
  grades: number[];
}

/** The grades the schools of a place teach: one school's range, or every school's for the district. */
async function gradesOf(db: Kysely<DB>, schoolId: number | null): Promise<Set<number>> {
  const rows = await db
    .selectFrom('schools')
    .select(['grade_low', 'grade_high'])
    .$if(schoolId !== null, (q) => q.where('id', '=', schoolId!))
    .execute();
  const grades = new Set<number>();
  for (const r of rows) for (let g = r.grade_low; g <= r.grade_high; g++) grades.add(g);
  return grades;
}

/** The rules across fields: an end on or after the start, both in a school year, times together on one day. */
async function checkEvent(db: Kysely<DB>, scope: OfficeScope, form: EventForm): Promise<{ ok: true; row: EventRow } | { ok: false; errors: FieldErrors } | { ok: false; outside: true }> {
  const errors: FieldErrors = {};
  // The form offers only the scope's schools (and the district to a district administrator): another is not a typing mistake.
  const place = placeIn(scope, form.place);
  if (!place) return { ok: false, outside: true };
  const end = form.end ?? form.start;
  if (end < form.start) errors.end = 'officeCalendar.endBeforeStart';
  if ((form.startTime === null) !== (form.endTime === null)) errors[form.startTime === null ? 'startTime' : 'endTime'] = 'officeCalendar.bothTimes';
  else if (form.startTime !== null && form.endTime !== null) {
    if (end !== form.start) errors.startTime = 'officeCalendar.timesOneDay';
    else if (form.endTime <= form.startTime) errors.endTime = 'officeCalendar.endTimeBeforeStart';
  }
  if (!errors.end && !(await schoolYearHolding(db, form.start, end))) errors.start = 'officeCalendar.outsideYear';
  if (form.grades.length > 0) {
    const taught = await gradesOf(db, place.schoolId);
    if (form.grades.some((g) => !taught.has(g))) errors.grades = 'officeCalendar.gradeNotTaught';
  }
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return {
    ok: true,
    row: {
      schoolId: place.schoolId,
      start: form.start,
      end,
      startTime: form.startTime,
      endTime: form.endTime,
      titleEn: form.titleEn,
      titleEs: form.titleEs,
      locationEn: form.locationEn,
      locationEs: form.locationEs,
      grades: form.grades,
    },
  };
}

/** One event as the office edits it, or null when it is not there or not the scope's to change. */
export async function eventForOffice(db: Kysely<DB>, scope: OfficeScope, id: number): Promise<(EventRow & { id: number }) | null> {
  const event = await db.selectFrom('school_events').selectAll().where('id', '=', id).executeTakeFirst();
  if (!event || !mayWrite(scope, event.school_id)) return null;
  const texts = await db.selectFrom('school_event_texts').selectAll().where('event_id', '=', id).execute();
  const en = texts.find((x) => x.locale === 'en');
  const es = texts.find((x) => x.locale === 'es');
  const grades = await db.selectFrom('school_event_grades').select('grade_level').where('event_id', '=', id).orderBy('grade_level').execute();
  return {
    id,
    grades: grades.map((g) => g.grade_level),
    schoolId: event.school_id,
    start: event.start_date,
    end: event.end_date,
    startTime: event.start_time,
    endTime: event.end_time,
    titleEn: en?.title ?? es?.title ?? '',
    titleEs: es?.title ?? en?.title ?? '',
    locationEn: en?.location ?? event.location,
    locationEs: es?.location ?? event.location,
  };
}

export interface OfficeEventLine {
  id: number;
  schoolId: number | null;
  title: string;
  start: DateString;
  end: DateString;
  startTime: string | null;
  endTime: string | null;
  /** the grades it is for; empty: everyone */
  grades: number[];
}

/** The grade levels of each of these events (none: everyone), in one query. */
export async function gradesOfEvents(db: Kysely<DB>, ids: number[]): Promise<Map<number, number[]>> {
  const out = new Map<number, number[]>();
  if (ids.length === 0) return out;
  const rows = await db.selectFrom('school_event_grades').select(['event_id', 'grade_level']).where('event_id', 'in', ids).orderBy('grade_level').execute();
  for (const r of rows) out.set(r.event_id, [...(out.get(r.event_id) ?? []), r.grade_level]);
  return out;
}

/** The events the scope may change that end on or after a day, soonest first, titled in the reader's language. */
export async function eventsForOffice(db: Kysely<DB>, scope: OfficeScope, from: DateString, locale: string): Promise<OfficeEventLine[]> {
  const schools = [...scope.schools];
  const rows = await db
    .selectFrom('school_events as e')
    .innerJoin('school_event_texts as t', 't.event_id', 'e.id')
    .select(['e.id', 'e.school_id', 'e.start_date', 'e.end_date', 'e.start_time', 'e.end_time', 't.locale', 't.title'])
    .where('e.end_date', '>=', from)
    .$if(!scope.district, (q) => (schools.length === 0 ? q.where('e.id', '<', 0) : q.where('e.school_id', 'in', schools)))
    .orderBy('e.start_date')
    .orderBy('e.start_time')
    .orderBy('e.id')
    .limit(1000)
    .execute();
  const byId = new Map<number, OfficeEventLine & { locale: string }>();
  for (const r of rows) {
    const seen = byId.get(r.id);
    if (seen && seen.locale === locale) continue;
    byId.set(r.id, { id: r.id, schoolId: r.school_id, title: r.title, start: r.start_date, end: r.end_date, startTime: r.start_time, endTime: r.end_time, grades: [], locale: r.locale });
  }
  const grades = await gradesOfEvents(db, [...byId.keys()]);
  return [...byId.values()].map(({ locale: _l, ...line }) => ({ ...line, grades: grades.get(line.id) ?? [] }));
}

/** What a family sees of an event: the change event's and the audit's before and after. */
function shown(row: EventRow): Record<string, unknown> {
  return { ...row };
}

/** The event's texts in both languages and its grade levels, written anew. */
async function writeTexts(trx: Kysely<DB>, id: number, row: EventRow) {
  await trx.deleteFrom('school_event_grades').where('event_id', '=', id).execute();
  if (row.grades.length > 0) await trx.insertInto('school_event_grades').values(row.grades.map((g) => ({ event_id: id, grade_level: g }))).execute();
  await trx.deleteFrom('school_event_texts').where('event_id', '=', id).execute();
  await trx
    .insertInto('school_event_texts')
    .values([
      { event_id: id, locale: 'en', title: row.titleEn, description: null, location: row.locationEn },
      { event_id: id, locale: 'es', title: row.titleEs, description: null, location: row.locationEs },
    ])
    .execute();
}

export type EventResult = { kind: 'saved'; id: number } | { kind: 'invalid'; errors: FieldErrors } | { kind: 'missing' };

export async function createEvent(db: Kysely<DB>, actor: StaffActor, form: EventForm, now: Date): Promise<EventResult> {
  const checked = await checkEvent(db, actor.scope, form);
  if (!checked.ok) return 'outside' in checked ? { kind: 'missing' } : { kind: 'invalid', errors: checked.errors };
  const { row } = checked;
  const id = await db.transaction().execute(async (trx) => {
    const stamp = now.toISOString();
    const inserted = await trx
      .insertInto('school_events')
      .values({ sourced_id: null, school_id: row.schoolId, start_date: row.start, end_date: row.end, start_time: row.startTime, end_time: row.endTime, location: null, created_at: stamp, updated_at: stamp })
      .returning('id')
      .executeTakeFirstOrThrow();
    await writeTexts(trx, inserted.id, row);
    await recordChanges(trx, [{ kind: 'event', action: 'created', subjectId: inserted.id, schoolId: row.schoolId, after: shown(row), actorAccountId: actor.actorAccountId }], now);
    await audit(trx, { action: 'school_event.created', actorAccountId: actor.actorAccountId, subjectType: 'school_event', subjectId: inserted.id, ip: actor.ip, details: { after: shown(row) } }, now);
    return inserted.id;
  });
  return { kind: 'saved', id };
}

export async function updateEvent(db: Kysely<DB>, actor: StaffActor, id: number, form: EventForm, now: Date): Promise<EventResult> {
  const before = await eventForOffice(db, actor.scope, id);
  if (!before) return { kind: 'missing' };
  const checked = await checkEvent(db, actor.scope, form);
  if (!checked.ok) return 'outside' in checked ? { kind: 'missing' } : { kind: 'invalid', errors: checked.errors };
  const { row } = checked;
  const { id: _id, ...was } = before;
  await db.transaction().execute(async (trx) => {
    await trx
      .updateTable('school_events')
      .set({ school_id: row.schoolId, start_date: row.start, end_date: row.end, start_time: row.startTime, end_time: row.endTime, location: null, updated_at: now.toISOString() })
      .where('id', '=', id)
      .execute();
    await writeTexts(trx, id, row);
    await recordChanges(trx, [{ kind: 'event', action: 'updated', subjectId: id, schoolId: row.schoolId, before: shown(was), after: shown(row), actorAccountId: actor.actorAccountId }], now);
    await audit(trx, { action: 'school_event.updated', actorAccountId: actor.actorAccountId, subjectType: 'school_event', subjectId: id, ip: actor.ip, details: { before: shown(was), after: shown(row) } }, now);
  });
  return { kind: 'saved', id };
}

/**
 * Removes an event; false when it is not there or not the scope's to remove (nothing written). Two
 * removals at once (a double submit, two tabs) remove it once: one change event, one audit entry.
 */
export async function removeEvent(db: Kysely<DB>, actor: StaffActor, id: number, now: Date): Promise<boolean> {
  if (!(await eventForOffice(db, actor.scope, id))) return false;
  await db.transaction().execute(async (trx) => {
    // The row's lock, then the event as it is now: two removals at once act one after the other, and
    // the second finds it gone and records nothing more.
    const held = await trx.updateTable('school_events').set({ updated_at: now.toISOString() }).where('id', '=', id).executeTakeFirst();
    if (Number(held.numUpdatedRows) === 0) return;
    const before = await eventForOffice(trx, actor.scope, id);
    if (!before) return;
    const { id: _id, ...was } = before;
    await trx.deleteFrom('school_event_grades').where('event_id', '=', id).execute();
    await trx.deleteFrom('school_event_texts').where('event_id', '=', id).execute();
    await trx.deleteFrom('school_events').where('id', '=', id).execute();
    await recordChanges(trx, [{ kind: 'event', action: 'deleted', subjectId: id, schoolId: was.schoolId, before: shown(was), actorAccountId: actor.actorAccountId }], now);
    await audit(trx, { action: 'school_event.deleted', actorAccountId: actor.actorAccountId, subjectType: 'school_event', subjectId: id, ip: actor.ip, details: { before: shown(was) } }, now);
  });
  // Gone meanwhile (the other of two removals at once): what was asked is done.
  return true;
}

/** The schools an office scope writes to, by name, with the grades they teach (every school for a district administrator). */
export async function schoolsOf(db: Kysely<DB>, scope: OfficeScope): Promise<{ id: number; name: string; gradeLow: number; gradeHigh: number }[]> {
  const schools = [...scope.schools];
  if (!scope.district && schools.length === 0) return [];
  return db
    .selectFrom('schools')
    .select(['id', 'name', 'grade_low as gradeLow', 'grade_high as gradeHigh'])
    .$if(!scope.district, (q) => q.where('id', 'in', schools))
    .orderBy('name')
    .orderBy('id')
    .execute();
}
