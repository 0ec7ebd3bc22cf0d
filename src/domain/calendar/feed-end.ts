/**
 * Ending an account's calendar feed. Kept apart from portal/calendar-feed.ts: accounts/ ends feeds
 * (password changes, resets, "sign out everywhere") and the feed uses accounts/ (its mail and tokens),
 * so this file imports neither and accounts/ never imports the feed.
 */
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';

/**
 * Ends the account's feed: a password change or reset does this, so an address made by someone who had
 * the old password stops working with it, and so does "sign out everywhere". True when there was one.
 */
export async function endFeedOf(db: Kysely<DB>, accountId: number): Promise<boolean> {
  const result = await db.deleteFrom('calendar_feeds').where('account_id', '=', accountId).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}
