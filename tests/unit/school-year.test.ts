import { describe, expect, it } from 'vitest';
import { isWeekend, localDate, nthWeekday, weekday } from '../../src/domain/calendar/dates.js';
import { INSTRUCTIONAL_DAYS, planSchoolYear, schoolYearStartFor } from '../../src/domain/demo/school-year.js';

describe('demo school-year calendar', () => {
  const plan = planSchoolYear(2026);
  const day = (d: string) => plan.days.find((x) => x.date === d);

  it('has 174 instructional days from a late-August Wednesday', () => {
    expect(plan.title).toBe('2026-27');
    expect(plan.first).toBe('2026-08-19');
    expect(weekday(plan.first)).toBe(3);
    expect(plan.days.filter((d) => d.instructional)).toHaveLength(INSTRUCTIONAL_DAYS);
    expect(plan.last > '2027-05-01' && plan.last < '2027-06-15').toBe(true);
  });

  it('closes for holidays and breaks, never on weekends counted as school', () => {
    expect(day('2026-09-07')).toMatchObject({ instructional: false, reason: 'holiday', note: 'Labor Day' });
    expect(day('2026-11-26')).toMatchObject({ instructional: false, reason: 'break', note: 'Thanksgiving break' });
    expect(day('2026-12-23')).toMatchObject({ instructional: false, note: 'Winter break' });
    expect(day('2027-01-18')).toMatchObject({ instructional: false, note: 'Martin Luther King Jr. Day' });
    expect(day('2027-02-15')).toMatchObject({ instructional: false, note: "Presidents' Day" });
    expect(day('2027-03-15')).toMatchObject({ instructional: false, note: 'Spring break' });
    expect(plan.days.filter((d) => isWeekend(d.date)).every((d) => !d.instructional && d.reason === 'weekend')).toBe(true);
    expect(plan.days.map((d) => d.date)).toEqual([...new Set(plan.days.map((d) => d.date))]);
  });

  it('splits two semesters at winter break and four quarters of about equal length', () => {
    const [s1, s2] = plan.semesters;
    expect(s1.start).toBe(plan.first);
    expect(s1.end < plan.winterBreak.first).toBe(true);
    expect(s2.start).toBe(plan.winterBreak.resume);
    expect(s2.end).toBe(plan.last);
    const schoolDays = (from: string, to: string) =>
      plan.days.filter((d) => d.instructional && d.date >= from && d.date <= to).length;
    const lengths = plan.quarters.map((q) => schoolDays(q.start, q.end));
    expect(lengths.reduce((a, b) => a + b)).toBe(INSTRUCTIONAL_DAYS);
    expect(Math.abs((lengths[0] ?? 0) - (lengths[1] ?? 0))).toBeLessThanOrEqual(1);
    expect(Math.abs((lengths[2] ?? 0) - (lengths[3] ?? 0))).toBeLessThanOrEqual(1);
  });

  it('works for other years', () => {
    for (const year of [2024, 2025, 2030, 2031]) {
      const p = planSchoolYear(year);
      expect(p.days.filter((d) => d.instructional)).toHaveLength(INSTRUCTIONAL_DAYS);
      expect(p.quarters[1].end < p.quarters[2].start).toBe(true);
    }
  });

  it('knows which school year a date belongs to', () => {
    expect(schoolYearStartFor('2026-11-25')).toBe(2026);
    expect(schoolYearStartFor('2027-03-01')).toBe(2026);
    expect(schoolYearStartFor('2027-07-01')).toBe(2027);
  });

  it('computes nth weekdays and local dates', () => {
    expect(nthWeekday(2026, 11, 4, 4)).toBe('2026-11-26');
    // 03:00 UTC on Nov 25 is still Nov 24 in Chicago.
    expect(localDate(new Date('2026-11-25T03:00:00Z'), 'America/Chicago')).toBe('2026-11-24');
    expect(localDate(new Date('2026-11-25T03:00:00Z'), 'UTC')).toBe('2026-11-25');
  });
});
