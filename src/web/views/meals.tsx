/** Food service: families' meal accounts, the office's deposits and adjustments, and the point-of-sale import. */
import type { MealLine } from '../../domain/meals/ledger.js';
import type { MealImportReport } from '../../domain/meals/import.js';
import type { OfficeMealStudent } from '../../domain/meals/office.js';
import type { VisibleStudent } from '../../domain/people/visibility.js';
import { formatInstant, formatMoney } from '../../i18n/format.js';
import type { Translate } from '../../i18n/index.js';
import type { PageContext } from './context.js';
import { Alert, Csrf, ErrorSummary, Field, TableScroll, TextInput, type Messages } from './forms.js';
import { Layout } from './layout.js';

/** The family meal pages' addresses. */
export const MEALS_PATH = '/payments/meals';
export const mealAccountUrl = (studentId: number) => `${MEALS_PATH}/${studentId}`;

/**
 * One child's meal balance in a few words, with a "Low" tag under the threshold and a link to the
 * account: for the Payments page and a parent's Home card.
 */
export function MealBalanceSummary({ ctx, student, balanceCents, thresholdCents }: { ctx: PageContext; student: VisibleStudent; balanceCents: number; thresholdCents?: number }) {
  const { t, locale } = ctx;
  const low = thresholdCents !== undefined && balanceCents < thresholdCents;
  return (
    <p class="hr-meal-balance">
      <a href={mealAccountUrl(student.id)}>{t('meals.balanceOf', { name: `${student.firstName} ${student.lastName}`, balance: formatMoney(balanceCents, locale) })}</a>
      {low ? (
        <>
          {' '}
          <span class="usa-tag hr-flag hr-flag--missing">{t('meals.low')}</span>
        </>
      ) : null}
    </p>
  );
}

/** Today's banner: the guardian's children whose balance is below the guardian's threshold. */
export function MealLowBanner({ ctx, low }: { ctx: PageContext; low: { student: VisibleStudent; balanceCents: number; thresholdCents: number }[] }) {
  const { t, locale } = ctx;
  if (low.length === 0) return null;
  return (
    <div class="usa-alert usa-alert--warning usa-alert--slim" role="status">
      <div class="usa-alert__body">
        {low.map((l) => (
          <p class="usa-alert__text" key={l.student.id}>
            {t('meals.todayLow', { name: l.student.firstName, balance: formatMoney(l.balanceCents, locale), threshold: formatMoney(l.thresholdCents, locale) })}{' '}
            <a href={mealAccountUrl(l.student.id)}>{t('meals.todayLink')}</a>
          </p>
        ))}
      </div>
    </div>
  );
}

export function MealsPage({
  ctx,
  accounts,
  threshold,
  districtCents,
  notice,
  value,
  error,
}: {
  ctx: PageContext;
  accounts: { student: VisibleStudent; balanceCents: number }[];
  /** the guardian's threshold; null for a student reading their own */
  threshold: { cents: number; own: boolean } | null;
  districtCents: number;
  notice?: string | undefined;
  value?: string;
  error?: Messages['threshold'];
}) {
  const { t, locale } = ctx;
  return (
    <Layout ctx={ctx} title={t('meals.title')}>
      <h1>{t('meals.title')}</h1>
      <Alert type="success" text={notice} />
      {error ? <ErrorSummary t={t} errors={{ threshold: error }} labels={{ threshold: t('meals.threshold.label') }} /> : null}
      {accounts.length === 0 ? <p>{t('meals.noChildren')}</p> : null}
      <ul class="usa-list usa-list--unstyled">
        {accounts.map((a) => (
          <li key={a.student.id}>
            <MealBalanceSummary ctx={ctx} student={a.student} balanceCents={a.balanceCents} {...(threshold ? { thresholdCents: threshold.cents } : {})} />
          </li>
        ))}
      </ul>
      <p>{t('meals.howToAdd')}</p>
      {threshold ? (
        <section aria-labelledby="threshold-heading">
          <h2 id="threshold-heading">{t('meals.threshold.heading')}</h2>
          <p>{t('meals.threshold.current', { amount: formatMoney(threshold.cents, locale) })}</p>
          <form class="usa-form" method="post" action={`${MEALS_PATH}/threshold`} novalidate>
            <Csrf token={ctx.csrf} />
            <Field t={t} id="threshold" label={t('meals.threshold.label')} hint={t('meals.threshold.hint', { amount: formatMoney(districtCents, locale) })} error={error}>
              <TextInput
                id="threshold"
                autocomplete="off"
                inputmode="decimal"
                required={false}
                small
                error={Boolean(error)}
                hint
                value={value ?? (threshold.own ? (threshold.cents / 100).toFixed(2) : '')}
              />
            </Field>
            <button class="usa-button" type="submit">
              {t('meals.threshold.save')}
            </button>
          </form>
        </section>
      ) : null}
    </Layout>
  );
}

