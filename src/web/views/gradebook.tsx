/**
 * The teacher's gradebook pages: the score grid (students down, assignments across), a column (one
 * assignment, every student) and a row (one student, every assignment), the setup of categories and
 * assignments, and the confirmation before deleting an assignment. Every page saves as a plain form;
 * gradebook.js only adds arrow keys between the grid's cells.
 */
import type { ComponentChildren } from 'preact';
import { FLAGS, cellKey, type Cell, type Gradebook, type GridAssignment, type GridRow } from '../../domain/gradebook/scores.js';
import type { SetupErrors, SetupProblem } from '../../domain/gradebook/setup.js';
import { FLAG_NAMES, SETUP_PROBLEMS, gradebookUrl } from '../gradebook-paths.js';
import { pagePart } from '../render.js';
import type { MessageKey } from '../../i18n/index.js';
import type { PageContext } from './context.js';
import { formatDay, formatPercent, formatPoints } from './format.js';
import { Alert, Csrf, ErrorSummary, Field, type Messages } from './forms.js';
import { Layout } from './layout.js';
import { localName } from '../../i18n/format.js';

type Flag = (typeof FLAGS)[number];

/** What the teacher typed in a cell, shown again when a save is refused. */
export interface Entered {
  points: string;
  flags?: Flag[];
  comment?: string;
}

/** A refused save shown again: the values typed, the cells' originals the form carried, each cell's message. */
export interface Redisplay {
  entered: Map<string, Entered>;
  originals: Map<string, string>;
  problems: Map<string, { key: MessageKey; params?: Record<string, string | number> }>;
}

/** The hidden "what this cell was when the page was read" (ADR 0020): its version and its value. */
export function encodeOriginal(c: Cell): string {
  return JSON.stringify({ v: c.version, p: c.points, f: FLAGS.filter((f) => c[f]), c: c.comment });
}

export interface Original {
  version: number;
  points: number | null;
  flags: Flag[];
  comment: string | null;
}

/**
 * What a grid cell showed: its version and points only ("3:8.5", "0:" when not scored). The grid saves
 * points alone, so its cells carry no more than this; and they carry it a row at a time (`gridRowOriginal`).
 */
export function encodeGridOriginal(c: Cell): string {
  return `${c.version}:${c.points === null ? '' : String(c.points)}`;
}

/** A grid cell's original, read back; flags and comment are not the grid's to change. */
export function decodeGridOriginal(text: unknown): Original | null {
  if (typeof text !== 'string') return null;
  const m = /^(\d{1,9}):([0-9.e+-]{1,32})?$/.exec(text);
  const points = m?.[2] === undefined ? null : Number(m[2]);
  if (!m || (points !== null && !(Number.isFinite(points) && points >= 0))) return null;
  return { version: Number(m[1]), points, flags: [], comment: null };
}

/**
 * The grid's hidden "what the page showed" (ADR 0020), one field per student row instead of one per
 * cell: the row's cells' originals in the order of the grid's assignments (the form's `assignments`
 * field), separated by commas, empty where the student has no cell (not enrolled when it was due).
 * "3:8.5,0:,,1:10" is four assignments: scored 8.5 at version 3, not scored, no cell, scored 10. A
 * 35 × 60 grid is 35 such fields instead of 2,100 (about 100 KB less to write, send and read back).
 */
export function gridRowOriginal(book: Gradebook, row: GridRow, original: (key: string, cell: Cell) => string): string {
  return book.assignments
    .map((a) => {
      const cell = row.cells.get(a.id);
      return cell ? original(cellKey(row.studentId, a.id), cell) : '';
    })
    .join(',');
}

/**
 * The grid form's originals read back, by cell key (`<student>_<assignment>`): null when the form is
 * not one the grid wrote (an unreadable list of assignments, a row with another number of cells, an
 * original that is not one).
 */
/** Each cell a form carried back, by `student:assignment`: what was typed and what the cell showed. */
export type GridCells = Map<string, { text: string; original: Original }>;

export function decodeGridRows(body: Record<string, unknown>): GridCells | null {
  const listed = body.assignments;
  if (typeof listed !== 'string' || listed.length > 24_000) return null;
  const assignments = listed === '' ? [] : listed.split(',');
  if (assignments.length > 2_000 || !assignments.every((a) => /^[1-9]\d{0,9}$/.test(a))) return null;
  const out = new Map<string, { text: string; original: Original }>();
  for (const [name, value] of Object.entries(body)) {
    const m = /^o_([1-9]\d{0,9})$/.exec(name);
    if (!m) continue;
    if (typeof value !== 'string') return null;
    const cells = value.split(',');
    if (cells.length !== assignments.length) return null;
    for (let i = 0; i < cells.length; i++) {
      const text = cells[i]!;
      if (text === '') continue;
      const original = decodeGridOriginal(text);
      if (!original) return null;
      out.set(`${m[1]}_${assignments[i]}`, { text, original });
    }
    if (out.size > 20_000) return null;
  }
  return out;
}

