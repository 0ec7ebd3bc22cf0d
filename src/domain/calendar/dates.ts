/**
 * Calendar dates as 'YYYY-MM-DD' strings: school days are local dates of the district, so they are
 * computed without any time zone (in UTC arithmetic) and never converted to instants.
 */
import type { DateString } from '../../db/schema.js';

const DAY_MS = 86_400_000;

export function toDate(d: DateString): Date {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(d)) throw new Error(`Not a date: ${d}`);
  return new Date(`${d}T00:00:00.000Z`);
}

export function fromDate(d: Date): DateString {
  return d.toISOString().slice(0, 10);
}

export function ymd(year: number, month: number, day: number): DateString {
  return fromDate(new Date(Date.UTC(year, month - 1, day)));
}

export function addDays(d: DateString, n: number): DateString {
  return fromDate(new Date(toDate(d).getTime() + n * DAY_MS));
}

/** 0 = Sunday … 6 = Saturday */
export function weekday(d: DateString): number {
  return toDate(d).getUTCDay();
}

export function isWeekend(d: DateString): boolean {
  const w = weekday(d);
  return w === 0 || w === 6;
}

export function daysBetween(from: DateString, to: DateString): number {
  return Math.round((toDate(to).getTime() - toDate(from).getTime()) / DAY_MS);
}

/** the n-th (1-based) given weekday of a month, e.g. the 4th Thursday of November */
export function nthWeekday(year: number, month: number, dow: number, n: number): DateString {
  const first = ymd(year, month, 1);
  const offset = (dow - weekday(first) + 7) % 7;
  return addDays(first, offset + (n - 1) * 7);
}

export function lastWeekday(year: number, month: number, dow: number): DateString {
  const last = addDays(ymd(year, month + 1, 1), -1);
  return addDays(last, -((weekday(last) - dow + 7) % 7));
}

/** the first day on or after d that falls on the given weekday */
export function onOrAfter(d: DateString, dow: number): DateString {
  return addDays(d, (dow - weekday(d) + 7) % 7);
}

export function* eachDay(from: DateString, to: DateString): Generator<DateString> {
  for (let d = from; d <= to; d = addDays(d, 1)) yield d;
}

/** today's local date in a time zone, e.g. 'America/Chicago' */
// Making an Intl formatter costs far more than using one: one per time zone, kept.
const dayFormats = new Map<string, Intl.DateTimeFormat>();

const timeFormats = new Map<string, Intl.DateTimeFormat>();

/** The wall-clock time 'HH:MM' (24 h) of an instant in a time zone. */
export function localTime(instant: Date, timeZone: string): string {
  let format = timeFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    timeFormats.set(timeZone, format);
  }
  return format.format(instant);
}

export function localDate(instant: Date, timeZone: string): DateString {
  let format = dayFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    dayFormats.set(timeZone, format);
  }
  const parts = format.formatToParts(instant);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')}`;
}

