/**
 * The private calendar feed: one secret address per account that a calendar app (Google, Apple,
 * Outlook) subscribes to. The address carries a 256-bit token, of which only the hash is kept, so it
 * is shown once when made; making a new one or turning it off ends the old one at once. What the feed
 * holds is decided again at every fetch from the account's current links: a student a parent no longer
 * sees leaves the feed, a disabled account's feed answers nothing.
 */
import type { Kysely } from 'kysely';
import type { DateString, DB } from '../../db/schema.js';
import { enqueueEmail } from '../../email/outbox.js';
import { composeEmail, formatInstant } from '../../email/templates.js';
import { audit } from '../audit/service.js';
import { accountLocale, confirmedEmail, type AccountMailDistrict } from '../accounts/mail.js';
import type { AccountRow } from '../accounts/repository.js';
import { hashToken, newToken } from '../accounts/tokens.js';
import { addDays } from '../calendar/dates.js';
import { endFeedOf } from '../calendar/feed-end.js';
import { studentsReadableBy } from '../access/portal.js';
import type { VisibleStudent } from '../people/visibility.js';
import { dueBetween, eventsBetween, schoolDaysBetween, type DueView, type SchoolEventView } from '../calendar/calendar.js';

/** How far back and ahead the feed reaches: about a school year around today. */
export const FEED_DAYS_BACK = 60;
export const FEED_DAYS_AHEAD = 300;
/** last_used_at is written at most this often (calendar apps poll; a write per poll is waste). */
const USED_RESOLUTION_MS = 60 * 60 * 1000;

const TOKEN = /^[A-Za-z0-9_-]{43}$/;

/** The address calendar apps subscribe to. */
export function feedAddress(baseUrl: string, token: string): string {
  return `${baseUrl}/calendar/${token}.ics`;
}

export interface FeedStatus {
  createdAt: string;
  lastUsedAt: string | null;
}

export async function feedStatus(db: Kysely<DB>, accountId: number): Promise<FeedStatus | null> {
  const row = await db.selectFrom('calendar_feeds').select(['created_at', 'last_used_at']).where('account_id', '=', accountId).executeTakeFirst();
  return row ? { createdAt: row.created_at, lastUsedAt: row.last_used_at } : null;
}

export type FeedHolder = Pick<AccountRow, 'id' | 'username' | 'locale' | 'guardian_language' | 'security_email' | 'security_email_confirmed_at'>;

/**
 * Makes the account's feed address, replacing any earlier one (which stops working). Returns the token,
 * shown once. The holder is told at the confirmed security email (without the address): anyone with the
 * address can read the family's calendar, so a feed nobody meant to make must not go unnoticed.
 */
export async function createFeed(db: Kysely<DB>, account: FeedHolder, now: Date, ip: string | null, district: AccountMailDistrict): Promise<string> {
  const token = newToken();
  const accountId = account.id;
  await db.transaction().execute(async (trx) => {
    const existing = await trx.selectFrom('calendar_feeds').select('id').where('account_id', '=', accountId).executeTakeFirst();
    // One row per account: two clicks at once both succeed, and the later address is the one that works.
    const values = { token_hash: hashToken(token), created_at: now.toISOString(), last_used_at: null };
    await trx
      .insertInto('calendar_feeds')
      .values({ account_id: accountId, ...values })
      .onConflict((oc) => oc.column('account_id').doUpdateSet(values))
      .execute();
    await audit(trx, { action: existing ? 'calendar_feed.replaced' : 'calendar_feed.created', actorAccountId: accountId, subjectType: 'user_account', subjectId: accountId, ip }, now);
    const to = confirmedEmail(account);
    if (to) {
      const locale = accountLocale(account, district);
      await enqueueEmail(
        trx,
        composeEmail({
          kind: 'calendar_feed',
          to,
          locale,
          district,
          subject: existing ? 'email.feedReplaced.subject' : 'email.feedMade.subject',
          paragraphs: [
            { key: existing ? 'email.feedReplaced.body' : 'email.feedMade.body', params: { username: account.username, when: formatInstant(now, locale, district.timeZone) } },
            { key: 'email.feedWhat' },
            { key: 'email.feedNotYou' },
          ],
        }),
        now,
      );
    }
  });
  return token;
}

export async function revokeFeed(db: Kysely<DB>, accountId: number, now: Date, ip: string | null): Promise<boolean> {
  const revoked = await endFeedOf(db, accountId);
  if (revoked) await audit(db, { action: 'calendar_feed.revoked', actorAccountId: accountId, subjectType: 'user_account', subjectId: accountId, ip }, now);
  return revoked;
}

