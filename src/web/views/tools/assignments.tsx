/** Assignments: all, missing, late or upcoming work of every class, by class or by due date. */
import { ASSIGNMENT_FILTERS, type AssignmentFilter, type AssignmentList, type AssignmentOrder } from '../../../domain/gradebook/assignments.js';
import { toolUrl } from '../../../domain/portal/tools.js';
import type { VisibleStudent } from '../../../domain/people/visibility.js';
import type { PageContext } from '../context.js';
import { PortalLayout } from './layout.js';
import { AssignmentTable } from './parts.js';

export function AssignmentsPage({ ctx, student, list, filter, view }: { ctx: PageContext; student: VisibleStudent; list: AssignmentList; filter: AssignmentFilter; view: AssignmentOrder }) {
  const { t } = ctx;
  const title = new Map(list.byClass.map((c) => [c.class.sectionId, c.class.courseTitle]));
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
      <p>
        {view === 'class' ? <a href={link(filter, 'date')}>{t('portal.byDate')}</a> : <a href={link(filter, 'class')}>{t('portal.byClass')}</a>}
      </p>
      <p role="status">{t('portal.assignmentCount', { count: list.count })}</p>
      {list.count === 0 ? null : view === 'date' ? (
        <AssignmentTable ctx={ctx} assignments={list.byDate} caption={t(`portal.filter.${filter}`)} showClass classTitle={(id) => title.get(id) ?? ''} />
      ) : (
        list.byClass.map(({ class: c, assignments }) => (
          <section key={c.sectionId} aria-labelledby={`class-${c.sectionId}`}>
            <h2 id={`class-${c.sectionId}`}>{c.courseTitle}</h2>
            <AssignmentTable ctx={ctx} assignments={assignments} caption={c.courseTitle} showClass={false} />
          </section>
        ))
      )}
    </PortalLayout>
  );
}
