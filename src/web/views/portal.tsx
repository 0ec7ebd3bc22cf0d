/** The portal tools of a student: Schedule, Grades (and one class), Assignments, Attendance. */
import type { ComponentChildren } from 'preact';
import type { AttendanceView } from '../../domain/attendance/attendance.js';
import type { AssignmentView, ClassGrades, StudentGrades } from '../../domain/gradebook/grades.js';
import type { ScheduleView } from '../../domain/scheduling/schedule.js';
import type { TrendPoint, WhatIfResult } from '../../domain/gradebook/what-if.js';
import type { TodayView } from '../../domain/portal/today.js';
import { ASSIGNMENT_FILTERS, type AssignmentFilter, type AssignmentList, type AssignmentOrder } from '../../domain/gradebook/assignments.js';
import type { TranscriptView } from '../../domain/gradebook/transcript.js';
import type { ReportCard } from '../../domain/gradebook/report-cards.js';
import type { VaccineRecord } from '../../domain/health/immunizations.js';
import { TOOLS_IN_ORDER, toolUrl, type PortalTool } from '../../domain/portal/tools.js';
import type { VisibleStudent } from '../../domain/people/visibility.js';
import type { Locale, Translate } from '../../i18n/index.js';
import type { PageContext } from './context.js';
import { describedBy, ErrorSummary, type Messages } from './forms.js';
import { Layout } from './layout.js';

export const intlLocale = (locale: Locale) => (locale === 'es' ? 'es-US' : 'en-US');

// Intl formatters are costly to make and cheap to use: one per language and kind, kept.
const formats = new Map<string, Intl.DateTimeFormat | Intl.NumberFormat>();
export function cached<T extends Intl.DateTimeFormat | Intl.NumberFormat>(key: string, make: () => T): T {
  let f = formats.get(key) as T | undefined;
  if (!f) {
    f = make();
    formats.set(key, f);
  }
  return f;
}

/** 'YYYY-MM-DD' as "Tue, Nov 24" in the reader's language (a calendar date: no time zone shift). */
export function formatDay(date: string, locale: Locale, long = false): string {
  const f = cached(`day:${locale}:${long}`, () =>
    new Intl.DateTimeFormat(intlLocale(locale), {
      weekday: 'short',
      month: long ? 'long' : 'short',
      day: 'numeric',
      ...(long ? { year: 'numeric' } : {}),
      timeZone: 'UTC',
    }),
  );
  return f.format(new Date(`${date}T12:00:00Z`));
}

/** 'HH:MM' as "7:40 AM" or "7:40" by language. */
export function formatTime(hhmm: string, locale: Locale): string {
  const [h, m] = hhmm.split(':').map(Number) as [number, number];
  const f = cached(`time:${locale}`, () => new Intl.DateTimeFormat(intlLocale(locale), { hour: 'numeric', minute: '2-digit', timeZone: 'UTC' }));
  return f.format(new Date(Date.UTC(2000, 0, 1, h, m)));
}

export function formatPercent(n: number | null, locale: Locale): string {
  if (n === null) return '—';
  const f = cached(`pct:${locale}`, () => new Intl.NumberFormat(intlLocale(locale), { minimumFractionDigits: 2, maximumFractionDigits: 2 }));
  return `${f.format(n)}%`;
}

export function formatPoints(n: number, locale: Locale): string {
  return cached(`pts:${locale}`, () => new Intl.NumberFormat(intlLocale(locale), { maximumFractionDigits: 2 })).format(n);
}

