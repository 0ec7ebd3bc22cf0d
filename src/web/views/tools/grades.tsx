/** Grades: every class with its grade, and one class with its categories, assignments, posted grades and trend. */
import { shownGradeOf, type ClassGrades, type StudentGrades } from '../../../domain/gradebook/grades.js';
import type { TrendPoint } from '../../../domain/gradebook/what-if.js';
import { toolUrl } from '../../../domain/portal/tools.js';
import type { VisibleStudent } from '../../../domain/people/visibility.js';
import type { PageContext } from '../context.js';
import { formatDay, formatPercent, formatPoints } from '../format.js';
import { PortalLayout, TermLinks } from './layout.js';
import { AssignmentTable, GradeValue, staffLang, TeacherComment } from './parts.js';
import { localName } from '../../../i18n/format.js';

export function GradesPage({ ctx, student, grades }: { ctx: PageContext; student: VisibleStudent; grades: StudentGrades }) {
  return (
    <PortalLayout ctx={ctx} student={student} tool="grades" title={ctx.t('portal.grades')}>
      <p>{ctx.t('portal.gradesIntro')}</p>
      <GradeCards ctx={ctx} grades={grades} classHref={(sectionId) => toolUrl(student.id, 'grades', sectionId)} />
    </PortalLayout>
  );
}

/** Every class with its grade now and its posted grades; each class a link when `classHref` is given. */
export function GradeCards({ ctx, grades, classHref }: { ctx: PageContext; grades: StudentGrades; classHref: ((sectionId: number) => string) | null }) {
  const { t } = ctx;
  return (
    <>
      {grades.classes.length === 0 ? <p>{t('portal.noClasses')}</p> : null}
      <ul class="usa-list usa-list--unstyled hr-cards">
        {grades.classes.map((c) => {
          const shown = shownGradeOf(c);
          const current = shown?.period;
          // A class not begun shows its first period as not started, with no grade.
          const first = current ? undefined : c.periods.find((p) => p.state === 'notStarted');
          const earlier = c.periods.filter((p) => p.posted && p.period.id !== c.currentPeriodId);
          return (
            <li key={c.class.sectionId} class="hr-card">
              <h2 class="hr-card__title">{classHref ? <a href={classHref(c.class.sectionId)}>{c.class.courseTitle}</a> : c.class.courseTitle}</h2>
              <p class="hr-muted">{`${t('portal.periodN', { period: c.class.period })} · ${c.class.teacher ?? '—'}`}</p>
              {shown && current ? (
                <p>
                  {`${localName(ctx.locale, current.period.title)}${current.posted ? '' : ` (${t(current.state === 'inProgress' ? 'portal.inProgress' : 'portal.notPosted')})`}: `}
                  <GradeValue ctx={ctx} percent={shown.percent} letter={shown.letter} />
                </p>
              ) : first ? (
                <p>{`${localName(ctx.locale, first.period.title)} (${t('portal.notStarted')}): ${t('portal.startsOn', { date: formatDay(first.period.start, ctx.locale) })}`}</p>
              ) : null}
              {earlier.length > 0 ? (
                <p>
                  {earlier.map((p, i) => (
                    <span key={p.period.id}>
                      {i > 0 ? ' · ' : ''}
                      {`${localName(ctx.locale, p.period.title)} (${t('portal.posted')}): ${p.posted!.letter ?? ''}`}
                    </span>
                  ))}
                </p>
              ) : null}
            </li>
          );
        })}
      </ul>
    </>
  );
}

