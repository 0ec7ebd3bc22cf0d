/**
 * Posting term grades (issue 19): at the end of a grading period the teacher of a section (or a
 * co-teacher) posts each student's grade with report-card comment codes and a free-text comment.
 * This module is the only writer of term_grades, term_grade_comments and term_grade_history.
 *
 * - The proposed grade is computed from the gradebook by computeGrade over periodGradeInput (grades.ts):
 *   the very input and function the portal's Grades page uses, so what the teacher posts is what the
 *   family saw as the in-progress grade. The posted percent is always the computed one; the teacher may
 *   post another letter of the section's grading scale (a teacher's judgment), shown as corrected.
 * - Who is on the roster: the students enrolled in the section on the period's last day (or today, when
 *   the period has not ended). A student who left the class earlier is the office's to grade.
 * - When: from the last week of the period (its last 7 days) onward; before that the form is read only.
 * - Up to 3 active district comment codes per grade, and a comment of at most 500 characters.
 * - Posting is one transaction: every grade that changed is written with its codes, the version it
 *   replaces goes to term_grade_history, a change event (kind 'term_grade') is recorded per student, and
 *   one audit row for the whole posting. A grade posted again unchanged writes nothing.
 * - The form carries what it showed (the roster, each proposed percent, each posted grade's version): a
 *   change in between (a co-teacher posted, a score was entered, the roster changed) is refused with the
 *   current sheet instead of overwriting it.
 */
import type { Kysely } from 'kysely';
import type { DateString, DB } from '../../db/schema.js';
import { bilingual, type LocalName } from '../../i18n/format.js';
import { teachesSection, type TeacherScope } from '../access/staff.js';
import { audit } from '../audit/service.js';
import { addDays } from '../calendar/dates.js';
import { recordChanges, type Change } from '../changes/service.js';
import { hasForbiddenCharacters } from '../forms.js';
import { computeGrade, type GradeBand } from './grade.js';
import { periodGradeInput, toBand, toCategoryInput, type GradedScore } from './grades.js';

/** At most this many comment codes on one grade. */
export const MAX_CODES = 3;
/** The longest free-text comment. */
export const MAX_COMMENT = 500;
/** Posting opens this many days before the period's last day (its last week). */
const OPENS_DAYS_BEFORE_END = 6;

export interface CommentCode {
  id: number;
  code: string;
  text: { en: string; es: string };
  active: boolean;
}

export interface PostedGrade {
  id: number;
  percent: number | null;
  letter: string | null;
  /** comment code ids, in the teacher's order */
  codes: number[];
  comment: string | null;
  postedAt: string;
  /** saves so far: the form carries it back */
  version: number;
}

export interface PostingRow {
  studentId: number;
  studentNumber: string;
  firstName: string;
  lastName: string;
  /** computed from the gradebook now */
  proposed: { percent: number | null; letter: string | null };
  posted: PostedGrade | null;
}

export interface GradingPeriod {
  id: number;
  title: LocalName;
  start: DateString;
  end: DateString;
}

export interface PostingSheet {
  section: { id: number; code: string; courseTitle: string; schoolId: number };
  period: GradingPeriod;
  /** every grading period of the section, for the period picker */
  periods: GradingPeriod[];
  rows: PostingRow[];
  scale: GradeBand[];
  /** the codes a teacher may choose (active), and any inactive one still on a posted grade */
  codes: CommentCode[];
  /** the first day grades may be posted */
  opensOn: DateString;
  open: boolean;
}

/** A section the teacher may post grades for: every one they teach now, whether or not it meets today. */
export interface PostingClass {
  sectionId: number;
  sectionCode: string;
  courseTitle: string;
  period: string | null;
}