export function decodeOriginal(text: unknown): Original | null {
  if (typeof text !== 'string' || text.length > 2000) return null;
  try {
    const o = JSON.parse(text) as { v?: unknown; p?: unknown; f?: unknown; c?: unknown };
    if (typeof o.v !== 'number' || !Number.isInteger(o.v) || o.v < 0) return null;
    if (o.p !== null && typeof o.p !== 'number') return null;
    if (!Array.isArray(o.f) || !o.f.every((f) => FLAGS.includes(f as Flag))) return null;
    if (o.c !== null && typeof o.c !== 'string') return null;
    return { version: o.v, points: o.p, flags: o.f as Flag[], comment: o.c };
  } catch {
    return null;
  }
}

const pointsText = (p: number | null) => (p === null ? '' : String(p));

/**
 * After a save the page comes back to the cell the teacher was in (ADR 0060): the save answers 303 to
 * the page with `at=S_A` (student S, assignment A) and the fragment `#p_S_A`, the points field of that
 * cell, which the browser scrolls to and focuses without any script. The field is
 * described by the success notice (read with it by a screen reader), and a short note beside it shows
 * where the save left off.
 */
const SAVED_NOTICE_ID = 'gradebook-saved';
const studentName = (r: GridRow) => `${r.lastName}, ${r.firstName}`;

function gradeText(ctx: PageContext, r: GridRow) {
  return r.grade.percent === null ? '—' : `${formatPercent(r.grade.percent, ctx.locale)}${r.grade.letter ? ` ${r.grade.letter}` : ''}`;
}

function Frame({ ctx, book, title, children, here }: { ctx: PageContext; book: Gradebook; title: string; here: 'grid' | 'setup' | 'other'; children: ComponentChildren }) {
  const { t } = ctx;
  const s = book.section;
  return (
    <Layout ctx={ctx} title={title}>
      <p>
        <a href="/staff/classes">{t('teaching.backToClasses')}</a>
      </p>
      <h1>{title}</h1>
      <p>{t('gradebook.sectionLine', { course: s.courseTitle, section: s.sectionCode, period: localName(ctx.locale, book.period.title) })}</p>
      <nav aria-label={t('gradebook.navLabel')}>
        <ul class="usa-list usa-list--unstyled hr-gradebook-nav">
          <li>
            <a class={`usa-button${here === 'grid' ? '' : ' usa-button--outline'}`} href={gradebookUrl(book)} aria-current={here === 'grid' ? 'page' : undefined}>
              {t('gradebook.grid')}
            </a>
          </li>
          <li>
            <a class={`usa-button${here === 'setup' ? '' : ' usa-button--outline'}`} href={gradebookUrl(book, 'setup')} aria-current={here === 'setup' ? 'page' : undefined}>
              {t('gradebook.setup')}
            </a>
          </li>
        </ul>
      </nav>
      {children}
    </Layout>
  );
}

function PeriodPicker({ ctx, book, action }: { ctx: PageContext; book: Gradebook; action: string }) {
  const { t, locale } = ctx;
  return (
    <form method="get" action={action} class="hr-inline-form">
      <label class="usa-label" for="period">
        {t('gradebook.period')}
      </label>
      <select class="usa-select" id="period" name="period">
        {book.periods.map((p) => (
          <option key={p.id} value={String(p.id)} selected={p.id === book.period.id}>
            {`${localName(locale, p.title)} (${formatDay(p.start, locale)} – ${formatDay(p.end, locale)})`}
          </option>
        ))}
      </select>
      <button class="usa-button usa-button--outline" type="submit">
        {t('teaching.show')}
      </button>
    </form>
  );
}

function CellError({ id, problem, ctx }: { id: string; problem: Redisplay['problems'] extends Map<string, infer P> ? P | undefined : never; ctx: PageContext }) {
  if (!problem) return null;
  return (
    <span class="usa-error-message" id={`${id}-error`}>
      {ctx.t(problem.key, problem.params)}
    </span>
  );
}

