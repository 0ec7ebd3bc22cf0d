/** Staff: find a student, a student's page, and a counselor's reads of grades, attendance and transcript. */
import { displayPhone } from '../../domain/people/phones.js';
import type { ComponentChildren } from 'preact';
import type { AttendanceView } from '../../domain/attendance/attendance.js';
import type { StudentGrades } from '../../domain/gradebook/grades.js';
import type { TranscriptView } from '../../domain/gradebook/transcript.js';
import type { VisibleStudent } from '../../domain/people/visibility.js';
import type { StudentPageView, StudentSearchResult, StudentTool } from '../../domain/staff/students.js';
import type { PageContext } from './context.js';
import { formatBirthDate } from './format.js';
import { Alert, Csrf, ErrorSummary, Field, TableScroll, TextInput, type Messages } from './forms.js';
import { studentFeesHref } from './fees.js';
import { Layout } from './layout.js';
import { AttendanceBody } from './tools/attendance.js';
import { GradeCards } from './tools/grades.js';
import { ScheduleBody } from './tools/schedule.js';
import { TranscriptBody } from './tools/transcript.js';

const SEARCH = '/staff/students';
export const studentPath = (id: number, tool?: 'grades' | 'attendance' | 'transcript') => `${SEARCH}/${id}${tool ? `/${tool}` : ''}`;

const searchHref = (q: string, page: number) => `${SEARCH}?${new URLSearchParams({ q, ...(page > 1 ? { page: String(page) } : {}) }).toString()}`;

