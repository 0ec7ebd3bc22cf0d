/** Payments: a child's fees (open, paid, waived) with their history, receipts, and how to pay at the school office. */
import type { FeeWithHistory, SchoolOffice } from '../../../domain/fees/service.js';
import type { FamilyCheckoutExcess } from '../../../domain/payments/online.js';
import { MealBalanceSummary } from '../meals.js';
import { displayPhone } from '../../../domain/people/phones.js';
import { toolUrl } from '../../../domain/portal/tools.js';
import type { VisibleStudent } from '../../../domain/people/visibility.js';
import { formatMoney } from '../../../i18n/format.js';
import type { PageContext } from '../context.js';
import { FeeHistory, feeSummary } from '../fee-parts.js';
import { formatDay } from '../format.js';
import { PortalLayout } from './layout.js';
import { checkoutHref, ExcessNote, ONLINE_PATH } from '../online-payments.js';
import { formatInstant } from '../../../i18n/format.js';

export const receiptHref = (studentId: number, paymentId: number) => toolUrl(studentId, 'payments', `${paymentId}.pdf`);

function FeeList({ ctx, student, fees }: { ctx: PageContext; student: VisibleStudent; fees: FeeWithHistory[] }) {
  const { t } = ctx;
  return (
    <ul class="usa-list usa-list--unstyled hr-fee-list">
      {fees.map((fee) => (
        <li key={fee.id} class="margin-bottom-2">
          <h3 class="margin-bottom-05">{fee.description[ctx.locale]}</h3>
          <p class="margin-y-05">
            {feeSummary(ctx, fee)}
            {fee.dueDate ? ` · ${t('fees.dueOn', { date: formatDay(fee.dueDate, ctx.locale, true) })}` : ''} · {t(fee.required ? 'fees.required' : 'fees.optional')}
          </p>
          <details>
            <summary>{t('fees.history')}</summary>
            <FeeHistory ctx={ctx} fee={fee} receiptHref={(id) => receiptHref(student.id, id)} />
          </details>
        </li>
      ))}
    </ul>
  );
}

export function PaymentsPage({
  ctx,
  student,
  fees,
  office,
  mealBalanceCents,
  payOnline,
  excesses = [],
}: {
  ctx: PageContext;
  student: VisibleStudent;
  fees: FeeWithHistory[];
  office: SchoolOffice;
  mealBalanceCents: number;
  /** the district takes payments online and the reader is a guardian */
  payOnline: boolean;
  /** the reader's (a guardian's) online payments of this child's fees that brought more than was owed */
  excesses?: FamilyCheckoutExcess[];
}) {
  const { t } = ctx;
  const open = fees.filter((f) => f.status === 'open');
  const owed = open.reduce((sum, f) => sum + f.balanceCents, 0);
  return (
    <PortalLayout ctx={ctx} student={student} tool="payments" title={t('fees.title')}>
      <div class="usa-summary-box margin-bottom-3" role="region" aria-labelledby="how-to-pay">
        <div class="usa-summary-box__body">
          <h2 class="usa-summary-box__heading" id="how-to-pay">
            {t('fees.howToPay')}
          </h2>
          {payOnline && open.length > 0 ? (
            <p class="usa-summary-box__text">
              {t('payments.online.offer')}{' '}
              <a class="usa-link" href={ONLINE_PATH}>
                {t('payments.online.link')}
              </a>
            </p>
          ) : null}
          <p class="usa-summary-box__text">{t('fees.payAtOffice', { school: office.name })}</p>
          {office.address ? <p class="usa-summary-box__text">{office.address}</p> : null}
          {office.phone ? (
            <p class="usa-summary-box__text">
              {t('fees.officePhone')} <a href={`tel:${office.phone.replace(/[^\d+]/g, '')}`}>{displayPhone(office.phone)}</a>
            </p>
          ) : null}
        </div>
      </div>
      <h2>{t('fees.open')}</h2>
      {open.length === 0 ? (
        <p>{t('fees.noneOpen', { name: student.firstName })}</p>
      ) : (
        <>
          <p>{t('fees.totalOwed', { amount: formatMoney(owed, ctx.locale) })}</p>
          <FeeList ctx={ctx} student={student} fees={open} />
        </>
      )}
      <h2>{t('fees.paid')}</h2>
      {fees.some((f) => f.status === 'paid') ? <FeeList ctx={ctx} student={student} fees={fees.filter((f) => f.status === 'paid')} /> : <p>{t('fees.nonePaid')}</p>}
      <h2>{t('fees.waived')}</h2>
      {fees.some((f) => f.status === 'waived') ? <FeeList ctx={ctx} student={student} fees={fees.filter((f) => f.status === 'waived')} /> : <p>{t('fees.noneWaived')}</p>}
      {excesses.length > 0 ? (
        <>
          <h2>{t('payments.excess.heading')}</h2>
          <ul class="usa-list usa-list--unstyled">
            {excesses.map((e) => (
              <li key={e.checkoutId} class="margin-bottom-2">
                <h3 class="margin-bottom-05">{t('payments.excess.item', { date: formatInstant(new Date(e.startedAt), ctx.locale, ctx.district.timeZone), amount: formatMoney(e.totalCents, ctx.locale) })}</h3>
                <ExcessNote ctx={ctx} excess={e.excess} />
                {payOnline ? (
                  <a class="usa-link" href={checkoutHref(e.checkoutId)}>
                    {t('payments.excess.see')}
                  </a>
                ) : null}
              </li>
            ))}
          </ul>
        </>
      ) : null}
      <h2>{t('meals.title')}</h2>
      <MealBalanceSummary ctx={ctx} student={student} balanceCents={mealBalanceCents} />
    </PortalLayout>
  );
}
