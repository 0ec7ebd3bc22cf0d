/**
 * Every table a family reads changes through one domain service per kind, which records the change
 * event in the same transaction (issue 19). This test reads the source: a new `insertInto`,
 * `updateTable` or `deleteFrom` of such a table anywhere else fails it. (The demo generator and the
 * bulk loader fill empty tables in bulk through the BulkWriter, which names no table this way.)
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const WRITERS: Record<string, string[]> = {
  attendance_records: ['domain/attendance/office.ts', 'domain/attendance/taking.ts'],
  attendance_takings: ['domain/attendance/taking.ts'],
  immunization_doses: ['domain/health/records.ts'],
  immunization_exemptions: ['domain/health/records.ts'],
  school_events: ['domain/calendar/events.ts'],
  school_event_texts: ['domain/calendar/events.ts'],
  school_event_grades: ['domain/calendar/events.ts'],
  calendar_days: ['domain/calendar/days.ts'],
  announcements: ['domain/announcements/service.ts'],
  announcement_texts: ['domain/announcements/service.ts'],
  transcript_courses: ['domain/staff/transfer-credit.ts'],
  term_grades: ['domain/gradebook/posting.ts'],
  term_grade_comments: ['domain/gradebook/posting.ts'],
  term_grade_history: ['domain/gradebook/posting.ts'],
  assignment_scores: ['domain/gradebook/scores.ts'],
  assignments: ['domain/gradebook/setup.ts'],
  grading_categories: ['domain/gradebook/setup.ts'],
  change_events: ['domain/changes/service.ts'],
};

describe('one writer per kind of family-visible record', () => {
  it('writes each table only from its service', () => {
    const dir = path.resolve('src');
    const files = fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => /\.(ts|tsx)$/.test(f));
    const found: Record<string, string[]> = Object.fromEntries(Object.keys(WRITERS).map((t) => [t, []]));
    for (const file of files) {
      const source = fs.readFileSync(path.join(dir, file), 'utf8');
      for (const table of Object.keys(WRITERS)) {
        if (new RegExp(`(insertInto|updateTable|deleteFrom)\\(\\s*['"]${table}['"]`).test(source)) found[table]!.push(file.split(path.sep).join('/'));
      }
    }
    for (const table of Object.keys(found)) found[table]!.sort();
    expect(found).toEqual(Object.fromEntries(Object.entries(WRITERS).map(([t, w]) => [t, [...w].sort()])));
  });
});
