/**
 * Server-side sessions. The cookie holds a random 256-bit token; the database holds only its sha-256,
 * so a copy of the database cannot be used to sign in. A session ends after the district's idle time
 * (unless the person chose "Keep me signed in on this device") and at its absolute end, at sign-out,
 * and when the password changes.
 */
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import { enqueueEmail } from '../../email/outbox.js';
import { composeEmail, formatInstant } from '../../email/templates.js';
import { audit } from '../audit/service.js';
import { endFeedOf } from '../calendar/feed-end.js';
import { accountLocale, confirmedEmail, type AccountMailDistrict } from './mail.js';
import type { PortalSettings } from '../district/settings.js';
import {
  deleteSession,
  deleteSessionsOf,
  endOutstandingTokens,
  findSessionWithAccount,
  insertSession,
  listSessions,
  touchSession,
  type AccountRow,
  type SessionRow,
} from './repository.js';
import { hashToken, newToken } from './tokens.js';

export type SessionSettings = Pick<PortalSettings, 'sessionIdleMinutes' | 'sessionAbsoluteHours' | 'rememberDeviceDays'>;

/** last_seen_at is written at most this often, so reading a page is not a write every time */
const TOUCH_EVERY_MS = 60_000;

export interface StartedSession {
  token: string;
  id: string;
  expiresAt: Date;
  persistent: boolean;
}

/** A new session for an account: the row to store and what the browser gets. Nothing is written. */
export function newSession(
  accountId: number,
  options: { persistent: boolean; ip: string | null; userAgent: string | null; settings: SessionSettings; now: Date },
): { row: SessionRow; started: StartedSession } {
  const token = newToken();
  const id = hashToken(token);
  const { settings, now } = options;
  const lifetime = options.persistent ? settings.rememberDeviceDays * 86_400_000 : settings.sessionAbsoluteHours * 3_600_000;
  const expiresAt = new Date(now.getTime() + lifetime);
  const row: SessionRow = {
    id,
    account_id: accountId,
    created_at: now.toISOString(),
    last_seen_at: now.toISOString(),
    expires_at: expiresAt.toISOString(),
    persistent: options.persistent ? 1 : 0,
    ip: options.ip,
    user_agent: options.userAgent?.slice(0, 300) ?? null,
  };
  return { row, started: { token, id, expiresAt, persistent: options.persistent } };
}

export async function startSession(
  db: Kysely<DB>,
  accountId: number,
  options: { persistent: boolean; ip: string | null; userAgent: string | null; settings: SessionSettings; now: Date },
): Promise<StartedSession> {
  const { row, started } = newSession(accountId, options);
  await insertSession(db, row);
  return started;
}

export interface CurrentSession {
  id: string;
  account: AccountRow;
  persistent: boolean;
  /** when the session began: its sign-in with the password */
  startedAt: Date;
  expiresAt: Date;
}

/** The session of a cookie's token, or null when there is none or it has ended (then it is deleted). */
export async function resumeSession(
  db: Kysely<DB>,
  token: string,
  settings: SessionSettings,
  now: Date,
): Promise<CurrentSession | null> {
  const resumed = await resumeSessionWith(db, token, settings, now, async (id) => {
    const found = await findSessionWithAccount(db, id);
    return found && { ...found, also: null };
  });
  return resumed?.session ?? null;
}

/** What a lookup of a session finds: the session's times, its account, and whatever else the same statement asked. */
export interface FoundSession<X> {
  session: Pick<SessionRow, 'created_at' | 'last_seen_at' | 'expires_at' | 'persistent'>;
  account: AccountRow;
  also: X;
}

/**
 * resumeSession with the lookup given: `find` reads the session by its id (the token's hash) and may
 * ask more in the same statement (`also`: a family's students and header counts, domain/portal/prefix.ts).
 * Every rule of a session is decided here, the same for every lookup: an ended session (absolute end,
 * idleness) or one of an account that is not active is deleted and answers null, and what came with it
 * is dropped; the last-seen time is written only when due.
 */
