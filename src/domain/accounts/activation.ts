/**
 * Activation keys ("If you have been assigned a Campus Portal Activation Key, click here"): staff issue
 * a key for a student or guardian record; the person types it, chooses a username (guardians), a
 * password and a security email, and gets an account linked to that record.
 *
 * Keys: 16 characters of Crockford base32 (80 bits from the CSPRNG), shown as XXXX-XXXX-XXXX-XXXX,
 * typed in any case with or without dashes (O is read as 0, I and L as 1); stored as a sha-256;
 * single use; they expire after the district's number of days; a new key replaces an older one.
 */
import { randomBytes } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import { portalLinks } from '../access/guardian-links.js';
import { mayActOnSchool, OutsideScope, type OfficeScope } from '../access/staff.js';
import { audit } from '../audit/service.js';
import { normalizeUsername, usernameKey } from './identity.js';
import { checkNewPassword, type PasswordProblem } from './password-policy.js';
import { hashPassword } from './passwords.js';
import type { AccountMailDistrict } from './mail.js';
import { sendConfirmationLink } from './security-email.js';
import { allowRequest, clearThrottleKey, userThrottleKey, type ThrottleVerdict } from './throttle.js';
import { hashToken } from './tokens.js';
import { endOutstandingTokens, findAccountById, findThrottle, setPassword, takeBackOne } from './repository.js';
import { endFeedOf } from '../calendar/feed-end.js';
import { confirmedEmail, tellPasswordChanged } from './mail.js';
import { endSessionsOf } from './sessions.js';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

export function newActivationKey(): string {
  const bytes = randomBytes(10);
  let bits = 0n;
  for (const b of bytes) bits = (bits << 8n) | BigInt(b);
  let out = '';
  for (let i = 15; i >= 0; i--) out += ALPHABET[Number((bits >> BigInt(i * 5)) & 31n)];
  return out;
}

export function formatKey(key: string): string {
  return (key.match(/.{1,4}/g) ?? []).join('-');
}

/** The key as typed, made canonical; null when it cannot be a key. */
export function normalizeKey(input: string): string | null {
  const k = input
    .toUpperCase()
    .replace(/[\s-]/g, '')
    .replace(/O/g, '0')
    .replace(/[IL]/g, '1');
  return /^[0-9A-HJKMNP-TV-Z]{16}$/.test(k) ? k : null;
}

const keyHash = (normalized: string) => hashToken(`activation:${normalized}`);

export interface Recipient {
  kind: 'student' | 'guardian';
  id: number;
  firstName: string;
  lastName: string;
  language: string;
  /** the students the key is about: the student themself, or a guardian's linked students */
  students: { name: string; number: string; schoolId: number }[];
}

export interface IssuedKey {
  recipient: Recipient;
  key: string;
  expiresAt: Date;
}

export type Skipped =
  | { number: string; reason: 'unknown' }
  | { recipient: string; reason: 'hasAccount' }
  /** a student asked for whose guardians were asked for, none of them with portal access */
  | { recipient: string; reason: 'noGuardian' };

export type KeysForStudents =
  /** with the numbers and people skipped on the way */
  | { kind: 'issued'; issued: IssuedKey[]; skipped: Skipped[] }
  /** some numbers or people would be skipped and the caller has not confirmed: nothing issued yet */
  | { kind: 'check'; skipped: Skipped[]; recipients: number }
  /** student numbers of other schools' students: nothing issued */
  | { kind: 'outside'; numbers: string[] }
  /** nobody to give a key to, each with the reason */
  | { kind: 'none'; skipped: Skipped[] };

/**
 * Activation Keys by student number (leading zeros optional), for the students, their guardians with
 * portal access, or both: office staff only for their own schools' students (any other typed number
 * refuses the whole list), district administrators and the command line for all. When any number or
 * person would be skipped, nothing is made until the caller confirms (`confirmed`) having seen why.
 */
