/** Addresses of the gradebook's pages, and the catalog keys of its messages chosen at run time. */
import type { CellProblem, FLAGS, Gradebook } from '../domain/gradebook/scores.js';
import type { SetupProblem } from '../domain/gradebook/setup.js';
import type { MessageKey } from '../i18n/index.js';

/** `/staff/classes/<section>/gradebook[/part…]?period=<period>` */
export function gradebookUrl(book: Gradebook, ...parts: (string | number)[]): string {
  return `/staff/classes/${book.section.sectionId}/gradebook${parts.map((p) => `/${p}`).join('')}?period=${book.period.id}`;
}

export const CELL_MESSAGES: Record<CellProblem | 'stale', MessageKey> = {
  negative: 'gradebook.cell.negative',
  aboveMax: 'gradebook.cell.aboveMax',
  notNumber: 'gradebook.cell.notNumber',
  badComment: 'gradebook.cell.badComment',
  noCell: 'gradebook.cell.noCell',
  stale: 'gradebook.cell.stale',
};

export const FLAG_NAMES: Record<(typeof FLAGS)[number], MessageKey> = {
  missing: 'gradebook.flag.missing',
  late: 'gradebook.flag.late',
  exempt: 'gradebook.flag.exempt',
  incomplete: 'gradebook.flag.incomplete',
  dropped: 'gradebook.flag.dropped',
};

export const SETUP_PROBLEMS: Record<SetupProblem, MessageKey> = {
  required: 'gradebook.problem.required',
  tooLong: 'gradebook.problem.tooLong',
  badText: 'gradebook.problem.badText',
  notNumber: 'gradebook.problem.notNumber',
  negative: 'gradebook.problem.negative',
  tooLarge: 'gradebook.problem.tooLarge',
  wholeNumber: 'gradebook.problem.wholeNumber',
  noWeightInPoints: 'gradebook.problem.noWeightInPoints',
  weightNeeded: 'gradebook.problem.weightNeeded',
  badDate: 'gradebook.problem.badDate',
  outsidePeriod: 'gradebook.problem.outsidePeriod',
  dueBeforeAssigned: 'gradebook.problem.dueBeforeAssigned',
  unknownCategory: 'gradebook.problem.unknownCategory',
  hasAssignments: 'gradebook.problem.hasAssignments',
};

export const DONE = {
  filled: 'gradebook.done.filled',
  missing: 'gradebook.done.missing',
  categoryAdded: 'gradebook.done.categoryAdded',
  categorySaved: 'gradebook.done.categorySaved',
  categoryRemoved: 'gradebook.done.categoryRemoved',
  assignmentSaved: 'gradebook.done.assignmentSaved',
  assignmentDeleted: 'gradebook.done.assignmentDeleted',
} as const satisfies Record<string, MessageKey>;
