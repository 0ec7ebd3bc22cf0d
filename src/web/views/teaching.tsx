/** Teachers' pages: My classes, and taking a section's attendance; the office's attendance pages. */
import type { DayRecord, OfficeCode } from '../../domain/attendance/office.js';
import type { MeetingSection, Roster } from '../../domain/attendance/taking.js';
import type { ComponentChildren } from 'preact';
import type { Locale, Translate } from '../../i18n/index.js';
import { bilingual, localName } from '../../i18n/format.js';
import type { PageContext } from './context.js';
import { formatDay, formatTime } from './format.js';
import { Alert, Csrf, ErrorSummary, Field, TableScroll, type Messages } from './forms.js';
import { Layout } from './layout.js';

function DayPicker({ ctx, action, date }: { ctx: PageContext; action: string; date: string }) {
  const { t } = ctx;
  return (
    <form method="get" action={action} class="hr-inline-form">
      <label class="usa-label" for="date">
        {t('teaching.day')}
      </label>
      <input class="usa-input usa-input--medium" type="date" id="date" name="date" value={date} />
      <button class="usa-button usa-button--outline" type="submit">
        {t('teaching.show')}
      </button>
    </form>
  );
}

const when = (ctx: PageContext, s: MeetingSection) => `${formatTime(s.start, ctx.locale)} – ${formatTime(s.end, ctx.locale)}`;

export function MyClassesPage({ ctx, date, today, classes }: { ctx: PageContext; date: string; today: string; classes: MeetingSection[] }) {
  const { t, locale } = ctx;
  return (
    <Layout ctx={ctx} title={t('teaching.myClasses')}>
      <h1>{t('teaching.myClasses')}</h1>
      <p>{date === today ? t('teaching.todayIs', { day: formatDay(date, locale, true) }) : formatDay(date, locale, true)}</p>
      <DayPicker ctx={ctx} action="/staff/classes" date={date} />
      {classes.length === 0 ? (
        <p>{t('teaching.noClasses')}</p>
      ) : (
        <ul class="usa-card-group hr-classes">
          {classes.map((c) => (
            <li key={c.sectionId} class="usa-card tablet:grid-col-6">
              <div class="usa-card__container">
                <div class="usa-card__header">
                  <h2 class="usa-card__heading">{`${c.courseTitle} · ${c.sectionCode}`}</h2>
                </div>
                <div class="usa-card__body">
                  <p>
                    {t('teaching.periodLine', { period: c.period, time: when(ctx, c) })}
                    {c.room ? ` · ${t('teaching.room', { room: c.room })}` : ''}
                  </p>
                  <p>{c.takenAt ? t('teaching.taken') : t('teaching.notTaken')}</p>
                </div>
                <div class="usa-card__footer">
                  <a class="usa-button" href={`/staff/classes/${c.sectionId}/attendance?date=${date}`}>
                    {c.takenAt || date !== today ? t('teaching.reviewAttendance') : t('teaching.takeAttendance')}
                    <span class="usa-sr-only">{` — ${c.courseTitle} ${c.sectionCode}`}</span>
                  </a>
                  <a class="usa-button usa-button--outline" href={`/staff/classes/${c.sectionId}/gradebook`}>
                    {t('gradebook.link')}
                    <span class="usa-sr-only">{` — ${c.courseTitle} ${c.sectionCode}`}</span>
                  </a>
                  <a class="usa-button usa-button--outline" href={`/staff/classes/${c.sectionId}/post-grades`}>
                    {t('posting.link')}
                    <span class="usa-sr-only">{` — ${c.courseTitle} ${c.sectionCode}`}</span>
                  </a>
                  <a class="usa-button usa-button--outline" href={`/staff/classes/${c.sectionId}/discussions`}>
                    {t('discussions.title')}
                    <span class="usa-sr-only">{` — ${c.courseTitle} ${c.sectionCode}`}</span>
                  </a>
                </div>
              </div>
            </li>
          ))}
        </ul>
      )}
    </Layout>
  );
}