export async function issueKeysForStudents(
  db: Kysely<DB>,
  input: { scope: OfficeScope; numbers: string[]; include: 'students' | 'guardians' | 'both'; issuedBy: number | null; days: number; confirmed: boolean },
  now: Date,
): Promise<KeysForStudents> {
  const { recipients, skipped, found } = await findRecipients(db, input.numbers, input.include);
  const outside = [...new Set(found.filter((s) => !mayActOnSchool(input.scope, s.schoolId)).map((s) => s.number))];
  if (outside.length > 0) return { kind: 'outside', numbers: outside };
  if (recipients.length === 0) return { kind: 'none', skipped };
  if (skipped.length > 0 && !input.confirmed) return { kind: 'check', skipped, recipients: recipients.length };
  return { kind: 'issued', issued: await issueActivationKeys(db, { scope: input.scope, recipients, issuedBy: input.issuedBy, days: input.days }, now), skipped };
}

/**
 * The people to give keys to, from student numbers as typed (leading zeros optional: "4006" is
 * 0004006): the students, their guardians with portal access, or both. Every number that names nobody,
 * every person who already has an account, and every student without a guardian to give a key to is
 * skipped, with the reason; `found` is every student the numbers named.
 */
async function findRecipients(
  db: Kysely<DB>,
  studentNumbers: string[],
  include: 'students' | 'guardians' | 'both',
): Promise<{ recipients: Recipient[]; skipped: Skipped[]; found: { number: string; schoolId: number }[] }> {
  const numbers = [...new Set(studentNumbers.map((n) => n.trim()).filter(Boolean))];
  if (numbers.length === 0) return { recipients: [], skipped: [], found: [] };
  const digits = (n: string) => n.replace(/^0+/, '');
  const students = await db
    .selectFrom('students as s')
    .leftJoin('user_accounts as a', 'a.student_id', 's.id')
    .select([
      's.id',
      's.student_number',
      's.school_id',
      's.preferred_language',
      (eb) => eb.fn.coalesce('s.preferred_first_name', 's.legal_first_name').as('first_name'),
      's.legal_last_name as last_name',
      'a.id as account_id',
    ])
    .where(sql<string>`ltrim(s.student_number, '0')`, 'in', [...new Set(numbers.map(digits))])
    .execute();
  const skipped: Skipped[] = numbers.filter((n) => !students.some((s) => digits(s.student_number) === digits(n))).map((number) => ({ number, reason: 'unknown' as const }));
  const recipients: Recipient[] = [];
  const studentInfo = (s: (typeof students)[number]) => ({ name: `${s.first_name} ${s.last_name}`, number: s.student_number, schoolId: s.school_id });
  if (include !== 'guardians') {
    for (const s of students) {
      if (s.account_id) skipped.push({ recipient: `${s.first_name} ${s.last_name}`, reason: 'hasAccount' });
      else recipients.push({ kind: 'student', id: s.id, firstName: s.first_name ?? '', lastName: s.last_name, language: s.preferred_language, students: [studentInfo(s)] });
    }
  }
  if (include !== 'students' && students.length > 0) {
    const links = await portalLinks(db)
      .innerJoin('guardians as g', 'g.id', 'sg.guardian_id')
      .leftJoin('user_accounts as a', 'a.guardian_id', 'g.id')
      .select(['g.id', 'g.first_name', 'g.last_name', 'g.preferred_language', 'sg.student_id', 'a.id as account_id'])
      .where('sg.student_id', 'in', students.map((s) => s.id))
      .orderBy('g.id')
      .execute();
    const byGuardian = new Map<number, Recipient>();
    for (const l of links) {
      if (l.account_id) {
        if (!skipped.some((s) => 'recipient' in s && s.recipient === `${l.first_name} ${l.last_name}`)) {
          skipped.push({ recipient: `${l.first_name} ${l.last_name}`, reason: 'hasAccount' });
        }
        continue;
      }
      const student = students.find((s) => s.id === l.student_id);
      if (!student) continue;
      const r = byGuardian.get(l.id) ?? { kind: 'guardian' as const, id: l.id, firstName: l.first_name, lastName: l.last_name, language: l.preferred_language, students: [] };
      r.students.push(studentInfo(student));
      byGuardian.set(l.id, r);
    }
    recipients.push(...byGuardian.values());
    const reached = new Set(links.map((l) => l.student_id));
    for (const s of students) if (!reached.has(s.id)) skipped.push({ recipient: `${s.first_name} ${s.last_name}`, reason: 'noGuardian' });
  }
  return { recipients, skipped, found: students.map((s) => ({ number: s.student_number, schoolId: s.school_id })) };
}