export async function resumeSessionWith<X>(
  db: Kysely<DB>,
  token: string,
  settings: SessionSettings,
  now: Date,
  find: (id: string) => Promise<FoundSession<X> | undefined>,
): Promise<{ session: CurrentSession; also: X } | null> {
  if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return null;
  const id = hashToken(token);
  const found = await find(id);
  if (!found) return null;
  const { session, account } = found;
  const idle = now.getTime() - Date.parse(session.last_seen_at);
  if (endedAt(session, settings, now)) {
    await deleteSession(db, id);
    return null;
  }
  if (account.status !== 'active') {
    await deleteSession(db, id);
    return null;
  }
  if (idle > TOUCH_EVERY_MS) await touchSession(db, id, now.toISOString());
  return {
    session: { id, account, persistent: session.persistent === 1, startedAt: new Date(session.created_at), expiresAt: new Date(session.expires_at) },
    also: found.also,
  };
}

export async function endSession(db: Kysely<DB>, id: string): Promise<void> {
  await deleteSession(db, id);
}

/** Ends every session of an account, or every other one when `keep` is given. */
export async function endSessionsOf(db: Kysely<DB>, accountId: number, keep?: string): Promise<void> {
  await deleteSessionsOf(db, accountId, keep);
}

/**
 * The holder signs out everywhere else (`keep`: their session), or everywhere; audited with it. Whoever
 * else had the account also loses what they could have asked for: every outstanding link of the
 * account (a reset, a new security email, a sign-in code) ends, and so does the calendar feed address
 * (anyone holding it could read the family's calendar); the holder is told at the confirmed security
 * email when a feed address stopped working, and the answer says so for the page.
 */
export async function signOutEverywhere(
  db: Kysely<DB>,
  input: {
    account: Pick<AccountRow, 'id' | 'username' | 'locale' | 'guardian_language' | 'security_email' | 'security_email_confirmed_at'>;
    keep: string | null;
    ip: string | null;
    district: AccountMailDistrict;
  },
  now: Date,
): Promise<{ feedEnded: boolean }> {
  const { account } = input;
  return db.transaction().execute(async (trx) => {
    await deleteSessionsOf(trx, account.id, input.keep ?? undefined);
    await endOutstandingTokens(trx, account.id, now.toISOString());
    const feedEnded = await endFeedOf(trx, account.id);
    await audit(
      trx,
      {
        action: input.keep ? 'sessions.ended_others' : 'sessions.ended_all',
        actorAccountId: account.id,
        subjectType: 'user_account',
        subjectId: account.id,
        ip: input.ip,
        details: { tokensEnded: true, feedEnded },
      },
      now,
    );
    const to = confirmedEmail(account);
    if (feedEnded && to) {
      const locale = accountLocale(account, input.district);
      await enqueueEmail(
        trx,
        composeEmail({
          kind: 'calendar_feed',
          to,
          locale,
          district: input.district,
          subject: 'email.feedEnded.subject',
          paragraphs: [
            { key: 'email.feedEnded.body', params: { username: account.username, when: formatInstant(now, locale, input.district.timeZone) } },
            { key: 'email.feedEndedNew' },
          ],
        }),
        now,
      );
    }
    return { feedEnded };
  });
}

/** Has a session ended by time (its absolute end, or idleness unless it is kept on its device)? */
function endedAt(session: Pick<SessionRow, 'expires_at' | 'last_seen_at' | 'persistent'>, settings: SessionSettings, now: Date): boolean {
  const t = now.getTime();
  return Date.parse(session.expires_at) <= t || (!session.persistent && t - Date.parse(session.last_seen_at) > settings.sessionIdleMinutes * 60_000);
}

/** The account's sessions that still work (ended ones wait for housekeeping to delete them). */
export async function sessionsOf(db: Kysely<DB>, accountId: number, settings: SessionSettings, now: Date) {
  return (await listSessions(db, accountId)).filter((s) => !endedAt(s, settings, now));
}
