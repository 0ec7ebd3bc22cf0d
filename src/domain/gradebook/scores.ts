/**
 * The teacher's score grid (issue 19): a section's students down, one grading period's assignments
 * across, each student's current grade computed by the portal's own function (grade.ts, input built by
 * grades.ts), and the saves of a grid, a column (one assignment) or a row (one student). This module is
 * the only writer of `assignment_scores`: each change is recorded as a change event (kind 'score') and
 * in the audit log, in the same transaction as the scores.
 *
 * Concurrency (ADR 0020): the form carries, for each cell, the version it read (0: no score yet) and
 * the students it listed. A save writes only the cells the teacher changed; if any of them was saved by
 * someone else since (its version moved), or the roster changed, nothing of the submission is written
 * and the cells are named. On PostgreSQL two saves may run at once: each write is conditional on the
 * version it read (an insert on the (assignment, student) key), so the second one finds nothing to
 * write and the whole transaction is undone.
 */
import { PostgresAdapter, sql, type Kysely } from 'kysely';
import type { DateString, DB, GradingMethod, Instant } from '../../db/schema.js';
import { teachesSection, type TeacherScope } from '../access/staff.js';
import { audit } from '../audit/service.js';
import { recordChanges, type Change } from '../changes/service.js';
import { currentOf, termsAround, type Term } from '../scheduling/schedule.js';
import { computeGrade, type CategoryInput, type GradeResult } from './grade.js';
import { bandsOfScale, countsDuring, scoreInput, type GradedScore } from './grades.js';

export interface GradebookSection {
  sectionId: number;
  schoolId: number;
  courseTitle: string;
  sectionCode: string;
  method: GradingMethod;
  scaleId: number | null;
}

export interface CategoryRow extends CategoryInput {
  sequence: number;
  /** assignments in it (any grading period): a category with assignments cannot be removed */
  assignments: number;
}

export interface GridAssignment {
  id: number;
  title: string;
  categoryId: number;
  category: string;
  assigned: DateString;
  due: DateString;
  pointsPossible: number;
  published: boolean;
  description: string | null;
}

/** What a teacher enters in a cell. */
export interface CellValue {
  points: number | null;
  missing: boolean;
  late: boolean;
  exempt: boolean;
  incomplete: boolean;
  dropped: boolean;
  comment: string | null;
}

export interface Cell extends CellValue {
  /** raised by every save; 0: no score yet */
  version: number;
}

export const EMPTY_CELL: Cell = { points: null, missing: false, late: false, exempt: false, incomplete: false, dropped: false, comment: null, version: 0 };
export const FLAGS = ['missing', 'late', 'exempt', 'incomplete', 'dropped'] as const;

export interface GridRow {
  studentId: number;
  studentNumber: string;
  firstName: string;
  lastName: string;
  enrolledFrom: DateString;
  enrolledUntil: DateString | null;
  /** by assignment id; an assignment due outside the student's enrollment has no cell */
  cells: Map<number, Cell>;
  /** the grade families see (published assignments), as the portal computes it */
  grade: GradeResult;
}

/** A section's gradebook before its cells: the section, its grading periods and the one shown. */
export interface GradebookHead {
  section: GradebookSection;
  /** the section's grading periods, and the one shown */
  periods: Term[];
  period: Term;
}

export interface Gradebook extends GradebookHead {
  categories: CategoryRow[];
  assignments: GridAssignment[];
  rows: GridRow[];
}

export const cellKey = (studentId: number, assignmentId: number) => `${studentId}_${assignmentId}`;

/** The section when the teacher teaches it (a co-teacher as much as the primary teacher); else null. */
export async function sectionFor(db: Kysely<DB>, scope: TeacherScope, sectionId: number): Promise<GradebookSection | null> {
  if (!teachesSection(scope, sectionId)) return null;
  const row = await db
    .selectFrom('sections as s')
    .innerJoin('courses as c', 'c.id', 's.course_id')
    .select(['s.id', 's.school_id', 'c.title', 's.section_code', 's.grading_method', 's.grading_scale_id'])
    .where('s.id', '=', sectionId)
    .executeTakeFirst();
  return row ? { sectionId: row.id, schoolId: row.school_id, courseTitle: row.title, sectionCode: row.section_code, method: row.grading_method, scaleId: row.grading_scale_id } : null;
}

