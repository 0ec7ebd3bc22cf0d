/**
 * The office's side of the meal accounts: a student of the office's schools by number, their account,
 * and a deposit (cash or check) or an adjustment with its reason. A student of another school answers
 * `missing`, exactly like one that does not exist, and nothing is written. Each write is one transaction:
 * the ledger row, the balance, and the audit entry.
 */
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import { mayActOnSchool, type StaffActor } from '../access/staff.js';
import { audit } from '../audit/service.js';
import type { FieldErrors } from '../forms.js';
import { hasForbiddenCharacters } from '../forms.js';
import { accountOf, parseCents, writeMealEntries, type MealLine } from './ledger.js';

/** The largest deposit or adjustment the office records at once, in cents: anything beyond is a typo. */
export const MAX_OFFICE_CENTS = 100_000;

export interface OfficeMealStudent {
  id: number;
  name: string;
  studentNumber: string;
  school: string;
  grade: number;
}

/** A student of the office's schools by number (leading zeros as typed or not); null for any other. */
export async function findMealStudent(db: Kysely<DB>, actor: StaffActor, number: string): Promise<number | null> {
  const wanted = number.trim().replace(/^0+(?=.)/, '');
  if (!/^[0-9A-Za-z]{1,32}$/.test(wanted)) return null;
  let query = db
    .selectFrom('students')
    .select(['id', 'student_number'])
    .where((eb) => eb.or([eb('student_number', '=', wanted), eb('student_number', 'like', `%${wanted}`)]));
  if (!actor.scope.district) {
    if (actor.scope.schools.size === 0) return null;
    query = query.where('school_id', 'in', [...actor.scope.schools]);
  }
  const rows = await query.orderBy('id').execute();
  return rows.find((r) => r.student_number.replace(/^0+(?=.)/, '') === wanted)?.id ?? null;
}

async function studentInScope(db: Kysely<DB>, actor: StaffActor, studentId: number): Promise<OfficeMealStudent | null> {
  const row = await db
    .selectFrom('students as s')
    .innerJoin('schools as sc', 'sc.id', 's.school_id')
    .select(['s.id', 's.preferred_first_name', 's.legal_first_name', 's.legal_last_name', 's.student_number', 's.grade_level', 's.school_id', 'sc.name as school'])
    .where('s.id', '=', studentId)
    .executeTakeFirst();
  if (!row || !mayActOnSchool(actor.scope, row.school_id)) return null;
  return { id: row.id, name: `${row.preferred_first_name ?? row.legal_first_name} ${row.legal_last_name}`, studentNumber: row.student_number, school: row.school, grade: row.grade_level };
}

/** A student's meal account for the office, or null (404) outside its schools. The open is audited. */
export async function officeMealAccount(
  db: Kysely<DB>,
  actor: StaffActor,
  studentId: number,
  now: Date,
): Promise<{ student: OfficeMealStudent; balanceCents: number; lines: MealLine[] } | null> {
  const student = await studentInScope(db, actor, studentId);
  if (!student) return null;
  await audit(db, { action: 'student.viewed_by_staff', actorAccountId: actor.actorAccountId, subjectType: 'student', subjectId: student.id, ip: actor.ip, details: { page: 'meals' } }, now);
  return { student, ...(await accountOf(db, student.id, now)) };
}

export interface OfficeEntryForm {
  kind: 'deposit' | 'adjustment';
  amountCents: number;
  method: 'cash' | 'check' | null;
  checkNumber: string | null;
  reason: string | null;
}

const field = (b: Record<string, unknown>, name: string) => (typeof b[name] === 'string' ? (b[name] as string).trim() : '');

/** The office's form: a deposit (cash, or check with its number) or an adjustment (either sign) with its reason. */
export function readOfficeEntryForm(body: unknown): { ok: true; data: OfficeEntryForm } | { ok: false; errors: FieldErrors } {
  const b = (body ?? {}) as Record<string, unknown>;
  const errors: FieldErrors = {};
  const kind = field(b, 'kind');
  if (kind !== 'deposit' && kind !== 'adjustment') return { ok: false, errors: { kind: 'meals.office.kindInvalid' } };
  const cents = parseCents(field(b, 'amount'), kind === 'adjustment');
  if (field(b, 'amount') === '') errors.amount = 'meals.office.amountMissing';
  else if (cents === null || cents === 0 || Math.abs(cents) > MAX_OFFICE_CENTS) errors.amount = kind === 'deposit' ? 'meals.office.depositInvalid' : 'meals.office.adjustmentInvalid';
  let method: 'cash' | 'check' | null = null;
  let checkNumber: string | null = null;
  let reason: string | null = null;
  if (kind === 'deposit') {
    const m = field(b, 'method');
    if (m !== 'cash' && m !== 'check') errors.method = 'meals.office.methodInvalid';
    else method = m;
    if (method === 'check') {
      checkNumber = field(b, 'checkNumber');
      if (!/^[0-9A-Za-z-]{1,20}$/.test(checkNumber)) errors.checkNumber = 'meals.office.checkNumberInvalid';
    }
  } else {
    reason = field(b, 'reason');
    if (reason.length < 3 || reason.length > 200 || hasForbiddenCharacters(reason)) errors.reason = 'meals.office.reasonInvalid';
  }
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return { ok: true, data: { kind, amountCents: cents!, method, checkNumber, reason } };
}

/** Records the office's deposit or adjustment: the ledger row, the balance and the audit entry in one transaction. */
export async function recordOfficeEntry(db: Kysely<DB>, actor: StaffActor, studentId: number, form: OfficeEntryForm, now: Date): Promise<{ kind: 'saved' } | { kind: 'missing' }> {
  return db.transaction().execute(async (trx) => {
    const student = await studentInScope(trx, actor, studentId);
    if (!student) return { kind: 'missing' } as const;
    await writeMealEntries(
      trx,
      [{ studentId, kind: form.kind, amountCents: form.amountCents, at: now.toISOString(), method: form.method, checkNumber: form.checkNumber, reason: form.reason, source: 'office', recordedBy: actor.actorAccountId }],
      now,
    );
    await audit(
      trx,
      {
        action: form.kind === 'deposit' ? 'meals.deposit' : 'meals.adjustment',
        actorAccountId: actor.actorAccountId,
        subjectType: 'student',
        subjectId: studentId,
        ip: actor.ip,
        details: { amountCents: form.amountCents, method: form.method, checkNumber: form.checkNumber, reason: form.reason },
      },
      now,
    );
    return { kind: 'saved' } as const;
  });
}
