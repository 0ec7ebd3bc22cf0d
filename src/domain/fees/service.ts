/**
 * Fees (issue 24, ADR 0039): office staff assess fees to a student, a section, a grade or a school,
 * adjust or waive them with a reason, record payments made at the office and refund them; families see
 * each child's fees and their history. Money is integer cents; every change to a fee is one transaction
 * with its ledger row, and a fee's balance is the SUM of its ledger (never stored).
 *
 * Access: office staff act inside their OfficeScope (a fee, student or payment outside it answers like
 * one that does not exist); families read through a ReadableStudent. Every write form carries a key
 * made when the form was shown: the same form sent twice (two tabs, a double click) writes once, and the
 * second answers 'duplicate'.
 */
import { randomBytes } from 'node:crypto';
import { sql, type Kysely, type SqlBool } from 'kysely';
import type { DateString, DB, FeeLedgerKind } from '../../db/schema.js';
import type { MessageKey } from '../../i18n/index.js';
import { audit } from '../audit/service.js';
import { mayActOnSchool, type OfficeScope, type StaffActor } from '../access/staff.js';
import type { ReadableStudent } from '../access/portal.js';
import { hasForbiddenCharacters } from '../forms.js';
import { containing, foldForSearch } from '../staff/students.js';
import { parseCents } from './money.js';
import { toolUrl } from '../portal/tools.js';
import type { TodoItem } from '../todo/registry.js';

export type Problems = Record<string, MessageKey>;
export type FeeStatus = 'open' | 'paid' | 'waived';
export type PaymentMethod = 'cash' | 'check' | 'online';

export const MAX_DESCRIPTION = 200;
export const MAX_REASON = 500;
/** How many fees the office's list shows at once (a search narrows it). */
export const LIST_LIMIT = 200;

/** A fresh key for a write form: 128 bits from the CSPRNG. */
export function formKey(): string {
  return randomBytes(16).toString('hex');
}

const KEY = /^[A-Za-z0-9_-]{16,64}$/;

/** The school year (the calendar year it ends in) a date falls in: from July 1 on, the next one. */
export function schoolYearOf(date: DateString): number {
  const year = Number(date.slice(0, 4));
  return Number(date.slice(5, 7)) >= 7 ? year + 1 : year;
}

export interface LedgerEntry {
  id: number;
  kind: FeeLedgerKind;
  amountCents: number;
  reason: string | null;
  paymentId: number | null;
  method: PaymentMethod | null;
  checkNumber: string | null;
  at: string;
}

export interface Fee {
  id: number;
  studentId: number;
  student: string;
  studentNumber: string;
  grade: number;
  schoolId: number;
  school: string;
  schoolYear: number;
  description: { en: string; es: string };
  /** as first assessed */
  amountCents: number;
  /** assessed and adjusted */
  chargedCents: number;
  /** paid less refunded */
  paidCents: number;
  waivedCents: number;
  balanceCents: number;
  dueDate: string | null;
  required: boolean;
  status: FeeStatus;
}

/** open while something is owed; closed, paid when money was kept, else waived. */
export function statusOf(balance: number, paid: number): FeeStatus {
  return balance > 0 ? 'open' : paid > 0 ? 'paid' : 'waived';
}

// ── reading ──────────────────────────────────────────────────────────────────────────────────────────

/**
 * Which fees a read is about. Their ledgers alone are summed: a grouped pass over the whole ledger
 * joined to a few fees reads every fee's rows of the district (neither engine pushes the outer filter
 * into the grouped subquery), which a family's To Do or Payments page would pay on every load.
 */
type FeeSet = { ids: readonly number[] } | { students: readonly number[] } | { schools: readonly number[] | 'all' };

/** The fees' ids of a set, for the ledger's sums (null: every fee). */
function feeIdsOf(db: Kysely<DB>, set: FeeSet) {
  if ('ids' in set) return set.ids.length ? [...set.ids] : [-1];
  if ('students' in set) return db.selectFrom('fees').select('id').where('student_id', 'in', set.students.length ? [...set.students] : [-1]);
  if (set.schools === 'all') return null;
  return db.selectFrom('fees').select('id').where('school_id', 'in', set.schools.length ? [...set.schools] : [-1]);
}

/** The set's fees' sums from their ledgers, in one grouped pass. */
function sums(db: Kysely<DB>, set: FeeSet) {
  const ids = feeIdsOf(db, set);
  const q = db
    .selectFrom('fee_ledger')
    .select('fee_id')
    .select(sql<number>`sum(amount_cents)`.as('balance'))
    .select(sql<number>`sum(case when kind in ('assessed', 'adjusted') then amount_cents else 0 end)`.as('charged'))
    .select(sql<number>`sum(case when kind in ('paid', 'refunded') then -amount_cents else 0 end)`.as('paid'))
    .select(sql<number>`sum(case when kind = 'waived' then -amount_cents else 0 end)`.as('waived'))
    .groupBy('fee_id');
  return ids === null ? q : q.where('fee_id', 'in', ids);
}

