/**
 * Forms signed with the E-Signature PIN (issue 21, ADR 0034).
 *
 * Office staff publish a form to the families of a school (or of one grade there); each guardian with
 * portal rights to a student it concerns opens it for that child, answers it and signs it with their
 * PIN (their password when they have none). Every read and write here asks the access modules: office
 * staff act inside their OfficeScope, families through `readableStudent`; a form or student outside
 * them is answered like one that does not exist.
 */
import type { TodoItem } from '../todo/registry.js';
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import { audit } from '../audit/service.js';
import { mayActOnSchool, type OfficeScope, type StaffActor } from '../access/staff.js';
import { readableStudent, studentsReadableBy, StudentNotFound, type PortalReader, type ReadableStudent } from '../access/portal.js';
import { portalLinks } from '../access/guardian-links.js';
import { verifyPassword } from '../accounts/passwords.js';
import { reauthenticate } from '../accounts/reauthenticate.js';
import { ipThrottleKey, recordFailure, recordSuccess, throttledTry } from '../accounts/throttle.js';
import type { AccountRow } from '../accounts/repository.js';
import { accountLocale, confirmedEmail } from '../accounts/mail.js';
import { enqueueEmail, type OutgoingEmail } from '../../email/outbox.js';
import { composeEmail, type MailDistrict } from '../../email/templates.js';
import { enqueue } from '../../jobs/queue.js';
import { FORM_NOTICE_JOB } from '../notifications/forms.js';
import { getDistrictProfile } from '../district/service.js';
import { adultCutoff } from '../district/settings.js';
import { localDate } from '../calendar/dates.js';
import { hasForbiddenCharacters } from '../forms.js';
import { inLocale, MAX_BODY, MAX_TITLE, parseAnswers, type Answers, type FormField, type Problems } from './fields.js';
import type { Locale } from '../../i18n/index.js';
import { localeTag } from '../../i18n/format.js';

export const REMIND_JOB = 'forms.remind';

/** A calendar date as "February 20, 2027" in the reader's language (no time zone shift). */
function dayText(date: string, locale: Locale): string {
  return new Intl.DateTimeFormat(localeTag(locale), { dateStyle: 'long', timeZone: 'UTC' }).format(new Date(`${date}T12:00:00Z`));
}
/** A second reminder for the same form within this time is refused. */
export const REMIND_AGAIN_MS = 24 * 60 * 60_000;

export interface FormVersion {
  id: number;
  version: number;
  body: { en: string; es: string };
  fields: FormField[];
}

export interface SignedForm {
  id: number;
  schoolId: number;
  school: string;
  gradeLevel: number | null;
  title: { en: string; es: string };
  dueDate: string | null;
  status: 'draft' | 'published';
  publishedAt: string | null;
  remindedAt: string | null;
  current: FormVersion;
}

/** What the office types: the form's content and audience. */
export interface FormInput {
  schoolId: number;
  gradeLevel: number | null;
  title: { en: string; es: string };
  body: { en: string; es: string };
  dueDate: string | null;
  fields: FormField[];
}

// ── reading ──────────────────────────────────────────────────────────────────────────────────────────

const formColumns = ['f.id', 'f.school_id', 's.name as school', 'f.grade_level', 'f.title_en', 'f.title_es', 'f.due_date', 'f.status', 'f.published_at', 'f.reminded_at'] as const;

function formsWithSchool(db: Kysely<DB>) {
  return db.selectFrom('signed_forms as f').innerJoin('schools as s', 's.id', 'f.school_id').select(formColumns);
}

type FormRow = Awaited<ReturnType<ReturnType<typeof formsWithSchool>['executeTakeFirstOrThrow']>>;
type VersionRow = { id: number; form_id: number; version: number; body_en: string; body_es: string; fields: string };

