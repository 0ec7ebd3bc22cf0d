/** Paying fees online: the guardian's choice of fees, and the checkout's page after the provider (processing, paid, not paid). */
import { localDate } from '../../domain/calendar/dates.js';
import type { CheckoutView, FamilyExcess, PayableFee } from '../../domain/payments/online.js';
import type { ReadableStudent } from '../../domain/access/portal.js';
import { formatInstant, formatMoney } from '../../i18n/format.js';
import type { PageContext } from './context.js';
import { Alert, Csrf, ErrorSummary, type Messages } from './forms.js';
import { formatDay } from './format.js';
import { Layout } from './layout.js';
import { receiptHref } from './tools/payments.js';

export const ONLINE_PATH = '/payments/online';
export const checkoutHref = (id: number) => `${ONLINE_PATH}/${id}`;

export interface PayOnlineState {
  key: string;
  chosen: ReadonlySet<number>;
  errors: Messages;
  problem?: string | undefined;
  /** a fee is in a payment not finished yet: its page at the provider, for the payer who started it */
  continueUrl?: string | null;
}

export function PayOnlinePage({ ctx, families, state }: { ctx: PageContext; families: { student: ReadableStudent; fees: PayableFee[] }[]; state: PayOnlineState }) {
  const { t, locale } = ctx;
  const owed = families.reduce((s, c) => s + c.fees.reduce((x, f) => x + f.balanceCents, 0), 0);
  const any = families.some((c) => c.fees.length > 0);
  return (
    <Layout ctx={ctx} title={t('payments.online.title')}>
      <h1>{t('payments.online.title')}</h1>
      <Alert type="error" text={state.problem} />
      {state.continueUrl ? (
        <p>
          <a class="usa-button" href={state.continueUrl}>
            {t('payments.online.continue')}
          </a>
        </p>
      ) : null}
      <ErrorSummary t={t} errors={state.errors} labels={{ fee: t('payments.online.choose') }} />
      {!any ? (
        <p>{t('payments.online.nothingOwed')}</p>
      ) : (
        <form class="usa-form maxw-full" method="post" action={ONLINE_PATH} novalidate>
          <Csrf token={ctx.csrf} />
          <input type="hidden" name="key" value={state.key} />
          <p>{t('payments.online.intro')}</p>
          <div class={`usa-form-group${state.errors.fee ? ' usa-form-group--error' : ''}`}>
            <fieldset class="usa-fieldset" id="fee" aria-describedby={state.errors.fee ? 'fee-error' : undefined}>
              <legend class="usa-legend usa-legend--large">{t('payments.online.choose')}</legend>
              {state.errors.fee ? (
                <span class="usa-error-message" id="fee-error" role="alert">
                  {t(state.errors.fee.key, state.errors.fee.params)}
                </span>
              ) : null}
              {families
                .filter((c) => c.fees.length > 0)
                .map(({ student, fees }) => (
                  <fieldset class="usa-fieldset margin-top-2" key={student.id}>
                    <legend class="usa-legend text-bold">{`${student.firstName} ${student.lastName}`}</legend>
                    {fees.map((fee) => (
                      <div class="usa-checkbox" key={fee.id}>
                        <input class="usa-checkbox__input" id={`fee-${fee.id}`} type="checkbox" name="fee" value={String(fee.id)} checked={state.chosen.has(fee.id)} />
                        <label class="usa-checkbox__label" for={`fee-${fee.id}`}>
                          {`${fee.description[locale]} — ${formatMoney(fee.balanceCents, locale)}`}
                          <span class="usa-checkbox__label-description">
                            {[fee.dueDate ? t('fees.dueOn', { date: formatDay(fee.dueDate, locale, true) }) : null, t(fee.required ? 'fees.required' : 'fees.optional')].filter(Boolean).join(' · ')}
                          </span>
                        </label>
                      </div>
                    ))}
                  </fieldset>
                ))}
            </fieldset>
          </div>
          <p class="text-bold">{t('payments.online.totalOwed', { amount: formatMoney(owed, locale) })}</p>
          <p>{t('payments.online.hosted')}</p>
          <button class="usa-button" type="submit">
            {t('payments.online.submit')}
          </button>
        </form>
      )}
    </Layout>
  );
}