/** The set's fees with their sums; the caller narrows further (the set itself is applied here). */
function feeQuery(db: Kysely<DB>, set: FeeSet) {
  return db
    .selectFrom('fees as f')
    .innerJoin(sums(db, set).as('t'), 't.fee_id', 'f.id')
    .innerJoin('students as s', 's.id', 'f.student_id')
    .innerJoin('schools as sc', 'sc.id', 'f.school_id')
    .select([
      'f.id',
      'f.student_id',
      's.legal_last_name',
      's.legal_first_name',
      's.preferred_first_name',
      's.student_number',
      's.grade_level',
      'f.school_id',
      'sc.name as school',
      'f.school_year',
      'f.description_en',
      'f.description_es',
      'f.amount_cents',
      'f.due_date',
      'f.required',
      't.balance',
      't.charged',
      't.paid',
      't.waived',
    ]);
}

type FeeRow = Awaited<ReturnType<ReturnType<typeof feeQuery>['executeTakeFirstOrThrow']>>;

function feeOf(r: FeeRow): Fee {
  const balance = Number(r.balance);
  const paid = Number(r.paid);
  return {
    id: r.id,
    studentId: r.student_id,
    student: `${r.legal_last_name}, ${r.preferred_first_name ?? r.legal_first_name}`,
    studentNumber: r.student_number,
    grade: r.grade_level,
    schoolId: r.school_id,
    school: r.school,
    schoolYear: r.school_year,
    description: { en: r.description_en, es: r.description_es },
    amountCents: r.amount_cents,
    chargedCents: Number(r.charged),
    paidCents: paid,
    waivedCents: Number(r.waived),
    balanceCents: balance,
    dueDate: r.due_date,
    required: r.required === 1,
    status: statusOf(balance, paid),
  };
}

const statusWhere = (status: FeeStatus) =>
  status === 'open' ? sql<SqlBool>`t.balance > 0` : status === 'paid' ? sql<SqlBool>`t.balance = 0 and t.paid > 0` : sql<SqlBool>`t.balance = 0 and t.paid = 0`;

export interface FeeFilter {
  schoolId: number | null;
  status: FeeStatus | null;
  grade: number | null;
  q: string;
}

/** The fees of the office's schools matching the filter, by due date then student; at most LIST_LIMIT, and how many matched. */
export async function listSchoolFees(db: Kysely<DB>, scope: OfficeScope, filter: FeeFilter): Promise<{ fees: Fee[]; total: number }> {
  const schools: FeeSet = { schools: filter.schoolId !== null ? (mayActOnSchool(scope, filter.schoolId) ? [filter.schoolId] : []) : scope.district ? 'all' : [...scope.schools] };
  let q = feeQuery(db, schools).select((eb) => eb.fn.countAll<number>().over().as('matches'));
  if (filter.schoolId !== null) q = q.where('f.school_id', '=', mayActOnSchool(scope, filter.schoolId) ? filter.schoolId : -1);
  else if (!scope.district) q = q.where('f.school_id', 'in', scope.schools.size ? [...scope.schools] : [-1]);
  if (filter.status) q = q.where(statusWhere(filter.status));
  if (filter.grade !== null) q = q.where('s.grade_level', '=', filter.grade);
  const words = foldForSearch(filter.q).split(/\s+/).filter(Boolean);
  if (/^\d+$/.test(filter.q.trim())) q = q.where(sql<string>`ltrim(s.student_number, '0')`, '=', filter.q.trim().replace(/^0+/, ''));
  else for (const word of words) q = q.where((eb) => eb.or([sql<SqlBool>`s.search_name like ${containing(word)} escape '\\'`, sql<SqlBool>`lower(f.description_en) like ${containing(word)} escape '\\'`, sql<SqlBool>`lower(f.description_es) like ${containing(word)} escape '\\'`]));
  const rows = await q
    .orderBy(sql`case when f.due_date is null then 1 else 0 end`)
    .orderBy('f.due_date')
    .orderBy('s.legal_last_name')
    .orderBy('s.legal_first_name')
    .orderBy('f.id')
    .limit(LIST_LIMIT)
    .execute();
  return { fees: rows.map(feeOf), total: Number(rows[0]?.matches ?? 0) };
}

/** The schools an office may assess fees in: id, name, grades. */
export async function feeSchools(db: Kysely<DB>, scope: OfficeScope) {
  let q = db.selectFrom('schools').select(['id', 'name', 'grade_low', 'grade_high']).orderBy('name');
  if (!scope.district) q = q.where('id', 'in', scope.schools.size ? [...scope.schools] : [-1]);
  return q.execute();
}

/** The sections of the office's schools (to assess a fee to a class), by school and course. */
export async function feeSections(db: Kysely<DB>, scope: OfficeScope) {
  let q = db
    .selectFrom('sections as se')
    .innerJoin('courses as c', 'c.id', 'se.course_id')
    .innerJoin('schools as sc', 'sc.id', 'se.school_id')
    .select(['se.id', 'se.section_code', 'c.title', 'c.course_code', 'sc.name as school'])
    .orderBy('sc.name')
    .orderBy('c.title')
    .orderBy('se.section_code');
  if (!scope.district) q = q.where('se.school_id', 'in', scope.schools.size ? [...scope.schools] : [-1]);
  return q.execute();
}

