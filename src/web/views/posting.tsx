/** Teachers' pages: posting a section's term grades for a grading period, and one grade's history. */
import type { CommentCode, GradeHistory, PostingClass, PostingEntry, PostingRow, PostingSheet } from '../../domain/gradebook/posting.js';
import { MAX_CODES, MAX_COMMENT } from '../../domain/gradebook/posting.js';
import { formatInstant } from '../../email/templates.js';
import type { PageContext } from './context.js';
import { formatDay, formatPercent } from './format.js';
import { Alert, Csrf, ErrorSummary, TableScroll, type Messages } from './forms.js';
import { Layout } from './layout.js';
import { localName } from '../../i18n/format.js';

function postingUrl(sheet: PostingSheet): string {
  return '/staff/classes/' + String(sheet.section.id) + '/post-grades';
}

/** Space-separated ids of the elements that describe a field (undefined: none). */
const describedBy = (...ids: (string | false)[]) => ids.filter(Boolean).join(' ') || undefined;

const gradeText = (ctx: PageContext, g: { percent: number | null; letter: string | null }) =>
  g.letter === null && g.percent === null ? ctx.t('posting.noGrade') : `${g.letter ?? '—'} (${formatPercent(g.percent, ctx.locale)})`;

const codeLabel = (ctx: PageContext, c: CommentCode) => (c.active ? `${c.code}: ${c.text[ctx.locale]}` : ctx.t('posting.inactiveCode', { text: `${c.code}: ${c.text[ctx.locale]}` }));

function PeriodPicker({ ctx, sheet }: { ctx: PageContext; sheet: PostingSheet }) {
  const { t, locale } = ctx;
  return (
    <form method="get" action={postingUrl(sheet)} class="hr-inline-form">
      <label class="usa-label" for="period">
        {t('posting.period')}
      </label>
      <select class="usa-select" id="period" name="period">
        {sheet.periods.map((p) => (
          <option key={p.id} value={String(p.id)} selected={p.id === sheet.period.id}>
            {`${localName(locale, p.title)} (${t('posting.periodDates', { start: formatDay(p.start, locale), end: formatDay(p.end, locale) })})`}
          </option>
        ))}
      </select>
      <button class="usa-button usa-button--outline" type="submit">
        {t('posting.show')}
      </button>
    </form>
  );
}

export interface PostingPageProps {
  ctx: PageContext;
  sheet: PostingSheet;
  notice?: string | undefined;
  problem?: string | undefined;
  /** field id → message, for the summary and each field */
  errors?: Messages;
  /** what the form sent, shown again after a refusal */
  entries?: Map<number, PostingEntry>;
}

export function PostingPage({ ctx, sheet, notice, problem, errors = {}, entries }: PostingPageProps) {
  const { t, locale } = ctx;
  const s = sheet.section;
  const title = t('posting.title', { course: s.courseTitle, section: s.code });
  const labels: Record<string, string> = {};
  for (const r of sheet.rows) {
    const name = `${r.firstName} ${r.lastName}`;
    labels[`letter-${r.studentId}`] = `${name}, ${t('posting.letter')}`;
    labels[`code-${r.studentId}-1`] = `${name}, ${t('posting.codes')}`;
    labels[`comment-${r.studentId}`] = `${name}, ${t('posting.comment')}`;
  }
  return (
    <Layout ctx={ctx} title={title}>
      <p>
        <a href="/staff/classes">{t('posting.backToClasses')}</a>
      </p>
      <h1>{title}</h1>
      <PeriodPicker ctx={ctx} sheet={sheet} />
      <h2>{`${localName(locale, sheet.period.title)} (${t('posting.periodDates', { start: formatDay(sheet.period.start, locale), end: formatDay(sheet.period.end, locale) })})`}</h2>
      <Alert type="success" text={notice} />
      <Alert type="error" text={problem} />
      <ErrorSummary t={t} errors={errors} labels={labels} />
      {sheet.rows.length === 0 ? (
        <p>{t('posting.noStudents')}</p>
      ) : sheet.open ? (
        <form method="post" action={`${postingUrl(sheet)}?period=${sheet.period.id}`}>
          <Csrf token={ctx.csrf} />
          <p class="usa-hint">{t('posting.howTo')}</p>
          <ul class="usa-list usa-list--unstyled hr-posting">
            {sheet.rows.map((r) => (
              <StudentEntry key={r.studentId} ctx={ctx} sheet={sheet} row={r} errors={errors} entry={entries?.get(r.studentId)} />
            ))}
          </ul>
          <button class="usa-button hr-primary" type="submit">
            {t('posting.submit')}
          </button>
        </form>
      ) : (
        <>
          <p>{t('posting.notYet', { period: localName(ctx.locale, sheet.period.title), day: formatDay(sheet.opensOn, locale, true) })}</p>
          <ReadOnlyGrades ctx={ctx} sheet={sheet} />
        </>
      )}
    </Layout>
  );
}

