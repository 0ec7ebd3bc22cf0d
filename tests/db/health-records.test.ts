/**
 * The nurse's health records (issue 19): doses and exemptions written through one service, with their
 * change events and audit rows in the same transaction; each refusal writes nothing; the compliance
 * list by the portal's rule. The fixture is written for the test and the expected values worked out
 * by hand from it.
 */
import type { Kysely } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import type { DB } from '../../src/db/schema.js';
import { nurseScope } from '../../src/domain/access/staff.js';
import {
  complianceList,
  correctDose,
  findStudentByNumber,
  healthRecordOf,
  readDoseForm,
  readExemptionForm,
  recordDose,
  recordExemption,
  removeDose,
  removeExemption,
  type NurseActor,
} from '../../src/domain/health/records.js';
import { spreadsheetSafe } from '../../src/web/csv.js';
import { describeEachEngine } from '../support/db.js';
import { immunizations, otherSchool, schoolYear, staffMember, student, vaccine, type StudentFixture, type VaccineFixture } from '../support/factories.js';

const NOW = new Date('2027-02-09T16:00:00Z');
const TODAY = '2027-02-09';

/** Rows of the three tables a write touches, to prove a refusal wrote nothing. */
async function counts(db: Kysely<DB>) {
  const n = async (table: 'immunization_doses' | 'immunization_exemptions' | 'change_events' | 'audit_log') =>
    Number((await db.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
  return { doses: await n('immunization_doses'), exemptions: await n('immunization_exemptions'), changes: await n('change_events'), audit: await n('audit_log') };
}

describe('the dose and exemption forms', () => {
  it('names each missing or malformed field', () => {
    expect(readDoseForm({})).toEqual({ ok: false, errors: { vaccine: 'health.vaccineRequired', date: 'health.dateRequired', source: 'health.sourceRequired' } });
    expect(readDoseForm({ vaccine: 'abc', date: '2027-02-30', source: 'the internet' })).toEqual({
      ok: false,
      errors: { vaccine: 'health.vaccineUnknown', date: 'health.dateInvalid', source: 'health.sourceRequired' },
    });
    expect(readDoseForm({ vaccine: ['1', '2'], date: '02/03/2027', source: 'school_clinic' })).toEqual({
      ok: false,
      errors: { vaccine: 'health.vaccineRequired', date: 'health.dateInvalid' },
    });
    expect(readDoseForm({ vaccine: '7', date: ' 2026-10-01 ', source: 'state_registry' })).toEqual({ ok: true, data: { vaccineId: 7, date: '2026-10-01', source: 'state_registry' } });
    expect(readExemptionForm({ exemptionVaccine: '', kind: 'philosophical', granted: '', expires: 'soon' })).toEqual({
      ok: false,
      errors: { exemptionVaccine: 'health.vaccineRequired', kind: 'health.kindRequired', granted: 'health.dateRequired', expires: 'health.dateInvalid' },
    });
    expect(readExemptionForm({ exemptionVaccine: '3', kind: 'religious', granted: '2026-09-01', expires: '' })).toEqual({
      ok: true,
      data: { vaccineId: 3, kind: 'religious', granted: '2026-09-01', expires: null },
    });
  });

  it('makes CSV cells that a spreadsheet would run inert', () => {
    expect(spreadsheetSafe('=HYPERLINK("http://x")')).toBe('\'=HYPERLINK("http://x")');
    expect(spreadsheetSafe('+1')).toBe("'+1");
    expect(spreadsheetSafe('-2')).toBe("'-2");
    expect(spreadsheetSafe('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(spreadsheetSafe('Maya Ortiz')).toBe('Maya Ortiz');
  });
});

describeEachEngine('the nurse’s health records', (get) => {
  let db: Kysely<DB>;
  let mmr: VaccineFixture;
  let tdap: VaccineFixture;
  let maya: StudentFixture;
  let leo: StudentFixture;
  let zed: StudentFixture;
  let ana: StudentFixture;
  let sam: StudentFixture;
  let nurse: NurseActor;
  let otherNurse: NurseActor;

  beforeAll(async () => {
    db = get().db;
    const world = await schoolYear(db, { today: TODAY });
    const middle = await otherSchool(db);
    mmr = await vaccine(db, { code: 'MMR', name: 'Measles, mumps, rubella (MMR)', requirements: [{ gradeLow: 6, gradeHigh: 12, doses: 2 }] });
    tdap = await vaccine(db, { code: 'TDAP', name: 'Tdap booster', requirements: [{ gradeLow: 7, gradeHigh: 12, doses: 1 }] });
    // Maya, grade 11: MMR 1 of 2, no Tdap → missing MMR 1, Tdap 1.
    maya = await student(db, world, { first: 'Maya', last: 'Ortiz', number: '00412', birthDate: '2010-03-14', grade: 11 });
    await immunizations(db, maya, mmr, { doses: ['2011-04-01'] });
    // Leo, grade 9: complete.
    leo = await student(db, world, { first: 'Leo', last: 'Ortiz', number: '00513', birthDate: '2012-06-01', grade: 9 });
    await immunizations(db, leo, mmr, { doses: ['2013-07-01', '2016-09-06'] });
    await immunizations(db, leo, tdap, { doses: ['2023-08-01'] });
    // Ana, grade 10: MMR complete, Tdap exempt (personal, no end) → compliant.
    ana = await student(db, world, { first: 'Ana', last: 'Baker', number: '00614', birthDate: '2011-01-20', grade: 10 });
    await immunizations(db, ana, mmr, { doses: ['2012-02-01', '2015-08-15'] });
    await immunizations(db, ana, tdap, { exemption: { kind: 'personal', granted: '2024-08-01' } });
    // Zed, grade 9: nothing on record → missing MMR 2, Tdap 1.
    zed = await student(db, world, { first: 'Zed', last: 'Adams', number: '00715', birthDate: '2012-05-05', grade: 9 });
    // Sam, grade 7 of the middle school: nothing on record, but not the high-school nurse's student.
    sam = await student(db, world, { first: 'Sam', last: 'Cole', number: '00816', birthDate: '2014-02-02', grade: 7 });
    await db.updateTable('students').set({ school_id: middle.id }).where('id', '=', sam.id).execute();
    // A withdrawn student is no longer on the list.
    const gone = await student(db, world, { first: 'Gus', last: 'Gone', number: '00917', birthDate: '2011-11-11', grade: 10 });
    await db.updateTable('students').set({ enrollment_status: 'withdrawn' }).where('id', '=', gone.id).execute();

    const n1 = await staffMember(db, world, { first: 'Nia', last: 'Cole', roles: [{ role: 'nurse' }] });
    const n2 = await staffMember(db, world, { first: 'Ned', last: 'Park', roles: [{ role: 'nurse', schoolId: middle.id }] });
    nurse = { scope: await nurseScope(db, n1.id), actorAccountId: n1.account!.id, ip: '10.0.0.5' };
    otherNurse = { scope: await nurseScope(db, n2.id), actorAccountId: n2.account!.id, ip: '10.0.0.6' };
  });

  it('finds a student of the nurse’s schools by number, leading zeros optional', async () => {
    for (const typed of ['00412', '0412', '412']) expect(await findStudentByNumber(db, nurse.scope, typed), typed).toBe(maya.id);
    expect(await findStudentByNumber(db, nurse.scope, '4120')).toBeNull();
    expect(await findStudentByNumber(db, nurse.scope, '816')).toBeNull(); // Sam, of the middle school
    expect(await findStudentByNumber(db, otherNurse.scope, '816')).toBe(sam.id);
    expect(await findStudentByNumber(db, nurse.scope, '%')).toBeNull();
  });

  it('records a dose with its change event and audit row, and the record shows it', async () => {
    const result = await recordDose(db, nurse, { studentId: maya.id, form: { vaccineId: mmr.id, date: '2027-02-08', source: 'school_clinic' }, today: TODAY }, NOW);
    expect(result).toMatchObject({ kind: 'saved', studentId: maya.id });
    const id = (result as { id: number }).id;
    const dose = await db.selectFrom('immunization_doses').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    expect(dose).toMatchObject({ student_id: maya.id, vaccine_id: mmr.id, dose_date: '2027-02-08', source: 'school_clinic', updated_by: nurse.actorAccountId });
    const change = await db.selectFrom('change_events').selectAll().where('subject_id', '=', id).where('kind', '=', 'dose').executeTakeFirstOrThrow();
    expect(change).toMatchObject({ action: 'created', student_id: maya.id, actor_account_id: nurse.actorAccountId, before: null });
    expect(JSON.parse(change.after!)).toEqual({ vaccineId: mmr.id, date: '2027-02-08', source: 'school_clinic' });
    const logged = await db.selectFrom('audit_log').selectAll().where('action', '=', 'health.dose.recorded').executeTakeFirstOrThrow();
    expect(logged).toMatchObject({ actor_account_id: nurse.actorAccountId, subject_type: 'student', subject_id: maya.id, ip: '10.0.0.5' });
    expect(JSON.parse(logged.details!)).toEqual({ doseId: id, before: null, after: { vaccineId: mmr.id, date: '2027-02-08', source: 'school_clinic' } });

    const record = (await healthRecordOf(db, nurse, maya.id, TODAY, NOW))!;
    expect(record.doses.map((d) => [d.vaccine.base, d.date, d.source])).toEqual([
      ['Measles, mumps, rubella (MMR)', '2011-04-01', null],
      ['Measles, mumps, rubella (MMR)', '2027-02-08', 'school_clinic'],
    ]);
    // MMR now 2 of 2; Tdap still 0 of 1.
    expect(record.status.vaccines.map((v) => [v.code, v.status, v.missing])).toEqual([
      ['MMR', 'complete', 0],
      ['TDAP', 'incomplete', 1],
    ]);
  });

  it('refuses a future date, a date before birth, an unknown vaccine and a duplicate, writing nothing', async () => {
    const before = await counts(db);
    const tryDose = (vaccineId: number, date: string) => recordDose(db, nurse, { studentId: maya.id, form: { vaccineId, date, source: 'provider_record' }, today: TODAY }, NOW);
    expect(await tryDose(mmr.id, '2027-02-10')).toEqual({ kind: 'invalid', errors: { date: 'health.dateFuture' } });
    expect(await tryDose(mmr.id, '2010-03-13')).toEqual({ kind: 'invalid', errors: { date: 'health.dateBeforeBirth' } });
    expect(await tryDose(999_999, '2020-01-01')).toEqual({ kind: 'invalid', errors: { vaccine: 'health.vaccineUnknown' } });
    expect(await tryDose(mmr.id, '2011-04-01')).toEqual({ kind: 'invalid', errors: { date: 'health.doseDuplicate' } });
    expect(await counts(db)).toEqual(before);
  });

  it('answers missing for a student, dose or exemption outside the nurse’s schools, writing nothing', async () => {
    const leoDose = await db.selectFrom('immunization_doses').select('id').where('student_id', '=', leo.id).orderBy('id').executeTakeFirstOrThrow();
    const anaExemption = await db.selectFrom('immunization_exemptions').select('id').where('student_id', '=', ana.id).executeTakeFirstOrThrow();
    const before = await counts(db);
    const form = { vaccineId: tdap.id, date: '2026-12-01', source: 'state_registry' as const };
    expect(await recordDose(db, otherNurse, { studentId: maya.id, form, today: TODAY }, NOW)).toEqual({ kind: 'missing' });
    expect(await recordDose(db, nurse, { studentId: sam.id, form, today: TODAY }, NOW)).toEqual({ kind: 'missing' });
    expect(await recordDose(db, nurse, { studentId: 999_999, form, today: TODAY }, NOW)).toEqual({ kind: 'missing' });
    expect(await correctDose(db, otherNurse, { doseId: leoDose.id, form, today: TODAY }, NOW)).toEqual({ kind: 'missing' });
    expect(await removeDose(db, otherNurse, leoDose.id, NOW)).toEqual({ kind: 'missing' });
    expect(await recordExemption(db, otherNurse, { studentId: maya.id, form: { vaccineId: tdap.id, kind: 'medical', granted: '2026-12-01', expires: null }, today: TODAY }, NOW)).toEqual({
      kind: 'missing',
    });
    expect(await removeExemption(db, otherNurse, anaExemption.id, NOW)).toEqual({ kind: 'missing' });
    expect(await healthRecordOf(db, otherNurse, maya.id, TODAY, NOW)).toBeNull();
    expect(await counts(db)).toEqual(before);
  });

  it('corrects a dose entered by mistake, and removes one, each with its change event', async () => {
    const made = await recordDose(db, nurse, { studentId: zed.id, form: { vaccineId: mmr.id, date: '2013-05-05', source: 'provider_record' }, today: TODAY }, NOW);
    const id = (made as { id: number }).id;
    // Its own date again is no duplicate of itself; Tdap on the birth date is allowed.
    const fixed = await correctDose(db, nurse, { doseId: id, form: { vaccineId: tdap.id, date: '2012-05-05', source: 'state_registry' }, today: TODAY }, NOW);
    expect(fixed).toEqual({ kind: 'saved', id, studentId: zed.id });
    expect(await db.selectFrom('immunization_doses').select(['vaccine_id', 'dose_date', 'source']).where('id', '=', id).executeTakeFirstOrThrow()).toEqual({
      vaccine_id: tdap.id,
      dose_date: '2012-05-05',
      source: 'state_registry',
    });
    const updated = await db.selectFrom('change_events').selectAll().where('subject_id', '=', id).where('action', '=', 'updated').executeTakeFirstOrThrow();
    expect(JSON.parse(updated.before!)).toEqual({ vaccineId: mmr.id, date: '2013-05-05', source: 'provider_record' });
    expect(JSON.parse(updated.after!)).toEqual({ vaccineId: tdap.id, date: '2012-05-05', source: 'state_registry' });

    // A correction onto another dose's vaccine and day is refused.
    const second = (await recordDose(db, nurse, { studentId: zed.id, form: { vaccineId: tdap.id, date: '2020-01-02', source: 'school_clinic' }, today: TODAY }, NOW)) as { id: number };
    expect(await correctDose(db, nurse, { doseId: second.id, form: { vaccineId: tdap.id, date: '2012-05-05', source: 'school_clinic' }, today: TODAY }, NOW)).toEqual({
      kind: 'invalid',
      errors: { date: 'health.doseDuplicate' },
    });

    for (const dose of [id, second.id]) expect(await removeDose(db, nurse, dose, NOW)).toEqual({ kind: 'saved', id: dose, studentId: zed.id });
    expect(await db.selectFrom('immunization_doses').select('id').where('student_id', '=', zed.id).execute()).toEqual([]);
    const deleted = await db.selectFrom('change_events').selectAll().where('subject_id', '=', id).where('action', '=', 'deleted').executeTakeFirstOrThrow();
    expect(JSON.parse(deleted.before!)).toEqual({ vaccineId: tdap.id, date: '2012-05-05', source: 'state_registry' });
    expect(deleted.after).toBeNull();
    expect(await removeDose(db, nurse, id, NOW)).toEqual({ kind: 'missing' });
  });

  it('saves one of two identical doses sent at the same moment, and calls the other a duplicate', async () => {
    const form = { vaccineId: tdap.id, date: '2026-11-30', source: 'school_clinic' as const };
    const results = await Promise.all([1, 2].map(() => recordDose(db, nurse, { studentId: leo.id, form, today: TODAY }, NOW)));
    expect(results.map((r) => r.kind).sort()).toEqual(['invalid', 'saved']);
    expect(results.find((r) => r.kind === 'invalid')).toEqual({ kind: 'invalid', errors: { date: 'health.doseDuplicate' } });
    const saved = results.find((r) => r.kind === 'saved') as { id: number };
    expect(await db.selectFrom('immunization_doses').select('id').where('student_id', '=', leo.id).where('dose_date', '=', '2026-11-30').execute()).toEqual([{ id: saved.id }]);
    // Removing it twice at once: one removal, one change event.
    const removals = await Promise.all([1, 2].map(() => removeDose(db, nurse, saved.id, NOW)));
    expect(removals.map((r) => r.kind).sort()).toEqual(['missing', 'saved']);
    const leoChanges = db.selectFrom('change_events').select('action').where('kind', '=', 'dose').where('student_id', '=', leo.id);
    expect(await leoChanges.where('subject_id', '=', saved.id).orderBy('id').execute()).toEqual([
      { action: 'created' },
      { action: 'deleted' },
    ]);
  });

  it('records and removes an exemption, refusing an end before its start or a grant before birth', async () => {
    const before = await counts(db);
    const tryExemption = (granted: string, expires: string | null) =>
      recordExemption(db, nurse, { studentId: maya.id, form: { vaccineId: tdap.id, kind: 'medical', granted, expires }, today: TODAY }, NOW);
    expect(await tryExemption('2026-09-01', '2026-08-31')).toEqual({ kind: 'invalid', errors: { expires: 'health.endBeforeStart' } });
    expect(await tryExemption('2009-01-01', null)).toEqual({ kind: 'invalid', errors: { granted: 'health.dateBeforeBirth' } });
    expect(await tryExemption('2027-03-01', '2027-06-30')).toEqual({ kind: 'invalid', errors: { granted: 'health.dateFuture' } });
    expect(await counts(db)).toEqual(before);

    const made = (await tryExemption('2026-09-01', '2027-06-30')) as { kind: 'saved'; id: number };
    expect(made.kind).toBe('saved');
    const change = await db.selectFrom('change_events').selectAll().where('kind', '=', 'exemption').where('subject_id', '=', made.id).executeTakeFirstOrThrow();
    expect(JSON.parse(change.after!)).toEqual({ vaccineId: tdap.id, kind: 'medical', granted: '2026-09-01', expires: '2027-06-30' });
    // Maya: MMR complete (dose recorded above), Tdap exempt → compliant while the exemption lasts.
    expect((await healthRecordOf(db, nurse, maya.id, TODAY, NOW))!.status.compliant).toBe(true);
    expect((await complianceList(db, nurse.scope, { grade: null, schoolId: null, asOf: TODAY })).map((l) => l.name)).not.toContain('Maya Ortiz');

    expect(await removeExemption(db, nurse, made.id, NOW)).toEqual({ kind: 'saved', id: made.id, studentId: maya.id });
    expect(await db.selectFrom('immunization_exemptions').select('id').where('id', '=', made.id).executeTakeFirst()).toBeUndefined();
    expect(await db.selectFrom('audit_log').select('action').where('action', 'like', 'health.exemption.%').orderBy('id').execute()).toEqual([
      { action: 'health.exemption.recorded' },
      { action: 'health.exemption.removed' },
    ]);
  });

  it('lists the active students of the nurse’s schools out of compliance, with what is missing, by grade and school', async () => {
    // Maya: MMR 2 of 2 (a dose recorded above), Tdap 0 of 1. Zed: everything removed above. Leo and Ana comply.
    expect(await complianceList(db, nurse.scope, { grade: null, schoolId: null, asOf: TODAY })).toEqual([
      {
        studentId: zed.id,
        number: '00715',
        name: 'Zed Adams',
        grade: 9,
        school: 'Cedar Ridge High School',
        missing: [
          { vaccine: { base: 'Measles, mumps, rubella (MMR)', es: null }, doses: 2 },
          { vaccine: { base: 'Tdap booster', es: null }, doses: 1 },
        ],
      },
      { studentId: maya.id, number: '00412', name: 'Maya Ortiz', grade: 11, school: 'Cedar Ridge High School', missing: [{ vaccine: { base: 'Tdap booster', es: null }, doses: 1 }] },
    ]);
    expect((await complianceList(db, nurse.scope, { grade: 11, schoolId: null, asOf: TODAY })).map((l) => l.name)).toEqual(['Maya Ortiz']);
    expect(await complianceList(db, nurse.scope, { grade: 10, schoolId: null, asOf: TODAY })).toEqual([]);
    // Another school's id filters to nothing, never to that school's students.
    const samSchool = (await db.selectFrom('students').select('school_id').where('id', '=', sam.id).executeTakeFirstOrThrow()).school_id;
    expect(await complianceList(db, nurse.scope, { grade: null, schoolId: samSchool, asOf: TODAY })).toEqual([]);
    expect((await complianceList(db, otherNurse.scope, { grade: null, schoolId: null, asOf: TODAY })).map((l) => [l.name, l.missing])).toEqual([
      ['Sam Cole', [{ vaccine: { base: 'Measles, mumps, rubella (MMR)', es: null }, doses: 2 }, { vaccine: { base: 'Tdap booster', es: null }, doses: 1 }]],
    ]);
  });
  it('refuses the same exemption twice (same vaccine and kind, days that meet), also when both are sent at once', async () => {
    // Leo: compliant by his doses, so exemptions here change nothing on the compliance list above.
    const leoExemption = (kind: 'medical' | 'religious' | 'personal', vaccineId: number, granted: string, expires: string | null) =>
      recordExemption(db, nurse, { studentId: leo.id, form: { vaccineId, kind, granted, expires }, today: TODAY }, NOW);
    const duplicate = { kind: 'invalid', errors: { granted: 'health.exemptionDuplicate' } };
    const first = await leoExemption('religious', mmr.id, '2026-09-01', '2027-06-30');
    expect(first.kind).toBe('saved');
    const before = await counts(db);
    // The same one again; one that starts on its last day; one with no end that starts inside it; one
    // that ends on its first day: each overlaps, each is refused and writes nothing.
    expect(await leoExemption('religious', mmr.id, '2026-09-01', '2027-06-30')).toEqual(duplicate);
    expect(await leoExemption('religious', mmr.id, '2026-12-01', null)).toEqual(duplicate);
    expect(await leoExemption('religious', mmr.id, '2025-01-01', '2026-09-01')).toEqual(duplicate);
    expect(await counts(db)).toEqual(before);
    // Not the same: the day before it starts, another kind, another vaccine.
    expect((await leoExemption('religious', mmr.id, '2025-09-01', '2026-08-31')).kind).toBe('saved');
    expect((await leoExemption('medical', mmr.id, '2026-09-01', '2027-06-30')).kind).toBe('saved');
    expect((await leoExemption('religious', tdap.id, '2026-09-01', '2027-06-30')).kind).toBe('saved');
    // One with no end date covers every later day: a later one of the same kind is the same exemption.
    expect((await leoExemption('personal', tdap.id, '2020-01-01', null)).kind).toBe('saved');
    expect(await leoExemption('personal', tdap.id, '2027-01-15', '2027-02-01')).toEqual(duplicate);

    // A double submit (and a few more): identical requests at the same moment, one saved, the others refused.
    // The pool's connections are opened first, so that the requests do run side by side on PostgreSQL.
    const openConnection = () =>
      db.transaction().execute(async (trx) => {
        await trx.selectFrom('vaccines').select('id').execute();
        await new Promise((resolve) => setTimeout(resolve, 20));
      });
    await Promise.all([1, 2, 3, 4].map(openConnection));
    const results = await Promise.all([1, 2, 3, 4].map(() => leoExemption('medical', tdap.id, '2026-10-01', null)));
    expect(results.map((r) => r.kind).sort()).toEqual(['invalid', 'invalid', 'invalid', 'saved']);
    expect(results.find((r) => r.kind === 'invalid')).toEqual(duplicate);
    const rows = await db.selectFrom('immunization_exemptions').select(['kind', 'granted_date']).where('student_id', '=', leo.id).where('vaccine_id', '=', tdap.id).where('kind', '=', 'medical').execute();
    expect(rows).toEqual([{ kind: 'medical', granted_date: '2026-10-01' }]);
    const changes = await db.selectFrom('change_events').select('id').where('kind', '=', 'exemption').where('student_id', '=', leo.id).execute();
    expect(changes).toHaveLength(6);
  });
});
