/**
 * A family's records on request (FERPA; issue 25, ADR 0037): for one student, what the portal shows the
 * family (schedule, grades and assignments, attendance, report cards, transcript, immunizations, the
 * documents list, the fees with their payments, and the payments started online — ADR 0056) and the account data of the student and the guardians with portal access (the accounts,
 * their sign-ins, what was done to them, their change requests). Only a district administrator produces
 * it, with a reason; the request is written to the audit log before anything is read. Everything is read
 * into memory: a student's records are a few thousand rows at most.
 */
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { DB } from '../../db/schema.js';
import { readableByStaff, StudentNotFound, type ReadableStudent } from '../access/portal.js';
import type { StaffReach } from '../access/staff.js';
import { audit } from '../audit/service.js';
import { attendanceOf, type AttendanceView } from '../attendance/attendance.js';
import { feesOfStudent, paymentsOfStudent, type FeeStatus, type PaymentMethod } from '../fees/service.js';
import { hasForbiddenCharacters } from '../forms.js';
import { gradesOf, type StudentGrades } from '../gradebook/grades.js';
import { reportCardsOf, type ReportCard } from '../gradebook/report-cards.js';
import { birthDateOf, transcriptOf, type TranscriptView } from '../gradebook/transcript.js';
import { immunizationsOf, type VaccineRecord } from '../health/immunizations.js';
import { scheduleOf, type ScheduleView } from '../scheduling/schedule.js';

export const REASON_MAX = 500;

/** The form: the family's language and why the records are produced. */
export const familyRecordsInput = z.object({
  locale: z.enum(['en', 'es'], { message: 'records.error.language' }),
  reason: z
    .string({ message: 'records.error.reason' })
    .transform((v) => v.normalize('NFKC').replace(/\r\n?/g, '\n').trim())
    .refine((v) => v.length > 0, 'records.error.reason')
    .refine((v) => v.length <= REASON_MAX, 'records.error.reasonLong')
    .refine((v) => !hasForbiddenCharacters(v, { lineBreaks: true }), 'form.badCharacters'),
});
export type FamilyRecordsInput = z.infer<typeof familyRecordsInput>;

export interface RecordsAccount {
  id: number;
  person: string;
  kind: 'student' | 'guardian';
  username: string;
  status: string;
  createdAt: string;
  securityEmail: string | null;
}

export interface RecordsAuditRow {
  at: string;
  username: string;
  action: string;
  ip: string | null;
  details: string | null;
}

export interface RecordsRequest {
  submittedAt: string;
  guardian: string;
  status: string;
  decidedAt: string | null;
  field: string;
  oldValue: string | null;
  newValue: string | null;
}

export interface RecordsFee {
  description: { en: string; es: string };
  schoolYear: number;
  dueDate: string | null;
  required: boolean;
  chargedCents: number;
  /** paid less refunded */
  paidCents: number;
  waivedCents: number;
  balanceCents: number;
  status: FeeStatus;
}

/** A payment of this student's fees (at the office or online): only this student's part of it. */
export interface RecordsPayment {
  /** the receipt's number */
  id: number;
  recordedAt: string;
  method: PaymentMethod;
  checkNumber: string | null;
  /** the provider's reference of an online payment */
  reference: string | null;
  cents: number;
  refundedCents: number;
}

/** A payment started online (a checkout) that included fees of this student. */
export interface RecordsCheckout {
  startedAt: string;
  guardian: string;
  status: 'pending' | 'paid' | 'failed';
  /** this student's fees in it */
  cents: number;
  /** the whole checkout (other children's fees included) */
  totalCents: number;
  /** given back to the card: fees the office had settled meanwhile */
  excessCents: number;
  /** the receipt's number, once paid */
  paymentId: number | null;
  reference: string | null;
}

export interface FamilyRecords {
  student: ReadableStudent & { birthDate: string };
  schedule: ScheduleView;
  grades: StudentGrades;
  reportCards: ReportCard[];
  transcript: TranscriptView;
  attendance: AttendanceView;
  immunizations: VaccineRecord[];
  fees: RecordsFee[];
  payments: RecordsPayment[];
  checkouts: RecordsCheckout[];
  accounts: RecordsAccount[];
  signIns: RecordsAuditRow[];
  accountEvents: RecordsAuditRow[];
  requests: RecordsRequest[];
}

/** The guardians' language for the form's default: the first guardian with portal access's, else the district's. */
export async function familyLanguage(db: Kysely<DB>, studentId: number, districtLocale: 'en' | 'es'): Promise<'en' | 'es'> {
  const row = await db
    .selectFrom('student_guardians as l')
    .innerJoin('guardians as g', 'g.id', 'l.guardian_id')
    .select('g.preferred_language')
    .where('l.student_id', '=', studentId)
    .where('l.portal_access', '=', 1)
    .where('l.rights_revoked', '=', 0)
    .orderBy('l.contact_priority')
    .orderBy('l.id')
    .executeTakeFirst();
  const language = row?.preferred_language;
  return language === 'es' || language === 'en' ? language : districtLocale;
}

