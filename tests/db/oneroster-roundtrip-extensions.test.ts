/**
 * What the OneRoster round trip needed beyond the specification (issue 20, ADR 0044): Homeroom's
 * extension columns (a teacher's dropped score, a category's drop-lowest rule) read and written back, and
 * left alone when another SIS's package does not give them; a section graded by points when its
 * categories have no weight; the import's attendance placed in its class's period once the school has a
 * bell schedule; score scales named in a warning, never dropped silently. Every expected row is written
 * by hand.
 */
import { expect, it } from 'vitest';
import { describeEachEngine } from '../support/db.js';
import { bulkRecords, load, session, type Records } from '../support/oneroster.js';
import type { AttendanceRowRecord, RecordOf } from '../../src/domain/oneroster/records.js';

type Rec<K extends keyof RecordOf> = Omit<RecordOf[K], 'at'>;
const category = (sourcedId: string, title: string, weight: number | null, dropLowest: number | null): Rec<'categories'> => ({ sourcedId, status: 'active', title, weight, dropLowest });
const lineItem = (sourcedId: string, category: string, max: number): Rec<'lineItems'> => ({
  sourcedId, status: 'active', title: sourcedId, description: null, assignDate: '2026-09-01', dueDate: '2026-09-05', classSourcedId: 'K1', categorySourcedId: category, gradingPeriodSourcedId: 'Q1', resultValueMin: 0, resultValueMax: max,
});
const result = (sourcedId: string, lineItemSourcedId: string, studentSourcedId: string, score: number, dropped: boolean | null): Rec<'results'> => ({
  sourcedId, status: 'active', lineItemSourcedId, studentSourcedId, scoreStatus: 'fully graded', score, scoreDate: null, comment: null, textScore: null, late: false, missing: false, incomplete: false, dropped,
});
const att = (studentSourcedId: string, date: string, classSourcedId: string | null, code: string): Omit<AttendanceRowRecord, 'at'> => ({ studentSourcedId, date, classSourcedId, code, excused: null });

/** A points class (no weights) whose homework drops its 2 lowest, with one dropped score. */
function records(dropped: { R1: boolean | null; R2: boolean | null }, dropLowest: number | null): Records {
  const r = bulkRecords();
  r.academicSessions = [...r.academicSessions!, session('Q1', 'gradingPeriod', 'Quarter 1', '2026-08-20', '2026-10-30', { parentSourcedId: 'T1' })];
  r.categories = [category('CH', 'Homework', null, dropLowest), category('CT', 'Tests', null, null)];
  r.lineItems = [lineItem('L1', 'CH', 10), lineItem('L2', 'CT', 50)];
  r.results = [result('R1', 'L1', 'U1', 9, dropped.R1), result('R2', 'L1', 'U2', 4, dropped.R2)];
  return r;
}

