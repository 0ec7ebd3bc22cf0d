/**
 * The what-if form's input: `a<assignment id>` = points (or empty: as if not graded), and one extra
 * assignment (`cat`, `pts`, `of`). Numbers as people type them ("9", "9.5", "9,5"), 0 to 10,000.
 */
import { recordId } from '../forms.js';
import type { MessageKey } from '../../i18n/index.js';
import type { Hypothetical } from './what-if.js';

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
  assignmentIds: number[],
): { ok: true; value: Hypothetical; errors: Record<string, MessageKey> } | { ok: false; errors: Record<string, MessageKey> } {
  const errors: Record<string, MessageKey> = {};
  const overrides = new Map<number, number | null>();
  for (const id of assignmentIds) {
    const key = `a${id}`;
    if (!(key in query)) continue;
    const n = number(query[key]);
    if (n === 'invalid') errors[key] = 'portal.whatIfInvalid';
    else overrides.set(id, n);
  }
  const pts = number(query.pts);
  const of = number(query.of);
  const cat = recordId(query.cat);
  if (pts === 'invalid') errors.pts = 'portal.whatIfInvalid';
  if (of === 'invalid') errors.of = 'portal.whatIfInvalid';
  let extra: Hypothetical['extra'] = null;
  if (typeof pts === 'number' || typeof of === 'number') {
    if (typeof of !== 'number' || of === 0) errors.of = 'portal.whatIfOutOfNeeded';
    else if (typeof pts !== 'number') errors.pts = 'portal.whatIfInvalid';
    else if (cat !== null) extra = { categoryId: cat, points: pts, possible: of };
  }
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return { ok: true, value: { overrides, extra }, errors };
}
