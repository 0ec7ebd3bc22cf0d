/**
 * A student's first password, as the district's rule issued it (student-accounts.ts). The formula
 * (initials and birth date, the first seed's rule) is public: anyone who knows a classmate's name and
 * birthday can type it. Districts keep the rule, and these rules close the hole (ADR 0007):
 *  - a first password works for the district's `initialPasswordDays` from when it was issued;
 *  - where the district lists its school networks, a formula password works only from them;
 *  - its first sign-in is reported to the student's guardians with portal access, in their language,
 *    so a family learns at once when someone else took the account;
 *  - office staff see which of their students' accounts still have a first password, and issue a new
 *    one: a random one, shown once to hand over (a reissue happens because something went wrong, and the
 *    formula is public), which starts the account over — every session, link and feed ends, a sign-in
 *    lock is lifted, and the security email and PIN are removed, so whoever took the account loses the
 *    way back in; the student sets a security email again at the first sign-in.
 */
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import { enqueueEmail } from '../../email/outbox.js';
import { composeEmail, formatInstant } from '../../email/templates.js';
import { isLocale, type Locale } from '../../i18n/index.js';
import { portalLinks } from '../access/guardian-links.js';
import { normalizeEmail } from './identity.js';
import { audit } from '../audit/service.js';
import { localDate } from '../calendar/dates.js';
import { SchoolNetworks } from '../district/networks.js';
import type { DistrictProfile } from '../district/service.js';
import { adultCutoff, type PortalSettings } from '../district/settings.js';
import { mayActOnSchool, type OfficeScope } from '../access/staff.js';
import { endFeedOf } from '../calendar/feed-end.js';
import type { AccountMailDistrict } from './mail.js';
import { hashPassword } from './passwords.js';
import { endOutstandingTokens, markInitialPasswordUsed, type AccountRow } from './repository.js';
import { endSessionsOf } from './sessions.js';
import type { SignInPolicy } from './sign-in.js';
import { randomInitialPassword } from './student-accounts.js';
import { clearThrottleKey, userThrottleKey } from './throttle.js';

/** The district's rules for first passwords, as sign-in applies them. */
export interface FirstPasswordRules {
  days: number;
  networks: SchoolNetworks;
}

export type FirstPasswordProblem = 'expired' | 'offNetwork';

/** When the account's first password stops working, or null when it has none. */
export function firstPasswordEnds(account: Pick<AccountRow, 'initial_password' | 'initial_password_set_at'>, days: number): Date | null {
  if (!account.initial_password || !account.initial_password_set_at) return null;
  return new Date(Date.parse(account.initial_password_set_at) + days * 86_400_000);
}

/**
 * Why a correct first password may not sign in here and now, or null when it may (or the account has a
 * password of its own). Asked only once the password has matched: it tells nothing to a guesser.
 */
export function firstPasswordProblem(
  account: Pick<AccountRow, 'initial_password' | 'initial_password_set_at'>,
  rules: FirstPasswordRules,
  ip: string | null,
  now: Date,
): FirstPasswordProblem | null {
  const ends = firstPasswordEnds(account, rules.days);
  if (!ends) return null;
  if (ends.getTime() <= now.getTime()) return 'expired';
  if (account.initial_password === 'formula' && !rules.networks.empty && !rules.networks.has(ip)) return 'offNetwork';
  return null;
}

/**
 * The first sign-in with a first password: marked once (the one request that marks it writes the rest),
 * and each guardian with portal access to the student is told, at their confirmed security email or
 * else their email on record, in their language. Runs in the caller's transaction.
 */
