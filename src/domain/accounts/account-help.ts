/**
 * Office staff helping a student or parent who cannot sign in (the "Problems logging in?" that reaches
 * the school): find the account — a student by number, a parent by username — within the staff member's
 * schools, see why sign-in fails (a first password that ended, a lock, no recovery email), and act:
 * lift a sign-in lock, send a reset link to the confirmed security email, issue an Activation Key that
 * sets a new password (for a holder without one), or a new first password for a student
 * (first-passwords.ts). Staff never see or set a password (DESIGN.md); every action is audited.
 * An account outside the staff member's schools answers like one that does not exist.
 */
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import { portalLinks } from '../access/guardian-links.js';
import { audit } from '../audit/service.js';
import { mayActOnSchool, type OfficeScope } from '../access/staff.js';
import { normalizeStudentNumber, normalizeUsername } from './identity.js';
import { issueKeyForAccount } from './activation.js';
import { studentsWithFirstPasswords, type FirstPasswordLine } from './first-passwords.js';
import type { AccountMailDistrict } from './mail.js';
import { writeResetLink } from './recovery.js';
import { findAccountById } from './repository.js';
import { clearThrottleKey, LOCK_AFTER, userThrottleKey } from './throttle.js';

export interface AccountHelpStatus {
  accountId: number;
  kind: 'student' | 'guardian';
  name: string;
  username: string;
  /** a student's school, or the schools of a parent's students that the staff member serves */
  schools: string[];
  /** a student's */
  studentId: number | null;
  studentNumber: string | null;
  firstPassword: FirstPasswordLine | null;
  /** the username is locked (100 failures in a row) or slowed down until this instant (ISO) */
  waitUntil: string | null;
  locked: boolean;
  /** the confirmed security email, where a reset link can go */
  recoveryEmail: string | null;
}

/** The account (active) if it is a student of the staff member's schools, or a parent with portal access to one. */
async function accountInScope(db: Kysely<DB>, scope: OfficeScope, accountId: number) {
  const account = await db
    .selectFrom('user_accounts')
    .select(['id', 'username', 'person_kind', 'student_id', 'guardian_id', 'status'])
    .where('id', '=', accountId)
    .where('status', '=', 'active')
    .executeTakeFirst();
  if (!account || account.person_kind === 'staff') return null;
  const schools = await schoolsOf(db, account);
  const inScope = schools.filter((s) => mayActOnSchool(scope, s.id));
  return inScope.length > 0 ? { ...account, schools: inScope.map((s) => s.name) } : null;
}

/** The schools of a student, or of the students a parent has an active link with portal access to. */
async function schoolsOf(db: Kysely<DB>, account: { person_kind: string; student_id: number | null; guardian_id: number | null }) {
  if (account.person_kind === 'student' && account.student_id) {
    return db.selectFrom('students as s').innerJoin('schools as sc', 'sc.id', 's.school_id').select(['sc.id', 'sc.name']).where('s.id', '=', account.student_id).execute();
  }
  if (account.person_kind !== 'guardian' || !account.guardian_id) return [];
  return portalLinks(db)
    .innerJoin('students as s', 's.id', 'sg.student_id')
    .innerJoin('schools as sc', 'sc.id', 's.school_id')
    .select(['sc.id', 'sc.name'])
    .distinct()
    .where('sg.guardian_id', '=', account.guardian_id)
    .orderBy('sc.name')
    .execute();
}

