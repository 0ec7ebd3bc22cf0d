/**
 * The nurse's health records: immunization doses and exemptions of the students of the nurse's schools,
 * and the list of those students who do not meet the district's requirements.
 *
 * This module is the one writer of `immunization_doses` and `immunization_exemptions` for people: each
 * write is checked against the nurse's scope (a student of another school answers `missing`, exactly
 * like one that does not exist, and nothing is written), validated as a whole (no partial save), and
 * recorded as a change event (kinds 'dose' and 'exemption') and in the audit log, before and after, in
 * the same transaction.
 */
import type { Kysely } from 'kysely';
import type { DateString, DB, DoseSource } from '../../db/schema.js';
import type { MessageKey } from '../../i18n/index.js';
import { type NurseScope } from '../access/staff.js';
import { audit } from '../audit/service.js';
import { recordChanges } from '../changes/service.js';
import { recordId, type FieldErrors } from '../forms.js';
import { districtVaccineRules, immunizationRecordsOf, immunizationStatus, type VaccineRecord } from './immunizations.js';
import { bilingual, type LocalName } from '../../i18n/format.js';

export const DOSE_SOURCES = ['school_clinic', 'provider_record', 'state_registry'] as const satisfies readonly DoseSource[];
export const EXEMPTION_KINDS = ['medical', 'religious', 'personal'] as const;
export type ExemptionKind = (typeof EXEMPTION_KINDS)[number];

/** A nurse acting: their schools, their account (for the change events and the audit log), where from. */
export interface NurseActor {
  scope: NurseScope;
  actorAccountId: number;
  ip: string | null;
}

export type WriteOutcome = { kind: 'saved'; id: number; studentId: number } | { kind: 'missing' } | { kind: 'invalid'; errors: FieldErrors };

const MISSING = { kind: 'missing' } as const;

// ── reading the forms ──────────────────────────────────────────────────────────────────────────────

/** A calendar date as a date input sends it (YYYY-MM-DD), and one that exists. */
function calendarDate(value: unknown): DateString | null {
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(value.trim())) return null;
  const text = value.trim();
  const d = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === text ? text : null;
}

function oneOf<T extends string>(values: readonly T[], value: unknown): T | null {
  return typeof value === 'string' && (values as readonly string[]).includes(value) ? (value as T) : null;
}

const text = (body: Record<string, unknown>, field: string) => (typeof body[field] === 'string' ? (body[field] as string).trim() : '');

export interface DoseForm {
  vaccineId: number;
  date: DateString;
  source: DoseSource;
}

/** The dose form: vaccine, date, source; each problem a message on its field. */
export function readDoseForm(body: unknown): { ok: true; data: DoseForm } | { ok: false; errors: FieldErrors } {
  const b = (body ?? {}) as Record<string, unknown>;
  const errors: FieldErrors = {};
  const vaccineId = recordId(b.vaccine);
  const date = calendarDate(b.date);
  const source = oneOf(DOSE_SOURCES, b.source);
  if (vaccineId === null) errors.vaccine = text(b, 'vaccine') ? 'health.vaccineUnknown' : 'health.vaccineRequired';
  if (date === null) errors.date = text(b, 'date') ? 'health.dateInvalid' : 'health.dateRequired';
  if (source === null) errors.source = 'health.sourceRequired';
  if (vaccineId === null || date === null || source === null) return { ok: false, errors };
  return { ok: true, data: { vaccineId, date, source } };
}

export interface ExemptionForm {
  vaccineId: number;
  kind: ExemptionKind;
  granted: DateString;
  expires: DateString | null;
}

/** The exemption form: vaccine, kind, granted date, end date (optional). */
export function readExemptionForm(body: unknown): { ok: true; data: ExemptionForm } | { ok: false; errors: FieldErrors } {
  const b = (body ?? {}) as Record<string, unknown>;
  const errors: FieldErrors = {};
  const vaccineId = recordId(b.exemptionVaccine);
  const kind = oneOf(EXEMPTION_KINDS, b.kind);
  const granted = calendarDate(b.granted);
  const expires = text(b, 'expires') ? calendarDate(b.expires) : null;
  if (vaccineId === null) errors.exemptionVaccine = text(b, 'exemptionVaccine') ? 'health.vaccineUnknown' : 'health.vaccineRequired';
  if (kind === null) errors.kind = 'health.kindRequired';
  if (granted === null) errors.granted = text(b, 'granted') ? 'health.dateInvalid' : 'health.dateRequired';
  if (text(b, 'expires') && expires === null) errors.expires = 'health.dateInvalid';
  if (vaccineId === null || kind === null || granted === null || errors.expires) return { ok: false, errors };
  return { ok: true, data: { vaccineId, kind, granted, expires } };
}

