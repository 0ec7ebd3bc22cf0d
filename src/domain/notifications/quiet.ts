/**
 * Quiet hours and digest slots, in a time zone (luxon): when a notification that comes in now may go
 * out, and which digest an item belongs to.
 */
import { DateTime } from 'luxon';
import type { PersonSettings } from './settings.js';

const minutesOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/**
 * The instant quiet hours end, when `now` falls inside them; null when it does not. Quiet hours may
 * cross midnight (21:00–07:00) or not (13:00–14:00); 'from' is inside them, 'to' is not.
 */
export function quietUntil(now: Date, quiet: PersonSettings['quiet'], timeZone: string): Date | null {
  if (!quiet) return null;
  const local = DateTime.fromJSDate(now, { zone: timeZone });
  const m = local.hour * 60 + local.minute;
  const from = minutesOf(quiet.from);
  const to = minutesOf(quiet.to);
  const inside = from < to ? m >= from && m < to : m >= from || m < to;
  if (!inside) return null;
  let end = local.startOf('day').plus({ minutes: to });
  if (end <= local) end = end.plus({ days: 1 });
  // A day of a clock change: the wall-clock time itself (luxon moves it to a time that exists).
  return end.toJSDate();
}

/**
 * The latest digest slot at or before `now`, for a person's digest: its name (one digest per name) and
 * the instant it began. Null when the person has no digest.
 */
export function digestSlot(now: Date, digest: PersonSettings['digest'], timeZone: string): { name: string; at: Date } | null {
  if (digest.mode === 'off') return null;
  const local = DateTime.fromJSDate(now, { zone: timeZone });
  let at = local.startOf('day').set({ hour: digest.hour });
  if (at > local) at = at.minus({ days: 1 });
  if (digest.mode === 'weekly') {
    while (at.weekday !== digest.weekday) at = at.minus({ days: 1 });
  }
  return { name: `${digest.mode}:${at.toFormat("yyyy-MM-dd'T'HH")}`, at: at.toJSDate() };
}