/**
 * The section (as sectionFor reads it) with its grading periods (those of the terms it meets in), in
 * order: one statement, a row per term it meets in, the year's periods from the terms' short cache.
 */
async function sectionAndPeriods(db: Kysely<DB>, scope: TeacherScope, sectionId: number, today: DateString): Promise<{ section: GradebookSection; periods: Term[] } | null> {
  if (!teachesSection(scope, sectionId)) return null;
  const [rows, { periods }] = await Promise.all([
    db
      .selectFrom('sections as s')
      .innerJoin('courses as c', 'c.id', 's.course_id')
      .leftJoin('section_terms as st', 'st.section_id', 's.id')
      .select(['s.id', 's.school_id', 'c.title', 's.section_code', 's.grading_method', 's.grading_scale_id', 'st.academic_session_id'])
      .where('s.id', '=', sectionId)
      .execute(),
    termsAround(db, today),
  ]);
  const row = rows[0];
  if (!row) return null;
  const mine = new Set(rows.map((t) => t.academic_session_id));
  return {
    section: { sectionId: row.id, schoolId: row.school_id, courseTitle: row.title, sectionCode: row.section_code, method: row.grading_method, scaleId: row.grading_scale_id },
    periods: periods.filter((p) => p.termId !== null && mine.has(p.termId)).map(({ id, title, start, end }) => ({ id, title, start, end })),
  };
}

/** A section's categories with the number of assignments in each, in one query. */
export async function categoriesOfSection(db: Kysely<DB>, sectionId: number): Promise<CategoryRow[]> {
  const rows = await db
    .selectFrom('grading_categories as g')
    .select(['g.id', 'g.name', 'g.weight', 'g.drop_lowest', 'g.sequence'])
    // Counted among the section's own assignments (assignments_section_due): before migration 0055 gave
    // category_id an index, counting by it alone read all 700,000 of a 100,000-student district for each
    // category (60 ms each on PostgreSQL); the section keeps it a short read whichever index is chosen.
    .select((eb) =>
      eb.selectFrom('assignments as a').select(eb.fn.countAll<number>().as('n')).where('a.section_id', '=', sectionId).whereRef('a.category_id', '=', 'g.id').as('n'),
    )
    .where('g.section_id', '=', sectionId)
    .orderBy('g.sequence')
    .orderBy('g.id')
    .execute();
  return rows.map((r) => ({ id: r.id, name: r.name, weight: r.weight, dropLowest: r.drop_lowest, sequence: r.sequence, assignments: Number(r.n ?? 0) }));
}

/** Students enrolled in the section at any time in the period, by last name. */
async function rosterOf(db: Kysely<DB>, sectionId: number, period: Term) {
  const rows = await db
    .selectFrom('section_enrollments as e')
    .innerJoin('students as st', 'st.id', 'e.student_id')
    .select(['st.id', 'st.student_number', 'st.legal_first_name', 'st.preferred_first_name', 'st.legal_last_name', 'st.preferred_last_name', 'e.begin_date', 'e.end_date'])
    .where('e.section_id', '=', sectionId)
    .where('e.begin_date', '<=', period.end)
    .where((eb) => eb.or([eb('e.end_date', 'is', null), eb('e.end_date', '>=', period.start)]))
    .execute();
  // A student enrolled twice in the period (left and came back) is one row, from the first to the last day.
  const byStudent = new Map<number, (typeof rows)[number]>();
  for (const r of rows) {
    const seen = byStudent.get(r.id);
    if (!seen) byStudent.set(r.id, r);
    else
      byStudent.set(r.id, {
        ...seen,
        begin_date: r.begin_date < seen.begin_date ? r.begin_date : seen.begin_date,
        end_date: seen.end_date === null || r.end_date === null ? null : r.end_date > seen.end_date ? r.end_date : seen.end_date,
      });
  }
  return [...byStudent.values()]
    .map((s) => ({
      studentId: s.id,
      studentNumber: s.student_number,
      firstName: s.preferred_first_name ?? s.legal_first_name,
      lastName: s.preferred_last_name ?? s.legal_last_name,
      enrolledFrom: s.begin_date,
      enrolledUntil: s.end_date,
    }))
    .sort((a, b) => a.lastName.localeCompare(b.lastName, 'en') || a.firstName.localeCompare(b.firstName, 'en') || a.studentId - b.studentId);
}

