/**
 * Transfer credit: a counselor of the student's school adds a course the student completed at another
 * school to the student's transcript (the Unofficial Transcript a family sees, and its GPA). The one
 * service that writes transcript courses: it records the change event and the audit entry in the same
 * transaction. A student outside the counselor's schools answers StudentNotFound and writes nothing.
 */
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import type { MessageKey } from '../../i18n/index.js';
import { readableByStaff } from '../access/portal.js';
import type { CounselorScope } from '../access/staff.js';
import { audit } from '../audit/service.js';
import { recordChanges } from '../changes/service.js';
import { hasForbiddenCharacters, type FieldErrors, type Parsed } from '../forms.js';

export const TRANSFER_TERMS = ['S1', 'S2', 'Year'] as const;
export const TRANSFER_WEIGHTS = { none: 0, honors: 0.5, ap: 1 } as const;
export type TransferWeight = keyof typeof TRANSFER_WEIGHTS;
/** A pass without grade points (left out of the GPA). */
export const PASS = 'P';

export interface TransferCourse {
  school: string;
  schoolYear: number;
  grade: number;
  code: string;
  title: string;
  term: (typeof TRANSFER_TERMS)[number];
  letter: string;
  weight: TransferWeight;
  attempted: number;
  earned: number;
}

/** The letters a transfer course may have: the district's first grading scale's, and P; with grade points. */
export async function transferLetters(db: Kysely<DB>): Promise<{ letter: string; gpaPoints: number | null }[]> {
  const scale = await db.selectFrom('grading_scales').select('id').orderBy('id').executeTakeFirst();
  const bands = scale ? await db.selectFrom('grading_scale_bands').select(['letter', 'gpa_points']).where('scale_id', '=', scale.id).orderBy('sequence').execute() : [];
  return [...bands.map((b) => ({ letter: b.letter, gpaPoints: b.gpa_points })), { letter: PASS, gpaPoints: null }];
}

/** The school years a transfer course may end in: the ten before this one, and this one. */
export function transferYears(today: string): { from: number; to: number } {
  const year = Number(today.slice(0, 4));
  // A school year ends in June: from July on, "this" school year ends next calendar year.
  const current = Number(today.slice(5, 7)) >= 7 ? year + 1 : year;
  return { from: current - 10, to: current };
}

const text = (v: unknown) => (typeof v === 'string' ? v.normalize('NFKC').trim() : v === undefined ? '' : null);
const CREDITS = /^\d{1,2}(\.\d{1,2})?$/;

/** The form, field by field; every problem a message on its field. */
export function parseTransferCourse(body: unknown, letters: readonly string[], today: string): Parsed<TransferCourse> & { values: Record<string, string> } {
  const raw = (body ?? {}) as Record<string, unknown>;
  const values: Record<string, string> = {};
  const errors: FieldErrors = {};
  // Short fields take up to 20 characters, so that a wrong value gets its own message rather than "too long".
  const field = (name: string, max: number): string => {
    const v = text(raw[name]);
    if (v === null) {
      errors[name] = 'form.invalid';
      return '';
    }
    values[name] = v.slice(0, max + 20);
    if (v === '') errors[name] = 'form.required';
    else if (v.length > max) errors[name] = 'form.tooLong';
    else if (hasForbiddenCharacters(v)) errors[name] = 'form.badCharacters';
    return v;
  };
  const school = field('school', 120);
  const yearText = field('schoolYear', 20);
  const gradeText = field('grade', 20);
  const code = field('code', 20);
  const title = field('title', 120);
  const term = field('term', 20);
  const letter = field('letter', 20);
  const weight = field('weight', 20);
  const attemptedText = field('attempted', 20);
  const earnedText = field('earned', 20);
  const fail = (name: string, key: MessageKey) => {
    errors[name] ??= key;
  };
  const { from, to } = transferYears(today);
  const schoolYear = Number(yearText);
  if (!/^\d{4}$/.test(yearText) || schoolYear < from || schoolYear > to) fail('schoolYear', 'transfer.yearInvalid');
  const grade = Number(gradeText);
  if (!/^\d{1,2}$/.test(gradeText) || grade < 6 || grade > 12) fail('grade', 'transfer.gradeInvalid');
  if (!/^[A-Za-z0-9][A-Za-z0-9 .-]*$/.test(code)) fail('code', 'transfer.codeInvalid');
  if (!(TRANSFER_TERMS as readonly string[]).includes(term)) fail('term', 'transfer.choose');
  if (!letters.includes(letter)) fail('letter', 'transfer.choose');
  if (!(weight in TRANSFER_WEIGHTS)) fail('weight', 'transfer.choose');
  const attempted = Number(attemptedText);
  const earned = Number(earnedText);
  if (!CREDITS.test(attemptedText) || attempted > 10) fail('attempted', 'transfer.creditsInvalid');
  if (!CREDITS.test(earnedText) || earned > 10) fail('earned', 'transfer.creditsInvalid');
  if (!errors.attempted && !errors.earned && earned > attempted) fail('earned', 'transfer.earnedMore');
  if (Object.keys(errors).length > 0) return { ok: false, errors, values };
  return {
    ok: true,
    data: { school, schoolYear, grade, code: code.toUpperCase(), title, term: term as TransferCourse['term'], letter, weight: weight as TransferWeight, attempted, earned },
    values,
  };
}

export type TransferResult = { kind: 'added'; id: number } | { kind: 'duplicate' };

/**
 * Adds the course to the student's transcript, with its change event and audit entry, in one
 * transaction; the same course (year, code and term) already there is answered `duplicate`, nothing written.
 */
export async function addTransferCredit(
  db: Kysely<DB>,
  actor: { counselor: CounselorScope; actorAccountId: number; ip: string | null },
  studentId: number,
  course: TransferCourse,
  today: string,
  now: Date,
): Promise<TransferResult> {
  const student = await readableByStaff(db, actor.counselor, studentId, { actorAccountId: actor.actorAccountId, ip: actor.ip, purpose: 'transferCredit', today }, now);
  const points = (await transferLetters(db)).find((l) => l.letter === course.letter)?.gpaPoints ?? null;
  return db.transaction().execute(async (trx) => {
    const same = await trx
      .selectFrom('transcript_courses')
      .select('id')
      .where('student_id', '=', student.id)
      .where('school_year', '=', course.schoolYear)
      .where('course_code', '=', course.code)
      .where('term', '=', course.term)
      .executeTakeFirst();
    if (same) return { kind: 'duplicate' } as const;
    const at = now.toISOString();
    const row = {
      student_id: student.id,
      school_year: course.schoolYear,
      school_name: course.school,
      grade_level: course.grade,
      course_code: course.code,
      course_title: course.title,
      term: course.term,
      letter: course.letter,
      gpa_points: points,
      gpa_bonus: TRANSFER_WEIGHTS[course.weight],
      credits_attempted: course.attempted,
      credits_earned: course.earned,
    };
    const { id } = await trx
      .insertInto('transcript_courses')
      .values({ ...row, created_at: at, updated_at: at, updated_by: actor.actorAccountId })
      .returning('id')
      .executeTakeFirstOrThrow();
    await recordChanges(trx, [{ kind: 'transcript_course', action: 'created', subjectId: id, studentId: student.id, schoolId: student.schoolId, after: row, actorAccountId: actor.actorAccountId }], now);
    await audit(trx, { action: 'transcript.transfer_credit_added', actorAccountId: actor.actorAccountId, subjectType: 'student', subjectId: student.id, ip: actor.ip, details: { after: row } }, now);
    return { kind: 'added', id } as const;
  });
}
