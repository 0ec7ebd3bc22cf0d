/**
 * The account reset / new account request form of the second seed, and the staff queue behind it.
 *
 * Anyone may submit the form; the answer is always the same neutral confirmation. A request goes to
 * the office of the school whose student it matches (by number, else by a unique name), or to the
 * district office. Staff see which records it matches and how well, and act on those records only:
 * a reset link to the account's confirmed security email, an activation link to the guardian's email
 * on record, an activation key, or closing it with a reason. No email ever goes to an address that was
 * only typed into the form, so the form cannot be used to take over an account; staff never see or set
 * a password. Every step is an event on the request and a line in the audit log.
 *
 * Office staff see only their own schools' records: a match at another school (a student there, or a
 * guardian not linked to a student of theirs) is not described to them at all, only that one exists;
 * such a request also goes to the district office (see schoolAlone).
 */
import { sql, type Kysely } from 'kysely';
import { z } from 'zod';
import type { DB, Row } from '../../db/schema.js';
import { enqueueEmail } from '../../email/outbox.js';
import { composeEmail } from '../../email/templates.js';
import { isLocale, type Locale } from '../../i18n/index.js';
import { enqueue } from '../../jobs/queue.js';
import { issueActivationKeys, type IssuedKey } from '../accounts/activation.js';
import type { AccountMailDistrict } from '../accounts/mail.js';
import { writeResetLink } from '../accounts/recovery.js';
import { endOutstandingTokens, findAccountById } from '../accounts/repository.js';
import { allowRequest } from '../accounts/throttle.js';
import { portalLinks } from '../access/guardian-links.js';
import { normalizeEmail } from '../accounts/identity.js';
import { guardiansWithEmail } from '../people/emails.js';
import { audit } from '../audit/service.js';
import { mayActOnSchool, schoolOfficeScope, type OfficeScope, type StaffActor } from '../access/staff.js';
import { closedOutcome, type AccountRequestInput, type CloseReason, type RequestAction } from './schemas.js';

/** Requests per IP address per hour (a school computer lab shares one address). */
export const REQUESTS_PER_IP = { limit: 10, windowMs: 60 * 60_000 };
export const PAGE_SIZE = 50;