/**
 * The section and its grading periods when the teacher teaches it, with the period asked for (default:
 * the one today falls in, else the last begun, else the first, for a section that has not started).
 * Null when the section is not theirs or the period not the section's. What a save needs before it
 * reads the cells it writes.
 */
export async function gradebookHead(db: Kysely<DB>, scope: TeacherScope, sectionId: number, periodId: number | null, today: DateString): Promise<GradebookHead | null> {
  const read = await sectionAndPeriods(db, scope, sectionId, today);
  if (!read) return null;
  const { section, periods } = read;
  const period = periodId === null ? (currentOf(periods, today) ?? periods[0]) : periods.find((p) => p.id === periodId);
  return period ? { section, periods, period } : null;
}

/** A stored score as the grid and the grade read it (flags 0/1, as stored). */
interface StoredScore extends GradedScore {
  comment: string | null;
  version: number;
}

/**
 * The scores of these assignments, by student then assignment. One row per student, their scores as
 * one JSON array of `[assignment, points, flags, comment, version]` (flags: missing 1, late 2, exempt 4,
 * incomplete 8, dropped 16), instead of a row per score: a 35 × 60 grid's 2,100 rows of ten typed
 * columns cost the PostgreSQL driver about 4 ms of the web process's CPU to parse, where 35 JSON texts
 * parse in under 2 (ADR 0059); on SQLite the same, in its own CPU. Both engines write a real in JSON as
 * the shortest decimal that reads back as the same double (tested), so points are exact.
 */
async function scoresByStudent(db: Kysely<DB>, assignmentIds: number[]): Promise<Map<number, Map<number, StoredScore>>> {
  const byStudent = new Map<number, Map<number, StoredScore>>();
  if (assignmentIds.length === 0) return byStudent;
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  const cell = sql`${sql.ref('assignment_id')}, ${sql.ref('points')}, ${sql.ref('missing')} + 2 * ${sql.ref('late')} + 4 * ${sql.ref('exempt')} + 8 * ${sql.ref('incomplete')} + 16 * ${sql.ref('dropped')}, ${sql.ref('comment')}, ${sql.ref('version')}`;
  const rows = await db
    .selectFrom('assignment_scores')
    .select(['student_id', (postgres ? sql<unknown>`json_agg(json_build_array(${cell}))` : sql<unknown>`json_group_array(json_array(${cell}))`).as('scores')])
    .where('assignment_id', 'in', assignmentIds)
    .groupBy('student_id')
    .execute();
  for (const row of rows) {
    // PostgreSQL's json is parsed by the driver; SQLite's is text.
    const cells = (typeof row.scores === 'string' ? JSON.parse(row.scores) : row.scores) as [number, number | null, number, string | null, number][];
    const mine = new Map<number, StoredScore>();
    for (const [assignmentId, points, flags, comment, version] of cells) {
      mine.set(assignmentId, { points, missing: flags & 1, late: (flags >> 1) & 1, exempt: (flags >> 2) & 1, incomplete: (flags >> 3) & 1, dropped: (flags >> 4) & 1, comment, version });
    }
    byStudent.set(row.student_id, mine);
  }
  return byStudent;
}

/** What of a gradebook to read (gradebookFor): everything unless told otherwise. */
export interface Reading {
  /** only these assignments' columns (a save reads the cells it writes, not the whole grid) */
  only?: ReadonlySet<number>;
  /** false: without the categories' weights and the grading scale, so without grades (a save shows none) */
  grades?: boolean;
  /** the section and period as this request has read them already (gradebookHead): not read again */
  head?: GradebookHead | undefined;
}

