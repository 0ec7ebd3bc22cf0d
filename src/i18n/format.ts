/**
 * Dates, numbers and waits in the reader's language: one place for the BCP 47 tag of each locale and
 * for the formats pages, emails, PDFs and feeds share.
 */
import type { Locale } from './index.js';

/** The tag Intl formats with: US English and US Spanish (dates as families in the district write them). */
export function localeTag(locale: Locale): string {
  return locale === 'es' ? 'es-US' : 'en-US';
}

const instantFormats = new Map<string, Intl.DateTimeFormat>();

/** A date and time in the district's time zone: "November 25, 2026 at 9:00 AM". */
export function formatInstant(instant: Date, locale: Locale, timeZone: string): string {
  const key = `${locale}|${timeZone}`;
  let format = instantFormats.get(key);
  if (!format) {
    // Made once per language and zone: a format with a time zone is costly to make (an inbox page shows 20 instants).
    format = new Intl.DateTimeFormat(localeTag(locale), { dateStyle: 'long', timeStyle: 'short', timeZone });
    instantFormats.set(key, format);
  }
  return format.format(instant);
}

const dayFormats = new Map<Locale, Intl.DateTimeFormat>();

/** A calendar date (YYYY-MM-DD) as "February 20, 2027" / "20 de febrero de 2027", with no time zone shift. */
export function formatCalendarDate(date: string, locale: Locale): string {
  let format = dayFormats.get(locale);
  if (!format) {
    format = new Intl.DateTimeFormat(localeTag(locale), { dateStyle: 'long', timeZone: 'UTC' });
    dayFormats.set(locale, format);
  }
  return format.format(new Date(`${date}T12:00:00Z`));
}

/** "and"-lists: "Monday, Tuesday and Friday" / "lunes, martes y viernes". */
export function formatList(items: string[], locale: Locale): string {
  return new Intl.ListFormat(localeTag(locale), { type: 'conjunction' }).format(items);
}

/** Whole minutes to wait, rounded up and at least one: what a "try again in N minutes" message says. */
export function minutesToWait(seconds: number): number {
  return Math.max(1, Math.ceil(seconds / 60));
}

/** A size as people say it: "820 KB", "1.5 MB", "1 GB". */
export function formatFileSize(bytes: number, locale: Locale): string {
  const number = new Intl.NumberFormat(localeTag(locale), { maximumFractionDigits: 1 });
  const kb = bytes / 1024;
  const mb = kb / 1024;
  if (mb >= 1024) return `${number.format(mb / 1024)} GB`;
  if (mb >= 1) return `${number.format(mb)} MB`;
  return `${number.format(Math.max(1, Math.round(kb)))} KB`;
}
const numberFormats = new Map<string, Intl.NumberFormat>();
const numberFormat = (key: string, make: () => Intl.NumberFormat) => {
  let f = numberFormats.get(key);
  if (!f) numberFormats.set(key, (f = make()));
  return f;
};

/** A number as the reader writes it, to two decimals at most: 1234.5 → "1,234.5" (CLDR's form for the language's tag). */
export function formatNumber(value: number, locale: Locale): string {
  return numberFormat(`n|${locale}`, () => new Intl.NumberFormat(localeTag(locale), { maximumFractionDigits: 2 })).format(value);
}

/** A percentage (72.5 for 72.5 %) as the reader writes it, sign included and to one decimal at most (CLDR's form for the language's tag). */
export function formatPercentage(value: number, locale: Locale): string {
  return numberFormat(`p|${locale}`, () => new Intl.NumberFormat(localeTag(locale), { style: 'unit', unit: 'percent', maximumFractionDigits: 1 })).format(value);
}

/** Integer cents in the reader's currency format (US dollars): 1250 → "$12.50" in en-US and es-US. */
export function formatMoney(cents: number, locale: Locale): string {
  const f = moneyFormats.get(locale) ?? new Intl.NumberFormat(localeTag(locale), { style: 'currency', currency: 'USD' });
  moneyFormats.set(locale, f);
  // Dollars and cents as a decimal string: the format never sees a float made by arithmetic on money.
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  return f.format(`${sign}${Math.trunc(abs / 100)}.${String(abs % 100).padStart(2, '0')}` as unknown as number);
}
const moneyFormats = new Map<Locale, Intl.NumberFormat>();
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
