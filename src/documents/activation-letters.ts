/**
 * Activation key letters: one page per person, in their language (pdfkit), and the same keys as CSV
 * (csv-stringify) for mail merges. Both are made once, when the keys are issued: keys are stored
 * hashed and cannot be printed again.
 */
import { stringify } from 'csv-stringify/sync';
import type { IssuedKey } from '../domain/accounts/activation.js';
import { isLocale, translate, type Locale } from '../i18n/index.js';
import { bytesOf, tag, taggedDocument } from './tagged.js';
import { localeTag } from '../i18n/format.js';

export interface LetterDistrict {
  name: string;
  portalName: string;
  helpEmail: string | null;
  baseUrl: string;
  timeZone: string;
  /** the district's language: the document's title and default language (each letter has its own) */
  locale: string;
}

function dateIn(locale: Locale, date: Date, timeZone: string): string {
  return new Intl.DateTimeFormat(localeTag(locale), { dateStyle: 'long', timeZone }).format(date);
}

export function activationLetters(keys: IssuedKey[], district: LetterDistrict): Promise<Buffer> {
  const documentLocale: Locale = isLocale(district.locale) ? district.locale : 'en';
  const title = translate(documentLocale, 'letter.documentTitle', { portal: district.portalName });
  const { doc, root } = taggedDocument({ title, author: district.name, locale: documentLocale, margin: 72 });
  const done = bytesOf(doc);
  keys.forEach((issued, i) => {
    if (i > 0) doc.addPage();
    const locale: Locale = isLocale(issued.recipient.language) ? issued.recipient.language : 'en';
    const t = (key: Parameters<typeof translate>[1], params: Record<string, string> = {}) =>
      translate(locale, key, { portal: district.portalName, district: district.name, ...params });
    const name = `${issued.recipient.firstName} ${issued.recipient.lastName}`;
    // Each letter is a section in its reader's language.
    const letter = doc.struct('Sect', { lang: localeTag(locale) });
    root.add(letter);
    const p = (draw: () => void) => tag(doc, letter, 'P', draw);
    tag(doc, letter, 'H1', () => doc.font('Helvetica-Bold').fontSize(16).text(district.name));
    tag(doc, letter, 'H2', () => doc.font('Helvetica').fontSize(12).text(t('letter.subtitle')));
    doc.moveDown(2);
    p(() => doc.text(name));
    doc.moveDown();
    p(() => doc.text(t('letter.greeting', { name })));
    doc.moveDown();
    p(() =>
      doc.text(
        t(issued.recipient.kind === 'student' ? 'letter.forStudent' : 'letter.forGuardian', {
          students: issued.recipient.students.map((s) => `${s.name} (${s.number})`).join(', '),
        }),
      ),
    );
    doc.moveDown();
    p(() => doc.font('Helvetica-Bold').text(t('letter.keyLabel')));
    p(() => doc.font('Courier-Bold').fontSize(22).text(issued.key, { characterSpacing: 1 }));
    doc.font('Helvetica').fontSize(12).moveDown();
    p(() => doc.text(t('letter.steps', { url: `${district.baseUrl}/activate` })));
    doc.moveDown();
    p(() => doc.text(t('letter.expires', { date: dateIn(locale, issued.expiresAt, district.timeZone) })));
    doc.moveDown();
    p(() => doc.text(t('letter.keep')));
    if (district.helpEmail) {
      doc.moveDown();
      p(() => doc.text(t('letter.help', { email: district.helpEmail! })));
    }
    letter.end();
  });
  root.end();
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