/**
 * The gradebook of a section the teacher teaches, for a grading period (gradebookHead). Null when the
 * section is not theirs or the period not the section's.
 */
export async function gradebookFor(db: Kysely<DB>, scope: TeacherScope, sectionId: number, periodId: number | null, today: DateString, reading: Reading = {}): Promise<Gradebook | null> {
  const known = reading.head;
  const head =
    known && teachesSection(scope, sectionId) && known.section.sectionId === sectionId && (periodId === null || known.period.id === periodId)
      ? known
      : await gradebookHead(db, scope, sectionId, periodId, today);
  if (!head) return null;
  const { section, period } = head;
  const { only } = reading;
  const grades = reading.grades !== false;
  const [categories, assignmentRows, roster, scale] = await Promise.all([
    grades ? categoriesOfSection(db, sectionId) : ([] as CategoryRow[]),
    db
      .selectFrom('assignments')
      .select(['id', 'title', 'category_id', 'assigned_date', 'due_date', 'points_possible', 'published', 'description'])
      .where('section_id', '=', sectionId)
      .where('grading_period_id', '=', period.id)
      .$if(only !== undefined, (q) => q.where('id', 'in', only!.size === 0 ? [0] : [...only!]))
      .orderBy('due_date')
      .orderBy('id')
      .execute(),
    rosterOf(db, sectionId, period),
    grades ? bandsOfScale(db, section.scaleId) : [],
  ]);
  const scoresOf = await scoresByStudent(db, assignmentRows.map((a) => a.id));
  const categoryName = new Map(categories.map((c) => [c.id, c.name]));
  const gradeCategories: CategoryInput[] = categories.map(({ id, name, weight, dropLowest }) => ({ id, name, weight, dropLowest }));
  const rows: GridRow[] = roster.map((student) => {
    const cells = new Map<number, Cell>();
    const mine = assignmentRows.filter((a) => countsDuring(a.due_date, student.enrolledFrom, student.enrolledUntil));
    const scoreOf = scoresOf.get(student.studentId);
    for (const a of mine) {
      const s = scoreOf?.get(a.id);
      cells.set(
        a.id,
        s
          ? { points: s.points, missing: s.missing === 1, late: s.late === 1, exempt: s.exempt === 1, incomplete: s.incomplete === 1, dropped: s.dropped === 1, comment: s.comment, version: s.version }
          : EMPTY_CELL,
      );
    }
    // Computed when first read: a save reads the gradebook for its cells' versions, not its grades.
    let grade: GradeResult | undefined;
    return {
      ...student,
      cells,
      get grade(): GradeResult {
        if (!grades) throw new Error('the gradebook was read without its grades');
        grade ??= computeGrade({
          method: section.method,
          categories: gradeCategories,
          scores: mine.filter((a) => a.published === 1).map((a) => scoreInput(a, scoreOf?.get(a.id))),
          scale,
        });
        return grade;
      },
    };
  });
  return {
    ...head,
    categories,
    rows,
    assignments: assignmentRows.map((a) => ({
      id: a.id,
      title: a.title,
      categoryId: a.category_id,
      category: categoryName.get(a.category_id) ?? '',
      assigned: a.assigned_date,
      due: a.due_date,
      pointsPossible: a.points_possible,
      published: a.published === 1,
      description: a.description,
    })),
  };
}

// ── saving ──────────────────────────────────────────────────────────────────────────────────────────

/** A changed cell: what the teacher set (only the fields the form shows) and the version it read. */
export interface CellEdit {
  studentId: number;
  assignmentId: number;
  version: number;
  set: Partial<CellValue>;
}

export type CellProblem = 'negative' | 'aboveMax' | 'notNumber' | 'badComment' | 'noCell';

export type SaveResult =
  | { kind: 'saved'; changed: number }
  | { kind: 'notFound' }
  /** bad values: nothing was saved */
  | { kind: 'invalid'; cells: Map<string, CellProblem> }
  /** cells someone else saved since the form was read, or a roster that changed: nothing was saved */
  | { kind: 'stale'; cells: string[]; roster: boolean; gradebook: Gradebook };