/**
 * New Activation Keys, each replacing the person's older unused ones. Every recipient must be someone
 * the scope acts for (a student of its schools, or a guardian linked to one); otherwise nothing is
 * issued and OutsideScope is thrown: callers check first and answer the staff member themselves.
 */
export async function issueActivationKeys(
  db: Kysely<DB>,
  input: { scope: OfficeScope; recipients: Recipient[]; issuedBy: number | null; days: number },
  now: Date,
): Promise<IssuedKey[]> {
  if (!input.recipients.every((r) => input.scope.district || r.students.some((s) => mayActOnSchool(input.scope, s.schoolId)))) throw new OutsideScope('an Activation Key for someone not of the scope’s schools');
  const expiresAt = new Date(now.getTime() + input.days * 86_400_000);
  const issued: IssuedKey[] = [];
  // Joins the caller's transaction when there is one (a staff action that also records what it did).
  const inTransaction = <T,>(fn: (trx: Kysely<DB>) => Promise<T>) => (db.isTransaction ? fn(db) : db.transaction().execute(fn));
  await inTransaction(async (trx) => {
    for (const recipient of input.recipients) {
      const key = newActivationKey();
      const column = recipient.kind === 'student' ? 'student_id' : 'guardian_id';
      // A new key replaces every older unused one of the same person.
      await trx
        .updateTable('activation_keys')
        .set({ expires_at: now.toISOString() })
        .where(column, '=', recipient.id)
        .where('used_at', 'is', null)
        .where('expires_at', '>', now.toISOString())
        .execute();
      await trx
        .insertInto('activation_keys')
        .values({
          key_hash: keyHash(key),
          person_kind: recipient.kind,
          student_id: recipient.kind === 'student' ? recipient.id : null,
          guardian_id: recipient.kind === 'guardian' ? recipient.id : null,
          issued_by: input.issuedBy,
          created_at: now.toISOString(),
          expires_at: expiresAt.toISOString(),
          used_at: null,
          account_id: null,
        })
        .execute();
      await audit(trx, { action: 'activation_key.issued', actorAccountId: input.issuedBy, subjectType: recipient.kind, subjectId: recipient.id }, now);
      issued.push({ recipient, key: formatKey(key), expiresAt });
    }
  });
  return issued;
}

export interface KeyHolder {
  keyId: number;
  kind: 'student' | 'guardian';
  personId: number;
  firstName: string;
  lastName: string;
  /** a student's username is their student number */
  fixedUsername: string | null;
  birthDate: string | null;
  language: string;
  /** a key for an account that exists (staff help): it sets that account's new password */
  resetAccount: { id: number; username: string } | null;
}

const MAX_FAILED_KEYS = 20;
const KEY_WINDOW = { limit: MAX_FAILED_KEYS, windowMs: 15 * 60_000 };
/**
 * Usernames a key's holder may find already taken in an hour: "already taken" tells whether an account
 * has that username, so a key must not be a way to test usernames without end. Each taken answer also counts as
 * a failed try of the address (like a wrong key).
 */
export const TAKEN_USERNAMES_PER_KEY = { limit: 10, windowMs: 60 * 60_000 };

