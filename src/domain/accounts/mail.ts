/** Who gets an account's email, and in which language. */
import { isLocale, type Locale } from '../../i18n/index.js';
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import { enqueueEmail } from '../../email/outbox.js';
import { composeEmail, formatInstant, type MailDistrict } from '../../email/templates.js';
import type { AccountRow } from './repository.js';
import { notifyAccountEvent } from '../notifications/service.js';

export type AccountMailDistrict = MailDistrict & { timeZone: string; locale: string };

/** The account's own choice, else the guardian's language on record, else the district's. */
export function accountLocale(account: Pick<AccountRow, 'locale' | 'guardian_language'>, district: { locale: string }): Locale {
  if (isLocale(account.locale)) return account.locale;
  if (isLocale(account.guardian_language)) return account.guardian_language;
  return isLocale(district.locale) ? district.locale : 'en';
}

/** The confirmed security email, or null. */
export function confirmedEmail(account: Pick<AccountRow, 'security_email' | 'security_email_confirmed_at'>): string | null {
  return account.security_email && account.security_email_confirmed_at ? account.security_email : null;
}

/**
 * "Your password was changed", to the account's confirmed security email (if it has one), in the
 * holder's language: every change, reset or reset by key tells the holder. In the caller's transaction.
 */
export async function tellPasswordChanged(
  trx: Kysely<DB>,
  account: Pick<AccountRow, 'id' | 'username' | 'locale' | 'guardian_language' | 'security_email' | 'security_email_confirmed_at'>,
  district: AccountMailDistrict,
  now: Date,
): Promise<void> {
  // Always on: the account's own list shows it too (issue 22).
  await notifyAccountEvent(trx, account.id, 'passwordChanged', now);
  const to = confirmedEmail(account);
  if (!to) return;
  const locale = accountLocale(account, district);
  await enqueueEmail(
    trx,
    composeEmail({
      kind: 'password_changed',
      to,
      locale,
      district,
      subject: 'email.passwordChanged.subject',
      paragraphs: [{ key: 'email.passwordChanged.body', params: { username: account.username, when: formatInstant(now, locale, district.timeZone) } }],
    }),
    now,
  );
}
