/** Queries for accounts, their sessions, throttle counters and tokens. */
import { PostgresAdapter, sql, type Kysely, type QueryCreator } from 'kysely';
import { insertAudit, type AuditRow } from '../audit/repository.js';
import { prepared } from '../../db/prepared.js';
import { writeUnlessBusy } from '../../db/connect.js';
import { isDistrictAdmin, isOfficeStaff, OFFICE_ROLES, officeScopes } from '../access/staff.js';
import type { DB, Instant, TokenPurpose } from '../../db/schema.js';

/**
 * An account with the names of the person it belongs to. The person's columns are scalar subqueries
 * (each one primary-key probe) rather than joins: with joins, PostgreSQL's planner sometimes merged the
 * account with a scan of every guardian in id order when its statistics of user_accounts were stale
 * (seen after a batch of new accounts: 21 ms instead of 0.1 ms for every signed-in request).
 */
export function accountsWithPerson(db: Kysely<DB>) {
  return db.selectFrom('user_accounts as a').select((eb) => {
    const student = () => eb.selectFrom('students as s').whereRef('s.id', '=', 'a.student_id');
    const guardian = () => eb.selectFrom('guardians as g').whereRef('g.id', '=', 'a.guardian_id');
    const staff = () => eb.selectFrom('staff as t').whereRef('t.id', '=', 'a.staff_id');
    return [
      'a.id',
      'a.username',
      'a.username_key',
      'a.password_hash',
      'a.status',
      'a.must_change_password',
      'a.security_email',
      'a.security_email_confirmed_at',
      'a.person_kind',
      'a.student_id',
      'a.guardian_id',
      'a.staff_id',
      'a.locale',
      'a.pin_hash',
      'a.security_setup_skipped_at',
      'a.initial_password',
      'a.initial_password_set_at',
      'a.initial_password_used_at',
      'a.created_at',
      student().select('s.student_number').as('student_number'),
      student().select('s.birth_date').as('birth_date'),
      eb.fn
        .coalesce(
          student().select((e) => e.fn.coalesce('s.preferred_first_name', 's.legal_first_name').as('n')),
          guardian().select('g.first_name'),
          staff().select('t.first_name'),
        )
        .as('first_name'),
      eb.fn.coalesce(student().select('s.legal_last_name'), guardian().select('g.last_name'), staff().select('t.last_name')).as('last_name'),
      guardian().select('g.preferred_language').as('guardian_language'),
    ];
  });
}

type PersonRow = NonNullable<Awaited<ReturnType<ReturnType<typeof accountsWithPerson>['executeTakeFirst']>>>;

/** An account with its person's names and, for staff, whether they do office work or run the district (0/1). */
export type AccountRow = PersonRow & { is_office: number; is_district_admin: number };

/**
 * Office staff and administrators issue activation keys; district administrators run the district.
 * Asked only for staff accounts, in one query, so a family's page costs nothing here.
 */
async function withStaffFlags(db: Kysely<DB>, rows: PersonRow[]): Promise<AccountRow[]> {
  const scopes = await officeScopes(db, rows.map((r) => r.staff_id).filter((id): id is number => id !== null));
  return rows.map((r) => {
    const scope = r.staff_id === null ? undefined : scopes.get(r.staff_id);
    return { ...r, is_office: scope && isOfficeStaff(scope) ? 1 : 0, is_district_admin: scope && isDistrictAdmin(scope) ? 1 : 0 };
  });
}

// Asked at every sign-in (a username is one key, or two when it has capitals): built once.
const accountsByOneKey = prepared((db, p: { a: string }) => accountsWithPerson(db).where('a.username_key', '=', p.a));
const accountsByTwoKeys = prepared((db, p: { a: string; b: string }) => accountsWithPerson(db).where('a.username_key', 'in', [p.a, p.b]));

export async function findAccountByKeys(db: Kysely<DB>, keys: string[]): Promise<AccountRow[]> {
  const [a, b, ...more] = keys;
  const rows =
    a === undefined
      ? []
      : b === undefined
        ? await accountsByOneKey(db, { a })
        : more.length === 0
          ? await accountsByTwoKeys(db, { a, b })
          : await accountsWithPerson(db).where('a.username_key', 'in', keys).execute();
  return withStaffFlags(db, rows);
}