/** The person a key belongs to, if it is valid now and they have no account yet. */
export async function checkActivationKey(
  db: Kysely<DB>,
  typed: string,
  ip: string | null,
  now: Date,
): Promise<{ kind: 'ok'; holder: KeyHolder } | { kind: 'invalid' } | ThrottleVerdict & { kind: 'wait' }> {
  const throttleKey = `activate-ip:${ip ?? 'unknown'}`;
  const [row] = await findThrottle(db, [throttleKey]);
  if (row && row.failures >= MAX_FAILED_KEYS && now.getTime() - Date.parse(row.window_start) < KEY_WINDOW.windowMs) {
    return { kind: 'wait', retryAfterSeconds: Math.ceil((Date.parse(row.window_start) + KEY_WINDOW.windowMs - now.getTime()) / 1000) };
  }
  const holder = await findHolder(db, typed, now);
  if (!holder) {
    await allowRequest(db, throttleKey, KEY_WINDOW, now);
    return { kind: 'invalid' };
  }
  return { kind: 'ok', holder };
}

async function findHolder(db: Kysely<DB>, typed: string, now: Date): Promise<KeyHolder | null> {
  const key = normalizeKey(typed);
  if (!key) return null;
  const row = await db
    .selectFrom('activation_keys as k')
    .leftJoin('students as s', 's.id', 'k.student_id')
    .leftJoin('guardians as g', 'g.id', 'k.guardian_id')
    .select([
      'k.id',
      'k.person_kind',
      'k.student_id',
      'k.guardian_id',
      'k.expires_at',
      'k.used_at',
      'k.for_account_id',
      's.student_number',
      's.birth_date',
      (eb) => eb.fn.coalesce('s.preferred_first_name', 's.legal_first_name', 'g.first_name').as('first_name'),
      (eb) => eb.fn.coalesce('s.legal_last_name', 'g.last_name').as('last_name'),
      (eb) => eb.fn.coalesce('g.preferred_language', 's.preferred_language').as('language'),
    ])
    .where('k.key_hash', '=', keyHash(key))
    .executeTakeFirst();
  if (!row || row.used_at || Date.parse(row.expires_at) <= now.getTime()) return null;
  const personId = (row.person_kind === 'student' ? row.student_id : row.guardian_id) ?? 0;
  const existing = await db
    .selectFrom('user_accounts')
    .select(['id', 'username', 'status'])
    .where(row.person_kind === 'student' ? 'student_id' : 'guardian_id', '=', personId)
    .executeTakeFirst();
  // A key for a new account works while the person has none; a key for an account works for that one.
  if (row.for_account_id === null ? existing : !existing || existing.id !== row.for_account_id || existing.status !== 'active') return null;
  const resetAccount = row.for_account_id !== null && existing ? { id: existing.id, username: existing.username } : null;
  return {
    keyId: row.id,
    kind: row.person_kind,
    personId,
    firstName: row.first_name ?? '',
    lastName: row.last_name ?? '',
    fixedUsername: resetAccount?.username ?? (row.person_kind === 'student' ? row.student_number : null),
    birthDate: row.birth_date,
    language: row.language ?? 'en',
    resetAccount,
  };
}

export type ActivationProblem = PasswordProblem | 'usernameInvalid' | 'usernameTaken';

export type ActivationResult =
  | { kind: 'created'; accountId: number; username: string }
  /** a key for an account that exists: its password is the new one */
  | { kind: 'reset'; accountId: number; username: string }
  | { kind: 'invalid' }
  | { kind: 'wait'; retryAfterSeconds: number }
  | { kind: 'problem'; field: 'username' | 'password'; problem: ActivationProblem };

/** Guardians choose a username: 3 to 64 of a-z 0-9 . _ - @, with a letter (so never a student number). */
export function validUsername(username: string): boolean {
  return /^[a-z0-9._@-]{3,64}$/.test(username) && /[a-z]/.test(username);
}

