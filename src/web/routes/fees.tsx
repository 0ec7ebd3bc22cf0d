/** The office's fees: the fees of a school, assessing fees, one student's fees, payments, receipts. */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { localDate } from '../../domain/calendar/dates.js';
import { recordId } from '../../domain/forms.js';
import {
  adjustFee,
  assessFees,
  feeSchools,
  feeSections,
  feesOfStudent,
  formKey,
  listSchoolFees,
  officeFee,
  officePayment,
  officeStudent,
  paymentsOfStudent,
  recordOfficePayment,
  refundPayment,
  schoolYearOf,
  waiveFee,
  type FeeFilter,
  type FeeStatus,
  type FeeStudent,
  type Problems,
} from '../../domain/fees/service.js';
import { feeReceiptPdf } from '../../documents/fee-receipt.js';
import { checkoutsWithoutPayment, paymentExcesses, refundOnlinePayment, refusedExcesses } from '../../domain/payments/online.js';
import { contextFor } from '../context.js';
import { officeActor, officeStaff, requireStaff } from '../guards.js';
import { sendPage } from '../render.js';
import { fromFieldErrors, type Messages } from '../views/forms.js';
import { AssessFeePage, StaffFeesPage, StudentFeesPage, studentFeesHref, type StudentFeesState, type Values } from '../views/fees.js';
import type { MessageKey } from '../../i18n/index.js';

type Body = Record<string, unknown>;

/** What the office typed, strings only and bounded, to show the form again. */
function typed(body: Body): Values {
  const out: Values = {};
  for (const [k, v] of Object.entries(body)) if (typeof v === 'string' && k !== '_csrf') out[k] = v.slice(0, 500);
  return out;
}

const DONE: Record<string, MessageKey> = {
  paid: 'fees.done.paid',
  adjusted: 'fees.done.adjusted',
  waived: 'fees.done.waived',
  refunded: 'fees.done.refunded',
  refundRequested: 'payments.refund.requested',
  assessed: 'fees.done.assessed',
};

/** A problem of the form as a whole (a stale key) becomes the page's alert; the others stay with their fields. */
function split(problems: Problems, rename: Record<string, string> = {}): { errors: Messages; problem: MessageKey | undefined } {
  const { form, ...rest } = problems;
  const renamed = Object.fromEntries(Object.entries(rest).map(([k, v]) => [rename[k] ?? k, v]));
  return { errors: fromFieldErrors(renamed), problem: form };
}

