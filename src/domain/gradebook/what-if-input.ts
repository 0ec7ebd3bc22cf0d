/**
 * The what-if form's input: `a<assignment id>` = points (or empty: as if not graded), and one extra
 * assignment (`cat`, `pts`, `of`). Numbers as people type them ("9", "9.5", "9,5"), 0 to 10,000; a score
 * at most what the gradebook accepts on the assignment (the district's multiple of its points possible,
 * `largestScore`), so what if? never shows a grade no teacher could enter.
 */
import { recordId } from '../forms.js';
import type { MessageKey } from '../../i18n/index.js';
import { largestScore } from './scores.js';
import type { Hypothetical } from './what-if.js';

/** A field's problem: its message, and for a score too large, the largest allowed. */
export interface WhatIfProblem {
  key: MessageKey;
  max?: number;
}

const NUMBER = /^\d{1,5}([.,]\d{1,2})?$/;

function number(raw: unknown): number | null | 'invalid' {
  if (raw === undefined) return null;
  if (typeof raw !== 'string') return 'invalid';
  const v = raw.trim();
  if (v === '') return null;
  if (!NUMBER.test(v)) return 'invalid';
  const n = Number(v.replace(',', '.'));
  return n <= 10_000 ? n : 'invalid';
}

export function parseWhatIf(
  query: Record<string, unknown>,
  assignments: { id: number; pointsPossible: number }[],
  /** the district's `maxScoreMultiple`, as the gradebook uses it */
  maxMultiple: number,
): { ok: true; value: Hypothetical; errors: Record<string, WhatIfProblem> } | { ok: false; errors: Record<string, WhatIfProblem> } {
  const errors: Record<string, WhatIfProblem> = {};
  const overrides = new Map<number, number | null>();
  for (const { id, pointsPossible } of assignments) {
    const key = `a${id}`;
    if (!(key in query)) continue;
    const n = number(query[key]);
    const max = largestScore(pointsPossible, maxMultiple);
    if (n === 'invalid') errors[key] = { key: 'portal.whatIfInvalid' };
    else if (n !== null && n > max) errors[key] = { key: 'portal.whatIfAboveMax', max };
    else overrides.set(id, n);
  }
  const pts = number(query.pts);
  const of = number(query.of);
  const cat = recordId(query.cat);
  if (pts === 'invalid') errors.pts = { key: 'portal.whatIfInvalid' };
  if (of === 'invalid') errors.of = { key: 'portal.whatIfInvalid' };
  let extra: Hypothetical['extra'] = null;
  if (typeof pts === 'number' || typeof of === 'number') {
    if (typeof of !== 'number' || of === 0) errors.of = { key: 'portal.whatIfOutOfNeeded' };
    else if (typeof pts !== 'number') errors.pts = { key: 'portal.whatIfInvalid' };
    else if (pts > largestScore(of, maxMultiple)) errors.pts = { key: 'portal.whatIfAboveMax', max: largestScore(of, maxMultiple) };
    else if (cat !== null) extra = { categoryId: cat, points: pts, possible: of };
  }
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return { ok: true, value: { overrides, extra }, errors };
}