export async function activateAccount(
  db: Kysely<DB>,
  input: {
    key: string;
    username: string | null;
    password: string;
    minLength: number;
    locale: string;
    ip: string | null;
    /** the security email the holder chose, if any: its confirmation link is sent with the new account */
    email: string | null;
    baseUrl: string;
    district: AccountMailDistrict;
  },
  now: Date,
): Promise<ActivationResult> {
  const holder = await findHolder(db, input.key, now);
  if (!holder) return { kind: 'invalid' };
  if (holder.resetAccount) return resetWithKey(db, holder, holder.resetAccount, input, now);
  const username = holder.fixedUsername ?? normalizeUsername(input.username ?? '');
  if (!holder.fixedUsername && !validUsername(username)) return { kind: 'problem', field: 'username', problem: 'usernameInvalid' };
  // A username counts before the answer is looked up, so that tries sent at once all count, and is taken
  // back when it was free: what is limited is the answers "already taken".
  const counter = `activate-key:${holder.keyId}`;
  const tried = await allowRequest(db, counter, TAKEN_USERNAMES_PER_KEY, now);
  if (tried.kind === 'wait') return tried;
  const taken = await db.selectFrom('user_accounts').select('id').where('username_key', '=', usernameKey(holder.kind, username)).executeTakeFirst();
  if (!taken) await takeBackOne(db, counter);
  if (taken) {
    await allowRequest(db, `activate-ip:${input.ip ?? 'unknown'}`, KEY_WINDOW, now);
    return { kind: 'problem', field: 'username', problem: 'usernameTaken' };
  }
  const problem = checkNewPassword(input.password, {
    minLength: input.minLength,
    username,
    names: [holder.firstName, holder.lastName],
    studentNumber: holder.fixedUsername,
    birthDate: holder.birthDate,
  });
  if (problem) return { kind: 'problem', field: 'password', problem };
  const hash = await hashPassword(input.password);
  try {
    return await createFromKey(db, holder, username, hash, input, now);
  } catch (error) {
    // Someone took the username between the check and the insert.
    if (/unique|duplicate/i.test(String((error as Error).message))) {
      return { kind: 'problem', field: 'username', problem: 'usernameTaken' };
    }
    throw error;
  }
}

