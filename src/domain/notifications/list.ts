/**
 * A person's in-app list: their notifications about the students they may see now (a link whose rights
 * ended hides its entries at once) and about their own account, newest first; read and unread.
 */
import type { Expression, Kysely, SelectQueryBuilder } from 'kysely';
import type { DB } from '../../db/schema.js';
import type { Locale } from '../../i18n/index.js';
import type { ReadableStudent } from '../access/portal.js';
import { notificationText } from './decide.js';

export const LIST_LENGTH = 100;

export interface NotificationEntry {
  id: number;
  title: string;
  body: string;
  url: string;
  createdAt: string;
  read: boolean;
}

/** Whose entries: an account's id, and the ids of the students it may see now (or a subquery of them). */
type Whose = { accountId: number | Expression<number>; studentIds: readonly number[] | SelectQueryBuilder<DB, any, { id: number }> };

const visibleOf = (db: Kysely<DB>, whose: Whose) =>
  db
    .selectFrom('notifications')
    .where('account_id', '=', whose.accountId)
    .where((eb) => {
      const ids = whose.studentIds;
      if (!Array.isArray(ids)) return eb.or([eb('student_id', 'is', null), eb('student_id', 'in', ids as SelectQueryBuilder<DB, any, { id: number }>)]);
      return ids.length > 0 ? eb.or([eb('student_id', 'is', null), eb('student_id', 'in', ids)]) : eb('student_id', 'is', null);
    });

const visible = (db: Kysely<DB>, accountId: number, readable: readonly ReadableStudent[]) => visibleOf(db, { accountId, studentIds: readable.map((s) => s.id) });

export async function notificationsOf(db: Kysely<DB>, accountId: number, readable: readonly ReadableStudent[], locale: Locale): Promise<NotificationEntry[]> {
  const rows = await visible(db, accountId, readable).select(['id', 'kind', 'params', 'url', 'created_at', 'read_at']).orderBy('id', 'desc').limit(LIST_LENGTH).execute();
  return rows.map((r) => {
    const text = notificationText(locale, r.kind, JSON.parse(r.params) as Record<string, string | number>);
    return { id: r.id, ...text, url: r.url, createdAt: new Date(r.created_at).toISOString(), read: r.read_at !== null };
  });
}

/** The count of the reader's unread entries, as a query: a subquery of the header's counts (domain/portal/header.ts, ADR 0058). */
export function unreadQuery(db: Kysely<DB>, accountId: number, readable: readonly ReadableStudent[]) {
  return unreadQueryOf(db, { accountId, studentIds: readable.map((s) => s.id) });
}

/**
 * unreadQuery for an account and its readable students given as expressions of an enclosing query (its
 * account's id; a subquery of the ids, access/portal.ts's readableToAccountQuery): domain/portal/prefix.ts.
 */
export function unreadQueryOf(db: Kysely<DB>, whose: Whose) {
  return visibleOf(db, whose).where('read_at', 'is', null).select((eb) => eb.fn.countAll<number>().as('n'));
}

/** Marks one entry read (only the reader's own, about a student they may see); its page, or null. */
export async function markRead(db: Kysely<DB>, accountId: number, id: number, readable: readonly ReadableStudent[], now: Date): Promise<string | null> {
  const row = await visible(db, accountId, readable).where('id', '=', id).select(['url', 'read_at']).executeTakeFirst();
  if (!row) return null;
  if (row.read_at === null) await db.updateTable('notifications').set({ read_at: now.toISOString() }).where('id', '=', id).where('account_id', '=', accountId).execute();
  return row.url;
}

export async function markAllRead(db: Kysely<DB>, accountId: number, now: Date): Promise<void> {
  await db.updateTable('notifications').set({ read_at: now.toISOString() }).where('account_id', '=', accountId).where('read_at', 'is', null).execute();
}