export async function reportFirstSignIn(
  trx: Kysely<DB>,
  account: Pick<AccountRow, 'id' | 'student_id' | 'first_name' | 'last_name'>,
  input: { ip: string | null; district: AccountMailDistrict; adultBornOnOrBefore: string | null },
  now: Date,
): Promise<void> {
  if (!(await markInitialPasswordUsed(trx, account.id, now.toISOString()))) return;
  const guardians = account.student_id ? await guardiansToTell(trx, account.student_id, input.adultBornOnOrBefore) : [];
  for (const g of guardians) {
    const locale: Locale = isLocale(g.locale) ? g.locale : isLocale(input.district.locale) ? input.district.locale : 'en';
    await enqueueEmail(
      trx,
      composeEmail({
        kind: 'first_sign_in',
        to: g.email,
        locale,
        district: input.district,
        subject: 'email.firstSignIn.subject',
        subjectParams: { student: `${account.first_name} ${account.last_name}` },
        paragraphs: [
          { key: 'email.firstSignIn.body', params: { student: `${account.first_name} ${account.last_name}`, when: formatInstant(now, locale, input.district.timeZone) } },
          { key: 'email.firstSignIn.notThem', params: { student: `${account.first_name} ${account.last_name}` } },
        ],
      }),
      now,
    );
  }
  await audit(
    trx,
    { action: 'first_password.first_sign_in', actorAccountId: account.id, subjectType: 'user_account', subjectId: account.id, ip: input.ip, details: { guardiansTold: guardians.length } },
    now,
  );
}

/** Guardians with an active link with portal access to the student, each once, with where and how to write. */
async function guardiansToTell(db: Kysely<DB>, studentId: number, adultBornOnOrBefore: string | null) {
  if (adultBornOnOrBefore) {
    const student = await db.selectFrom('students').select('birth_date').where('id', '=', studentId).executeTakeFirst();
    if (!student || student.birth_date <= adultBornOnOrBefore) return [];
  }
  const rows = await portalLinks(db)
    .innerJoin('guardians as g', 'g.id', 'sg.guardian_id')
    .leftJoin('user_accounts as a', (j) => j.onRef('a.guardian_id', '=', 'g.id').on('a.status', '=', 'active'))
    .select(['g.id', 'g.email', 'g.preferred_language', 'a.locale', 'a.security_email', 'a.security_email_confirmed_at'])
    .where('sg.student_id', '=', studentId)
    .orderBy('g.id')
    .execute();
  const seen = new Set<number>();
  const out: { email: string; locale: string | null }[] = [];
  for (const r of rows) {
    if (seen.has(r.id)) continue;
    seen.add(r.id);
    const email = r.security_email && r.security_email_confirmed_at ? r.security_email : (r.email ? normalizeEmail(r.email) : '') || null;
    if (email) out.push({ email, locale: r.locale ?? r.preferred_language });
  }
  return out;
}

export interface FirstPasswordLine {
  studentId: number;
  accountId: number;
  studentNumber: string;
  name: string;
  grade: number;
  school: string;
  kind: 'formula' | 'random';
  /** when it stops working (ISO) */
  endsAt: string;
  expired: boolean;
  /** its first sign-in, if any (ISO) */
  usedAt: string | null;
}

export const FIRST_PASSWORD_PAGE = 100;

/**
 * The accounts of the staff member's students that still have a first password, those soonest to end
 * first; `number` narrows to one student number.
 */
export async function studentsWithFirstPasswords(
  db: Kysely<DB>,
  scope: OfficeScope,
  input: { days: number; number?: string; page: number },
  now: Date,
): Promise<{ lines: FirstPasswordLine[]; total: number }> {
  if (!scope.district && scope.schools.size === 0) return { lines: [], total: 0 };
  let q = db
    .selectFrom('user_accounts as a')
    .innerJoin('students as s', 's.id', 'a.student_id')
    .innerJoin('schools as sc', 'sc.id', 's.school_id')
    .where('a.initial_password', 'is not', null)
    .where('a.status', '=', 'active');
  if (!scope.district) q = q.where('s.school_id', 'in', [...scope.schools]);
  if (input.number) q = q.where('s.student_number', '=', input.number);
  const [{ n }] = (await q.select((eb) => eb.fn.countAll<number>().as('n')).execute()) as [{ n: number }];
  const rows = await q
    .select([
      'a.id as accountId',
      'a.initial_password',
      'a.initial_password_set_at',
      'a.initial_password_used_at',
      's.id as studentId',
      's.student_number',
      's.legal_first_name',
      's.preferred_first_name',
      's.legal_last_name',
      's.grade_level',
      'sc.name as school',
    ])
    .orderBy('a.initial_password_set_at')
    .orderBy('a.id')
    .limit(FIRST_PASSWORD_PAGE)
    .offset((input.page - 1) * FIRST_PASSWORD_PAGE)
    .execute();
  return {
    total: Number(n),
    lines: rows.map((r) => {
      const ends = firstPasswordEnds({ initial_password: r.initial_password, initial_password_set_at: r.initial_password_set_at }, input.days) ?? now;
      return {
        studentId: r.studentId,
        accountId: r.accountId,
        studentNumber: r.student_number,
        name: `${r.preferred_first_name ?? r.legal_first_name} ${r.legal_last_name}`,
        grade: r.grade_level,
        school: r.school,
        kind: r.initial_password === 'random' ? 'random' : 'formula',
        endsAt: ends.toISOString(),
        expired: ends.getTime() <= now.getTime(),
        usedAt: r.initial_password_used_at,
      };
    }),
  };
}