export function RosterPage({
  ctx,
  roster,
  notice,
  problem,
  marks,
  invalid = [],
  today,
}: {
  ctx: PageContext;
  roster: Roster;
  /** the district's today: a day before it has passed, a day after it is to come */
  today: string;
  notice?: string | undefined;
  problem?: string | undefined;
  /** what the form sent, shown again after a refusal */
  marks?: Map<number, number | null>;
  invalid?: number[];
}) {
  const { t, locale } = ctx;
  const s = roster.section;
  const title = t('teaching.attendanceTitle', { course: s.courseTitle, section: s.sectionCode });
  const action = `/staff/classes/${s.sectionId}/attendance`;
  return (
    <Layout ctx={ctx} title={title}>
      <p>
        <a href={`/staff/classes?date=${roster.date}`}>{t('teaching.backToClasses')}</a>
      </p>
      <h1>{title}</h1>
      <p>
        {formatDay(roster.date, locale, true)} · {t('teaching.periodLine', { period: s.period, time: when(ctx, s) })}
        {s.room ? ` · ${t('teaching.room', { room: s.room })}` : ''}
      </p>
      <Alert type="success" text={notice} />
      <Alert type="error" text={problem} />
      <p>{roster.version === 0 ? t('teaching.notTaken') : t('teaching.taken')}</p>
      {roster.rows.length === 0 ? (
        <p>{t('teaching.noStudents')}</p>
      ) : roster.open ? (
        <form method="post" action={action}>
          <Csrf token={ctx.csrf} />
          <input type="hidden" name="date" value={roster.date} />
          <input type="hidden" name="version" value={String(roster.version)} />
          <p class="usa-hint">{t('teaching.howTo')}</p>
          <RosterTable
            t={t}
            editable
            rows={roster.rows.map((r) => {
              const id = `mark-${r.studentId}`;
              const chosen = marks?.has(r.studentId) ? marks.get(r.studentId) : r.codeId;
              const wrong = invalid.includes(r.studentId);
              return {
                studentId: r.studentId,
                student: (
                  <>
                    <label for={id}>{`${r.lastName}, ${r.firstName}`}</label>
                    <input type="hidden" name="student" value={String(r.studentId)} />
                    <div class="usa-hint">{r.studentNumber}</div>
                    {r.wholeDay ? <div class="usa-hint">{t('teaching.wholeDay', { what: codeName(locale, r.wholeDay) })}</div> : null}
                    {wrong ? (
                      <span class="usa-error-message" id={`${id}-error`}>
                        {t('teaching.badMark')}
                      </span>
                    ) : null}
                  </>
                ),
                mark: (
                  <select class="usa-select" id={id} name={`mark_${r.studentId}`} aria-invalid={wrong ? 'true' : undefined} aria-describedby={wrong ? `${id}-error` : undefined}>
                    <option value="present" selected={chosen === null || chosen === undefined}>
                      {t('teaching.present')}
                    </option>
                    {roster.codes.map((c) => (
                      <option key={c.id} value={String(c.id)} selected={chosen === c.id}>
                        {codeName(locale, c)}
                      </option>
                    ))}
                  </select>
                ),
              };
            })}
          />
          <button class="usa-button hr-primary" type="submit">
            {t('teaching.save')}
          </button>
        </form>
      ) : (
        <>
          <p>{t(roster.date > today ? 'teaching.notYet' : 'teaching.closed')}</p>
          <RosterTable
            t={t}
            rows={roster.rows.map((r) => {
              const code = roster.codes.find((c) => c.id === r.codeId);
              return { studentId: r.studentId, student: `${r.lastName}, ${r.firstName}`, mark: code ? codeName(locale, code) : t('teaching.present') };
            })}
          />
        </>
      )}
    </Layout>
  );
}