/** The tools of one student the district shows, in the registry's order, with the one open now marked. */
function ToolNav({ ctx, student, active }: { ctx: PageContext; student: VisibleStudent; active: PortalTool }) {
  const { t } = ctx;
  return (
    <nav class="hr-tools" aria-label={t('portal.tools')}>
      <ul>
        {TOOLS_IN_ORDER.filter(({ key }) => ctx.district.settings.tools[key]).map(({ key, label }) => (
          <li key={key}>
            <a href={toolUrl(student.id, key)} aria-current={key === active ? 'page' : undefined}>
              {t(label)}
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}

export function PortalLayout({
  ctx,
  student,
  tool,
  title,
  children,
}: {
  ctx: PageContext;
  student: VisibleStudent;
  tool: PortalTool;
  title: string;
  children: ComponentChildren;
}) {
  const name = `${student.firstName} ${student.lastName}`;
  return (
    <Layout ctx={ctx} title={`${title}: ${name}`}>
      <ToolNav ctx={ctx} student={student} active={tool} />
      <h1>
        {title}
        <span class="hr-subtitle">{`${name} · ${student.school} · ${ctx.t('home.gradeN', { grade: student.grade })}`}</span>
      </h1>
      {children}
    </Layout>
  );
}

// ── Schedule ─────────────────────────────────────────────────────────────────────────────────────────

export function SchedulePage({ ctx, student, schedule, termId }: { ctx: PageContext; student: VisibleStudent; schedule: ScheduleView; termId: number | null }) {
  const { t, locale } = ctx;
  const shown = schedule.terms.find((x) => x.id === termId) ?? schedule.terms.find((x) => x.current) ?? schedule.terms[0];
  return (
    <PortalLayout ctx={ctx} student={student} tool="schedule" title={t('portal.schedule')}>
      <TermLinks ctx={ctx} base={toolUrl(student.id, 'schedule')} terms={schedule.terms} shownId={shown?.id} />
      {!shown || shown.classes.length === 0 ? (
        <p>{t('portal.noClasses')}</p>
      ) : (
        <div class="hr-stacked">
          <table class="usa-table usa-table--borderless usa-table--stacked">
            <caption>{t('portal.scheduleOf', { term: shown.title })}</caption>
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
                  <td data-label={t('portal.period')}>{c.period}</td>
                  <td data-label={t('portal.time')}>{`${formatTime(c.start, locale)} – ${formatTime(c.end, locale)}`}</td>
                  <th scope="row" data-label={t('portal.course')}>
                    {c.courseTitle}
                    <span class="hr-muted">{c.sectionCode}</span>
                  </th>
                  <td data-label={t('portal.teacher')}>{c.teacher ?? '—'}</td>
                  <td data-label={t('portal.room')}>{c.room ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </PortalLayout>
  );
}

function TermLinks({ ctx, base, terms, shownId }: { ctx: PageContext; base: string; terms: { id: number; title: string }[]; shownId: number | undefined }) {
  if (terms.length < 2) return null;
  return (
    <nav aria-label={ctx.t('portal.terms')}>
      <ul class="hr-inline-list">
        {terms.map((term) => (
          <li key={term.id}>
            <a href={`${base}?term=${term.id}`} aria-current={term.id === shownId ? 'page' : undefined}>
              {term.title}
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}

// ── Grades ───────────────────────────────────────────────────────────────────────────────────────────

function GradeValue({ ctx, percent, letter }: { ctx: PageContext; percent: number | null; letter: string | null }) {
  if (percent === null) return <span>{ctx.t('portal.noGradeYet')}</span>;
  return (
    <span>
      <strong class="hr-grade">{letter ?? ''}</strong> {formatPercent(percent, ctx.locale)}
    </span>
  );
}

export function GradesPage({ ctx, student, grades }: { ctx: PageContext; student: VisibleStudent; grades: StudentGrades }) {
  const { t } = ctx;
  return (
    <PortalLayout ctx={ctx} student={student} tool="grades" title={t('portal.grades')}>
      <p>{t('portal.gradesIntro')}</p>
      {grades.classes.length === 0 ? <p>{t('portal.noClasses')}</p> : null}
      <ul class="usa-list usa-list--unstyled hr-cards">
        {grades.classes.map((c) => {
          const current = c.periods.find((p) => p.period.id === c.currentPeriodId);
          const earlier = c.periods.filter((p) => p.posted && p.period.id !== c.currentPeriodId);
          return (
            <li key={c.class.sectionId} class="hr-card">
              <h2 class="hr-card__title">
                <a href={toolUrl(student.id, 'grades', c.class.sectionId)}>{c.class.courseTitle}</a>
              </h2>
              <p class="hr-muted">{`${t('portal.periodN', { period: c.class.period })} · ${c.class.teacher ?? '—'}`}</p>
              {current ? (
                <p>
                  {`${current.period.title}${current.posted ? '' : ` (${t('portal.inProgress')})`}: `}
                  <GradeValue ctx={ctx} percent={current.posted?.percent ?? current.grade.percent} letter={current.posted?.letter ?? current.grade.letter} />
                </p>
              ) : null}
              {earlier.length > 0 ? (
                <p>
                  {earlier.map((p, i) => (
                    <span key={p.period.id}>
                      {i > 0 ? ' · ' : ''}
                      {`${p.period.title} (${t('portal.posted')}): ${p.posted!.letter ?? ''}`}
                    </span>
                  ))}
                </p>
              ) : null}
            </li>
          );
        })}
      </ul>
    </PortalLayout>
  );
}

function Flags({ t, a }: { t: Translate; a: AssignmentView }) {
  const flags = [
    a.missing ? 'missing' : null,
    a.late ? 'late' : null,
    a.exempt ? 'exempt' : null,
    a.incomplete ? 'incomplete' : null,
    a.dropped || a.status === 'droppedByRule' ? 'dropped' : null,
  ].filter((f): f is 'missing' | 'late' | 'exempt' | 'incomplete' | 'dropped' => f !== null);
  if (flags.length === 0) return null;
  return (
    <>
      {flags.map((f) => (
        <span key={f} class={`usa-tag hr-flag hr-flag--${f}`}>
          {t(`portal.flag.${f}`)}
        </span>
      ))}
    </>
  );
}

function scoreText(ctx: PageContext, a: AssignmentView): string {
  const { t, locale } = ctx;
  if (a.points !== null) return `${formatPoints(a.points, locale)} / ${formatPoints(a.pointsPossible, locale)}`;
  if (a.missing) return `0 / ${formatPoints(a.pointsPossible, locale)}`;
  if (a.status === 'upcoming') return t('portal.notDue');
  return t('portal.notScored');
}

function AssignmentTable({ ctx, assignments, caption, showClass, classTitle }: { ctx: PageContext; assignments: AssignmentView[]; caption: string; showClass: boolean; classTitle?: (sectionId: number) => string }) {
  const { t, locale } = ctx;
  return (
    <div class="hr-stacked">
      <table class="usa-table usa-table--borderless usa-table--stacked">
        <caption>{caption}</caption>
        <thead>
          <tr>
            <th scope="col">{t('portal.due')}</th>
            {showClass ? <th scope="col">{t('portal.course')}</th> : null}
            <th scope="col">{t('portal.assignment')}</th>
            <th scope="col">{t('portal.score')}</th>
            <th scope="col">{t('portal.percent')}</th>
            <th scope="col">{t('portal.flags')}</th>
          </tr>
        </thead>
        <tbody>
          {assignments.map((a) => (
            <tr key={a.id}>
              <td data-label={t('portal.due')}>{formatDay(a.due, locale)}</td>
              {showClass ? <td data-label={t('portal.course')}>{classTitle?.(a.sectionId) ?? ''}</td> : null}
              <th scope="row" data-label={t('portal.assignment')}>
                {a.title}
                <span class="hr-muted">{a.category}</span>
                {a.comment ? <span class="hr-comment">{t('portal.teacherComment', { comment: a.comment })}</span> : null}
              </th>
              <td data-label={t('portal.score')}>{scoreText(ctx, a)}</td>
              <td data-label={t('portal.percent')}>{a.missing && a.points === null ? formatPercent(0, locale) : formatPercent(a.percent, locale)}</td>
              <td data-label={t('portal.flags')}>
                <Flags t={t} a={a} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
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
          <h2>{shown.period.title}</h2>
          {shown.posted ? (
            <p>
              {`${t('portal.postedGrade')}: `}
              <GradeValue ctx={ctx} percent={shown.posted.percent} letter={shown.posted.letter} />
              {shown.posted.comment ? <span class="hr-comment">{t('portal.teacherComment', { comment: shown.posted.comment })}</span> : null}
            </p>
          ) : null}
          <p>
            {`${shown.posted ? t('portal.computedGrade') : t('portal.inProgressGrade')}: `}
            <GradeValue ctx={ctx} percent={shown.grade.percent} letter={shown.grade.letter} />
          </p>
          <p class="hr-muted">{c.gradingMethod === 'points' ? t('portal.methodPoints') : t('portal.methodWeighted')}</p>
          <p>
            <a href={`${toolUrl(student.id, 'grades', c.sectionId)}/what-if?term=${shown.period.id}`}>{t('portal.whatIfLink')}</a>
          </p>
          <TrendChart ctx={ctx} points={trend(shown.period.id)} title={t('portal.trendOf', { course: c.courseTitle, period: shown.period.title })} />
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
            <AssignmentTable ctx={ctx} assignments={assignments} caption={t('portal.assignmentsOf', { period: shown.period.title })} showClass={false} />
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
                {`${s.term.title}: ${s.letter ?? ''} (${formatPercent(s.percent, locale)})`}
                {s.comment ? ` — ${s.comment}` : ''}
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </PortalLayout>
  );
}

// ── Assignments ──────────────────────────────────────────────────────────────────────────────────────

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

// ── Attendance ───────────────────────────────────────────────────────────────────────────────────────

export function AttendancePage({ ctx, student, attendance, termId }: { ctx: PageContext; student: VisibleStudent; attendance: AttendanceView; termId: number | null }) {
  const { t, locale } = ctx;
  const shown = attendance.terms.find((x) => x.id === termId) ?? attendance.terms.find((x) => x.current) ?? attendance.terms[0];
  return (
    <PortalLayout ctx={ctx} student={student} tool="attendance" title={t('portal.attendance')}>
      <TermLinks ctx={ctx} base={toolUrl(student.id, 'attendance')} terms={attendance.terms} shownId={shown?.id} />
      {!shown ? (
        <p>{t('portal.noClasses')}</p>
      ) : (
        <>
          <h2>{shown.title}</h2>
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
                        <span class="hr-muted">{`${e.code}: ${e.description}`}</span>
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
    </PortalLayout>
  );
}

// ── Today ────────────────────────────────────────────────────────────────────────────────────────────

export function TodayPage({ ctx, student, today }: { ctx: PageContext; student: VisibleStudent; today: TodayView }) {
  const { t, locale } = ctx;
  return (
    <PortalLayout ctx={ctx} student={student} tool="today" title={t('portal.today')}>
      <p class="usa-intro">{formatDay(today.date, locale, true)}</p>
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
          <p>{today.noSchoolNote ? t('portal.noSchoolBecause', { note: today.noSchoolNote }) : t('portal.noSchool')}</p>
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

// ── Unofficial Transcript ────────────────────────────────────────────────────────────────────────────

function formatGpa(n: number | null, locale: Locale): string {
  if (n === null) return '—';
  return cached(`gpa:${locale}`, () => new Intl.NumberFormat(intlLocale(locale), { minimumFractionDigits: 3, maximumFractionDigits: 3 })).format(n);
}

export function TranscriptPage({ ctx, student, transcript }: { ctx: PageContext; student: VisibleStudent; transcript: TranscriptView }) {
  const { t, locale, district } = ctx;
  return (
    <PortalLayout ctx={ctx} student={student} tool="transcript" title={t('portal.transcript')}>
      <p class="hr-unofficial">{t('portal.unofficial', { district: district.name })}</p>
      {transcript.years.length === 0 ? (
        <p>{t('portal.noTranscript')}</p>
      ) : (
        <>
          <p>
            <a href={`${toolUrl(student.id, 'transcript')}.pdf`}>{t('portal.transcriptPdf')}</a>
          </p>
          <dl class="hr-settings">
            <div>
              <dt>{t('portal.creditsEarned')}</dt>
              <dd>{t('portal.creditsOf', { earned: formatPoints(transcript.earned, locale), required: formatPoints(transcript.requiredCredits, locale) })}</dd>
            </div>
            <div>
              <dt>{t('portal.gpaUnweighted')}</dt>
              <dd>{formatGpa(transcript.gpa, locale)}</dd>
            </div>
            <div>
              <dt>{t('portal.gpaWeighted')}</dt>
              <dd>{formatGpa(transcript.weightedGpa, locale)}</dd>
            </div>
          </dl>
          {transcript.years.map((year) => (
            <section key={year.schoolYear} aria-labelledby={`year-${year.schoolYear}`}>
              <h2 id={`year-${year.schoolYear}`}>{t('portal.schoolYear', { from: year.schoolYear - 1, to: year.schoolYear, grade: year.gradeLevel })}</h2>
              <p class="hr-muted">{year.school}</p>
              <div class="hr-stacked">
                <table class="usa-table usa-table--borderless usa-table--stacked">
                  <caption>{t('portal.coursesOf', { from: year.schoolYear - 1, to: year.schoolYear })}</caption>
                  <thead>
                    <tr>
                      <th scope="col">{t('portal.term')}</th>
                      <th scope="col">{t('portal.course')}</th>
                      <th scope="col">{t('portal.mark')}</th>
                      <th scope="col">{t('portal.attempted')}</th>
                      <th scope="col">{t('portal.earned')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {year.courses.map((c, i) => (
                      <tr key={`${c.code}-${c.term}-${i}`}>
                        <td data-label={t('portal.term')}>{t(`portal.termName.${c.term}`)}</td>
                        <th scope="row" data-label={t('portal.course')}>
                          {c.title}
                          <span class="hr-muted">{c.gpaBonus > 0 ? `${c.code} · ${t('portal.weighted')}` : c.code}</span>
                        </th>
                        <td data-label={t('portal.mark')}>{c.letter}</td>
                        <td data-label={t('portal.attempted')}>{formatPoints(c.attempted, locale)}</td>
                        <td data-label={t('portal.earned')}>{formatPoints(c.earned, locale)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
              <p>{t('portal.yearCredits', { attempted: formatPoints(year.attempted, locale), earned: formatPoints(year.earned, locale) })}</p>
            </section>
          ))}
        </>
      )}
    </PortalLayout>
  );
}

// ── Immunizations ────────────────────────────────────────────────────────────────────────────────────

export function ImmunizationsPage({ ctx, student, record }: { ctx: PageContext; student: VisibleStudent; record: { vaccines: VaccineRecord[]; compliant: boolean } }) {
  const { t, locale } = ctx;
  return (
    <PortalLayout ctx={ctx} student={student} tool="immunizations" title={t('portal.immunizations')}>
      <div class={`usa-alert usa-alert--slim usa-alert--${record.compliant ? 'success' : 'warning'}`}>
        <div class="usa-alert__body">
          <p class="usa-alert__text">{record.compliant ? t('portal.compliant') : t('portal.notCompliant')}</p>
        </div>
      </div>
      <div class="hr-stacked">
        <table class="usa-table usa-table--borderless usa-table--stacked">
          <caption>{t('portal.vaccines')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('portal.vaccine')}</th>
              <th scope="col">{t('portal.dosesGiven')}</th>
              <th scope="col">{t('portal.required')}</th>
              <th scope="col">{t('portal.state')}</th>
            </tr>
          </thead>
          <tbody>
            {record.vaccines.map((v) => (
              <tr key={v.code}>
                <th scope="row" data-label={t('portal.vaccine')}>
                  {v.name}
                </th>
                <td data-label={t('portal.dosesGiven')}>{v.doses.length === 0 ? '—' : v.doses.map((d) => formatDay(d, locale, true)).join('; ')}</td>
                <td data-label={t('portal.required')}>{v.required === null ? t('portal.notRequired') : String(v.required)}</td>
                <td data-label={t('portal.state')}>
                  <span class={`usa-tag hr-vax hr-vax--${v.status}`}>{t(`portal.vax.${v.status}`)}</span>
                  {v.status === 'incomplete' ? <span class="hr-muted">{t('portal.dosesMissing', { count: v.missing })}</span> : null}
                  {v.exemption ? <span class="hr-muted">{t(`portal.exemption.${v.exemption.kind}`)}</span> : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <p>{t('portal.immunizationHelp')}</p>
    </PortalLayout>
  );
}

// ── Grade trend and what-if ──────────────────────────────────────────────────────────────────────────

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
      <figcaption>{title}</figcaption>
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

export function WhatIfPage({
  ctx,
  student,
  grades,
  periodId,
  result,
  values,
  errors,
}: {
  ctx: PageContext;
  student: VisibleStudent;
  grades: ClassGrades;
  periodId: number;
  result: WhatIfResult | null;
  values: Record<string, string>;
  errors: Messages;
}) {
  const { t, locale } = ctx;
  const c = grades.class;
  const period = grades.periods.find((p) => p.period.id === periodId)!;
  const assignments = grades.assignments.filter((a) => a.periodId === periodId);
  const base = `${toolUrl(student.id, 'grades', c.sectionId)}/what-if`;
  const labels: Record<string, string> = {
    ...Object.fromEntries(assignments.map((a) => [`a${a.id}`, a.title])),
    pts: t('portal.whatIfPoints'),
    of: t('portal.whatIfOutOf'),
  };
  const message = (field: string) => (errors[field] ? t(errors[field].key, errors[field].params) : null);
  return (
    <PortalLayout ctx={ctx} student={student} tool="grades" title={t('portal.whatIf')}>
      <p>
        <a href={`${toolUrl(student.id, 'grades', c.sectionId)}?term=${periodId}`}>{t('portal.backToClass', { course: c.courseTitle })}</a>
      </p>
      <p>{t('portal.whatIfIntro', { course: c.courseTitle, period: period.period.title })}</p>
      <ErrorSummary t={t} errors={errors} labels={labels} />
      {result ? (
        <div class="usa-summary-box" role="status">
          <div class="usa-summary-box__body">
            <p class="usa-summary-box__text">
              {`${t('portal.whatIfNow')}: `}
              <GradeValue ctx={ctx} percent={result.now.percent} letter={result.now.letter} />
            </p>
            <p class="usa-summary-box__text">
              <strong>{`${t('portal.whatIfThen')}: `}</strong>
              <GradeValue ctx={ctx} percent={result.hypothetical.percent} letter={result.hypothetical.letter} />
            </p>
            <p class="usa-summary-box__text">{t('portal.whatIfNotSaved')}</p>
          </div>
        </div>
      ) : null}
      <form class="usa-form usa-form--large" method="get" action={base}>
        <input type="hidden" name="term" value={String(periodId)} />
        {assignments.map((a) => {
          const id = `a${a.id}`;
          const hint = `${a.category} · ${formatDay(a.due, locale)} · ${t('portal.outOf', { points: formatPoints(a.pointsPossible, locale) })}${a.missing ? ` · ${t('portal.flag.missing')}` : ''}${a.exempt ? ` · ${t('portal.flag.exempt')}` : ''}`;
          return (
            <div class={`usa-form-group${errors[id] ? ' usa-form-group--error' : ''}`} key={a.id}>
              <label class="usa-label" for={id}>
                {a.title}
              </label>
              <div class="usa-hint" id={`${id}-hint`}>
                {hint}
              </div>
              {errors[id] ? (
                <span class="usa-error-message" id={`${id}-error`}>
                  {message(id)}
                </span>
              ) : null}
              <input
                class={`usa-input usa-input--small${errors[id] ? ' usa-input--error' : ''}`}
                id={id}
                name={id}
                type="text"
                inputmode="decimal"
                autocomplete="off"
                value={values[id] ?? (a.points === null ? '' : String(a.points))}
                aria-describedby={describedBy(id, true, Boolean(errors[id]))}
                aria-invalid={errors[id] ? 'true' : undefined}
              />
            </div>
          );
        })}
        <fieldset class="usa-fieldset">
          <legend class="usa-legend">{t('portal.whatIfExtra')}</legend>
          <label class="usa-label" for="cat">
            {t('portal.category')}
          </label>
          <select class="usa-select" id="cat" name="cat">
            {grades.categories.map((k) => (
              <option key={k.id} value={String(k.id)} selected={values.cat === String(k.id)}>
                {k.name}
              </option>
            ))}
          </select>
          <div class={`usa-form-group${errors.pts ? ' usa-form-group--error' : ''}`}>
            <label class="usa-label" for="pts">
              {t('portal.whatIfPoints')}
            </label>
            {errors.pts ? (
              <span class="usa-error-message" id="pts-error">
                {message('pts')}
              </span>
            ) : null}
            <input class="usa-input usa-input--small" id="pts" name="pts" type="text" inputmode="decimal" autocomplete="off" value={values.pts ?? ''} aria-describedby={errors.pts ? 'pts-error' : undefined} />
          </div>
          <div class={`usa-form-group${errors.of ? ' usa-form-group--error' : ''}`}>
            <label class="usa-label" for="of">
              {t('portal.whatIfOutOf')}
            </label>
            {errors.of ? (
              <span class="usa-error-message" id="of-error">
                {message('of')}
              </span>
            ) : null}
            <input class="usa-input usa-input--small" id="of" name="of" type="text" inputmode="decimal" autocomplete="off" value={values.of ?? ''} aria-describedby={errors.of ? 'of-error' : undefined} />
          </div>
        </fieldset>
        <button class="usa-button hr-primary" type="submit">
          {t('portal.whatIfCalculate')}
        </button>
      </form>
    </PortalLayout>
  );
}

// ── Report Cards ─────────────────────────────────────────────────────────────────────────────────────

export function ReportCardsPage({ ctx, student, cards }: { ctx: PageContext; student: VisibleStudent; cards: ReportCard[] }) {
  const { t, locale } = ctx;
  return (
    <PortalLayout ctx={ctx} student={student} tool="reportCards" title={t('portal.reportCards')}>
      {cards.length === 0 ? <p>{t('portal.noReportCards')}</p> : null}
      {cards.map((card) => (
        <section key={card.term.id} aria-labelledby={`card-${card.term.id}`}>
          <h2 id={`card-${card.term.id}`}>{card.term.title}</h2>
          <p>
            <a href={`${toolUrl(student.id, 'reportCards', card.term.id)}.pdf`}>{t('portal.reportCardPdf', { period: card.term.title })}</a>
          </p>
          <div class="hr-stacked">
            <table class="usa-table usa-table--borderless usa-table--stacked">
              <caption class="usa-sr-only">{card.term.title}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('portal.course')}</th>
                  <th scope="col">{t('portal.teacher')}</th>
                  <th scope="col">{t('portal.mark')}</th>
                  <th scope="col">{t('portal.percent')}</th>
                  <th scope="col">{t('portal.comment')}</th>
                </tr>
              </thead>
              <tbody>
                {card.lines.map((line, i) => (
                  <tr key={i}>
                    <th scope="row" data-label={t('portal.course')}>{`${line.period} · ${line.course}`}</th>
                    <td data-label={t('portal.teacher')}>{line.teacher ?? '—'}</td>
                    <td data-label={t('portal.mark')}>{line.letter ?? '—'}</td>
                    <td data-label={t('portal.percent')}>{formatPercent(line.percent, locale)}</td>
                    <td data-label={t('portal.comment')}>{line.comment ?? '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      ))}
    </PortalLayout>
  );
}