export interface FeedDay {
  /** first and last day of a run of weekdays without school for the same reason */
  start: DateString;
  end: DateString;
  /** the family's schools that have this day off */
  schoolIds: number[];
  reason: string | null;
  note: string | null;
  /** the note in Spanish (migration 0041); absent or null: none */
  noteEs?: string | null;
}

export interface FeedContent {
  accountId: number;
  locale: string | null;
  students: VisibleStudent[];
  from: DateString;
  to: DateString;
  /** with the first names of the students it concerns when not every school of the family has it off */
  noSchool: (FeedDay & { students: string[] })[];
  events: SchoolEventView[];
  due: (DueView & { studentId: number })[];
}

/**
 * What the feed at this token holds today, or null when the token is malformed, unknown, turned off,
 * or its account is not active.
 */
export async function feedContent(
  db: Kysely<DB>,
  token: string,
  input: { today: DateString; now: Date; districtLocale: string; adultBornOnOrBefore: string | null; includeDue: boolean },
): Promise<FeedContent | null> {
  if (!TOKEN.test(token)) return null;
  const feed = await db
    .selectFrom('calendar_feeds as f')
    .innerJoin('user_accounts as a', 'a.id', 'f.account_id')
    .select(['f.id', 'f.last_used_at', 'a.id as accountId', 'a.status', 'a.person_kind', 'a.student_id', 'a.guardian_id', 'a.locale'])
    .where('f.token_hash', '=', hashToken(token))
    .executeTakeFirst();
  if (!feed || feed.status !== 'active') return null;
  if (!feed.last_used_at || input.now.getTime() - Date.parse(feed.last_used_at) >= USED_RESOLUTION_MS) {
    await db.updateTable('calendar_feeds').set({ last_used_at: input.now.toISOString() }).where('id', '=', feed.id).execute();
  }
  const students = await studentsReadableBy(db, feed, input.adultBornOnOrBefore);
  const from = addDays(input.today, -FEED_DAYS_BACK);
  const to = addDays(input.today, FEED_DAYS_AHEAD);
  const schoolIds = [...new Set(students.map((s) => s.schoolId))];
  const locale = feed.locale ?? input.districtLocale;
  const [days, events, due] = await Promise.all([
    Promise.all(schoolIds.map((id) => schoolDaysBetween(db, id, from, to).then((rows) => ({ id, rows })))),
    students.length === 0 ? [] : eventsBetween(db, students, from, to, { locale, districtLocale: input.districtLocale }),
    input.includeDue ? Promise.all(students.map((s) => dueBetween(db, s, from, to).then((rows) => rows.map((r) => ({ ...r, studentId: s.id }))))) : [],
  ]);
  // Brothers and sisters at schools with the same calendar: each day off once, with the schools it is
  // a day off at; when it is not all of the family's schools, the feed says whose.
  const noSchool = new Map<string, FeedDay>();
  for (const run of days.flatMap(({ id, rows }) => runsWithoutSchool(id, rows))) {
    const key = [run.start, run.end, run.reason, run.note, run.noteEs].join('|');
    const known = noSchool.get(key);
    if (known) known.schoolIds.push(...run.schoolIds);
    else noSchool.set(key, run);
  }
  const runs = [...noSchool.values()].map((run) => ({
    ...run,
    students: run.schoolIds.length === schoolIds.length ? [] : students.filter((s) => run.schoolIds.includes(s.schoolId)).map((s) => s.firstName),
  }));
  return { accountId: feed.accountId, locale: feed.locale, students, from, to, noSchool: runs, events, due: due.flat() };
}

/**
 * Weekdays without school, joined into runs (a week of break is one entry, not five); weekends are
 * left out, and a run goes on across a weekend when the same reason continues on the Monday.
 */
export function runsWithoutSchool(schoolId: number, days: { date: DateString; instructional: number; reason: string | null; note: string | null; note_es?: string | null }[]): FeedDay[] {
  const runs: FeedDay[] = [];
  for (const day of days) {
    if (day.instructional === 1 || day.reason === 'weekend') continue;
    const last = runs[runs.length - 1];
    const gap = last ? daysApartSkippingWeekend(last.end, day.date) : Infinity;
    if (last && gap === 1 && last.reason === day.reason && last.note === day.note && (last.noteEs ?? null) === (day.note_es ?? null)) last.end = day.date;
    else runs.push({ start: day.date, end: day.date, schoolIds: [schoolId], reason: day.reason, note: day.note, noteEs: day.note_es ?? null });
  }
  return runs;
}

/** Weekdays from one date to the next (Friday → Monday is 1). */
function daysApartSkippingWeekend(from: DateString, to: DateString): number {
  let n = 0;
  for (let d = addDays(from, 1); d <= to; d = addDays(d, 1)) {
    const dow = new Date(`${d}T00:00:00Z`).getUTCDay();
    if (dow !== 0 && dow !== 6 && ++n > 1) break;
  }
  return n;
}