// ── who the nurse may act on ──────────────────────────────────────────────────────────────────────

interface ScopedStudent {
  id: number;
  schoolId: number;
  birthDate: DateString;
  grade: number;
  number: string;
  name: string;
  school: string;
}

async function studentsInScope(db: Kysely<DB>, scope: NurseScope) {
  return db
    .selectFrom('students as s')
    .innerJoin('schools as sc', 'sc.id', 's.school_id')
    .select([
      's.id',
      's.school_id',
      's.birth_date',
      's.grade_level',
      's.student_number',
      's.legal_first_name',
      's.legal_last_name',
      's.preferred_first_name',
      's.preferred_last_name',
      'sc.name as school',
    ])
    .where('s.school_id', 'in', [...scope.schools]);
}

type StudentRow = Awaited<ReturnType<Awaited<ReturnType<typeof studentsInScope>>['executeTakeFirst']>>;

function scoped(r: NonNullable<StudentRow>): ScopedStudent {
  return {
    id: r.id,
    schoolId: r.school_id,
    birthDate: r.birth_date,
    grade: r.grade_level,
    number: r.student_number,
    name: `${r.preferred_first_name ?? r.legal_first_name} ${r.preferred_last_name ?? r.legal_last_name}`,
    school: r.school,
  };
}

/** The student, when one of the nurse's schools is theirs; otherwise null (the caller answers 404). */
async function studentInScope(db: Kysely<DB>, scope: NurseScope, studentId: number): Promise<ScopedStudent | null> {
  if (scope.schools.size === 0) return null;
  const row = await (await studentsInScope(db, scope)).where('s.id', '=', studentId).executeTakeFirst();
  return row ? scoped(row) : null;
}

/**
 * Holds the student's row until the transaction ends, so that two nurses saving the same dose at the same
 * moment are checked one after the other (the second sees the first's dose). A write that changes
 * nothing: a row lock on PostgreSQL, the write lock on SQLite.
 */
async function holdStudent(trx: Kysely<DB>, studentId: number): Promise<void> {
  await trx
    .updateTable('students')
    .set((eb) => ({ updated_at: eb.ref('updated_at') }))
    .where('id', '=', studentId)
    .execute();
}

/** A student of the nurse's schools by student number, leading zeros optional; null when none. */
export async function findStudentByNumber(db: Kysely<DB>, scope: NurseScope, number: string): Promise<number | null> {
  const wanted = number.trim().replace(/^0+(?=.)/, '');
  if (scope.schools.size === 0 || !/^[0-9A-Za-z]{1,32}$/.test(wanted)) return null;
  const rows = await db
    .selectFrom('students')
    .select(['id', 'student_number'])
    .where('school_id', 'in', [...scope.schools])
    .where((eb) => eb.or([eb('student_number', '=', wanted), eb('student_number', 'like', `%${wanted}`)]))
    .orderBy('id')
    .execute();
  return rows.find((r) => r.student_number.replace(/^0+(?=.)/, '') === wanted)?.id ?? null;
}

// ── reading a student's record ────────────────────────────────────────────────────────────────────

export interface DoseLine {
  id: number;
  vaccineId: number;
  vaccine: LocalName;
  date: DateString;
  source: DoseSource | null;
}

export interface ExemptionLine {
  id: number;
  vaccineId: number;
  vaccine: LocalName;
  kind: ExemptionKind;
  granted: DateString;
  expires: DateString | null;
}

export interface HealthRecord {
  student: ScopedStudent;
  vaccines: { id: number; name: LocalName }[];
  status: { vaccines: VaccineRecord[]; compliant: boolean };
  doses: DoseLine[];
  exemptions: ExemptionLine[];
}