/** Names compared the way people type them: case, accents, spaces and apostrophes do not matter. */
export function foldName(name: string | null | undefined): string {
  return (name ?? '')
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[\s'’.-]+/g, ' ')
    .trim();
}

function dedupeKey(input: AccountRequestInput): string {
  return [
    `r:${[...input.resetFor].sort().join('+')}`,
    `n:${[...input.newFor].sort().join('+')}`,
    (input.studentNumber ?? '').toLowerCase(),
    foldName(input.studentFirstName),
    foldName(input.studentLastName),
    input.parentEmail ?? '',
    input.studentEmail ?? '',
  ].join('|');
}

export type SubmitResult = { kind: 'received' } | { kind: 'wait'; retryAfterSeconds: number };

export async function submitAccountRequest(
  db: Kysely<DB>,
  input: { form: AccountRequestInput; honeypot: boolean; locale: Locale; ip: string | null },
  now: Date,
): Promise<SubmitResult> {
  const verdict = await allowRequest(db, `account-request-ip:${input.ip ?? 'unknown'}`, REQUESTS_PER_IP, now);
  if (verdict.kind === 'wait') return verdict;
  if (input.honeypot) {
    // A bot filled the field people never see: the same answer, nothing kept but the fact.
    await audit(db, { action: 'account_request.honeypot', ip: input.ip }, now);
    return { kind: 'received' };
  }
  const { form } = input;
  // Where the request goes is decided by the job it queues (routeAccountRequest): the answer must not
  // wait on the lookups that a request naming a real student causes, or its time would tell.
  const key = dedupeKey(form);
  const t = now.toISOString();
  try {
    await db.transaction().execute(async (trx) => {
      const open = await trx
        .selectFrom('account_requests')
        .select('id')
        .where('dedupe_key', '=', key)
        .where('status', '=', 'open')
        .executeTakeFirst();
      if (open) {
        await addEvent(trx, open.id, null, 'repeated', { ip: input.ip }, now);
        return;
      }
      const row = await trx
        .insertInto('account_requests')
        .values({
          received_at: t,
          student_first_name: form.studentFirstName,
          student_last_name: form.studentLastName,
          student_number: form.studentNumber,
          student_email: form.studentEmail,
          reset_student: form.resetFor.includes('student') ? 1 : 0,
          reset_parent: form.resetFor.includes('parent') ? 1 : 0,
          new_student: form.newFor.includes('student') ? 1 : 0,
          new_parent: form.newFor.includes('parent') ? 1 : 0,
          parent_first_name: form.parentFirstName,
          parent_last_name: form.parentLastName,
          parent_email: form.parentEmail,
          comments: form.comments,
          locale: input.locale,
          ip: input.ip,
          student_id: null,
          school_id: null,
          outcome: null,
          closed_at: null,
          closed_by: null,
          dedupe_key: key,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      await addEvent(trx, row.id, null, 'received', null, now);
      await audit(trx, { action: 'account_request.received', subjectType: 'account_request', subjectId: row.id, ip: input.ip }, now);
      await enqueue(trx, { kind: 'requests.route', payload: { requestId: row.id }, uniqueKey: `route-request:${row.id}` }, now);
    });
  } catch (error) {
    // Two identical requests at the same moment: the unique index kept one; the answer is the same.
    if (!/unique|duplicate/i.test(String((error as Error).message))) throw error;
  }
  return { kind: 'received' };
}

const routePayload = z.object({ requestId: z.number().int().positive() });

/**
 * Job `requests.route`: the student an open request is about (by number, else by a name only one
 * student has) and the office it goes to — that student's school, or the district office when it also
 * matches another school's records (schoolAlone). Run again, it changes nothing.
 */
export async function routeAccountRequest(db: Kysely<DB>, payload: unknown): Promise<void> {
  const { requestId } = routePayload.parse(payload);
  const request = await db.selectFrom('account_requests').selectAll().where('id', '=', requestId).executeTakeFirst();
  if (!request || request.status !== 'open' || request.student_id !== null) return;
  const form = {
    studentNumber: request.student_number,
    studentFirstName: request.student_first_name,
    studentLastName: request.student_last_name,
    studentEmail: request.student_email,
    parentFirstName: request.parent_first_name,
    parentLastName: request.parent_last_name,
    parentEmail: request.parent_email,
  };
  const routed = await routeRequest(db, form);
  if (!routed) return;
  const schoolId = await schoolAlone(db, routed.school_id, form);
  await db.updateTable('account_requests').set({ student_id: routed.id, school_id: schoolId }).where('id', '=', requestId).where('student_id', 'is', null).execute();
}

/** A typed student number without its leading zeros: "4001" and "0004001" are one number to a person. */
const unpadded = (number: string) => number.replace(/^0+/, '');

/** The student a typed number names: the number exactly, else the only student whose number is it with leading zeros. */
async function studentByNumber(db: Kysely<DB>, typed: string) {
  const matches = await db
    .selectFrom('students')
    .select(['id', 'school_id', 'student_number'])
    .where(sql<string>`ltrim(student_number, '0')`, '=', unpadded(typed))
    .limit(20)
    .execute();
  const found = matches.find((m) => m.student_number === typed) ?? (matches.length === 1 ? matches[0] : undefined);
  return found ? { id: found.id, school_id: found.school_id } : undefined;
}

/** The student a request is about: by number (leading zeros or not), else by a name only one student has. */
async function routeRequest(db: Kysely<DB>, form: Pick<AccountRequestInput, 'studentNumber' | 'studentFirstName' | 'studentLastName'>) {
  if (form.studentNumber) {
    const byNumber = await studentByNumber(db, form.studentNumber);
    if (byNumber) return byNumber;
  }
  const named = (await studentsByName(db, form.studentFirstName, form.studentLastName)).filter((s) => s.enrollment_status === 'active');
  return named.length === 1 ? named[0] : undefined;
}

/**
 * The routed student's school when every record the request matches is that school's; null (the
 * district office) when it also matches another school's: the number of one school's student with the
 * name of another's, or the email of a guardian who is not that school's. The routed school's office
 * still sees the request (requestsInScope), but only its own records in it.
 */
async function schoolAlone(
  db: Kysely<DB>,
  schoolId: number,
  form: Pick<AccountRequestInput, 'studentNumber' | 'studentFirstName' | 'studentLastName' | 'studentEmail' | 'parentFirstName' | 'parentLastName' | 'parentEmail'>,
): Promise<number | null> {
  const { elsewhere } = await matchesFor(
    db,
    schoolOfficeScope(schoolId),
    {
      student_number: form.studentNumber,
      student_first_name: form.studentFirstName,
      student_last_name: form.studentLastName,
      student_email: form.studentEmail,
      parent_first_name: form.parentFirstName,
      parent_last_name: form.parentLastName,
      parent_email: form.parentEmail,
    },
  );
  return elsewhere ? null : schoolId;
}

async function studentsByName(db: Kysely<DB>, first: string, last: string) {
  const lastKeys = [...new Set([last.toLowerCase(), foldName(last)])];
  const rows = await db
    .selectFrom('students')
    .select(['id', 'school_id', 'legal_first_name', 'preferred_first_name', 'enrollment_status'])
    .where((eb) => eb(eb.fn('lower', ['legal_last_name']), 'in', lastKeys))
    .limit(200)
    .execute();
  const wanted = foldName(first);
  return rows.filter((r) => foldName(r.legal_first_name) === wanted || foldName(r.preferred_first_name) === wanted);
}

async function addEvent(db: Kysely<DB>, requestId: number, actor: number | null, action: string, details: Record<string, unknown> | null, now: Date) {
  await db
    .insertInto('account_request_events')
    .values({ request_id: requestId, at: now.toISOString(), actor_account_id: actor, action, details: details ? JSON.stringify(details) : null })
    .execute();
}

// ── the staff queue ─────────────────────────────────────────────────────────────────────────────────

/**
 * Requests staff may see: their schools' (district administrators: all, and those that matched no
 * school), and those that went to the district office because they also match another school's
 * records, when the student they were routed by is at one of their schools.
 */
function requestsInScope(db: Kysely<DB>, scope: OfficeScope) {
  const q = db.selectFrom('account_requests as r');
  if (scope.district) return q;
  const schools = scope.schools.size > 0 ? [...scope.schools] : [-1];
  return q.where((eb) =>
    eb.or([
      eb('r.school_id', 'in', schools),
      eb.and([eb('r.school_id', 'is', null), eb('r.student_id', 'in', eb.selectFrom('students').select('id').where('school_id', 'in', schools))]),
    ]),
  );
}

export interface RequestListItem {
  id: number;
  receivedAt: string;
  student: string;
  studentNumber: string | null;
  wants: Wants;
  school: string | null;
  /** routed by a student but also matching another school's records: the district office has it */
  acrossSchools: boolean;
  status: 'open' | 'closed';
  outcome: string | null;
}

export interface Wants {
  resetStudent: boolean;
  resetParent: boolean;
  newStudent: boolean;
  newParent: boolean;
}

const wantsOf = (r: Pick<Row<'account_requests'>, 'reset_student' | 'reset_parent' | 'new_student' | 'new_parent'>): Wants => ({
  resetStudent: r.reset_student === 1,
  resetParent: r.reset_parent === 1,
  newStudent: r.new_student === 1,
  newParent: r.new_parent === 1,
});

export async function listAccountRequests(
  db: Kysely<DB>,
  scope: OfficeScope,
  filter: { status: 'open' | 'closed' | 'all'; q: string; page: number },
): Promise<{ items: RequestListItem[]; total: number }> {
  let base = requestsInScope(db, scope);
  if (filter.status !== 'all') base = base.where('r.status', '=', filter.status);
  if (filter.q) {
    const q = filter.q.toLowerCase();
    base = base.where((eb) =>
      eb.or([
        eb(sql<string>`ltrim(r.student_number, '0')`, '=', unpadded(filter.q)),
        eb(eb.fn('lower', ['r.student_last_name']), '=', q),
        eb(eb.fn('lower', ['r.parent_last_name']), '=', q),
        eb('r.parent_email', '=', q),
      ]),
    );
  }
  const [{ n }] = (await base.select((eb) => eb.fn.countAll<number>().as('n')).execute()) as [{ n: number }];
  const rows = await base
    .leftJoin('schools as s', 's.id', 'r.school_id')
    .select([
      'r.id',
      'r.received_at',
      'r.student_first_name',
      'r.student_last_name',
      'r.student_number',
      'r.reset_student',
      'r.reset_parent',
      'r.new_student',
      'r.new_parent',
      'r.status',
      'r.outcome',
      'r.student_id',
      'r.school_id',
      's.name as school',
    ])
    .orderBy('r.received_at', filter.status === 'open' ? 'asc' : 'desc')
    .orderBy('r.id')
    .limit(PAGE_SIZE)
    .offset((filter.page - 1) * PAGE_SIZE)
    .execute();
  return {
    total: Number(n),
    items: rows.map((r) => ({
      id: r.id,
      receivedAt: r.received_at,
      student: `${r.student_first_name} ${r.student_last_name}`,
      studentNumber: r.student_number,
      wants: wantsOf(r),
      school: r.school,
      acrossSchools: r.school_id === null && r.student_id !== null,
      status: r.status,
      outcome: r.outcome,
    })),
  };
}

export type Quality = 'strong' | 'partial' | 'weak';

export interface AccountSummary {
  id: number;
  username: string;
  status: string;
  /** the confirmed security email: where a reset link can go */
  recoveryEmail: string | null;
}

/** What a matched record has in common with the request, and what staff may do with it. */
interface MatchFacts {
  firstNameMatches: boolean;
  lastNameMatches: boolean;
  emailMatches: boolean;
  quality: Quality;
  /** staff may act for this person (a student of their school, a parent of such a matched student) */
  mayAct: boolean;
  account: AccountSummary | null;
}

/** A student the request matches, at one of the staff member's schools (district administrators: any). */
export interface StudentMatch extends MatchFacts {
  id: number;
  name: string;
  number: string;
  school: string;
  schoolId: number;
  grade: number;
  birthDate: string;
  email: string | null;
  numberMatches: boolean;
}

/** A parent or guardian the request matches, linked with portal access to a student of the staff member's schools. */
export interface GuardianMatch extends MatchFacts {
  id: number;
  name: string;
  email: string | null;
  /** students of the matches this guardian is linked to, with portal access */
  linkedTo: string[];
}

export interface RequestEvent {
  at: string;
  action: string;
  actor: string | null;
  /** the address on record that was told, when it is one of the matches this staff member sees */
  notified: string | null;
}

export interface RequestDetail {
  request: Row<'account_requests'>;
  wants: Wants;
  school: string | null;
  /** routed by a student but also matching another school's records: the district office has it */
  acrossSchools: boolean;
  /** the matches this staff member may see */
  students: StudentMatch[];
  guardians: GuardianMatch[];
  /**
   * The request also matches records that are not this staff member's to see (another school's
   * student, a guardian not linked to a student of their schools). Only that fact: not who, how
   * many or how well, so the form cannot be used to look anyone up from another school's office.
   */
  elsewhere: boolean;
  events: RequestEvent[];
  /** the address on record that the requester can be told the outcome at, if the form gave one */
  replyTo: string | null;
}

/** One request with what it matches; null when it does not exist or is not this staff member's to see. */
/**
 * A staff member opens an account request: the detail their scope may read, and the view in the audit
 * log (every staff view of a family's record is audited, from a page, the CLI or an API alike).
 */
export async function viewAccountRequest(db: Kysely<DB>, viewer: StaffActor, id: number, now: Date): Promise<RequestDetail | null> {
  const detail = await openAccountRequest(db, viewer.scope, id);
  if (detail) await audit(db, { action: 'account_request.viewed', actorAccountId: viewer.actorAccountId, subjectType: 'account_request', subjectId: id, ip: viewer.ip }, now);
  return detail;
}

/** The detail without recording a view: for showing it again within an action (a form with errors), and for acting. */
export async function openAccountRequest(db: Kysely<DB>, scope: OfficeScope, id: number): Promise<RequestDetail | null> {
  const request = await requestsInScope(db, scope).selectAll('r').where('r.id', '=', id).executeTakeFirst();
  if (!request) return null;
  const school = request.school_id
    ? ((await db.selectFrom('schools').select('name').where('id', '=', request.school_id).executeTakeFirst())?.name ?? null)
    : null;
  const { students, guardians, elsewhere } = await matchesFor(db, scope, request);
  const events = await db
    .selectFrom('account_request_events as e')
    .leftJoin('user_accounts as a', 'a.id', 'e.actor_account_id')
    .leftJoin('staff as t', 't.id', 'a.staff_id')
    .select(['e.at', 'e.action', 'e.details', 't.first_name', 't.last_name', 'a.username'])
    .where('e.request_id', '=', id)
    .orderBy('e.id')
    .execute();
  // Who was told, only at an address of a record this staff member sees: the district office may
  // have acted for another school's student, and that student's address is not this office's to read.
  const known = new Set<string>();
  for (const m of [...students, ...guardians]) {
    if (m.email) known.add(normalizeEmail(m.email));
    if (m.account?.recoveryEmail) known.add(normalizeEmail(m.account.recoveryEmail));
  }
  const told = (details: string | null): string | null => {
    const notified = details ? (JSON.parse(details) as Record<string, unknown>).notified : null;
    if (typeof notified !== 'string') return null;
    return scope.district || known.has(normalizeEmail(notified)) ? notified : null;
  };
  return {
    request,
    wants: wantsOf(request),
    school,
    acrossSchools: request.school_id === null && request.student_id !== null,
    students,
    guardians,
    elsewhere,
    events: events.map((e) => ({
      at: e.at,
      action: e.action,
      actor: e.first_name ? `${e.first_name} ${e.last_name}` : (e.username ?? null),
      notified: told(e.details),
    })),
    replyTo: replyAddress(request, students, guardians),
  };
}

function qualityOfStudent(m: { numberMatches: boolean; firstNameMatches: boolean; lastNameMatches: boolean; emailMatches: boolean }): Quality {
  const names = Number(m.firstNameMatches) + Number(m.lastNameMatches);
  if (m.numberMatches && names === 2) return 'strong';
  if ((m.numberMatches && names === 1) || (!m.numberMatches && names === 2 && m.emailMatches)) return 'strong';
  if (m.numberMatches || names === 2) return 'partial';
  return 'weak';
}

async function accountsOf(db: Kysely<DB>, column: 'student_id' | 'guardian_id', ids: number[]) {
  if (ids.length === 0) return new Map<number, AccountSummary>();
  const rows = await db
    .selectFrom('user_accounts')
    .select(['id', 'username', 'status', 'security_email', 'security_email_confirmed_at', column])
    .where(column, 'in', ids)
    .execute();
  return new Map(
    rows.map((a) => [
      a[column] as number,
      { id: a.id, username: a.username, status: a.status, recoveryEmail: a.security_email && a.security_email_confirmed_at ? a.security_email : null },
    ]),
  );
}

type TypedDetails = Pick<
  Row<'account_requests'>,
  'student_number' | 'student_first_name' | 'student_last_name' | 'student_email' | 'parent_first_name' | 'parent_last_name' | 'parent_email'
>;

/**
 * The records a request matches, as this staff member may see them. Students at their schools and
 * guardians linked (with portal access) to a student of their schools are described in full; any
 * other match only sets `elsewhere`, and nothing of it (not even how well it matched) reaches the
 * guardians' match quality, the reply address or the result.
 */
async function matchesFor(
  db: Kysely<DB>,
  scope: OfficeScope,
  request: TypedDetails,
): Promise<{ students: StudentMatch[]; guardians: GuardianMatch[]; elsewhere: boolean }> {
  const ids = new Set<number>();
  if (request.student_number) {
    const s = await studentByNumber(db, request.student_number);
    if (s) ids.add(s.id);
  }
  for (const s of await studentsByName(db, request.student_first_name, request.student_last_name)) ids.add(s.id);
  const matched =
    ids.size === 0
      ? []
      : await db
          .selectFrom('students as s')
          .innerJoin('schools as sc', 'sc.id', 's.school_id')
          .select([
            's.id',
            's.student_number',
            's.legal_first_name',
            's.preferred_first_name',
            's.legal_last_name',
            's.preferred_last_name',
            's.grade_level',
            's.birth_date',
            's.email',
            's.school_id',
            'sc.name as school',
          ])
          .where('s.id', 'in', [...ids].slice(0, 20))
          .execute();
  const rows = matched.filter((s) => mayActOnSchool(scope, s.school_id));
  let elsewhere = rows.length < matched.length;
  const studentAccounts = await accountsOf(db, 'student_id', rows.map((r) => r.id));
  const first = foldName(request.student_first_name);
  const last = foldName(request.student_last_name);
  const students: StudentMatch[] = rows.map((s) => {
    const m = {
      numberMatches: request.student_number !== null && unpadded(s.student_number) === unpadded(request.student_number),
      firstNameMatches: [s.legal_first_name, s.preferred_first_name].some((n) => n !== null && foldName(n) === first),
      lastNameMatches: [s.legal_last_name, s.preferred_last_name].some((n) => n !== null && foldName(n) === last),
      emailMatches: request.student_email !== null && s.email !== null && normalizeEmail(s.email) === normalizeEmail(request.student_email),
    };
    return {
      id: s.id,
      name: `${s.preferred_first_name ?? s.legal_first_name} ${s.legal_last_name}`,
      number: s.student_number,
      school: s.school,
      schoolId: s.school_id,
      grade: s.grade_level,
      birthDate: s.birth_date,
      email: s.email,
      ...m,
      quality: qualityOfStudent(m),
      mayAct: mayActOnSchool(scope, s.school_id),
      account: studentAccounts.get(s.id) ?? null,
    };
  });
  const order: Record<Quality, number> = { strong: 0, partial: 1, weak: 2 };
  students.sort((a, b) => order[a.quality] - order[b.quality] || a.id - b.id);

  // Guardians: those linked (with portal access) to a matched student, and any with the typed email.
  const matchedIds = matched.map((s) => s.id);
  const links =
    matchedIds.length === 0
      ? []
      : await portalLinks(db).select(['sg.guardian_id', 'sg.student_id']).where('sg.student_id', 'in', matchedIds).execute();
  const candidates = new Set(links.map((l) => l.guardian_id));
  if (request.parent_email) {
    for (const id of await guardiansWithEmail(db, normalizeEmail(request.parent_email), 10)) candidates.add(id);
  }
  // A guardian is this office's when linked with portal access to a student of its schools; one found
  // only by the typed email is not, or the form would tell any office whose address that is.
  let shown = [...candidates];
  if (!scope.district && shown.length > 0) {
    const schools = scope.schools.size > 0 ? [...scope.schools] : [-1];
    const ours = await portalLinks(db)
      .innerJoin('students as s', 's.id', 'sg.student_id')
      .select('sg.guardian_id')
      .distinct()
      .where('sg.guardian_id', 'in', shown)
      .where('s.school_id', 'in', schools)
      .execute();
    const inScope = new Set(ours.map((o) => o.guardian_id));
    shown = shown.filter((id) => inScope.has(id));
    if (shown.length < candidates.size) elsewhere = true;
  }
  const guardianRows =
    shown.length === 0 ? [] : await db.selectFrom('guardians').select(['id', 'first_name', 'last_name', 'email']).where('id', 'in', shown.slice(0, 40)).execute();
  const guardianAccounts = await accountsOf(db, 'guardian_id', guardianRows.map((g) => g.id));
  const pFirst = foldName(request.parent_first_name);
  const pLast = foldName(request.parent_last_name);
  const guardians: GuardianMatch[] = guardianRows.map((g) => {
    // Only the matched students this staff member sees: another school's student neither shows here
    // nor lifts the guardian's match quality.
    const linked = students.filter((s) => links.some((l) => l.guardian_id === g.id && l.student_id === s.id));
    const firstNameMatches = pFirst !== '' && foldName(g.first_name) === pFirst;
    const lastNameMatches = pLast !== '' && foldName(g.last_name) === pLast;
    const account = guardianAccounts.get(g.id) ?? null;
    const emailMatches =
      request.parent_email !== null &&
      ((g.email !== null && normalizeEmail(g.email) === normalizeEmail(request.parent_email)) || (account?.recoveryEmail != null && normalizeEmail(account.recoveryEmail) === normalizeEmail(request.parent_email)));
    const toGoodStudent = linked.some((s) => s.quality !== 'weak');
    const quality: Quality =
      toGoodStudent && ((firstNameMatches && lastNameMatches) || emailMatches)
        ? 'strong'
        : (toGoodStudent && (firstNameMatches || lastNameMatches)) || (emailMatches && firstNameMatches && lastNameMatches)
          ? 'partial'
          : 'weak';
    return {
      id: g.id,
      name: `${g.first_name} ${g.last_name}`,
      email: g.email,
      linkedTo: linked.map((s) => s.name),
      firstNameMatches,
      lastNameMatches,
      emailMatches,
      quality,
      mayAct: linked.some((s) => s.mayAct),
      account,
    };
  });
  guardians.sort((a, b) => order[a.quality] - order[b.quality] || a.id - b.id);
  return { students, guardians, elsewhere };
}

/**
 * Where the requester may be told the outcome: an address the form gave that is already on record
 * for a well-matched person (a guardian's email, a student's email, or their account's confirmed
 * security email) whom this staff member sees. Otherwise nowhere.
 */
function replyAddress(request: Row<'account_requests'>, students: StudentMatch[], guardians: GuardianMatch[]): string | null {
  const trusted = new Set<string>();
  for (const g of guardians) {
    if (g.quality === 'weak') continue;
    if (g.email) trusted.add(normalizeEmail(g.email));
    if (g.account?.recoveryEmail) trusted.add(normalizeEmail(g.account.recoveryEmail));
  }
  for (const s of students) {
    if (s.quality === 'weak') continue;
    if (s.email) trusted.add(normalizeEmail(s.email));
    if (s.account?.recoveryEmail) trusted.add(normalizeEmail(s.account.recoveryEmail));
  }
  for (const typed of [request.parent_email, request.student_email]) if (typed && trusted.has(typed)) return typed;
  return null;
}

/**
 * Staff remove a request's comment (a password typed in it, or anything else not to be kept): the
 * text is deleted from the row — not hidden — and the history and the audit log say who removed it
 * and when, never what it said. 'none' when there is no comment; 'missing' when the request is not
 * the staff member's to see.
 */
export async function redactRequestComment(
  db: Kysely<DB>,
  input: { scope: OfficeScope; actorAccountId: number; requestId: number; ip: string | null },
  now: Date,
): Promise<'done' | 'none' | 'missing'> {
  const row = await requestsInScope(db, input.scope).select(['r.id', 'r.comments']).where('r.id', '=', input.requestId).executeTakeFirst();
  if (!row) return 'missing';
  if (row.comments === null) return 'none';
  return db.transaction().execute(async (trx) => {
    const cleared = await trx.updateTable('account_requests').set({ comments: null }).where('id', '=', input.requestId).where('comments', 'is not', null).executeTakeFirst();
    if (Number(cleared.numUpdatedRows) === 0) return 'none';
    await addEvent(trx, input.requestId, input.actorAccountId, 'comment_redacted', null, now);
    await audit(trx, { action: 'account_request.comment_redacted', actorAccountId: input.actorAccountId, subjectType: 'account_request', subjectId: input.requestId, ip: input.ip }, now);
    return 'done';
  });
}

export type ActionProblem = 'notFound' | 'noRecoveryEmail' | 'hasAccount' | 'noEmailOnRecord' | 'usernameTaken' | 'notAllowed' | 'noPortalAccess';

export type ActionResult =
  | { kind: 'done'; outcome: string; notified: string | null; key?: IssuedKey }
  | { kind: 'problem'; problem: ActionProblem }
  | { kind: 'missing' };

/** Staff act on a request; the target must be one of the request's matches that they may act for. */
export async function actOnAccountRequest(
  db: Kysely<DB>,
  input: {
    scope: OfficeScope;
    actorAccountId: number;
    requestId: number;
    action: RequestAction;
    baseUrl: string;
    district: AccountMailDistrict;
    keyDays: number;
    ip: string | null;
  },
  now: Date,
): Promise<ActionResult> {
  const detail = await openAccountRequest(db, input.scope, input.requestId);
  if (!detail) return { kind: 'missing' };
  const { action } = input;
  const requestLocale: Locale = isLocale(detail.request.locale) ? detail.request.locale : 'en';
  const record = async (trx: Kysely<DB>, outcome: string, details: Record<string, unknown>) => {
    const t = now.toISOString();
    await trx
      .updateTable('account_requests')
      .set({ status: 'closed', outcome, closed_at: t, closed_by: input.actorAccountId })
      .where('id', '=', input.requestId)
      .execute();
    await addEvent(trx, input.requestId, input.actorAccountId, outcome, details, now);
    await audit(
      trx,
      { action: `account_request.${outcome}`, actorAccountId: input.actorAccountId, subjectType: 'account_request', subjectId: input.requestId, ip: input.ip, details },
      now,
    );
  };

  if (action.action === 'reset') {
    const owner =
      detail.students.find((s) => s.account?.id === action.accountId) ?? detail.guardians.find((g) => g.account?.id === action.accountId);
    if (!owner?.account) return { kind: 'problem', problem: 'notFound' };
    if (!owner.mayAct) return { kind: 'problem', problem: 'notAllowed' };
    const account = await findAccountById(db, owner.account.id);
    const to = account?.status === 'active' && account.security_email_confirmed_at ? account.security_email : null;
    if (!account || !to) return { kind: 'problem', problem: 'noRecoveryEmail' };
    await db.transaction().execute(async (trx) => {
      await writeResetLink(trx, { account, to, baseUrl: input.baseUrl, district: input.district, body: 'email.requestReset.body', byStaff: true }, now);
      await record(trx, 'reset_sent', { account: account.id, person: owner.name, notified: to });
    });
    return { kind: 'done', outcome: 'reset_sent', notified: to };
  }

  if (action.action === 'activationLink') {
    const guardian = detail.guardians.find((g) => g.id === action.guardianId);
    if (!guardian) return { kind: 'problem', problem: 'notFound' };
    if (!guardian.mayAct) return { kind: 'problem', problem: 'notAllowed' };
    if (guardian.linkedTo.length === 0) return { kind: 'problem', problem: 'noPortalAccess' };
    if (guardian.account && guardian.account.status !== 'pending') return { kind: 'problem', problem: 'hasAccount' };
    const email = guardian.email ? normalizeEmail(guardian.email) : '';
    if (!email) return { kind: 'problem', problem: 'noEmailOnRecord' };
    const result = await db.transaction().execute(async (trx) => {
      let accountId = guardian.account?.id;
      if (!accountId) {
        const taken = await trx.selectFrom('user_accounts').select('id').where('username_key', '=', email).executeTakeFirst();
        if (taken) return 'usernameTaken' as const;
        const language = await trx.selectFrom('guardians').select('preferred_language').where('id', '=', guardian.id).executeTakeFirstOrThrow();
        const t = now.toISOString();
        const made = await trx
          .insertInto('user_accounts')
          .values({
            username: email,
            username_key: email,
            password_hash: null,
            status: 'pending',
            must_change_password: 0,
            security_email: email,
            security_email_confirmed_at: null,
            person_kind: 'guardian',
            guardian_id: guardian.id,
            locale: language.preferred_language,
            created_at: t,
            updated_at: t,
            updated_by: input.actorAccountId,
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        accountId = made.id;
      } else {
        // A pending account keeps its username; its welcome goes to the guardian's email on record, and
        // links sent before (perhaps to another address) end.
        await trx.updateTable('user_accounts').set({ security_email: email }).where('id', '=', accountId).execute();
        await endOutstandingTokens(trx, accountId, now.toISOString());
      }
      await enqueue(trx, { kind: 'accounts.welcome', payload: { accountId }, uniqueKey: `welcome:${accountId}:request:${input.requestId}:${now.toISOString()}` }, now);
      await record(trx, 'activation_sent', { account: accountId, person: guardian.name, notified: email });
      return 'ok' as const;
    });
    if (result === 'usernameTaken') return { kind: 'problem', problem: 'usernameTaken' };
    return { kind: 'done', outcome: 'activation_sent', notified: email };
  }

  if (action.action === 'key') {
    const person =
      action.person === 'student' ? detail.students.find((s) => s.id === action.personId) : detail.guardians.find((g) => g.id === action.personId);
    if (!person) return { kind: 'problem', problem: 'notFound' };
    if (!person.mayAct) return { kind: 'problem', problem: 'notAllowed' };
    if (person.account && person.account.status !== 'pending') return { kind: 'problem', problem: 'hasAccount' };
    if (action.person === 'guardian' && (person as GuardianMatch).linkedTo.length === 0) return { kind: 'problem', problem: 'noPortalAccess' };
    const recipient = await keyRecipient(db, action.person, person.id);
    // The holder hears from school at an address on record, never at one only typed into the form.
    const to = person.account?.recoveryEmail ?? (person.email ? normalizeEmail(person.email) : null);
    const issued = await db.transaction().execute(async (trx) => {
      const [key] = await issueActivationKeys(trx, { scope: input.scope, recipients: [recipient], issuedBy: input.actorAccountId, days: input.keyDays }, now);
      if (to) {
        await enqueueEmail(
          trx,
          composeEmail({
            kind: 'request_key',
            to,
            locale: requestLocale,
            district: input.district,
            subject: 'email.requestKey.subject',
            paragraphs: [{ key: 'email.requestKey.body', params: { name: person.name } }],
          }),
          now,
        );
      }
      await record(trx, 'key_issued', { person: person.name, kind: action.person, notified: to });
      return key!;
    });
    return { kind: 'done', outcome: 'key_issued', notified: to, key: issued };
  }

  const reason: CloseReason = action.reason;
  const to = reason === 'spam' ? null : detail.replyTo;
  await db.transaction().execute(async (trx) => {
    if (to) {
      await enqueueEmail(
        trx,
        composeEmail({
          kind: 'request_closed',
          to,
          locale: requestLocale,
          district: input.district,
          subject: 'email.requestClosed.subject',
          paragraphs: [
            { key: 'email.requestClosed.body', params: { student: `${detail.request.student_first_name} ${detail.request.student_last_name}` } },
            { key: `email.requestClosed.${reason}` },
          ],
        }),
        now,
      );
    }
    await record(trx, closedOutcome(reason), { notified: to });
  });
  return { kind: 'done', outcome: closedOutcome(reason), notified: to };
}

async function keyRecipient(db: Kysely<DB>, kind: 'student' | 'guardian', id: number) {
  if (kind === 'student') {
    const s = await db
      .selectFrom('students')
      .select(['id', 'student_number', 'school_id', 'preferred_language', 'legal_last_name', (eb) => eb.fn.coalesce('preferred_first_name', 'legal_first_name').as('first')])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    return {
      kind: 'student' as const,
      id: s.id,
      firstName: s.first ?? '',
      lastName: s.legal_last_name,
      language: s.preferred_language,
      students: [{ name: `${s.first} ${s.legal_last_name}`, number: s.student_number, schoolId: s.school_id }],
    };
  }
  const g = await db.selectFrom('guardians').select(['id', 'first_name', 'last_name', 'preferred_language']).where('id', '=', id).executeTakeFirstOrThrow();
  const students = await portalLinks(db)
    .innerJoin('students as s', 's.id', 'sg.student_id')
    .select(['s.student_number', 's.school_id', 's.legal_last_name', (eb) => eb.fn.coalesce('s.preferred_first_name', 's.legal_first_name').as('first')])
    .where('sg.guardian_id', '=', id)
    .execute();
  return {
    kind: 'guardian' as const,
    id: g.id,
    firstName: g.first_name,
    lastName: g.last_name,
    language: g.preferred_language,
    students: students.map((s) => ({ name: `${s.first} ${s.legal_last_name}`, number: s.student_number, schoolId: s.school_id })),
  };
}

