/**
 * Setting up a section's gradebook (issue 19): its categories (name, weight in a weighted class, none in
 * a points class, drop the lowest N, order) and its assignments (title, category, assigned and due dates
 * inside the grading period, points possible, published to families or not, description). This module is
 * the only writer of `grading_categories` and `assignments`; an assignment's change is recorded as a
 * change event (kind 'assignment'), and every save is audited (who, when, before, after), in the same
 * transaction. Deleting an assignment deletes its scores with it (scores.ts records each).
 *
 * The teacher's form is checked here, field by field, so a route only reads the strings it was sent.
 */
import type { Kysely } from 'kysely';
import type { DateString, DB } from '../../db/schema.js';
import type { TeacherScope } from '../access/staff.js';
import { audit } from '../audit/service.js';
import { recordChanges } from '../changes/service.js';
import { hasForbiddenCharacters } from '../forms.js';
import { forgetCategories } from './grades.js';
import { categoriesOfSection, gradebookFor, removeScoresOf, sectionFor, type Gradebook, type GridAssignment } from './scores.js';

export type SetupProblem =
  | 'required'
  | 'tooLong'
  | 'badText'
  | 'notNumber'
  | 'negative'
  | 'tooLarge'
  | 'wholeNumber'
  | 'noWeightInPoints'
  | 'weightNeeded'
  | 'badDate'
  | 'outsidePeriod'
  | 'dueBeforeAssigned'
  | 'unknownCategory'
  | 'hasAssignments';

export type SetupErrors = Partial<Record<string, SetupProblem>>;

export type SetupResult = { kind: 'saved'; id: number } | { kind: 'notFound' } | { kind: 'invalid'; errors: SetupErrors };

interface Actor {
  actorAccountId: number | null;
  ip: string | null;
}

export interface CategoryForm {
  name: string;
  weight: string;
  dropLowest: string;
  sequence: string;
}

export interface AssignmentForm {
  title: string;
  categoryId: string;
  assigned: string;
  due: string;
  pointsPossible: string;
  published: boolean;
  description: string;
}

/** A number as a person types it: digits, an optional decimal point or comma and up to 2 decimals. */
export function readNumber(text: string): { value: number } | { problem: 'notNumber' | 'negative' } {
  const v = text.trim();
  if (/^-\s*\d+([.,]\d+)?$/.test(v)) return { problem: 'negative' };
  if (!/^\d{1,6}([.,]\d{1,2})?$/.test(v)) return { problem: 'notNumber' };
  return { value: Number(v.replace(',', '.')) };
}

function text(value: string, max: number, required: boolean, lineBreaks = false): { value: string | null } | { problem: SetupProblem } {
  const v = value.trim();
  if (v === '') return required ? { problem: 'required' } : { value: null };
  if (v.length > max) return { problem: 'tooLong' };
  if (hasForbiddenCharacters(v, { lineBreaks })) return { problem: 'badText' };
  return { value: v };
}

const isDay = (d: string) => /^\d{4}-\d{2}-\d{2}$/.test(d) && !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().startsWith(d);

// ── categories ──────────────────────────────────────────────────────────────────────────────────────

function checkCategory(form: CategoryForm, weighted: boolean) {
  const errors: SetupErrors = {};
  const name = text(form.name, 60, true);
  if ('problem' in name) errors.name = name.problem;
  let weight: number | null = null;
  if (form.weight.trim() === '') {
    if (weighted) errors.weight = 'weightNeeded';
  } else if (!weighted) {
    errors.weight = 'noWeightInPoints';
  } else {
    const w = readNumber(form.weight);
    if ('problem' in w) errors.weight = w.problem;
    else if (w.value > 100) errors.weight = 'tooLarge';
    else weight = w.value;
  }
  const drop = form.dropLowest.trim() === '' ? { value: 0 } : readNumber(form.dropLowest);
  if ('problem' in drop) errors.dropLowest = drop.problem;
  else if (!Number.isInteger(drop.value)) errors.dropLowest = 'wholeNumber';
  else if (drop.value > 20) errors.dropLowest = 'tooLarge';
  const seq = readNumber(form.sequence);
  if ('problem' in seq) errors.sequence = seq.problem;
  else if (!Number.isInteger(seq.value) || seq.value < 1) errors.sequence = 'wholeNumber';
  else if (seq.value > 99) errors.sequence = 'tooLarge';
  if (Object.keys(errors).length > 0) return { errors };
  return { row: { name: (name as { value: string }).value, weight, drop_lowest: (drop as { value: number }).value, sequence: (seq as { value: number }).value } };
}