function PostedLine({ ctx, sheet, row }: { ctx: PageContext; sheet: PostingSheet; row: PostingRow }) {
  const { t } = ctx;
  if (!row.posted) return <p class="usa-hint">{t('posting.notPostedYet')}</p>;
  const drifted = row.posted.percent !== row.proposed.percent;
  return (
    <p class="usa-hint">
      {`${t('posting.postedOn', { grade: gradeText(ctx, row.posted), when: formatInstant(new Date(row.posted.postedAt), ctx.locale, ctx.district.timeZone) })} `}
      {drifted ? <strong>{`${t('posting.drifted')} `}</strong> : null}
      <a href={`${postingUrl(sheet)}/${row.studentId}/history?period=${sheet.period.id}`}>
        {t('posting.historyLink')}
        <span class="usa-sr-only">{` — ${row.firstName} ${row.lastName}`}</span>
      </a>
    </p>
  );
}

function StudentEntry({ ctx, sheet, row, errors, entry }: { ctx: PageContext; sheet: PostingSheet; row: PostingRow; errors: Messages; entry: PostingEntry | undefined }) {
  const { t } = ctx;
  const id = row.studentId;
  const letter = entry ? entry.letter : (row.posted?.letter ?? row.proposed.letter);
  const codes = entry ? entry.codes : (row.posted?.codes ?? []);
  const comment = entry ? entry.comment : (row.posted?.comment ?? null);
  const err = (field: string) => errors[field];
  const letterId = 'letter-' + String(id);
  const codesId = 'code-' + String(id) + '-1';
  const commentId = 'comment-' + String(id);
  const changed = letter !== null && letter !== row.proposed.letter;
  const message = (field: string) => {
    const e = err(field);
    return e ? (
      <span class="usa-error-message" id={`${field}-error`}>
        {t(e.key, e.params)}
      </span>
    ) : null;
  };
  const offered = sheet.codes.filter((c) => c.active || row.posted?.codes.includes(c.id));
  return (
    <li class="hr-posting__student">
      <fieldset class="usa-fieldset">
        <legend class="usa-legend usa-legend--large">{`${row.lastName}, ${row.firstName}`}</legend>
        <input type="hidden" name="student" value={String(id)} />
        <input type="hidden" name={`shown_${id}`} value={row.proposed.percent === null ? '' : String(row.proposed.percent)} />
        <input type="hidden" name={`seen_${id}`} value={row.posted ? String(row.posted.version) : ''} />
        <p class="usa-hint">{row.studentNumber}</p>
        <p>{t('posting.computed', { grade: gradeText(ctx, row.proposed) })}</p>
        <PostedLine ctx={ctx} sheet={sheet} row={row} />
        <div class={err(letterId) ? 'usa-form-group usa-form-group--error' : 'usa-form-group'}>
          <label class="usa-label" for={letterId}>
            {t('posting.letter')}
          </label>
          {message(letterId)}
          <select
            class="usa-select"
            id={letterId}
            name={`letter_${id}`}
            aria-invalid={err(letterId) ? 'true' : undefined}
            aria-describedby={describedBy(Boolean(err(letterId)) && letterId + '-error', changed && letterId + '-changed')}
          >
            <option value="" selected={letter === null}>
              {t('posting.notPosted')}
            </option>
            {sheet.scale.map((b) => (
              <option key={b.letter} value={b.letter} selected={letter === b.letter}>
                {b.letter}
              </option>
            ))}
          </select>
          {changed ? (
            <p class="usa-hint" id={letterId + '-changed'}>
              {t('posting.changedLetter')}
            </p>
          ) : null}
        </div>
        <fieldset class={err(codesId) ? 'usa-fieldset usa-form-group usa-form-group--error' : 'usa-fieldset usa-form-group'} aria-describedby={describedBy(Boolean(err(codesId)) && codesId + '-error')}>
          <legend class="usa-legend">{t('posting.codes')}</legend>
          {message(codesId)}
          {Array.from({ length: MAX_CODES }, (_, i) => (
            <div key={i}>
              <label class="usa-label" for={`code-${id}-${i + 1}`}>
                {t('posting.code', { n: i + 1 })}
              </label>
              <select class="usa-select" id={`code-${id}-${i + 1}`} name={`codes_${id}`}>
                <option value="" selected={codes[i] === undefined}>
                  {t('posting.noCode')}
                </option>
                {offered.map((c) => (
                  <option key={c.id} value={String(c.id)} selected={codes[i] === c.id}>
                    {codeLabel(ctx, c)}
                  </option>
                ))}
              </select>
            </div>
          ))}
        </fieldset>
        <div class={err(commentId) ? 'usa-form-group usa-form-group--error' : 'usa-form-group'}>
          <label class="usa-label" for={commentId}>
            {t('posting.comment')}
          </label>
          <span class="usa-hint" id={commentId + '-hint'}>
            {t('posting.commentHint')}
          </span>
          {message(commentId)}
          <textarea
            class={err(commentId) ? 'usa-textarea usa-input--error' : 'usa-textarea'}
            id={commentId}
            name={`comment_${id}`}
            maxLength={MAX_COMMENT}
            rows={3}
            aria-invalid={err(commentId) ? 'true' : undefined}
            aria-describedby={describedBy(commentId + '-hint', Boolean(err(commentId)) && commentId + '-error')}
          >
            {comment ?? ''}
          </textarea>
        </div>
      </fieldset>
    </li>
  );
}

