/** The formatters every page shares: dates, times, percents and points in the reader's language. */
import { localeTag } from '../../i18n/format.js';
import type { Locale } from '../../i18n/index.js';


// Intl formatters are costly to make and cheap to use: one per language and kind, kept.
const formats = new Map<string, Intl.DateTimeFormat | Intl.NumberFormat>();
export function cached<T extends Intl.DateTimeFormat | Intl.NumberFormat>(key: string, make: () => T): T {
  let f = formats.get(key) as T | undefined;
  if (!f) {
    f = make();
    formats.set(key, f);
  }
  return f;
}

/** 'YYYY-MM-DD' as "Tue, Nov 24" in the reader's language (a calendar date: no time zone shift). */
export function formatDay(date: string, locale: Locale, long = false): string {
  const f = cached(`day:${locale}:${long}`, () =>
    new Intl.DateTimeFormat(localeTag(locale), {
      weekday: 'short',
      month: long ? 'long' : 'short',
      day: 'numeric',
      ...(long ? { year: 'numeric' } : {}),
      timeZone: 'UTC',
    }),
  );
  return f.format(new Date(`${date}T12:00:00Z`));
}

/** 'YYYY-MM-DD' as a date of birth: "January 3, 2011" / "3 de enero de 2011" (no weekday, no time zone shift). */
export function formatBirthDate(date: string, locale: Locale): string {
  const f = cached(`birth:${locale}`, () => new Intl.DateTimeFormat(localeTag(locale), { dateStyle: 'long', timeZone: 'UTC' }));
  return f.format(new Date(`${date}T12:00:00Z`));
}

/** A sentence ended by one period: a text that already ends with one (a time "9:34 p.m.") gets no second. */
export function sentence(text: string): string {
  return /[.!?]$/.test(text) ? text : `${text}.`;
}

/** 'HH:MM' as "7:40 AM" or "7:40" by language. */
export function formatTime(hhmm: string, locale: Locale): string {
  const [h, m] = hhmm.split(':').map(Number) as [number, number];
  const f = cached(`time:${locale}`, () => new Intl.DateTimeFormat(localeTag(locale), { hour: 'numeric', minute: '2-digit', timeZone: 'UTC' }));
  return f.format(new Date(Date.UTC(2000, 0, 1, h, m)));
}

export function formatPercent(n: number | null, locale: Locale): string {
  if (n === null) return '—';
  const f = cached(`pct:${locale}`, () => new Intl.NumberFormat(localeTag(locale), { minimumFractionDigits: 2, maximumFractionDigits: 2 }));
  return `${f.format(n)}%`;
}

export function formatPoints(n: number, locale: Locale): string {
  return cached(`pts:${locale}`, () => new Intl.NumberFormat(localeTag(locale), { maximumFractionDigits: 2 })).format(n);
}

/** Where one file of a message is served (routes/messages.tsx). */
export function fileHref(f: { messageId: number; position: number }): string {
  return `/messages/${f.messageId}/files/${f.position}`;
}
