/**
 * The nurse's health records (issue 19): a student of the nurse's schools by number, their immunization
 * record with doses and exemptions to record, correct or remove, and the compliance list with its CSV.
 * Every decision is the domain's (domain/health/records.ts); a record outside the nurse's schools
 * answers 404 like one that does not exist.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { nurseScope, type NurseScope } from '../../domain/access/staff.js';
import { localDate } from '../../domain/calendar/dates.js';
import { recordId } from '../../domain/forms.js';
import {
  complianceList,
  correctDose,
  doseOf,
  findStudentByNumber,
  healthRecordOf,
  nurseSchools,
  readDoseForm,
  readExemptionForm,
  recordDose,
  recordExemption,
  removeDose,
  removeExemption,
  type NurseActor,
  type WriteOutcome,
} from '../../domain/health/records.js';
import { districtVaccineRules } from '../../domain/health/immunizations.js';
import type { MessageKey } from '../../i18n/index.js';
import { contextFor } from '../context.js';
import { csvOf } from '../csv.js';
import { redirectToNewPassword, redirectToSignIn } from '../guards.js';
import { clientIp } from '../plugins/session.js';
import { sendPage } from '../render.js';
import { fromFieldErrors, type Messages } from '../views/forms.js';
import { CompliancePage, CorrectDosePage, HealthRecordPage, HealthSearchPage, type HealthRecordProps } from '../views/health.js';
import { MessagePage } from '../views/pages.js';
import { localName } from '../../i18n/format.js';

type IdParams = { Params: { id: string } };

/** Only nurses (a nurse role at a school) open these pages; others get the staff pages' 403. */
function requireNurse(app: FastifyInstance) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    if (redirectToSignIn(request, reply) || redirectToNewPassword(request, reply)) return reply;
    const scope = await nurseScope(app.services.database.db, request.session!.account.staff_id);
    if (scope.schools.size === 0) {
      const ctx = await contextFor(app, request);
      return sendPage(reply, <MessagePage ctx={ctx} title={ctx.t('staff.forbidden.title')} body={ctx.t('health.forbidden')} />, 403);
    }
  };
}

const fieldsOf = (body: unknown): Record<string, string> =>
  Object.fromEntries(Object.entries((body ?? {}) as Record<string, unknown>).filter(([k, v]) => k !== '_csrf' && typeof v === 'string').map(([k, v]) => [k, (v as string).slice(0, 64)]));