export interface FeeStudent {
  id: number;
  name: string;
  number: string;
  grade: number;
  schoolId: number;
  school: string;
}

/** A student of the office's schools, or null. */
export async function officeStudent(db: Kysely<DB>, scope: OfficeScope, studentId: number): Promise<FeeStudent | null> {
  const s = await db
    .selectFrom('students as s')
    .innerJoin('schools as sc', 'sc.id', 's.school_id')
    .select(['s.id', 's.legal_first_name', 's.preferred_first_name', 's.legal_last_name', 's.student_number', 's.grade_level', 's.school_id', 'sc.name as school'])
    .where('s.id', '=', studentId)
    .executeTakeFirst();
  if (!s || !mayActOnSchool(scope, s.school_id)) return null;
  return { id: s.id, name: `${s.preferred_first_name ?? s.legal_first_name} ${s.legal_last_name}`, number: s.student_number, grade: s.grade_level, schoolId: s.school_id, school: s.school };
}

export interface FeeWithHistory extends Fee {
  history: LedgerEntry[];
}

/** A student's fees (every school year, newest due first) with their ledgers. */
export async function feesOfStudent(db: Kysely<DB>, studentId: number): Promise<FeeWithHistory[]> {
  const rows = await feeQuery(db, { students: [studentId] }).where('f.student_id', '=', studentId).orderBy('f.school_year', 'desc').orderBy('f.id', 'desc').execute();
  // The student's whole ledger in one query, whether they have fees or not (the page asks a fixed number of queries).
  const ledger = await db
    .selectFrom('fee_ledger as l')
    .innerJoin('fees as lf', 'lf.id', 'l.fee_id')
    .leftJoin('fee_payments as p', 'p.id', 'l.payment_id')
    .select(['l.id', 'l.fee_id', 'l.kind', 'l.amount_cents', 'l.reason', 'l.payment_id', 'p.method', 'p.check_number', 'l.at'])
    .where('lf.student_id', '=', studentId)
    .orderBy('l.id')
    .execute();
  return rows.map((r) => ({
    ...feeOf(r),
    history: ledger
      .filter((l) => l.fee_id === r.id)
      .map((l) => ({ id: l.id, kind: l.kind, amountCents: l.amount_cents, reason: l.reason, paymentId: l.payment_id, method: l.method ?? null, checkNumber: l.check_number ?? null, at: l.at })),
  }));
}

/** A fee the office may act on, or null. */
export async function officeFee(db: Kysely<DB>, scope: OfficeScope, feeId: number): Promise<Fee | null> {
  const row = await feeQuery(db, { ids: [feeId] }).where('f.id', '=', feeId).executeTakeFirst();
  return row && mayActOnSchool(scope, row.school_id) ? feeOf(row) : null;
}

export interface SchoolOffice {
  name: string;
  address: string | null;
  phone: string | null;
}

/** For families: a child's fees with their history, and the office of the child's school where they are paid. */
export async function familyFees(db: Kysely<DB>, student: ReadableStudent): Promise<{ fees: FeeWithHistory[]; office: SchoolOffice }> {
  const school = await db.selectFrom('schools').select(['name', 'address_line1', 'city', 'state', 'postal_code', 'phone']).where('id', '=', student.schoolId).executeTakeFirstOrThrow();
  const address = [school.address_line1, [school.city, [school.state, school.postal_code].filter(Boolean).join(' ')].filter(Boolean).join(', ')].filter(Boolean).join(', ');
  return { fees: await feesOfStudent(db, student.id), office: { name: school.name, address: address || null, phone: school.phone } };
}

// ── checking what the office typed ──────────────────────────────────────────────────────────────────

function text(body: Record<string, unknown>, name: string): string {
  return typeof body[name] === 'string' ? (body[name] as string).normalize('NFKC').trim() : '';
}

function checkText(problems: Problems, name: string, value: string, max: number, required = true): void {
  if (value === '') {
    if (required) problems[name] = 'form.required';
  } else if (value.length > max) problems[name] = 'form.tooLong';
  else if (hasForbiddenCharacters(value)) problems[name] = 'form.badCharacters';
}

function isDate(value: string): boolean {
  return /^\d{4}-\d{2}-\d{2}$/.test(value) && !Number.isNaN(Date.parse(`${value}T00:00:00Z`)) && new Date(`${value}T00:00:00Z`).toISOString().slice(0, 10) === value;
}

function keyOf(body: Record<string, unknown>, problems: Problems): string {
  const key = text(body, 'key');
  if (!KEY.test(key)) problems.form = 'fees.problem.staleForm';
  return key;
}

