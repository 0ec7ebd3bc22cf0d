/**
 * A school's bell schedule: its periods with their times (the default schedule, the one sections meet
 * by). The demo district has them; a district made by a OneRoster import has none (the SIS sends period
 * names on classes, not times), so its classes load without periods until a district administrator
 * enters the school's periods here; the next import then matches classes to periods by name (ADR 0024).
 *
 * The rules: 1 to 20 periods, each with a name (unique in the school, case and accents aside) and a
 * start before its end, none overlapping another; a period that sections meet in or attendance was
 * recorded for cannot be removed (renaming and moving it keep both). One write, audited with before and
 * after; refused as a whole with a message per field.
 */
import type { Kysely } from 'kysely';
import type { DB, Flag } from '../../db/schema.js';
import { audit } from '../audit/service.js';

export const MAX_PERIODS = 20;
export const NAME_MAX = 40;

export interface BellPeriodRow {
  /** absent for a period being added */
  id: number | null;
  name: string;
  /** 'HH:MM' */
  start: string;
  end: string;
  instructional: boolean;
}

export interface BellPeriodShown extends BellPeriodRow {
  id: number;
  /** sections that meet in this period */
  sections: number;
  /** attendance records taken for this period */
  records: number;
}

export interface SchoolBells {
  schoolId: number;
  school: string;
  scheduleName: string | null;
  periods: BellPeriodShown[];
  /** the school's sections that meet in no period */
  sectionsWithoutPeriod: number;
}

/** Every school with its number of periods and of sections without one, for the index page. */
export async function schoolsWithBells(db: Kysely<DB>): Promise<{ id: number; name: string; periods: number; sectionsWithoutPeriod: number }[]> {
  const schools = await db.selectFrom('schools').select(['id', 'name']).orderBy('name').orderBy('id').execute();
  const periods = await db
    .selectFrom('bell_periods as bp')
    .innerJoin('bell_schedules as bs', 'bs.id', 'bp.bell_schedule_id')
    .select(['bs.school_id', (eb) => eb.fn.countAll<number>().as('n')])
    .where('bs.is_default', '=', 1)
    .groupBy('bs.school_id')
    .execute();
  const without = await db
    .selectFrom('sections as s')
    .select(['s.school_id', (eb) => eb.fn.countAll<number>().as('n')])
    .where((eb) => eb.not(eb.exists(eb.selectFrom('section_periods as sp').select('sp.section_id').whereRef('sp.section_id', '=', 's.id'))))
    .groupBy('s.school_id')
    .execute();
  const count = (rows: { school_id: number; n: number | string }[]) => new Map(rows.map((r) => [r.school_id, Number(r.n)]));
  const p = count(periods);
  const w = count(without);
  return schools.map((s) => ({ id: s.id, name: s.name, periods: p.get(s.id) ?? 0, sectionsWithoutPeriod: w.get(s.id) ?? 0 }));
}

/** The school's default bell schedule; null when there is no such school. */
export async function bellsOf(db: Kysely<DB>, schoolId: number): Promise<SchoolBells | null> {
  const school = await db.selectFrom('schools').select(['id', 'name']).where('id', '=', schoolId).executeTakeFirst();
  if (!school) return null;
  const schedule = await defaultSchedule(db, schoolId);
  const rows = schedule
    ? await db
        .selectFrom('bell_periods as bp')
        .select((eb) => [
          'bp.id',
          'bp.name',
          'bp.start_time',
          'bp.end_time',
          'bp.instructional',
          eb.selectFrom('section_periods as sp').select(eb.fn.countAll<number>().as('n')).whereRef('sp.bell_period_id', '=', 'bp.id').as('sections'),
          eb.selectFrom('attendance_records as r').select(eb.fn.countAll<number>().as('n')).whereRef('r.bell_period_id', '=', 'bp.id').as('records'),
        ])
        .where('bp.bell_schedule_id', '=', schedule.id)
        .orderBy('bp.sequence')
        .orderBy('bp.id')
        .execute()
    : [];
  const without = await db
    .selectFrom('sections as s')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('s.school_id', '=', schoolId)
    .where((eb) => eb.not(eb.exists(eb.selectFrom('section_periods as sp').select('sp.section_id').whereRef('sp.section_id', '=', 's.id'))))
    .executeTakeFirstOrThrow();
  return {
    schoolId: school.id,
    school: school.name,
    scheduleName: schedule?.name ?? null,
    periods: rows.map((r) => ({
      id: r.id,
      name: r.name,
      start: r.start_time,
      end: r.end_time,
      instructional: r.instructional === 1,
      sections: Number(r.sections ?? 0),
      records: Number(r.records ?? 0),
    })),
    sectionsWithoutPeriod: Number(without.n),
  };
}

