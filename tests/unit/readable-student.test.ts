/**
 * The proof of access is a type: every portal read takes a ReadableStudent, which only
 * src/domain/access/portal.ts makes. The lines marked @ts-expect-error must stay errors — if the
 * brand disappeared (a read taking a plain id again), `npm run typecheck` would fail on them.
 */
import type { Kysely } from 'kysely';
import { describe, expect, it } from 'vitest';
import type { DB } from '../../src/db/schema.js';
import type { ReadableStudent } from '../../src/domain/access/portal.js';
import { attendanceOf } from '../../src/domain/attendance/attendance.js';
import { calendarOf, dueBetween } from '../../src/domain/calendar/calendar.js';
import { gradesOf, preload } from '../../src/domain/gradebook/grades.js';
import { birthDateOf, transcriptOf } from '../../src/domain/gradebook/transcript.js';
import { immunizationsOf } from '../../src/domain/health/immunizations.js';
import type { VisibleStudent } from '../../src/domain/people/visibility.js';
import { todayOf } from '../../src/domain/portal/today.js';
import { classesOf, scheduleOf } from '../../src/domain/scheduling/schedule.js';

describe('portal reads ask for proof of access', () => {
  it('does not compile with a raw student id or a student record the access module did not hand out', () => {
    const db = {} as Kysely<DB>;
    const today = '2026-11-24';
    const lookAlike: VisibleStudent = { id: 7, firstName: 'Ana', lastName: 'Ruiz', grade: 9, school: 'Cedar Valley High', schoolId: 1, studentNumber: '000123' };
    const month = { view: 'month', year: 2026, month: 11 } as const;
    // Never called: only the compiler reads these.
    const reads = (proof: ReadableStudent) => [
      // @ts-expect-error a raw id is not a proof of access
      gradesOf(db, 7, today),
      // @ts-expect-error nor is a student record from anywhere else
      gradesOf(db, lookAlike, today),
      // @ts-expect-error
      scheduleOf(db, 7, today),
      // @ts-expect-error
      classesOf(db, 7),
      // @ts-expect-error
      preload(db, 7, today),
      // @ts-expect-error
      attendanceOf(db, 7, today),
      // @ts-expect-error
      transcriptOf(db, 7, 24),
      // @ts-expect-error
      birthDateOf(db, 7),
      // @ts-expect-error
      immunizationsOf(db, { id: 7, grade: 9 }, today),
      // @ts-expect-error
      dueBetween(db, 7, today, today),
      // @ts-expect-error
      calendarOf(db, { student: lookAlike, today, locale: 'en', districtLocale: 'en', request: month }),
      // @ts-expect-error
      todayOf(db, { student: lookAlike, date: today, time: '08:00', locale: 'en', districtLocale: 'en', audience: 'guardians' }),
      // With the proof, each of them compiles.
      gradesOf(db, proof, today),
      scheduleOf(db, proof, today),
      attendanceOf(db, proof, today),
      transcriptOf(db, proof, 24),
      immunizationsOf(db, proof, today),
      calendarOf(db, { student: proof, today, locale: 'en', districtLocale: 'en', request: month }),
    ];
    expect(typeof reads).toBe('function');
  });
});