/** A student's immunization record for the nurse, as of `today`; the view is audited. Null outside the scope. */
export async function healthRecordOf(db: Kysely<DB>, actor: NurseActor, studentId: number, today: DateString, now: Date): Promise<HealthRecord | null> {
  const student = await studentInScope(db, actor.scope, studentId);
  if (!student) return null;
  const [rules, records, doses, exemptions] = await Promise.all([
    districtVaccineRules(db),
    immunizationRecordsOf(db, [student.id]),
    db
      .selectFrom('immunization_doses as d')
      .innerJoin('vaccines as v', 'v.id', 'd.vaccine_id')
      .select(['d.id', 'd.vaccine_id', 'v.name', 'v.name_es', 'd.dose_date', 'd.source'])
      .where('d.student_id', '=', student.id)
      .orderBy('v.id')
      .orderBy('d.dose_date')
      .orderBy('d.id')
      .execute(),
    db
      .selectFrom('immunization_exemptions as e')
      .innerJoin('vaccines as v', 'v.id', 'e.vaccine_id')
      .select(['e.id', 'e.vaccine_id', 'v.name', 'v.name_es', 'e.kind', 'e.granted_date', 'e.expires_date'])
      .where('e.student_id', '=', student.id)
      .orderBy('v.id')
      .orderBy('e.granted_date')
      .orderBy('e.id')
      .execute(),
  ]);
  await audit(db, { action: 'health.record.viewed', actorAccountId: actor.actorAccountId, subjectType: 'student', subjectId: student.id, ip: actor.ip }, now);
  return {
    student,
    vaccines: rules.vaccines.map((v) => ({ id: v.id, name: v.name })),
    status: immunizationStatus({ grade: student.grade, asOf: today, ...rules, ...records.get(student.id)! }),
    doses: doses.map((d) => ({ id: d.id, vaccineId: d.vaccine_id, vaccine: bilingual(d.name, d.name_es), date: d.dose_date, source: d.source })),
    exemptions: exemptions.map((e) => ({ id: e.id, vaccineId: e.vaccine_id, vaccine: bilingual(e.name, e.name_es), kind: e.kind, granted: e.granted_date, expires: e.expires_date })),
  };
}

/** One dose of the nurse's schools, for its correction form; null outside the scope. */
export async function doseOf(db: Kysely<DB>, scope: NurseScope, doseId: number): Promise<(DoseLine & { student: ScopedStudent }) | null> {
  const dose = await db
    .selectFrom('immunization_doses as d')
    .innerJoin('vaccines as v', 'v.id', 'd.vaccine_id')
    .select(['d.id', 'd.student_id', 'd.vaccine_id', 'v.name', 'v.name_es', 'd.dose_date', 'd.source'])
    .where('d.id', '=', doseId)
    .executeTakeFirst();
  const student = dose ? await studentInScope(db, scope, dose.student_id) : null;
  if (!dose || !student) return null;
  return { id: dose.id, vaccineId: dose.vaccine_id, vaccine: bilingual(dose.name, dose.name_es), date: dose.dose_date, source: dose.source, student };
}

// ── writing ───────────────────────────────────────────────────────────────────────────────────────

/** What a family sees of a dose and of an exemption: what the change events and the audit keep. */
const shownDose = (d: { vaccine_id: number; dose_date: DateString; source: DoseSource | null }) => ({ vaccineId: d.vaccine_id, date: d.dose_date, source: d.source });
const shownExemption = (e: { vaccine_id: number; kind: ExemptionKind; granted_date: DateString; expires_date: DateString | null }) => ({
  vaccineId: e.vaccine_id,
  kind: e.kind,
  granted: e.granted_date,
  expires: e.expires_date,
});

/** A date the record can hold: not after today, not before the student was born. */
function dateProblem(date: DateString, student: ScopedStudent, today: DateString): MessageKey | null {
  if (date > today) return 'health.dateFuture';
  if (date < student.birthDate) return 'health.dateBeforeBirth';
  return null;
}

