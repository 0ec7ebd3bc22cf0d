/**
 * The prefix of every signed-in request, in one statement (ADR 0070): the session by its token with its
 * account, and for a student or guardian the students they may read now and the header's counts (their
 * unread notifications, their unread messages). Each part is its own module's query, built into the
 * session's statement as a correlated subquery of its account `a`: the session and account from
 * accounts/repository.ts, the readable students from access/portal.ts (which alone makes their proofs),
 * the counts from notifications/list.ts and messages/service.ts. Every rule of a session (its ends, the
 * account's status, the sliding refresh written only when due) is accounts/sessions.ts's, decided on
 * what this statement read; what came with an ended session is dropped.
 */
import { PostgresAdapter, sql, type Kysely } from 'kysely';
import { jsonArrayFrom as jsonArrayFromPostgres } from 'kysely/helpers/postgres';
import { jsonArrayFrom as jsonArrayFromSqlite } from 'kysely/helpers/sqlite';
import { prepared } from '../../db/prepared.js';
import type { DB } from '../../db/schema.js';
import { readableFromRows, readableToAccountQuery, type ReadableStudent } from '../access/portal.js';
import { sessionOfRow, sessionWithAccountQuery } from '../accounts/repository.js';
import { resumeSessionWith, type CurrentSession, type SessionSettings } from '../accounts/sessions.js';
import { unreadQueryOf as unreadMessagesOf } from '../messages/service.js';
import { unreadQueryOf as unreadNotificationsOf } from '../notifications/list.js';
import type { VisibleRow } from '../people/visibility.js';

/** Which of the header's counts to ask with the session: none (a form), the bell only (Messages off), or both. */
export type PrefixCounts = 'none' | 'notifications' | 'both';

/** What a student's or guardian's request learned with its session. */
export interface PortalPrefix {
  /** the students they may read now, in access/portal.ts's order, for this cutoff */
  readable: ReadableStudent[];
  adultBornOnOrBefore: string | null;
  /** unread notifications (the bell); null when not asked */
  notifications: number | null;
  /** unread messages; null when not asked, or when it cannot be counted here (messageReader then counts it) */
  messages: number | null;
}

/** The statement: the session and account, the readable students (a JSON array), the counts asked. */
function build(db: Kysely<DB>, id: string, adultBornOnOrBefore: string | null, counts: PrefixCounts) {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter;
  const rows = readableToAccountQuery(db, { adultBornOnOrBefore, ids: false });
  const ids = () => readableToAccountQuery(db, { adultBornOnOrBefore, ids: true });
  return sessionWithAccountQuery(db, id)
    .select((pg ? jsonArrayFromPostgres(rows) : jsonArrayFromSqlite(rows)).$castTo<unknown>().as('prefix_students'))
    .$if(counts !== 'none', (q) => q.select(unreadNotificationsOf(db, { accountId: sql.ref<number>('a.id'), studentIds: ids() }).as('prefix_notifications')))
    .$if(counts === 'both', (q) =>
      q.select(
        unreadMessagesOf(db, {
          kind: sql.ref<string>('a.person_kind'),
          personId: sql<number>`case ${sql.ref('a.person_kind')} when 'student' then ${sql.ref('a.student_id')} when 'guardian' then ${sql.ref('a.guardian_id')} end`,
          students: ids(),
        }).as('prefix_messages'),
      ),
    );
}

type PrefixRow = { prefix_students: unknown; prefix_notifications?: unknown; prefix_messages?: unknown } & Parameters<typeof sessionOfRow>[0];
type Statement = (db: Kysely<DB>, id: string, adultBornOnOrBefore: string | null) => Promise<PrefixRow[]>;

/** The statement of each shape (with a cutoff date or without; which counts), built once. */
const statements = new Map<string, Statement>();
function statementOf(cutoff: boolean, counts: PrefixCounts): Statement {
  const key = `${cutoff}:${counts}`;
  let statement = statements.get(key);
  if (!statement) {
    if (cutoff) {
      const query = prepared((db, p: { id: string; bornAfter: string }) => build(db, p.id, p.bornAfter, counts));
      statement = (db, id, bornAfter) => query(db, { id, bornAfter: bornAfter! }) as Promise<PrefixRow[]>;
    } else {
      const query = prepared((db, p: { id: string }) => build(db, p.id, null, counts));
      statement = (db, id) => query(db, { id }) as Promise<PrefixRow[]>;
    }
    statements.set(key, statement);
  }
  return statement;
}

/**
 * The session of a cookie's token (accounts/sessions.ts's resumeSession, same rules) and, for a student or
 * guardian, what every portal page asks next, in the same statement: `portal` is null for other accounts.
 * The unread messages are counted here except for a guardian where the district ends access at 18 (whose
 * messages also reach them through adult students' consent: messages/adult.ts): null then.
 */
export async function resumePortalSession(
  db: Kysely<DB>,
  token: string,
  settings: SessionSettings,
  now: Date,
  ask: { adultBornOnOrBefore: string | null; counts: PrefixCounts },
): Promise<{ session: CurrentSession; portal: PortalPrefix | null } | null> {
  const statement = statementOf(ask.adultBornOnOrBefore !== null, ask.counts);
  const resumed = await resumeSessionWith(db, token, settings, now, async (id) => {
    const [row] = await statement(db, id, ask.adultBornOnOrBefore);
    if (!row) return undefined;
    const { prefix_students, prefix_notifications, prefix_messages, ...rest } = row;
    return { ...sessionOfRow(rest), also: { students: prefix_students, notifications: prefix_notifications, messages: prefix_messages } };
  });
  if (!resumed) return null;
  const { session, also } = resumed;
  const kind = session.account.person_kind;
  if (kind !== 'student' && kind !== 'guardian') return { session, portal: null };
  const students = (typeof also.students === 'string' ? JSON.parse(also.students) : also.students) as VisibleRow[];
  const personId = kind === 'student' ? session.account.student_id : session.account.guardian_id;
  const messagesHere = ask.counts === 'both' && personId !== null && !(kind === 'guardian' && ask.adultBornOnOrBefore !== null);
  return {
    session,
    portal: {
      readable: readableFromRows(students),
      adultBornOnOrBefore: ask.adultBornOnOrBefore,
      notifications: ask.counts === 'none' ? null : Number(also.notifications),
      messages: messagesHere ? Number(also.messages) : null,
    },
  };
}
