/**
 * A problem in the administrator's language: where it is (file, line, column) and what is wrong, from
 * the catalogs' `oneroster.problem.<code>` messages, filled with the value and what was expected.
 */
import { en, type MessageKey } from '../../../i18n/en.js';
import type { Translate } from '../../../i18n/index.js';
import type { Problem } from '../records.js';

function keyOf(code: string): MessageKey {
  const key = `oneroster.problem.${code}`;
  return (Object.hasOwn(en, key) ? key : 'oneroster.problem.other') as MessageKey;
}

export function describeProblem(problem: Problem, t: Translate): string {
  const where: string[] = [];
  if (problem.file !== null) where.push(t('oneroster.problem.where.file', { file: problem.file }));
  if (problem.line !== null) where.push(t('oneroster.problem.where.line', { line: problem.line }));
  if (problem.column !== null) where.push(t('oneroster.problem.where.column', { column: problem.column }));
  const message = t(keyOf(problem.code), {
    code: problem.code,
    value: problem.value ?? '',
    expected: problem.expected ?? '',
    detail: problem.detail ?? '',
    column: problem.column ?? '',
    file: problem.file ?? '',
  });
  return where.length === 0 ? message : t('oneroster.problem.where', { where: where.join(', '), message });
}