/** The teacher's sections, in period order: where posting starts on a day without class (a weekend). */
export async function postingClasses(db: Kysely<DB>, scope: TeacherScope): Promise<PostingClass[]> {
  if (scope.sections.size === 0) return [];
  const rows = await db
    .selectFrom('sections as s')
    .innerJoin('courses as c', 'c.id', 's.course_id')
    .leftJoin('section_periods as sp', 'sp.section_id', 's.id')
    .leftJoin('bell_periods as bp', 'bp.id', 'sp.bell_period_id')
    .select(['s.id as sectionId', 's.section_code as sectionCode', 'c.title as courseTitle', 'bp.name as period', 'bp.sequence'])
    .where('s.id', 'in', [...scope.sections])
    .orderBy('bp.sequence')
    .orderBy('s.id')
    .execute();
  const seen = new Set<number>();
  return rows.filter((r) => (seen.has(r.sectionId) ? false : (seen.add(r.sectionId), true))).map(({ sequence: _sequence, ...r }) => r);
}

/** The first day a period's grades may be posted: its last week. */
export function postingOpensOn(period: { end: DateString }): DateString {
  return addDays(period.end, -OPENS_DAYS_BEFORE_END);
}

/** The grading periods of a section: those of the terms it meets in. */
async function periodsOf(db: Kysely<DB>, sectionId: number): Promise<GradingPeriod[]> {
  const rows = await db
    .selectFrom('academic_sessions as a')
    .innerJoin('section_terms as st', 'st.academic_session_id', 'a.parent_id')
    .select(['a.id', 'a.title', 'a.title_es', 'a.start_date as start', 'a.end_date as end'])
    .where('st.section_id', '=', sectionId)
    .where('a.type', '=', 'gradingPeriod')
    .orderBy('a.start_date')
    .execute();
  return rows.map(({ title, title_es, ...r }) => ({ ...r, title: bilingual(title, title_es) }));
}

/** The district's comment codes (all of them: an inactive one may still be on a posted grade). */
async function allCodes(db: Kysely<DB>): Promise<CommentCode[]> {
  const rows = await db.selectFrom('report_card_comments').select(['id', 'code', 'text_en', 'text_es', 'active']).orderBy('sequence').orderBy('id').execute();
  return rows.map((r) => ({ id: r.id, code: r.code, text: { en: r.text_en, es: r.text_es }, active: r.active === 1 }));
}