function defaultSchedule(db: Kysely<DB>, schoolId: number) {
  return db.selectFrom('bell_schedules').select(['id', 'name']).where('school_id', '=', schoolId).where('is_default', '=', 1).orderBy('id').executeTakeFirst();
}

export type BellProblemKey =
  | 'bells.problem.none'
  | 'bells.problem.tooMany'
  | 'bells.problem.name'
  | 'bells.problem.nameLong'
  | 'bells.problem.nameTwice'
  | 'bells.problem.time'
  | 'bells.problem.order'
  | 'bells.problem.overlap'
  | 'bells.problem.inUse'
  | 'bells.problem.unknown';

/** A problem with one field of one row (`row` counts from 0 in the rows given), or with the whole form. */
export interface BellProblem {
  row: number | null;
  field: 'name' | 'start' | 'end' | 'remove' | null;
  key: BellProblemKey;
  params?: Record<string, string | number>;
}

const TIME = /^([01]\d|2[0-3]):[0-5]\d$/;

/** Folds a name for comparing: case, accents and spaces aside. */
const fold = (name: string) => name.normalize('NFD').replace(/\p{Diacritic}/gu, '').replace(/\s+/g, ' ').trim().toLowerCase();

/**
 * Checks the rows to keep (`keep`) and the ids to remove against each other and the school's periods;
 * the problems, in row order, or none.
 */
export function checkBells(keep: readonly BellPeriodRow[], current: readonly BellPeriodShown[], remove: ReadonlySet<number>, rowOf: (i: number) => number): BellProblem[] {
  const problems: BellProblem[] = [];
  if (keep.length === 0) problems.push({ row: null, field: null, key: 'bells.problem.none' });
  if (keep.length > MAX_PERIODS) problems.push({ row: null, field: null, key: 'bells.problem.tooMany', params: { max: MAX_PERIODS } });
  const ids = new Set(current.map((p) => p.id));
  const names = new Map<string, number>();
  keep.forEach((p, i) => {
    const row = rowOf(i);
    if (p.id !== null && !ids.has(p.id)) problems.push({ row, field: null, key: 'bells.problem.unknown' });
    const name = p.name.trim();
    if (name === '') problems.push({ row, field: 'name', key: 'bells.problem.name' });
    else if (name.length > NAME_MAX) problems.push({ row, field: 'name', key: 'bells.problem.nameLong', params: { max: NAME_MAX } });
    else if (names.has(fold(name))) problems.push({ row, field: 'name', key: 'bells.problem.nameTwice', params: { name } });
    else names.set(fold(name), i);
    const startOk = TIME.test(p.start);
    const endOk = TIME.test(p.end);
    if (!startOk) problems.push({ row, field: 'start', key: 'bells.problem.time' });
    if (!endOk) problems.push({ row, field: 'end', key: 'bells.problem.time' });
    if (startOk && endOk && p.end <= p.start) problems.push({ row, field: 'end', key: 'bells.problem.order' });
  });
  // Overlaps: each period against the next one to start (times 'HH:MM' compare as text).
  const timed = keep
    .map((p, i) => ({ p, i }))
    .filter(({ p }) => TIME.test(p.start) && TIME.test(p.end) && p.end > p.start)
    .sort((a, b) => (a.p.start < b.p.start ? -1 : a.p.start > b.p.start ? 1 : a.i - b.i));
  for (let k = 1; k < timed.length; k++) {
    const before = timed[k - 1]!;
    const after = timed[k]!;
    if (after.p.start < before.p.end) {
      problems.push({ row: rowOf(after.i), field: 'start', key: 'bells.problem.overlap', params: { name: before.p.name.trim() } });
    }
  }
  for (const p of current) {
    if (!remove.has(p.id)) continue;
    if (p.sections > 0 || p.records > 0) {
      problems.push({ row: null, field: 'remove', key: 'bells.problem.inUse', params: { name: p.name, sections: p.sections, records: p.records } });
    }
  }
  return problems;
}