async function vaccineExists(db: Kysely<DB>, vaccineId: number): Promise<boolean> {
  return (await db.selectFrom('vaccines').select('id').where('id', '=', vaccineId).executeTakeFirst()) !== undefined;
}

async function doseErrors(db: Kysely<DB>, student: ScopedStudent, form: DoseForm, today: DateString, exceptDoseId: number | null): Promise<FieldErrors | null> {
  const errors: FieldErrors = {};
  if (!(await vaccineExists(db, form.vaccineId))) errors.vaccine = 'health.vaccineUnknown';
  const problem = dateProblem(form.date, student, today);
  if (problem) errors.date = problem;
  if (!errors.vaccine && !problem) {
    let same = db
      .selectFrom('immunization_doses')
      .select('id')
      .where('student_id', '=', student.id)
      .where('vaccine_id', '=', form.vaccineId)
      .where('dose_date', '=', form.date);
    if (exceptDoseId !== null) same = same.where('id', '!=', exceptDoseId);
    if (await same.executeTakeFirst()) errors.date = 'health.doseDuplicate';
  }
  return Object.keys(errors).length > 0 ? errors : null;
}

/** A dose of the nurse's schools and its student, the student held (read again under the hold); null when missing. */
async function doseHeld(trx: Kysely<DB>, scope: NurseScope, doseId: number) {
  const read = () => trx.selectFrom('immunization_doses').select(['id', 'student_id', 'vaccine_id', 'dose_date', 'source']).where('id', '=', doseId).executeTakeFirst();
  const found = await read();
  const student = found ? await studentInScope(trx, scope, found.student_id) : null;
  if (!student) return null;
  await holdStudent(trx, student.id);
  const dose = await read();
  return dose && dose.student_id === student.id ? { dose, student } : null;
}

/** Records a dose on a student's record. */
export async function recordDose(db: Kysely<DB>, actor: NurseActor, input: { studentId: number; form: DoseForm; today: DateString }, now: Date): Promise<WriteOutcome> {
  return db.transaction().execute(async (trx) => {
    const student = await studentInScope(trx, actor.scope, input.studentId);
    if (!student) return MISSING;
    await holdStudent(trx, student.id);
    const errors = await doseErrors(trx, student, input.form, input.today, null);
    if (errors) return { kind: 'invalid', errors };
    const values = { student_id: student.id, vaccine_id: input.form.vaccineId, dose_date: input.form.date, source: input.form.source };
    const at = now.toISOString();
    const row = await trx
      .insertInto('immunization_doses')
      .values({ ...values, created_at: at, updated_at: at, updated_by: actor.actorAccountId })
      .returning('id')
      .executeTakeFirstOrThrow();
    const after = shownDose(values);
    await recordChanges(trx, [{ kind: 'dose', action: 'created', subjectId: row.id, studentId: student.id, schoolId: student.schoolId, after, actorAccountId: actor.actorAccountId }], now);
    await audit(trx, { action: 'health.dose.recorded', actorAccountId: actor.actorAccountId, subjectType: 'student', subjectId: student.id, ip: actor.ip, details: { doseId: row.id, before: null, after } }, now);
    return { kind: 'saved', id: row.id, studentId: student.id };
  });
}

/** Corrects a dose entered with the wrong vaccine, date or source. */
export async function correctDose(db: Kysely<DB>, actor: NurseActor, input: { doseId: number; form: DoseForm; today: DateString }, now: Date): Promise<WriteOutcome> {
  return db.transaction().execute(async (trx) => {
    const held = await doseHeld(trx, actor.scope, input.doseId);
    if (!held) return MISSING;
    const { dose, student } = held;
    const errors = await doseErrors(trx, student, input.form, input.today, dose.id);
    if (errors) return { kind: 'invalid', errors };
    const values = { vaccine_id: input.form.vaccineId, dose_date: input.form.date, source: input.form.source };
    await trx
      .updateTable('immunization_doses')
      .set({ ...values, updated_at: now.toISOString(), updated_by: actor.actorAccountId })
      .where('id', '=', dose.id)
      .execute();
    const before = shownDose(dose);
    const after = shownDose(values);
    await recordChanges(
      trx,
      [{ kind: 'dose', action: 'updated', subjectId: dose.id, studentId: student.id, schoolId: student.schoolId, before, after, actorAccountId: actor.actorAccountId }],
      now,
    );
    await audit(trx, { action: 'health.dose.corrected', actorAccountId: actor.actorAccountId, subjectType: 'student', subjectId: student.id, ip: actor.ip, details: { doseId: dose.id, before, after } }, now);
    return { kind: 'saved', id: dose.id, studentId: student.id };
  });
}

