/**
 * Email messages: subject, plain text and HTML in the recipient's language, with the district's name.
 * Every text comes from the catalogs; values are escaped in the HTML part.
 */
import { translate, type Locale, type MessageKey, type Params } from '../i18n/index.js';
import type { OutgoingEmail } from './outbox.js';

export interface MailDistrict {
  name: string;
  portalName: string;
  helpEmail: string | null;
}

const escape = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);

export function composeEmail(options: {
  kind: string;
  to: string;
  locale: Locale;
  district: MailDistrict;
  subject: MessageKey;
  subjectParams?: Params;
  paragraphs: { key: MessageKey; params?: Params }[];
  link?: { url: string; label: MessageKey };
}): OutgoingEmail {
  const { locale, district } = options;
  const base = { portal: district.portalName, district: district.name };
  const t = (key: MessageKey, params?: Params) => translate(locale, key, { ...base, ...params });
  const paragraphs = options.paragraphs.map((p) => t(p.key, p.params));
  const footer = [t('email.footer'), district.helpEmail ? t('email.footerHelp', { email: district.helpEmail }) : null].filter(
    (x): x is string => x !== null,
  );
  const text = [
    ...paragraphs,
    ...(options.link ? [`${t(options.link.label)}:\n${options.link.url}`] : []),
    '--',
    ...footer,
  ].join('\n\n');
  const html = [
    `<!doctype html><html lang="${locale}"><body style="font-family:sans-serif;line-height:1.5;max-width:40em">`,
    `<p><strong>${escape(district.name)}</strong></p>`,
    ...paragraphs.map((p) => `<p>${escape(p)}</p>`),
    options.link
      ? `<p><a href="${escape(options.link.url)}">${escape(t(options.link.label))}</a></p><p style="font-size:small">${escape(options.link.url)}</p>`
      : '',
    `<hr><p style="font-size:small;color:#555">${footer.map(escape).join('<br>')}</p>`,
    '</body></html>',
  ].join('');
  return { kind: options.kind, to: options.to, locale, subject: t(options.subject, options.subjectParams), text, html };
}

/** A date and time in the district's time zone, in the reader's language. */
export function formatInstant(instant: Date, locale: Locale, timeZone: string): string {
  return new Intl.DateTimeFormat(locale === 'es' ? 'es-US' : 'en-US', {
    dateStyle: 'long',
    timeStyle: 'short',
    timeZone,
  }).format(instant);
}