/** The student's name for the form, when a district administrator asks; StudentNotFound otherwise. */
export async function recordsStudent(db: Kysely<DB>, reach: StaffReach, studentId: number) {
  if (!reach.district) throw new StudentNotFound();
  const row = await db
    .selectFrom('students')
    .select(['id', 'preferred_first_name', 'legal_first_name', 'legal_last_name', 'student_number'])
    .where('id', '=', studentId)
    .executeTakeFirst();
  if (!row) throw new StudentNotFound();
  return { id: row.id, name: `${row.preferred_first_name ?? row.legal_first_name} ${row.legal_last_name}`, studentNumber: row.student_number };
}

const SIGN_IN_ACTIONS = ['sign_in', 'sign_in.failed', 'sign_in.throttled', 'sign_in.code_failed', 'sign_in.first_password_refused', 'sign_in.password_accepted', 'sign_out'];

/**
 * Produces the records: the request is audited first (who, which student, why, in which language), then
 * everything is read. A district administrator only; any other scope, or no such student, is StudentNotFound.
 */
export async function familyRecordsOf(
  db: Kysely<DB>,
  actor: { reach: StaffReach; actorAccountId: number; ip: string | null },
  studentId: number,
  input: FamilyRecordsInput & { today: string; graduationCredits: number },
  now: Date,
): Promise<FamilyRecords> {
  if (!actor.reach.district) throw new StudentNotFound();
  // The proof writes its own row (the student opened, for "records"); then the request with its reason.
  const student = await readableByStaff(db, actor.reach, studentId, { actorAccountId: actor.actorAccountId, ip: actor.ip, purpose: 'records', today: input.today }, now);
  await audit(db, { action: 'student.records_produced', actorAccountId: actor.actorAccountId, subjectType: 'student', subjectId: student.id, ip: actor.ip, details: { reason: input.reason, locale: input.locale } }, now);
  const [schedule, grades, transcript, attendance, immunizations, birthDate] = await Promise.all([
    scheduleOf(db, student, input.today),
    gradesOf(db, student, input.today),
    transcriptOf(db, student, input.graduationCredits),
    attendanceOf(db, student, input.today),
    immunizationsOf(db, student, input.today),
    birthDateOf(db, student),
  ]);
  const { fees, payments, checkouts } = await moneyOf(db, student.id);
  const accounts = await familyAccounts(db, student.id);
  const ids = accounts.map((a) => a.id);
  const username = new Map(accounts.map((a) => [a.id, a.username]));
  const rows =
    ids.length === 0
      ? []
      : await db
          .selectFrom('audit_log')
          .select(['at', 'action', 'ip', 'details', 'subject_id'])
          .where('subject_type', '=', 'user_account')
          .where('subject_id', 'in', ids)
          .orderBy('at')
          .orderBy('id')
          .execute();
  const audited = (r: (typeof rows)[number]): RecordsAuditRow => ({ at: instant(r.at), username: username.get(r.subject_id!) ?? '', action: r.action, ip: r.ip, details: r.details });
  const guardianIds = accounts.filter((a) => a.kind === 'guardian').map((a) => a.id);
  const requests =
    guardianIds.length === 0
      ? []
      : await db
          .selectFrom('change_requests as r')
          .innerJoin('change_request_fields as f', 'f.request_id', 'r.id')
          .innerJoin('guardians as g', 'g.id', 'r.guardian_id')
          .select(['r.submitted_at', 'g.first_name', 'g.last_name', 'r.status', 'r.decided_at', 'f.field', 'f.old_value', 'f.new_value'])
          .where('r.account_id', 'in', guardianIds)
          .orderBy('r.submitted_at')
          .orderBy('f.id')
          .execute();
  return {
    student: { ...student, birthDate },
    schedule,
    grades,
    reportCards: reportCardsOf(grades),
    transcript,
    attendance,
    immunizations: immunizations.vaccines,
    fees,
    payments,
    checkouts,
    accounts,
    signIns: rows.filter((r) => SIGN_IN_ACTIONS.includes(r.action)).map(audited),
    accountEvents: rows.filter((r) => !SIGN_IN_ACTIONS.includes(r.action)).map(audited),
    requests: requests.map((r) => ({
      submittedAt: instant(r.submitted_at),
      guardian: `${r.first_name} ${r.last_name}`,
      status: r.status,
      decidedAt: r.decided_at ? instant(r.decided_at) : null,
      field: r.field,
      oldValue: r.old_value,
      newValue: r.new_value,
    })),
  };
}

/**
 * The student's fees (every school year) with what was charged, paid, waived and is owed; each payment of
 * them, this student's part only (a payment may cover a sibling's fees too); and each payment started
 * online that included this student's fees, whatever became of it.
 */