/** Removes a dose entered by mistake. */
export async function removeDose(db: Kysely<DB>, actor: NurseActor, doseId: number, now: Date): Promise<WriteOutcome> {
  return db.transaction().execute(async (trx) => {
    const held = await doseHeld(trx, actor.scope, doseId);
    if (!held) return MISSING;
    const { dose, student } = held;
    await trx.deleteFrom('immunization_doses').where('id', '=', dose.id).execute();
    const before = shownDose(dose);
    await recordChanges(trx, [{ kind: 'dose', action: 'deleted', subjectId: dose.id, studentId: student.id, schoolId: student.schoolId, before, actorAccountId: actor.actorAccountId }], now);
    await audit(trx, { action: 'health.dose.removed', actorAccountId: actor.actorAccountId, subjectType: 'student', subjectId: student.id, ip: actor.ip, details: { doseId: dose.id, before, after: null } }, now);
    return { kind: 'saved', id: dose.id, studentId: student.id };
  });
}

/**
 * Whether the student already has an exemption of the same kind from the same vaccine whose days meet
 * the form's (both ends included; no end date runs on for ever): the same exemption recorded twice.
 */
async function overlappingExemption(trx: Kysely<DB>, studentId: number, form: ExemptionForm): Promise<boolean> {
  let query = trx
    .selectFrom('immunization_exemptions')
    .select('id')
    .where('student_id', '=', studentId)
    .where('vaccine_id', '=', form.vaccineId)
    .where('kind', '=', form.kind)
    .where((eb) => eb.or([eb('expires_date', 'is', null), eb('expires_date', '>=', form.granted)]));
  if (form.expires !== null) query = query.where('granted_date', '<=', form.expires);
  return (await query.executeTakeFirst()) !== undefined;
}

/** Records an exemption from a vaccine: its kind, the day it was granted and, where it applies, the day it ends. */
export async function recordExemption(
  db: Kysely<DB>,
  actor: NurseActor,
  input: { studentId: number; form: ExemptionForm; today: DateString },
  now: Date,
): Promise<WriteOutcome> {
  return db.transaction().execute(async (trx) => {
    const student = await studentInScope(trx, actor.scope, input.studentId);
    if (!student) return MISSING;
    // Held before the check, as a dose is: two nurses (or one double submit) recording the same
    // exemption at once are checked one after the other, and the second sees the first's.
    await holdStudent(trx, student.id);
    const { form } = input;
    const errors: FieldErrors = {};
    if (!(await vaccineExists(trx, form.vaccineId))) errors.exemptionVaccine = 'health.vaccineUnknown';
    const problem = dateProblem(form.granted, student, input.today);
    if (problem) errors.granted = problem;
    if (form.expires !== null && form.expires < form.granted) errors.expires = 'health.endBeforeStart';
    if (Object.keys(errors).length === 0 && (await overlappingExemption(trx, student.id, form))) errors.granted = 'health.exemptionDuplicate';
    if (Object.keys(errors).length > 0) return { kind: 'invalid', errors };
    const values = { student_id: student.id, vaccine_id: form.vaccineId, kind: form.kind, granted_date: form.granted, expires_date: form.expires };
    const at = now.toISOString();
    const row = await trx
      .insertInto('immunization_exemptions')
      .values({ ...values, created_at: at, updated_at: at, updated_by: actor.actorAccountId })
      .returning('id')
      .executeTakeFirstOrThrow();
    const after = shownExemption(values);
    await recordChanges(
      trx,
      [{ kind: 'exemption', action: 'created', subjectId: row.id, studentId: student.id, schoolId: student.schoolId, after, actorAccountId: actor.actorAccountId }],
      now,
    );
    await audit(
      trx,
      { action: 'health.exemption.recorded', actorAccountId: actor.actorAccountId, subjectType: 'student', subjectId: student.id, ip: actor.ip, details: { exemptionId: row.id, before: null, after } },
      now,
    );
    return { kind: 'saved', id: row.id, studentId: student.id };
  });
}