/** A section's grades for a grading period, posted and proposed; null when not the teacher's or no such period. */
export async function postingSheet(db: Kysely<DB>, scope: TeacherScope, sectionId: number, periodId: number | null, today: DateString): Promise<PostingSheet | null> {
  if (!teachesSection(scope, sectionId)) return null;
  const [section, periods] = await Promise.all([
    db
      .selectFrom('sections as s')
      .innerJoin('courses as c', 'c.id', 's.course_id')
      .select(['s.id', 's.section_code as code', 'c.title as courseTitle', 's.school_id as schoolId', 's.grading_method', 's.grading_scale_id'])
      .where('s.id', '=', sectionId)
      .executeTakeFirst(),
    periodsOf(db, sectionId),
  ]);
  if (!section || periods.length === 0) return null;
  // No period asked for: the last one that may be posted by now, else the first.
  const period = periodId === null ? ([...periods].reverse().find((p) => postingOpensOn(p) <= today) ?? periods[0]!) : periods.find((p) => p.id === periodId);
  if (!period) return null;
  const onDay = period.end < today ? period.end : today;

  const [students, categories, assignments, bands, grades, codes] = await Promise.all([
    db
      .selectFrom('section_enrollments as e')
      .innerJoin('students as st', 'st.id', 'e.student_id')
      .select(['st.id', 'st.student_number', 'st.legal_first_name', 'st.preferred_first_name', 'st.legal_last_name', 'st.preferred_last_name', 'e.begin_date', 'e.end_date'])
      .where('e.section_id', '=', sectionId)
      .where('e.begin_date', '<=', onDay)
      .where((eb) => eb.or([eb('e.end_date', 'is', null), eb('e.end_date', '>=', onDay)]))
      .execute(),
    db.selectFrom('grading_categories').select(['id', 'name', 'weight', 'drop_lowest']).where('section_id', '=', sectionId).orderBy('sequence').execute(),
    db
      .selectFrom('assignments')
      .select(['id', 'category_id', 'grading_period_id', 'due_date', 'points_possible'])
      .where('section_id', '=', sectionId)
      .where('grading_period_id', '=', period.id)
      // the grade families see: work the teacher has not published is not part of it
      .where('published', '=', 1)
      .execute(),
    section.grading_scale_id === null
      ? Promise.resolve([])
      : db.selectFrom('grading_scale_bands').select(['letter', 'min_percent', 'gpa_points']).where('scale_id', '=', section.grading_scale_id).orderBy('sequence').execute(),
    db
      .selectFrom('term_grades')
      .select(['id', 'student_id', 'percent', 'letter', 'comment', 'posted_at', 'version'])
      .where('section_id', '=', sectionId)
      .where('academic_session_id', '=', period.id)
      .execute(),
    allCodes(db),
  ]);
  const studentIds = students.map((s) => s.id);
  const gradeIds = grades.map((g) => g.id);
  const [scores, chosen] = await Promise.all([
    studentIds.length === 0 || assignments.length === 0
      ? Promise.resolve([])
      : db
          .selectFrom('assignment_scores')
          .select(['assignment_id', 'student_id', 'points', 'missing', 'late', 'exempt', 'incomplete', 'dropped'])
          .where(
            'assignment_id',
            'in',
            assignments.map((a) => a.id),
          )
          .where('student_id', 'in', studentIds)
          .execute(),
    gradeIds.length === 0
      ? Promise.resolve([])
      : db.selectFrom('term_grade_comments').select(['term_grade_id', 'comment_id']).where('term_grade_id', 'in', gradeIds).orderBy('term_grade_id').orderBy('sequence').execute(),
  ]);
  const scale = bands.map(toBand);
  const cats = categories.map(toCategoryInput);
  const rows: PostingRow[] = students
    .map((s) => {
      const scoreOf = new Map<number, GradedScore>(scores.filter((x) => x.student_id === s.id).map((x) => [x.assignment_id, x]));
      const grade = computeGrade(periodGradeInput({ method: section.grading_method, categories: cats, scale }, { from: s.begin_date, until: s.end_date }, period.id, assignments, scoreOf));
      const g = grades.find((x) => x.student_id === s.id && x.posted_at !== null);
      return {
        studentId: s.id,
        studentNumber: s.student_number,
        firstName: s.preferred_first_name ?? s.legal_first_name,
        lastName: s.preferred_last_name ?? s.legal_last_name,
        proposed: { percent: grade.percent, letter: grade.letter },
        posted: g
          ? { id: g.id, percent: g.percent, letter: g.letter, comment: g.comment, postedAt: new Date(g.posted_at as string).toISOString(), version: g.version, codes: chosen.filter((c) => c.term_grade_id === g.id).map((c) => c.comment_id) }
          : null,
      };
    })
    .sort((a, b) => a.lastName.localeCompare(b.lastName, 'en') || a.firstName.localeCompare(b.firstName, 'en') || a.studentId - b.studentId);
  const inUse = new Set(rows.flatMap((r) => r.posted?.codes ?? []));
  const opensOn = postingOpensOn(period);
  return {
    section: { id: section.id, code: section.code, courseTitle: section.courseTitle, schoolId: section.schoolId },
    period,
    periods,
    rows,
    scale,
    codes: codes.filter((c) => c.active || inUse.has(c.id)),
    opensOn,
    open: today >= opensOn,
  };
}

/** What the teacher chose for one student: a letter (null: leave unposted), codes, a comment. */
export interface PostingEntry {
  letter: string | null;
  codes: number[];
  comment: string | null;
}