export type SaveBellsResult = { kind: 'saved'; changed: boolean } | { kind: 'refused'; problems: BellProblem[] } | { kind: 'notFound' };

/**
 * Saves the school's periods: `rows` are what the form holds (existing periods by id, new ones without),
 * `remove` the ids ticked for removal. Sequence follows the start times. Refused as a whole, nothing
 * written, when any rule is broken.
 */
export async function saveBells(
  db: Kysely<DB>,
  input: { schoolId: number; rows: readonly BellPeriodRow[]; remove: readonly number[]; actorAccountId: number; ip: string | null },
  now: Date,
): Promise<SaveBellsResult> {
  return db.transaction().execute(async (trx) => {
    const current = await bellsOf(trx, input.schoolId);
    if (!current) return { kind: 'notFound' as const };
    const remove = new Set(input.remove);
    const indexed = input.rows.map((row, index) => ({ row, index })).filter(({ row }) => row.id === null || !remove.has(row.id));
    const keep = indexed.map(({ row }) => ({ ...row, name: row.name.trim().replace(/\s+/g, ' ') }));
    for (const id of remove) if (!current.periods.some((p) => p.id === id)) return { kind: 'refused' as const, problems: [{ row: null, field: null, key: 'bells.problem.unknown' as const }] };
    const problems = checkBells(keep, current.periods, remove, (i) => indexed[i]!.index);
    if (problems.length > 0) return { kind: 'refused' as const, problems };

    const ordered = [...keep].sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
    const before = current.periods.map(({ name, start, end, instructional }) => ({ name, start, end, instructional }));
    const after = ordered.map(({ name, start, end, instructional }) => ({ name, start, end, instructional }));
    if (JSON.stringify(before) === JSON.stringify(after) && remove.size === 0) return { kind: 'saved' as const, changed: false };

    const t = now.toISOString();
    let scheduleId = (await defaultSchedule(trx, input.schoolId))?.id;
    if (scheduleId === undefined) {
      const made = await trx
        .insertInto('bell_schedules')
        .values({ school_id: input.schoolId, name: 'Regular', is_default: 1, created_at: t, updated_at: t, updated_by: input.actorAccountId })
        .returning('id')
        .executeTakeFirstOrThrow();
      scheduleId = made.id;
    }
    if (remove.size > 0) await trx.deleteFrom('bell_periods').where('id', 'in', [...remove]).where('bell_schedule_id', '=', scheduleId).execute();
    for (const [sequence, p] of ordered.entries()) {
      const values = { name: p.name, sequence: sequence + 1, start_time: p.start, end_time: p.end, instructional: (p.instructional ? 1 : 0) as Flag };
      if (p.id !== null) await trx.updateTable('bell_periods').set(values).where('id', '=', p.id).execute();
      else await trx.insertInto('bell_periods').values({ bell_schedule_id: scheduleId, ...values }).execute();
    }
    await trx.updateTable('bell_schedules').set({ updated_at: t, updated_by: input.actorAccountId }).where('id', '=', scheduleId).execute();
    await audit(
      trx,
      { action: 'school.bell_schedule_saved', actorAccountId: input.actorAccountId, subjectType: 'school', subjectId: input.schoolId, ip: input.ip, details: { before, after } },
      now,
    );
    return { kind: 'saved' as const, changed: true };
  });
}