export function ClassGradePage({
  ctx,
  student,
  grades,
  periodId,
  trend,
}: {
  ctx: PageContext;
  student: VisibleStudent;
  grades: ClassGrades;
  periodId: number | null;
  trend: (periodId: number) => TrendPoint[];
}) {
  const { t, locale } = ctx;
  const shown = grades.periods.find((p) => p.period.id === periodId) ?? grades.periods.find((p) => p.period.id === grades.currentPeriodId) ?? grades.periods[0];
  const c = grades.class;
  const assignments = grades.assignments.filter((a) => a.periodId === shown?.period.id);
  return (
    <PortalLayout ctx={ctx} student={student} tool="grades" title={c.courseTitle}>
      <p>
        <a href={toolUrl(student.id, 'grades')}>{t('portal.allGrades')}</a>
      </p>
      <p>{`${t('portal.periodN', { period: c.period })} · ${c.teacher ?? '—'} · ${t('portal.roomN', { room: c.room ?? '—' })}`}</p>
      <TermLinks ctx={ctx} base={toolUrl(student.id, 'grades', c.sectionId)} terms={grades.periods.map((p) => ({ id: p.period.id, title: p.period.title }))} shownId={shown?.period.id} />
      {shown ? (
        <>
          <h2>{localName(ctx.locale, shown.period.title)}</h2>
          {shown.state === 'notStarted' ? (
            <p>{`${t('portal.notStartedCap')}: ${t('portal.startsOn', { date: formatDay(shown.period.start, locale) })}`}</p>
          ) : null}
          {shown.posted ? (
            <p>
              {`${t('portal.postedGrade')}: `}
              <GradeValue ctx={ctx} percent={shown.posted.percent} letter={shown.posted.letter} />
              {shown.posted.comment ? <TeacherComment ctx={ctx} comment={shown.posted.comment} /> : null}
            </p>
          ) : null}
          {shown.state === 'notStarted' ? null : (
            <p>
              {`${shown.posted ? t('portal.computedGrade') : shown.state === 'inProgress' ? t('portal.inProgressGrade') : t('portal.notPostedGrade')}: `}
              <GradeValue ctx={ctx} percent={shown.grade.percent} letter={shown.grade.letter} />
            </p>
          )}
          <p class="hr-muted">{c.gradingMethod === 'points' ? t('portal.methodPoints') : t('portal.methodWeighted')}</p>
          <p>
            <a href={`${toolUrl(student.id, 'grades', c.sectionId)}/what-if?term=${shown.period.id}`}>{t('portal.whatIfLink')}</a>
          </p>
          <TrendChart ctx={ctx} points={trend(shown.period.id)} title={t('portal.trendOf', { course: c.courseTitle, period: localName(ctx.locale, shown.period.title) })} />
          <div class="hr-stacked">
            <table class="usa-table usa-table--borderless usa-table--stacked">
              <caption>{t('portal.categories')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('portal.category')}</th>
                  {c.gradingMethod === 'weighted' ? <th scope="col">{t('portal.weight')}</th> : null}
                  <th scope="col">{t('portal.points')}</th>
                  <th scope="col">{t('portal.percent')}</th>
                </tr>
              </thead>
              <tbody>
                {shown.grade.categories.map((k) => (
                  <tr key={k.id}>
                    <th scope="row" data-label={t('portal.category')}>
                      {k.name}
                    </th>
                    {c.gradingMethod === 'weighted' ? <td data-label={t('portal.weight')}>{k.weight === null ? '—' : `${formatPoints(k.weight, locale)}%`}</td> : null}
                    <td data-label={t('portal.points')}>{k.counted === 0 ? '—' : `${formatPoints(k.earned, locale)} / ${formatPoints(k.possible, locale)}`}</td>
                    <td data-label={t('portal.percent')}>{formatPercent(k.percent, locale)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {assignments.length === 0 ? (
            <p>{t('portal.noAssignments')}</p>
          ) : (
            <AssignmentTable ctx={ctx} assignments={assignments} caption={t('portal.assignmentsOf', { period: localName(ctx.locale, shown.period.title) })} showClass={false} />
          )}
        </>
      ) : (
        <p>{t('portal.noGradeYet')}</p>
      )}
      {grades.semesters.length > 0 ? (
        <>
          <h2>{t('portal.semesterGrades')}</h2>
          <ul class="usa-list">
            {grades.semesters.map((s) => (
              <li key={s.term.id}>
                {`${localName(ctx.locale, s.term.title)}: ${s.letter ?? ''} (${formatPercent(s.percent, locale)})`}
                {s.comment ? (
                  <>
                    {' — '}
                    <span lang={staffLang(ctx)}>{s.comment}</span>
                  </>
                ) : null}
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </PortalLayout>
  );
}

/** The grade through a grading period, drawn on the server; the same numbers as a table for screen readers. */
function TrendChart({ ctx, points, title }: { ctx: PageContext; points: TrendPoint[]; title: string }) {
  const { t, locale } = ctx;
  const shown = points.filter((p) => p.percent !== null);
  if (shown.length < 2) return null;
  const W = 600;
  const H = 220;
  const pad = { left: 44, right: 12, top: 12, bottom: 28 };
  const low = Math.max(0, Math.min(50, Math.floor(Math.min(...shown.map((p) => p.percent!)) / 10) * 10));
  const high = Math.max(100, Math.ceil(Math.max(...shown.map((p) => p.percent!)) / 10) * 10);
  const x = (i: number) => pad.left + (i / (points.length - 1)) * (W - pad.left - pad.right);
  const y = (v: number) => pad.top + (1 - (v - low) / (high - low)) * (H - pad.top - pad.bottom);
  const path = points
    .map((p, i) => (p.percent === null ? null : `${x(i).toFixed(1)},${y(p.percent).toFixed(1)}`))
    .filter((p): p is string => p !== null)
    .join(' ');
  const first = shown[0]!;
  const last = shown[shown.length - 1]!;
  const summary = t('portal.trendSummary', {
    from: formatPercent(first.percent, locale),
    to: formatPercent(last.percent, locale),
    start: formatDay(first.date, locale),
    end: formatDay(last.date, locale),
  });
  const grid: number[] = [];
  for (let v = low; v <= high; v += 10) grid.push(v);
  return (
    <figure class="hr-trend">
      <figcaption>
        {title}
        <span class="hr-muted">{t('portal.trendSince', { date: formatDay(points[0]!.date, locale) })}</span>
      </figcaption>
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-labelledby="trend-title trend-desc" focusable="false">
        <title id="trend-title">{title}</title>
        <desc id="trend-desc">{summary}</desc>
        {grid.map((v) => (
          <g key={v}>
            <line x1={pad.left} x2={W - pad.right} y1={y(v)} y2={y(v)} stroke="#dfe1e2" stroke-width="1" />
            <text x={pad.left - 6} y={y(v) + 4} text-anchor="end" font-size="12" fill="#565c65">
              {`${v}%`}
            </text>
          </g>
        ))}
        <polyline points={path} fill="none" stroke="#1a4480" stroke-width="3" />
        {points.map((p, i) => (p.percent === null ? null : <circle key={p.date} cx={x(i)} cy={y(p.percent)} r="4" fill="#1a4480" />))}
        <text x={pad.left} y={H - 8} font-size="12" fill="#565c65">
          {formatDay(points[0]!.date, locale)}
        </text>
        <text x={W - pad.right} y={H - 8} font-size="12" fill="#565c65" text-anchor="end">
          {formatDay(points[points.length - 1]!.date, locale)}
        </text>
      </svg>
      <p>{summary}</p>
      <details>
        <summary>{t('portal.trendTable')}</summary>
        <table class="usa-table usa-table--borderless">
          <caption class="usa-sr-only">{title}</caption>
          <thead>
            <tr>
              <th scope="col">{t('portal.date')}</th>
              <th scope="col">{t('portal.percent')}</th>
            </tr>
          </thead>
          <tbody>
            {points.map((p) => (
              <tr key={p.date}>
                <th scope="row">{formatDay(p.date, locale)}</th>
                <td>{p.percent === null ? '—' : `${p.letter ?? ''} ${formatPercent(p.percent, locale)}`}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}