/** Thrown inside a transaction to roll it back: the form was already sent. */
class AlreadyDone extends Error {
  constructor() {
    super('This form was already sent');
    this.name = 'AlreadyDone';
  }
}

// ── assessing ────────────────────────────────────────────────────────────────────────────────────────

export const TARGETS = ['student', 'section', 'grade', 'school'] as const;
export type Target = (typeof TARGETS)[number];

export type AssessResult = { kind: 'assessed'; count: number; studentId: number | null } | { kind: 'problems'; problems: Problems } | { kind: 'duplicate' };

/**
 * Fees to a student (by number), a section (its students enrolled today), a grade of a school or a
 * whole school (their active students): one fee row per student and its 'assessed' ledger row, all in
 * one transaction (a school of a thousand students is a few multi-row inserts).
 */
export async function assessFees(db: Kysely<DB>, actor: StaffActor, body: Record<string, unknown>, today: DateString, now: Date): Promise<AssessResult> {
  const problems: Problems = {};
  const key = keyOf(body, problems);
  const target = text(body, 'target') as Target;
  if (!TARGETS.includes(target)) problems.target = 'fees.problem.target';
  const descriptionEn = text(body, 'descriptionEn');
  const descriptionEs = text(body, 'descriptionEs');
  checkText(problems, 'descriptionEn', descriptionEn, MAX_DESCRIPTION);
  checkText(problems, 'descriptionEs', descriptionEs, MAX_DESCRIPTION);
  const amount = parseCents(body.amount);
  if (!amount.ok) problems.amount = amount.problem;
  const due = text(body, 'dueDate');
  if (due !== '' && !isDate(due)) problems.dueDate = 'fees.problem.date';
  const thisYear = schoolYearOf(today);
  const yearText = text(body, 'schoolYear');
  const schoolYear = /^\d{4}$/.test(yearText) ? Number(yearText) : NaN;
  if (!(schoolYear >= thisYear - 1 && schoolYear <= thisYear + 1)) problems.schoolYear = 'fees.problem.schoolYear';
  const required = text(body, 'required');
  if (required !== 'required' && required !== 'optional') problems.required = 'fees.problem.required';

  // Who it is for, inside the office's schools.
  let students: { id: number; school_id: number }[] = [];
  if (target === 'student') {
    const number = text(body, 'studentNumber');
    if (number === '') problems.studentNumber = 'form.required';
    else {
      const s = number.length <= 20 ? await db.selectFrom('students').select(['id', 'school_id']).where('student_number', '=', number).executeTakeFirst() : undefined;
      if (!s || !mayActOnSchool(actor.scope, s.school_id)) problems.studentNumber = 'fees.problem.unknownStudent';
      else students = [s];
    }
  } else if (target === 'section') {
    const sectionId = /^\d{1,9}$/.test(text(body, 'sectionId')) ? Number(text(body, 'sectionId')) : 0;
    const section = await db.selectFrom('sections').select(['id', 'school_id']).where('id', '=', sectionId).executeTakeFirst();
    if (!section || !mayActOnSchool(actor.scope, section.school_id)) problems.sectionId = 'fees.problem.section';
    else
      students = await db
        .selectFrom('section_enrollments as e')
        .innerJoin('students as s', 's.id', 'e.student_id')
        .select(['s.id', 's.school_id'])
        .distinct()
        .where('e.section_id', '=', section.id)
        .where('e.begin_date', '<=', today)
        .where((eb) => eb.or([eb('e.end_date', 'is', null), eb('e.end_date', '>=', today)]))
        .where('s.enrollment_status', '=', 'active')
        .execute();
  } else if (target === 'grade' || target === 'school') {
    const schoolId = /^\d{1,9}$/.test(text(body, 'schoolId')) ? Number(text(body, 'schoolId')) : 0;
    const school = await db.selectFrom('schools').select(['id', 'grade_low', 'grade_high']).where('id', '=', schoolId).executeTakeFirst();
    const gradeText = text(body, 'gradeLevel');
    const grade = /^-?\d{1,2}$/.test(gradeText) ? Number(gradeText) : NaN;
    if (!school || !mayActOnSchool(actor.scope, school.id)) problems.schoolId = 'fees.problem.school';
    else if (target === 'grade' && !(grade >= school.grade_low && grade <= school.grade_high)) problems.gradeLevel = 'fees.problem.grade';
    else {
      let q = db.selectFrom('students').select(['id', 'school_id']).where('school_id', '=', school.id).where('enrollment_status', '=', 'active');
      if (target === 'grade') q = q.where('grade_level', '=', grade);
      students = await q.execute();
    }
  }
  if (Object.keys(problems).length === 0 && students.length === 0) problems.target = 'fees.problem.nobody';
  if (Object.keys(problems).length > 0 || !amount.ok) return { kind: 'problems', problems };

  const t = now.toISOString();
  try {
    await db.transaction().execute(async (trx) => {
      const rows = students.map((s) => ({
        student_id: s.id,
        school_id: s.school_id,
        school_year: schoolYear,
        description_en: descriptionEn,
        description_es: descriptionEs,
        amount_cents: amount.cents,
        due_date: due === '' ? null : due,
        required: required === 'required' ? (1 as const) : (0 as const),
        assessment_key: key,
        created_by: actor.actorAccountId,
        created_at: t,
        updated_at: t,
        updated_by: actor.actorAccountId,
      }));
      let written = 0;
      for (let i = 0; i < rows.length; i += 500) {
        const done = await trx
          .insertInto('fees')
          .values(rows.slice(i, i + 500))
          .onConflict((oc) => oc.columns(['assessment_key', 'student_id']).doNothing())
          .executeTakeFirst();
        written += Number(done.numInsertedOrUpdatedRows ?? 0);
      }
      // The same form already assessed these students: nothing of this one is kept.
      if (written !== rows.length) throw new AlreadyDone();
      await trx
        .insertInto('fee_ledger')
        .columns(['fee_id', 'kind', 'amount_cents', 'by_account', 'at'])
        .expression(trx.selectFrom('fees').select(['id', sql.lit('assessed').as('kind'), 'amount_cents', 'created_by', 'created_at']).where('assessment_key', '=', key))
        .execute();
      await audit(
        trx,
        {
          action: 'fee.assessed',
          actorAccountId: actor.actorAccountId,
          subjectType: target === 'student' ? 'student' : 'fee_assessment',
          subjectId: target === 'student' ? students[0]!.id : null,
          ip: actor.ip,
          details: { target, students: students.length, amountCents: amount.cents, description: descriptionEn },
        },
        now,
      );
    });
  } catch (error) {
    if (error instanceof AlreadyDone) return { kind: 'duplicate' };
    throw error;
  }
  return { kind: 'assessed', count: students.length, studentId: target === 'student' ? students[0]!.id : null };
}

