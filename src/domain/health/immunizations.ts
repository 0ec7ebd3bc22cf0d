/**
 * Immunizations: each vaccine the district requires at the student's grade, the doses on record, any
 * exemption, and whether the student meets the requirement. The rule is the district's requirement
 * list (vaccine, grades, number of doses); doses given after the day asked about do not count, and an
 * exemption counts while it is in force (granted, and not expired).
 */
import type { Kysely } from 'kysely';
import type { DateString, DB } from '../../db/schema.js';
import type { ReadableStudent } from '../access/portal.js';
import { bilingual, type LocalName } from '../../i18n/format.js';

export type VaccineStatus = 'complete' | 'incomplete' | 'exempt' | 'notRequired';

export interface VaccineRecord {
  code: string;
  /** in the district's language and in Spanish (i18n/format.ts localName) */
  name: LocalName;
  /** doses required at this grade; null when none is required */
  required: number | null;
  doses: DateString[];
  exemption: { kind: 'medical' | 'religious' | 'personal'; granted: DateString; expires: DateString | null } | null;
  status: VaccineStatus;
  /** doses still needed (0 when complete, exempt or not required) */
  missing: number;
}

export interface ImmunizationInput {
  grade: number;
  asOf: DateString;
  vaccines: { id: number; code: string; name: LocalName }[];
  requirements: { vaccineId: number; gradeLow: number; gradeHigh: number; doses: number }[];
  doses: { vaccineId: number; date: DateString }[];
  exemptions: { vaccineId: number; kind: 'medical' | 'religious' | 'personal'; granted: DateString; expires: DateString | null }[];
}

export function immunizationStatus(input: ImmunizationInput): { vaccines: VaccineRecord[]; compliant: boolean } {
  const vaccines = input.vaccines.map((v): VaccineRecord => {
    const rule = input.requirements.find((r) => r.vaccineId === v.id && r.gradeLow <= input.grade && input.grade <= r.gradeHigh);
    const doses = input.doses
      .filter((d) => d.vaccineId === v.id && d.date <= input.asOf)
      .map((d) => d.date)
      .sort();
    const exemption =
      input.exemptions.find((e) => e.vaccineId === v.id && e.granted <= input.asOf && (e.expires === null || e.expires >= input.asOf)) ?? null;
    const required = rule?.doses ?? null;
    let status: VaccineStatus;
    if (required === null) status = 'notRequired';
    else if (doses.length >= required) status = 'complete';
    else if (exemption) status = 'exempt';
    else status = 'incomplete';
    return {
      code: v.code,
      name: v.name,
      required,
      doses,
      exemption: exemption ? { kind: exemption.kind, granted: exemption.granted, expires: exemption.expires } : null,
      status,
      missing: status === 'incomplete' ? (required as number) - doses.length : 0,
    };
  });
  return { vaccines, compliant: vaccines.every((v) => v.status !== 'incomplete') };
}

/** The district's list of vaccines and its requirements: the same rules for the portal and the nurse. */
export interface DistrictVaccineRules {
  vaccines: ImmunizationInput['vaccines'];
  requirements: ImmunizationInput['requirements'];
}

export async function districtVaccineRules(db: Kysely<DB>): Promise<DistrictVaccineRules> {
  const [rows, requirements] = await Promise.all([
    db.selectFrom('vaccines').select(['id', 'code', 'name', 'name_es']).orderBy('id').execute(),
    db.selectFrom('immunization_requirements').select(['vaccine_id', 'grade_low', 'grade_high', 'doses']).execute(),
  ]);
  const vaccines = rows.map((v) => ({ id: v.id, code: v.code, name: bilingual(v.name, v.name_es) }));
  return { vaccines, requirements: requirements.map((r) => ({ vaccineId: r.vaccine_id, gradeLow: r.grade_low, gradeHigh: r.grade_high, doses: r.doses })) };
}

/** The doses and exemptions on the records of these students, by student (one query each). */
export async function immunizationRecordsOf(db: Kysely<DB>, studentIds: readonly number[]) {
  const ids = [...new Set(studentIds)];
  const [doses, exemptions] =
    ids.length === 0
      ? [[], []]
      : await Promise.all([
          db.selectFrom('immunization_doses').select(['student_id', 'vaccine_id', 'dose_date']).where('student_id', 'in', ids).execute(),
          db.selectFrom('immunization_exemptions').select(['student_id', 'vaccine_id', 'kind', 'granted_date', 'expires_date']).where('student_id', 'in', ids).execute(),
        ]);
  const byStudent = new Map<number, Pick<ImmunizationInput, 'doses' | 'exemptions'>>(ids.map((id) => [id, { doses: [], exemptions: [] }]));
  for (const d of doses) byStudent.get(d.student_id)!.doses.push({ vaccineId: d.vaccine_id, date: d.dose_date });
  for (const e of exemptions) {
    byStudent.get(e.student_id)!.exemptions.push({ vaccineId: e.vaccine_id, kind: e.kind, granted: e.granted_date, expires: e.expires_date });
  }
  return byStudent;
}

/** The student's record from the database, with the district's requirements. */
export async function immunizationsOf(db: Kysely<DB>, student: ReadableStudent, asOf: DateString) {
  const [rules, records] = await Promise.all([districtVaccineRules(db), immunizationRecordsOf(db, [student.id])]);
  return immunizationStatus({ grade: student.grade, asOf, ...rules, ...records.get(student.id)! });
}