async function moneyOf(db: Kysely<DB>, studentId: number): Promise<{ fees: RecordsFee[]; payments: RecordsPayment[]; checkouts: RecordsCheckout[] }> {
  const fees = await feesOfStudent(db, studentId);
  const mine = new Set(fees.map((f) => f.id));
  // This student's part of each payment, from the fees' own ledgers: paid (negative) and refunded (positive).
  const parts = new Map<number, { cents: number; refundedCents: number }>();
  for (const entry of fees.flatMap((f) => f.history)) {
    if (entry.paymentId === null || (entry.kind !== 'paid' && entry.kind !== 'refunded')) continue;
    const part = parts.get(entry.paymentId) ?? { cents: 0, refundedCents: 0 };
    if (entry.kind === 'paid') part.cents -= entry.amountCents;
    else part.refundedCents += entry.amountCents;
    parts.set(entry.paymentId, part);
  }
  const payments = (await paymentsOfStudent(db, studentId))
    .filter((p) => parts.has(p.id))
    .sort((a, b) => a.id - b.id)
    .map((p) => ({ id: p.id, recordedAt: instant(p.recordedAt), method: p.method, checkNumber: p.checkNumber, reference: p.reference, ...parts.get(p.id)! }));
  const lines =
    mine.size === 0
      ? []
      : await db
          .selectFrom('online_checkout_lines as l')
          .innerJoin('online_checkouts as c', 'c.id', 'l.checkout_id')
          .innerJoin('guardians as g', 'g.id', 'c.guardian_id')
          .select(['c.id', 'c.created_at', 'c.status', 'c.total_cents', 'c.excess_cents', 'c.payment_id', 'c.reference', 'g.first_name', 'g.last_name', 'l.cents'])
          .where('l.fee_id', 'in', [...mine])
          .orderBy('c.id')
          .orderBy('l.id')
          .execute();
  const checkouts = new Map<number, RecordsCheckout>();
  for (const l of lines) {
    const known = checkouts.get(l.id);
    if (known) {
      known.cents += l.cents;
      continue;
    }
    checkouts.set(l.id, {
      startedAt: instant(l.created_at),
      guardian: `${l.first_name} ${l.last_name}`,
      status: l.status === 'paid' ? 'paid' : l.status === 'failed' ? 'failed' : 'pending',
      cents: l.cents,
      totalCents: l.total_cents,
      excessCents: l.excess_cents,
      paymentId: l.payment_id,
      reference: l.reference,
    });
  }
  return {
    fees: [...fees]
      .sort((a, b) => a.schoolYear - b.schoolYear || a.id - b.id)
      .map((f) => ({ description: f.description, schoolYear: f.schoolYear, dueDate: f.dueDate, required: f.required, chargedCents: f.chargedCents, paidCents: f.paidCents, waivedCents: f.waivedCents, balanceCents: f.balanceCents, status: f.status })),
    payments,
    checkouts: [...checkouts.values()],
  };
}

/** An instant as ISO-8601 UTC text, whichever engine read it. */
const instant = (v: string | Date) => (typeof v === 'string' ? new Date(v).toISOString() : v.toISOString());

/** The student's own account and those of the guardians linked with portal access (not revoked). */
async function familyAccounts(db: Kysely<DB>, studentId: number): Promise<RecordsAccount[]> {
  const own = await db
    .selectFrom('user_accounts as a')
    .innerJoin('students as s', 's.id', 'a.student_id')
    .select(['a.id', 'a.username', 'a.status', 'a.created_at', 'a.security_email', 's.preferred_first_name', 's.legal_first_name', 's.legal_last_name'])
    .where('a.student_id', '=', studentId)
    .execute();
  const guardians = await db
    .selectFrom('user_accounts as a')
    .innerJoin('guardians as g', 'g.id', 'a.guardian_id')
    .innerJoin('student_guardians as l', 'l.guardian_id', 'g.id')
    .select(['a.id', 'a.username', 'a.status', 'a.created_at', 'a.security_email', 'g.first_name', 'g.last_name'])
    .where('l.student_id', '=', studentId)
    .where('l.portal_access', '=', 1)
    .where('l.rights_revoked', '=', 0)
    .orderBy('l.contact_priority')
    .orderBy('a.id')
    .execute();
  return [
    ...own.map((a) => ({ id: a.id, person: `${a.preferred_first_name ?? a.legal_first_name} ${a.legal_last_name}`, kind: 'student' as const, username: a.username, status: a.status, createdAt: instant(a.created_at), securityEmail: a.security_email })),
    ...guardians.map((a) => ({ id: a.id, person: `${a.first_name} ${a.last_name}`, kind: 'guardian' as const, username: a.username, status: a.status, createdAt: instant(a.created_at), securityEmail: a.security_email })),
  ];
}
