import ICAL from 'ical.js';
import { describe, expect, it } from 'vitest';
import { calendarFeedIcs } from '../../src/documents/calendar-feed.js';
import { runsWithoutSchool, type FeedContent } from '../../src/domain/portal/calendar-feed.js';

const day = (date: string, instructional: number, reason: string | null = null, note: string | null = null) => ({ date, instructional, reason, note });
const district = { name: 'Cedar Valley Public Schools', portalName: 'Cedar Valley Portal', timeZone: 'America/Chicago', locale: 'en' };

describe('days without school in the feed', () => {
  it('joins a break into one run across its weekend, and keeps different days apart', () => {
    const runs = runsWithoutSchool(7, [
      day('2026-12-17', 1),
      day('2026-12-18', 0, 'break', 'Winter break'), // Friday
      day('2026-12-19', 0, 'weekend'),
      day('2026-12-20', 0, 'weekend'),
      day('2026-12-21', 0, 'break', 'Winter break'), // Monday
      day('2026-12-22', 0, 'break', 'Winter break'),
      day('2026-12-23', 0, 'holiday', 'Winter holiday'),
      day('2026-12-24', 1),
      day('2026-12-25', 0, 'break', 'Winter break'),
    ]);
    expect(runs).toEqual([
      { start: '2026-12-18', end: '2026-12-22', schoolIds: [7], reason: 'break', note: 'Winter break', noteEs: null },
      { start: '2026-12-23', end: '2026-12-23', schoolIds: [7], reason: 'holiday', note: 'Winter holiday', noteEs: null },
      { start: '2026-12-25', end: '2026-12-25', schoolIds: [7], reason: 'break', note: 'Winter break', noteEs: null },
    ]);
  });
});

describe('the iCalendar text', () => {
  const content: FeedContent = {
    accountId: 1,
    locale: 'en',
    students: [
      { id: 1, firstName: 'Allen', lastName: 'Alda', grade: 10, school: 'Northridge High School', schoolId: 2, studentNumber: '0004001' },
      { id: 2, firstName: 'Grace', lastName: 'Alda', grade: 7, school: 'Oakwood Middle School', schoolId: 5, studentNumber: '0004002' },
    ],
    from: '2026-09-25',
    to: '2027-09-21',
    noSchool: [
      { start: '2026-11-25', end: '2026-11-27', schoolIds: [5, 2], reason: 'break', note: 'Thanksgiving break', students: [] },
      { start: '2026-10-12', end: '2026-10-12', schoolIds: [2], reason: 'teacher_workday', note: null, students: ['Allen'] },
    ],
    events: [
      { id: 9, schoolId: null, title: 'School Board Meeting', description: null, location: 'Board Room', start: '2026-10-30', end: '2026-10-30', startTime: '18:00', endTime: '19:30' },
      { id: 10, schoolId: null, title: 'School Board Meeting', description: null, location: 'Board Room', start: '2026-11-02', end: '2026-11-02', startTime: '18:00', endTime: '19:30' },
    ],
    due: [{ assignmentId: 44, sectionId: 3, title: 'Quiz 3', course: 'Geometry', due: '2026-11-03', missing: true, scored: false, studentId: 1 }],
  };
  const events = (ics: string) => new ICAL.Component(ICAL.parse(ics)).getAllSubcomponents('vevent').map((v) => new ICAL.Event(v));
  const render = (locale: 'en' | 'es') => calendarFeedIcs(content, { locale, district, baseUrl: 'https://portal.example.org', host: 'portal.example.org', now: new Date('2026-11-24T18:00:00Z') });

  it('names the children a day off concerns when it is not the whole family’s, and places evening events on both sides of the time change', () => {
    const list = events(render('en'));
    const byUid = new Map(list.map((e) => [e.uid, e]));
    expect(byUid.get('noschool-2.5-2026-11-25@portal.example.org')!.summary).toBe('No school: Thanksgiving break');
    expect(byUid.get('noschool-2-2026-10-12@portal.example.org')!.summary).toBe('Allen: No school: Teacher workday');
    // 6 p.m. in Chicago: 23:00 UTC while daylight time lasts (until November 1st), midnight after.
    expect(byUid.get('event-9@portal.example.org')!.startDate.toJSDate().toISOString()).toBe('2026-10-30T23:00:00.000Z');
    expect(byUid.get('event-10@portal.example.org')!.startDate.toJSDate().toISOString()).toBe('2026-11-03T00:00:00.000Z');
    const due = byUid.get('due-44-1@portal.example.org')!;
    expect(due.summary).toBe('Allen, due: Geometry: Quiz 3');
    expect(due.startDate.isDate).toBe(true);
    // No mark of missing work leaves the portal.
    expect(due.description).toBeNull();
    expect(render('en')).not.toMatch(/missing/i);
  });

  it('gives a Spanish reader the kind of day, since the calendar’s note is in the district’s language', () => {
    const summaries = events(render('es')).map((e) => e.summary);
    expect(summaries).toContain('No hay clases: Vacaciones');
    expect(summaries).toContain('Allen: No hay clases: Día de trabajo para maestros');
    expect(summaries).toContain('Allen, entrega: Geometry: Quiz 3');
  });
});