/** What a ledger row was, in words: the item bought, the deposit's method, the adjustment's reason. */
function description(t: Translate, line: MealLine): string {
  if (line.kind === 'purchase') return line.item ?? t('meals.kind.purchase');
  if (line.kind === 'deposit') {
    const how = line.method === 'check' ? t('meals.method.check', { number: line.checkNumber ?? '' }) : line.method === 'cash' ? t('meals.method.cash') : line.item;
    return how ? `${t('meals.kind.deposit')} (${how})` : t('meals.kind.deposit');
  }
  return line.reason ? `${t('meals.kind.adjustment')}: ${line.reason}` : t('meals.kind.adjustment');
}

function LedgerTable({ ctx, lines }: { ctx: PageContext; lines: MealLine[] }) {
  const { t, locale } = ctx;
  if (lines.length === 0) return <p>{t('meals.noHistory')}</p>;
  return (
    <TableScroll label={t('meals.history')}>
      <table class="usa-table usa-table--borderless usa-table--stacked">
        <caption class="usa-sr-only">{t('meals.history')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('meals.col.date')}</th>
            <th scope="col">{t('meals.col.what')}</th>
            <th scope="col" class="hr-number">
              {t('meals.col.amount')}
            </th>
          </tr>
        </thead>
        <tbody>
          {lines.map((l) => (
            <tr key={l.id}>
              <td data-label={t('meals.col.date')}>{formatInstant(new Date(l.at), locale, ctx.district.timeZone)}</td>
              <td data-label={t('meals.col.what')}>{description(t, l)}</td>
              <td data-label={t('meals.col.amount')} class="hr-number">
                {formatMoney(l.amountCents, locale)}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableScroll>
  );
}

export function MealAccountPage({ ctx, student, balanceCents, lines }: { ctx: PageContext; student: VisibleStudent; balanceCents: number; lines: MealLine[] }) {
  const { t, locale } = ctx;
  const name = `${student.firstName} ${student.lastName}`;
  return (
    <Layout ctx={ctx} title={t('meals.accountOf', { name })}>
      <h1>{t('meals.accountOf', { name })}</h1>
      <p class="usa-intro">
        {t('meals.balance')}: <strong>{formatMoney(balanceCents, locale)}</strong>
      </p>
      <h2>{t('meals.history')}</h2>
      <LedgerTable ctx={ctx} lines={lines} />
      <p>{t('meals.howToAdd')}</p>
      <p>
        <a href={MEALS_PATH}>{t('meals.title')}</a>
      </p>
    </Layout>
  );
}

// ── the office ──────────────────────────────────────────────────────────────────────────────────────

export function OfficeMealSearchPage({ ctx, number = '', errors = {} }: { ctx: PageContext; number?: string; errors?: Messages }) {
  const { t } = ctx;
  return (
    <Layout ctx={ctx} title={t('meals.office.title')}>
      <h1>{t('meals.office.title')}</h1>
      <ErrorSummary t={t} errors={errors} labels={{ number: t('meals.office.searchLabel') }} />
      <form class="usa-form" method="get" action="/staff/meals" novalidate>
        <Field t={t} id="number" label={t('meals.office.searchLabel')} error={errors.number}>
          <TextInput id="number" autocomplete="off" error={Boolean(errors.number)} value={number} inputmode="numeric" />
        </Field>
        <button class="usa-button" type="submit">
          {t('meals.office.search')}
        </button>
      </form>
      <p>
        <a href="/staff/meals/import">{t('meals.office.importLink')}</a>
      </p>
    </Layout>
  );
}

function Radio({ name, value, label, checked }: { name: string; value: string; label: string; checked: boolean }) {
  return (
    <div class="usa-radio">
      <input class="usa-radio__input" id={`${name}-${value}`} type="radio" name={name} value={value} checked={checked} />
      <label class="usa-radio__label" for={`${name}-${value}`}>
        {label}
      </label>
    </div>
  );
}

export function OfficeMealAccountPage({
  ctx,
  student,
  balanceCents,
  lines,
  notice,
  values = {},
  errors = {},
}: {
  ctx: PageContext;
  student: OfficeMealStudent;
  balanceCents: number;
  lines: MealLine[];
  notice?: string | undefined;
  values?: Record<string, string>;
  errors?: Messages;
}) {
  const { t, locale } = ctx;
  const kind = values.kind ?? 'deposit';
  const labels = { kind: t('meals.office.kind'), amount: t('meals.office.amount'), method: t('meals.office.method'), checkNumber: t('meals.office.checkNumber'), reason: t('meals.office.reason') };
  return (
    <Layout ctx={ctx} title={t('meals.accountOf', { name: student.name })}>
      <h1>
        {t('meals.accountOf', { name: student.name })}
        <span class="hr-subtitle">{t('meals.office.studentLine', { school: student.school, grade: student.grade, number: student.studentNumber })}</span>
      </h1>
      <Alert type="success" text={notice} />
      <p class="usa-intro">
        {t('meals.balance')}: <strong>{formatMoney(balanceCents, locale)}</strong>
      </p>
      <section aria-labelledby="record-heading">
        <h2 id="record-heading">{t('meals.office.record')}</h2>
        <ErrorSummary t={t} errors={errors} labels={labels} />
        <form class="usa-form usa-form--large" method="post" action={`/staff/meals/students/${student.id}/entries`} novalidate>
          <Csrf token={ctx.csrf} />
          <fieldset class={`usa-fieldset usa-form-group${errors.kind ? ' usa-form-group--error' : ''}`} id="kind">
            <legend class="usa-legend">{labels.kind}</legend>
            <Radio name="kind" value="deposit" label={t('meals.office.kind.deposit')} checked={kind === 'deposit'} />
            <Radio name="kind" value="adjustment" label={t('meals.office.kind.adjustment')} checked={kind === 'adjustment'} />
          </fieldset>
          <Field t={t} id="amount" label={labels.amount} hint={t('meals.office.amountHint')} error={errors.amount}>
            <TextInput id="amount" autocomplete="off" inputmode="decimal" small error={Boolean(errors.amount)} hint value={values.amount ?? ''} />
          </Field>
          <fieldset class={`usa-fieldset usa-form-group${errors.method ? ' usa-form-group--error' : ''}`} id="method">
            <legend class="usa-legend">{labels.method}</legend>
            {errors.method ? (
              <span class="usa-error-message" role="alert">
                {t(errors.method.key)}
              </span>
            ) : null}
            <Radio name="method" value="cash" label={t('meals.office.method.cash')} checked={values.method === 'cash'} />
            <Radio name="method" value="check" label={t('meals.office.method.check')} checked={values.method === 'check'} />
          </fieldset>
          <Field t={t} id="checkNumber" label={labels.checkNumber} error={errors.checkNumber}>
            <TextInput id="checkNumber" autocomplete="off" required={false} small error={Boolean(errors.checkNumber)} value={values.checkNumber ?? ''} />
          </Field>
          <Field t={t} id="reason" label={labels.reason} error={errors.reason}>
            <TextInput id="reason" autocomplete="off" required={false} error={Boolean(errors.reason)} value={values.reason ?? ''} />
          </Field>
          <button class="usa-button" type="submit">
            {t('meals.office.save')}
          </button>
        </form>
      </section>
      <h2>{t('meals.history')}</h2>
      <LedgerTable ctx={ctx} lines={lines} />
      <p>
        <a href="/staff/meals">{t('meals.office.title')}</a>
      </p>
    </Layout>
  );
}

export function MealImportPage({
  ctx,
  report,
  describe,
  problem,
}: {
  ctx: PageContext;
  report?: MealImportReport;
  /** a problem of the report in the reader's words */
  describe?: (p: MealImportReport['problems'][number]) => string;
  problem?: string | undefined;
}) {
  const { t, locale } = ctx;
  const counts = report ? { added: report.added, already: report.alreadyImported, skipped: report.skipped, rows: report.rows } : null;
  return (
    <Layout ctx={ctx} title={t('meals.import.title')}>
      <h1>{t('meals.import.title')}</h1>
      <Alert type="error" text={problem} />
      {report && counts ? (
        <section aria-labelledby="result-heading">
          <h2 id="result-heading">{t('meals.import.result')}</h2>
          <Alert
            type={report.ok ? 'success' : 'error'}
            text={report.ok ? t(report.dryRun ? 'meals.import.wouldImport' : 'meals.import.imported', counts) : t('meals.import.notImported')}
          />
          {report.ok ? <p>{t('meals.import.totals', { purchases: formatMoney(report.purchasesCents, locale), deposits: formatMoney(report.depositsCents, locale) })}</p> : null}
          {report.problems.length > 0 && describe ? (
            <>
              <h3>{t('meals.import.problems', { errors: report.errors, warnings: report.warnings })}</h3>
              <ul class="usa-list">
                {report.problems.map((p, i) => (
                  <li key={i}>
                    <strong>{t(p.severity === 'error' ? 'meals.problem.error' : 'meals.problem.warning')}:</strong> {describe(p)}
                  </li>
                ))}
              </ul>
            </>
          ) : null}
        </section>
      ) : null}
      <p>{t('meals.import.intro')}</p>
      {/* The form's token is in its address: the file is read by the handler after the token is checked. */}
      <form method="post" action={`/staff/meals/import?_csrf=${encodeURIComponent(ctx.csrf)}`} enctype="multipart/form-data" class="usa-form usa-form--large">
        <div class="usa-form-group">
          <label class="usa-label" for="file">
            {t('meals.import.file')}
          </label>
          <input class="usa-file-input" id="file" name="file" type="file" accept=".csv,text/csv" required />
        </div>
        <div class="usa-checkbox">
          <input class="usa-checkbox__input" id="dryRun" type="checkbox" name="dryRun" value="1" />
          <label class="usa-checkbox__label" for="dryRun">
            {t('meals.import.dryRun')}
          </label>
        </div>
        <button class="usa-button" type="submit">
          {t('meals.import.submit')}
        </button>
      </form>
      <p>
        <a href="/staff/meals">{t('meals.office.title')}</a>
      </p>
    </Layout>
  );
}