export async function findAccountById(db: Kysely<DB>, id: number): Promise<AccountRow | undefined> {
  const row = await accountsWithPerson(db).where('a.id', '=', id).executeTakeFirst();
  return row ? (await withStaffFlags(db, [row]))[0] : undefined;
}

const officeRoles = sql.join(OFFICE_ROLES.map((r) => sql.lit(r)));

/**
 * A session and its account by the session's id, staff flags included: what every signed-in request asks
 * first. The account is `a` in it, so a caller may select more about the account in the same statement
 * (domain/portal/prefix.ts); `sessionOfRow` takes the session and the account apart again.
 */
export function sessionWithAccountQuery(db: Kysely<DB>, id: string) {
  return (
    accountsWithPerson(db)
      .innerJoin('sessions as se', 'se.account_id', 'a.id')
      .select(['se.created_at as session_created_at', 'se.last_seen_at as session_last_seen_at', 'se.expires_at as session_expires_at', 'se.persistent as session_persistent'])
      // The staff flags of withStaffFlags (isOfficeStaff, isDistrictAdmin of the office scope), asked in
      // the same statement: a staff member's every request one round trip fewer.
      .select([
        sql<number>`case when exists (select 1 from staff_roles r where r.staff_id = a.staff_id and r.role in (${officeRoles}) and (r.role = 'district_admin' or r.school_id is not null)) then 1 else 0 end`.as('is_office'),
        sql<number>`case when exists (select 1 from staff_roles r where r.staff_id = a.staff_id and r.role = 'district_admin') then 1 else 0 end`.as('is_district_admin'),
      ])
      .where('se.id', '=', id)
  );
}

type SessionWithAccountRow = NonNullable<Awaited<ReturnType<ReturnType<typeof sessionWithAccountQuery>['executeTakeFirst']>>>;

/** The session's times and its account (flags as numbers) from a row of sessionWithAccountQuery; the rest of the row as `rest`. */
export function sessionOfRow<R extends SessionWithAccountRow>(row: R) {
  const { session_created_at, session_last_seen_at, session_expires_at, session_persistent, ...account } = row;
  return {
    session: { created_at: session_created_at, last_seen_at: session_last_seen_at, expires_at: session_expires_at, persistent: session_persistent },
    account: { ...account, is_office: Number(account.is_office), is_district_admin: Number(account.is_district_admin) },
  };
}

const sessionWithAccount = prepared((db, p: { id: string }) => sessionWithAccountQuery(db, p.id));

/** A session and its account, staff flags included, in one query built once: what every signed-in request asks first. */
export async function findSessionWithAccount(db: Kysely<DB>, id: string) {
  const [row] = await sessionWithAccount(db, { id });
  if (!row) return undefined;
  const { session, account } = sessionOfRow(row);
  return { session, account: account satisfies AccountRow };
}

export async function setPassword(db: Kysely<DB>, accountId: number, hash: string, now: Instant, actor: number | null) {
  await db
    .updateTable('user_accounts')
    // A password the holder chose: the district's first password is gone with its rules.
    .set({
      password_hash: hash,
      must_change_password: 0,
      initial_password: null,
      initial_password_set_at: null,
      initial_password_used_at: null,
      password_changed_at: now,
      updated_at: now,
      updated_by: actor,
    })
    .where('id', '=', accountId)
    .execute();
}

export async function rehash(db: Kysely<DB>, accountId: number, hash: string) {
  await db.updateTable('user_accounts').set({ password_hash: hash }).where('id', '=', accountId).execute();
}

/** The language the person chose in the portal: pages and emails use it from then on. */
export async function setAccountLocale(db: Kysely<DB>, accountId: number, locale: string) {
  await db.updateTable('user_accounts').set({ locale }).where('id', '=', accountId).execute();
}

export async function setSecurityEmail(db: Kysely<DB>, accountId: number, email: string, now: Instant) {
  await db
    .updateTable('user_accounts')
    .set({ security_email: email, security_email_confirmed_at: now, updated_at: now, updated_by: accountId })
    .where('id', '=', accountId)
    .execute();
}