export interface SaveInput {
  sectionId: number;
  periodId: number;
  /** the students the form listed */
  listed: number[];
  edits: CellEdit[];
  /** the district's largest score, as a multiple of points possible */
  maxMultiple: number;
  actorAccountId: number | null;
  ip: string | null;
  /** the section and period as the caller read them (gradebookHead), so the transaction reads only cells */
  head?: GradebookHead;
}

/**
 * Whether the district's gradebook comes from its SIS (the setting `gradebookSource`, ADR 0027): the
 * OneRoster import then writes the scores, and Homeroom shows them and refuses every change to them.
 */
export function gradebookFromSis(settings: { gradebookSource: 'homeroom' | 'sis' }): boolean {
  return settings.gradebookSource === 'sis';
}

/** Points above this are refused on a 0-point (extra-credit) assignment, which has no multiple to go by. */
export const EXTRA_CREDIT_MAX = 1000;

/** The largest score allowed on an assignment worth `possible` points. */
export function largestScore(possible: number, maxMultiple: number): number {
  return possible > 0 ? possible * maxMultiple : EXTRA_CREDIT_MAX;
}

class Collided extends Error {}

/**
 * Saves changed cells of one section and grading period (a grid, a column or a row) in one transaction,
 * with their change events and one audit row; or nothing (see the module comment).
 */
export async function saveScores(db: Kysely<DB>, scope: TeacherScope, input: SaveInput, today: DateString, now: Date): Promise<SaveResult> {
  try {
    const result = await db.transaction().execute((trx) => writeScores(trx, scope, input, today, now));
    if (result.kind !== 'stale') return result;
    // The save read only the cells it writes; the page shown again is the whole gradebook.
    const gradebook = await gradebookFor(db, scope, input.sectionId, input.periodId, today);
    return gradebook ? { ...result, gradebook } : { kind: 'notFound' };
  } catch (error) {
    if (!(error instanceof Collided)) throw error;
    const gradebook = await gradebookFor(db, scope, input.sectionId, input.periodId, today);
    if (!gradebook) return { kind: 'notFound' };
    const stale = input.edits.filter((e) => (gradebook.rows.find((r) => r.studentId === e.studentId)?.cells.get(e.assignmentId)?.version ?? -1) !== e.version);
    return { kind: 'stale', cells: stale.map((e) => cellKey(e.studentId, e.assignmentId)), roster: false, gradebook };
  }
}