/** Forms with their latest versions, in two queries whatever their number. */
async function withVersions(db: Kysely<DB>, rows: FormRow[]): Promise<SignedForm[]> {
  if (rows.length === 0) return [];
  const versions = await db.selectFrom('signed_form_versions').selectAll().where('form_id', 'in', rows.map((r) => r.id)).execute();
  const latest = new Map<number, VersionRow>();
  for (const v of versions) if ((latest.get(v.form_id)?.version ?? 0) < v.version) latest.set(v.form_id, v);
  return rows.map((row) => ({
    id: row.id,
    schoolId: row.school_id,
    school: row.school,
    gradeLevel: row.grade_level,
    title: { en: row.title_en, es: row.title_es },
    dueDate: row.due_date,
    status: row.status,
    publishedAt: row.published_at,
    remindedAt: row.reminded_at,
    current: versionOf(latest.get(row.id)!),
  }));
}

async function loadForm(db: Kysely<DB>, formId: number): Promise<SignedForm | null> {
  const row = await formsWithSchool(db).where('f.id', '=', formId).executeTakeFirst();
  return row ? ((await withVersions(db, [row]))[0] ?? null) : null;
}

function versionOf(v: { id: number; version: number; body_en: string; body_es: string; fields: string }): FormVersion {
  return { id: v.id, version: v.version, body: { en: v.body_en, es: v.body_es }, fields: JSON.parse(v.fields) as FormField[] };
}

/** A form the office may act on (a school of theirs), or null. */
export async function officeForm(db: Kysely<DB>, scope: OfficeScope, formId: number): Promise<SignedForm | null> {
  const form = await loadForm(db, formId);
  return form && mayActOnSchool(scope, form.schoolId) ? form : null;
}

/** The schools an office may publish to: id, name, grades. */
export async function schoolsFor(db: Kysely<DB>, scope: OfficeScope) {
  let q = db.selectFrom('schools').select(['id', 'name', 'grade_low', 'grade_high']).orderBy('name');
  if (!scope.district) q = q.where('id', 'in', scope.schools.size ? [...scope.schools] : [-1]);
  return q.execute();
}

/** The students a form concerns: enrolled at its school, of its grade when it has one. */
function audienceOf(db: Kysely<DB>, form: { schoolId: number; gradeLevel: number | null }) {
  let q = db.selectFrom('students as st').where('st.school_id', '=', form.schoolId).where('st.enrollment_status', '=', 'active');
  if (form.gradeLevel !== null) q = q.where('st.grade_level', '=', form.gradeLevel);
  return q;
}

export interface FormSummary {
  id: number;
  title: { en: string; es: string };
  school: string;
  gradeLevel: number | null;
  dueDate: string | null;
  status: 'draft' | 'published';
  students: number;
  signed: number;
}

/** The office's forms, newest first, with how many of their students have a signature. */
export async function listOfficeForms(db: Kysely<DB>, scope: OfficeScope): Promise<FormSummary[]> {
  let q = db
    .selectFrom('signed_forms as f')
    .innerJoin('schools as s', 's.id', 'f.school_id')
    .select(['f.id', 'f.title_en', 'f.title_es', 's.name as school', 'f.school_id', 'f.grade_level', 'f.due_date', 'f.status'])
    .select((eb) => eb.selectFrom('signed_form_signatures as g').whereRef('g.form_id', '=', 'f.id').select(eb.fn.countAll<number>().as('n')).as('signed'))
    .orderBy('f.id', 'desc');
  if (!scope.district) q = q.where('f.school_id', 'in', scope.schools.size ? [...scope.schools] : [-1]);
  const rows = await q.execute();
  if (rows.length === 0) return [];
  // The students of each school and grade, in one query.
  const counts = await db
    .selectFrom('students')
    .select(['school_id', 'grade_level', (eb) => eb.fn.countAll<number>().as('n')])
    .where('enrollment_status', '=', 'active')
    .where('school_id', 'in', [...new Set(rows.map((r) => r.school_id))])
    .groupBy(['school_id', 'grade_level'])
    .execute();
  const studentsOf = (schoolId: number, grade: number | null) =>
    counts.filter((c) => c.school_id === schoolId && (grade === null || c.grade_level === grade)).reduce((sum, c) => sum + Number(c.n), 0);
  return rows.map((r) => ({
    id: r.id,
    title: { en: r.title_en, es: r.title_es },
    school: r.school,
    gradeLevel: r.grade_level,
    dueDate: r.due_date,
    status: r.status,
    students: studentsOf(r.school_id, r.grade_level),
    signed: Number(r.signed ?? 0),
  }));
}

