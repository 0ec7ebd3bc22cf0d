/**
 * Phone numbers (issue 23): parsed with libphonenumber-js, stored in E.164 ("+15735550199") and shown in
 * the national format ("(573) 555-0199"), a number of another country in the international one. The
 * default country of a number typed without one is the district's: Homeroom's districts are in the
 * United States, and the district row has no country yet, so it is `US` here, in one place.
 *
 * A stored value that is not E.164 (typed before migration 0036 and not a number it could read) is shown
 * as it was typed: nothing a family entered is lost.
 */
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';

export const DISTRICT_PHONE_COUNTRY: CountryCode = 'US';

/** The number in E.164, or null when the text cannot be a valid phone number. */
export function toE164(typed: string, country: CountryCode = DISTRICT_PHONE_COUNTRY): string | null {
  const text = typed.trim();
  if (text === '' || text.length > 40) return null;
  const parsed = parsePhoneNumberFromString(text, { defaultCountry: country, extract: false });
  return parsed?.isValid() ? parsed.number : null;
}

/** What is stored for a number that comes from a file (an import): E.164 when it is a valid number, else the text as it came. */
export function storedPhone(typed: string | null | undefined): string | null {
  if (typed === null || typed === undefined || typed === '') return null;
  return toE164(typed) ?? typed;
}

/** A stored number as people read it: national in the district's country, international elsewhere, as typed when not E.164. */
export function displayPhone(stored: string | null | undefined, country: CountryCode = DISTRICT_PHONE_COUNTRY): string {
  if (!stored) return '';
  if (!stored.startsWith('+')) return stored;
  const parsed = parsePhoneNumberFromString(stored);
  if (!parsed) return stored;
  return parsed.country === country ? parsed.formatNational() : parsed.formatInternational();
}