export function GridPage({
  ctx, book, notice, problem, redisplay, fromSis, savedAt,
}: { ctx: PageContext; book: Gradebook; notice?: string | undefined; problem?: string | undefined; redisplay?: Redisplay | undefined; fromSis?: boolean; savedAt?: string | undefined }) {
  const { t, locale } = ctx;
  const title = t('gradebook.title', { course: book.section.courseTitle });
  return (
    <Frame ctx={ctx} book={book} title={title} here="grid">
      <PeriodPicker ctx={ctx} book={book} action={gradebookUrl(book).split('?')[0]!} />
      <Alert type="info" text={fromSis ? t('gradebook.fromSis.notice') : undefined} />
      <Alert type="success" text={notice} id={SAVED_NOTICE_ID} />
      <Alert type="error" text={problem} />
      {book.assignments.length === 0 || book.rows.length === 0 ? (
        <p>
          {book.rows.length === 0 ? t('gradebook.noStudents') : t('gradebook.noAssignments')}{' '}
          <a href={gradebookUrl(book, 'setup')}>{t('gradebook.setupLink')}</a>
        </p>
      ) : (
        <form method="post" action={gradebookUrl(book)} class="hr-grid-form" autocomplete="off">
          <Csrf token={ctx.csrf} />
          <p class="usa-hint" id="grid-hint">
            {t('gradebook.gridHint')}
          </p>
          {book.rows.map((r) => (
            <input key={r.studentId} type="hidden" name="student" value={String(r.studentId)} />
          ))}
          <input type="hidden" name="assignments" value={book.assignments.map((a) => a.id).join(',')} />
          {/* the cell that had focus when the form was sent (gradebook.js); without a script, the last cell changed */}
          <input type="hidden" name="at" value="" />
          <div class="hr-grid-scroll" tabindex={0} role="region" aria-label={t('gradebook.gridLabel')}>
            <table class="usa-table usa-table--borderless hr-grid">
              <caption class="usa-sr-only">{t('gradebook.gridLabel')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('gradebook.student')}</th>
                  <th scope="col">{t('gradebook.grade')}</th>
                  {book.assignments.map((a) => (
                    <th scope="col" key={a.id} id={`a-${a.id}`}>
                      <a href={gradebookUrl(book, 'assignments', a.id)}>{a.title}</a>
                      <span class="hr-grid-sub">{t('gradebook.outOf', { points: formatPoints(a.pointsPossible, locale) })}</span>
                      <span class="hr-grid-sub">{t('gradebook.dueOn', { day: formatDay(a.due, locale) })}</span>
                      {a.published ? null : <span class="hr-grid-sub">{t('gradebook.unpublished')}</span>}
                    </th>
                  ))}
                </tr>
              </thead>
              {/* 2,000 cells and more: written as bytes (gridBody, pagePart), not as virtual DOM nodes nor inside the page's string */}
              <tbody dangerouslySetInnerHTML={{ __html: pagePart(gridBody(ctx, book, redisplay, notice ? savedAt : undefined)) }} />
            </table>
          </div>
          <button class="usa-button hr-primary" type="submit">
            {t('gradebook.saveGrid')}
          </button>
        </form>
      )}
      <script src={`/assets/gradebook.js?v=${ctx.assetVersion}`} defer />
    </Frame>
  );
}

