/** What the office's and the families' fee pages share: a fee's status and its history, in the reader's language. */
import type { MessageKey } from '../../i18n/index.js';
import type { FeeStatus, FeeWithHistory, LedgerEntry } from '../../domain/fees/service.js';
import { formatInstant, formatMoney } from '../../i18n/format.js';
import type { PageContext } from './context.js';

export const STATUS_LABEL: Record<FeeStatus, MessageKey> = { open: 'fees.status.open', paid: 'fees.status.paid', waived: 'fees.status.waived' };
const KIND_LABEL: Record<LedgerEntry['kind'], MessageKey> = {
  assessed: 'fees.kind.assessed',
  adjusted: 'fees.kind.adjusted',
  waived: 'fees.kind.waived',
  paid: 'fees.kind.paid',
  refunded: 'fees.kind.refunded',
};
export const METHOD_LABEL: Record<'cash' | 'check' | 'online', MessageKey> = { cash: 'fees.method.cash', check: 'fees.method.check', online: 'fees.method.online' };

/** A fee's ledger as a list: what happened, when, how much (signed), and why. */
export function FeeHistory({ ctx, fee, receiptHref }: { ctx: PageContext; fee: FeeWithHistory; receiptHref: (paymentId: number) => string }) {
  const { t } = ctx;
  return (
    <ul class="usa-list">
      {fee.history.map((h) => (
        <li key={h.id}>
          {formatInstant(new Date(h.at), ctx.locale, ctx.district.timeZone)} · {t(KIND_LABEL[h.kind])} · {formatMoney(h.amountCents, ctx.locale)}
          {h.method ? ` · ${h.method === 'check' && h.checkNumber ? t('fees.checkNumbered', { number: h.checkNumber }) : t(METHOD_LABEL[h.method])}` : ''}
          {h.reason ? ` · ${h.reason}` : ''}
          {h.kind === 'paid' && h.paymentId !== null ? (
            <>
              {' · '}
              <a href={receiptHref(h.paymentId)}>{t('fees.receiptLink', { number: h.paymentId })}</a>
            </>
          ) : null}
        </li>
      ))}
    </ul>
  );
}

/** "Balance $12.50 of $25.00" and the status, for one fee. */
export function feeSummary(ctx: PageContext, fee: FeeWithHistory): string {
  return ctx.t('fees.summary', { balance: formatMoney(fee.balanceCents, ctx.locale), charged: formatMoney(fee.chargedCents, ctx.locale), status: ctx.t(STATUS_LABEL[fee.status]) });
}
