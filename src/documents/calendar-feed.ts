/**
 * A calendar feed as iCalendar (RFC 5545) text, written by ical-generator: no-school days and
 * assignments' due dates as all-day events (DATE values: the same day wherever the reader is), school
 * events at their times in the district's time zone, given in UTC so every calendar app places them
 * right across daylight-saving changes (luxon does the wall-clock → instant conversion). UIDs are
 * stable, so an app that polls again updates events instead of duplicating them.
 */
import ical, { ICalCalendarMethod, ICalEventTransparency } from 'ical-generator';
import { DateTime } from 'luxon';
import { addDays } from '../domain/calendar/dates.js';
import type { FeedContent } from '../domain/portal/calendar-feed.js';
import { translate, type Locale, type MessageKey } from '../i18n/index.js';

const REASONS = new Set(['holiday', 'break', 'teacher_workday']);

export function calendarFeedIcs(
  feed: FeedContent,
  input: { locale: Locale; district: { name: string; portalName: string; timeZone: string }; baseUrl: string; host: string; now: Date },
): string {
  const { locale, district } = input;
  const t = (key: MessageKey, params: Record<string, string | number> = {}) => translate(locale, key, { portal: district.portalName, district: district.name, ...params });
  const several = feed.students.length > 1;
  const names = feed.students.map((s) => s.firstName).join(', ');
  const calendar = ical({
    name: names ? t('feed.calendarName', { names }) : district.name,
    description: t('feed.calendarDescription'),
    prodId: { company: 'Homeroom', product: district.portalName, language: locale.toUpperCase() },
    method: ICalCalendarMethod.PUBLISH,
    // Calendar apps that honour it poll every few hours.
    ttl: 4 * 60 * 60,
  });
  const stamp = input.now;
  const date = (d: string) => new Date(`${d}T00:00:00.000Z`);
  const at = (d: string, time: string) => DateTime.fromISO(`${d}T${time}`, { zone: district.timeZone });
  const uid = (kind: string, id: string | number) => `${kind}-${id}@${input.host}`;

  for (const day of feed.noSchool) {
    const why = day.note ?? (day.reason && REASONS.has(day.reason) ? t(`calendar.reason.${day.reason}` as MessageKey) : null);
    calendar.createEvent({
      id: uid('noschool', `${day.schoolId}-${day.start}`),
      allDay: true,
      start: date(day.start),
      // DTEND of an all-day event is the day after the last (RFC 5545 3.6.1).
      end: date(addDays(day.end, 1)),
      summary: why ? t('calendar.noSchoolNote', { note: why }) : t('calendar.noSchool'),
      stamp,
      transparency: ICalEventTransparency.TRANSPARENT,
    });
  }
  for (const event of feed.events) {
    const timed = event.startTime !== null && event.endTime !== null;
    calendar.createEvent({
      id: uid('event', event.id),
      allDay: !timed,
      start: timed ? at(event.start, event.startTime!) : date(event.start),
      end: timed ? at(event.end, event.endTime!) : date(addDays(event.end, 1)),
      summary: event.title,
      description: event.description,
      location: event.location,
      stamp,
    });
  }
  const nameOf = new Map(feed.students.map((s) => [s.id, s.firstName]));
  for (const due of feed.due) {
    const what = { course: due.course, title: due.title };
    calendar.createEvent({
      id: uid('due', `${due.assignmentId}-${due.studentId}`),
      allDay: true,
      start: date(due.due),
      end: date(addDays(due.due, 1)),
      summary: several ? t('feed.dueFor', { student: nameOf.get(due.studentId) ?? '', ...what }) : t('feed.due', what),
      description: due.missing ? t('feed.missing') : null,
      url: `${input.baseUrl}/students/${due.studentId}/grades/${due.sectionId}`,
      stamp,
      transparency: ICalEventTransparency.TRANSPARENT,
    });
  }
  return calendar.toString();
}