/** Adds a category to a section the teacher teaches (id: null) or changes one of its categories. */
export async function saveCategory(db: Kysely<DB>, scope: TeacherScope, input: { sectionId: number; categoryId: number | null; form: CategoryForm } & Actor, now: Date): Promise<SetupResult> {
  const result = await db.transaction().execute(async (trx): Promise<SetupResult> => {
    const section = await sectionFor(trx, scope, input.sectionId);
    if (!section) return { kind: 'notFound' };
    const before = input.categoryId === null ? null : (await categoriesOfSection(trx, input.sectionId)).find((c) => c.id === input.categoryId);
    if (before === undefined) return { kind: 'notFound' };
    const checked = checkCategory(input.form, section.method === 'weighted');
    if (checked.row === undefined) return { kind: 'invalid', errors: checked.errors ?? {} };
    let id: number;
    if (before === null) {
      id = (await trx.insertInto('grading_categories').values({ section_id: input.sectionId, ...checked.row }).returning('id').executeTakeFirstOrThrow()).id;
    } else {
      await trx.updateTable('grading_categories').set(checked.row).where('id', '=', before.id).execute();
      id = before.id;
    }
    await audit(
      trx,
      {
        action: before === null ? 'gradebook.category.created' : 'gradebook.category.updated',
        actorAccountId: input.actorAccountId,
        subjectType: 'section',
        subjectId: input.sectionId,
        ip: input.ip,
        details: { category: id, before: before ? { name: before.name, weight: before.weight, dropLowest: before.dropLowest, sequence: before.sequence } : null, after: { name: checked.row.name, weight: checked.row.weight, dropLowest: checked.row.drop_lowest, sequence: checked.row.sequence } },
      },
      now,
    );
    return { kind: 'saved', id };
  });
  if (result.kind === 'saved') forgetCategories(db);
  return result;
}

/** Removes a category with no assignments (one with assignments is refused: move or delete them first). */
export async function removeCategory(db: Kysely<DB>, scope: TeacherScope, input: { sectionId: number; categoryId: number } & Actor, now: Date): Promise<SetupResult> {
  const result = await db.transaction().execute(async (trx): Promise<SetupResult> => {
    const section = await sectionFor(trx, scope, input.sectionId);
    if (!section) return { kind: 'notFound' };
    const before = (await categoriesOfSection(trx, input.sectionId)).find((c) => c.id === input.categoryId);
    if (!before) return { kind: 'notFound' };
    if (before.assignments > 0) return { kind: 'invalid', errors: { category: 'hasAssignments' } };
    // The delete itself checks again: an assignment added in between keeps the category.
    const gone = await trx
      .deleteFrom('grading_categories')
      .where('id', '=', before.id)
      .where(({ not, exists, selectFrom }) => not(exists(selectFrom('assignments').select('id').where('category_id', '=', before.id))))
      .executeTakeFirst();
    if (Number(gone.numDeletedRows) !== 1) return { kind: 'invalid', errors: { category: 'hasAssignments' } };
    await audit(
      trx,
      { action: 'gradebook.category.removed', actorAccountId: input.actorAccountId, subjectType: 'section', subjectId: input.sectionId, ip: input.ip, details: { category: before.id, before: { name: before.name, weight: before.weight, dropLowest: before.dropLowest, sequence: before.sequence }, after: null } },
      now,
    );
    return { kind: 'saved', id: before.id };
  });
  if (result.kind === 'saved') forgetCategories(db);
  return result;
}

// ── assignments ─────────────────────────────────────────────────────────────────────────────────────

function checkAssignment(form: AssignmentForm, book: Gradebook) {
  const errors: SetupErrors = {};
  const title = text(form.title, 200, true);
  if ('problem' in title) errors.title = title.problem;
  const category = book.categories.find((c) => String(c.id) === form.categoryId.trim());
  if (!category) errors.categoryId = 'unknownCategory';
  const { start, end } = book.period;
  for (const field of ['assigned', 'due'] as const) {
    const d = form[field].trim();
    if (d === '') errors[field] = 'required';
    else if (!isDay(d)) errors[field] = 'badDate';
    else if (d < start || d > end) errors[field] = 'outsidePeriod';
  }
  if (!errors.assigned && !errors.due && form.due.trim() < form.assigned.trim()) errors.due = 'dueBeforeAssigned';
  const possible = form.pointsPossible.trim() === '' ? { problem: 'required' as const } : readNumber(form.pointsPossible);
  if ('problem' in possible) errors.pointsPossible = possible.problem;
  else if (possible.value > 10_000) errors.pointsPossible = 'tooLarge';
  const description = text(form.description, 2000, false, true);
  if ('problem' in description) errors.description = description.problem;
  if (Object.keys(errors).length > 0) return { errors };
  return {
    row: {
      title: (title as { value: string }).value,
      category_id: category!.id,
      assigned_date: form.assigned.trim(),
      due_date: form.due.trim(),
      points_possible: (possible as { value: number }).value,
      published: (form.published ? 1 : 0) as 0 | 1,
      description: (description as { value: string | null }).value,
    },
  };
}

