/**
 * Activation key letters: one page per person, in their language (pdfkit), and the same keys as CSV
 * (csv-stringify) for mail merges. Both are made once, when the keys are issued: keys are stored
 * hashed and cannot be printed again.
 */
import PDFDocument from 'pdfkit';
import { stringify } from 'csv-stringify/sync';
import type { IssuedKey } from '../domain/accounts/activation.js';
import { isLocale, translate, type Locale } from '../i18n/index.js';

export interface LetterDistrict {
  name: string;
  portalName: string;
  helpEmail: string | null;
  baseUrl: string;
  timeZone: string;
}

function dateIn(locale: Locale, date: Date, timeZone: string): string {
  return new Intl.DateTimeFormat(locale === 'es' ? 'es-US' : 'en-US', { dateStyle: 'long', timeZone }).format(date);
}

export function activationLetters(keys: IssuedKey[], district: LetterDistrict): Promise<Buffer> {
  const doc = new PDFDocument({ size: 'LETTER', margin: 72, info: { Title: `${district.portalName} Activation Keys`, Author: district.name } });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  keys.forEach((issued, i) => {
    if (i > 0) doc.addPage();
    const locale: Locale = isLocale(issued.recipient.language) ? issued.recipient.language : 'en';
    const t = (key: Parameters<typeof translate>[1], params: Record<string, string> = {}) =>
      translate(locale, key, { portal: district.portalName, district: district.name, ...params });
    const name = `${issued.recipient.firstName} ${issued.recipient.lastName}`;
    doc.font('Helvetica-Bold').fontSize(16).text(district.name);
    doc.font('Helvetica').fontSize(12).text(t('letter.subtitle'));
    doc.moveDown(2);
    doc.text(name);
    doc.moveDown();
    doc.text(t('letter.greeting', { name }));
    doc.moveDown();
    doc.text(
      t(issued.recipient.kind === 'student' ? 'letter.forStudent' : 'letter.forGuardian', {
        students: issued.recipient.students.map((s) => `${s.name} (${s.number})`).join(', '),
      }),
    );
    doc.moveDown();
    doc.font('Helvetica-Bold').text(t('letter.keyLabel'));
    doc.font('Courier-Bold').fontSize(22).text(issued.key, { characterSpacing: 1 });
    doc.font('Helvetica').fontSize(12).moveDown();
    doc.text(t('letter.steps', { url: `${district.baseUrl}/activate` }));
    doc.moveDown();
    doc.text(t('letter.expires', { date: dateIn(locale, issued.expiresAt, district.timeZone) }));
    doc.moveDown();
    doc.text(t('letter.keep'));
    if (district.helpEmail) {
      doc.moveDown();
      doc.text(t('letter.help', { email: district.helpEmail }));
    }
  });
  doc.end();
  return done;
}

export function activationCsv(keys: IssuedKey[], timeZone: string): string {
  return stringify(
    keys.map((k) => ({
      recipient_type: k.recipient.kind,
      first_name: k.recipient.firstName,
      last_name: k.recipient.lastName,
      language: k.recipient.language,
      students: k.recipient.students.map((s) => `${s.name} (${s.number})`).join('; '),
      activation_key: k.key,
      expires: new Intl.DateTimeFormat('en-CA', { timeZone }).format(k.expiresAt),
    })),
    { header: true },
  );
}
