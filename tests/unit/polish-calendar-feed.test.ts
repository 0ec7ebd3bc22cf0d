/**
 * Issue 23, the calendar feed: the whole feed is exactly what ical.js's parser reads (REFRESH-INTERVAL's
 * VALUE parameter written once), and a family with children at two schools gets each school's event
 * once, named with its school.
 */
import ICAL from 'ical.js';
import { describe, expect, it } from 'vitest';
import { calendarFeedIcs } from '../../src/documents/calendar-feed.js';
import type { FeedContent } from '../../src/domain/portal/calendar-feed.js';

const district = { name: 'Cedar Valley Public Schools', portalName: 'Cedar Valley Portal', timeZone: 'America/Chicago', locale: 'en' };
const allen = { id: 1, firstName: 'Allen', lastName: 'Alda', grade: 10, school: 'Northridge High School', schoolId: 2, studentNumber: '0004001' };
const grace = { id: 2, firstName: 'Grace', lastName: 'Alda', grade: 7, school: 'Oakwood Middle School', schoolId: 5, studentNumber: '0004002' };
const concert = { description: null, location: 'Auditorium', start: '2026-12-10', end: '2026-12-10', startTime: '19:00', endTime: '20:30' };

const content = (students: FeedContent['students'], events: FeedContent['events']): FeedContent => ({
  accountId: 1,
  locale: 'en',
  students,
  from: '2026-09-25',
  to: '2027-09-21',
  noSchool: [{ start: '2026-11-25', end: '2026-11-27', schoolIds: students.map((s) => s.schoolId), reason: 'break', note: 'Thanksgiving break', students: [] }],
  events,
  due: [{ assignmentId: 44, sectionId: 3, title: 'Quiz 3', course: 'Geometry', due: '2026-11-03', missing: false, scored: false, studentId: 1 }],
});
const render = (feed: FeedContent, locale: 'en' | 'es' = 'en') =>
  calendarFeedIcs(feed, { locale, district, baseUrl: 'https://portal.example.org', host: 'portal.example.org', now: new Date('2026-11-24T18:00:00Z') });

const twoSchools = content(
  [allen, grace],
  [
    { id: 9, schoolId: null, title: 'School Board Meeting', description: null, location: 'Board Room', start: '2026-10-30', end: '2026-10-30', startTime: '18:00', endTime: '19:30' },
    { id: 11, schoolId: 2, title: 'Winter Concert', ...concert },
    { id: 12, schoolId: 5, title: 'Winter Concert', ...concert },
  ],
);

/** The content lines, unfolded (RFC 5545 3.1). */
const lines = (ics: string) => ics.replace(/\r\n[ \t]/g, '').split('\r\n');

describe('the feed as iCalendar text', () => {
  it('is exactly what the parser reads: parsed and written again, it is the same text', () => {
    for (const locale of ['en', 'es'] as const) {
      const ics = render(twoSchools, locale);
      const parsed = new ICAL.Component(ICAL.parse(ics));
      expect(parsed.name).toBe('vcalendar');
      expect(parsed.toString()).toBe(ics);
    }
  });

  it('writes REFRESH-INTERVAL once, with its VALUE parameter once, and no parameter twice on any line', () => {
    const all = lines(render(twoSchools));
    expect(all.filter((l) => l.startsWith('REFRESH-INTERVAL'))).toEqual(['REFRESH-INTERVAL;VALUE=DURATION:PT4H']);
    for (const line of all) {
      // the parameters: between the name and the first colon outside quotes
      const head = /^([^:"]|"[^"]*")*/.exec(line)![0];
      const names = head.split(';').slice(1).map((p) => p.split('=')[0]!.toUpperCase());
      expect(new Set(names).size, line).toBe(names.length);
    }
    const refresh = new ICAL.Component(ICAL.parse(render(twoSchools))).getFirstProperty('refresh-interval')!;
    expect(refresh.type).toBe('duration');
    expect(refresh.getFirstValue()!.toString()).toBe('PT4H');
  });

  it('gives a two-school family each school’s event once, with the school’s name', () => {
    const events = new ICAL.Component(ICAL.parse(render(twoSchools))).getAllSubcomponents('vevent').map((v) => new ICAL.Event(v));
    const schoolEvents = events.filter((e) => e.uid.startsWith('event-')).map((e) => [e.uid, e.summary]);
    expect(schoolEvents).toEqual([
      ['event-9@portal.example.org', 'School Board Meeting'],
      ['event-11@portal.example.org', 'Winter Concert (Northridge High School)'],
      ['event-12@portal.example.org', 'Winter Concert (Oakwood Middle School)'],
    ]);
    const es = new ICAL.Component(ICAL.parse(render(twoSchools, 'es'))).getAllSubcomponents('vevent').map((v) => new ICAL.Event(v).summary);
    expect(es).toContain('Winter Concert (Oakwood Middle School)');
  });

  it('leaves the school out for a family at one school, where it goes without saying', () => {
    const one = content([allen], [{ id: 11, schoolId: 2, title: 'Winter Concert', ...concert }]);
    const events = new ICAL.Component(ICAL.parse(render(one))).getAllSubcomponents('vevent').map((v) => new ICAL.Event(v));
    expect(events.find((e) => e.uid === 'event-11@portal.example.org')!.summary).toBe('Winter Concert');
  });
});
