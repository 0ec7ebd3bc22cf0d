/**
 * A problem in the administrator's language: where it is (file, line, column) and what is wrong, from
 * the catalogs' `oneroster.problem.<code>` messages, filled with the value and what was expected.
 */
import type { MessageKey } from '../../../i18n/en.js';
import type { Translate } from '../../../i18n/index.js';
import type { Problem } from '../records.js';

/** Every problem code the reader reports, with its message. */
const MESSAGES = {
  notFound: 'oneroster.problem.notFound',
  notZip: 'oneroster.problem.notZip',
  damagedZip: 'oneroster.problem.damagedZip',
  notUtf8: 'oneroster.problem.notUtf8',
  csvSyntax: 'oneroster.problem.csvSyntax',
  emptyFile: 'oneroster.problem.emptyFile',
  noManifest: 'oneroster.problem.noManifest',
  badManifest: 'oneroster.problem.badManifest',
  noVersion: 'oneroster.problem.noVersion',
  badVersion: 'oneroster.problem.badVersion',
  badMode: 'oneroster.problem.badMode',
  notInVersion: 'oneroster.problem.notInVersion',
  fileNotRead: 'oneroster.problem.fileNotRead',
  missingFile: 'oneroster.problem.missingFile',
  absentFilePresent: 'oneroster.problem.absentFilePresent',
  duplicateColumn: 'oneroster.problem.duplicateColumn',
  misspelledColumn: 'oneroster.problem.misspelledColumn',
  unknownColumn: 'oneroster.problem.unknownColumn',
  missingColumn: 'oneroster.problem.missingColumn',
  rowTooLong: 'oneroster.problem.rowTooLong',
  rowTooShort: 'oneroster.problem.rowTooShort',
  unnamedColumn: 'oneroster.problem.unnamedColumn',
  required: 'oneroster.problem.required',
  badEnum: 'oneroster.problem.badEnum',
  looseBoolean: 'oneroster.problem.looseBoolean',
  badBoolean: 'oneroster.problem.badBoolean',
  badNumber: 'oneroster.problem.badNumber',
  badYear: 'oneroster.problem.badYear',
  badDate: 'oneroster.problem.badDate',
  impossibleDate: 'oneroster.problem.impossibleDate',
  usDate: 'oneroster.problem.usDate',
  unknownGrade: 'oneroster.problem.unknownGrade',
  deletedInBulk: 'oneroster.problem.deletedInBulk',
  endBeforeStart: 'oneroster.problem.endBeforeStart',
  outOfRange: 'oneroster.problem.outOfRange',
} as const satisfies Record<string, MessageKey>;

export type ProblemCode = keyof typeof MESSAGES;

function keyOf(code: string, more: Readonly<Record<string, MessageKey>>): MessageKey {
  if (Object.hasOwn(MESSAGES, code)) return MESSAGES[code as ProblemCode];
  return Object.hasOwn(more, code) ? more[code]! : 'oneroster.problem.other';
}

/** `more`: the messages of codes reported by others than the reader (the loader's LOAD_PROBLEMS). */
export function describeProblem(problem: Problem, t: Translate, more: Readonly<Record<string, MessageKey>> = {}): string {
  const where: string[] = [];
  if (problem.file !== null) where.push(t('oneroster.problem.where.file', { file: problem.file }));
  if (problem.line !== null) where.push(t('oneroster.problem.where.line', { line: problem.line }));
  if (problem.column !== null) where.push(t('oneroster.problem.where.column', { column: problem.column }));
  const message = t(keyOf(problem.code, more), {
    code: problem.code,
    value: problem.value ?? '',
    expected: problem.expected ?? '',
    detail: problem.detail ?? '',
    column: problem.column ?? '',
    file: problem.file ?? '',
  });
  return where.length === 0 ? message : t('oneroster.problem.where', { where: where.join(', '), message });
}
