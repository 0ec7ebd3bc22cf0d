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

/**
 * A name a district keeps in its own language and, where it has one, in Spanish (a grading period's
 * title, a vaccine, an attendance code, a calendar day's note: migration 0041, ADR 0043).
 */
export interface LocalName {
  /** as the district writes it, in the district's language */
  base: string;
  /** the Spanish name; null: none */
  es: string | null;
}

/** The name in the reader's language: the Spanish one for a Spanish reader where it exists, else the district's. */
export function localName(locale: Locale, name: LocalName): string {
  return locale === 'es' && name.es ? name.es : name.base;
}

/** A LocalName from a row's two columns. */
export function bilingual(base: string, es: string | null | undefined): LocalName {
  return { base, es: es ?? null };
}
