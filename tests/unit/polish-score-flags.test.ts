/** ADR 0025: the one state a family is shown for each pair of flags a teacher can set on a score. */
import { describe, expect, it } from 'vitest';
import { shownFlags } from '../../src/domain/gradebook/grade.js';

const none = { missing: false, late: false, exempt: false, incomplete: false, dropped: false };

describe('shownFlags', () => {
  // [entered flags, points, what the family sees] — worked out from the ADR's order, not from the code.
  const cases: [string, Partial<typeof none>, number | null, Partial<typeof none>][] = [
    ['missing alone', { missing: true }, null, { missing: true }],
    ['missing and dropped: dropped wins', { missing: true, dropped: true }, null, { dropped: true }],
    ['missing and dropped with points: dropped wins', { missing: true, dropped: true }, 7, { dropped: true }],
    ['missing and exempt: exempt wins', { missing: true, exempt: true }, null, { exempt: true }],
    ['exempt and dropped: dropped wins', { exempt: true, dropped: true }, null, { dropped: true }],
    ['incomplete and dropped: dropped wins', { incomplete: true, dropped: true }, null, { dropped: true }],
    ['incomplete and exempt: exempt wins', { incomplete: true, exempt: true }, null, { exempt: true }],
    ['missing and incomplete, no points: incomplete wins', { missing: true, incomplete: true }, null, { incomplete: true }],
    ['missing and incomplete with points: both stay labels', { missing: true, incomplete: true }, 6, { missing: true, incomplete: true }],
    ['late and dropped: late stays', { late: true, dropped: true }, 8, { late: true, dropped: true }],
    ['late and missing: both', { late: true, missing: true }, null, { late: true, missing: true }],
    ['every flag: dropped and late', { missing: true, late: true, exempt: true, incomplete: true, dropped: true }, null, { late: true, dropped: true }],
    ['nothing', {}, 9, {}],
  ];
  for (const [name, entered, points, shown] of cases) {
    it(name, () => {
      expect(shownFlags({ ...none, ...entered, points })).toEqual({ ...none, ...shown });
    });
  }
});
