import type { ReadableStudent } from '../../domain/access/portal.js';
import type { DistrictProfile } from '../../domain/district/service.js';
import type { VisibleStudent } from '../../domain/people/visibility.js';
import type { Locale, Translate } from '../../i18n/index.js';

/** What every page needs to render: the reader's language, the district, and where we are. */
export interface PageContext {
  locale: Locale;
  t: Translate;
  district: DistrictProfile;
  /** the request's path with its query, for the language switch to come back to */
  path: string;
  /** cache-busting version of the stylesheet */
  assetVersion: string;
  demoMode: boolean;
  /** the CSRF token every form must send back as `_csrf` */
  csrf: string;
  /** who is signed in, for the header */
  account: { name: string; username: string; kind: 'student' | 'guardian' | 'staff'; office: boolean; districtAdmin: boolean } | null;
  /** the students a signed-in student or guardian sees (the switcher), and the one chosen now */
  students?: ReadableStudent[];
  student?: VisibleStudent;
  /** the signed-in person's unread messages (the header's count); undefined where Messages is not shown */
  unreadMessages?: number;
  /** a signed-in student's or guardian's unread notifications (the header's bell) */
  unreadNotifications?: number;
}