async function writeScores(trx: Kysely<DB>, scope: TeacherScope, input: SaveInput, today: DateString, now: Date): Promise<SaveResult> {
  // The cells it writes, without categories or grades: nothing here shows a grade.
  const book = await gradebookFor(trx, scope, input.sectionId, input.periodId, today, { only: new Set(input.edits.map((e) => e.assignmentId)), grades: false, head: input.head });
  if (!book) return { kind: 'notFound' };
  const problems = new Map<string, CellProblem>();
  const possibleOf = new Map(book.assignments.map((a) => [a.id, a.pointsPossible]));
  const rowOf = new Map(book.rows.map((r) => [r.studentId, r]));
  for (const e of input.edits) {
    const key = cellKey(e.studentId, e.assignmentId);
    const possible = possibleOf.get(e.assignmentId);
    const row = rowOf.get(e.studentId);
    if (!row && possible !== undefined && input.listed.includes(e.studentId)) continue; // a student who left: the roster check below
    if (possible === undefined || !row?.cells.has(e.assignmentId)) {
      problems.set(key, 'noCell');
      continue;
    }
    const p = e.set.points;
    if (p !== undefined && p !== null) {
      if (!Number.isFinite(p)) problems.set(key, 'notNumber');
      else if (p < 0) problems.set(key, 'negative');
      else if (p > largestScore(possible, input.maxMultiple)) problems.set(key, 'aboveMax');
    }
    const c = e.set.comment;
    if (c !== undefined && c !== null && c.length > 500) problems.set(key, 'badComment');
  }
  const current = book.rows.map((r) => r.studentId).sort((a, b) => a - b);
  const listed = [...new Set(input.listed)].sort((a, b) => a - b);
  const rosterChanged = current.join(',') !== listed.join(',');
  const stale = input.edits.filter((e) => {
    const cell = rowOf.get(e.studentId)?.cells.get(e.assignmentId);
    return cell !== undefined && cell.version !== e.version;
  });
  if (rosterChanged || stale.length > 0) return { kind: 'stale', cells: stale.map((e) => cellKey(e.studentId, e.assignmentId)), roster: rosterChanged, gradebook: book };
  if (problems.size > 0) return { kind: 'invalid', cells: problems };

  const t = now.toISOString();
  const titleOf = new Map(book.assignments.map((a) => [a.id, a]));
  const changes: Change[] = [];
  const details: { student: number; assignment: number; before: CellValue | null; after: CellValue | null }[] = [];
  const kept: { e: CellEdit; before: Cell; after: CellValue }[] = [];
  // New scores and cleared ones, in the order edited (their change events keep it), with their row ids once written.
  const written: { e: CellEdit; before: Cell; after: CellValue; action: 'created' | 'deleted'; id?: number }[] = [];
  const done = (e: CellEdit, before: Cell, after: CellValue, subjectId: number, action: Change['action']) => {
    const empty = action === 'deleted';
    changes.push(scoreChange(book, titleOf.get(e.assignmentId)!, e.studentId, subjectId, action, before.version === 0 ? null : valueOf(before), empty ? null : after, input.actorAccountId));
    details.push({ student: e.studentId, assignment: e.assignmentId, before: before.version === 0 ? null : valueOf(before), after: empty ? null : after });
  };
  for (const e of input.edits) {
    const before = rowOf.get(e.studentId)!.cells.get(e.assignmentId)!;
    const after: CellValue = { ...valueOf(before), ...e.set };
    if (sameValue(valueOf(before), after)) continue;
    const empty = isEmpty(after);
    if (before.version === 0) {
      if (!empty) written.push({ e, before, after, action: 'created' });
    } else if (empty) {
      // Cleared: the score goes, as if never entered.
      const gone = await trx.deleteFrom('assignment_scores').where('assignment_id', '=', e.assignmentId).where('student_id', '=', e.studentId).where('version', '=', before.version).returning('id').executeTakeFirst();
      if (!gone) throw new Collided();
      written.push({ e, before, after, action: 'deleted', id: gone.id });
    } else kept.push({ e, before, after });
  }
  // New scores (a new assignment's column is 35 of them): one INSERT for them all. A cell someone else
  // scored since the form was read is there already: the insert skips it, and the save is undone.
  const created = written.filter((w) => w.action === 'created');
  for (let i = 0; i < created.length; i += INSERT_BATCH) {
    const batch = created.slice(i, i + INSERT_BATCH);
    const made = await trx
      .insertInto('assignment_scores')
      .values(batch.map(({ e, after }) => ({ assignment_id: e.assignmentId, student_id: e.studentId, ...columnsOf(after), version: 1, created_at: t, updated_at: t, updated_by: input.actorAccountId })))
      .onConflict((oc) => oc.columns(['assignment_id', 'student_id']).doNothing())
      .returning(['id', 'assignment_id', 'student_id'])
      .execute();
    if (made.length !== batch.length) throw new Collided();
    const idOf = new Map(made.map((m) => [cellKey(Number(m.student_id), Number(m.assignment_id)), Number(m.id)]));
    for (const w of batch) w.id = idOf.get(cellKey(w.e.studentId, w.e.assignmentId))!;
  }
  for (const w of written) done(w.e, w.before, w.after, w.id!, w.action);
  // Changed scores (a column typed anew is 35 of them): one conditional UPDATE for them all, each row
  // only at the version the form read — one round trip to PostgreSQL instead of one a cell.
  for (let i = 0; i < kept.length; i += UPDATE_BATCH) {
    const batch = kept.slice(i, i + UPDATE_BATCH);
    const updated = await updateScores(trx, batch, t, input.actorAccountId);
    if (updated.size !== batch.length) throw new Collided();
    for (const { e, before, after } of batch) done(e, before, after, updated.get(cellKey(e.studentId, e.assignmentId))!, 'updated');
  }
  await recordChanges(trx, changes, now);
  if (details.length > 0) {
    await audit(trx, { action: 'gradebook.scores', actorAccountId: input.actorAccountId, subjectType: 'section', subjectId: input.sectionId, ip: input.ip, details: { period: input.periodId, changes: details } }, now);
  }
  return { kind: 'saved', changed: changes.length };
}