describeEachEngine('OneRoster round trip: extension columns, grading method, attendance periods, score scales', (get) => {
  const db = () => get().db;
  const flags = async () => (await db().selectFrom('assignment_scores').select(['sourced_id', 'dropped']).orderBy('sourced_id').execute()).map((s) => [s.sourced_id, s.dropped]);
  const setup = async () => (await db().selectFrom('grading_categories').select(['sourced_id', 'drop_lowest', 'sequence']).orderBy('sequence').execute()).map((c) => [c.sourced_id, c.drop_lowest, c.sequence]);
  const method = async () => (await db().selectFrom('sections').select('grading_method').where('sourced_id', '=', 'K1').executeTakeFirstOrThrow()).grading_method;

  it('reads dropped and drop-lowest from Homeroom’s columns; a points class is graded by points; score scales are named in a warning', async () => {
    const r = records({ R1: true, R2: null }, 2);
    r.scoreScales = [{ sourcedId: 'SS1', status: 'active' }];
    const { report, problems } = await load(get(), r);
    expect(report.ok).toBe(true);
    expect(problems.filter((p) => p.code === 'load.scoreScaleIgnored').map((p) => [p.severity, p.file, p.line, p.column, p.value])).toEqual([['warning', 'scoreScales.csv', 2, 'sourcedId', 'SS1']]);
    expect(await flags()).toEqual([['R1', 1], ['R2', 0]]);
    expect(await setup()).toEqual([['CH', 2, 1], ['CT', 0, 2]]);
    expect(await method()).toBe('points');
  });

  it('another SIS’s package without the columns changes neither flag nor rule; the columns given again do', async () => {
    const before = await db().selectFrom('assignment_scores').select(['sourced_id', 'version', 'updated_at']).orderBy('sourced_id').execute();
    const again = await load(get(), records({ R1: null, R2: null }, null), { now: new Date('2026-09-16T14:00:00.000Z') });
    expect(again.report.counts.scores).toEqual({ created: 0, updated: 0, deactivated: 0, reactivated: 0, unchanged: 2 });
    expect(await flags()).toEqual([['R1', 1], ['R2', 0]]);
    expect(await setup()).toEqual([['CH', 2, 1], ['CT', 0, 2]]);
    expect(await db().selectFrom('assignment_scores').select(['sourced_id', 'version', 'updated_at']).orderBy('sourced_id').execute()).toEqual(before);

    const changed = await load(get(), records({ R1: false, R2: true }, null), { now: new Date('2026-09-17T14:00:00.000Z') });
    expect(changed.report.counts.scores).toEqual({ created: 0, updated: 2, deactivated: 0, reactivated: 0, unchanged: 0 });
    expect(await flags()).toEqual([['R1', 0], ['R2', 1]]);
    // A dropped flag is a change a family sees: recorded as the teacher's gradebook records it.
    const events = await db().selectFrom('change_events').select(['kind', 'action', 'after']).where('kind', '=', 'score').orderBy('id').execute();
    expect(events.map((e) => [e.action, JSON.parse(e.after!).dropped])).toEqual([['updated', false], ['updated', true]]);
  });

  it('places the import’s attendance in its class’s period once the school has a bell schedule; staff’s records stay as they are', async () => {
    await db().insertInto('attendance_codes').values([{ code: 'T', description: 'Tardy', kind: 'tardy', excuse: 'unexcused' }]).execute();
    const r = records({ R1: true, R2: null }, 2);
    const first = await load(get(), r, { now: new Date('2026-09-18T14:00:00.000Z'), pkg: { attendance: [att('U1', '2026-09-03', 'K1', 'T')] } });
    expect(first.problems.map((p) => p.code)).toContain('load.noBellSchedule');
    const k1 = (await db().selectFrom('sections').select('id').where('sourced_id', '=', 'K1').executeTakeFirstOrThrow()).id;
    const u2 = (await db().selectFrom('students').select('id').where('sourced_id', '=', 'U2').executeTakeFirstOrThrow()).id;
    const code = (await db().selectFrom('attendance_codes').select('id').where('code', '=', 'T').executeTakeFirstOrThrow()).id;
    const t = '2026-09-18T15:00:00.000Z';
    // A teacher took U2's tardy in the class while it had no period either.
    await db().insertInto('attendance_records').values({ student_id: u2, date: '2026-09-04', section_id: k1, bell_period_id: null, code_id: code, comment: null, created_at: t, updated_at: t, updated_by: null }).execute();
    const periods = async () => (await db().selectFrom('attendance_records').select(['date', 'bell_period_id']).orderBy('date').execute()).map((a) => [String(a.date).slice(0, 10), a.bell_period_id]);
    expect(await periods()).toEqual([['2026-09-03', null], ['2026-09-04', null]]);

    // The office enters the school's bell schedule; the next import places the class, and its attendance.
    const school = (await db().selectFrom('schools').select('id').where('sourced_id', '=', 'S1').executeTakeFirstOrThrow()).id;
    const bell = await db().insertInto('bell_schedules').values({ school_id: school, name: 'Regular', is_default: 1, created_at: t, updated_at: t, updated_by: null }).returning('id').executeTakeFirstOrThrow();
    const p1 = await db().insertInto('bell_periods').values({ bell_schedule_id: bell.id, name: '1', sequence: 1, start_time: '08:00', end_time: '08:50' }).returning('id').executeTakeFirstOrThrow();
    await load(get(), r, { now: new Date('2026-09-19T14:00:00.000Z'), pkg: { attendance: [att('U1', '2026-09-03', 'K1', 'T')] } });
    expect(await periods()).toEqual([['2026-09-03', p1.id], ['2026-09-04', null]]);
  });
});