export async function markSecuritySetupSkipped(db: Kysely<DB>, accountId: number, now: Instant) {
  await db.updateTable('user_accounts').set({ security_setup_skipped_at: now }).where('id', '=', accountId).execute();
}

/** Active accounts whose confirmed security email is this address. */
export function findAccountsByConfirmedEmail(db: Kysely<DB>, email: string) {
  return accountsWithPerson(db)
    .where('a.security_email', '=', email)
    .where('a.security_email_confirmed_at', 'is not', null)
    .where('a.status', '=', 'active')
    .orderBy('a.id')
    .execute();
}

// ── sessions ──────────────────────────────────────────────────────────────────────────────────────

export async function insertSession(db: Kysely<DB>, row: SessionRow) {
  await sessionInsert(db, row);
}

export type SessionRow = { id: string; account_id: number; created_at: Instant; last_seen_at: Instant; expires_at: Instant; persistent: 0 | 1; ip: string | null; user_agent: string | null };
const sessionInsert = prepared((db, row: SessionRow) => db.insertInto('sessions').values(row));
const sessionDelete = prepared((db, p: { id: string }) => db.deleteFrom('sessions').where('id', '=', p.id));

/**
 * A sign-in's writes, all or none: the browser's previous session ended (if it had one), the audit row,
 * the new session. On PostgreSQL they are one statement (data-modifying WITH clauses; a statement is
 * atomic by itself), one round trip instead of five with BEGIN and COMMIT; SQLite has no such
 * statement and no round trips, so there it is one transaction.
 *
 * Two statements on PostgreSQL, with and without the end of a previous session, rather than one
 * that deletes `where id = NULL`: PostgreSQL plans a prepared statement once for all values after its
 * fifth run, and for that statement it chose to read the whole sessions table, cheaper than the index
 * while the table was a few rows, then kept that plan while the table grew (measured in a sign-in
 * storm: a scan of every session at every sign-in). Now a sign-in with no session to end runs no
 * delete; the one that ends a session can be planned the same way, and is covered by the connections'
 * lifetime (connect.ts).
 */
export async function recordSignIn(db: Kysely<DB>, writes: { audit: AuditRow; session: SessionRow; replaces: string | null }): Promise<void> {
  const { audit, session, replaces } = writes;
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    const values = {
      ...Object.fromEntries(Object.entries(audit).map(([k, v]) => [`audit_${k}`, v])),
      ...Object.fromEntries(Object.entries(session).map(([k, v]) => [`session_${k}`, v])),
    } as SignInValues;
    await (replaces ? signInReplacing(db, { ...values, replaces }) : signInFresh(db, values));
    return;
  }
  await db.transaction().execute(async (trx) => {
    if (replaces) await sessionDelete(trx, { id: replaces });
    await insertAudit(trx, audit);
    await sessionInsert(trx, session);
  });
}

type Prefixed<T, P extends string> = { [K in keyof T & string as `${P}${K}`]: T[K] };
type SignInValues = Prefixed<AuditRow, 'audit_'> & Prefixed<SessionRow, 'session_'>;
/** The audit row and the new session, after whatever `start` puts before them. */
const signInWrites = (start: QueryCreator<DB>, p: SignInValues) =>
  start
    .with('logged', (q) =>
      q.insertInto('audit_log').values({
        at: p.audit_at,
        action: p.audit_action,
        actor_account_id: p.audit_actor_account_id,
        subject_type: p.audit_subject_type,
        subject_id: p.audit_subject_id,
        ip: p.audit_ip,
        details: p.audit_details,
      }),
    )
    .insertInto('sessions')
    .values({
      id: p.session_id,
      account_id: p.session_account_id,
      created_at: p.session_created_at,
      last_seen_at: p.session_last_seen_at,
      expires_at: p.session_expires_at,
      persistent: p.session_persistent,
      ip: p.session_ip,
      user_agent: p.session_user_agent,
    });
const signInFresh = prepared((db, p: SignInValues) => signInWrites(db, p));
const signInReplacing = prepared((db, p: SignInValues & { replaces: string }) =>
  // (the WITH clause adds `ended` to the tables it knows; the rest does not use it)
  signInWrites(db.with('ended', (q) => q.deleteFrom('sessions').where('id', '=', p.replaces)) as unknown as QueryCreator<DB>, p),
);