// ── the office writes ────────────────────────────────────────────────────────────────────────────────

/** The form's own fields (title, text, due date) checked; the field rows are checked by parseFieldRows. */
export function checkFormText(input: Pick<FormInput, 'title' | 'body' | 'dueDate'>): Problems {
  const problems: Problems = {};
  for (const [name, value, max, lines] of [
    ['titleEn', input.title.en, MAX_TITLE, false],
    ['titleEs', input.title.es, MAX_TITLE, false],
    ['bodyEn', input.body.en, MAX_BODY, true],
    ['bodyEs', input.body.es, MAX_BODY, true],
  ] as const) {
    if (value === '') problems[name] = 'form.required';
    else if (value.length > max) problems[name] = 'form.tooLong';
    else if (hasForbiddenCharacters(value, { lineBreaks: lines })) problems[name] = 'form.badCharacters';
  }
  if (input.dueDate !== null && (!/^\d{4}-\d{2}-\d{2}$/.test(input.dueDate) || Number.isNaN(Date.parse(`${input.dueDate}T00:00:00Z`)) || new Date(`${input.dueDate}T00:00:00Z`).toISOString().slice(0, 10) !== input.dueDate))
    problems.dueDate = 'forms.problem.date';
  return problems;
}

export type WriteResult = { kind: 'saved'; formId: number } | { kind: 'problems'; problems: Problems } | { kind: 'notFound' };

async function checkAudience(db: Kysely<DB>, scope: OfficeScope, input: FormInput): Promise<Problems> {
  const school = await db.selectFrom('schools').select(['id', 'grade_low', 'grade_high']).where('id', '=', input.schoolId).executeTakeFirst();
  if (!school || !mayActOnSchool(scope, school.id)) return { schoolId: 'forms.problem.school' };
  if (input.gradeLevel !== null && (input.gradeLevel < school.grade_low || input.gradeLevel > school.grade_high)) return { gradeLevel: 'forms.problem.grade' };
  return {};
}

