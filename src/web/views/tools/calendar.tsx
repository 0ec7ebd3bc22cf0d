/** Calendar: a month or a week of school days, days without school, school events and due dates. */
import { otherView, reasonText, type CalendarDayView, type CalendarRequest, type CalendarView, type SchoolEventView } from '../../../domain/calendar/calendar.js';
import { toolUrl } from '../../../domain/portal/tools.js';
import type { VisibleStudent } from '../../../domain/people/visibility.js';
import type { PageContext } from '../context.js';
import type { Locale, Translate } from '../../../i18n/index.js';
import { cached, formatDay, formatTime } from '../format.js';
import { localeTag } from '../../../i18n/format.js';
import { PortalLayout } from './layout.js';

export function calendarUrl(studentId: number, request: CalendarRequest): string {
  const base = toolUrl(studentId, 'calendar');
  return request.view === 'week' ? `${base}?week=${request.start}` : `${base}?month=${request.year}-${String(request.month).padStart(2, '0')}`;
}

function monthName(year: number, month: number, locale: Locale): string {
  const f = cached(`month:${locale}`, () => new Intl.DateTimeFormat(localeTag(locale), { month: 'long', year: 'numeric', timeZone: 'UTC' }));
  return f.format(new Date(Date.UTC(year, month - 1, 15)));
}

function weekdayNames(locale: Locale): { short: string; long: string }[] {
  const short = cached(`wd:${locale}`, () => new Intl.DateTimeFormat(localeTag(locale), { weekday: 'short', timeZone: 'UTC' }));
  const long = cached(`wdl:${locale}`, () => new Intl.DateTimeFormat(localeTag(locale), { weekday: 'long', timeZone: 'UTC' }));
  // 2026-11-22 is a Sunday.
  return Array.from({ length: 7 }, (_, i) => {
    const d = new Date(Date.UTC(2026, 10, 22 + i, 12));
    return { short: short.format(d), long: long.format(d) };
  });
}

/** "November 22, 2026", without the weekday (a week starts on Sunday anyway). */
function longDate(date: string, locale: Locale): string {
  const f = cached(`longdate:${locale}`, () => new Intl.DateTimeFormat(localeTag(locale), { month: 'long', day: 'numeric', year: 'numeric', timeZone: 'UTC' }));
  return f.format(new Date(`${date}T12:00:00Z`));
}

function label(request: CalendarRequest, t: Translate, locale: Locale): string {
  return request.view === 'week' ? t('calendar.weekOf', { date: longDate(request.start, locale) }) : monthName(request.year, request.month, locale);
}

/** Why there is no school on a day, in the reader's words, or null on a school day and at weekends. */
function noSchoolText(day: CalendarDayView, ctx: PageContext): string | null {
  const { t } = ctx;
  if (day.schoolDay || day.reason === 'weekend' || day.reason === null) return null;
  const why = reasonText(day, ctx.locale, ctx.district.locale, t);
  return why ? t('calendar.noSchoolNote', { note: why }) : t('calendar.noSchool');
}

function eventTime(e: SchoolEventView, t: Translate, locale: Locale): string {
  return e.startTime && e.endTime ? `${formatTime(e.startTime, locale)} – ${formatTime(e.endTime, locale)}` : t('portal.allDay');
}

function DayItems({ ctx, student, day, full }: { ctx: PageContext; student: VisibleStudent; day: CalendarDayView; full: boolean }) {
  const { t, locale } = ctx;
  const closed = noSchoolText(day, ctx);
  if (!closed && day.events.length === 0 && day.due.length === 0) return null;
  return (
    <ul class="hr-cal-items">
      {closed ? <li class="hr-cal-closed">{closed}</li> : null}
      {day.events.map((e) => (
        <li key={`e${e.id}`} class="hr-cal-event">
          <span class="hr-cal-time">{eventTime(e, t, locale)}</span> {e.title}
          {full && e.schoolId === null ? <span class="hr-muted">{t('calendar.districtEvent')}</span> : null}
          {full && e.location ? <span class="hr-muted">{t('calendar.at', { location: e.location })}</span> : null}
          {full && e.description ? <span class="hr-muted">{e.description}</span> : null}
        </li>
      ))}
      {day.due.map((d) => (
        <li key={`d${d.assignmentId}`} class="hr-cal-due">
          <a href={toolUrl(student.id, 'grades', d.sectionId)}>{t('calendar.due', { title: d.title })}</a>
          <span class="hr-muted">{d.course}</span>
          {d.missing ? <span class="usa-tag hr-flag hr-flag--missing">{t('portal.flag.missing')}</span> : null}
        </li>
      ))}
    </ul>
  );
}