function ReadOnlyGrades({ ctx, sheet }: { ctx: PageContext; sheet: PostingSheet }) {
  const { t } = ctx;
  return (
    <TableScroll label={t('posting.rosterLabel')}>
      <table class="usa-table usa-table--borderless">
        <caption class="usa-sr-only">{t('posting.rosterLabel')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('teaching.student')}</th>
            <th scope="col">{t('posting.grade')}</th>
          </tr>
        </thead>
        <tbody>
          {sheet.rows.map((r) => (
            <tr key={r.studentId}>
              <th scope="row">{`${r.lastName}, ${r.firstName}`}</th>
              <td>{t('posting.computed', { grade: gradeText(ctx, r.proposed) })}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableScroll>
  );
}

export function GradeHistoryPage({ ctx, history }: { ctx: PageContext; history: GradeHistory }) {
  const { t, locale } = ctx;
  const { sheet, row } = history;
  const name = `${row.firstName} ${row.lastName}`;
  const title = t('posting.historyTitle', { name });
  const when = (iso: string) => formatInstant(new Date(iso), locale, ctx.district.timeZone);
  const textOf = new Map(sheet.codes.map((c) => [c.code, c.text[locale]]));
  return (
    <Layout ctx={ctx} title={title}>
      <p>
        <a href={`${postingUrl(sheet)}?period=${sheet.period.id}`}>{t('posting.backToPosting')}</a>
      </p>
      <h1>{title}</h1>
      <p>{t('posting.historyIntro', { course: sheet.section.courseTitle, section: sheet.section.code, period: localName(ctx.locale, sheet.period.title) })}</p>
      <TableScroll label={t('posting.historyTable')}>
        <table class="usa-table usa-table--borderless">
          <caption class="usa-sr-only">{t('posting.historyTable')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('posting.when')}</th>
              <th scope="col">{t('posting.grade')}</th>
              <th scope="col">{t('posting.codesHeading')}</th>
              <th scope="col">{t('posting.commentHeading')}</th>
              <th scope="col">{t('posting.by')}</th>
            </tr>
          </thead>
          <tbody>
            {history.versions.map((v, i) => (
              <tr key={i}>
                <th scope="row">
                  {when(v.postedAt)}
                  <div class="usa-hint">{v.replacedAt === null ? t('posting.current') : t('posting.replaced', { when: when(v.replacedAt) })}</div>
                </th>
                <td>{gradeText(ctx, v)}</td>
                <td>{v.codes.length === 0 ? '—' : v.codes.map((c) => (textOf.has(c) ? `${c}: ${textOf.get(c)}` : c)).join('; ')}</td>
                <td>{v.comment ?? '—'}</td>
                <td>{v.postedBy ?? '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableScroll>
    </Layout>
  );
}

/** Every class the teacher teaches, each a link to its posting page (on a day without class too). */
export function PostingClassesPage({ ctx, classes }: { ctx: PageContext; classes: PostingClass[] }) {
  const { t } = ctx;
  return (
    <Layout ctx={ctx} title={t('posting.link')}>
      <h1>{t('posting.link')}</h1>
      <p>{t('posting.indexHint')}</p>
      <ul class="usa-list">
        {classes.map((c) => (
          <li key={c.sectionId}>
            <a href={'/staff/classes/' + String(c.sectionId) + '/post-grades'}>{c.period === null ? `${c.courseTitle} · ${c.sectionCode}` : t('posting.classLine', { period: c.period, course: c.courseTitle, section: c.sectionCode })}</a>
          </li>
        ))}
      </ul>
    </Layout>
  );
}
