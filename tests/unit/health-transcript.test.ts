import { describe, expect, it } from 'vitest';
import { immunizationStatus, type ImmunizationInput } from '../../src/domain/health/immunizations.js';
import { gpaOf } from '../../src/domain/gradebook/transcript.js';

describe('immunization status', () => {
  const base: ImmunizationInput = {
    grade: 8,
    asOf: '2026-11-24',
    vaccines: [
      { id: 1, code: 'MMR', name: { base: 'Measles, mumps, rubella', es: null } },
      { id: 2, code: 'TDAP', name: { base: 'Tdap booster', es: null } },
      { id: 3, code: 'MCV4', name: { base: 'Meningococcal', es: null } },
    ],
    requirements: [
      { vaccineId: 1, gradeLow: 6, gradeHigh: 12, doses: 2 },
      { vaccineId: 2, gradeLow: 8, gradeHigh: 12, doses: 1 },
      { vaccineId: 3, gradeLow: 12, gradeHigh: 12, doses: 2 },
    ],
    doses: [
      { vaccineId: 1, date: '2014-02-01' },
      { vaccineId: 1, date: '2017-09-01' },
      { vaccineId: 2, date: '2025-08-01' },
    ],
    exemptions: [],
  };

  it('is complete with every required dose, and a vaccine of another grade is not required', () => {
    const r = immunizationStatus(base);
    expect(r.compliant).toBe(true);
    expect(r.vaccines.map((v) => [v.code, v.status, v.missing])).toEqual([
      ['MMR', 'complete', 0],
      ['TDAP', 'complete', 0],
      ['MCV4', 'notRequired', 0],
    ]);
  });

  it('counts what is missing, ignores doses after the day asked about, and honours exemptions in force only', () => {
    const missing = immunizationStatus({ ...base, doses: base.doses.filter((d) => d.date !== '2017-09-01') });
    expect(missing.compliant).toBe(false);
    expect(missing.vaccines[0]).toMatchObject({ status: 'incomplete', missing: 1, doses: ['2014-02-01'] });
    const future = immunizationStatus({ ...base, doses: [...base.doses.slice(0, 1), { vaccineId: 1, date: '2027-01-01' }, base.doses[2]!] });
    expect(future.vaccines[0]).toMatchObject({ status: 'incomplete', missing: 1 });
    const exempt = { vaccineId: 1, kind: 'medical' as const, granted: '2020-01-01', expires: null };
    expect(immunizationStatus({ ...base, doses: [], exemptions: [exempt] }).vaccines[0]!.status).toBe('exempt');
    const expired = { ...exempt, expires: '2026-06-30' };
    const r = immunizationStatus({ ...base, doses: [base.doses[2]!], exemptions: [expired] });
    expect(r.vaccines[0]).toMatchObject({ status: 'incomplete', missing: 2, exemption: null });
    expect(r.compliant).toBe(false);
  });
});

describe('transcript GPA', () => {
  it('weights grade points by credits, adds the honors/AP bonus only to a weighted GPA and only to passing grades', () => {
    const courses = [
      { gpaPoints: 4, gpaBonus: 1, attempted: 0.5 }, // AP, A
      { gpaPoints: 3, gpaBonus: 0, attempted: 1 }, // B, a full credit
      { gpaPoints: 0, gpaBonus: 1, attempted: 0.5 }, // AP, F: no bonus on a failing grade
      { gpaPoints: null, gpaBonus: 0, attempted: 0.5 }, // pass/fail: left out
    ];
    // unweighted: (4×0.5 + 3×1 + 0×0.5) / 2 = 2.5; weighted: (5×0.5 + 3 + 0) / 2 = 2.75
    expect(gpaOf(courses, false)).toBe(2.5);
    expect(gpaOf(courses, true)).toBe(2.75);
    expect(gpaOf([], false)).toBeNull();
    expect(gpaOf([{ gpaPoints: 3.7, gpaBonus: 0, attempted: 0.5 }, { gpaPoints: 3.3, gpaBonus: 0, attempted: 0.5 }, { gpaPoints: 4, gpaBonus: 0, attempted: 0.5 }], false)).toBe(3.667);
  });
});

describe('the demo generator’s per-student hash', () => {
  it('spreads over [0, 1) and is never negative', async () => {
    const { unitHash } = await import('../../src/domain/demo/portal-data.js');
    const values = Array.from({ length: 20_000 }, (_, i) => unitHash(i + 1, 1));
    expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...values)).toBeLessThan(1);
    // Roughly uniform: each tenth holds about a tenth.
    for (let k = 0; k < 10; k++) {
      const share = values.filter((v) => v >= k / 10 && v < (k + 1) / 10).length / values.length;
      expect(share).toBeGreaterThan(0.08);
      expect(share).toBeLessThan(0.12);
    }
  });
});