export function CalendarPage({ ctx, student, calendar, today }: { ctx: PageContext; student: VisibleStudent; calendar: CalendarView; today: string }) {
  const { t, locale } = ctx;
  const { request } = calendar;
  const names = weekdayNames(locale);
  const heading = label(request, t, locale);
  const base = toolUrl(student.id, 'calendar');
  const empty = calendar.weeks.every((w) => w.every((d) => !d.inRange || (noSchoolText(d, ctx) === null && d.events.length === 0 && d.due.length === 0)));
  return (
    <PortalLayout ctx={ctx} student={student} tool="calendar" title={t('portal.calendar')}>
      <nav aria-label={t('calendar.views')}>
        <ul class="hr-inline-list">
          <li>
            <a href={request.view === 'month' ? calendarUrl(student.id, request) : calendarUrl(student.id, otherView(request, today))} aria-current={request.view === 'month' ? 'page' : undefined}>
              {t('calendar.month')}
            </a>
          </li>
          <li>
            <a href={request.view === 'week' ? calendarUrl(student.id, request) : calendarUrl(student.id, otherView(request, today))} aria-current={request.view === 'week' ? 'page' : undefined}>
              {t('calendar.week')}
            </a>
          </li>
        </ul>
      </nav>
      <h2>{heading}</h2>
      <ul class="hr-inline-list hr-cal-nav">
        {calendar.previous ? (
          <li>
            <a href={calendarUrl(student.id, calendar.previous)} rel="prev">
              <span aria-hidden="true">‹ </span>
              {t('calendar.previous', { label: label(calendar.previous, t, locale) })}
            </a>
          </li>
        ) : null}
        <li>
          <a href={request.view === 'week' ? `${base}?view=week` : base}>{request.view === 'week' ? t('calendar.thisWeek') : t('calendar.thisMonth')}</a>
        </li>
        {calendar.next ? (
          <li>
            <a href={calendarUrl(student.id, calendar.next)} rel="next">
              {t('calendar.next', { label: label(calendar.next, t, locale) })}
              <span aria-hidden="true"> ›</span>
            </a>
          </li>
        ) : null}
      </ul>
      <p>{t('calendar.key')}</p>
      {request.view === 'month' ? (
        <>
          {empty ? <p>{t('calendar.nothingThisMonth')}</p> : null}
          <table class="hr-month">
            <caption class="usa-sr-only">{heading}</caption>
            <thead>
              <tr>
                {names.map((n) => (
                  <th scope="col" key={n.long}>
                    <abbr title={n.long}>{n.short}</abbr>
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {calendar.weeks.map((week) => (
                <tr key={week[0]!.date}>
                  {week.map((day) => {
                    const closed = !day.schoolDay && day.reason !== 'weekend' && day.reason !== null;
                    const busy = closed || day.events.length > 0 || day.due.length > 0;
                    const classes = ['hr-day', day.inRange ? '' : 'hr-day--outside', closed ? 'hr-day--closed' : '', day.today ? 'hr-day--today' : '', busy ? '' : 'hr-day--empty']
                      .filter(Boolean)
                      .join(' ');
                    return (
                      <td key={day.date} class={classes} aria-current={day.today ? 'date' : undefined}>
                        <span class="hr-day-number" aria-hidden="true">
                          {Number(day.date.slice(8))}
                        </span>
                        <span class="hr-day-date">
                          {formatDay(day.date, locale, true)}
                          {day.today ? ` (${t('calendar.todayMark')})` : ''}
                        </span>
                        {day.inRange ? <DayItems ctx={ctx} student={student} day={day} full={false} /> : null}
                      </td>
                    );
                  })}
                </tr>
              ))}
            </tbody>
          </table>
        </>
      ) : (
        <WeekList ctx={ctx} student={student} days={calendar.weeks[0] ?? []} />
      )}
      <p>
        <a href="/account/calendar">{t('calendar.subscribe')}</a>
      </p>
    </PortalLayout>
  );
}

function WeekList({ ctx, student, days }: { ctx: PageContext; student: VisibleStudent; days: CalendarDayView[] }) {
  const { t, locale } = ctx;
  const quiet = days.every((d) => noSchoolText(d, ctx) === null && d.events.length === 0 && d.due.length === 0);
  return (
    <>
      {quiet ? <p>{t('calendar.nothingThisWeek')}</p> : null}
      <ol class="hr-week">
        {days.map((day) => (
          <li key={day.date} class={day.today ? 'hr-day--today' : undefined} aria-current={day.today ? 'date' : undefined}>
            <h3>
              {formatDay(day.date, locale, true)}
              {day.today ? ` (${t('calendar.todayMark')})` : ''}
            </h3>
            <DayItems ctx={ctx} student={student} day={day} full={true} />
          </li>
        ))}
      </ol>
    </>
  );
}