/** A student number exactly as issued, else a parent's username (any case); null outside the staff member's schools. */
export async function findAccountForHelp(
  db: Kysely<DB>,
  scope: OfficeScope,
  input: { query: string; days: number },
  now: Date,
): Promise<AccountHelpStatus | null> {
  const typed = normalizeStudentNumber(input.query);
  const row =
    (await db
      .selectFrom('user_accounts as a')
      .innerJoin('students as s', 's.id', 'a.student_id')
      .select('a.id')
      .where('s.student_number', '=', typed)
      .where('a.status', '=', 'active')
      .executeTakeFirst()) ??
    (await db.selectFrom('user_accounts').select('id').where('username_key', '=', normalizeUsername(typed)).where('person_kind', '=', 'guardian').where('status', '=', 'active').executeTakeFirst());
  if (!row) return null;
  const found = await accountInScope(db, scope, row.id);
  if (!found) return null;
  const account = await findAccountById(db, found.id);
  if (!account) return null;
  const first = account.student_number
    ? ((await studentsWithFirstPasswords(db, scope, { days: input.days, number: account.student_number, page: 1 }, now)).lines[0] ?? null)
    : null;
  const counter = await db.selectFrom('throttle').select(['failures', 'blocked_until']).where('key', '=', userThrottleKey(account.username)).executeTakeFirst();
  const waiting = counter?.blocked_until && Date.parse(counter.blocked_until) > now.getTime() ? counter.blocked_until : null;
  return {
    accountId: account.id,
    kind: account.person_kind === 'student' ? 'student' : 'guardian',
    name: `${account.first_name ?? ''} ${account.last_name ?? ''}`.trim(),
    username: account.username,
    schools: found.schools,
    studentId: account.student_id,
    studentNumber: account.student_number,
    firstPassword: first,
    waitUntil: waiting,
    locked: Boolean(waiting) && (counter?.failures ?? 0) >= LOCK_AFTER,
    recoveryEmail: account.security_email && account.security_email_confirmed_at ? account.security_email : null,
  };
}

/** Office staff lift the sign-in wait or lock of the account's username (the holder asked in person). */
export async function clearSignInLock(
  db: Kysely<DB>,
  input: { scope: OfficeScope; actorAccountId: number; accountId: number; ip: string | null },
  now: Date,
): Promise<boolean> {
  const account = await accountInScope(db, input.scope, input.accountId);
  if (!account) return false;
  await db.transaction().execute(async (trx) => {
    await clearThrottleKey(trx, userThrottleKey(account.username));
    await audit(trx, { action: 'sign_in_lock.cleared', actorAccountId: input.actorAccountId, subjectType: 'user_account', subjectId: account.id, ip: input.ip }, now);
  });
  return true;
}

export type HelpResetResult = { kind: 'sent'; to: string } | { kind: 'noRecoveryEmail' } | { kind: 'missing' };

/** A staff reset: a reset link to the confirmed security email; every other outstanding link of the account ends. */
export async function sendResetLinkForHolder(
  db: Kysely<DB>,
  input: { scope: OfficeScope; actorAccountId: number; accountId: number; ip: string | null; baseUrl: string; district: AccountMailDistrict },
  now: Date,
): Promise<HelpResetResult> {
  if (!(await accountInScope(db, input.scope, input.accountId))) return { kind: 'missing' };
  const account = await findAccountById(db, input.accountId);
  const to = account?.security_email && account.security_email_confirmed_at ? account.security_email : null;
  if (!account || !to) return { kind: 'noRecoveryEmail' };
  await db.transaction().execute(async (trx) => {
    await writeResetLink(trx, { account, to, baseUrl: input.baseUrl, district: input.district, body: 'email.requestReset.body', byStaff: true }, now);
    await audit(trx, { action: 'password_reset.sent_by_staff', actorAccountId: input.actorAccountId, subjectType: 'user_account', subjectId: account.id, ip: input.ip, details: { notified: to } }, now);
  });
  return { kind: 'sent', to };
}

/**
 * An Activation Key that sets a new password for the account, for a holder with no way to reset by
 * email: staff hand it over in person (or read it out after checking who is calling). Shown once. Not
 * for an account with a confirmed security email: the holder gets a reset link there instead, so that no
 * one at a school can set the password of a parent who can recover it themself.
 */
export async function issueHelpKey(
  db: Kysely<DB>,
  input: { scope: OfficeScope; actorAccountId: number; accountId: number; days: number; ip: string | null },
  now: Date,
): Promise<{ kind: 'issued'; key: string; expiresAt: Date; username: string } | { kind: 'hasRecoveryEmail' } | null> {
  const account = await accountInScope(db, input.scope, input.accountId);
  if (!account) return null;
  const full = await findAccountById(db, account.id);
  if (full?.security_email && full.security_email_confirmed_at) return { kind: 'hasRecoveryEmail' };
  const issued = await db.transaction().execute((trx) => issueKeyForAccount(trx, { account, issuedBy: input.actorAccountId, days: input.days }, now));
  return { kind: 'issued', ...issued, username: account.username };
}
