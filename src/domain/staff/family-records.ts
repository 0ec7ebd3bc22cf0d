/**
 * A family's records on request (FERPA; issue 25, ADR 0037): for one student, what the portal shows the
 * family (schedule, grades and assignments, attendance, report cards, transcript, immunizations, the
 * documents list) and the account data of the student and the guardians with portal access (the accounts,
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

export interface FamilyRecords {
  student: ReadableStudent & { birthDate: string };
  schedule: ScheduleView;
  grades: StudentGrades;
  reportCards: ReportCard[];
  transcript: TranscriptView;
  attendance: AttendanceView;
  immunizations: VaccineRecord[];
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