// ── adjusting, waiving ───────────────────────────────────────────────────────────────────────────────

export type FeeWriteResult = { kind: 'done'; fee: Fee } | { kind: 'problems'; problems: Problems } | { kind: 'duplicate' } | { kind: 'notFound' };

/**
 * Locks the fees (an update of their rows: the second of two writers waits for the first to commit, on
 * both engines) and reads their balances as they are now.
 */
export async function lockedFees(trx: Kysely<DB>, feeIds: readonly number[], at: string, by: number | null): Promise<Map<number, Fee>> {
  await trx.updateTable('fees').set({ updated_at: at, updated_by: by }).where('id', 'in', [...feeIds]).execute();
  const rows = await feeQuery(trx, { ids: feeIds }).where('f.id', 'in', [...feeIds]).execute();
  return new Map(rows.map((r) => [r.id, feeOf(r)]));
}

/** One ledger row under its form's key; false when that key was already used. */
async function ledgerRow(
  trx: Kysely<DB>,
  row: { fee_id: number; kind: FeeLedgerKind; amount_cents: number; reason: string | null; payment_id?: number | null; idempotency_key: string | null; by_account: number | null; at: string },
): Promise<boolean> {
  const done = await trx
    .insertInto('fee_ledger')
    .values({ payment_id: null, ...row })
    .onConflict((oc) => oc.column('idempotency_key').doNothing())
    .executeTakeFirst();
  return Number(done.numInsertedOrUpdatedRows ?? 0) === 1;
}

async function keyUsed(db: Kysely<DB>, key: string): Promise<boolean> {
  return Boolean(await db.selectFrom('fee_ledger').select('id').where('idempotency_key', '=', key).executeTakeFirst());
}

/** Changes what a fee charges to `amount` (its balance follows); never below what was paid and waived. */
export async function adjustFee(db: Kysely<DB>, actor: StaffActor, feeId: number, body: Record<string, unknown>, now: Date): Promise<FeeWriteResult> {
  const found = await officeFee(db, actor.scope, feeId);
  if (!found) return { kind: 'notFound' };
  const problems: Problems = {};
  const key = keyOf(body, problems);
  const amount = parseCents(body.amount);
  if (!amount.ok) problems.amount = amount.problem;
  const reason = text(body, 'reason');
  checkText(problems, 'reason', reason, MAX_REASON);
  if (Object.keys(problems).length > 0 || !amount.ok) return { kind: 'problems', problems };
  if (await keyUsed(db, key)) return { kind: 'duplicate' };
  const t = now.toISOString();
  return db.transaction().execute(async (trx): Promise<FeeWriteResult> => {
    const fee = (await lockedFees(trx, [feeId], t, actor.actorAccountId)).get(feeId)!;
    const delta = amount.cents - fee.chargedCents;
    if (delta === 0) return { kind: 'problems', problems: { amount: 'fees.problem.sameAmount' } };
    if (fee.balanceCents + delta < 0) return { kind: 'problems', problems: { amount: 'fees.problem.belowPaid' } };
    if (!(await ledgerRow(trx, { fee_id: feeId, kind: 'adjusted', amount_cents: delta, reason, idempotency_key: key, by_account: actor.actorAccountId, at: t }))) return { kind: 'duplicate' };
    await audit(trx, { action: 'fee.adjusted', actorAccountId: actor.actorAccountId, subjectType: 'fee', subjectId: feeId, ip: actor.ip, details: { from: fee.chargedCents, to: amount.cents } }, now);
    return { kind: 'done', fee };
  });
}