const escapes: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' };
/** Text for HTML: in an element or a double-quoted attribute. */
const esc = (text: string) => text.replace(/[&<>"]/g, (c) => escapes[c]!);

/**
 * The grid's rows as HTML: a student's name with the row's hidden originals (`o_`, gridRowOriginal),
 * their grade, and a cell per assignment — the points field (`p_`), the flags and the cell's message. A
 * 35 × 60 grid is 2,100 cells: written as strings they cost a fraction of rendering the same markup node
 * by node (BENCHMARKS,
 * "The gradebook"). Every value is escaped by `esc`; the cell's position is read from the table by
 * gradebook.js, so a cell carries no more than the form and its label need.
 */
function gridBody(ctx: PageContext, book: Gradebook, redisplay: Redisplay | undefined, savedAt: string | undefined): Buffer {
  const { t } = ctx;
  const notEnrolled = `<td>${esc(t('gradebook.notEnrolled'))}</td>`;
  const flagNames = new Map(FLAGS.map((f) => [f, t(FLAG_NAMES[f])]));
  const savedNote = `<span class="hr-cell-saved" aria-hidden="true">${esc(t('gradebook.savedHere'))}</span>`;
  const rows: Buffer[] = [];
  const original = (key: string, cell: Cell) => redisplay?.originals.get(key) ?? encodeGridOriginal(cell);
  for (const r of book.rows) {
    let html = `<tr><th scope="row" id="s-${r.studentId}"><a href="${esc(gradebookUrl(book, 'students', r.studentId))}">${esc(studentName(r))}</a>`;
    html += `<input type="hidden" name="o_${r.studentId}" value="${esc(gridRowOriginal(book, r, original))}"></th>`;
    html += `<td class="hr-grid-grade" data-grade="${r.studentId}">${esc(gradeText(ctx, r))}</td>`;
    for (const a of book.assignments) {
      const cell = r.cells.get(a.id);
      if (!cell) {
        html += notEnrolled;
        continue;
      }
      const key = cellKey(r.studentId, a.id);
      // Named, not given an id: nothing points at the field (its label is the row's and column's headers,
      // its message is pointed at from it), and 2,100 ids were some 50 KB of the page.
      const id = `p_${key}`;
      const entered = redisplay?.entered.get(key);
      const problem = redisplay?.problems.get(key);
      // Points as stored are a number's digits: nothing in them to escape; what was typed is escaped.
      const value = entered ? esc(entered.points) : pointsText(cell.points);
      html += problem ? '<td class="hr-cell-error">' : '<td>';
      html += `<input class="usa-input hr-cell${problem ? ' usa-input--error' : ''}" name="${id}" inputmode="decimal" maxlength="12" value="${value}" aria-labelledby="s-${r.studentId} a-${a.id}"`;
      // The cell the save came back to: the one field with an id, the fragment's target.
      const here = key === savedAt && !problem;
      if (here) html += ` id="${id}" aria-describedby="${SAVED_NOTICE_ID}"`;
      html += problem ? ` aria-describedby="${id}-error" aria-invalid="true">` : '>';
      if (here) html += savedNote;
      if (cell.missing || cell.late || cell.exempt || cell.incomplete || cell.dropped) {
        html += `<span class="hr-cell-flags">${esc(FLAGS.filter((f) => cell[f]).map((f) => flagNames.get(f)!).join(', '))}</span>`;
      }
      if (problem) html += `<span class="usa-error-message" id="${id}-error">${esc(t(problem.key, problem.params))}</span>`;
      html += '</td>';
    }
    rows.push(Buffer.from(`${html}</tr>`));
  }
  return Buffer.concat(rows);
}

/** One cell with every field: points, the flags and the comment (the column and row pages). */
function FullCell({ ctx, cell, cellId, label, redisplay, savedAt }: { ctx: PageContext; cell: Cell; cellId: string; label: string; redisplay?: Redisplay | undefined; savedAt?: string | undefined }) {
  const { t } = ctx;
  const entered = redisplay?.entered.get(cellId);
  const problem = redisplay?.problems.get(cellId);
  const here = savedAt === cellId && !problem;
  const id = `p_${cellId}`;
  const flags: readonly Flag[] = entered ? (entered.flags ?? []) : FLAGS.filter((f) => cell[f]);
  return (
    <fieldset class={`usa-fieldset hr-score${problem ? ' usa-form-group--error' : ''}`}>
      <legend class="usa-legend">{label}</legend>
      <input type="hidden" name={`o_${cellId}`} value={redisplay?.originals.get(cellId) ?? encodeOriginal(cell)} />
      <CellError ctx={ctx} id={id} problem={problem} />
      <label class="usa-label" for={id}>
        {t('gradebook.points')}
      </label>
      <input
        class={`usa-input usa-input--small${problem ? ' usa-input--error' : ''}`}
        id={id}
        name={id}
        type="text"
        inputmode="decimal"
        autocomplete="off"
        maxLength={12}
        value={entered ? entered.points : pointsText(cell.points)}
        aria-describedby={problem ? `${id}-error` : here ? SAVED_NOTICE_ID : undefined}
        aria-invalid={problem ? 'true' : undefined}
      />
      {here ? (
        <span class="hr-cell-saved" aria-hidden="true">
          {t('gradebook.savedHere')}
        </span>
      ) : null}
      <div class="hr-score-flags">
        {FLAGS.map((f) => (
          <div class="usa-checkbox" key={f}>
            <input class="usa-checkbox__input" id={`f_${cellId}_${f}`} type="checkbox" name={`f_${cellId}`} value={f} checked={flags.includes(f)} />
            <label class="usa-checkbox__label" for={`f_${cellId}_${f}`}>
              {t(FLAG_NAMES[f])}
            </label>
          </div>
        ))}
      </div>
      <label class="usa-label" for={`c_${cellId}`}>
        {t('gradebook.comment')}
      </label>
      <input class="usa-input" id={`c_${cellId}`} name={`c_${cellId}`} type="text" maxLength={500} value={entered ? (entered.comment ?? '') : (cell.comment ?? '')} />
    </fieldset>
  );
}

export function ColumnPage({
  ctx,
  book,
  assignment,
  today,
  notice,
  problem,
  redisplay,
  bulkErrors = {},
  savedAt,
}: {
  ctx: PageContext;
  book: Gradebook;
  assignment: GridAssignment;
  today: string;
  notice?: string | undefined;
  problem?: string | undefined;
  redisplay?: Redisplay | undefined;
  bulkErrors?: Messages;
  /** the cell a save came back to (`at`) */
  savedAt?: string | undefined;
}) {
  const { t, locale } = ctx;
  const title = t('gradebook.columnTitle', { title: assignment.title });
  const rows = book.rows.filter((r) => r.cells.has(assignment.id));
  return (
    <Frame ctx={ctx} book={book} title={title} here="other">
      <p>
        {`${assignment.category} · ${t('gradebook.outOf', { points: formatPoints(assignment.pointsPossible, locale) })} · ${t('gradebook.dueOn', { day: formatDay(assignment.due, locale) })}`}
        {assignment.published ? '' : ` · ${t('gradebook.unpublished')}`}
      </p>
      <p>
        <a href={gradebookUrl(book, 'assignments', assignment.id, 'edit')}>{t('gradebook.editAssignment')}</a>
      </p>
      <Alert type="success" text={notice} id={SAVED_NOTICE_ID} />
      <Alert type="error" text={problem} />
      <ErrorSummary t={t} errors={bulkErrors} labels={{ fill: t('gradebook.fillValue') }} />
      <h2>{t('gradebook.bulk')}</h2>
      <form method="post" action={gradebookUrl(book, 'assignments', assignment.id, 'fill')} class="hr-inline-form">
        <Csrf token={ctx.csrf} />
        <Field t={t} id="fill" label={t('gradebook.fillValue')} error={bulkErrors.fill}>
          <input class={`usa-input usa-input--small${bulkErrors.fill ? ' usa-input--error' : ''}`} id="fill" name="points" type="text" inputmode="decimal" maxLength={12} aria-invalid={bulkErrors.fill ? 'true' : undefined} aria-describedby={bulkErrors.fill ? 'fill-error' : undefined} />
        </Field>
        <button class="usa-button usa-button--outline" type="submit">
          {t('gradebook.fill')}
        </button>
      </form>
      {assignment.due < today ? (
        <form method="post" action={gradebookUrl(book, 'assignments', assignment.id, 'missing')}>
          <Csrf token={ctx.csrf} />
          <button class="usa-button usa-button--outline" type="submit">
            {t('gradebook.markMissing')}
          </button>
        </form>
      ) : (
        <p class="usa-hint">{t('gradebook.notDueYet')}</p>
      )}
      <h2>{t('gradebook.scores')}</h2>
      {rows.length === 0 ? (
        <p>{t('gradebook.noStudents')}</p>
      ) : (
        <form method="post" action={gradebookUrl(book, 'assignments', assignment.id)}>
          <Csrf token={ctx.csrf} />
          {book.rows.map((r) => (
            <input key={r.studentId} type="hidden" name="student" value={String(r.studentId)} />
          ))}
          <input type="hidden" name="assignments" value={book.assignments.map((a) => a.id).join(',')} />
          {rows.map((r) => (
            <FullCell key={r.studentId} ctx={ctx} cell={r.cells.get(assignment.id)!} cellId={cellKey(r.studentId, assignment.id)} label={studentName(r)} redisplay={redisplay} savedAt={notice ? savedAt : undefined} />
          ))}
          <button class="usa-button hr-primary" type="submit">
            {t('gradebook.saveColumn')}
          </button>
        </form>
      )}
    </Frame>
  );
}

export function RowPage({
  ctx, book, row, notice, problem, redisplay, savedAt,
}: { ctx: PageContext; book: Gradebook; row: GridRow; notice?: string | undefined; problem?: string | undefined; redisplay?: Redisplay | undefined; savedAt?: string | undefined }) {
  const { t, locale } = ctx;
  const title = t('gradebook.rowTitle', { name: `${row.firstName} ${row.lastName}` });
  const assignments = book.assignments.filter((a) => row.cells.has(a.id));
  return (
    <Frame ctx={ctx} book={book} title={title} here="other">
      <p>{t('gradebook.currentGrade', { grade: gradeText(ctx, row) })}</p>
      <Alert type="success" text={notice} id={SAVED_NOTICE_ID} />
      <Alert type="error" text={problem} />
      {assignments.length === 0 ? (
        <p>{t('gradebook.noAssignments')}</p>
      ) : (
        <form method="post" action={gradebookUrl(book, 'students', row.studentId)}>
          <Csrf token={ctx.csrf} />
          {book.rows.map((r) => (
            <input key={r.studentId} type="hidden" name="student" value={String(r.studentId)} />
          ))}
          <input type="hidden" name="assignments" value={book.assignments.map((a) => a.id).join(',')} />
          {assignments.map((a) => (
            <FullCell
              key={a.id}
              ctx={ctx}
              cell={row.cells.get(a.id)!}
              cellId={cellKey(row.studentId, a.id)}
              label={`${a.title} (${t('gradebook.outOf', { points: formatPoints(a.pointsPossible, locale) })})`}
              redisplay={redisplay}
              savedAt={notice ? savedAt : undefined}
            />
          ))}
          <button class="usa-button hr-primary" type="submit">
            {t('gradebook.saveRow')}
          </button>
        </form>
      )}
    </Frame>
  );
}

// ── setup ───────────────────────────────────────────────────────────────────────────────────────────

const problemKey = (p: SetupProblem) => SETUP_PROBLEMS[p];
const asMessages = (errors: SetupErrors | undefined): Messages => Object.fromEntries(Object.entries(errors ?? {}).map(([f, p]) => [f, { key: problemKey(p as SetupProblem) }]));

export interface CategoryValues {
  name: string;
  weight: string;
  dropLowest: string;
  sequence: string;
}

function CategoryFields({ ctx, prefix, values, errors, weighted }: { ctx: PageContext; prefix: string; values: CategoryValues; errors: Messages; weighted: boolean }) {
  const { t } = ctx;
  const input = (name: keyof CategoryValues, label: string, small: boolean, hint?: string) => {
    const id = `${prefix}${name}`;
    const error = errors[name];
    return (
      <Field t={t} id={id} label={label} error={error} {...(hint ? { hint } : {})}>
        <input
          class={`usa-input${small ? ' usa-input--small' : ''}${error ? ' usa-input--error' : ''}`}
          id={id}
          name={name}
          type="text"
          inputmode={small ? 'decimal' : undefined}
          maxLength={small ? 8 : 60}
          value={values[name]}
          aria-invalid={error ? 'true' : undefined}
          aria-describedby={[hint ? `${id}-hint` : null, error ? `${id}-error` : null].filter(Boolean).join(' ') || undefined}
        />
      </Field>
    );
  };
  return (
    <>
      {input('name', t('gradebook.categoryName'), false)}
      {input('weight', t('gradebook.weight'), true, weighted ? t('gradebook.weightHint') : t('gradebook.noWeightHint'))}
      {input('dropLowest', t('gradebook.dropLowest'), true)}
      {input('sequence', t('gradebook.order'), true)}
    </>
  );
}

export function SetupPage({
  ctx,
  book,
  notice,
  categoryErrors,
}: {
  ctx: PageContext;
  book: Gradebook;
  notice?: string | undefined;
  /** a refused category form: which one ('new' or its id), what was sent and what is wrong */
  categoryErrors?: { which: string; values: CategoryValues; errors: SetupErrors } | undefined;
}) {
  const { t, locale } = ctx;
  const weighted = book.section.method === 'weighted';
  const title = t('gradebook.setupTitle', { course: book.section.courseTitle });
  const errorsFor = (which: string) => (categoryErrors?.which === which ? asMessages(categoryErrors.errors) : {});
  const valuesFor = (which: string, v: CategoryValues) => (categoryErrors?.which === which ? categoryErrors.values : v);
  const labels = { name: t('gradebook.categoryName'), weight: t('gradebook.weight'), dropLowest: t('gradebook.dropLowest'), sequence: t('gradebook.order') };
  return (
    <Frame ctx={ctx} book={book} title={title} here="setup">
      <PeriodPicker ctx={ctx} book={book} action={gradebookUrl(book, 'setup').split('?')[0]!} />
      <Alert type="success" text={notice} />
      {categoryErrors ? (
        categoryErrors.errors.category ? (
          <Alert type="error" text={t(problemKey(categoryErrors.errors.category))} />
        ) : (
          <ErrorSummary
            t={t}
            errors={Object.fromEntries(Object.entries(asMessages(categoryErrors.errors)).map(([k, v]) => [`${categoryErrors.which}-${k}`, v]))}
            labels={Object.fromEntries(Object.entries(labels).map(([k, v]) => [`${categoryErrors.which}-${k}`, v]))}
          />
        )
      ) : null}
      <h2>{t('gradebook.categories')}</h2>
      <p>{weighted ? t('gradebook.weightedClass') : t('gradebook.pointsClass')}</p>
      {book.categories.length === 0 ? <p>{t('gradebook.noCategories')}</p> : null}
      {book.categories.map((c) => (
        <section key={c.id} class="hr-setup-item" aria-labelledby={`cat-${c.id}-h`}>
          <h3 id={`cat-${c.id}-h`}>{c.name}</h3>
          <p class="usa-hint">{t('gradebook.categoryCount', { count: c.assignments })}</p>
          <form method="post" action={gradebookUrl(book, 'categories', c.id)}>
            <Csrf token={ctx.csrf} />
            <CategoryFields
              ctx={ctx}
              prefix={`${c.id}-`}
              values={valuesFor(String(c.id), { name: c.name, weight: c.weight === null ? '' : String(c.weight), dropLowest: String(c.dropLowest), sequence: String(c.sequence) })}
              errors={errorsFor(String(c.id))}
              weighted={weighted}
            />
            <button class="usa-button" type="submit">
              {t('gradebook.saveCategory')}
              <span class="usa-sr-only">{` — ${c.name}`}</span>
            </button>
          </form>
          <form method="post" action={gradebookUrl(book, 'categories', c.id, 'remove')}>
            <Csrf token={ctx.csrf} />
            <button class="usa-button usa-button--secondary" type="submit">
              {t('gradebook.removeCategory')}
              <span class="usa-sr-only">{` — ${c.name}`}</span>
            </button>
          </form>
        </section>
      ))}
      <section class="hr-setup-item" aria-labelledby="cat-new-h">
        <h3 id="cat-new-h">{t('gradebook.addCategory')}</h3>
        <form method="post" action={gradebookUrl(book, 'categories')}>
          <Csrf token={ctx.csrf} />
          <CategoryFields ctx={ctx} prefix="new-" values={valuesFor('new', { name: '', weight: '', dropLowest: '0', sequence: String(book.categories.length + 1) })} errors={errorsFor('new')} weighted={weighted} />
          <button class="usa-button" type="submit">
            {t('gradebook.addCategory')}
          </button>
        </form>
      </section>

      <h2>{t('gradebook.assignments')}</h2>
      {book.categories.length === 0 ? (
        <p>{t('gradebook.categoryFirst')}</p>
      ) : (
        <p>
          <a class="usa-button" href={gradebookUrl(book, 'assignments', 'new')}>
            {t('gradebook.addAssignment')}
          </a>
        </p>
      )}
      {book.assignments.length === 0 ? (
        <p>{t('gradebook.noAssignments')}</p>
      ) : (
        <ul class="usa-list">
          {book.assignments.map((a) => (
            <li key={a.id}>
              <a href={gradebookUrl(book, 'assignments', a.id, 'edit')}>{a.title}</a>
              {` · ${a.category} · ${t('gradebook.outOf', { points: formatPoints(a.pointsPossible, locale) })} · ${t('gradebook.dueOn', { day: formatDay(a.due, locale) })}`}
              {a.published ? '' : ` · ${t('gradebook.unpublished')}`}
            </li>
          ))}
        </ul>
      )}
    </Frame>
  );
}

export interface AssignmentValues {
  title: string;
  categoryId: string;
  assigned: string;
  due: string;
  pointsPossible: string;
  published: boolean;
  description: string;
}

export function AssignmentFormPage({ ctx, book, assignment, values, errors = {} }: { ctx: PageContext; book: Gradebook; assignment: GridAssignment | null; values: AssignmentValues; errors?: SetupErrors }) {
  const { t, locale } = ctx;
  const title = assignment ? t('gradebook.editTitle', { title: assignment.title }) : t('gradebook.newTitle');
  const messages = asMessages(errors);
  const labels = {
    title: t('gradebook.assignmentTitle'),
    categoryId: t('gradebook.category'),
    assigned: t('gradebook.assigned'),
    due: t('gradebook.due'),
    pointsPossible: t('gradebook.pointsPossible'),
    description: t('gradebook.description'),
  };
  const described = (id: string, hint: boolean) => [hint ? `${id}-hint` : null, messages[id] ? `${id}-error` : null].filter(Boolean).join(' ') || undefined;
  const action = assignment ? gradebookUrl(book, 'assignments', assignment.id, 'edit') : gradebookUrl(book, 'assignments', 'new');
  const periodHint = t('gradebook.datesHint', { start: formatDay(book.period.start, locale, true), end: formatDay(book.period.end, locale, true) });
  return (
    <Frame ctx={ctx} book={book} title={title} here="other">
      <ErrorSummary t={t} errors={messages} labels={labels} />
      <form method="post" action={action}>
        <Csrf token={ctx.csrf} />
        <Field t={t} id="title" label={labels.title} error={messages.title}>
          <input class={`usa-input${messages.title ? ' usa-input--error' : ''}`} id="title" name="title" type="text" maxLength={200} value={values.title} aria-invalid={messages.title ? 'true' : undefined} aria-describedby={described('title', false)} />
        </Field>
        <Field t={t} id="categoryId" label={labels.categoryId} error={messages.categoryId}>
          <select class={`usa-select${messages.categoryId ? ' usa-input--error' : ''}`} id="categoryId" name="categoryId" aria-invalid={messages.categoryId ? 'true' : undefined} aria-describedby={described('categoryId', false)}>
            {book.categories.map((c) => (
              <option key={c.id} value={String(c.id)} selected={String(c.id) === values.categoryId}>
                {c.name}
              </option>
            ))}
          </select>
        </Field>
        {(['assigned', 'due'] as const).map((f) => (
          <Field key={f} t={t} id={f} label={labels[f]} hint={periodHint} error={messages[f]}>
            <input class={`usa-input usa-input--medium${messages[f] ? ' usa-input--error' : ''}`} id={f} name={f} type="date" value={values[f]} aria-invalid={messages[f] ? 'true' : undefined} aria-describedby={described(f, true)} />
          </Field>
        ))}
        <Field t={t} id="pointsPossible" label={labels.pointsPossible} hint={t('gradebook.pointsPossibleHint')} error={messages.pointsPossible}>
          <input
            class={`usa-input usa-input--small${messages.pointsPossible ? ' usa-input--error' : ''}`}
            id="pointsPossible"
            name="pointsPossible"
            type="text"
            inputmode="decimal"
            maxLength={10}
            value={values.pointsPossible}
            aria-invalid={messages.pointsPossible ? 'true' : undefined}
            aria-describedby={described('pointsPossible', true)}
          />
        </Field>
        <div class="usa-checkbox">
          <input class="usa-checkbox__input" id="published" type="checkbox" name="published" value="1" checked={values.published} />
          <label class="usa-checkbox__label" for="published">
            {t('gradebook.published')}
          </label>
        </div>
        <Field t={t} id="description" label={labels.description} error={messages.description}>
          <textarea class={`usa-textarea${messages.description ? ' usa-input--error' : ''}`} id="description" name="description" maxLength={2000} aria-invalid={messages.description ? 'true' : undefined} aria-describedby={described('description', false)}>
            {values.description}
          </textarea>
        </Field>
        <button class="usa-button hr-primary" type="submit">
          {t('gradebook.saveAssignment')}
        </button>
      </form>
      {assignment ? (
        <p>
          <a href={gradebookUrl(book, 'assignments', assignment.id, 'delete')}>{t('gradebook.deleteAssignment')}</a>
        </p>
      ) : null}
    </Frame>
  );
}

export function DeleteAssignmentPage({ ctx, book, assignment, scores }: { ctx: PageContext; book: Gradebook; assignment: GridAssignment; scores: number }) {
  const { t } = ctx;
  const title = t('gradebook.deleteTitle', { title: assignment.title });
  return (
    <Frame ctx={ctx} book={book} title={title} here="other">
      <div class="usa-alert usa-alert--warning" role="region" aria-label={t('gradebook.deleteWarningLabel')}>
        <div class="usa-alert__body">
          <p class="usa-alert__text">{t('gradebook.deleteWarning', { count: scores })}</p>
        </div>
      </div>
      <form method="post" action={gradebookUrl(book, 'assignments', assignment.id, 'delete')}>
        <Csrf token={ctx.csrf} />
        <button class="usa-button usa-button--secondary" type="submit">
          {t('gradebook.confirmDelete')}
        </button>
        <a class="usa-button usa-button--outline" href={gradebookUrl(book, 'assignments', assignment.id, 'edit')}>
          {t('gradebook.cancel')}
        </a>
      </form>
    </Frame>
  );
}
