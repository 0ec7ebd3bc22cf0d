/** Attendance: a term's absences, tardies and early releases, with totals per class. */
import type { AttendanceView } from '../../../domain/attendance/attendance.js';
import { toolUrl } from '../../../domain/portal/tools.js';
import type { VisibleStudent } from '../../../domain/people/visibility.js';
import type { PageContext } from '../context.js';
import { formatDay } from '../format.js';
import { PortalLayout, TermLinks } from './layout.js';
import { localName } from '../../../i18n/format.js';

export function AttendancePage({ ctx, student, attendance, termId }: { ctx: PageContext; student: VisibleStudent; attendance: AttendanceView; termId: number | null }) {
  return (
    <PortalLayout ctx={ctx} student={student} tool="attendance" title={ctx.t('portal.attendance')}>
      <AttendanceBody ctx={ctx} attendance={attendance} termId={termId} base={toolUrl(student.id, 'attendance')} />
    </PortalLayout>
  );
}

/** A term's absences and totals with the links to the other terms (at `base?term=`): the portal's and a counselor's. */
export function AttendanceBody({ ctx, attendance, termId, base }: { ctx: PageContext; attendance: AttendanceView; termId: number | null; base: string }) {
  const { t, locale } = ctx;
  const shown = attendance.terms.find((x) => x.id === termId) ?? attendance.terms.find((x) => x.current) ?? attendance.terms[0];
  return (
    <>
      <TermLinks ctx={ctx} base={base} terms={attendance.terms} shownId={shown?.id} />
      {!shown ? (
        <p>{t('portal.noClasses')}</p>
      ) : (
        <>
          <h2>{localName(ctx.locale, shown.title)}</h2>
          <p>{t('portal.daysAbsent', { count: shown.daysAbsent })}</p>
          <div class="hr-stacked">
            <table class="usa-table usa-table--borderless usa-table--stacked">
              <caption>{t('portal.totals')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('portal.course')}</th>
                  <th scope="col">{t('portal.absences')}</th>
                  <th scope="col">{t('portal.excuse.excused')}</th>
                  <th scope="col">{t('portal.excuse.unexcused')}</th>
                  <th scope="col">{t('portal.excuse.unknown')}</th>
                  <th scope="col">{t('portal.tardies')}</th>
                </tr>
              </thead>
              <tbody>
                {shown.totals.map((x) => (
                  <tr key={x.class.sectionId}>
                    <th scope="row" data-label={t('portal.course')}>{`${x.class.period} · ${x.class.courseTitle}`}</th>
                    <td data-label={t('portal.absences')}>{x.absent}</td>
                    <td data-label={t('portal.excuse.excused')}>{x.excused}</td>
                    <td data-label={t('portal.excuse.unexcused')}>{x.unexcused}</td>
                    <td data-label={t('portal.excuse.unknown')}>{x.unknown}</td>
                    <td data-label={t('portal.tardies')}>{x.tardy}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {shown.events.length === 0 ? (
            <p>{t('portal.perfectAttendance')}</p>
          ) : (
            <div class="hr-stacked">
              <table class="usa-table usa-table--borderless usa-table--stacked">
                <caption>{t('portal.events')}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t('portal.date')}</th>
                    <th scope="col">{t('portal.period')}</th>
                    <th scope="col">{t('portal.course')}</th>
                    <th scope="col">{t('portal.what')}</th>
                    <th scope="col">{t('portal.excused')}</th>
                  </tr>
                </thead>
                <tbody>
                  {shown.events.map((e, i) => (
                    <tr key={i}>
                      <td data-label={t('portal.date')}>{formatDay(e.date, locale)}</td>
                      <td data-label={t('portal.period')}>{e.period ?? t('portal.allDay')}</td>
                      <td data-label={t('portal.course')}>{e.course ?? t('portal.allClasses')}</td>
                      <th scope="row" data-label={t('portal.what')}>
                        {t(`portal.kind.${e.kind}`)}
                        <span class="hr-muted">{`${e.code}: ${localName(ctx.locale, e.description)}`}</span>
                      </th>
                      <td data-label={t('portal.excused')}>
                        <span class={`usa-tag hr-excuse hr-excuse--${e.excuse}`}>{t(`portal.excuse.${e.excuse}`)}</span>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </>
      )}
    </>
  );
}
