/**
 * Dates, numbers and waits in the reader's language: one place for the BCP 47 tag of each locale and
 * for the formats pages, emails, PDFs and feeds share.
 */
import type { Locale } from './index.js';

/** The tag Intl formats with: US English and US Spanish (dates as families in the district write them). */
export function localeTag(locale: Locale): string {
  return locale === 'es' ? 'es-US' : 'en-US';
}

/** A date and time in the district's time zone: "November 25, 2026 at 9:00 AM". */
export function formatInstant(instant: Date, locale: Locale, timeZone: string): string {
  return new Intl.DateTimeFormat(localeTag(locale), { dateStyle: 'long', timeStyle: 'short', timeZone }).format(instant);
}

/** "and"-lists: "Monday, Tuesday and Friday" / "lunes, martes y viernes". */
export function formatList(items: string[], locale: Locale): string {
  return new Intl.ListFormat(localeTag(locale), { type: 'conjunction' }).format(items);
}

/** Whole minutes to wait, rounded up and at least one: what a "try again in N minutes" message says. */
export function minutesToWait(seconds: number): number {
  return Math.max(1, Math.ceil(seconds / 60));
}

/** Cents as money in the reader's language: 1250 → "$12.50" / "12.50 US$"; the district's currency is the US dollar. */
export function formatMoney(cents: number, locale: Locale): string {
  return new Intl.NumberFormat(localeTag(locale), { style: 'currency', currency: 'USD' }).format(cents / 100);
}