/** A new form, as a draft, with its first version. */
export async function createForm(db: Kysely<DB>, actor: StaffActor, input: FormInput, now: Date): Promise<WriteResult> {
  const problems = { ...checkFormText(input), ...(await checkAudience(db, actor.scope, input)) };
  if (Object.keys(problems).length > 0) return { kind: 'problems', problems };
  const t = now.toISOString();
  const formId = await db.transaction().execute(async (trx) => {
    const row = await trx
      .insertInto('signed_forms')
      .values({
        school_id: input.schoolId,
        grade_level: input.gradeLevel,
        title_en: input.title.en,
        title_es: input.title.es,
        due_date: input.dueDate,
        published_at: null,
        reminded_at: null,
        created_by: actor.actorAccountId,
        created_at: t,
        updated_at: t,
        updated_by: actor.actorAccountId,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await trx
      .insertInto('signed_form_versions')
      .values({ form_id: row.id, version: 1, body_en: input.body.en, body_es: input.body.es, fields: JSON.stringify(input.fields), created_at: t })
      .execute();
    await audit(trx, { action: 'form.created', actorAccountId: actor.actorAccountId, subjectType: 'signed_form', subjectId: row.id, ip: actor.ip }, now);
    return row.id;
  });
  return { kind: 'saved', formId };
}

/**
 * A change to a form. Its audience is fixed once it is published; its text and fields change in place
 * until someone has signed the latest version, and after that as a new version (each signature keeps
 * the version its signer saw).
 */
export async function updateForm(db: Kysely<DB>, actor: StaffActor, formId: number, input: FormInput, now: Date): Promise<WriteResult> {
  const form = await officeForm(db, actor.scope, formId);
  if (!form) return { kind: 'notFound' };
  const audience = form.status === 'published' ? { ...input, schoolId: form.schoolId, gradeLevel: form.gradeLevel } : input;
  const problems = { ...checkFormText(input), ...(await checkAudience(db, actor.scope, audience)) };
  if (Object.keys(problems).length > 0) return { kind: 'problems', problems };
  const t = now.toISOString();
  await db.transaction().execute(async (trx) => {
    await trx
      .updateTable('signed_forms')
      .set({ school_id: audience.schoolId, grade_level: audience.gradeLevel, title_en: input.title.en, title_es: input.title.es, due_date: input.dueDate, updated_at: t, updated_by: actor.actorAccountId })
      .where('id', '=', formId)
      .execute();
    const fields = JSON.stringify(input.fields);
    const v = form.current;
    const same = v.body.en === input.body.en && v.body.es === input.body.es && JSON.stringify(v.fields) === fields;
    if (!same) {
      const signed = await trx.selectFrom('signed_form_signatures').select('id').where('version_id', '=', v.id).limit(1).executeTakeFirst();
      if (signed) {
        await trx.insertInto('signed_form_versions').values({ form_id: formId, version: v.version + 1, body_en: input.body.en, body_es: input.body.es, fields, created_at: t }).execute();
      } else {
        await trx.updateTable('signed_form_versions').set({ body_en: input.body.en, body_es: input.body.es, fields }).where('id', '=', v.id).execute();
      }
    }
    await audit(trx, { action: 'form.changed', actorAccountId: actor.actorAccountId, subjectType: 'signed_form', subjectId: formId, ip: actor.ip, details: { newVersion: !same } }, now);
  });
  return { kind: 'saved', formId };
}

export async function publishForm(db: Kysely<DB>, actor: StaffActor, formId: number, now: Date): Promise<'published' | 'already' | 'notFound'> {
  const form = await officeForm(db, actor.scope, formId);
  if (!form) return 'notFound';
  if (form.status === 'published') return 'already';
  await db.transaction().execute(async (trx) => {
    await trx.updateTable('signed_forms').set({ status: 'published', published_at: now.toISOString(), updated_at: now.toISOString(), updated_by: actor.actorAccountId }).where('id', '=', formId).where('status', '=', 'draft').execute();
    await audit(trx, { action: 'form.published', actorAccountId: actor.actorAccountId, subjectType: 'signed_form', subjectId: formId, ip: actor.ip }, now);
    // The families it concerns are told by a job (a large school has thousands): notifications/forms.ts.
    await enqueue(trx, { kind: FORM_NOTICE_JOB, payload: { formId }, uniqueKey: `${FORM_NOTICE_JOB}-${formId}` }, now);
  });
  return 'published';
}

// ── who signed ───────────────────────────────────────────────────────────────────────────────────────

export interface SignatureRecord {
  id: number;
  formId: number;
  studentId: number;
  version: FormVersion;
  signer: string;
  guardianId: number;
  answers: Answers;
  locale: Locale;
  ip: string | null;
  method: 'pin' | 'password';
  late: boolean;
  signedAt: string;
}

export interface StatusRow {
  studentId: number;
  student: string;
  studentNumber: string;
  grade: number;
  guardians: { id: number; name: string; email: string | null }[];
  signature: SignatureRecord | null;
}

async function signaturesOf(db: Kysely<DB>, formIds: number | readonly number[], studentIds?: readonly number[], only?: number): Promise<SignatureRecord[]> {
  if (studentIds && studentIds.length === 0) return [];
  let q = db
    .selectFrom('signed_form_signatures as g')
    .innerJoin('signed_form_versions as v', 'v.id', 'g.version_id')
    .select(['g.id', 'g.form_id', 'g.student_id', 'g.guardian_id', 'g.signer_name', 'g.answers', 'g.locale', 'g.ip', 'g.method', 'g.late', 'g.signed_at'])
    .select(['v.id as version_id', 'v.version', 'v.body_en', 'v.body_es', 'v.fields'])
    .where('g.form_id', 'in', typeof formIds === 'number' ? [formIds] : [...formIds]);
  if (studentIds) q = q.where('g.student_id', 'in', [...studentIds]);
  if (only !== undefined) q = q.where('g.id', '=', only);
  const rows = await q.execute();
  return rows.map((r) => ({
    id: r.id,
    formId: r.form_id,
    studentId: r.student_id,
    version: versionOf({ id: r.version_id, version: r.version, body_en: r.body_en, body_es: r.body_es, fields: r.fields }),
    signer: r.signer_name,
    guardianId: r.guardian_id,
    answers: JSON.parse(r.answers) as Answers,
    locale: r.locale === 'es' ? 'es' : 'en',
    ip: r.ip,
    method: r.method,
    late: r.late === 1,
    signedAt: r.signed_at,
  }));
}

/** Per student of the form's audience: the guardians with portal rights, and the signature if there is one. */
export async function formStatus(db: Kysely<DB>, form: SignedForm): Promise<StatusRow[]> {
  const students = await audienceOf(db, form)
    .select(['st.id', 'st.legal_last_name', 'st.legal_first_name', 'st.preferred_first_name', 'st.student_number', 'st.grade_level'])
    .orderBy('st.legal_last_name')
    .orderBy('st.legal_first_name')
    .orderBy('st.id')
    .execute();
  const ids = students.map((s) => s.id);
  const guardians = ids.length
    ? await portalLinks(db)
        .innerJoin('guardians as g', 'g.id', 'sg.guardian_id')
        .select(['sg.student_id', 'g.id', 'g.first_name', 'g.last_name', 'g.email'])
        .where('sg.student_id', 'in', ids)
        .orderBy('g.last_name')
        .orderBy('g.id')
        .execute()
    : [];
  const signatures = new Map((await signaturesOf(db, form.id)).map((s) => [s.studentId, s]));
  return students.map((s) => ({
    studentId: s.id,
    student: `${s.legal_last_name}, ${s.preferred_first_name ?? s.legal_first_name}`,
    studentNumber: s.student_number,
    grade: s.grade_level,
    guardians: guardians.filter((g) => g.student_id === s.id).map((g) => ({ id: g.id, name: `${g.first_name} ${g.last_name}`, email: g.email })),
    signature: signatures.get(s.id) ?? null,
  }));
}

/** One signature of a form the office may act on, or null. */
export async function officeSignature(
  db: Kysely<DB>,
  scope: OfficeScope,
  formId: number,
  signatureId: number,
): Promise<{ form: SignedForm; signature: SignatureRecord; student: { name: string; number: string } } | null> {
  const form = await officeForm(db, scope, formId);
  if (!form) return null;
  const [signature] = await signaturesOf(db, formId, undefined, signatureId);
  if (!signature) return null;
  const s = await db.selectFrom('students').select(['legal_first_name', 'preferred_first_name', 'legal_last_name', 'student_number']).where('id', '=', signature.studentId).executeTakeFirstOrThrow();
  return { form, signature, student: { name: `${s.preferred_first_name ?? s.legal_first_name} ${s.legal_last_name}`, number: s.student_number } };
}

// ── reminders ────────────────────────────────────────────────────────────────────────────────────────

export type RemindResult = { kind: 'queued' } | { kind: 'tooSoon'; nextAt: string } | { kind: 'draft' } | { kind: 'notFound' };

/**
 * A reminder to the guardians of every student who has not signed: recorded now, written by a job
 * (a large school has thousands of families). A second one within REMIND_AGAIN_MS is refused.
 */
export async function remindUnsigned(db: Kysely<DB>, actor: StaffActor, formId: number, now: Date): Promise<RemindResult> {
  const form = await officeForm(db, actor.scope, formId);
  if (!form) return { kind: 'notFound' };
  if (form.status !== 'published') return { kind: 'draft' };
  const since = new Date(now.getTime() - REMIND_AGAIN_MS).toISOString();
  return db.transaction().execute(async (trx) => {
    // Only one of two reminders sent at once passes this update.
    const claimed = await trx
      .updateTable('signed_forms')
      .set({ reminded_at: now.toISOString() })
      .where('id', '=', formId)
      .where((eb) => eb.or([eb('reminded_at', 'is', null), eb('reminded_at', '<=', since)]))
      .executeTakeFirst();
    if (Number(claimed.numUpdatedRows) === 0) {
      const row = await trx.selectFrom('signed_forms').select('reminded_at').where('id', '=', formId).executeTakeFirstOrThrow();
      return { kind: 'tooSoon' as const, nextAt: new Date(Date.parse(row.reminded_at!) + REMIND_AGAIN_MS).toISOString() };
    }
    await enqueue(trx, { kind: REMIND_JOB, payload: { formId } }, now);
    await audit(trx, { action: 'form.reminded', actorAccountId: actor.actorAccountId, subjectType: 'signed_form', subjectId: formId, ip: actor.ip }, now);
    return { kind: 'queued' as const };
  });
}

/**
 * The reminder job: one email per guardian with portal rights to a student who has not signed (one
 * for all their children), to their account's confirmed security email, else the email on record, in
 * their language. Written in batches, each in its transaction.
 */
export async function sendReminders(db: Kysely<DB>, payload: unknown, options: { baseUrl: string; district: MailDistrict & { locale: string } }, now: Date): Promise<number> {
  const formId = typeof payload === 'object' && payload !== null && typeof (payload as { formId?: unknown }).formId === 'number' ? (payload as { formId: number }).formId : null;
  if (formId === null) return 0;
  const form = await loadForm(db, formId);
  if (!form || form.status !== 'published') return 0;
  const rows = await portalLinks(db)
    .innerJoin('guardians as g', 'g.id', 'sg.guardian_id')
    .leftJoin('user_accounts as a', (j) => j.onRef('a.guardian_id', '=', 'g.id').on('a.status', '=', 'active'))
    .select(['g.id', 'g.email', 'g.preferred_language', 'a.locale', 'a.security_email', 'a.security_email_confirmed_at'])
    .where('sg.student_id', 'in', audienceOf(db, form).select('st.id'))
    .where('sg.student_id', 'not in', db.selectFrom('signed_form_signatures').select('student_id').where('form_id', '=', formId))
    .orderBy('g.id')
    .execute();
  const seen = new Set<number>();
  const mails: OutgoingEmail[] = [];
  for (const r of rows) {
    if (seen.has(r.id)) continue;
    seen.add(r.id);
    const to = confirmedEmail(r) ?? r.email;
    if (!to) continue;
    const locale = accountLocale({ locale: r.locale ?? null, guardian_language: r.preferred_language }, options.district);
    mails.push(
      composeEmail({
        kind: 'form_reminder',
        to,
        locale,
        district: options.district,
        subject: 'email.formReminder.subject',
        subjectParams: { title: inLocale(form.title, locale) },
        paragraphs: [
          { key: 'email.formReminder.body', params: { title: inLocale(form.title, locale), school: form.school } },
          ...(form.dueDate ? [{ key: 'email.formReminder.due' as const, params: { date: dayText(form.dueDate, locale) } }] : []),
        ],
        link: { url: `${options.baseUrl}/forms`, label: 'email.formReminder.link' },
      }),
    );
  }
  for (let i = 0; i < mails.length; i += 500) {
    await db.transaction().execute(async (trx) => {
      for (const mail of mails.slice(i, i + 500)) await enqueueEmail(trx, mail, now);
    });
  }
  return mails.length;
}

// ── families ─────────────────────────────────────────────────────────────────────────────────────────

export interface FamilyForm {
  form: SignedForm;
  student: ReadableStudent;
  signature: SignatureRecord | null;
}

/** The published forms that concern a student the reader may see, with the child's signature if any. */
export async function formsForStudent(db: Kysely<DB>, student: ReadableStudent): Promise<FamilyForm[]> {
  const s = await db.selectFrom('students').select(['school_id', 'grade_level', 'enrollment_status']).where('id', '=', student.id).executeTakeFirstOrThrow();
  if (s.enrollment_status !== 'active') return [];
  const rows = await formsWithSchool(db)
    .where('f.status', '=', 'published')
    .where('f.school_id', '=', s.school_id)
    .where((eb) => eb.or([eb('f.grade_level', 'is', null), eb('f.grade_level', '=', s.grade_level)]))
    .orderBy('f.id', 'desc')
    .execute();
  const forms = await withVersions(db, rows);
  const signatures = new Map<number, SignatureRecord>();
  if (forms.length > 0) for (const sig of await signaturesOf(db, forms.map((f) => f.id), [student.id])) signatures.set(sig.formId, sig);
  return forms.map((form) => ({ form, student, signature: signatures.get(form.id) ?? null }));
}

/** One form for one child of the reader's, or null (a form not theirs answers like one that does not exist). */
export async function familyForm(db: Kysely<DB>, student: ReadableStudent, formId: number): Promise<FamilyForm | null> {
  return (await formsForStudent(db, student)).find((f) => f.form.id === formId) ?? null;
}


/** For the To Do list: each form waiting for a signature, per child of the reader (a guardian). */
export async function todoItemsForForms(db: Kysely<DB>, reader: PortalReader & { locale?: string | null }, now: Date): Promise<TodoItem[]> {
  if (reader.person_kind !== 'guardian') return [];
  const district = await getDistrictProfile(db);
  if (!district.settings.tools.forms) return [];
  const locale: Locale = reader.locale === 'es' || (reader.locale !== 'en' && district.locale === 'es') ? 'es' : 'en';
  const students = await studentsReadableBy(db, reader, adultCutoff(district.settings, localDate(now, district.timeZone)));
  const items: TodoItem[] = [];
  for (const student of students) {
    for (const f of await formsForStudent(db, student)) {
      if (f.signature) continue;
      items.push({ kind: 'form', title: inLocale(f.form.title, locale), url: `/students/${student.id}/forms/${f.form.id}`, due: f.form.dueDate, studentId: student.id });
    }
  }
  return items;
}

/** How many forms wait for the reader's signature for this child (Today's line). */
export async function waitingCount(db: Kysely<DB>, student: ReadableStudent): Promise<number> {
  return (await formsForStudent(db, student)).filter((f) => !f.signature).length;
}

export type SignResult =
  | { kind: 'signed'; signatureId: number }
  | { kind: 'problems'; problems: Problems }
  | { kind: 'alreadySigned' }
  | { kind: 'changed' }
  | { kind: 'wait'; retryAfterSeconds: number }
  | { kind: 'notFound' };

export const pinThrottleKey = (accountId: number) => `form-pin:${accountId}`;

/**
 * A guardian signs a form for one child. In order: the child is theirs and the form concerns them (else
 * notFound, nothing written); it is not signed yet; the version they read is the current one; the
 * answers keep the rules; then the PIN — or, without one or when the district does not use PINs, the
 * password — is checked, wrong ones
 * counted like failed sign-ins; and the signature is written with its audit entry in one transaction.
 * Signing after the due date is allowed and marked late (ADR 0034).
 */
export async function signForm(
  db: Kysely<DB>,
  input: {
    account: AccountRow;
    studentId: number;
    formId: number;
    body: Record<string, unknown>;
    ip: string | null;
    locale: Locale;
    adultBornOnOrBefore: string | null;
    today: string;
    /** the district's setting eSignaturePinEnabled: without it, forms are signed with the password */
    pinEnabled: boolean;
  },
  now: Date,
): Promise<SignResult> {
  const { account } = input;
  if (account.person_kind !== 'guardian' || account.guardian_id === null) return { kind: 'notFound' };
  let student: ReadableStudent;
  try {
    student = await readableStudent(db, account, input.studentId, input.adultBornOnOrBefore);
  } catch (error) {
    if (error instanceof StudentNotFound) return { kind: 'notFound' };
    throw error;
  }
  const found = await familyForm(db, student, input.formId);
  if (!found) return { kind: 'notFound' };
  if (found.signature) return { kind: 'alreadySigned' };
  const { form } = found;
  if (String(input.body.version ?? '') !== String(form.current.version)) return { kind: 'changed' };
  const { answers, problems } = parseAnswers(form.current.fields, input.body);
  const secret = typeof input.body.pin === 'string' ? input.body.pin : '';
  const method = input.pinEnabled && account.pin_hash ? 'pin' : 'password';
  if (secret === '') problems[method] = 'form.required';
  else if (secret.length > 1024) problems[method] = 'form.tooLong';
  if (Object.keys(problems).length > 0) return { kind: 'problems', problems };

  if (method === 'pin') {
    const keys = { user: pinThrottleKey(account.id), ip: ipThrottleKey(input.ip) };
    const checked = await throttledTry(db, keys, now, async (verdict) => {
      if (verdict.kind !== 'ok') return { kind: 'wait' as const, retryAfterSeconds: verdict.retryAfterSeconds };
      if (!/^\d{4,8}$/.test(secret) || !(await verifyPassword(account.pin_hash!, secret))) {
        await recordFailure(db, { key: verdict.key, ip: keys.ip }, now);
        await audit(db, { action: 'form.wrong_pin', actorAccountId: account.id, subjectType: 'signed_form', subjectId: form.id, ip: input.ip }, now);
        return { kind: 'wrong' as const };
      }
      await recordSuccess(db, verdict.key);
      return { kind: 'ok' as const };
    });
    if (checked.kind === 'wait') return checked;
    if (checked.kind === 'wrong') return { kind: 'problems', problems: { pin: 'forms.problem.wrongPin' } };
  } else {
    const checked = await reauthenticate(db, account, secret, input.ip, now);
    if (checked.kind === 'wait') return checked;
    if (checked.kind !== 'ok') return { kind: 'problems', problems: { password: 'forms.problem.wrongPassword' } };
  }

  const signatureId = await db.transaction().execute(async (trx) => {
    const row = await trx
      .insertInto('signed_form_signatures')
      .values({
        form_id: form.id,
        version_id: form.current.id,
        student_id: student.id,
        guardian_id: account.guardian_id!,
        account_id: account.id,
        signer_name: `${account.first_name ?? ''} ${account.last_name ?? ''}`.trim() || account.username,
        answers: JSON.stringify(answers),
        locale: input.locale,
        ip: input.ip,
        method,
        late: form.dueDate !== null && input.today > form.dueDate ? 1 : 0,
        signed_at: now.toISOString(),
      })
      .onConflict((oc) => oc.columns(['form_id', 'student_id']).doNothing())
      .returning('id')
      .executeTakeFirst();
    if (!row) return null;
    await audit(trx, { action: 'form.signed', actorAccountId: account.id, subjectType: 'student', subjectId: student.id, ip: input.ip, details: { form: form.id, version: form.current.version, method } }, now);
    return row.id;
  });
  return signatureId === null ? { kind: 'alreadySigned' } : { kind: 'signed', signatureId };
}