export function CheckoutPage({ ctx, checkout }: { ctx: PageContext; checkout: CheckoutView }) {
  const { t, locale } = ctx;
  return (
    <Layout ctx={ctx} title={t('payments.checkout.title')}>
      <h1>{t('payments.checkout.title')}</h1>
      {checkout.status === 'paid' ? (
        <Alert
          type="success"
          text={checkout.paymentId === null && checkout.excessCents > 0 ? t('payments.excess.allOwed', { amount: formatMoney(checkout.totalCents, locale) }) : t('payments.checkout.paid', { amount: formatMoney(checkout.totalCents - checkout.excessCents, locale) })}
        />
      ) : checkout.status === 'failed' ? (
        <Alert type="warning" text={t('payments.checkout.failed')} />
      ) : (
        <Alert type="info" text={t('payments.checkout.processing')} />
      )}
      {checkout.excess ? <ExcessNote ctx={ctx} excess={checkout.excess} /> : null}
      {checkout.continueUrl ? (
        <p>
          {t('payments.checkout.notFinished', { time: formatInstant(new Date(checkout.expiresAt), locale, ctx.district.timeZone) })}{' '}
          <a href={checkout.continueUrl}>{t('payments.online.continue')}</a>
        </p>
      ) : null}
      <h2>{t('payments.checkout.chosen')}</h2>
      <ul class="usa-list">
        {checkout.lines.map((l, n) => (
          <li key={n}>{`${l.student}: ${l.description[locale]} — ${formatMoney(l.cents, locale)}`}</li>
        ))}
      </ul>
      <p>{t('payments.checkout.total', { amount: formatMoney(checkout.totalCents, locale) })}</p>
      {checkout.status === 'paid' && checkout.paymentId !== null ? (
        <>
          <h2>{t('payments.checkout.receipts')}</h2>
          <ul class="usa-list">
            {[...new Map(checkout.lines.map((l) => [l.studentId, l.student])).entries()].map(([studentId, name]) => (
              <li key={studentId}>
                <a href={receiptHref(studentId, checkout.paymentId!)}>{t('payments.checkout.receiptOf', { name })}</a>
              </li>
            ))}
          </ul>
        </>
      ) : null}
      <p>
        <a href={ONLINE_PATH}>{t('payments.checkout.back')}</a>
      </p>
    </Layout>
  );
}

const REST = { waiting: 'payments.excess.restWaiting', givingBack: 'payments.excess.restGivingBack', office: 'payments.excess.restOffice' } as const;

/** What became of the money a checkout brought beyond what was owed, in the family's words (the domain decides the state). */
export function ExcessNote({ ctx, excess }: { ctx: PageContext; excess: FamilyExcess }) {
  const { t, locale } = ctx;
  const money = (cents: number) => formatMoney(cents, locale);
  const day = (at: string) => formatDay(localDate(new Date(at), ctx.district.timeZone), locale, true);
  const amount = money(excess.cents);
  switch (excess.state) {
    case 'waiting':
      return <p>{t('payments.excess.waiting', { amount })}</p>;
    case 'givingBack':
      return <p>{t('payments.excess.givingBack', { amount })}</p>;
    case 'office':
      return <p>{t('payments.excess.office', { amount })}</p>;
    case 'givenBack':
      return (
        <p>
          {excess.at ? t('payments.excess.givenBack', { amount, date: day(excess.at) }) : t('payments.excess.givenBackUndated', { amount })} {t('payments.excess.statement')}
        </p>
      );
    case 'partly':
      return (
        <p>
          {excess.at ? t('payments.excess.partly', { amount, back: money(excess.backCents), date: day(excess.at) }) : t('payments.excess.partlyUndated', { amount, back: money(excess.backCents) })} {t('payments.excess.statement')}{' '}
          {t(REST[excess.rest], { amount: money(excess.restCents) })}
        </p>
      );
  }
}