export function StudentSearchPage({ ctx, q, result, errors = {} }: { ctx: PageContext; q: string; result: StudentSearchResult | null; errors?: Messages }) {
  const { t } = ctx;
  const labels = { q: t('students.query') };
  const pages = result ? Math.max(1, Math.ceil(result.total / result.pageSize)) : 1;
  return (
    <Layout ctx={ctx} title={t('students.title')}>
      <h1>{t('students.title')}</h1>
      <p>{t('students.intro')}</p>
      <ErrorSummary t={t} errors={errors} labels={labels} />
      <form class="usa-form" method="get" action={SEARCH} novalidate role="search" aria-label={t('students.title')}>
        <Field t={t} id="q" label={labels.q} hint={t('students.queryHint')} error={errors.q}>
          <TextInput id="q" autocomplete="off" error={Boolean(errors.q)} hint value={q} />
        </Field>
        <button class="usa-button" type="submit">
          {t('students.search')}
        </button>
      </form>
      {result ? (
        <section aria-labelledby="results-heading">
          <h2 id="results-heading">{result.total === 0 ? t('students.noneFound', { q }) : t('students.found', { count: result.total })}</h2>
          {result.total === 0 ? (
            <p>{t('students.noneFoundHint')}</p>
          ) : (
            <>
              <TableScroll label={t('students.results')}>
                <table class="usa-table usa-table--striped">
                  <caption>{t('students.results')}</caption>
                  <thead>
                    <tr>
                      <th scope="col">{t('students.name')}</th>
                      <th scope="col">{t('students.number')}</th>
                      <th scope="col">{t('students.grade')}</th>
                      <th scope="col">{t('students.school')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {result.students.map((s) => (
                      <tr key={s.id}>
                        <th scope="row">
                          <a href={studentPath(s.id)}>{`${s.lastName}, ${s.firstName}`}</a>
                          {s.legalName ? <span class="hr-muted">{t('students.legalNameIs', { name: s.legalName })}</span> : null}
                        </th>
                        <td>{s.studentNumber}</td>
                        <td>{s.grade}</td>
                        <td>{s.school}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </TableScroll>
              {pages > 1 ? (
                <nav aria-label={t('students.pages')}>
                  <ul class="hr-inline-list">
                    {result.page > 1 ? (
                      <li>
                        <a href={searchHref(q, result.page - 1)}>{t('students.previous')}</a>
                      </li>
                    ) : null}
                    <li aria-current="page">{t('students.pageOf', { page: result.page, pages })}</li>
                    {result.page < pages ? (
                      <li>
                        <a href={searchHref(q, result.page + 1)}>{t('students.next')}</a>
                      </li>
                    ) : null}
                  </ul>
                </nav>
              ) : null}
            </>
          )}
        </section>
      ) : null}
    </Layout>
  );
}

/** The student's name with number, school and grade under it; a link back to the search. */
function StudentLayout({ ctx, student, title, back, children }: { ctx: PageContext; student: VisibleStudent; title: string; back: { href: string; label: string }; children: ComponentChildren }) {
  const name = `${student.firstName} ${student.lastName}`;
  return (
    <Layout ctx={ctx} title={title === name ? name : `${title}: ${name}`}>
      <p>
        <a href={back.href}>{back.label}</a>
      </p>
      <h1>
        {title}
        <span class="hr-subtitle">{`${title === name ? '' : `${name} · `}${student.studentNumber} · ${student.school} · ${ctx.t('home.gradeN', { grade: student.grade })}`}</span>
      </h1>
      {children}
    </Layout>
  );
}

const toolLabel = {
  grades: 'students.tool.grades',
  attendance: 'students.tool.attendance',
  transcript: 'students.tool.transcript',
  accountHelp: 'students.tool.accountHelp',
  fees: 'fees.staff.title',
  health: 'students.tool.health',
} as const;

const statusLabel = {
  active: 'students.status.active',
  inactive: 'students.status.inactive',
  graduated: 'students.status.graduated',
  withdrawn: 'students.status.withdrawn',
} as const;

const phoneLabel = { mobile: 'students.phone.mobile', home: 'students.phone.home', work: 'students.phone.work' } as const;

const toolHref = (view: StudentPageView, tool: StudentTool) =>
  tool === 'accountHelp'
    ? `/staff/account-help?${new URLSearchParams({ number: view.student.studentNumber }).toString()}`
    : tool === 'health'
      ? `/staff/health/students/${view.student.id}`
      : tool === 'fees'
        ? studentFeesHref(view.student.id)
        : studentPath(view.student.id, tool);

export function StaffStudentPage({ ctx, view, termId, records = false }: { ctx: PageContext; view: StudentPageView; termId: number | null; /** a district administrator: the family's records on request (ADR 0037) */ records?: boolean }) {
  const { t, locale } = ctx;
  const { student } = view;
  const yesNo = (v: boolean) => t(v ? 'students.yes' : 'students.no');
  return (
    <StudentLayout ctx={ctx} student={student} title={`${student.firstName} ${student.lastName}`} back={{ href: SEARCH, label: t('students.backToSearch') }}>
      <dl class="hr-settings">
        <div>
          <dt>{t('students.legalName')}</dt>
          <dd>{view.legalName}</dd>
        </div>
        <div>
          <dt>{t('students.birthDate')}</dt>
          <dd>{formatBirthDate(view.birthDate, locale)}</dd>
        </div>
        <div>
          <dt>{t('students.status')}</dt>
          <dd>{t(statusLabel[view.enrollmentStatus])}</dd>
        </div>
        <div>
          <dt>{t('students.email')}</dt>
          <dd>{view.email ?? t('students.none')}</dd>
        </div>
        <div>
          <dt>{t('students.phone')}</dt>
          <dd>{view.phone ? displayPhone(view.phone) : t('students.none')}</dd>
        </div>
      </dl>
      {records ? (
        <p>
          <a href={`/staff/students/${student.id}/records`}>{t('records.link')}</a>
        </p>
      ) : null}
      {view.tools.length > 0 ? (
        <nav aria-labelledby="student-tools-heading">
          <h2 id="student-tools-heading">{t('students.tools')}</h2>
          <ul class="usa-list">
            {view.tools.map((tool) => (
              <li key={tool}>
                <a href={toolHref(view, tool)}>{t(toolLabel[tool])}</a>
              </li>
            ))}
          </ul>
        </nav>
      ) : null}
      <section aria-labelledby="schedule-heading">
        <h2 id="schedule-heading">{t('students.schedule')}</h2>
        <ScheduleBody ctx={ctx} schedule={view.schedule} termId={termId} base={studentPath(student.id)} />
      </section>
      <section aria-labelledby="guardians-heading">
        <h2 id="guardians-heading">{t('students.guardians')}</h2>
        {view.guardians.length === 0 ? (
          <p>{t('students.noGuardians')}</p>
        ) : (
          <TableScroll label={t('students.guardians')}>
            <table class="usa-table usa-table--striped">
              <caption>{t('students.guardiansCaption')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('students.guardianName')}</th>
                  <th scope="col">{t('students.phones')}</th>
                  <th scope="col">{t('students.email')}</th>
                  <th scope="col">{t('students.portalAccess')}</th>
                  <th scope="col">{t('students.account')}</th>
                  <th scope="col">{t('students.emergency')}</th>
                  <th scope="col">{t('students.livesWith')}</th>
                </tr>
              </thead>
              <tbody>
                {view.guardians.map((g, i) => (
                  <tr key={i}>
                    <th scope="row">
                      {g.name}
                      <span class="hr-muted">{g.relationship}</span>
                    </th>
                    <td>
                      {g.phones.length === 0 ? (
                        t('students.none')
                      ) : (
                        <ul class="usa-list usa-list--unstyled">
                          {g.phones.map((p) => (
                            <li key={p.kind}>{t(phoneLabel[p.kind], { number: displayPhone(p.number) })}</li>
                          ))}
                        </ul>
                      )}
                    </td>
                    <td>{g.email ?? t('students.none')}</td>
                    <td>{g.rightsRevoked ? t('students.rightsRevoked') : yesNo(g.portalAccess)}</td>
                    <td>{yesNo(g.hasAccount)}</td>
                    <td>{yesNo(g.emergencyContact)}</td>
                    <td>{yesNo(g.livesWith)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableScroll>
        )}
      </section>
    </StudentLayout>
  );
}

/** What a counselor read, as the portal's reads answered it. */
export type CounselorRead = { kind: 'grades'; grades: StudentGrades } | { kind: 'attendance'; attendance: AttendanceView; termId: number | null } | { kind: 'transcript'; transcript: TranscriptView };

/** A counselor's read of one of the student's records, in the portal's own views. */
export function CounselorReadPage({ ctx, student, read, notice }: { ctx: PageContext; student: VisibleStudent; read: CounselorRead; notice?: string | undefined }) {
  const { t } = ctx;
  return (
    <StudentLayout ctx={ctx} student={student} title={t(toolLabel[read.kind])} back={{ href: studentPath(student.id), label: t('students.backToStudent') }}>
      <Alert type="success" text={notice} />
      {read.kind === 'transcript' ? (
        <p>
          <a href={`${studentPath(student.id)}/transfer-credit`}>{t('transfer.title')}</a>
        </p>
      ) : null}
      {read.kind === 'grades' ? <GradeCards ctx={ctx} grades={read.grades} classHref={null} /> : null}
      {read.kind === 'attendance' ? <AttendanceBody ctx={ctx} attendance={read.attendance} termId={read.termId} base={studentPath(student.id, 'attendance')} /> : null}
      {read.kind === 'transcript' ? <TranscriptBody ctx={ctx} transcript={read.transcript} pdfHref={null} /> : null}
    </StudentLayout>
  );
}

const TERM_LABEL = { S1: 'portal.termName.S1', S2: 'portal.termName.S2', Year: 'portal.termName.Year' } as const;
const WEIGHT_LABEL = { none: 'transfer.weight.none', honors: 'transfer.weight.honors', ap: 'transfer.weight.ap' } as const;

/** A counselor adds a course from another school to the student's transcript. */
export function TransferCreditPage({
  ctx,
  student,
  letters,
  years,
  values = {},
  errors = {},
}: {
  ctx: PageContext;
  student: VisibleStudent;
  letters: string[];
  years: { from: number; to: number };
  values?: Record<string, string>;
  errors?: Messages;
}) {
  const { t } = ctx;
  const labels = {
    school: t('transfer.school'),
    schoolYear: t('transfer.schoolYear'),
    grade: t('transfer.grade'),
    code: t('transfer.code'),
    title: t('transfer.courseTitle'),
    term: t('transfer.term'),
    letter: t('transfer.letter'),
    weight: t('transfer.weight'),
    attempted: t('transfer.attempted'),
    earned: t('transfer.earned'),
  };
  const text = (id: keyof typeof labels, hint?: string, inputmode?: string) => (
    <Field t={t} id={id} label={labels[id]} {...(hint ? { hint } : {})} error={errors[id]}>
      <TextInput id={id} autocomplete="off" error={Boolean(errors[id])} hint={Boolean(hint)} value={values[id] ?? ''} {...(inputmode ? { inputmode } : {})} />
    </Field>
  );
  const select = (id: 'term' | 'letter' | 'weight', options: [string, string][]) => (
    <Field t={t} id={id} label={labels[id]} error={errors[id]}>
      <select class={`usa-select${errors[id] ? ' usa-input--error' : ''}`} id={id} name={id} aria-invalid={errors[id] ? 'true' : undefined} aria-describedby={errors[id] ? `${id}-error` : undefined}>
        <option value="">{t('transfer.chooseOption')}</option>
        {options.map(([value, label]) => (
          <option key={value} value={value} selected={values[id] === value}>
            {label}
          </option>
        ))}
      </select>
    </Field>
  );
  return (
    <StudentLayout ctx={ctx} student={student} title={t('transfer.title')} back={{ href: studentPath(student.id, 'transcript'), label: t('transfer.backToTranscript') }}>
      <p>{t('transfer.intro')}</p>
      <ErrorSummary t={t} errors={errors} labels={labels} />
      <form class="usa-form usa-form--large" method="post" action={`${studentPath(student.id)}/transfer-credit`} novalidate>
        <Csrf token={ctx.csrf} />
        {text('school')}
        {text('schoolYear', t('transfer.schoolYearHint', { from: years.from, to: years.to }), 'numeric')}
        {text('grade', t('transfer.gradeHint'), 'numeric')}
        {text('code')}
        {text('title')}
        {select('term', (Object.keys(TERM_LABEL) as (keyof typeof TERM_LABEL)[]).map((k) => [k, t(TERM_LABEL[k])]))}
        {select('letter', letters.map((l) => [l, l === 'P' ? t('transfer.pass') : l]))}
        {select('weight', (Object.keys(WEIGHT_LABEL) as (keyof typeof WEIGHT_LABEL)[]).map((k) => [k, t(WEIGHT_LABEL[k])]))}
        {text('attempted', t('transfer.creditsHint'), 'decimal')}
        {text('earned', t('transfer.creditsHint'), 'decimal')}
        <button class="usa-button" type="submit">
          {t('transfer.add')}
        </button>
      </form>
    </StudentLayout>
  );
}
