/**
 * A school's calendar days as the office writes them: a day made a school day or a day without school
 * (a holiday, a break, a teacher workday), with a short note ("Thanksgiving", "Early release") and
 * its Spanish ("Día de Acción de Gracias"; empty: Spanish readers see the district's note). This
 * module is the only writer of calendar_days outside the importer and the demo generator: each write
 * records a change event (kind 'event', the day's id as its subject) and an audit entry with the before
 * and after in the same transaction, and forgets Today's cached day so that the next read shows it.
 */
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { DateString, DB } from '../../db/schema.js';
import { mayActOnSchool, type OfficeScope, type StaffActor } from '../access/staff.js';
import { audit } from '../audit/service.js';
import { recordChanges } from '../changes/service.js';
import { spanishNameField } from '../district/spanish-names.js';
import { optionalText, requiredText, type FieldErrors } from '../forms.js';
import { forgetSchoolDays } from '../portal/today.js';
import { dateField, schoolYearHolding } from './events.js';
import type { MessageKey } from '../../i18n/index.js';

/** What a day is: a school day, or why there is none. */
export const DAY_KINDS = ['school', 'holiday', 'break', 'teacher_workday'] as const;
export type DayKind = (typeof DAY_KINDS)[number];

export const dayForm = z.object({
  school: requiredText(10).refine((v) => /^\d{1,10}$/.test(v), 'form.invalid' satisfies MessageKey),
  date: dateField(),
  kind: z.enum(DAY_KINDS, { error: 'form.invalid' satisfies MessageKey }),
  note: optionalText(80),
  /** the note in Spanish (ADR 0043): empty is none, a Spanish reader then sees the district's note */
  noteEs: spanishNameField(80),
});

export type DayForm = z.output<typeof dayForm>;

export interface OfficeDayLine {
  schoolId: number;
  date: DateString;
  kind: DayKind;
  note: string | null;
  noteEs: string | null;
}

/** The scope's days from a day on that are without school (weekends left out) or carry a note, soonest first. */
export async function daysForOffice(db: Kysely<DB>, scope: OfficeScope, from: DateString): Promise<OfficeDayLine[]> {
  const schools = [...scope.schools];
  if (!scope.district && schools.length === 0) return [];
  const rows = await db
    .selectFrom('calendar_days')
    .select(['school_id', 'date', 'instructional', 'reason', 'note', 'note_es'])
    .where('date', '>=', from)
    .where((eb) => eb.or([eb('instructional', '=', 0), eb('note', 'is not', null), eb('note_es', 'is not', null)]))
    .where((eb) => eb.or([eb('reason', 'is', null), eb('reason', '!=', 'weekend')]))
    .$if(!scope.district, (q) => q.where('school_id', 'in', schools))
    .orderBy('date')
    .orderBy('school_id')
    .limit(200)
    .execute();
  return rows.map((r) => ({ schoolId: r.school_id, date: r.date, kind: kindOf(r), note: r.note, noteEs: r.note_es }));
}

function kindOf(row: { instructional: number; reason: string | null }): DayKind {
  if (row.instructional === 1) return 'school';
  return (DAY_KINDS as readonly string[]).includes(row.reason ?? '') ? (row.reason as DayKind) : 'holiday';
}

export type DayResult = { kind: 'saved' } | { kind: 'invalid'; errors: FieldErrors } | { kind: 'missing' };

/** Writes one school's day; a school outside the scope answers 'missing' and nothing is written. */
export async function setSchoolDay(db: Kysely<DB>, actor: StaffActor, form: DayForm, now: Date): Promise<DayResult> {
  const schoolId = Number(form.school);
  if (!mayActOnSchool(actor.scope, schoolId)) return { kind: 'missing' };
  const school = await db.selectFrom('schools').select('id').where('id', '=', schoolId).executeTakeFirst();
  if (!school) return { kind: 'missing' };
  if (!(await schoolYearHolding(db, form.date, form.date))) return { kind: 'invalid', errors: { date: 'officeCalendar.outsideYear' } };
  const after = { date: form.date, schoolDay: form.kind === 'school', reason: form.kind === 'school' ? null : form.kind, note: form.note, noteEs: form.noteEs };
  await db.transaction().execute(async (trx) => {
    const was = await trx.selectFrom('calendar_days').selectAll().where('school_id', '=', schoolId).where('date', '=', form.date).executeTakeFirst();
    const before = was ? { date: was.date, schoolDay: was.instructional === 1, reason: was.reason, note: was.note, noteEs: was.note_es } : null;
    const values = { instructional: (after.schoolDay ? 1 : 0) as 0 | 1, reason: after.reason, note: after.note, note_es: after.noteEs };
    let id: number;
    if (was) {
      await trx.updateTable('calendar_days').set(values).where('id', '=', was.id).execute();
      id = was.id;
    } else {
      id = (await trx.insertInto('calendar_days').values({ school_id: schoolId, date: form.date, ...values }).returning('id').executeTakeFirstOrThrow()).id;
    }
    await recordChanges(trx, [{ kind: 'event', action: was ? 'updated' : 'created', subjectId: id, schoolId, before, after: { calendarDay: true, ...after }, actorAccountId: actor.actorAccountId }], now);
    await audit(trx, { action: 'calendar_day.set', actorAccountId: actor.actorAccountId, subjectType: 'calendar_day', subjectId: id, ip: actor.ip, details: { schoolId, before, after } }, now);
  });
  forgetSchoolDays(db);
  return { kind: 'saved' };
}
