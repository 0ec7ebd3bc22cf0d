/**
 * Per-request context for pages: the reader's language (cookie, then Accept-Language, then the
 * district's) and the district profile, which is cached for a few seconds across requests.
 */
import type { FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { isDatabaseUnavailable } from '../db/errors.js';
import { getDistrictProfile, NoDistrictError, type DistrictProfile } from '../domain/district/service.js';
import { adultCutoff, portalSettingsSchema } from '../domain/district/settings.js';
import { localDate } from '../domain/calendar/dates.js';
import { studentsReadableBy } from '../domain/access/portal.js';
import { messageReader, type MessageReader, type UnreadCounts, type UnreadNotificationsOf } from '../domain/messages/service.js';
import { headerCounts } from '../domain/portal/header.js';
import { fromAcceptLanguage, isLocale, translator, type Locale } from '../i18n/index.js';
import type { PageContext } from './views/context.js';

export const LANG_COOKIE = 'hr_lang';
/** The student a guardian chose in the switcher (an id; checked against what they may see on every request). */
export const STUDENT_COOKIE = 'hr_student';

/** What the pages show when the database has no district yet. */
export const NO_DISTRICT: DistrictProfile = {
  name: 'Homeroom',
  shortName: 'Homeroom',
  portalName: 'Homeroom',
  timeZone: 'UTC',
  locale: 'en',
  colors: { primary: '#1a4480', secondary: '#8b1303' },
  helpEmail: null,
  websiteUrl: null,
  settings: portalSettingsSchema.parse({}),
};

/** What the app hears of the database going away and coming back (once each per outage). */
export interface OutageLog {
  down(error: unknown): void;
  up(seconds: number, refused: number): void;
}

/**
 * The district profile, cached for a few seconds across requests. While the database cannot be
 * reached, the last profile read is kept (pages keep the district's name and colours) and the outage
 * is told to the log once, when it starts, and once when it ends with how many requests it refused.
 */
export class DistrictCache {
  private value: DistrictProfile | undefined;
  private loadedAt = 0;
  private outage: { since: number; refused: number } | null = null;

  constructor(
    private readonly db: Kysely<DB>,
    private readonly ttlMs = 5_000,
    private readonly log: OutageLog | null = null,
  ) {}

  async get(): Promise<DistrictProfile> {
    const now = Date.now();
    if (!this.value || now - this.loadedAt > this.ttlMs) {
      try {
        this.value = await getDistrictProfile(this.db);
        this.databaseIsBack(now);
      } catch (error) {
        if (isDatabaseUnavailable(error) && this.value) {
          this.databaseIsAway(error);
          return this.value;
        }
        if (!(error instanceof NoDistrictError)) throw error;
        this.value = NO_DISTRICT;
      }
      this.loadedAt = now;
    }
    return this.value;
  }

  /** The last profile read, even while the database is away; the empty one if none was ever read. */
  lastKnown(): DistrictProfile {
    return this.value ?? NO_DISTRICT;
  }

  /** A request failed because the database cannot be reached: told to the log if it starts an outage. */
  databaseIsAway(error: unknown): void {
    if (this.outage) {
      this.outage.refused++;
      return;
    }
    this.outage = { since: Date.now(), refused: 1 };
    // The next request asks the database again rather than trusting a profile read before the outage.
    this.loadedAt = 0;
    this.log?.down(error);
  }

  private databaseIsBack(now: number): void {
    if (!this.outage) return;
    this.log?.up(Math.round((now - this.outage.since) / 1000), this.outage.refused);
    this.outage = null;
  }

  invalidate(): void {
    this.value = undefined;
  }
}

/**
 * The reader's language: the language switch (cookie), then the account's own choice, then the
 * browser's Accept-Language, then the guardian's language on record, then the district's.
 */
export function requestLocale(
  request: FastifyRequest,
  district: DistrictProfile,
  account?: { locale: string | null; guardian_language: string | null } | null,
): Locale {
  const cookie = request.cookies[LANG_COOKIE];
  if (isLocale(cookie)) return cookie;
  if (isLocale(account?.locale)) return account.locale;
  const browser = fromAcceptLanguage(request.headers['accept-language']);
  if (browser) return browser;
  if (isLocale(account?.guardian_language)) return account.guardian_language;
  return isLocale(district.locale) ? district.locale : 'en';
}

export async function pageContext(
  request: FastifyRequest,
  districts: DistrictCache,
  options: { assetVersion: string; demoMode: boolean },
): Promise<PageContext> {
  const district = await districts.get();
  const account = request.session?.account;
  const locale = requestLocale(request, district, account);
  return {
    locale,
    t: translator(locale),
    district,
    path: request.url,
    assetVersion: options.assetVersion,
    demoMode: options.demoMode,
    csrf: request.csrfToken(),
    account: account
      ? {
          name: `${account.first_name ?? ''} ${account.last_name ?? ''}`.trim() || account.username,
          username: account.username,
          kind: account.person_kind,
          office: Number(account.is_office) === 1,
          districtAdmin: Number(account.is_district_admin) === 1,
        }
      : null,
  };
}

/** A path inside this site to go back to; anything else (other hosts, schemes) becomes '/'. */
export function safeLocalPath(next: unknown): string {
  if (typeof next !== 'string' || next.length > 2000) return '/';
  if (!next.startsWith('/') || next.startsWith('//') || next.includes('\\') || /[\u0000-\u001f]/.test(next)) return '/';
  return next;
}

type ContextApp = {
  services: {
    districts: DistrictCache;
    assetVersion: string;
    config: { demoMode: boolean };
    database: { db: Kysely<DB> };
    now: () => Date;
  };
};

/**
 * The page context of a request, with the app's own settings: what every route renders with. The
 * header's counts (a family's unread notifications, the unread messages) are asked in one statement
 * (domain/portal/header.ts). `unreadMessages: false` leaves out the count of unread messages: for a form
 * that usually answers with a redirect, which then adds it only when it shows a page (withUnreadMessages).
 * `counts: false` leaves out both: for a page whose own statement brings them (the inbox, ADR 0058),
 * which then gives them to the context (withCounts), or asks for them when it had none (withHeaderCounts).
 */
export async function contextFor(app: ContextApp, request: FastifyRequest, options: { unreadMessages?: boolean; counts?: boolean } = {}): Promise<PageContext> {
  const { services } = app;
  const ctx = await pageContext(request, services.districts, { assetVersion: services.assetVersion, demoMode: services.config.demoMode });
  const account = request.session?.account;
  // Read with the session in its one statement (plugins/session.ts, ADR 0070) when the cutoff is the same.
  let prefix = request.portalPrefix;
  if (account && (account.person_kind === 'guardian' || account.person_kind === 'student')) {
    // Asked on every request: a link whose rights were revoked disappears at once, sessions included.
    const today = localDate(services.now(), ctx.district.timeZone);
    const cutoff = adultCutoff(ctx.district.settings, today);
    if (prefix && prefix.adultBornOnOrBefore !== cutoff) prefix = null;
    const students = prefix ? prefix.readable : await studentsReadableBy(services.database.db, account, cutoff);
    const chosen = Number(request.cookies[STUDENT_COOKIE]);
    ctx.students = students;
    const current = students.find((s) => s.id === chosen) ?? students[0];
    if (current) ctx.student = current;
  } else {
    prefix = null;
  }
  // The counts the prefix brought are the ones asked below (the same queries, the same reader's students).
  if (prefix && prefix.notifications !== null) {
    ctx.unreadNotifications = prefix.notifications;
    if (prefix.messages !== null) {
      ctx.unreadMessages = prefix.messages;
      counted.add(ctx);
      return ctx;
    }
    if (!ctx.district.settings.tools.messages) return ctx;
  }
  if (options.counts === false) return ctx;
  return counting(app, request, ctx, { notifications: !(prefix && prefix.notifications !== null), messages: options.unreadMessages !== false });
}

/** Contexts whose unread messages were counted (or are not shown to this reader). */
const counted = new WeakSet<PageContext>();
/** The message reader of each context's request, made once. */
const readers = new WeakMap<PageContext, MessageReader | null>();

/**
 * The request's message reader, made once per context; null when the reader has no Messages: families
 * see them unless the district turned them off, staff always (their replies).
 */
export async function messageReaderOf(app: ContextApp, request: FastifyRequest, ctx: PageContext): Promise<MessageReader | null> {
  if (readers.has(ctx)) return readers.get(ctx)!;
  const { services } = app;
  const account = request.session?.account;
  const reader =
    account && (account.person_kind === 'staff' || ctx.district.settings.tools.messages)
      ? await messageReader(services.database.db, account, adultCutoff(ctx.district.settings, localDate(services.now(), ctx.district.timeZone)), ctx.students ?? [])
      : null;
  readers.set(ctx, reader);
  return reader;
}

/** What the bell counts: a family member's notifications about the students of the context; null for others (no bell). */
export function notificationsAsk(request: FastifyRequest, ctx: PageContext): UnreadNotificationsOf | null {
  const account = request.session?.account;
  return account && (account.person_kind === 'guardian' || account.person_kind === 'student') ? { accountId: account.id, readable: ctx.students ?? [] } : null;
}

async function counting(app: ContextApp, request: FastifyRequest, ctx: PageContext, which: { notifications: boolean; messages: boolean }): Promise<PageContext> {
  const messages = which.messages && !counted.has(ctx) ? await messageReaderOf(app, request, ctx) : null;
  if (which.messages) counted.add(ctx);
  const notifications = which.notifications ? notificationsAsk(request, ctx) : null;
  const counts = await headerCounts(app.services.database.db, { messages, notifications });
  if (counts.messages !== null) ctx.unreadMessages = counts.messages;
  if (counts.notifications !== null) ctx.unreadNotifications = counts.notifications;
  return ctx;
}

/** Whether the context already has the header's counts (both asked, or the messages not shown to this reader). */
export function hasHeaderCounts(ctx: PageContext): boolean {
  return counted.has(ctx);
}

/** A context with the header's count of unread messages, asked once. */
export async function withUnreadMessages(app: ContextApp, request: FastifyRequest, ctx: PageContext): Promise<PageContext> {
  return counting(app, request, ctx, { notifications: false, messages: true });
}

/** A context made with `counts: false` gets both of the header's counts, asked in one statement. */
export async function withHeaderCounts(app: ContextApp, request: FastifyRequest, ctx: PageContext): Promise<PageContext> {
  return counting(app, request, ctx, { notifications: true, messages: true });
}

/**
 * A context made with `counts: false` takes the counts a page's own statement brought, asked for the
 * same reader (`messageReaderOf`) and the same notifications (`notificationsAsk`).
 */
export function withCounts(ctx: PageContext, counts: UnreadCounts): PageContext {
  counted.add(ctx);
  ctx.unreadMessages = counts.messages;
  if (counts.notifications !== null) ctx.unreadNotifications = counts.notifications;
  return ctx;
}