export async function feeRoutes(app: FastifyInstance): Promise<void> {
  const { services } = app;
  const db = services.database.db;
  const staffOnly = requireStaff(app, officeStaff);
  const actorOf = (request: FastifyRequest) => officeActor(app, request);
  const today = (timeZone: string) => localDate(services.now(), timeZone);

  app.get('/staff/fees', { preHandler: staffOnly }, async (request, reply) => {
    const ctx = await contextFor(app, request);
    const { scope } = await actorOf(request);
    const query = request.query as Record<string, unknown>;
    const str = (name: string) => (typeof query[name] === 'string' ? (query[name] as string).slice(0, 100) : '');
    const status = str('status');
    const filter: FeeFilter = {
      schoolId: recordId(str('school')),
      status: status === 'open' || status === 'paid' || status === 'waived' ? (status as FeeStatus) : null,
      grade: /^-?\d{1,2}$/.test(str('grade')) ? Number(str('grade')) : null,
      q: str('q').normalize('NFKC').trim(),
    };
    const [schools, { fees, total }, refused] = await Promise.all([feeSchools(db, scope), listSchoolFees(db, scope, filter), services.payments ? refusedExcesses(db, scope) : []]);
    const done = str('done');
    const notice = done === 'assessed' ? ctx.t(DONE.assessed!, { count: Number(str('n')) || 0 }) : undefined;
    return sendPage(reply, <StaffFeesPage ctx={ctx} schools={schools} filter={filter} fees={fees} total={total} notice={notice} refused={refused} />);
  });

  const assessPage = async (request: FastifyRequest, reply: FastifyReply, values: Values, status = 200, errors: Messages = {}, problem?: string) => {
    const ctx = await contextFor(app, request);
    const { scope } = await actorOf(request);
    const year = schoolYearOf(today(ctx.district.timeZone));
    const [schools, sections] = await Promise.all([feeSchools(db, scope), feeSections(db, scope)]);
    return sendPage(
      reply,
      <AssessFeePage ctx={ctx} schools={schools} sections={sections} years={[year, year + 1]} values={{ schoolYear: String(year), ...values }} errors={errors} problem={problem} />,
      status,
    );
  };

  app.get('/staff/fees/new', { preHandler: staffOnly }, async (request, reply) => assessPage(request, reply, { key: formKey() }));

  app.post('/staff/fees/new', { preHandler: staffOnly }, async (request, reply) => {
    const ctx = await contextFor(app, request);
    const actor = await actorOf(request);
    const body = (request.body ?? {}) as Body;
    const result = await assessFees(db, actor, body, today(ctx.district.timeZone), services.now());
    if (result.kind === 'assessed') return reply.redirect(result.studentId !== null ? `${studentFeesHref(result.studentId)}?done=assessed` : `/staff/fees?done=assessed&n=${result.count}`, 303);
    if (result.kind === 'duplicate') return assessPage(request, reply, { ...typed(body), key: formKey() }, 409, {}, ctx.t('fees.problem.alreadySent'));
    const { errors, problem } = split(result.problems);
    return assessPage(request, reply, { ...typed(body), key: problem ? formKey() : typeof body.key === 'string' ? body.key.slice(0, 64) : formKey() }, 400, errors, problem && ctx.t(problem));
  });

  /** One student's fee page, with fresh keys for every form but the one being shown again. */
  const studentPage = async (request: FastifyRequest, reply: FastifyReply, student: FeeStudent, extra: Partial<StudentFeesState> = {}, status = 200) => {
    const ctx = await contextFor(app, request);
    const [fees, payments, withoutPayment] = await Promise.all([feesOfStudent(db, student.id), paymentsOfStudent(db, student.id), checkoutsWithoutPayment(db, student.id)]);
    // What became of an online payment's excess (a fee settled here while the family was at Checkout): only when there are online payments.
    const online = payments.filter((p) => p.method === 'online').map((p) => p.id);
    const excesses = online.length > 0 ? await paymentExcesses(db, online) : new Map();
    const feeForms: StudentFeesState['feeForms'] = new Map(fees.map((f) => [f.id, { adjustKey: formKey(), waiveKey: formKey(), ...extra.feeForms?.get(f.id) }]));
    const query = request.query as Record<string, unknown>;
    const done = typeof query.done === 'string' ? DONE[query.done] : undefined;
    const state: StudentFeesState = {
      pay: extra.pay ?? { key: formKey(), values: {}, errors: {} },
      feeForms,
      refundKeys: new Map(payments.map((p) => [p.id, formKey()])),
      refundErrors: extra.refundErrors,
      notice: extra.notice ?? (done && status === 200 ? ctx.t(done, { count: 1 }) : undefined),
      problem: extra.problem,
    };
    return sendPage(reply, <StudentFeesPage ctx={ctx} student={student} fees={fees} payments={payments} excesses={excesses} withoutPayment={withoutPayment} state={state} />, status);
  };

  app.get<{ Params: { id: string } }>('/staff/fees/students/:id', { preHandler: staffOnly }, async (request, reply) => {
    const id = recordId(request.params.id);
    const { scope } = await actorOf(request);
    const student = id === null ? null : await officeStudent(db, scope, id);
    if (!student) return reply.callNotFound();
    return studentPage(request, reply, student);
  });

  app.post<{ Params: { id: string } }>('/staff/fees/students/:id/payments', { preHandler: staffOnly }, async (request, reply) => {
    const id = recordId(request.params.id);
    const actor = await actorOf(request);
    const student = id === null ? null : await officeStudent(db, actor.scope, id);
    if (!student) return reply.callNotFound();
    const ctx = await contextFor(app, request);
    const body = (request.body ?? {}) as Body;
    const result = await recordOfficePayment(db, actor, student.id, body, services.now());
    switch (result.kind) {
      case 'notFound':
        return reply.callNotFound();
      case 'recorded':
        return reply.redirect(`${studentFeesHref(student.id)}?done=paid`, 303);
      case 'duplicate':
        return studentPage(request, reply, student, { problem: ctx.t('fees.problem.paymentAlreadyRecorded', { number: result.paymentId }) }, 409);
      case 'problems': {
        const { errors, problem } = split(result.problems);
        const key = problem ? formKey() : String(body.key).slice(0, 64);
        return studentPage(request, reply, student, { pay: { key, values: typed(body), errors }, problem: problem && ctx.t(problem) }, 400);
      }
    }
  });

  /** Changing a fee's amount, or waiving what is owed on it. */
  const feeWrite = (action: 'adjust' | 'waive') =>
    async (request: FastifyRequest<{ Params: { id: string } }>, reply: FastifyReply) => {
      const id = recordId(request.params.id);
      const actor = await actorOf(request);
      const fee = id === null ? null : await officeFee(db, actor.scope, id);
      if (!fee) return reply.callNotFound();
      const student = (await officeStudent(db, actor.scope, fee.studentId))!;
      const ctx = await contextFor(app, request);
      const body = (request.body ?? {}) as Body;
      const result = action === 'adjust' ? await adjustFee(db, actor, fee.id, body, services.now()) : await waiveFee(db, actor, fee.id, body, services.now());
      switch (result.kind) {
        case 'notFound':
          return reply.callNotFound();
        case 'done':
          return reply.redirect(studentFeesHref(student.id) + (action === 'adjust' ? '?done=adjusted' : '?done=waived') + '#' + ['fee', fee.id].join('-'), 303);
        case 'duplicate':
          return studentPage(request, reply, student, { problem: ctx.t('fees.problem.alreadySent') }, 409);
        case 'problems': {
          const rename: Record<string, string> = action === 'adjust' ? { amount: `amount-${fee.id}`, reason: `reason-${fee.id}` } : { reason: `waive-${fee.id}` };
          const { errors, problem } = split(result.problems, rename);
          const key = problem ? formKey() : String(body.key).slice(0, 64);
          const values = typed(body);
          const forms = { adjustKey: action === 'adjust' ? key : formKey(), waiveKey: action === 'waive' ? key : formKey(), errors, values: action === 'adjust' ? { amount: values.amount, adjustReason: values.reason } : { waiveReason: values.reason } };
          return studentPage(request, reply, student, { feeForms: new Map([[fee.id, forms]]), problem: problem && ctx.t(problem) }, 400);
        }
      }
    };
  app.post<{ Params: { id: string } }>('/staff/fees/:id/adjust', { preHandler: staffOnly }, feeWrite('adjust'));
  app.post<{ Params: { id: string } }>('/staff/fees/:id/waive', { preHandler: staffOnly }, feeWrite('waive'));

  app.post<{ Params: { id: string } }>('/staff/fees/payments/:id/refund', { preHandler: staffOnly }, async (request, reply) => {
    const id = recordId(request.params.id);
    const actor = await actorOf(request);
    const payment = id === null ? null : await officePayment(db, actor.scope, id);
    if (!payment) return reply.callNotFound();
    const student = (await officeStudent(db, actor.scope, payment.lines[0]!.studentId))!;
    const ctx = await contextFor(app, request);
    const body = (request.body ?? {}) as Body;
    // An online payment is refunded through the provider, and written to the ledger when it confirms (ADR 0047).
    const result = payment.method === 'online' ? await refundOnlinePayment(db, services.payments, actor, payment.id, body, services.now()) : await refundPayment(db, actor, payment.id, body, services.now());
    switch (result.kind) {
      case 'notFound':
        return reply.callNotFound();
      case 'refunded':
      case 'done':
        return reply.redirect(`${studentFeesHref(student.id)}?done=refunded`, 303);
      case 'requested':
        return reply.redirect(`${studentFeesHref(student.id)}?done=refundRequested`, 303);
      case 'unavailable':
        return studentPage(request, reply, student, { problem: ctx.t('payments.problem.unavailable') }, 503);
      case 'duplicate':
        return studentPage(request, reply, student, { problem: ctx.t('fees.problem.alreadySent') }, 409);
      case 'problems': {
        const { errors, problem } = split(result.problems, { reason: `refund-${payment.id}` });
        return studentPage(request, reply, student, { refundErrors: { paymentId: payment.id, errors }, problem: problem && ctx.t(problem) }, 400);
      }
    }
  });

  app.get<{ Params: { id: string } }>('/staff/fees/payments/:id/receipt.pdf', { preHandler: staffOnly }, async (request, reply) => {
    const id = recordId(request.params.id);
    const { scope } = await actorOf(request);
    const payment = id === null ? null : await officePayment(db, scope, id);
    if (!payment) return reply.callNotFound();
    const ctx = await contextFor(app, request);
    const lang = (request.query as Record<string, unknown>).lang;
    const body = await feeReceiptPdf(payment, { locale: lang === 'es' ? 'es' : lang === 'en' ? 'en' : ctx.locale, district: ctx.district });
    return reply.header('content-type', 'application/pdf').header('content-disposition', `inline; filename="receipt-${payment.id}.pdf"`).header('cache-control', 'no-store').send(body);
  });
}
