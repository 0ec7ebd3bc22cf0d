/**
 * What a district needs before its first grade, absence or report card, and what the SIS does not
 * send: a grading scale, attendance codes and report-card comment codes. The demo district is made with
 * them; a district made by a OneRoster import gets them too (ADR 0027), so that its imported scores have
 * letters and its attendance file's standard codes are known. Each is added only where the district has
 * none, and a district administrator's own list is never touched.
 */
import type { Kysely } from 'kysely';
import type { AttendanceExcuse, AttendanceKind, DB } from '../../db/schema.js';
import type { GradeBand } from '../gradebook/grade.js';

/** The standard A–F scale (percent floors and GPA points). */
export const STANDARD_SCALE: readonly GradeBand[] = [
  { letter: 'A', minPercent: 93, gpaPoints: 4.0 },
  { letter: 'A-', minPercent: 90, gpaPoints: 3.7 },
  { letter: 'B+', minPercent: 87, gpaPoints: 3.3 },
  { letter: 'B', minPercent: 83, gpaPoints: 3.0 },
  { letter: 'B-', minPercent: 80, gpaPoints: 2.7 },
  { letter: 'C+', minPercent: 77, gpaPoints: 2.3 },
  { letter: 'C', minPercent: 73, gpaPoints: 2.0 },
  { letter: 'C-', minPercent: 70, gpaPoints: 1.7 },
  { letter: 'D+', minPercent: 67, gpaPoints: 1.3 },
  { letter: 'D', minPercent: 63, gpaPoints: 1.0 },
  { letter: 'D-', minPercent: 60, gpaPoints: 0.7 },
  { letter: 'F', minPercent: 0, gpaPoints: 0 },
];

/** The attendance codes: what each means and whether it is excused. */
export const ATTENDANCE_CODES: readonly { code: string; description: string; description_es: string; kind: AttendanceKind; excuse: AttendanceExcuse }[] = [
  { code: 'A-ILL', description: 'Absent: illness', description_es: 'Ausente: enfermedad', kind: 'absent', excuse: 'excused' },
  { code: 'A-APT', description: 'Absent: medical or dental appointment', description_es: 'Ausente: cita médica o dental', kind: 'absent', excuse: 'excused' },
  { code: 'A-UNX', description: 'Absent: unexcused', description_es: 'Ausente: sin justificar', kind: 'absent', excuse: 'unexcused' },
  { code: 'A-UNK', description: 'Absent: not yet explained', description_es: 'Ausente: aún sin explicar', kind: 'absent', excuse: 'unknown' },
  { code: 'T-EX', description: 'Tardy: excused', description_es: 'Tarde: justificado', kind: 'tardy', excuse: 'excused' },
  { code: 'T-UNX', description: 'Tardy: unexcused', description_es: 'Tarde: sin justificar', kind: 'tardy', excuse: 'unexcused' },
  { code: 'ER', description: 'Early release: signed out by a parent', description_es: 'Salida temprana: retirado por un padre o madre', kind: 'early_release', excuse: 'excused' },
];

/** The report-card comment codes, in English and Spanish (teachers choose up to 3 per grade). */
export const REPORT_CARD_COMMENTS: readonly { code: string; en: string; es: string }[] = [
  { code: 'EFF', en: 'Excellent effort', es: 'Excelente esfuerzo' },
  { code: 'PLS', en: 'A pleasure to have in class', es: 'Es un placer tenerlo en clase' },
  { code: 'PART', en: 'Participates actively in class', es: 'Participa activamente en clase' },
  { code: 'IMP', en: 'Shows steady improvement', es: 'Muestra una mejora constante' },
  { code: 'MISS', en: 'Missing assignments affect grade', es: 'Las tareas que faltan afectan la calificación' },
  { code: 'LATE', en: 'Late work affects grade', es: 'El trabajo entregado tarde afecta la calificación' },
  { code: 'TEST', en: 'Test scores are low; study more', es: 'Las calificaciones de los exámenes son bajas; debe estudiar más' },
  { code: 'ATT', en: 'Absences affect progress', es: 'Las ausencias afectan su progreso' },
  { code: 'TUT', en: 'Would benefit from tutoring', es: 'Le beneficiaría asistir a tutorías' },
  { code: 'CONF', en: 'Please contact the teacher for a conference', es: 'Comuníquese con el maestro para una reunión' },
];

export type StarterPart = 'gradingScale' | 'attendanceCodes' | 'reportCardComments';

/** Adds each part the district has none of; returns the parts it added. */
export async function addStarterSet(db: Kysely<DB>, now: Date): Promise<StarterPart[]> {
  const added: StarterPart[] = [];
  const at = now.toISOString();
  if (!(await db.selectFrom('grading_scales').select('id').limit(1).executeTakeFirst())) {
    const scale = await db.insertInto('grading_scales').values({ name: 'Standard A–F', created_at: at, updated_at: at, updated_by: null }).returning('id').executeTakeFirstOrThrow();
    await db
      .insertInto('grading_scale_bands')
      .values(STANDARD_SCALE.map((b, i) => ({ scale_id: scale.id, letter: b.letter, min_percent: b.minPercent, gpa_points: b.gpaPoints, sequence: i + 1 })))
      .execute();
    added.push('gradingScale');
  }
  if (!(await db.selectFrom('attendance_codes').select('id').limit(1).executeTakeFirst())) {
    await db.insertInto('attendance_codes').values(ATTENDANCE_CODES.map((c) => ({ ...c }))).execute();
    added.push('attendanceCodes');
  }
  if (!(await db.selectFrom('report_card_comments').select('id').limit(1).executeTakeFirst())) {
    await db
      .insertInto('report_card_comments')
      .values(REPORT_CARD_COMMENTS.map((c, i) => ({ code: c.code, text_en: c.en, text_es: c.es, sequence: i + 1, active: 1 })))
      .execute();
    added.push('reportCardComments');
  }
  return added;
}
