/** The office's fee pages: the fees of a school (filters), assessing a fee, and one student's fees with payments. */
import type { ComponentChildren } from 'preact';
import type { Fee, FeeFilter, FeeStudent, FeeWithHistory, Payment } from '../../domain/fees/service.js';
import type { CheckoutExcess, ExcessView, RefusedExcess } from '../../domain/payments/online.js';
import { LIST_LIMIT, MAX_DESCRIPTION, MAX_REASON, TARGETS } from '../../domain/fees/service.js';
import { MAX_CENTS } from '../../domain/fees/money.js';
import { formatInstant, formatMoney } from '../../i18n/format.js';
import { translate, type MessageKey } from '../../i18n/index.js';
import type { PageContext } from './context.js';
import { FeeHistory, feeSummary, STATUS_LABEL } from './fee-parts.js';
import { formatDay } from './format.js';
import { Alert, Csrf, describedBy, ErrorSummary, Field, TableScroll, type Messages } from './forms.js';
import { Layout } from './layout.js';

export const studentFeesHref = (studentId: number) => ['', 'staff', 'fees', 'students', studentId].join('/');
const receiptHref = (paymentId: number, lang: 'en' | 'es') => ['', 'staff', 'fees', 'payments', paymentId, `receipt.pdf?lang=${lang}`].join('/');

export type Values = Record<string, string | undefined>;

/** A form group wired to its field's message: the shared Field, with the field's message looked up by id. */
function Group({ ctx, id, label, hint, errors, children }: { ctx: PageContext; id: string; label: string; hint?: string; errors: Messages; children: ComponentChildren }) {
  return (
    <Field t={ctx.t} id={id} label={label} {...(hint ? { hint } : {})} {...(errors[id] ? { error: errors[id] } : {})}>
      {children}
    </Field>
  );
}

function Input({ id, value, errors, hint = false, max, size, inputmode, type = 'text' }: { id: string; value: string | undefined; errors: Messages; hint?: boolean; max: number; size?: 'small' | 'medium'; inputmode?: string; type?: string }) {
  return (
    <input
      class={`usa-input${size ? ` usa-input--${size}` : ''}${errors[id] ? ' usa-input--error' : ''}`}
      id={id}
      name={id}
      type={type}
      maxLength={max}
      inputMode={inputmode}
      value={value ?? ''}
      aria-describedby={describedBy(id, hint, Boolean(errors[id]))}
      aria-invalid={errors[id] ? 'true' : undefined}
    />
  );
}

const amountHint = (ctx: PageContext) => ctx.t('fees.amountHint', { max: formatMoney(MAX_CENTS, ctx.locale) });

// ── the school's fees ────────────────────────────────────────────────────────────────────────────────