/** Waives what is still owed on a fee, with a reason. */
export async function waiveFee(db: Kysely<DB>, actor: StaffActor, feeId: number, body: Record<string, unknown>, now: Date): Promise<FeeWriteResult> {
  const found = await officeFee(db, actor.scope, feeId);
  if (!found) return { kind: 'notFound' };
  const problems: Problems = {};
  const key = keyOf(body, problems);
  const reason = text(body, 'reason');
  checkText(problems, 'reason', reason, MAX_REASON);
  if (Object.keys(problems).length > 0) return { kind: 'problems', problems };
  if (await keyUsed(db, key)) return { kind: 'duplicate' };
  const t = now.toISOString();
  return db.transaction().execute(async (trx): Promise<FeeWriteResult> => {
    const fee = (await lockedFees(trx, [feeId], t, actor.actorAccountId)).get(feeId)!;
    if (fee.balanceCents === 0) return { kind: 'problems', problems: { reason: 'fees.problem.nothingOwed' } };
    if (!(await ledgerRow(trx, { fee_id: feeId, kind: 'waived', amount_cents: -fee.balanceCents, reason, idempotency_key: key, by_account: actor.actorAccountId, at: t }))) return { kind: 'duplicate' };
    await audit(trx, { action: 'fee.waived', actorAccountId: actor.actorAccountId, subjectType: 'fee', subjectId: feeId, ip: actor.ip, details: { waivedCents: fee.balanceCents } }, now);
    return { kind: 'done', fee };
  });
}

// ── payments ─────────────────────────────────────────────────────────────────────────────────────────

export interface PaymentInput {
  /** what is paid on each fee, in cents (each more than 0) */
  lines: readonly { feeId: number; cents: number }[];
  method: PaymentMethod;
  checkNumber: string | null;
  /** the provider's reference for an online payment */
  reference: string | null;
  payer: string | null;
  /** the payment's key: the same key twice records one payment */
  key: string;
  actorAccountId: number | null;
}

export type PaymentResult =
  | { kind: 'recorded'; paymentId: number }
  | { kind: 'duplicate'; paymentId: number }
  /** a fee is not open or the amount is more than is owed on it (nothing written) */
  | { kind: 'moreThanOwed'; feeId: number }
  | { kind: 'unknownFee'; feeId: number };

/**
 * Records one payment of one or more fees inside the caller's transaction: the payment row under its
 * key, and one 'paid' ledger row per fee. The caller has checked who may pay these fees; this checks,
 * with the fees locked, that no line is more than is owed. Idempotent by the key: the same key again
 * answers 'duplicate' with the first payment's id and writes nothing (what an online checkout's webhook,
 * delivered twice, will need).
 */
export async function recordPayment(trx: Kysely<DB>, input: PaymentInput, now: Date, locked?: Map<number, Fee>): Promise<PaymentResult> {
  const t = now.toISOString();
  // The caller may have locked and read the fees already in this transaction (lockedFees): then a key used
  // before is found by the insert below, and not looked for first (it would not spare a lock).
  if (!locked) {
    const earlier = await trx.selectFrom('fee_payments').select('id').where('idempotency_key', '=', input.key).executeTakeFirst();
    if (earlier) return { kind: 'duplicate', paymentId: earlier.id };
  }
  const fees = locked ?? (await lockedFees(trx, input.lines.map((l) => l.feeId), t, input.actorAccountId));
  for (const line of input.lines) {
    const fee = fees.get(line.feeId);
    if (!fee) return { kind: 'unknownFee', feeId: line.feeId };
    if (!(line.cents > 0) || !Number.isInteger(line.cents) || line.cents > fee.balanceCents) return { kind: 'moreThanOwed', feeId: line.feeId };
  }
  const total = input.lines.reduce((sum, l) => sum + l.cents, 0);
  const payment = await trx
    .insertInto('fee_payments')
    .values({ idempotency_key: input.key, method: input.method, check_number: input.checkNumber, reference: input.reference, payer: input.payer, total_cents: total, recorded_by: input.actorAccountId, recorded_at: t })
    .onConflict((oc) => oc.column('idempotency_key').doNothing())
    .returning('id')
    .executeTakeFirst();
  if (!payment) {
    const first = await trx.selectFrom('fee_payments').select('id').where('idempotency_key', '=', input.key).executeTakeFirstOrThrow();
    return { kind: 'duplicate', paymentId: first.id };
  }
  await trx
    .insertInto('fee_ledger')
    .values(input.lines.map((l) => ({ fee_id: l.feeId, kind: 'paid' as const, amount_cents: -l.cents, reason: null, payment_id: payment.id, idempotency_key: null, by_account: input.actorAccountId, at: t })))
    .execute();
  return { kind: 'recorded', paymentId: payment.id };
}