/** Cells in one UPDATE: 10 values each, well under either engine's limit on bound values. */
const UPDATE_BATCH = 100;
/** Cells in one INSERT: 13 values each. */
const INSERT_BATCH = 100;

/**
 * Writes changed scores in one statement (`UPDATE … FROM (VALUES …)`, which both engines have), each
 * only where its version is still the one read; the rows written, by cell key, with their ids.
 */
async function updateScores(trx: Kysely<DB>, cells: readonly { e: CellEdit; after: CellValue }[], at: Instant, actor: number | null): Promise<Map<string, number>> {
  // The values' columns are column1 … column10 on both engines (SQLite cannot name them): assignment,
  // student, version read, points, the five flags, comment.
  const rows = cells.map(({ e, after }) => {
    const c = columnsOf(after);
    // Each value cast: PostgreSQL takes a parameter in VALUES for text otherwise.
    const int = (n: number) => sql`cast(${n} as integer)`;
    return sql`(${int(e.assignmentId)}, ${int(e.studentId)}, ${int(e.version)}, cast(${c.points} as double precision), ${int(c.missing)}, ${int(c.late)}, ${int(c.exempt)}, ${int(c.incomplete)}, ${int(c.dropped)}, cast(${c.comment} as text))`;
  });
  const result = await sql<{ id: number; assignment_id: number; student_id: number }>`
    update assignment_scores set
      points = v.column4, missing = v.column5, late = v.column6, exempt = v.column7, incomplete = v.column8,
      dropped = v.column9, comment = v.column10, version = assignment_scores.version + 1,
      updated_at = ${at}, updated_by = ${actor}
    from (values ${sql.join(rows)}) as v
    where assignment_scores.assignment_id = v.column1 and assignment_scores.student_id = v.column2
      and assignment_scores.version = v.column3
    returning assignment_scores.id, assignment_scores.assignment_id, assignment_scores.student_id`.execute(trx);
  return new Map(result.rows.map((r) => [cellKey(Number(r.student_id), Number(r.assignment_id)), Number(r.id)]));
}

function valueOf(c: CellValue): CellValue {
  return { points: c.points, missing: c.missing, late: c.late, exempt: c.exempt, incomplete: c.incomplete, dropped: c.dropped, comment: c.comment };
}

function sameValue(a: CellValue, b: CellValue): boolean {
  return a.points === b.points && a.comment === b.comment && FLAGS.every((f) => a[f] === b[f]);
}

function isEmpty(c: CellValue): boolean {
  return c.points === null && c.comment === null && FLAGS.every((f) => !c[f]);
}

function columnsOf(c: CellValue) {
  const flag = (b: boolean) => (b ? 1 : 0) as 0 | 1;
  return { points: c.points, missing: flag(c.missing), late: flag(c.late), exempt: flag(c.exempt), incomplete: flag(c.incomplete), dropped: flag(c.dropped), comment: c.comment };
}

/** What a family sees of a score: the change event's before and after. */
function scoreChange(
  book: Gradebook,
  assignment: GridAssignment,
  studentId: number,
  subjectId: number,
  action: Change['action'],
  before: CellValue | null,
  after: CellValue | null,
  actorAccountId: number | null,
): Change {
  // An unpublished assignment's scores are recorded too, marked so: the family sees them once it is published.
  const seen = (v: CellValue | null) => (v ? { assignmentId: assignment.id, title: assignment.title, pointsPossible: assignment.pointsPossible, published: assignment.published, ...v } : null);
  return { kind: 'score', action, subjectId, studentId, sectionId: book.section.sectionId, schoolId: book.section.schoolId, before: seen(before), after: seen(after), actorAccountId };
}