/** Refreshes a session's last-seen time; skipped, not waited for, while another write holds SQLite's lock (the next request does it). */
/**
 * A session's last-seen time, a write whose loss is harmless: never waited for. On SQLite it is skipped
 * while another connection holds the write lock (writeUnlessBusy); on PostgreSQL while another request
 * holds the session's row — several pages of one session asked at once after a minute's idleness (a
 * browser's parallel requests, a tab restoring) all wrote it, each waiting on the row lock of the one
 * before it: the inbox benchmark's p99 on PostgreSQL.
 */
export async function touchSession(db: Kysely<DB>, id: string, now: Instant) {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter;
  await writeUnlessBusy(db, (d) =>
    d
      .updateTable('sessions')
      .set({ last_seen_at: now })
      .where('id', '=', id)
      .$if(pg, (q) => q.where('id', 'in', (eb) => eb.selectFrom('sessions').select('id').where('id', '=', id).forUpdate().skipLocked()))
      .execute(),
  );
}

export async function deleteSession(db: Kysely<DB>, id: string) {
  await db.deleteFrom('sessions').where('id', '=', id).execute();
}

export async function deleteSessionsOf(db: Kysely<DB>, accountId: number, exceptId?: string) {
  let q = db.deleteFrom('sessions').where('account_id', '=', accountId);
  if (exceptId) q = q.where('id', '!=', exceptId);
  await q.execute();
}

export function listSessions(db: Kysely<DB>, accountId: number) {
  return db.selectFrom('sessions').selectAll().where('account_id', '=', accountId).orderBy('last_seen_at', 'desc').execute();
}

// ── throttle ──────────────────────────────────────────────────────────────────────────────────────

// Read at every sign-in, for the username and (usually) the address: built once per shape.
const throttleOfOne = prepared((db, p: { a: string }) => db.selectFrom('throttle').selectAll().where('key', '=', p.a));
const throttleOfTwo = prepared((db, p: { a: string; b: string }) => db.selectFrom('throttle').selectAll().where('key', 'in', [p.a, p.b]));

export function findThrottle(db: Kysely<DB>, keys: string[]) {
  const [a, b, ...more] = keys;
  if (a === undefined) return Promise.resolve([]);
  if (b === undefined) return throttleOfOne(db, { a });
  if (more.length === 0) return throttleOfTwo(db, { a, b });
  const [c] = more;
  if (more.length === 1 && c !== undefined) return throttleOfThree(db, { a, b, c });
  return db.selectFrom('throttle').selectAll().where('key', 'in', keys).execute();
}

const throttleOfThree = prepared((db, p: { a: string; b: string; c: string }) =>
  db.selectFrom('throttle').selectAll().where('key', 'in', [p.a, p.b, p.c]),
);

/**
 * One more to a key's count of failures in a row, counted by the database itself: failures that happen
 * at the same time all count (a read, then a write of the read value plus one, lost all but one of
 * them). For these counters `window_start` is the latest failure, so housekeeping ends a count only
 * after a day without one. The new count.
 */
export async function addFailure(db: Kysely<DB>, key: string, now: Instant): Promise<number> {
  const row = await db
    .insertInto('throttle')
    .values({ key, failures: 1, window_start: now, blocked_until: null })
    .onConflict((oc) => oc.column('key').doUpdateSet({ failures: sql<number>`throttle.failures + 1`, window_start: now }))
    .returning('failures')
    .executeTakeFirstOrThrow();
  return Number(row.failures);
}

/**
 * One more to a counter over a window of time, counted by the database itself: a window that began at
 * or before `restartIfBegunBy` is over, and the count starts again at 1 from now. The new count and
 * when its window began.
 */
export async function addToWindow(db: Kysely<DB>, key: string, now: Instant, restartIfBegunBy: Instant): Promise<{ count: number; windowStart: Instant }> {
  const over = sql<boolean>`throttle.window_start <= ${restartIfBegunBy}`;
  const row = await db
    .insertInto('throttle')
    .values({ key, failures: 1, window_start: now, blocked_until: null })
    .onConflict((oc) =>
      oc.column('key').doUpdateSet({
        failures: sql<number>`case when ${over} then 1 else throttle.failures + 1 end`,
        window_start: sql<Instant>`case when ${over} then ${now} else throttle.window_start end`,
        blocked_until: sql<Instant | null>`case when ${over} then null else throttle.blocked_until end`,
      }),
    )
    .returning(['failures', 'window_start'])
    .executeTakeFirstOrThrow();
  return { count: Number(row.failures), windowStart: row.window_start };
}

