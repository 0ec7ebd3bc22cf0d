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
import { messageReader, unreadCount } from '../domain/messages/service.js';
import { unreadCount as unreadNotifications } from '../domain/notifications/list.js';
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
 * The page context of a request, with the app's own settings: what every route renders with.
 * `unreadMessages: false` leaves out the header's count of unread messages (a statement): for a form
 * that usually answers with a redirect, which then adds it only when it shows a page (withUnreadMessages).
 */
export async function contextFor(app: ContextApp, request: FastifyRequest, options: { unreadMessages?: boolean } = {}): Promise<PageContext> {
  const { services } = app;
  const ctx = await pageContext(request, services.districts, { assetVersion: services.assetVersion, demoMode: services.config.demoMode });
  const account = request.session?.account;
  if (account && (account.person_kind === 'guardian' || account.person_kind === 'student')) {
    // Asked on every page: a link whose rights were revoked disappears at once, sessions included.
    const today = localDate(services.now(), ctx.district.timeZone);
    const students = await studentsReadableBy(services.database.db, account, adultCutoff(ctx.district.settings, today));
    const chosen = Number(request.cookies[STUDENT_COOKIE]);
    ctx.students = students;
    const current = students.find((s) => s.id === chosen) ?? students[0];
    if (current) ctx.student = current;
    // The header's bell (issue 22): unread entries about the students shown, and the account's own.
    ctx.unreadNotifications = await unreadNotifications(services.database.db, account.id, students);
  }
  return options.unreadMessages === false ? ctx : withUnreadMessages(app, request, ctx);
}

/** Contexts whose unread count was asked for. */
const counted = new WeakSet<PageContext>();

/** A context with the header's count of unread messages, asked once: families see Messages unless the district turned it off; staff always (their replies). */
export async function withUnreadMessages(app: ContextApp, request: FastifyRequest, ctx: PageContext): Promise<PageContext> {
  const { services } = app;
  const account = request.session?.account;
  if (counted.has(ctx)) return ctx;
  counted.add(ctx);
  if (account && (account.person_kind === 'staff' || ctx.district.settings.tools.messages)) {
    const db = services.database.db;
    const reader = await messageReader(db, account, adultCutoff(ctx.district.settings, localDate(services.now(), ctx.district.timeZone)), ctx.students ?? []);
    if (reader) ctx.unreadMessages = await unreadCount(db, reader);
  }
  return ctx;
}
