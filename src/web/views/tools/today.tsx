/** Today: what needs attention, today's classes, work due soon, recent scores and announcements. */
import type { TodayView } from '../../../domain/portal/today.js';
import type { NewInDiscussions } from '../../../domain/discussions/service.js';
import { toolUrl } from '../../../domain/portal/tools.js';
import type { VisibleStudent } from '../../../domain/people/visibility.js';
import type { PageContext } from '../context.js';
import { formatDay, formatPercent, formatTime } from '../format.js';
import { Alert } from '../forms.js';
import { MealLowBanner } from '../meals.js';
import { PortalLayout } from './layout.js';
import { scoreText } from './parts.js';
import { localName } from '../../../i18n/format.js';

export function TodayPage({
  ctx,
  student,
  today,
  notice,
  discussions = [],
  formsWaiting = 0,
  mealsLow = [],
}: {
  ctx: PageContext;
  student: VisibleStudent;
  today: TodayView;
  notice?: string;
  /** the student's own new posts in discussions, per topic since they last opened it (empty for a guardian) */
  discussions?: NewInDiscussions;
  /** forms waiting for this guardian's signature for the child */
  formsWaiting?: number;
  /** the guardian's children whose meal balance is below the guardian's threshold */
  mealsLow?: { student: VisibleStudent; balanceCents: number; thresholdCents: number }[];
}) {
  const { t, locale } = ctx;
  return (
    <PortalLayout ctx={ctx} student={student} tool="today" title={t('portal.today')}>
      <Alert type="success" text={notice} />
      <MealLowBanner ctx={ctx} low={mealsLow} />
      {formsWaiting > 0 ? (
        <p class="hr-forms-waiting">
          {t('forms.todayLine', { count: formsWaiting })} <a href={toolUrl(student.id, 'forms')}>{t('forms.todayLink')}</a>
        </p>
      ) : null}
      <p class="usa-intro">{formatDay(today.date, locale, true)}</p>
      {ctx.unreadMessages ? (
        <p>
          <a href="/messages" class="hr-attention-count">
            {t('messages.unreadCount', { count: ctx.unreadMessages })}
          </a>
        </p>
      ) : null}
      <section aria-labelledby="attention-heading">
        <h2 id="attention-heading">{t('portal.needsAttention')}</h2>
        {today.needsAttention.length === 0 ? (
          <p>{t('portal.nothingNeedsAttention')}</p>
        ) : (
          <ul class="usa-list hr-attention">
            {today.needsAttention.map((item, i) => (
              <li key={i}>
                {item.kind === 'unexplained' ? (
                  <>
                    <span class="usa-tag hr-excuse hr-excuse--unknown">{t('portal.excuse.unknown')}</span>{' '}
                    {t('portal.attention.unexplained', { date: formatDay(item.event.date, locale), what: item.event.course ?? t('portal.allDay') })}
                  </>
                ) : (
                  <>
                    <span class={`usa-tag hr-flag hr-flag--${item.kind === 'missing' ? 'missing' : 'late'}`}>
                      {item.kind === 'missing' ? t('portal.flag.missing') : t('portal.attention.low')}
                    </span>{' '}
                    <a href={toolUrl(student.id, 'grades', item.assignment.sectionId)}>{item.course}</a>
                    {`: ${item.assignment.title} (${formatDay(item.assignment.due, locale)})`}
                    {item.kind === 'lowScore' ? ` ${formatPercent(item.assignment.percent, locale)}` : ''}
                  </>
                )}
              </li>
            ))}
          </ul>
        )}
      </section>
      <section aria-labelledby="classes-heading">
        <h2 id="classes-heading">{t('portal.todaysClasses')}</h2>
        {!today.schoolDay ? (
          <p>{today.noSchoolNote ? t('portal.noSchoolBecause', { note: localName(ctx.locale, today.noSchoolNote) }) : t('portal.noSchool')}</p>
        ) : (
          <ol class="usa-list usa-list--unstyled hr-today-classes">
            {today.classes.map((c) => (
              <li key={c.sectionId} class={c.now ? 'hr-now' : undefined} aria-current={c.now ? 'time' : undefined}>
                <strong>{`${formatTime(c.start, locale)} – ${formatTime(c.end, locale)}`}</strong>{' '}
                {`${c.courseTitle} · ${t('portal.roomN', { room: c.room ?? '—' })}`}
                {c.now ? <span class="usa-tag hr-tag--strong hr-tag--inline">{t('portal.now')}</span> : null}
              </li>
            ))}
          </ol>
        )}
        {today.attendanceToday.length > 0 ? (
          <ul class="usa-list">
            {today.attendanceToday.map((e, i) => (
              <li key={i}>{`${t(`portal.kind.${e.kind}`)}: ${e.course ?? t('portal.allDay')} (${t(`portal.excuse.${e.excuse}`)})`}</li>
            ))}
          </ul>
        ) : null}
      </section>
      <section aria-labelledby="due-heading">
        <h2 id="due-heading">{t('portal.dueSoon')}</h2>
        {today.dueSoon.length === 0 ? (
          <p>{t('portal.nothingDue')}</p>
        ) : (
          <ul class="usa-list">
            {today.dueSoon.map((a) => (
              <li key={a.id}>{`${formatDay(a.due, locale)}: ${a.course} · ${a.title}`}</li>
            ))}
          </ul>
        )}
      </section>
      {discussions.length > 0 ? (
        <section aria-labelledby="discussions-heading">
          <h2 id="discussions-heading">{t('discussions.newOnToday')}</h2>
          <ul class="usa-list">
            {discussions.map((d) => (
              <li key={d.topicId}>
                <a href={toolUrl(student.id, 'discussions', d.topicId)}>{`${d.course} · ${d.title}`}</a>
                {`: ${t('discussions.newCount', { count: d.count })}`}
              </li>
            ))}
          </ul>
        </section>
      ) : null}
      <section aria-labelledby="scores-heading">
        <h2 id="scores-heading">{t('portal.recentScores')}</h2>
        {today.recentScores.length === 0 ? (
          <p>{t('portal.noRecentScores')}</p>
        ) : (
          <ul class="usa-list">
            {today.recentScores.map((a) => (
              <li key={a.id}>{`${a.course} · ${a.title}: ${scoreText(ctx, a)} (${formatPercent(a.percent, locale)})`}</li>
            ))}
          </ul>
        )}
      </section>
      {today.announcements.length > 0 ? (
        <section aria-labelledby="announcements-heading">
          <h2 id="announcements-heading">{t('portal.announcements')}</h2>
          {today.announcements.map((a) => (
            <div key={a.id} lang={a.locale} class="hr-panel">
              <h3>{a.title}</h3>
              <p>{a.body}</p>
            </div>
          ))}
        </section>
      ) : null}
    </PortalLayout>
  );
}
