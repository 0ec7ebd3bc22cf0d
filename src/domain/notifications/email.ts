/**
 * A notification's email (ADR 0035): its text in the reader's language, a link to the page that shows
 * the change and, unless it is an account's own security notice, the RFC 8058 one-click unsubscribe
 * link and headers. Written by the decider for an email due now and by the delivery step for one that
 * waited (quiet hours): the same message either way.
 *
 * Rendered once per text (ADR 0054): everyone told of one change in one language reads the same
 * subject, paragraphs and link, and only the unsubscribe link (signed per person) differs. The message is
 * composed once with a marker where that link goes, split there, and each person's copy is the parts
 * joined with their link — escaped for the HTML part by the same renderer, so the copy is the message
 * `composeEmail` would have written for them.
 */
import type { OutgoingEmail } from '../../email/outbox.js';
import { composeEmail, htmlText, type MailDistrict } from '../../email/templates.js';
import type { Locale } from '../../i18n/index.js';
import { ACCOUNT_KINDS, isDirectKind, isNotifyKind } from './settings.js';
import type { UnsubscribeSigner } from './unsubscribe.js';

const isAccountKind = (kind: string) => (ACCOUNT_KINDS as readonly string[]).includes(kind);

/** The RFC 8058 headers and the link's address, for one person and kind (`sign`: unsubscribe.ts's signer). */
export function unsubscribeFor(sign: UnsubscribeSigner, accountId: number, kind: string, baseUrl: string) {
  const url = `${baseUrl}/unsubscribe/${sign({ accountId, kind: isNotifyKind(kind) || isDirectKind(kind) ? kind : 'all' })}`;
  return { url, headers: { 'List-Unsubscribe': `<${url}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' } };
}

/** Where the unsubscribe link goes in a shared rendering: no catalog text or parameter holds a NUL. */
const MARK = '\u0000unsubscribe\u0000';

interface Shared {
  subject: string;
  text: string[];
  html: string[];
}

interface NotificationEmail {
  accountId: number;
  to: string;
  locale: Locale;
  kind: string;
  /** the notification's page, from the portal's root */
  url: string;
  /** the notification's text in `locale` (notificationText) */
  text: { title: string; body: string };
}

/**
 * Composes notification emails for one district, portal address and unsubscribe signer, sharing the
 * rendering of identical texts. Keep one per batch: it remembers every text it rendered.
 */
export function notificationEmails(district: MailDistrict, baseUrl: string, sign: UnsubscribeSigner): (n: NotificationEmail) => OutgoingEmail {
  const shared = new Map<string, Shared>();
  const render = (n: NotificationEmail, unsubscribe: boolean): Shared => {
    const key = `${n.locale}\u0001${n.kind}\u0001${unsubscribe ? 1 : 0}\u0001${n.url}\u0001${n.text.title}\u0001${n.text.body}`;
    let found = shared.get(key);
    if (!found) {
      const email = composeEmail({
        kind: 'notification',
        to: '',
        locale: n.locale,
        district,
        subject: 'email.notification.subject',
        subjectParams: { title: n.text.title },
        paragraphs: [{ key: 'email.notification.body', params: { body: n.text.body } }],
        unsubscribe: unsubscribe ? MARK : undefined,
        // A security notice leads to where the account's sign-ins are listed (and ended).
        link: { url: `${baseUrl}${n.url}`, label: isAccountKind(n.kind) ? 'email.notification.openAccount' : 'email.notification.open' },
      });
      found = { subject: email.subject, text: email.text.split(MARK), html: email.html.split(MARK) };
      shared.set(key, found);
    }
    return found;
  };
  return (n) => {
    // An account's own security notice (a new device, a changed password) is always sent: no unsubscribe
    // link or List-Unsubscribe header offers what cannot be turned off.
    const unsub = isAccountKind(n.kind) ? null : unsubscribeFor(sign, n.accountId, n.kind, baseUrl);
    const parts = render(n, unsub !== null);
    const email: OutgoingEmail = {
      kind: 'notification',
      to: n.to,
      locale: n.locale,
      subject: parts.subject,
      text: unsub ? parts.text.join(unsub.url) : parts.text.join(''),
      html: unsub ? parts.html.join(htmlText(unsub.url)) : parts.html.join(''),
    };
    return unsub ? { ...email, headers: unsub.headers } : email;
  };
}
