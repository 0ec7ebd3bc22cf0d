/** A signed form as a PDF (pdfkit, in the house style of report-card.ts), in the signer's language. */
import { answerText, inLocale } from '../domain/signed-forms/fields.js';
import type { SignatureRecord, SignedForm } from '../domain/signed-forms/service.js';
import { formatInstant } from '../i18n/format.js';
import { translate, type MessageKey, type Params } from '../i18n/index.js';
import { bytesOf, tag, taggedDocument } from './tagged.js';

export function signedFormPdf(
  form: Pick<SignedForm, 'title' | 'school'>,
  signature: SignatureRecord,
  input: { district: { name: string; portalName: string; timeZone: string }; student: { name: string; number: string } },
): Promise<Buffer> {
  const { district, student } = input;
  const locale = signature.locale;
  const t = (key: MessageKey, params: Params = {}) => translate(locale, key, { portal: district.portalName, district: district.name, ...params });
  const title = inLocale(form.title, locale);
  const version = signature.version;
  const { doc, root } = taggedDocument({ title, author: district.name, locale, margin: 60 });
  const done = bytesOf(doc);
  tag(doc, root, 'H1', () => doc.font('Helvetica-Bold').fontSize(16).text(district.name));
  tag(doc, root, 'H2', () => doc.font('Helvetica').fontSize(13).text(title));
  doc.fontSize(11);
  tag(doc, root, 'P', () => doc.text(t('forms.pdf.student', { name: student.name, number: student.number, school: form.school })));
  tag(doc, root, 'P', () => doc.text(t('forms.pdf.version', { version: version.version })));
  doc.moveDown();
  for (const paragraph of inLocale(version.body, locale).split(/\n\s*\n/)) {
    tag(doc, root, 'P', () => doc.text(paragraph.trim()));
    doc.moveDown(0.5);
  }
  if (version.fields.length > 0) {
    doc.moveDown(0.5);
    const section = tag(doc, root, 'Sect');
    tag(doc, section, 'H3', () => doc.font('Helvetica-Bold').text(t('forms.answers')));
    doc.font('Helvetica');
    const words = { yes: t('forms.yes'), no: t('forms.no'), none: t('forms.noAnswer') };
    for (const field of version.fields) {
      tag(doc, section, 'P', () => doc.text(`${inLocale(field.label, locale)}: ${answerText(field, signature.answers[field.key], locale, words)}`));
    }
    section.end();
  }
  doc.moveDown();
  const signed = tag(doc, root, 'Sect');
  tag(doc, signed, 'H3', () => doc.font('Helvetica-Bold').text(t('forms.pdf.signature')));
  doc.font('Helvetica');
  tag(doc, signed, 'P', () =>
    doc.text(
      t(signature.method === 'pin' ? 'forms.pdf.signedPin' : 'forms.pdf.signedPassword', {
        name: signature.signer,
        when: formatInstant(new Date(signature.signedAt), locale, district.timeZone),
      }),
    ),
  );
  if (signature.ip) tag(doc, signed, 'P', () => doc.text(t('forms.pdf.ip', { ip: signature.ip! })));
  if (signature.late) tag(doc, signed, 'P', () => doc.text(t('forms.late')));
  signed.end();
  root.end();
  doc.end();
  return done;
}
