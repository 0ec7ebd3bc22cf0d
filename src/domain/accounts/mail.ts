/** Who gets an account's email, and in which language. */
import { isLocale, type Locale } from '../../i18n/index.js';
import type { MailDistrict } from '../../email/templates.js';
import type { AccountRow } from './repository.js';

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

export function normalizeEmail(email: string): string {
  return email.normalize('NFKC').trim().toLowerCase();
}