/** Removes an exemption entered by mistake. */
export async function removeExemption(db: Kysely<DB>, actor: NurseActor, exemptionId: number, now: Date): Promise<WriteOutcome> {
  return db.transaction().execute(async (trx) => {
    const exemption = () =>
      trx
        .selectFrom('immunization_exemptions')
        .select(['id', 'student_id', 'vaccine_id', 'kind', 'granted_date', 'expires_date'])
        .where('id', '=', exemptionId)
        .executeTakeFirst();
    const found = await exemption();
    const student = found ? await studentInScope(trx, actor.scope, found.student_id) : null;
    if (!student) return MISSING;
    await holdStudent(trx, student.id);
    // Read again under the hold: removed in the meantime, it is missing.
    const row = await exemption();
    if (!row) return MISSING;
    await trx.deleteFrom('immunization_exemptions').where('id', '=', row.id).execute();
    const before = shownExemption(row);
    await recordChanges(
      trx,
      [{ kind: 'exemption', action: 'deleted', subjectId: row.id, studentId: student.id, schoolId: student.schoolId, before, actorAccountId: actor.actorAccountId }],
      now,
    );
    await audit(
      trx,
      { action: 'health.exemption.removed', actorAccountId: actor.actorAccountId, subjectType: 'student', subjectId: student.id, ip: actor.ip, details: { exemptionId: row.id, before, after: null } },
      now,
    );
    return { kind: 'saved', id: row.id, studentId: student.id };
  });
}

// ── the compliance list ───────────────────────────────────────────────────────────────────────────

export interface ComplianceLine {
  studentId: number;
  number: string;
  name: string;
  grade: number;
  school: string;
  /** each vaccine still short of the requirement, with the doses still needed */
  missing: { vaccine: LocalName; doses: number }[];
}

/** The nurse's schools, for the list's school filter. */
export async function nurseSchools(db: Kysely<DB>, scope: NurseScope): Promise<{ id: number; name: string; gradeLow: number; gradeHigh: number }[]> {
  if (scope.schools.size === 0) return [];
  const rows = await db.selectFrom('schools').select(['id', 'name', 'grade_low', 'grade_high']).where('id', 'in', [...scope.schools]).orderBy('name').execute();
  return rows.map((r) => ({ id: r.id, name: r.name, gradeLow: r.grade_low, gradeHigh: r.grade_high }));
}

/**
 * The active students of the nurse's schools who do not meet the district's requirements on `asOf`
 * (by the portal's rule), optionally of one grade level and one school, by last then first name.
 */
export async function complianceList(
  db: Kysely<DB>,
  scope: NurseScope,
  filter: { grade: number | null; schoolId: number | null; asOf: DateString },
): Promise<ComplianceLine[]> {
  if (scope.schools.size === 0 || (filter.schoolId !== null && !scope.schools.has(filter.schoolId))) return [];
  let query = (await studentsInScope(db, scope)).where('s.enrollment_status', '=', 'active');
  if (filter.schoolId !== null) query = query.where('s.school_id', '=', filter.schoolId);
  if (filter.grade !== null) query = query.where('s.grade_level', '=', filter.grade);
  const students = (await query.orderBy('s.legal_last_name').orderBy('s.legal_first_name').orderBy('s.id').execute()).map(scoped);
  const [rules, records] = await Promise.all([districtVaccineRules(db), immunizationRecordsOf(db, students.map((s) => s.id))]);
  const lines: ComplianceLine[] = [];
  for (const s of students) {
    const status = immunizationStatus({ grade: s.grade, asOf: filter.asOf, ...rules, ...records.get(s.id)! });
    if (status.compliant) continue;
    lines.push({
      studentId: s.id,
      number: s.number,
      name: s.name,
      grade: s.grade,
      school: s.school,
      missing: status.vaccines.filter((v) => v.status === 'incomplete').map((v) => ({ vaccine: v.name, doses: v.missing })),
    });
  }
  return lines;
}