export type OfficePaymentResult = { kind: 'recorded'; paymentId: number } | { kind: 'duplicate'; paymentId: number } | { kind: 'problems'; problems: Problems } | { kind: 'notFound' };

/**
 * A payment at the office for one student's fees: the amounts typed per fee (`pay.<feeId>`, empty for a
 * fee not paid now), cash or check (with its number), who paid. Partial payments are allowed, never
 * more than is owed.
 */
export async function recordOfficePayment(db: Kysely<DB>, actor: StaffActor, studentId: number, body: Record<string, unknown>, now: Date): Promise<OfficePaymentResult> {
  const student = await officeStudent(db, actor.scope, studentId);
  if (!student) return { kind: 'notFound' };
  const problems: Problems = {};
  const key = keyOf(body, problems);
  const method = text(body, 'method');
  if (method !== 'cash' && method !== 'check') problems.method = 'fees.problem.method';
  const checkNumber = text(body, 'checkNumber');
  if (method === 'check') {
    if (checkNumber === '') problems.checkNumber = 'form.required';
    else if (!/^[A-Za-z0-9-]{1,20}$/.test(checkNumber)) problems.checkNumber = 'fees.problem.checkNumber';
  }
  const payer = text(body, 'payer');
  checkText(problems, 'payer', payer, 100, false);
  const open = (await feesOfStudent(db, studentId)).filter((f) => f.status === 'open');
  const lines: { feeId: number; cents: number }[] = [];
  for (const fee of open) {
    const typed = body[`pay.${fee.id}`];
    if (typed === undefined || (typeof typed === 'string' && typed.trim() === '')) continue;
    const amount = parseCents(typed);
    if (!amount.ok) problems[`pay.${fee.id}`] = amount.problem;
    else if (amount.cents > fee.balanceCents) problems[`pay.${fee.id}`] = 'fees.problem.moreThanOwed';
    else lines.push({ feeId: fee.id, cents: amount.cents });
  }
  if (lines.length === 0 && Object.keys(problems).every((k) => !k.startsWith('pay.'))) problems.lines = 'fees.problem.nothingPaid';
  if (Object.keys(problems).length > 0) return { kind: 'problems', problems };
  const result = await db.transaction().execute(async (trx) => {
    const done = await recordPayment(trx, { lines, method: method as 'cash' | 'check', checkNumber: method === 'check' ? checkNumber : null, reference: null, payer: payer || null, key, actorAccountId: actor.actorAccountId }, now);
    if (done.kind === 'recorded') {
      await audit(trx, { action: 'fee.payment_recorded', actorAccountId: actor.actorAccountId, subjectType: 'student', subjectId: studentId, ip: actor.ip, details: { payment: done.paymentId, method, totalCents: lines.reduce((s, l) => s + l.cents, 0) } }, now);
    }
    return done;
  });
  switch (result.kind) {
    case 'recorded':
    case 'duplicate':
      return result;
    case 'moreThanOwed':
    case 'unknownFee':
      // Paid meanwhile from another tab: nothing was written.
      return { kind: 'problems', problems: { [`pay.${result.feeId}`]: 'fees.problem.moreThanOwed' } };
  }
}

export interface Payment {
  id: number;
  method: PaymentMethod;
  checkNumber: string | null;
  payer: string | null;
  /** the provider's reference of an online payment (a Stripe PaymentIntent id) */
  reference: string | null;
  totalCents: number;
  recordedAt: string;
  refundedCents: number;
  lines: { feeId: number; studentId: number; student: string; studentNumber: string; schoolId: number; school: string; description: { en: string; es: string }; cents: number }[];
}

async function paymentOf(db: Kysely<DB>, paymentId: number): Promise<Payment | null> {
  const p = await db.selectFrom('fee_payments').selectAll().where('id', '=', paymentId).executeTakeFirst();
  if (!p) return null;
  const rows = await db
    .selectFrom('fee_ledger as l')
    .innerJoin('fees as f', 'f.id', 'l.fee_id')
    .innerJoin('students as s', 's.id', 'f.student_id')
    .innerJoin('schools as sc', 'sc.id', 'f.school_id')
    .select(['l.kind', 'l.amount_cents', 'f.id as fee_id', 'f.school_id', 's.id as student_id', 's.legal_first_name', 's.preferred_first_name', 's.legal_last_name', 's.student_number', 'sc.name as school', 'f.description_en', 'f.description_es'])
    .where('l.payment_id', '=', paymentId)
    .orderBy('l.id')
    .execute();
  return {
    id: p.id,
    method: p.method,
    checkNumber: p.check_number,
    payer: p.payer,
    reference: p.reference,
    totalCents: p.total_cents,
    recordedAt: p.recorded_at,
    refundedCents: rows.filter((r) => r.kind === 'refunded').reduce((s, r) => s + r.amount_cents, 0),
    lines: rows
      .filter((r) => r.kind === 'paid')
      .map((r) => ({
        feeId: r.fee_id,
        studentId: r.student_id,
        student: `${r.preferred_first_name ?? r.legal_first_name} ${r.legal_last_name}`,
        studentNumber: r.student_number,
        school: r.school,
        description: { en: r.description_en, es: r.description_es },
        cents: -r.amount_cents,
        schoolId: r.school_id,
      })),
  };
}