/** One less on a request counter (a request that turned out not to count). */
export async function takeBackOne(db: Kysely<DB>, key: string) {
  await db
    .updateTable('throttle')
    .set({ failures: sql<number>`failures - 1` })
    .where('key', '=', key)
    .where('failures', '>', 0)
    .execute();
}

/** A key waits until `until` (or longer, if it already did). */
export async function blockThrottle(db: Kysely<DB>, key: string, until: Instant) {
  await db
    .updateTable('throttle')
    .set({ blocked_until: until })
    .where('key', '=', key)
    .where((eb) => eb.or([eb('blocked_until', 'is', null), eb('blocked_until', '<', until)]))
    .execute();
}

export async function clearThrottle(db: Kysely<DB>, key: string) {
  await db.deleteFrom('throttle').where('key', '=', key).execute();
}

/** The address waiting for confirmation, if a confirmation link is still open. */
export async function pendingEmailOf(db: Kysely<DB>, accountId: number, now: Instant): Promise<string | null> {
  const row = await db
    .selectFrom('account_tokens')
    .select('email')
    .where('account_id', '=', accountId)
    .where('purpose', '=', 'confirm_email')
    .where('used_at', 'is', null)
    .where('expires_at', '>', now)
    .orderBy('id', 'desc')
    .executeTakeFirst();
  return row?.email ?? null;
}

// ── tokens ────────────────────────────────────────────────────────────────────────────────────────

export async function insertToken(
  db: Kysely<DB>,
  row: { account_id: number | null; purpose: TokenPurpose; token_hash: string; email: string | null; created_at: Instant; expires_at: Instant },
): Promise<number> {
  const { id } = await db.insertInto('account_tokens').values({ ...row, used_at: null }).returning('id').executeTakeFirstOrThrow();
  return id;
}

export function findToken(db: Kysely<DB>, purpose: TokenPurpose, tokenHash: string) {
  return db
    .selectFrom('account_tokens')
    .selectAll()
    .where('purpose', '=', purpose)
    .where('token_hash', '=', tokenHash)
    .executeTakeFirst();
}

/** Marks a token used; false if another request used it first. */
export async function useToken(db: Kysely<DB>, id: number, now: Instant): Promise<boolean> {
  const result = await db
    .updateTable('account_tokens')
    .set({ used_at: now })
    .where('id', '=', id)
    .where('used_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/**
 * Every outstanding token that changes how the account is recovered or reached ends now: reset links,
 * security-email confirmations, welcome links and emailed sign-in codes (all but `exceptId`, a link
 * written by the same change). What a password change, a reset, "sign out everywhere" and a staff
 * reset do, so that a link asked for by someone who once had the password dies with it.
 */
export async function endOutstandingTokens(db: Kysely<DB>, accountId: number, now: Instant, exceptId?: number) {
  let q = db.updateTable('account_tokens').set({ used_at: now }).where('account_id', '=', accountId).where('used_at', 'is', null);
  if (exceptId !== undefined) q = q.where('id', '!=', exceptId);
  await q.execute();
}

/** The first sign-in with a first password the district issued: true for the one request that marks it. */
export async function markInitialPasswordUsed(db: Kysely<DB>, accountId: number, now: Instant): Promise<boolean> {
  const result = await db
    .updateTable('user_accounts')
    .set({ initial_password_used_at: now })
    .where('id', '=', accountId)
    .where('initial_password', 'is not', null)
    .where('initial_password_used_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function expireTokensOf(db: Kysely<DB>, accountId: number, purpose: TokenPurpose, now: Instant) {
  await db
    .updateTable('account_tokens')
    .set({ used_at: now })
    .where('account_id', '=', accountId)
    .where('purpose', '=', purpose)
    .where('used_at', 'is', null)
    .execute();
}
