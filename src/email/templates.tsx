/**
 * Email messages: subject, plain text and HTML in the recipient's language, with the district's name.
 * Every text comes from the catalogs; the HTML part is rendered with the same TSX renderer as the pages
 * (preact-render-to-string), which escapes every value.
 */
import { renderToString } from 'preact-render-to-string';
import { translate, type Locale, type MessageKey, type Params } from '../i18n/index.js';
import type { OutgoingEmail } from './outbox.js';

export { formatInstant } from '../i18n/format.js';

export interface MailDistrict {
  name: string;
  portalName: string;
  helpEmail: string | null;
}

function EmailBody({
  locale,
  district,
  paragraphs,
  link,
  closing,
  footer,
  unsubscribe,
}: {
  locale: Locale;
  district: MailDistrict;
  paragraphs: string[];
  link: { url: string; label: string } | null;
  closing: string[];
  footer: string[];
  unsubscribe: { url: string; label: string; note: string } | null;
}) {
  return (
    <html lang={locale}>
      <body style="font-family:sans-serif;line-height:1.5;max-width:40em">
        <p>
          <strong>{district.name}</strong>
        </p>
        {paragraphs.map((p, i) => (
          <p key={i}>{p}</p>
        ))}
        {link ? (
          <>
            <p>
              <a href={link.url}>{link.label}</a>
            </p>
            <p style="font-size:small">{link.url}</p>
          </>
        ) : null}
        {closing.map((p, i) => (
          <p key={`c${i}`}>{p}</p>
        ))}
        <hr />
        <p style="font-size:small;color:#555">
          {footer.map((line, i) => (
            <>
              {i > 0 ? <br /> : null}
              {line}
            </>
          ))}
        </p>
        {unsubscribe ? (
          <p style="font-size:small;color:#555">
            <a href={unsubscribe.url}>{unsubscribe.label}</a> {unsubscribe.note}
          </p>
        ) : null}
      </body>
    </html>
  );
}

export function composeEmail(options: {
  kind: string;
  to: string;
  locale: Locale;
  district: MailDistrict;
  subject: MessageKey;
  subjectParams?: Params;
  paragraphs: { key: MessageKey; params?: Params }[];
  link?: { url: string; label: MessageKey };
  /** the district's own closing words (plain text, paragraphs split by blank lines), after the link */
  closing?: string | undefined;
  /**
   * A one-click unsubscribe address (notifications, RFC 8058): offered last, below the footer, as a link
   * in the HTML part and an address on a line of its own in the text part — after what the message is for.
   */
  unsubscribe?: string | undefined;
}): OutgoingEmail {
  const { locale, district } = options;
  const base = { portal: district.portalName, district: district.name };
  const t = (key: MessageKey, params?: Params) => translate(locale, key, { ...base, ...params });
  const paragraphs = options.paragraphs.map((p) => t(p.key, p.params));
  const footer = [t('email.footer'), district.helpEmail ? t('email.footerHelp', { email: district.helpEmail }) : null].filter(
    (x): x is string => x !== null,
  );
  const link = options.link ? { url: options.link.url, label: t(options.link.label) } : null;
  const closing = (options.closing ?? '').split(/\n\s*\n/).map((p) => p.trim()).filter(Boolean);
  const unsubscribe = options.unsubscribe ? { url: options.unsubscribe, label: t('email.unsubscribe.link'), note: t('email.unsubscribe.note') } : null;
  const text = [
    ...paragraphs,
    ...(link ? [`${link.label}:\n${link.url}`] : []),
    ...closing,
    '--',
    ...footer,
    ...(unsubscribe ? [`${unsubscribe.label} ${unsubscribe.note}:\n${unsubscribe.url}`] : []),
  ].join('\n\n');
  const html = `<!doctype html>${renderToString(<EmailBody locale={locale} district={district} paragraphs={paragraphs} link={link} closing={closing} footer={footer} unsubscribe={unsubscribe} />)}`;
  return { kind: options.kind, to: options.to, locale, subject: t(options.subject, options.subjectParams), text, html };
}

/** Text as the HTML part writes it (escaped by the same renderer): for a value joined into a message rendered once for many (notifications/email.ts). */
export function htmlText(text: string): string {
  return renderToString(<>{text}</>);
}