export function NotTakenPage({ ctx, date, sections }: { ctx: PageContext; date: string; sections: MeetingSection[] }) {
  const { t, locale } = ctx;
  return (
    <Layout ctx={ctx} title={t('teaching.notTakenTitle')}>
      <h1>{t('teaching.notTakenTitle')}</h1>
      <p>{formatDay(date, locale, true)}</p>
      <DayPicker ctx={ctx} action="/staff/attendance/not-taken" date={date} />
      {sections.length === 0 ? (
        <p>{t('teaching.allTaken')}</p>
      ) : (
        <>
          <p role="status">{t('teaching.notTakenCount', { count: sections.length })}</p>
          <TableScroll label={t('teaching.notTakenTitle')}>
            <table class="usa-table usa-table--striped">
              <caption class="usa-sr-only">{t('teaching.notTakenTitle')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('teaching.period')}</th>
                  <th scope="col">{t('teaching.class')}</th>
                  <th scope="col">{t('teaching.roomHeading')}</th>
                  <th scope="col">{t('teaching.school')}</th>
                </tr>
              </thead>
              <tbody>
                {sections.map((s) => (
                  <tr key={s.sectionId}>
                    <td>{`${s.period} · ${when(ctx, s)}`}</td>
                    <th scope="row">{`${s.courseTitle} · ${s.sectionCode}`}</th>
                    <td>{s.room ?? '—'}</td>
                    <td>{s.school}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableScroll>
        </>
      )}
    </Layout>
  );
}

export interface OfficeDayProps {
  ctx: PageContext;
  date: string;
  records: DayRecord[];
  codes: OfficeCode[];
  notice?: string | undefined;
  errors?: Messages;
  /** what the whole-day form sent, shown again after a refusal */
  form?: { number: string; date: string; code: string; comment: string };
}

export function AttendanceOfficePage({ ctx, date, records, codes, notice, errors = {}, form }: OfficeDayProps) {
  const { t, locale } = ctx;
  const labels = { number: t('attendanceOffice.studentNumber'), wholeDate: t('attendanceOffice.date'), code: t('attendanceOffice.code'), comment: t('attendanceOffice.comment') };
  // A record's excuse form: its fields are named by the record, so a refusal points at the row it is about.
  const summaryLabels: Record<string, string> = { ...labels };
  for (const r of records) {
    summaryLabels[`excuse-${r.id}`] = `${t('attendanceOffice.excuseAs')} (${r.firstName} ${r.lastName})`;
    summaryLabels[`reason-${r.id}`] = `${t('attendanceOffice.reason')} (${r.firstName} ${r.lastName})`;
  }
  /** A row field's message, beside it. */
  const rowError = (id: string) => {
    const e = errors[id];
    return e ? (
      <span class="usa-error-message" id={`${id}-error`}>
        {t(e.key, e.params)}
      </span>
    ) : null;
  };
  const excused = (kind: string) => codes.filter((c) => c.excuse === 'excused' && c.kind === kind);
  return (
    <Layout ctx={ctx} title={t('attendanceOffice.title')}>
      <h1>{t('attendanceOffice.title')}</h1>
      <p>{formatDay(date, locale, true)}</p>
      <DayPicker ctx={ctx} action="/staff/attendance" date={date} />
      <p>
        <a href={`/staff/attendance/not-taken?date=${date}`}>{t('teaching.notTakenTitle')}</a>
      </p>
      <Alert type="success" text={notice} />
      <ErrorSummary t={t} errors={errors} labels={summaryLabels} />
      <h2>{t('attendanceOffice.recordsHeading')}</h2>
      {records.length === 0 ? (
        <p>{t('attendanceOffice.none')}</p>
      ) : (
        <TableScroll label={t('attendanceOffice.recordsHeading')}>
          <table class="usa-table usa-table--borderless hr-office-day">
            <caption class="usa-sr-only">{t('attendanceOffice.recordsHeading')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('teaching.student')}</th>
                <th scope="col">{t('attendanceOffice.when')}</th>
                <th scope="col">{t('attendanceOffice.code')}</th>
                <th scope="col">{t('attendanceOffice.change')}</th>
              </tr>
            </thead>
            <tbody>
              {records.map((r) => {
                const choices = r.excuse === 'excused' ? [] : excused(r.kind);
                return (
                  <tr key={r.id}>
                    <th scope="row">
                      {`${r.lastName}, ${r.firstName}`}
                      <div class="usa-hint">{`${r.studentNumber} · ${r.school}`}</div>
                    </th>
                    <td>{r.course ? t('attendanceOffice.inClass', { period: r.period ?? '', course: r.course }) : t('attendanceOffice.wholeDay')}</td>
                    <td>
                      {codeName(locale, r)}
                      {r.comment ? <div class="usa-hint">{r.comment}</div> : null}
                    </td>
                    <td>
                      {choices.length > 0 ? (
                        <form method="post" action={`/staff/attendance/${r.id}/excuse`} class="hr-stack">
                          <Csrf token={ctx.csrf} />
                          <input type="hidden" name="date" value={date} />
                          <label class="usa-label" for={`excuse-${r.id}`}>
                            {t('attendanceOffice.excuseAs')}
                          </label>
                          {rowError(`excuse-${r.id}`)}
                          <select
                            class={`usa-select${errors[`excuse-${r.id}`] ? ' usa-input--error' : ''}`}
                            id={`excuse-${r.id}`}
                            name="code"
                            aria-invalid={errors[`excuse-${r.id}`] ? 'true' : undefined}
                            aria-describedby={errors[`excuse-${r.id}`] ? `excuse-${r.id}-error` : undefined}
                          >
                            {choices.map((c) => (
                              <option key={c.id} value={String(c.id)}>
                                {codeName(locale, c)}
                              </option>
                            ))}
                          </select>
                          <label class="usa-label" for={`reason-${r.id}`}>
                            {t('attendanceOffice.reason')}
                          </label>
                          {rowError(`reason-${r.id}`)}
                          <input
                            class={`usa-input${errors[`reason-${r.id}`] ? ' usa-input--error' : ''}`}
                            id={`reason-${r.id}`}
                            name="reason"
                            required
                            maxLength={200}
                            aria-invalid={errors[`reason-${r.id}`] ? 'true' : undefined}
                            aria-describedby={errors[`reason-${r.id}`] ? `reason-${r.id}-error` : undefined}
                          />
                          <button class="usa-button usa-button--outline" type="submit">
                            {t('attendanceOffice.excuse')}
                            <span class="usa-sr-only">{` — ${r.firstName} ${r.lastName}`}</span>
                          </button>
                        </form>
                      ) : null}
                      {r.course === null ? (
                        <form method="post" action={`/staff/attendance/${r.id}/remove`}>
                          <Csrf token={ctx.csrf} />
                          <input type="hidden" name="date" value={date} />
                          <button class="usa-button usa-button--unstyled" type="submit">
                            {t('attendanceOffice.remove')}
                            <span class="usa-sr-only">{` — ${r.firstName} ${r.lastName}`}</span>
                          </button>
                        </form>
                      ) : null}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </TableScroll>
      )}
      <h2 id="whole-day-heading">{t('attendanceOffice.wholeDayHeading')}</h2>
      <p class="usa-hint">{t('attendanceOffice.wholeDayHint')}</p>
      <form method="post" action="/staff/attendance/whole-day" aria-labelledby="whole-day-heading">
        <Csrf token={ctx.csrf} />
        <Field t={t} id="number" label={labels.number} error={errors.number}>
          <input class={`usa-input usa-input--medium${errors.number ? ' usa-input--error' : ''}`} id="number" name="number" required maxLength={20} inputMode="numeric" autocomplete="off" value={form?.number ?? ''} aria-describedby={errors.number ? 'number-error' : undefined} />
        </Field>
        <Field t={t} id="wholeDate" label={labels.wholeDate} error={errors.wholeDate}>
          <input class={`usa-input usa-input--medium${errors.wholeDate ? ' usa-input--error' : ''}`} type="date" id="wholeDate" name="date" required value={form?.date ?? date} aria-describedby={errors.wholeDate ? 'wholeDate-error' : undefined} />
        </Field>
        <Field t={t} id="code" label={labels.code} error={errors.code}>
          <select class="usa-select" id="code" name="code" aria-describedby={errors.code ? 'code-error' : undefined}>
            {codes.map((c) => (
              <option key={c.id} value={String(c.id)} selected={form?.code === String(c.id)}>
                {codeName(locale, c)}
              </option>
            ))}
          </select>
        </Field>
        <Field t={t} id="comment" label={labels.comment} hint={t('attendanceOffice.commentHint')} error={errors.comment}>
          <input class="usa-input" id="comment" name="comment" maxLength={200} value={form?.comment ?? ''} aria-describedby="comment-hint" />
        </Field>
        <button class="usa-button hr-primary" type="submit">
          {t('attendanceOffice.recordWholeDay')}
        </button>
      </form>
    </Layout>
  );
}

/**
 * A code as staff read it, in their language: its description, which names its kind ("Absent: illness",
 * "Tardy: unexcused"), as families read it on the portal.
 */
function codeName(locale: Locale, code: { description: string; descriptionEs: string | null }): string {
  return localName(locale, bilingual(code.description, code.descriptionEs));
}

/** The roster: a student a row, with a control to mark them (a day open for saving) or their mark as saved. */
function RosterTable({ t, rows, editable = false }: { t: Translate; rows: { studentId: number; student: ComponentChildren; mark: ComponentChildren }[]; editable?: boolean }) {
  return (
    <TableScroll label={t('teaching.rosterLabel')}>
      <table class={`usa-table usa-table--borderless${editable ? ' hr-roster' : ''}`}>
        <caption class="usa-sr-only">{t('teaching.rosterLabel')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('teaching.student')}</th>
            <th scope="col">{t('teaching.mark')}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.studentId}>
              <th scope="row">{r.student}</th>
              <td>{r.mark}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableScroll>
  );
}
