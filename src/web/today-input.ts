/** What Today is read with for a page: the district's date and time now, the reader's language and audience. */
import type { ReadableStudent } from '../domain/access/portal.js';
import { localDate, localTime } from '../domain/calendar/dates.js';
import type { PageContext } from './views/context.js';

export function todayInput(ctx: PageContext, now: Date, student: ReadableStudent, reader: { person_kind: string; security_email_confirmed_at: string | null }) {
  return {
    student,
    date: localDate(now, ctx.district.timeZone),
    time: localTime(now, ctx.district.timeZone),
    locale: ctx.locale,
    districtLocale: ctx.district.locale,
    audience: reader.person_kind === 'student' ? ('students' as const) : ('guardians' as const),
    securityEmailConfirmed: reader.security_email_confirmed_at !== null,
  };
}