async function createFromKey(
  db: Kysely<DB>,
  holder: KeyHolder,
  username: string,
  hash: string,
  input: { locale: string; ip: string | null; email: string | null; baseUrl: string; district: AccountMailDistrict },
  now: Date,
): Promise<ActivationResult> {
  return db.transaction().execute(async (trx): Promise<ActivationResult> => {
    const used = await trx
      .updateTable('activation_keys')
      .set({ used_at: now.toISOString() })
      .where('id', '=', holder.keyId)
      .where('used_at', 'is', null)
      .executeTakeFirst();
    if (Number(used.numUpdatedRows) !== 1) return { kind: 'invalid' };
    const t = now.toISOString();
    const account = await trx
      .insertInto('user_accounts')
      .values({
        username,
        username_key: usernameKey(holder.kind, username),
        password_hash: hash,
        status: 'active',
        must_change_password: 0,
        person_kind: holder.kind,
        student_id: holder.kind === 'student' ? holder.personId : null,
        guardian_id: holder.kind === 'guardian' ? holder.personId : null,
        staff_id: null,
        locale: input.locale,
        security_email: null,
        security_email_confirmed_at: null,
        password_changed_at: t,
        created_at: t,
        updated_at: t,
        updated_by: null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await trx.updateTable('activation_keys').set({ account_id: account.id }).where('id', '=', holder.keyId).execute();
    await audit(trx, { action: 'account.activated', actorAccountId: account.id, subjectType: 'user_account', subjectId: account.id, ip: input.ip, details: { keyId: holder.keyId } }, now);
    // The account and its first confirmation link are written together: all or none.
    if (input.email) {
      const created = { id: account.id, username, locale: input.locale, guardian_language: null, security_email: null, security_email_confirmed_at: null };
      await sendConfirmationLink(trx, { account: created, email: input.email, ip: input.ip, baseUrl: input.baseUrl, district: input.district }, now);
    }
    return { kind: 'created', accountId: account.id, username };
  });
}

/**
 * A key office staff issued for an account that exists: the holder chooses a new password for it, and
 * everything a reset ends, ends (sessions, outstanding links, the calendar feed, a sign-in lock).
 */
async function resetWithKey(
  db: Kysely<DB>,
  holder: KeyHolder,
  target: { id: number; username: string },
  input: { password: string; minLength: number; ip: string | null; email: string | null; baseUrl: string; district: AccountMailDistrict },
  now: Date,
): Promise<ActivationResult> {
  const problem = checkNewPassword(input.password, {
    minLength: input.minLength,
    username: target.username,
    names: [holder.firstName, holder.lastName],
    studentNumber: holder.kind === 'student' ? holder.fixedUsername : null,
    birthDate: holder.birthDate,
  });
  if (problem) return { kind: 'problem', field: 'password', problem };
  const hash = await hashPassword(input.password);
  const account = await findAccountById(db, target.id);
  if (!account) return { kind: 'invalid' };
  return db.transaction().execute(async (trx): Promise<ActivationResult> => {
    const t = now.toISOString();
    const used = await trx
      .updateTable('activation_keys')
      .set({ used_at: t, account_id: target.id })
      .where('id', '=', holder.keyId)
      .where('used_at', 'is', null)
      .executeTakeFirst();
    if (Number(used.numUpdatedRows) !== 1) return { kind: 'invalid' };
    await setPassword(trx, target.id, hash, t, target.id);
    await endOutstandingTokens(trx, target.id, t);
    await endSessionsOf(trx, target.id);
    await endFeedOf(trx, target.id);
    await clearThrottleKey(trx, userThrottleKey(target.username));
    await audit(trx, { action: 'password.reset_with_key', actorAccountId: target.id, subjectType: 'user_account', subjectId: target.id, ip: input.ip, details: { keyId: holder.keyId } }, now);
    await tellPasswordChanged(trx, account, input.district, now);
    const to = confirmedEmail(account);
    if (input.email && input.email !== to) {
      await sendConfirmationLink(trx, { account, email: input.email, ip: input.ip, baseUrl: input.baseUrl, district: input.district }, now);
    }
    return { kind: 'reset', accountId: target.id, username: target.username };
  });
}

/**
 * Office staff give the holder of an existing account an Activation Key that sets a new password for it
 * (staff help, account-help.ts): older unused keys of the person end. The key, shown once.
 */
export async function issueKeyForAccount(
  trx: Kysely<DB>,
  input: { account: { id: number; person_kind: string; student_id: number | null; guardian_id: number | null }; issuedBy: number; days: number },
  now: Date,
): Promise<{ key: string; expiresAt: Date }> {
  const { account } = input;
  const kind = account.person_kind === 'student' ? 'student' : 'guardian';
  const personId = (kind === 'student' ? account.student_id : account.guardian_id) ?? 0;
  const column = kind === 'student' ? 'student_id' : 'guardian_id';
  const key = newActivationKey();
  const expiresAt = new Date(now.getTime() + input.days * 86_400_000);
  await trx.updateTable('activation_keys').set({ expires_at: now.toISOString() }).where(column, '=', personId).where('used_at', 'is', null).where('expires_at', '>', now.toISOString()).execute();
  await trx
    .insertInto('activation_keys')
    .values({
      key_hash: keyHash(key),
      person_kind: kind,
      student_id: kind === 'student' ? personId : null,
      guardian_id: kind === 'guardian' ? personId : null,
      issued_by: input.issuedBy,
      created_at: now.toISOString(),
      expires_at: expiresAt.toISOString(),
      used_at: null,
      account_id: null,
      for_account_id: account.id,
    })
    .execute();
  await audit(trx, { action: 'activation_key.issued_for_account', actorAccountId: input.issuedBy, subjectType: 'user_account', subjectId: account.id }, now);
  return { key: formatKey(key), expiresAt };
}