/** The payments of a student's fees, newest first (as the office sees them: every line). */
export async function paymentsOfStudent(db: Kysely<DB>, studentId: number): Promise<Payment[]> {
  const ids = await db
    .selectFrom('fee_ledger as l')
    .innerJoin('fees as f', 'f.id', 'l.fee_id')
    .select('l.payment_id')
    .distinct()
    .where('f.student_id', '=', studentId)
    .where('l.payment_id', 'is not', null)
    .orderBy('l.payment_id', 'desc')
    .execute();
  const payments = await Promise.all(ids.map((r) => paymentOf(db, r.payment_id!)));
  return payments.filter((p): p is Payment => p !== null);
}

/** A payment whose every fee is in the office's schools, or null. */
export async function officePayment(db: Kysely<DB>, scope: OfficeScope, paymentId: number): Promise<Payment | null> {
  const payment = await paymentOf(db, paymentId);
  if (!payment || payment.lines.length === 0) return null;
  return payment.lines.every((l) => mayActOnSchool(scope, l.schoolId)) ? payment : null;
}

/** For a family: a payment of this child's fees, showing only this child's lines; or null. */
export async function familyPayment(db: Kysely<DB>, student: ReadableStudent, paymentId: number): Promise<Payment | null> {
  const payment = await paymentOf(db, paymentId);
  if (!payment) return null;
  const lines = payment.lines.filter((l) => l.studentId === student.id);
  if (lines.length === 0) return null;
  return { ...payment, lines, totalCents: lines.reduce((s, l) => s + l.cents, 0) };
}

/** Refunds a whole payment (each of its fees owes again what it paid), with a reason; once. */
export async function refundPayment(db: Kysely<DB>, actor: StaffActor, paymentId: number, body: Record<string, unknown>, now: Date): Promise<FeeWriteResult | { kind: 'refunded' }> {
  const payment = await officePayment(db, actor.scope, paymentId);
  if (!payment) return { kind: 'notFound' };
  const problems: Problems = {};
  const key = keyOf(body, problems);
  const reason = text(body, 'reason');
  checkText(problems, 'reason', reason, MAX_REASON);
  if (Object.keys(problems).length > 0) return { kind: 'problems', problems };
  if (await keyUsed(db, key)) return { kind: 'duplicate' };
  const t = now.toISOString();
  try {
    return await db.transaction().execute(async (trx) => {
      await lockedFees(trx, payment.lines.map((l) => l.feeId), t, actor.actorAccountId);
      const already = await trx.selectFrom('fee_ledger').select('id').where('payment_id', '=', paymentId).where('kind', '=', 'refunded').executeTakeFirst();
      if (already) return { kind: 'problems' as const, problems: { reason: 'fees.problem.alreadyRefunded' } as Problems };
      for (const [n, line] of payment.lines.entries()) {
        const written = await ledgerRow(trx, { fee_id: line.feeId, kind: 'refunded', amount_cents: line.cents, reason, payment_id: paymentId, idempotency_key: n === 0 ? key : null, by_account: actor.actorAccountId, at: t });
        if (!written) throw new AlreadyDone();
      }
      await audit(trx, { action: 'fee.refunded', actorAccountId: actor.actorAccountId, subjectType: 'fee_payment', subjectId: paymentId, ip: actor.ip, details: { totalCents: payment.totalCents } }, now);
      return { kind: 'refunded' as const };
    });
  } catch (error) {
    if (error instanceof AlreadyDone) return { kind: 'duplicate' };
    throw error;
  }
}

// ── To Do ────────────────────────────────────────────────────────────────────────────────────────────

/** How many days before its due date an unpaid required fee comes onto the To Do list. */
export const FEE_DUE_SOON_DAYS = 14;

/**
 * For the To Do list: each required fee still open whose due date is past or within FEE_DUE_SOON_DAYS,
 * per child, linking to Payments. Optional fees and fees without a due date are not chores.
 */
export async function todoItemsForFees(db: Kysely<DB>, students: readonly ReadableStudent[], until: DateString, locale: 'en' | 'es'): Promise<TodoItem[]> {
  if (students.length === 0) return [];
  const rows = await feeQuery(db, { students: students.map((s) => s.id) })
    .where('f.student_id', 'in', students.map((s) => s.id))
    .where('f.required', '=', 1)
    .where('f.due_date', 'is not', null)
    .where('f.due_date', '<=', until)
    .where(statusWhere('open'))
    .execute();
  return rows.map(feeOf).map((fee) => ({
    kind: 'fee',
    title: fee.description[locale],
    url: toolUrl(fee.studentId, 'payments'),
    due: fee.dueDate,
    studentId: fee.studentId,
  }));
}
