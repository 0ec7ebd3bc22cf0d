/** A receipt for a fee payment as a PDF (pdfkit, tagged, in the house style of signed-form.ts), in the reader's language. */
import type { Payment } from '../domain/fees/service.js';
import { formatInstant, formatMoney } from '../i18n/format.js';
import { translate, type Locale, type MessageKey, type Params } from '../i18n/index.js';
import { bytesOf, tag, taggedDocument } from './tagged.js';

const METHOD: Record<Payment['method'], MessageKey> = { cash: 'fees.method.cash', check: 'fees.method.check', online: 'fees.method.online' };

export function feeReceiptPdf(payment: Payment, input: { locale: Locale; district: { name: string; portalName: string; timeZone: string } }): Promise<Buffer> {
  const { locale, district } = input;
  const t = (key: MessageKey, params: Params = {}) => translate(locale, key, { portal: district.portalName, district: district.name, ...params });
  const money = (cents: number) => formatMoney(cents, locale);
  const title = t('fees.receipt.title', { number: payment.id });
  const { doc, root } = taggedDocument({ title, author: district.name, locale, margin: 60 });
  const done = bytesOf(doc);
  tag(doc, root, 'H1', () => doc.font('Helvetica-Bold').fontSize(16).text(district.name));
  tag(doc, root, 'H2', () => doc.font('Helvetica').fontSize(13).text(title));
  doc.fontSize(11);
  tag(doc, root, 'P', () => doc.text(t('fees.receipt.when', { when: formatInstant(new Date(payment.recordedAt), locale, district.timeZone) })));
  tag(doc, root, 'P', () => doc.text(payment.method === 'check' && payment.checkNumber ? t('fees.receipt.check', { number: payment.checkNumber }) : t(METHOD[payment.method])));
  if (payment.payer) tag(doc, root, 'P', () => doc.text(t('fees.receipt.payer', { name: payment.payer! })));
  doc.moveDown();
  const list = tag(doc, root, 'L');
  for (const line of payment.lines) {
    tag(doc, list, 'LI', () =>
      doc.text(t('fees.receipt.line', { student: line.student, number: line.studentNumber, school: line.school, description: line.description[locale], amount: money(line.cents) })),
    );
  }
  list.end();
  doc.moveDown();
  tag(doc, root, 'P', () => doc.font('Helvetica-Bold').text(t('fees.receipt.total', { amount: money(payment.totalCents) })));
  doc.font('Helvetica');
  if (payment.refundedCents > 0) tag(doc, root, 'P', () => doc.text(t('fees.receipt.refunded', { amount: money(payment.refundedCents) })));
  root.end();
  doc.end();
  return done;
}
