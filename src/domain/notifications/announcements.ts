/**
 * A new announcement (issue 22, ADR 0049): when an announcement of a school or of the district becomes
 * visible to families — its start day arrives in the district's time zone, or it is published to start
 * today (or on a day already past) — the students and guardians who read it are told once, through
 * notifications/direct.ts (their channels, quiet hours, digest and time zone), in their language: the
 * entry keeps the title in English and Spanish and each reader reads theirs, or the other when theirs
 * is empty (localized.ts). Checked at every notifications run (every minute).
 *
 * Who reads it, as Today and the Message Center show it: a school's announcement, the school's active
 * students (their own accounts) and the guardians with a portal link to one of them (the district's end
 * of access at 18 included); a district announcement, every active student and such guardian; its
 * audience (students or guardians only) and its condition (only readers without a confirmed security
 * email) as the pages apply them. An announcement for the sign-in page only tells nobody; nor does one
 * for staff. The entry is about no one student (it concerns the school), so the rights are asked here.
 *
 * Exactly once: the announcement is marked told (`notification_announcements`) in the transaction that
 * writes its entries and deliveries; the mark is claimed first, so a second worker finds it taken (on
 * PostgreSQL it waits for the first one's commit and then adds nothing), and a worker killed before the
 * commit leaves neither. An announcement changed after it was told is not told again.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../../db/connect.js';
import type { DB } from '../../db/schema.js';
import { portalLinks } from '../access/guardian-links.js';
import { localDate } from '../calendar/dates.js';
import { getDistrictProfile, type DistrictProfile } from '../district/service.js';
import { adultCutoff } from '../district/settings.js';
import { notifyDirect, type Audience } from './direct.js';
import { bothLanguages } from './localized.js';

/** Tells every announcement that has become visible and was not told yet; returns the entries written. */
export async function notifyAnnouncements(database: Database, now: Date): Promise<{ announcements: number; notifications: number }> {
  const db = database.db;
  const untold = () => db.selectFrom('announcements as a').leftJoin('notification_announcements as na', 'na.announcement_id', 'a.id').select('a.id').where('na.announcement_id', 'is', null);
  // Most minutes there is nothing to tell (and a database without a district yet has no announcement).
  if (!(await untold().limit(1).executeTakeFirst())) return { announcements: 0, notifications: 0 };
  const district = await getDistrictProfile(db);
  const today = localDate(now, district.timeZone);
  const due = await untold().where('a.start_date', '<=', today).where('a.end_date', '>=', today).orderBy('a.id').execute();
  let announcements = 0;
  let notifications = 0;
  for (const { id } of due) {
    const told = await db.transaction().execute((trx) => tellAnnouncement(trx, id, district, today, now));
    if (told === null) continue;
    announcements++;
    notifications += told;
  }
  return { announcements, notifications };
}

/** One announcement told, in the caller's transaction: the entries written, or null when another run had it. */
async function tellAnnouncement(trx: Kysely<DB>, id: number, district: DistrictProfile, today: string, now: Date): Promise<number | null> {
  const claimed = await trx
    .insertInto('notification_announcements')
    .values({ announcement_id: id, notified_at: now.toISOString(), recipients: 0 })
    .onConflict((oc) => oc.column('announcement_id').doNothing())
    .returning('announcement_id')
    .executeTakeFirst();
  if (!claimed) return null;
  const a = await trx
    .selectFrom('announcements as a')
    .leftJoin('schools as s', 's.id', 'a.school_id')
    .select(['a.school_id', 'a.audience', 'a.public', 'a.condition', 's.name as school'])
    .where('a.id', '=', id)
    .executeTakeFirst();
  // Gone since it was listed, for the sign-in page only, or for staff: marked, nobody told.
  if (!a || a.public === 1 || a.audience === 'staff') return 0;
  const texts = await trx.selectFrom('announcement_texts').select(['locale', 'title']).where('announcement_id', '=', id).execute();
  const titleIn = (locale: string) => texts.find((t) => t.locale === locale)?.title ?? '';
  const cutoff = adultCutoff(district.settings, today);
  const none = sql<number | null>`cast(null as integer)`.as('student_id');
  const students = trx
    .selectFrom('students as st')
    .select('st.id')
    .where('st.enrollment_status', '=', 'active')
    .$if(a.school_id !== null, (q) => q.where('st.school_id', '=', a.school_id!));
  // "Only readers without a confirmed security email" (the seed's reminder to set one).
  const unconfirmed = a.condition === 'noSecurityEmail';
  const readers = (kind: 'student' | 'guardian') =>
    trx
      .selectFrom('user_accounts as ua')
      .select(['ua.id as account_id', none])
      .where('ua.person_kind', '=', kind)
      .$if(unconfirmed, (q) => q.where((eb) => eb.or([eb('ua.security_email', 'is', null), eb('ua.security_email_confirmed_at', 'is', null)])));
  const ownAccounts = readers('student').where('ua.student_id', 'in', students);
  const guardianAccounts = readers('guardian').where(
    'ua.guardian_id',
    'in',
    portalLinks(trx)
      .innerJoin('students as sc', 'sc.id', 'sg.student_id')
      .select('sg.guardian_id')
      .where('sg.student_id', 'in', students)
      .$if(cutoff !== null, (q) => q.where('sc.birth_date', '>', cutoff!)),
  );
  const audience: Audience = a.audience === 'students' ? ownAccounts : a.audience === 'guardians' ? guardianAccounts : ownAccounts.union(guardianAccounts);
  const written = await notifyDirect(
    trx,
    audience,
    {
      kind: 'announcement',
      source: String(id),
      params: { ...bothLanguages('title', { en: titleIn('en'), es: titleIn('es') }), from: a.school ?? district.name },
      // The Message Center lists current announcements; one aimed at a condition shows on Today (Home leads there).
      url: unconfirmed ? '/home' : '/messages',
    },
    now,
  );
  await trx.updateTable('notification_announcements').set({ recipients: written }).where('announcement_id', '=', id).execute();
  return written;
}
