/** Queries for the district, its schools and its announcements. */
import type { Kysely } from 'kysely';
import type { DateString, DB } from '../../db/schema.js';

export function findDistrict(db: Kysely<DB>) {
  return db.selectFrom('district').selectAll().orderBy('id').limit(1).executeTakeFirst();
}

/** Public, district-wide announcements whose dates include `today`, newest first, with all their texts. */
export async function findPublicAnnouncements(db: Kysely<DB>, today: DateString) {
  const rows = await db
    .selectFrom('announcements as a')
    .innerJoin('announcement_texts as t', 't.announcement_id', 'a.id')
    .select(['a.id', 'a.start_date', 'a.end_date', 't.locale', 't.title', 't.body'])
    .where('a.public', '=', 1)
    .where('a.school_id', 'is', null)
    .where('a.start_date', '<=', today)
    .where('a.end_date', '>=', today)
    .orderBy('a.start_date', 'desc')
    .orderBy('a.id', 'desc')
    .execute();
  return rows;
}
