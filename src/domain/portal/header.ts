/**
 * The counts in every signed-in page's header: a family member's unread notifications (the bell, about
 * the students they may see now and their own account) and the reader's unread messages. Both are asked
 * in one statement, each an uncorrelated subquery — the same queries that count them alone — so a page
 * costs one round trip for its header instead of two (ADR 0058). Nothing is cached: a count is exact at
 * the next page after a message or a notification is read or marked unread.
 */
import { sql, type Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import { unreadQuery as unreadMessagesQuery, type MessageReader, type UnreadNotificationsOf } from '../messages/service.js';
import { unreadQuery as unreadNotificationsQuery } from '../notifications/list.js';

/** The counts asked for (null: not that one), in one statement; nothing is asked when neither is. */
export async function headerCounts(
  db: Kysely<DB>,
  ask: { messages: MessageReader | null; notifications: UnreadNotificationsOf | null },
): Promise<{ messages: number | null; notifications: number | null }> {
  const { messages, notifications } = ask;
  if (!messages && !notifications) return { messages: null, notifications: null };
  const row = await db
    .selectNoFrom([
      messages ? unreadMessagesQuery(db, messages).as('messages') : sql<null>`null`.as('messages'),
      notifications ? unreadNotificationsQuery(db, notifications.accountId, notifications.readable).as('notifications') : sql<null>`null`.as('notifications'),
    ])
    .executeTakeFirstOrThrow();
  return { messages: messages ? Number(row.messages) : null, notifications: notifications ? Number(row.notifications) : null };
}