export function StaffFeesPage({
  ctx,
  schools,
  filter,
  fees,
  total,
  notice,
  refused = [],
}: {
  ctx: PageContext;
  schools: { id: number; name: string; grade_low: number; grade_high: number }[];
  filter: FeeFilter;
  fees: Fee[];
  total: number;
  notice?: string | undefined;
  /** online payments' excesses Stripe refused to give back, or whose refund failed afterwards: the office's to do */
  refused?: readonly RefusedExcess[];
}) {
  const { t } = ctx;
  const grades = [...new Set(schools.flatMap((s) => Array.from({ length: s.grade_high - s.grade_low + 1 }, (_, i) => s.grade_low + i)))].sort((a, b) => a - b);
  return (
    <Layout ctx={ctx} title={t('fees.staff.title')}>
      <h1>{t('fees.staff.title')}</h1>
      <Alert type="success" text={notice} />
      {refused.length > 0 ? (
        <section class="usa-alert usa-alert--warning margin-y-2" aria-labelledby="refused-heading">
          <div class="usa-alert__body">
            <h2 class="usa-alert__heading" id="refused-heading">
              {t(refused.some((r) => r.failed) ? 'payments.staff.notGivenBackListHeading' : 'payments.staff.refusedListHeading')}
            </h2>
            <p class="usa-alert__text">{t(refused.some((r) => r.failed) ? 'payments.staff.notGivenBackListIntro' : 'payments.staff.refusedListIntro')}</p>
            <ul class="usa-list">
              {refused.map((r) => (
                <li key={`${r.checkoutId}-${r.studentId}`}>
                  <a href={studentFeesHref(r.studentId)}>
                    {t(r.failed ? 'payments.staff.failedListItem' : 'payments.staff.refusedListItem', {
                      student: r.student,
                      amount: formatMoney(r.cents, ctx.locale),
                      when: r.refusedAt ? formatInstant(new Date(r.refusedAt), ctx.locale, ctx.district.timeZone) : '—',
                    })}
                  </a>
                </li>
              ))}
            </ul>
          </div>
        </section>
      ) : null}
      <p>
        <a class="usa-button" href="/staff/fees/new">
          {t('fees.staff.assess')}
        </a>
      </p>
      <form method="get" action="/staff/fees" class="usa-form hr-form-wide" role="search" aria-label={t('fees.staff.filters')}>
        <div class="grid-row grid-gap">
          <div class="tablet:grid-col-3">
            <label class="usa-label" for="school">
              {t('fees.field.school')}
            </label>
            <select class="usa-select" id="school" name="school">
              <option value="">{t('fees.staff.allSchools')}</option>
              {schools.map((s) => (
                <option key={s.id} value={String(s.id)} selected={filter.schoolId === s.id}>
                  {s.name}
                </option>
              ))}
            </select>
          </div>
          <div class="tablet:grid-col-3">
            <label class="usa-label" for="status">
              {t('fees.staff.status')}
            </label>
            <select class="usa-select" id="status" name="status">
              <option value="">{t('fees.staff.anyStatus')}</option>
              {(['open', 'paid', 'waived'] as const).map((s) => (
                <option key={s} value={s} selected={filter.status === s}>
                  {t(STATUS_LABEL[s])}
                </option>
              ))}
            </select>
          </div>
          <div class="tablet:grid-col-2">
            <label class="usa-label" for="grade">
              {t('fees.field.grade')}
            </label>
            <select class="usa-select" id="grade" name="grade">
              <option value="">{t('fees.staff.allGrades')}</option>
              {grades.map((g) => (
                <option key={g} value={String(g)} selected={filter.grade === g}>
                  {t('home.gradeN', { grade: g })}
                </option>
              ))}
            </select>
          </div>
          <div class="tablet:grid-col-4">
            <label class="usa-label" for="q">
              {t('fees.staff.search')}
            </label>
            <input class="usa-input" id="q" name="q" type="search" maxLength={100} value={filter.q} />
          </div>
        </div>
        <button class="usa-button margin-top-2" type="submit">
          {t('fees.staff.filter')}
        </button>
      </form>
      <p role="status">{total > LIST_LIMIT ? t('fees.staff.someShown', { shown: LIST_LIMIT, total }) : t('fees.staff.count', { count: total })}</p>
      {fees.length === 0 ? null : (
        <TableScroll label={t('fees.staff.title')}>
          <table class="usa-table usa-table--borderless">
            <caption class="usa-sr-only">{t('fees.staff.title')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('fees.staff.student')}</th>
                <th scope="col">{t('fees.staff.fee')}</th>
                <th scope="col">{t('fees.staff.due')}</th>
                <th scope="col">{t('fees.staff.charged')}</th>
                <th scope="col">{t('fees.staff.balance')}</th>
                <th scope="col">{t('fees.staff.status')}</th>
              </tr>
            </thead>
            <tbody>
              {fees.map((f) => (
                <tr key={f.id}>
                  <th scope="row">
                    <a href={studentFeesHref(f.studentId)}>{f.student}</a> ({f.studentNumber}, {t('home.gradeN', { grade: f.grade })})
                  </th>
                  <td>{f.description[ctx.locale]}</td>
                  <td>{f.dueDate ? formatDay(f.dueDate, ctx.locale) : '—'}</td>
                  <td>{formatMoney(f.chargedCents, ctx.locale)}</td>
                  <td>{formatMoney(f.balanceCents, ctx.locale)}</td>
                  <td>{t(STATUS_LABEL[f.status])}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      )}
    </Layout>
  );
}

// ── assessing ────────────────────────────────────────────────────────────────────────────────────────

const TARGET_LABEL: Record<(typeof TARGETS)[number], MessageKey> = {
  student: 'fees.target.student',
  section: 'fees.target.section',
  grade: 'fees.target.grade',
  school: 'fees.target.school',
};

export function AssessFeePage({
  ctx,
  schools,
  sections,
  years,
  values,
  errors = {},
  problem,
}: {
  ctx: PageContext;
  schools: { id: number; name: string; grade_low: number; grade_high: number }[];
  sections: { id: number; section_code: string; title: string; course_code: string; school: string }[];
  years: number[];
  values: Values;
  errors?: Messages;
  problem?: string | undefined;
}) {
  const { t } = ctx;
  const labels: Record<string, string> = {
    form: t('fees.staff.assess'),
    target: t('fees.field.target'),
    studentNumber: t('fees.field.studentNumber'),
    sectionId: t('fees.field.section'),
    schoolId: t('fees.field.school'),
    gradeLevel: t('fees.field.grade'),
    descriptionEn: t('fees.field.descriptionEn'),
    descriptionEs: t('fees.field.descriptionEs'),
    amount: t('fees.field.amount'),
    dueDate: t('fees.field.dueDate'),
    schoolYear: t('fees.field.schoolYear'),
    required: t('fees.field.required'),
  };
  const grades = [...new Set(schools.flatMap((s) => Array.from({ length: s.grade_high - s.grade_low + 1 }, (_, i) => s.grade_low + i)))].sort((a, b) => a - b);
  return (
    <Layout ctx={ctx} title={t('fees.staff.assess')}>
      <p>
        <a href="/staff/fees">{t('fees.staff.back')}</a>
      </p>
      <h1>{t('fees.staff.assess')}</h1>
      <Alert type="error" text={problem} />
      <ErrorSummary t={t} errors={errors} labels={labels} />
      <form method="post" action="/staff/fees/new" class="usa-form usa-form--large hr-form-wide" novalidate>
        <Csrf token={ctx.csrf} />
        <input type="hidden" name="key" value={values.key ?? ''} />
        <fieldset class={`usa-fieldset${errors.target ? ' usa-form-group--error' : ''}`} aria-describedby={errors.target ? 'target-error' : undefined}>
          <legend class="usa-legend">{labels.target}</legend>
          {errors.target ? (
            <span class="usa-error-message" id="target-error" role="alert">
              {t(errors.target.key)}
            </span>
          ) : null}
          {TARGETS.map((target) => (
            <div class="usa-radio" key={target}>
              <input class="usa-radio__input" id={`target-${target}`} type="radio" name="target" value={target} checked={(values.target ?? 'student') === target} />
              <label class="usa-radio__label" for={`target-${target}`}>
                {t(TARGET_LABEL[target])}
              </label>
            </div>
          ))}
        </fieldset>
        <Group ctx={ctx} id="studentNumber" label={labels.studentNumber!} hint={t('fees.field.studentNumberHint')} errors={errors}>
          <Input id="studentNumber" value={values.studentNumber} errors={errors} hint max={20} size="medium" />
        </Group>
        <Group ctx={ctx} id="sectionId" label={labels.sectionId!} hint={t('fees.field.sectionHint')} errors={errors}>
          <select class="usa-select" id="sectionId" name="sectionId" aria-describedby={describedBy('sectionId', true, Boolean(errors.sectionId))}>
            <option value="">—</option>
            {sections.map((s) => (
              <option key={s.id} value={String(s.id)} selected={values.sectionId === String(s.id)}>
                {`${s.school} · ${s.title} (${s.course_code}-${s.section_code})`}
              </option>
            ))}
          </select>
        </Group>
        <Group ctx={ctx} id="schoolId" label={labels.schoolId!} hint={t('fees.field.schoolHint')} errors={errors}>
          <select class="usa-select" id="schoolId" name="schoolId" aria-describedby={describedBy('schoolId', true, Boolean(errors.schoolId))}>
            {schools.map((s) => (
              <option key={s.id} value={String(s.id)} selected={values.schoolId === String(s.id)}>
                {s.name}
              </option>
            ))}
          </select>
        </Group>
        <Group ctx={ctx} id="gradeLevel" label={labels.gradeLevel!} hint={t('fees.field.gradeHint')} errors={errors}>
          <select class="usa-select" id="gradeLevel" name="gradeLevel" aria-describedby={describedBy('gradeLevel', true, Boolean(errors.gradeLevel))}>
            {grades.map((g) => (
              <option key={g} value={String(g)} selected={values.gradeLevel === String(g)}>
                {t('home.gradeN', { grade: g })}
              </option>
            ))}
          </select>
        </Group>
        <div class="grid-row grid-gap">
          <div class="tablet:grid-col-6">
            <Group ctx={ctx} id="descriptionEn" label={labels.descriptionEn!} errors={errors}>
              <Input id="descriptionEn" value={values.descriptionEn} errors={errors} max={MAX_DESCRIPTION} />
            </Group>
          </div>
          <div class="tablet:grid-col-6">
            <Group ctx={ctx} id="descriptionEs" label={labels.descriptionEs!} errors={errors}>
              <Input id="descriptionEs" value={values.descriptionEs} errors={errors} max={MAX_DESCRIPTION} />
            </Group>
          </div>
        </div>
        <Group ctx={ctx} id="amount" label={labels.amount!} hint={amountHint(ctx)} errors={errors}>
          <Input id="amount" value={values.amount} errors={errors} hint max={20} size="small" inputmode="decimal" />
        </Group>
        <Group ctx={ctx} id="dueDate" label={labels.dueDate!} hint={t('fees.field.dueDateHint')} errors={errors}>
          <Input id="dueDate" value={values.dueDate} errors={errors} hint max={10} size="medium" type="date" />
        </Group>
        <Group ctx={ctx} id="schoolYear" label={labels.schoolYear!} errors={errors}>
          <select class="usa-select" id="schoolYear" name="schoolYear" aria-describedby={describedBy('schoolYear', false, Boolean(errors.schoolYear))}>
            {years.map((y) => (
              <option key={y} value={String(y)} selected={values.schoolYear === String(y)}>
                {`${y - 1}–${String(y).slice(2)}`}
              </option>
            ))}
          </select>
        </Group>
        <fieldset class="usa-fieldset">
          <legend class="usa-legend">{labels.required}</legend>
          {errors.required ? (
            <span class="usa-error-message" id="required-error" role="alert">
              {t(errors.required.key)}
            </span>
          ) : null}
          {(['required', 'optional'] as const).map((r) => (
            <div class="usa-radio" key={r}>
              <input class="usa-radio__input" id={`required-${r}`} type="radio" name="required" value={r} checked={(values.required ?? 'required') === r} />
              <label class="usa-radio__label" for={`required-${r}`}>
                {t(r === 'required' ? 'fees.required' : 'fees.optional')}
              </label>
            </div>
          ))}
        </fieldset>
        <button class="usa-button margin-top-3" type="submit">
          {t('fees.staff.assessButton')}
        </button>
      </form>
    </Layout>
  );
}

/** The state of one student's fee page: its forms' keys, and what is shown again after a refusal. */
export interface StudentFeesState {
  /** the payment form */
  pay: { key: string; values: Values; errors: Messages };
  /** per fee: its adjust and waive forms' keys, and the problems of the one sent */
  feeForms: Map<number, { adjustKey: string; waiveKey: string; values?: Values; errors?: Messages }>;
  refundKeys: Map<number, string>;
  refundErrors?: { paymentId: number; errors: Messages };
  notice?: string | undefined;
  problem?: string | undefined;
}

/** What became of an online payment's excess, in one line: how much, and each part's fate. */
function excessLine(ctx: PageContext, excess: ExcessView): string {
  const { t } = ctx;
  const money = (cents: number) => formatMoney(cents, ctx.locale);
  const parts = [
    excess.backCents > 0 ? t('payments.staff.excessBack', { amount: money(excess.backCents) }) : null,
    excess.givingBackCents > 0 ? t('payments.staff.excessGivingBack', { amount: money(excess.givingBackCents) }) : null,
    excess.atProviderCents > 0 ? t('payments.staff.excessAtProvider', { amount: money(excess.atProviderCents) }) : null,
    excess.refusedCents > 0 ? t(excess.refusedHow === 'failed' ? 'payments.staff.excessFailedPart' : 'payments.staff.excessRefusedPart', { amount: money(excess.refusedCents) }) : null,
    excess.waitingCents > 0 ? t('payments.staff.excessWaiting', { amount: money(excess.waitingCents) }) : null,
  ].filter((p): p is string => p !== null);
  return `${t('payments.staff.excess', { amount: money(excess.cents) })}: ${parts.join(' · ')}.`;
}

/**
 * Stripe refused to give back (part of) an excess, or Homeroom's refund of it failed afterwards (ADR 0067,
 * addendum): how much, when, Stripe's reason, and what the office does about it. Final: Homeroom does not
 * ask again (ADR 0063); a refund made in Stripe's dashboard is recorded when Stripe reports it.
 */
function ExcessRefused({ ctx, excess, reference }: { ctx: PageContext; excess: ExcessView; reference: string | null }) {
  if (excess.refusedCents === 0) return null;
  const { t } = ctx;
  const amount = formatMoney(excess.refusedCents, ctx.locale);
  const failed = excess.refusedHow === 'failed';
  return (
    <div class="usa-alert usa-alert--warning usa-alert--slim margin-y-1">
      <div class="usa-alert__body">
        <p class="usa-alert__text">
          {t(failed ? 'payments.staff.excessFailedWhat' : 'payments.staff.excessRefusedWhat', { amount, when: excess.refusedAt ? formatInstant(new Date(excess.refusedAt), ctx.locale, ctx.district.timeZone) : '—', reason: excess.refusal ?? '—' })}{' '}
          {t(failed ? 'payments.staff.excessFailedTodo' : 'payments.staff.excessRefusedTodo', { amount, reference: reference ?? '—' })}
        </p>
      </div>
    </div>
  );
}

export function StudentFeesPage({
  ctx,
  student,
  fees,
  payments,
  excesses,
  withoutPayment = [],
  state,
}: {
  ctx: PageContext;
  student: FeeStudent;
  fees: FeeWithHistory[];
  payments: Payment[];
  /** per online payment that had one, what became of its excess */
  excesses: ReadonlyMap<number, ExcessView>;
  /** online checkouts of this student's fees that recorded no payment (all of it was the excess) */
  withoutPayment?: readonly CheckoutExcess[];
  state: StudentFeesState;
}) {
  const { t } = ctx;
  const title = t('fees.staff.studentTitle', { name: student.name });
  const open = fees.filter((f) => f.status === 'open');
  const payErrors = state.pay.errors;
  const payLabels: Record<string, string> = {
    form: t('fees.staff.recordPayment'),
    lines: t('fees.staff.recordPayment'),
    method: t('fees.field.method'),
    checkNumber: t('fees.field.checkNumber'),
    payer: t('fees.field.payer'),
    ...Object.fromEntries(open.map((f) => [`pay.${f.id}`, t('fees.field.payOn', { fee: f.description[ctx.locale] })])),
  };
  return (
    <Layout ctx={ctx} title={title}>
      <p>
        <a href="/staff/fees">{t('fees.staff.back')}</a>
      </p>
      <h1>{title}</h1>
      <p>
        {t('fees.staff.studentLine', { number: student.number, school: student.school, grade: student.grade })} · <a href={`/staff/students/${student.id}`}>{t('fees.staff.studentPage')}</a>
      </p>
      <Alert type="success" text={state.notice} />
      <Alert type="error" text={state.problem} />
      <h2>{t('fees.staff.recordPayment')}</h2>
      {open.length === 0 ? (
        <p>{t('fees.staff.nothingOpen')}</p>
      ) : (
        <form method="post" action={`${studentFeesHref(student.id)}/payments`} class="usa-form usa-form--large" novalidate>
          <ErrorSummary t={t} errors={payErrors} labels={payLabels} />
          <Csrf token={ctx.csrf} />
          <input type="hidden" name="key" value={state.pay.key} />
          {payErrors.lines ? (
            <span class="usa-error-message" id="lines-error" role="alert">
              {t(payErrors.lines.key)}
            </span>
          ) : null}
          {open.map((f) => (
            <Group key={f.id} ctx={ctx} id={`pay.${f.id}`} label={payLabels[`pay.${f.id}`]!} hint={t('fees.field.payHint', { balance: formatMoney(f.balanceCents, ctx.locale) })} errors={payErrors}>
              <Input id={`pay.${f.id}`} value={state.pay.values[`pay.${f.id}`]} errors={payErrors} hint max={20} size="small" inputmode="decimal" />
            </Group>
          ))}
          <fieldset class="usa-fieldset">
            <legend class="usa-legend">{payLabels.method}</legend>
            {payErrors.method ? (
              <span class="usa-error-message" id="method-error" role="alert">
                {t(payErrors.method.key)}
              </span>
            ) : null}
            {(['cash', 'check'] as const).map((m) => (
              <div class="usa-radio" key={m}>
                <input class="usa-radio__input" id={`method-${m}`} type="radio" name="method" value={m} checked={(state.pay.values.method ?? 'cash') === m} />
                <label class="usa-radio__label" for={`method-${m}`}>
                  {t(m === 'cash' ? 'fees.method.cash' : 'fees.method.check')}
                </label>
              </div>
            ))}
          </fieldset>
          <Group ctx={ctx} id="checkNumber" label={payLabels.checkNumber!} hint={t('fees.field.checkNumberHint')} errors={payErrors}>
            <Input id="checkNumber" value={state.pay.values.checkNumber} errors={payErrors} hint max={20} size="medium" />
          </Group>
          <Group ctx={ctx} id="payer" label={payLabels.payer!} hint={t('fees.field.payerHint')} errors={payErrors}>
            <Input id="payer" value={state.pay.values.payer} errors={payErrors} hint max={100} />
          </Group>
          <button class="usa-button margin-top-2" type="submit">
            {t('fees.staff.recordButton')}
          </button>
        </form>
      )}
      <h2>{t('fees.staff.feesHeading')}</h2>
      {fees.length === 0 ? <p>{t('fees.staff.noFees')}</p> : null}
      {fees.map((fee) => {
        const forms = state.feeForms.get(fee.id);
        const errors = forms?.errors ?? {};
        const values = forms?.values ?? {};
        return (
          <section key={fee.id} class="margin-bottom-3" aria-labelledby={`fee-${fee.id}`}>
            <h3 id={`fee-${fee.id}`}>{fee.description[ctx.locale]}</h3>
            <p>
              {feeSummary(ctx, fee)}
              {fee.dueDate ? ` · ${t('fees.dueOn', { date: formatDay(fee.dueDate, ctx.locale, true) })}` : ''} · {t(fee.required ? 'fees.required' : 'fees.optional')} ·{' '}
              {t('fees.staff.year', { year: `${fee.schoolYear - 1}–${String(fee.schoolYear).slice(2)}` })}
            </p>
            <FeeHistory ctx={ctx} fee={fee} receiptHref={(id) => receiptHref(id, ctx.locale)} />
            {fee.status === 'open' || fee.paidCents > 0 ? (
              <details open={Object.keys(errors).length > 0}>
                <summary>{t('fees.staff.changeFee')}</summary>
                <ErrorSummary t={t} errors={errors} labels={{ form: t('fees.staff.changeFee'), [`amount-${fee.id}`]: t('fees.field.newAmount'), [`reason-${fee.id}`]: t('fees.field.reason') }} />
                <form method="post" action={`/staff/fees/${fee.id}/adjust`} class="usa-form" novalidate>
                  <Csrf token={ctx.csrf} />
                  <input type="hidden" name="key" value={forms?.adjustKey ?? ''} />
                  <Group ctx={ctx} id={`amount-${fee.id}`} label={t('fees.field.newAmount')} hint={amountHint(ctx)} errors={errors}>
                    <input class="usa-input usa-input--small" id={`amount-${fee.id}`} name="amount" type="text" inputMode="decimal" maxLength={20} value={values.amount ?? ''} aria-describedby={describedBy(`amount-${fee.id}`, true, Boolean(errors[`amount-${fee.id}`]))} />
                  </Group>
                  <Group ctx={ctx} id={`reason-${fee.id}`} label={t('fees.field.reason')} errors={errors}>
                    <input class="usa-input" id={`reason-${fee.id}`} name="reason" type="text" maxLength={MAX_REASON} value={values.adjustReason ?? ''} aria-describedby={describedBy(`reason-${fee.id}`, false, Boolean(errors[`reason-${fee.id}`]))} />
                  </Group>
                  <button class="usa-button usa-button--outline margin-top-1" type="submit">
                    {t('fees.staff.adjustButton')}
                  </button>
                </form>
                {fee.status === 'open' ? (
                  <form method="post" action={`/staff/fees/${fee.id}/waive`} class="usa-form" novalidate>
                    <Csrf token={ctx.csrf} />
                    <input type="hidden" name="key" value={forms?.waiveKey ?? ''} />
                    <Group ctx={ctx} id={`waive-${fee.id}`} label={t('fees.field.waiveReason')} errors={errors}>
                      <input class="usa-input" id={`waive-${fee.id}`} name="reason" type="text" maxLength={MAX_REASON} value={values.waiveReason ?? ''} aria-describedby={describedBy(`waive-${fee.id}`, false, Boolean(errors[`waive-${fee.id}`]))} />
                    </Group>
                    <button class="usa-button usa-button--secondary margin-top-1" type="submit">
                      {t('fees.staff.waiveButton', { amount: formatMoney(fee.balanceCents, ctx.locale) })}
                    </button>
                  </form>
                ) : null}
              </details>
            ) : null}
          </section>
        );
      })}
      <h2>{t('fees.staff.payments')}</h2>
      {payments.length === 0 ? (
        <p>{t('fees.staff.noPayments')}</p>
      ) : (
        <ul class="usa-list usa-list--unstyled">
          {payments.map((p) => {
            const errors = state.refundErrors?.paymentId === p.id ? state.refundErrors.errors : {};
            // What the refund form offers: the whole payment, or (an online payment partly refunded in Stripe's dashboard) what is left of it.
            const left = p.totalCents - p.refundedCents;
            const excess = excesses.get(p.id);
            return (
              <li key={p.id} class="margin-bottom-2">
                <p class="margin-y-05">
                  {t('fees.receipt.title', { number: p.id })} · {formatInstant(new Date(p.recordedAt), ctx.locale, ctx.district.timeZone)} · {formatMoney(p.totalCents, ctx.locale)} ·{' '}
                  <a href={receiptHref(p.id, 'en')} hrefLang="en" lang="en">
                    {translate('en', 'fees.staff.receiptIn')}
                  </a>{' '}
                  ·{' '}
                  <a href={receiptHref(p.id, 'es')} hrefLang="es" lang="es">
                    {translate('es', 'fees.staff.receiptIn')}
                  </a>
                  {p.method === 'online' ? ` · ${t('payments.staff.online', { reference: p.reference ?? '' })}` : ''}
                  {p.refundedCents > 0 ? ` · ${t('fees.receipt.refunded', { amount: formatMoney(p.refundedCents, ctx.locale) })}` : ''}
                </p>
                {excess ? <p class="margin-y-05">{excessLine(ctx, excess)}</p> : null}
                {excess ? <ExcessRefused ctx={ctx} excess={excess} reference={p.reference} /> : null}
                {left > 0 ? (
                  <details open={Object.keys(errors).length > 0}>
                    <summary>{t('fees.staff.refund')}</summary>
                    <form method="post" action={`/staff/fees/payments/${p.id}/refund`} class="usa-form" novalidate>
                      <Csrf token={ctx.csrf} />
                      {p.refundedCents > 0 ? <p>{t('payments.staff.refundRest', { refunded: formatMoney(p.refundedCents, ctx.locale) })}</p> : null}
                      <input type="hidden" name="key" value={state.refundKeys.get(p.id) ?? ''} />
                      <Group ctx={ctx} id={`refund-${p.id}`} label={t('fees.field.reason')} errors={errors}>
                        <input class="usa-input" id={`refund-${p.id}`} name="reason" type="text" maxLength={MAX_REASON} aria-describedby={describedBy(`refund-${p.id}`, false, Boolean(errors[`refund-${p.id}`]))} />
                      </Group>
                      <button class="usa-button usa-button--secondary margin-top-1" type="submit">
                        {t('fees.staff.refundButton', { amount: formatMoney(left, ctx.locale) })}
                      </button>
                    </form>
                  </details>
                ) : null}
              </li>
            );
          })}
        </ul>
      )}
      {withoutPayment.length > 0 ? (
        <>
          <h3>{t('payments.staff.withoutPaymentHeading')}</h3>
          <p>{t('payments.staff.withoutPaymentIntro')}</p>
          <ul class="usa-list usa-list--unstyled">
            {withoutPayment.map((c) => (
              <li key={c.checkoutId} class="margin-bottom-2" id={`checkout-${c.checkoutId}`}>
                <p class="margin-y-05">
                  {t('payments.staff.withoutPaymentLine', {
                    number: c.checkoutId,
                    when: formatInstant(new Date(c.startedAt), ctx.locale, ctx.district.timeZone),
                    payer: c.payer,
                    fees: c.fees.map((f) => f[ctx.locale]).join(', '),
                  })}
                  {c.reference ? ` · ${t('payments.staff.online', { reference: c.reference })}` : ''}
                </p>
                <p class="margin-y-05">{excessLine(ctx, c.excess)}</p>
                <ExcessRefused ctx={ctx} excess={c.excess} reference={c.reference} />
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </Layout>
  );
}