type AssignmentRow = NonNullable<ReturnType<typeof checkAssignment>['row']>;

/** What a family sees of an assignment (the change event's before and after). */
function seen(a: { title: string; category: string; assigned: string; due: string; pointsPossible: number; published: boolean; description: string | null }) {
  return { title: a.title, category: a.category, assigned: a.assigned, due: a.due, pointsPossible: a.pointsPossible, published: a.published, description: a.description };
}

function fromRow(row: AssignmentRow, book: Gradebook) {
  return {
    title: row.title,
    category: book.categories.find((c) => c.id === row.category_id)?.name ?? '',
    assigned: row.assigned_date,
    due: row.due_date,
    pointsPossible: row.points_possible,
    published: row.published === 1,
    description: row.description,
  };
}

/** Adds an assignment to a section and grading period (id: null) or changes one. */
export async function saveAssignment(
  db: Kysely<DB>,
  scope: TeacherScope,
  input: { sectionId: number; periodId: number; assignmentId: number | null; form: AssignmentForm } & Actor,
  today: DateString,
  now: Date,
): Promise<SetupResult> {
  return db.transaction().execute(async (trx): Promise<SetupResult> => {
    const book = await gradebookFor(trx, scope, input.sectionId, input.periodId, today);
    if (!book) return { kind: 'notFound' };
    const before: GridAssignment | null = input.assignmentId === null ? null : (book.assignments.find((a) => a.id === input.assignmentId) ?? null);
    if (input.assignmentId !== null && before === null) return { kind: 'notFound' };
    const checked = checkAssignment(input.form, book);
    if (checked.row === undefined) return { kind: 'invalid', errors: checked.errors ?? {} };
    const t = now.toISOString();
    let id: number;
    if (before === null) {
      id = (
        await trx
          .insertInto('assignments')
          .values({ sourced_id: null, section_id: input.sectionId, grading_period_id: book.period.id, ...checked.row, created_at: t, updated_at: t, updated_by: input.actorAccountId })
          .returning('id')
          .executeTakeFirstOrThrow()
      ).id;
    } else {
      await trx.updateTable('assignments').set({ ...checked.row, updated_at: t, updated_by: input.actorAccountId }).where('id', '=', before.id).execute();
      id = before.id;
    }
    const after = seen(fromRow(checked.row, book));
    await recordChanges(
      trx,
      [{ kind: 'assignment', action: before ? 'updated' : 'created', subjectId: id, sectionId: input.sectionId, schoolId: book.section.schoolId, before: before ? seen(before) : null, after, actorAccountId: input.actorAccountId }],
      now,
    );
    await audit(
      trx,
      { action: before ? 'gradebook.assignment.updated' : 'gradebook.assignment.created', actorAccountId: input.actorAccountId, subjectType: 'assignment', subjectId: id, ip: input.ip, details: { section: input.sectionId, before: before ? seen(before) : null, after } },
      now,
    );
    return { kind: 'saved', id };
  });
}

/** Deletes an assignment and its scores (the form asked the teacher to confirm first). */
export async function deleteAssignment(
  db: Kysely<DB>,
  scope: TeacherScope,
  input: { sectionId: number; periodId: number; assignmentId: number } & Actor,
  today: DateString,
  now: Date,
): Promise<{ kind: 'deleted'; scores: number } | { kind: 'notFound' }> {
  return db.transaction().execute(async (trx) => {
    const book = await gradebookFor(trx, scope, input.sectionId, input.periodId, today);
    const before = book?.assignments.find((a) => a.id === input.assignmentId);
    if (!book || !before) return { kind: 'notFound' as const };
    const scores = await removeScoresOf(trx, book, before, input.actorAccountId, now);
    await trx.deleteFrom('assignments').where('id', '=', before.id).execute();
    await recordChanges(
      trx,
      [{ kind: 'assignment', action: 'deleted', subjectId: before.id, sectionId: input.sectionId, schoolId: book.section.schoolId, before: seen(before), after: null, actorAccountId: input.actorAccountId }],
      now,
    );
    await audit(
      trx,
      { action: 'gradebook.assignment.deleted', actorAccountId: input.actorAccountId, subjectType: 'assignment', subjectId: before.id, ip: input.ip, details: { section: input.sectionId, before: seen(before), after: null, scores } },
      now,
    );
    return { kind: 'deleted' as const, scores };
  });
}