// ── bulk actions on a column ────────────────────────────────────────────────────────────────────────

export type BulkResult = { kind: 'done'; changed: number } | { kind: 'notFound' } | { kind: 'busy' } | { kind: 'invalid'; problem: CellProblem | 'notDue' };

/**
 * Bulk actions on one assignment, in one transaction: 'fill' puts `points` in every empty cell (no
 * points and no flag); 'missing' marks missing every cell with no points and no flag once the
 * assignment's due date has passed. A cell someone fills meanwhile is not empty, so it is left alone.
 */
export async function bulkAction(
  db: Kysely<DB>,
  scope: TeacherScope,
  input: { sectionId: number; periodId: number; assignmentId: number; action: 'fill' | 'missing'; points: number | null; maxMultiple: number; actorAccountId: number | null; ip: string | null },
  today: DateString,
  now: Date,
  attempt = 1,
): Promise<BulkResult> {
  const book = await gradebookFor(db, scope, input.sectionId, input.periodId, today);
  const assignment = book?.assignments.find((a) => a.id === input.assignmentId);
  if (!book || !assignment) return { kind: 'notFound' };
  let set: Partial<CellValue>;
  if (input.action === 'fill') {
    const p = input.points;
    if (p === null || !Number.isFinite(p)) return { kind: 'invalid', problem: 'notNumber' };
    if (p < 0) return { kind: 'invalid', problem: 'negative' };
    if (p > largestScore(assignment.pointsPossible, input.maxMultiple)) return { kind: 'invalid', problem: 'aboveMax' };
    set = { points: p };
  } else {
    if (assignment.due >= today) return { kind: 'invalid', problem: 'notDue' };
    set = { missing: true };
  }
  const edits: CellEdit[] = book.rows.flatMap((r) => {
    const cell = r.cells.get(assignment.id);
    return cell && cell.points === null && FLAGS.every((f) => !cell[f]) ? [{ studentId: r.studentId, assignmentId: assignment.id, version: cell.version, set }] : [];
  });
  const result = await saveScores(
    db,
    scope,
    { sectionId: input.sectionId, periodId: input.periodId, listed: book.rows.map((r) => r.studentId), edits, maxMultiple: input.maxMultiple, actorAccountId: input.actorAccountId, ip: input.ip },
    today,
    now,
  );
  // A cell filled or a student enrolled in between: the action is run again on what is there now (a
  // few times; past that the teacher is asked to try again rather than kept waiting).
  if (result.kind === 'stale') return attempt < 5 ? bulkAction(db, scope, input, today, now, attempt + 1) : { kind: 'busy' };
  if (result.kind === 'saved') return { kind: 'done', changed: result.changed };
  if (result.kind === 'notFound') return result;
  return { kind: 'invalid', problem: [...result.cells.values()][0] ?? 'notNumber' };
}

/**
 * Removes every score of an assignment (the setup deletes the assignment next, in the same
 * transaction), recording each as a deleted score.
 */
export async function removeScoresOf(trx: Kysely<DB>, book: Gradebook, assignment: GridAssignment, actorAccountId: number | null, now: Date): Promise<number> {
  const gone = await trx
    .deleteFrom('assignment_scores')
    .where('assignment_id', '=', assignment.id)
    .returning(['id', 'student_id', 'points', 'missing', 'late', 'exempt', 'incomplete', 'dropped', 'comment'])
    .execute();
  await recordChanges(
    trx,
    gone.map((s) =>
      scoreChange(
        book,
        assignment,
        s.student_id,
        s.id,
        'deleted',
        { points: s.points, missing: s.missing === 1, late: s.late === 1, exempt: s.exempt === 1, incomplete: s.incomplete === 1, dropped: s.dropped === 1, comment: s.comment },
        null,
        actorAccountId,
      ),
    ),
    now,
  );
  return gone.length;
}
