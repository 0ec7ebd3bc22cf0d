/** Schedule: the student's classes of a term, each period with its times, course, teacher and room. */
import type { ScheduleView } from '../../../domain/scheduling/schedule.js';
import { toolUrl } from '../../../domain/portal/tools.js';
import type { VisibleStudent } from '../../../domain/people/visibility.js';
import type { PageContext } from '../context.js';
import { formatTime } from '../format.js';
import { PortalLayout, TermLinks } from './layout.js';
import { localName } from '../../../i18n/format.js';

export function SchedulePage({ ctx, student, schedule, termId }: { ctx: PageContext; student: VisibleStudent; schedule: ScheduleView; termId: number | null }) {
  return (
    <PortalLayout ctx={ctx} student={student} tool="schedule" title={ctx.t('portal.schedule')}>
      <ScheduleBody ctx={ctx} schedule={schedule} termId={termId} base={toolUrl(student.id, 'schedule')} />
    </PortalLayout>
  );
}

/** A term's classes with the links to the other terms (at `base?term=`): the portal's and the staff's student page. */
export function ScheduleBody({ ctx, schedule, termId, base }: { ctx: PageContext; schedule: ScheduleView; termId: number | null; base: string }) {
  const { t, locale } = ctx;
  const shown = schedule.terms.find((x) => x.id === termId) ?? schedule.terms.find((x) => x.current) ?? schedule.terms[0];
  return (
    <>
      <TermLinks ctx={ctx} base={base} terms={schedule.terms} shownId={shown?.id} />
      {!shown || shown.classes.length === 0 ? (
        <p>{t('portal.noClasses')}</p>
      ) : (
        <div class="hr-stacked">
          <table class="usa-table usa-table--borderless hr-schedule">
            <caption>{t('portal.scheduleOf', { term: localName(ctx.locale, shown.title) })}</caption>
            <thead>
              <tr>
                <th scope="col">{t('portal.period')}</th>
                <th scope="col">{t('portal.time')}</th>
                <th scope="col">{t('portal.course')}</th>
                <th scope="col">{t('portal.teacher')}</th>
                <th scope="col">{t('portal.room')}</th>
              </tr>
            </thead>
            <tbody>
              {shown.classes.map((c) => (
                <tr key={c.sectionId}>
                  <td data-label={t('portal.period')} class="hr-schedule__period">
                    {c.period}
                  </td>
                  <td data-label={t('portal.time')} class="hr-schedule__time">{`${formatTime(c.start, locale)} – ${formatTime(c.end, locale)}`}</td>
                  <th scope="row" data-label={t('portal.course')} class="hr-schedule__course">
                    {c.courseTitle}
                    <span class="hr-muted">{c.sectionCode}</span>
                  </th>
                  <td data-label={t('portal.teacher')} class="hr-schedule__teacher">
                    {c.teacher ?? '—'}
                  </td>
                  <td data-label={t('portal.room')} class="hr-schedule__room">
                    {c.room ?? '—'}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