export async function healthRoutes(app: FastifyInstance): Promise<void> {
  const { services } = app;
  const db = services.database.db;
  const nurseOnly = requireNurse(app);

  const actorOf = async (request: FastifyRequest): Promise<NurseActor> => {
    const account = request.session!.account;
    return { scope: await nurseScope(db, account.staff_id), actorAccountId: account.id, ip: clientIp(request) };
  };
  const todayOf = (ctx: { district: { timeZone: string } }) => localDate(services.now(), ctx.district.timeZone);

  const notFound = async (request: FastifyRequest, reply: FastifyReply) => {
    const ctx = await contextFor(app, request);
    return sendPage(reply, <MessagePage ctx={ctx} title={ctx.t('health.title')} body={ctx.t('health.missing')} />, 404);
  };

  /** A student's record page, with a notice or a form's errors. */
  const showRecord = async (request: FastifyRequest, reply: FastifyReply, studentId: number | null, extra: Partial<HealthRecordProps> = {}, status = 200) => {
    const ctx = await contextFor(app, request);
    const record = studentId === null ? null : await healthRecordOf(db, await actorOf(request), studentId, todayOf(ctx), services.now());
    if (!record) return notFound(request, reply);
    return sendPage(reply, <HealthRecordPage ctx={ctx} record={record} {...extra} />, status);
  };

  const notices: Record<string, MessageKey> = {
    dose: 'health.doseRecorded',
    corrected: 'health.doseCorrected',
    removed: 'health.doseRemoved',
    exemption: 'health.exemptionRecorded',
    exemptionRemoved: 'health.exemptionRemoved',
  };

  app.get<{ Querystring: { number?: unknown } }>('/staff/health', { preHandler: nurseOnly }, async (request, reply) => {
    const ctx = await contextFor(app, request);
    const raw = request.query.number;
    if (raw === undefined) return sendPage(reply, <HealthSearchPage ctx={ctx} />);
    const number = typeof raw === 'string' ? raw.trim() : '';
    let error: MessageKey | null = null;
    if (!/^[0-9A-Za-z]{1,32}$/.test(number)) error = 'health.numberInvalid';
    else {
      const id = await findStudentByNumber(db, (await actorOf(request)).scope, number);
      if (id !== null) return reply.redirect(`/staff/health/students/${id}`, 303);
      error = 'health.notFound';
    }
    const errors: Messages = { number: { key: error } };
    return sendPage(reply, <HealthSearchPage ctx={ctx} number={number.slice(0, 32)} errors={errors} />, error === 'health.notFound' ? 404 : 400);
  });

  app.get<IdParams & { Querystring: { saved?: unknown } }>('/staff/health/students/:id', { preHandler: nurseOnly }, async (request, reply) => {
    const ctx = await contextFor(app, request);
    const saved = typeof request.query.saved === 'string' ? notices[request.query.saved] : undefined;
    return showRecord(request, reply, recordId(request.params.id), saved ? { notice: ctx.t(saved) } : {});
  });

  /** After a write: back to the student's record (303), or the form again with its errors (400), or 404. */
  const answer = async (request: FastifyRequest, reply: FastifyReply, result: WriteOutcome, saved: string, studentId: number | null) => {
    if (result.kind === 'missing') return notFound(request, reply);
    if (result.kind === 'invalid') return showRecord(request, reply, studentId, { errors: fromFieldErrors(result.errors), values: fieldsOf(request.body) }, 400);
    return reply.redirect(`/staff/health/students/${result.studentId}?saved=${saved}`, 303);
  };

  app.post<IdParams>('/staff/health/students/:id/doses', { preHandler: nurseOnly }, async (request, reply) => {
    const studentId = recordId(request.params.id);
    const actor = await actorOf(request);
    if (studentId === null) return notFound(request, reply);
    const form = readDoseForm(request.body);
    const ctx = await contextFor(app, request);
    const result: WriteOutcome = form.ok
      ? await recordDose(db, actor, { studentId, form: form.data, today: todayOf(ctx) }, services.now())
      : { kind: 'invalid', errors: form.errors };
    return answer(request, reply, result, 'dose', studentId);
  });

  app.post<IdParams>('/staff/health/students/:id/exemptions', { preHandler: nurseOnly }, async (request, reply) => {
    const studentId = recordId(request.params.id);
    const actor = await actorOf(request);
    if (studentId === null) return notFound(request, reply);
    const form = readExemptionForm(request.body);
    const ctx = await contextFor(app, request);
    const result: WriteOutcome = form.ok
      ? await recordExemption(db, actor, { studentId, form: form.data, today: todayOf(ctx) }, services.now())
      : { kind: 'invalid', errors: form.errors };
    return answer(request, reply, result, 'exemption', studentId);
  });

  /** The correction form of a dose: its values, or what was typed with the errors. */
  const showDose = async (request: FastifyRequest, reply: FastifyReply, scope: NurseScope, doseId: number | null, typed?: Record<string, string>, errors?: Messages) => {
    const dose = doseId === null ? null : await doseOf(db, scope, doseId);
    if (!dose) return notFound(request, reply);
    const ctx = await contextFor(app, request);
    const vaccines = (await districtVaccineRules(db)).vaccines.map((v) => ({ id: v.id, name: v.name }));
    const values = typed ?? { vaccine: String(dose.vaccineId), date: dose.date, source: dose.source ?? '' };
    return sendPage(reply, <CorrectDosePage ctx={ctx} dose={dose} vaccines={vaccines} values={values} errors={errors ?? {}} />, errors ? 400 : 200);
  };

  app.get<IdParams>('/staff/health/doses/:id', { preHandler: nurseOnly }, async (request, reply) => {
    return showDose(request, reply, (await actorOf(request)).scope, recordId(request.params.id));
  });

  app.post<IdParams>('/staff/health/doses/:id', { preHandler: nurseOnly }, async (request, reply) => {
    const doseId = recordId(request.params.id);
    const actor = await actorOf(request);
    if (doseId === null || !(await doseOf(db, actor.scope, doseId))) return notFound(request, reply);
    const form = readDoseForm(request.body);
    const ctx = await contextFor(app, request);
    const result: WriteOutcome = form.ok
      ? await correctDose(db, actor, { doseId, form: form.data, today: todayOf(ctx) }, services.now())
      : { kind: 'invalid', errors: form.errors };
    if (result.kind === 'invalid') return showDose(request, reply, actor.scope, doseId, fieldsOf(request.body), fromFieldErrors(result.errors));
    return answer(request, reply, result, 'corrected', null);
  });

  app.post<IdParams>('/staff/health/doses/:id/remove', { preHandler: nurseOnly }, async (request, reply) => {
    const doseId = recordId(request.params.id);
    const result: WriteOutcome = doseId === null ? { kind: 'missing' } : await removeDose(db, await actorOf(request), doseId, services.now());
    return answer(request, reply, result, 'removed', null);
  });

  app.post<IdParams>('/staff/health/exemptions/:id/remove', { preHandler: nurseOnly }, async (request, reply) => {
    const id = recordId(request.params.id);
    const result: WriteOutcome = id === null ? { kind: 'missing' } : await removeExemption(db, await actorOf(request), id, services.now());
    return answer(request, reply, result, 'exemptionRemoved', null);
  });

  /** The list's filter from the query: a grade level of the nurse's schools and one of their schools, both optional. */
  const filterOf = async (request: FastifyRequest, scope: NurseScope) => {
    const q = (request.query ?? {}) as Record<string, unknown>;
    const schools = await nurseSchools(db, scope);
    const grades = [...new Set(schools.flatMap((s) => Array.from({ length: s.gradeHigh - s.gradeLow + 1 }, (_, i) => s.gradeLow + i)))].sort((a, b) => a - b);
    const gradeText = typeof q.grade === 'string' ? q.grade.trim() : '';
    const schoolText = typeof q.school === 'string' ? q.school.trim() : '';
    const errors: Messages = {};
    const grade = gradeText === '' ? null : grades.find((g) => String(g) === gradeText);
    const school = schoolText === '' ? null : schools.find((s) => String(s.id) === schoolText);
    if (grade === undefined || (q.grade !== undefined && typeof q.grade !== 'string')) errors.grade = { key: 'health.gradeInvalid' };
    if (school === undefined || (q.school !== undefined && typeof q.school !== 'string')) errors.school = { key: 'health.schoolInvalid' };
    return { schools, grades, errors, grade: grade ?? null, schoolId: school?.id ?? null, filter: { grade: gradeText.slice(0, 8), school: schoolText.slice(0, 12) } };
  };

  app.get('/staff/health/compliance', { preHandler: nurseOnly }, async (request, reply) => {
    const ctx = await contextFor(app, request);
    const { scope } = await actorOf(request);
    const f = await filterOf(request, scope);
    const invalid = Object.keys(f.errors).length > 0;
    const lines = invalid ? [] : await complianceList(db, scope, { grade: f.grade, schoolId: f.schoolId, asOf: todayOf(ctx) });
    return sendPage(reply, <CompliancePage ctx={ctx} lines={lines} schools={f.schools} grades={f.grades} filter={f.filter} errors={f.errors} />, invalid ? 400 : 200);
  });

  app.get('/staff/health/compliance.csv', { preHandler: nurseOnly }, async (request, reply) => {
    const ctx = await contextFor(app, request);
    const { scope } = await actorOf(request);
    const f = await filterOf(request, scope);
    if (Object.keys(f.errors).length > 0) {
      return sendPage(reply, <CompliancePage ctx={ctx} lines={[]} schools={f.schools} grades={f.grades} filter={f.filter} errors={f.errors} />, 400);
    }
    const lines = await complianceList(db, scope, { grade: f.grade, schoolId: f.schoolId, asOf: todayOf(ctx) });
    return reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', 'attachment; filename="students-missing-immunizations.csv"')
      .header('cache-control', 'no-store')
      .send(
        csvOf(
          ['student_number', 'student', 'grade', 'school', 'missing'],
          lines.map((l) => ({
            student_number: l.number,
            student: l.name,
            grade: l.grade,
            school: l.school,
            missing: l.missing.map((m) => ctx.t('health.missingLine', { vaccine: localName(ctx.locale, m.vaccine), count: m.doses })).join('; '),
          })),
        ),
      );
  });
}