export type EntryProblem = 'unknownLetter' | 'cannotWithdraw' | 'unknownCode' | 'tooManyCodes' | 'sameCodeTwice' | 'tooLong' | 'badCharacters';

export type PostResult =
  | { kind: 'posted'; changed: number }
  | { kind: 'notFound' }
  /** the period's last week has not come */
  | { kind: 'notYet'; sheet: PostingSheet }
  /** something changed since the form was opened: nothing was written */
  | { kind: 'stale'; sheet: PostingSheet }
  | { kind: 'invalid'; problems: Map<number, { field: 'letter' | 'codes' | 'comment'; problem: EntryProblem }[]> };

export interface PostInput {
  sectionId: number;
  periodId: number;
  entries: Map<number, PostingEntry>;
  /** the students the form listed, each with the proposed percent it showed and its posted grade's version ('' for none) */
  listed: { studentId: number; shownPercent: string; version: string }[];
  actorAccountId: number | null;
  ip: string | null;
}

class Collided extends Error {}

/** Posts a section's grades for a grading period: everything in one transaction, or nothing. */
export async function postGrades(db: Kysely<DB>, scope: TeacherScope, input: PostInput, today: DateString, now: Date): Promise<PostResult> {
  try {
    return await db.transaction().execute((trx) => post(trx, scope, input, today, now));
  } catch (error) {
    if (!(error instanceof Collided)) throw error;
    const sheet = await postingSheet(db, scope, input.sectionId, input.periodId, today);
    return sheet ? { kind: 'stale', sheet } : { kind: 'notFound' };
  }
}

const shown = (percent: number | null) => (percent === null ? '' : String(percent));

/** The problems of one entry against the sheet (none: an empty list). */
function problemsOf(entry: PostingEntry, row: PostingRow, sheet: PostingSheet): { field: 'letter' | 'codes' | 'comment'; problem: EntryProblem }[] {
  const problems: { field: 'letter' | 'codes' | 'comment'; problem: EntryProblem }[] = [];
  if (entry.letter === null && row.posted) problems.push({ field: 'letter', problem: 'cannotWithdraw' });
  else if (entry.letter !== null && !sheet.scale.some((b) => b.letter === entry.letter)) problems.push({ field: 'letter', problem: 'unknownLetter' });
  const allowed = new Set(sheet.codes.filter((c) => c.active || row.posted?.codes.includes(c.id)).map((c) => c.id));
  if (new Set(entry.codes).size !== entry.codes.length) problems.push({ field: 'codes', problem: 'sameCodeTwice' });
  else if (entry.codes.length > MAX_CODES) problems.push({ field: 'codes', problem: 'tooManyCodes' });
  else if (entry.codes.some((c) => !allowed.has(c))) problems.push({ field: 'codes', problem: 'unknownCode' });
  if (entry.comment !== null && entry.comment.length > MAX_COMMENT) problems.push({ field: 'comment', problem: 'tooLong' });
  else if (entry.comment !== null && hasForbiddenCharacters(entry.comment, { lineBreaks: true })) problems.push({ field: 'comment', problem: 'badCharacters' });
  return problems;
}

/** What a family sees of a posted grade: for the change event and the audit row. */
function visible(sheet: PostingSheet, g: { percent: number | null; letter: string | null; codes: number[]; comment: string | null }) {
  const codeOf = new Map(sheet.codes.map((c) => [c.id, c.code]));
  return { periodId: sheet.period.id, percent: g.percent, letter: g.letter, codes: g.codes.map((id) => codeOf.get(id) ?? String(id)), comment: g.comment };
}

