/**
 * A calendar feed as iCalendar (RFC 5545) text, written with ical.js (Mozilla's iCalendar library):
 * no-school days and assignments' due dates as all-day events (DATE values: the same day wherever the
 * reader is), school events at their times in the district's time zone, given in UTC so every calendar
 * app places them right across daylight-saving changes (luxon does the wall-clock → instant
 * conversion). UIDs are stable, so an app that polls again updates events instead of duplicating them.
 */
import ICAL from 'ical.js';
import { DateTime } from 'luxon';
import { reasonText } from '../domain/calendar/calendar.js';
import { addDays } from '../domain/calendar/dates.js';
import type { FeedContent } from '../domain/portal/calendar-feed.js';
import { translate, type Locale, type MessageKey } from '../i18n/index.js';
import { localeTag } from '../i18n/format.js';

export function calendarFeedIcs(
  feed: FeedContent,
  input: { locale: Locale; district: { name: string; portalName: string; timeZone: string; locale: string }; baseUrl: string; host: string; now: Date },
): string {
  const { locale, district } = input;
  const t = (key: MessageKey, params: Record<string, string | number> = {}) => translate(locale, key, { portal: district.portalName, district: district.name, ...params });
  const several = feed.students.length > 1;
  const names = feed.students.map((s) => s.firstName).join(', ');
  const calendar = new ICAL.Component(['vcalendar', [], []]);
  calendar.updatePropertyWithValue('version', '2.0');
  calendar.updatePropertyWithValue('prodid', `-//Homeroom//${district.portalName}//${locale.toUpperCase()}`);
  calendar.updatePropertyWithValue('calscale', 'GREGORIAN');
  calendar.updatePropertyWithValue('method', 'PUBLISH');
  calendar.updatePropertyWithValue('x-wr-calname', names ? t('feed.calendarName', { names }) : district.name);
  calendar.updatePropertyWithValue('x-wr-caldesc', t('feed.calendarDescription'));
  // Calendar apps that honour these poll every few hours.
  // A Duration value makes ical.js write VALUE=DURATION itself (once: setting it again repeats it).
  calendar.updatePropertyWithValue('refresh-interval', ICAL.Duration.fromSeconds(4 * 60 * 60));
  calendar.updatePropertyWithValue('x-published-ttl', 'PT4H');

  const stamp = ICAL.Time.fromJSDate(input.now, true);
  const day = (d: string) => ICAL.Time.fromDateString(d);
  const at = (d: string, time: string) => ICAL.Time.fromJSDate(DateTime.fromISO(`${d}T${time}`, { zone: district.timeZone }).toJSDate(), true);
  const uid = (kind: string, id: string | number) => `${kind}-${id}@${input.host}`;
  const add = (e: { uid: string; start: ICAL.Time; end: ICAL.Time; summary: string; description?: string | null; location?: string | null; url?: string; free?: boolean }) => {
    const event = new ICAL.Component('vevent');
    event.updatePropertyWithValue('uid', e.uid);
    event.updatePropertyWithValue('dtstamp', stamp);
    event.updatePropertyWithValue('dtstart', e.start);
    event.updatePropertyWithValue('dtend', e.end);
    event.updatePropertyWithValue('summary', e.summary);
    if (e.description) event.updatePropertyWithValue('description', e.description);
    if (e.location) event.updatePropertyWithValue('location', e.location);
    if (e.url) event.updatePropertyWithValue('url', e.url);
    // A day off or a due date does not make the reader busy.
    if (e.free) event.updatePropertyWithValue('transp', 'TRANSPARENT');
    calendar.addSubcomponent(event);
  };

  const list = new Intl.ListFormat(localeTag(locale), { type: 'conjunction' });
  for (const off of feed.noSchool) {
    const why = reasonText(off, locale, district.locale, t);
    const what = why ? t('calendar.noSchoolNote', { note: why }) : t('calendar.noSchool');
    add({
      uid: uid('noschool', `${[...off.schoolIds].sort((a, b) => a - b).join('.')}-${off.start}`),
      start: day(off.start),
      // DTEND of an all-day event is the day after the last (RFC 5545 3.6.1).
      end: day(addDays(off.end, 1)),
      summary: off.students.length > 0 ? t('feed.noSchoolFor', { students: list.format(off.students), what }) : what,
      free: true,
    });
  }
  // A family at more than one school is told whose each school event is: two schools' "Winter Concert"
  // are two events, not one written twice.
  const schoolName = new Map(feed.students.map((s) => [s.schoolId, s.school]));
  const severalSchools = schoolName.size > 1;
  for (const event of feed.events) {
    const timed = event.startTime !== null && event.endTime !== null;
    const school = event.schoolId === null ? undefined : schoolName.get(event.schoolId);
    add({
      uid: uid('event', event.id),
      start: timed ? at(event.start, event.startTime!) : day(event.start),
      end: timed ? at(event.end, event.endTime!) : day(addDays(event.end, 1)),
      summary: severalSchools && school ? t('feed.eventAt', { title: event.title, school }) : event.title,
      description: event.description,
      location: event.location,
    });
  }
  const nameOf = new Map(feed.students.map((s) => [s.id, s.firstName]));
  for (const due of feed.due) {
    const what = { course: due.course, title: due.title };
    add({
      uid: uid('due', `${due.assignmentId}-${due.studentId}`),
      start: day(due.due),
      end: day(addDays(due.due, 1)),
      summary: several ? t('feed.dueFor', { student: nameOf.get(due.studentId) ?? '', ...what }) : t('feed.due', what),
      url: `${input.baseUrl}/students/${due.studentId}/grades/${due.sectionId}`,
      free: true,
    });
  }
  return calendar.toString();
}
