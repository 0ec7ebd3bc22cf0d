/** Assignments: this grading period's work (missing, to come, the rest), or all, missing, late or upcoming work of every class. */
import { ASSIGNMENT_FILTERS, type AssignmentFilter, type AssignmentList, type AssignmentOrder } from '../../../domain/gradebook/assignments.js';
import { toolUrl } from '../../../domain/portal/tools.js';
import type { VisibleStudent } from '../../../domain/people/visibility.js';
import type { PageContext } from '../context.js';
import { PortalLayout } from './layout.js';
import { AssignmentTable } from './parts.js';
import { localName } from '../../../i18n/format.js';

export function AssignmentsPage({ ctx, student, list, filter, view }: { ctx: PageContext; student: VisibleStudent; list: AssignmentList; filter: AssignmentFilter; view: AssignmentOrder }) {
  const { t } = ctx;
  const title = new Map(list.byClass.map((c) => [c.class.sectionId, c.class.courseTitle]));
  const classTitle = (id: number) => title.get(id) ?? '';
  const link = (f: AssignmentFilter, v: AssignmentOrder) => `${toolUrl(student.id, 'assignments')}?filter=${f}&view=${v}`;
  return (
    <PortalLayout ctx={ctx} student={student} tool="assignments" title={t('portal.assignments')}>
      <nav aria-label={t('portal.filter')}>
        <ul class="hr-inline-list">
          {ASSIGNMENT_FILTERS.map((f) => (
            <li key={f}>
              <a href={link(f, view)} aria-current={f === filter ? 'page' : undefined}>
                {t(`portal.filter.${f}`)}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      {filter === 'period' ? (
        <PeriodParts ctx={ctx} list={list} classTitle={classTitle} allHref={link('all', view)} />
      ) : (
        <>
          <p>
            {view === 'class' ? <a href={link(filter, 'date')}>{t('portal.byDate')}</a> : <a href={link(filter, 'class')}>{t('portal.byClass')}</a>}
          </p>
          <p role="status">{t('portal.assignmentCount', { count: list.count })}</p>
          {list.count === 0 ? null : view === 'date' ? (
            <AssignmentTable ctx={ctx} assignments={list.byDate} caption={t(`portal.filter.${filter}`)} showClass classTitle={classTitle} />
          ) : (
            list.byClass.map(({ class: c, assignments }) => (
              <section key={c.sectionId} aria-labelledby={`class-${c.sectionId}`}>
                <h2 id={`class-${c.sectionId}`}>{c.courseTitle}</h2>
                <AssignmentTable ctx={ctx} assignments={assignments} caption={c.courseTitle} showClass={false} />
              </section>
            ))
          )}
        </>
      )}
    </PortalLayout>
  );
}

/** The current grading period: what is missing and what is to come first, the rest one tap away. */
function PeriodParts({ ctx, list, classTitle, allHref }: { ctx: PageContext; list: AssignmentList; classTitle: (sectionId: number) => string; allHref: string }) {
  const { t } = ctx;
  const { titles, missing, upcoming, rest } = list.period;
  const period = titles.map((n) => localName(ctx.locale, n)).join(', ');
  return (
    <>
      <p role="status">{titles.length === 0 ? t('portal.period.none') : t('portal.period.intro', { period, count: list.count })}</p>
      <section aria-labelledby="missing-heading">
        <h2 id="missing-heading">{t('portal.period.missing', { count: missing.length })}</h2>
        {missing.length === 0 ? <p>{t('portal.period.noMissing')}</p> : <AssignmentTable ctx={ctx} assignments={missing} caption={t('portal.period.missingOf', { period })} showClass classTitle={classTitle} />}
      </section>
      <section aria-labelledby="upcoming-heading">
        <h2 id="upcoming-heading">{t('portal.period.upcoming', { count: upcoming.length })}</h2>
        {upcoming.length === 0 ? <p>{t('portal.period.noUpcoming')}</p> : <AssignmentTable ctx={ctx} assignments={upcoming} caption={t('portal.period.upcomingOf', { period })} showClass classTitle={classTitle} />}
      </section>
      {rest.length > 0 ? (
        <details class="hr-rest">
          <summary>{t('portal.period.rest', { period, count: rest.length })}</summary>
          <AssignmentTable ctx={ctx} assignments={rest} caption={t('portal.period.restOf', { period })} showClass classTitle={classTitle} />
        </details>
      ) : null}
      <p>
        <a href={allHref}>{t('portal.period.all')}</a>
      </p>
    </>
  );
}