async function post(trx: Kysely<DB>, scope: TeacherScope, input: PostInput, today: DateString, now: Date): Promise<PostResult> {
  const sheet = await postingSheet(trx, scope, input.sectionId, input.periodId, today);
  if (!sheet) return { kind: 'notFound' };
  if (!sheet.open) return { kind: 'notYet', sheet };
  // The form must list exactly the roster as it is, each with the grade it showed.
  const listed = new Map(input.listed.map((l) => [l.studentId, l]));
  if (listed.size !== input.listed.length || listed.size !== sheet.rows.length) return { kind: 'stale', sheet };
  for (const row of sheet.rows) {
    const l = listed.get(row.studentId);
    if (!l || l.shownPercent !== shown(row.proposed.percent) || l.version !== (row.posted ? String(row.posted.version) : '')) return { kind: 'stale', sheet };
  }
  const problems = new Map<number, { field: 'letter' | 'codes' | 'comment'; problem: EntryProblem }[]>();
  for (const row of sheet.rows) {
    const entry = input.entries.get(row.studentId);
    if (!entry) {
      problems.set(row.studentId, [{ field: 'letter', problem: 'unknownLetter' }]);
      continue;
    }
    const found = problemsOf(entry, row, sheet);
    if (found.length > 0) problems.set(row.studentId, found);
  }
  if (problems.size > 0) return { kind: 'invalid', problems };

  const t = now.toISOString();
  const changes: Change[] = [];
  for (const row of sheet.rows) {
    const entry = input.entries.get(row.studentId)!;
    if (entry.letter === null) continue;
    const next = { percent: row.proposed.percent, letter: entry.letter, codes: entry.codes, comment: entry.comment };
    const before = row.posted;
    if (
      before &&
      before.percent === next.percent &&
      before.letter === next.letter &&
      before.comment === next.comment &&
      before.codes.join(',') === next.codes.join(',')
    ) {
      continue;
    }
    let gradeId: number;
    if (before) {
      const old = await trx.selectFrom('term_grades').select(['updated_by']).where('id', '=', before.id).executeTakeFirstOrThrow();
      await trx
        .insertInto('term_grade_history')
        .values({
          term_grade_id: before.id,
          percent: before.percent,
          letter: before.letter,
          codes: JSON.stringify(visible(sheet, before).codes),
          comment: before.comment,
          posted_at: before.postedAt,
          posted_by: old.updated_by,
          replaced_at: t,
          replaced_by: input.actorAccountId,
        })
        .execute();
      const updated = await trx
        .updateTable('term_grades')
        .set({ percent: next.percent, letter: next.letter, comment: next.comment, posted_at: t, updated_at: t, updated_by: input.actorAccountId, version: before.version + 1 })
        .where('id', '=', before.id)
        .where('version', '=', before.version)
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) !== 1) throw new Collided();
      gradeId = before.id;
    } else {
      // An in-progress row (posted_at null) may be there already: it becomes the posted grade.
      const draft = await trx
        .updateTable('term_grades')
        .set({ percent: next.percent, letter: next.letter, comment: next.comment, posted_at: t, updated_at: t, updated_by: input.actorAccountId, version: 1 })
        .where('section_id', '=', input.sectionId)
        .where('student_id', '=', row.studentId)
        .where('academic_session_id', '=', input.periodId)
        .where('posted_at', 'is', null)
        .returning('id')
        .executeTakeFirst();
      if (draft) gradeId = draft.id;
      else {
        const made = await trx
          .insertInto('term_grades')
          .values({
            section_id: input.sectionId,
            student_id: row.studentId,
            academic_session_id: input.periodId,
            percent: next.percent,
            letter: next.letter,
            comment: next.comment,
            posted_at: t,
            version: 1,
            created_at: t,
            updated_at: t,
            updated_by: input.actorAccountId,
          })
          .onConflict((oc) => oc.columns(['section_id', 'student_id', 'academic_session_id']).doNothing())
          .returning('id')
          .executeTakeFirst();
        // A co-teacher posted this student in between: the whole posting is undone.
        if (!made) throw new Collided();
        gradeId = made.id;
      }
    }
    await trx.deleteFrom('term_grade_comments').where('term_grade_id', '=', gradeId).execute();
    if (next.codes.length > 0) {
      await trx
        .insertInto('term_grade_comments')
        .values(next.codes.map((comment_id, i) => ({ term_grade_id: gradeId, comment_id, sequence: i + 1 })))
        .execute();
    }
    changes.push({
      kind: 'term_grade',
      action: before ? 'updated' : 'created',
      subjectId: gradeId,
      studentId: row.studentId,
      sectionId: input.sectionId,
      schoolId: sheet.section.schoolId,
      before: before ? visible(sheet, before) : null,
      after: visible(sheet, next),
      actorAccountId: input.actorAccountId,
    });
  }
  if (changes.length === 0) return { kind: 'posted', changed: 0 };
  await recordChanges(trx, changes, now);
  await audit(
    trx,
    {
      action: 'grades.posted',
      actorAccountId: input.actorAccountId,
      subjectType: 'section',
      subjectId: input.sectionId,
      ip: input.ip,
      details: { periodId: input.periodId, changes: changes.map((c) => ({ student: c.studentId, before: c.before ?? null, after: c.after })) },
    },
    now,
  );
  return { kind: 'posted', changed: changes.length };
}