export type ReissueResult =
  | { kind: 'done'; studentNumber: string; name: string; password: string; endsAt: Date }
  | { kind: 'missing' }
  | { kind: 'noRule' };

/**
 * Office staff issue a new first password for a student's account (a random one, shown once: see the
 * top of this file); 'noRule' where the district gives students no first passwords (a key instead). A
 * student of another school answers 'missing', like one that does not exist.
 */
export async function reissueFirstPassword(
  db: Kysely<DB>,
  input: { scope: OfficeScope; actorAccountId: number; studentId: number; policy: PortalSettings['initialStudentPassword']; days: number; ip: string | null },
  now: Date,
): Promise<ReissueResult> {
  const row = await db
    .selectFrom('user_accounts as a')
    .innerJoin('students as s', 's.id', 'a.student_id')
    .select(['a.id', 'a.username', 's.school_id', 's.student_number', 's.legal_first_name', 's.preferred_first_name', 's.legal_last_name'])
    .where('a.student_id', '=', input.studentId)
    .where('a.status', '=', 'active')
    .executeTakeFirst();
  if (!row || !mayActOnSchool(input.scope, row.school_id)) return { kind: 'missing' };
  if (input.policy === 'none') return { kind: 'noRule' };
  const rule = 'random' as const;
  const password = randomInitialPassword();
  const hash = await hashPassword(password);
  const t = now.toISOString();
  await db.transaction().execute(async (trx) => {
    await trx
      .updateTable('user_accounts')
      .set({
        password_hash: hash,
        must_change_password: 1,
        initial_password: rule,
        initial_password_set_at: t,
        initial_password_used_at: null,
        // The account starts over: whoever took it loses the recovery address and the PIN they set.
        security_email: null,
        security_email_confirmed_at: null,
        security_setup_skipped_at: null,
        pin_hash: null,
        password_changed_at: t,
        updated_at: t,
        updated_by: input.actorAccountId,
      })
      .where('id', '=', row.id)
      .execute();
    await endSessionsOf(trx, row.id);
    await endOutstandingTokens(trx, row.id, t);
    await endFeedOf(trx, row.id);
    await clearThrottleKey(trx, userThrottleKey(row.username));
    await audit(
      trx,
      { action: 'first_password.reissued', actorAccountId: input.actorAccountId, subjectType: 'user_account', subjectId: row.id, ip: input.ip, details: { rule } },
      now,
    );
  });
  return {
    kind: 'done',
    studentNumber: row.student_number,
    name: `${row.preferred_first_name ?? row.legal_first_name} ${row.legal_last_name}`,
    password,
    endsAt: new Date(now.getTime() + input.days * 86_400_000),
  };
}

const networksOf = new WeakMap<readonly string[], SchoolNetworks>();

/** The sign-in policy of a district profile now (its school networks built once per settings). */
export function signInPolicyOf(district: DistrictProfile, now: Date): SignInPolicy {
  const ranges = district.settings.schoolNetworks;
  let networks = networksOf.get(ranges);
  if (!networks) {
    networks = new SchoolNetworks(ranges);
    networksOf.set(ranges, networks);
  }
  return {
    firstPasswords: { days: district.settings.initialPasswordDays, networks },
    district,
    adultBornOnOrBefore: adultCutoff(district.settings, localDate(now, district.timeZone)),
  };
}
