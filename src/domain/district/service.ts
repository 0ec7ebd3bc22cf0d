/**
 * What the portal shows about the district before anyone signs in: its identity and branding, its
 * current District Announcements, its Portal Resources and, in a demo district, the demo accounts.
 */
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import type { Locale } from '../../i18n/index.js';
import { localDate } from '../calendar/dates.js';
import { findDistrict, findPublicAnnouncements } from './repository.js';
import { parsePortalSettings, type PortalSettings } from './settings.js';

export interface DistrictProfile {
  name: string;
  shortName: string;
  portalName: string;
  timeZone: string;
  locale: string;
  colors: { primary: string; secondary: string };
  helpEmail: string | null;
  websiteUrl: string | null;
  settings: PortalSettings;
}

export class NoDistrictError extends Error {
  constructor() {
    super('The database has no district yet. Run `homeroom demo` for a demo district, or import one.');
    this.name = 'NoDistrictError';
  }
}

export async function getDistrictProfile(db: Kysely<DB>): Promise<DistrictProfile> {
  const d = await findDistrict(db);
  if (!d) throw new NoDistrictError();
  return {
    name: d.name,
    shortName: d.short_name,
    portalName: d.portal_name,
    timeZone: d.time_zone,
    locale: d.locale,
    colors: { primary: d.color_primary, secondary: d.color_secondary },
    helpEmail: d.help_email,
    websiteUrl: d.website_url,
    settings: parsePortalSettings(d.settings),
  };
}

export interface Announcement {
  id: number;
  title: string;
  body: string;
  /** the language the text is in: the reader's when there is a translation */
  locale: string;
  startDate: string;
}

/**
 * The public District Announcements current on the district's local date at `now`, in the reader's
 * language where a translation exists, else in the district's language.
 */
export async function currentPublicAnnouncements(
  db: Kysely<DB>,
  district: Pick<DistrictProfile, 'timeZone' | 'locale'>,
  locale: Locale,
  now: Date,
): Promise<Announcement[]> {
  const rows = await findPublicAnnouncements(db, localDate(now, district.timeZone));
  const byId = new Map<number, Announcement>();
  for (const row of rows) {
    const seen = byId.get(row.id);
    const better =
      !seen ||
      (row.locale === locale && seen.locale !== locale) ||
      (seen.locale !== locale && seen.locale !== district.locale && row.locale === district.locale);
    if (better) {
      byId.set(row.id, { id: row.id, title: row.title, body: row.body, locale: row.locale, startDate: row.start_date });
    }
  }
  return [...byId.values()];
}