export interface HistoryEntry {
  percent: number | null;
  letter: string | null;
  codes: string[];
  comment: string | null;
  postedAt: string;
  postedBy: string | null;
  /** null: the grade as posted now */
  replacedAt: string | null;
}

export interface GradeHistory {
  sheet: PostingSheet;
  row: PostingRow;
  /** newest first: the current grade, then each earlier version */
  versions: HistoryEntry[];
}

/** The posted grade of one student of the teacher's section with every earlier version; null when none or not theirs. */
export async function gradeHistory(db: Kysely<DB>, scope: TeacherScope, sectionId: number, periodId: number, studentId: number, today: DateString): Promise<GradeHistory | null> {
  const sheet = await postingSheet(db, scope, sectionId, periodId, today);
  const row = sheet?.rows.find((r) => r.studentId === studentId);
  if (!sheet || !row?.posted) return null;
  const posted = row.posted;
  const who = (first: string | null, last: string | null) => (first === null ? null : `${first} ${last ?? ''}`.trim());
  const [current, earlier] = await Promise.all([
    db
      .selectFrom('term_grades as g')
      .leftJoin('user_accounts as u', 'u.id', 'g.updated_by')
      .leftJoin('staff as s', 's.id', 'u.staff_id')
      .select(['s.first_name', 's.last_name'])
      .where('g.id', '=', posted.id)
      .executeTakeFirst(),
    db
      .selectFrom('term_grade_history as h')
      .leftJoin('user_accounts as u', 'u.id', 'h.posted_by')
      .leftJoin('staff as s', 's.id', 'u.staff_id')
      .select(['h.percent', 'h.letter', 'h.codes', 'h.comment', 'h.posted_at', 'h.replaced_at', 's.first_name', 's.last_name'])
      .where('h.term_grade_id', '=', posted.id)
      .orderBy('h.replaced_at', 'desc')
      .orderBy('h.id', 'desc')
      .execute(),
  ]);
  const codeOf = new Map(sheet.codes.map((c) => [c.id, c.code]));
  return {
    sheet,
    row,
    versions: [
      {
        percent: posted.percent,
        letter: posted.letter,
        codes: posted.codes.map((id) => codeOf.get(id) ?? String(id)),
        comment: posted.comment,
        postedAt: posted.postedAt,
        postedBy: who(current?.first_name ?? null, current?.last_name ?? null),
        replacedAt: null,
      },
      ...earlier.map((h) => ({
        percent: h.percent,
        letter: h.letter,
        codes: JSON.parse(h.codes) as string[],
        comment: h.comment,
        postedAt: new Date(h.posted_at).toISOString(),
        postedBy: who(h.first_name, h.last_name),
        replacedAt: new Date(h.replaced_at).toISOString(),
      })),
    ],
  };
}
