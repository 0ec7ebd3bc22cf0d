/**
 * A guardian's requests about the people around a child (ADR 0050): the child's emergency contacts and
 * the household's other guardians. Only a guardian who may read the child in the portal gets past
 * `opened` (anyone else: the not-found page); the domain decides the rest. The office decides them in
 * the change request queue (routes/contact.tsx).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { localDate } from '../../domain/calendar/dates.js';
import { adultCutoff } from '../../domain/district/settings.js';
import { readableStudent, StudentNotFound, type ReadableStudent } from '../../domain/access/portal.js';
import { parseInput, recordId } from '../../domain/forms.js';
import { displayPhone } from '../../domain/people/phones.js';
import { MAX_EMERGENCY_CONTACTS } from '../../domain/people/contact-people.js';
import { peopleInfo, requestNewContact, requestPersonChange, requestRemoval, withdrawPeopleRequest, type PeopleRequestResult, type PersonShown } from '../../domain/requests/contact-people.js';
import { emergencyContactInput, newEmergencyContactInput, otherGuardianInput, withdrawInput } from '../../domain/requests/schemas.js';
import { formatInstant } from '../../email/templates.js';
import { contextFor } from '../context.js';
import { redirectToSignIn } from '../guards.js';
import { clientIp } from '../plugins/session.js';
import { sendPage } from '../render.js';
import { AddContactPage, PeoplePage, peopleHref, PersonPage, type PersonFormValues } from '../views/contact-people.js';
import { fromFieldErrors, type Messages } from '../views/forms.js';

type StudentParams = { Params: { studentId: string; guardianId?: string }; Querystring: { sent?: string } };

const FORM_FIELDS = ['firstName', 'lastName', 'relationship', 'phoneMobile', 'phoneHome', 'phoneWork', 'email'] as const;

/** What the guardian typed, to show the form again: strings only, bounded. */
function typed(body: unknown): PersonFormValues {
  const b = (body ?? {}) as Record<string, unknown>;
  return Object.fromEntries(FORM_FIELDS.map((f) => [f, typeof b[f] === 'string' ? (b[f] as string).slice(0, 254) : ''])) as PersonFormValues;
}

/** The form's values for a person: their waiting request's, else the record's. */
function recordValues(p: PersonShown): PersonFormValues {
  const waiting = (field: string) => p.waiting?.fields.find((f) => f.field === field && f.status === 'pending');
  const value = (field: string, onRecord: string | null, phone = false) => {
    const w = waiting(field);
    const v = w ? w.newValue : onRecord;
    return v === null ? '' : phone ? displayPhone(v) : v;
  };
  return {
    firstName: value('contact.first_name', p.firstName),
    lastName: value('contact.last_name', p.lastName),
    relationship: value('link.relationship', p.relationship),
    phoneMobile: value('contact.phone_mobile', p.phoneMobile, true),
    phoneHome: value('contact.phone_home', p.phoneHome, true),
    phoneWork: value('contact.phone_work', p.phoneWork, true),
    email: value('contact.email', p.email),
  };
}

export async function contactPeopleRoutes(app: FastifyInstance): Promise<void> {
  const { services } = app;
  const db = services.database.db;
  const when = (ctx: { locale: 'en' | 'es'; district: { timeZone: string } }) => (iso: string) => formatInstant(new Date(iso), ctx.locale, ctx.district.timeZone);

  /** The page context and the child, for a guardian who may read them in the portal; otherwise the reply is sent (sign-in, 404). */
  async function opened(request: FastifyRequest<StudentParams>, reply: FastifyReply) {
    if (redirectToSignIn(request, reply)) return null;
    const account = request.session!.account;
    const id = recordId(request.params.studentId);
    if (account.person_kind !== 'guardian' || !account.guardian_id || id === null) {
      await reply.callNotFound();
      return null;
    }
    const ctx = await contextFor(app, request);
    try {
      const student: ReadableStudent = await readableStudent(db, account, id, adultCutoff(ctx.district.settings, localDate(services.now(), ctx.district.timeZone)), ctx.students);
      ctx.student = student;
      const requester = { guardianId: account.guardian_id, accountId: account.id, ip: clientIp(request) };
      return { ctx, student, requester };
    } catch (error) {
      if (!(error instanceof StudentNotFound)) throw error;
      await reply.callNotFound();
      return null;
    }
  }
  type Opened = NonNullable<Awaited<ReturnType<typeof opened>>>;

  const personOf = async (o: Opened, request: FastifyRequest<StudentParams>) => {
    const id = recordId(request.params.guardianId);
    if (id === null) return null;
    return (await peopleInfo(db, o.student, o.requester.guardianId)).people.find((p) => p.guardianId === id) ?? null;
  };

  /** Where a request's outcome leads: the list with a notice, or the reason it was refused. */
  const answered = (
    o: Opened,
    name: string,
    result: PeopleRequestResult,
    reply: FastifyReply,
    again: (status: number, extra: { problem?: string; errors?: Messages }) => Promise<FastifyReply>,
  ) => {
    switch (result.kind) {
      case 'missing':
        return reply.callNotFound();
      case 'busy':
        return again(409, { problem: o.ctx.t('contacts.busy', { name }) });
      case 'tooMany':
        return again(409, { problem: o.ctx.t('contacts.tooMany', { max: MAX_EMERGENCY_CONTACTS }) });
      case 'duplicate':
        return again(400, { errors: { firstName: { key: 'contacts.duplicate', params: { name } } } });
      case 'badRelationship':
        return again(400, { errors: { relationship: { key: 'contacts.relationshipNeeded' } } });
      default:
        return reply.redirect(`${peopleHref(o.student)}?sent=${result.kind === 'submitted' ? 'updated' : result.kind === 'withdrawn' ? 'withdrawn' : 'none'}`, 303);
    }
  };

  app.get<StudentParams>('/account/contact/students/:studentId', async (request, reply) => {
    const o = await opened(request, reply);
    if (!o) return reply;
    const info = await peopleInfo(db, o.student, o.requester.guardianId);
    const sent = request.query.sent;
    const notice = sent === 'updated' ? o.ctx.t('changes.sentNotice') : sent === 'withdrawn' ? o.ctx.t('changes.withdrawnNotice') : sent === 'none' ? o.ctx.t('changes.noChanges') : undefined;
    return sendPage(reply, <PeoplePage ctx={o.ctx} student={o.student} info={info} when={when(o.ctx)} notice={notice} />);
  });

  app.get<StudentParams>('/account/contact/students/:studentId/new', async (request, reply) => {
    const o = await opened(request, reply);
    if (!o) return reply;
    return sendPage(reply, <AddContactPage ctx={o.ctx} student={o.student} />);
  });

  app.post<StudentParams>('/account/contact/students/:studentId/new', async (request, reply) => {
    const o = await opened(request, reply);
    if (!o) return reply;
    const values = typed(request.body);
    const again = async (status: number, extra: { problem?: string; errors?: Messages }) => sendPage(reply, <AddContactPage ctx={o.ctx} student={o.student} values={values} {...extra} />, status);
    const parsed = parseInput(newEmergencyContactInput, request.body);
    if (!parsed.ok) return again(400, { errors: fromFieldErrors(parsed.errors) });
    const result = await requestNewContact(db, { student: o.student, requester: o.requester, data: parsed.data }, services.now());
    return answered(o, `${parsed.data.firstName} ${parsed.data.lastName}`, result, reply, again);
  });

  app.get<StudentParams>('/account/contact/students/:studentId/people/:guardianId', async (request, reply) => {
    const o = await opened(request, reply);
    if (!o) return reply;
    const person = await personOf(o, request);
    if (!person) return reply.callNotFound();
    // While someone else's request about them waits, the page says so (sending is refused, 409).
    const problem = person.busy ? o.ctx.t('contacts.busy', { name: `${person.firstName} ${person.lastName}` }) : undefined;
    return sendPage(reply, <PersonPage ctx={o.ctx} student={o.student} person={person} values={recordValues(person)} when={when(o.ctx)} problem={problem} />);
  });

  app.post<StudentParams>('/account/contact/students/:studentId/people/:guardianId', async (request, reply) => {
    const o = await opened(request, reply);
    if (!o) return reply;
    const person = await personOf(o, request);
    if (!person) return reply.callNotFound();
    const values = typed(request.body);
    const name = `${person.firstName} ${person.lastName}`;
    const again = async (status: number, extra: { problem?: string; errors?: Messages }) =>
      sendPage(reply, <PersonPage ctx={o.ctx} student={o.student} person={person} values={values} when={when(o.ctx)} {...extra} />, status);
    if (person.busy) return again(409, { problem: o.ctx.t('contacts.busy', { name }) });
    let asked: Parameters<typeof requestPersonChange>[1]['values'];
    if (person.kind === 'contact') {
      const parsed = parseInput(emergencyContactInput, request.body);
      if (!parsed.ok) return again(400, { errors: fromFieldErrors(parsed.errors) });
      asked = { kind: 'contact', data: parsed.data };
    } else {
      const parsed = parseInput(otherGuardianInput, request.body);
      if (!parsed.ok) return again(400, { errors: fromFieldErrors(parsed.errors) });
      asked = { kind: 'guardian', data: parsed.data };
    }
    const result = await requestPersonChange(db, { student: o.student, requester: o.requester, subjectId: person.guardianId, values: asked }, services.now());
    return answered(o, name, result, reply, again);
  });

  app.post<StudentParams>('/account/contact/students/:studentId/people/:guardianId/remove', async (request, reply) => {
    const o = await opened(request, reply);
    if (!o) return reply;
    const person = await personOf(o, request);
    if (!person || person.kind !== 'contact') return reply.callNotFound();
    const name = `${person.firstName} ${person.lastName}`;
    const again = async (status: number, extra: { problem?: string; errors?: Messages }) =>
      sendPage(reply, <PersonPage ctx={o.ctx} student={o.student} person={person} values={recordValues(person)} when={when(o.ctx)} {...extra} />, status);
    const result = await requestRemoval(db, { student: o.student, requester: o.requester, subjectId: person.guardianId }, services.now());
    return answered(o, name, result, reply, again);
  });

  app.post<StudentParams>('/account/contact/students/:studentId/withdraw', async (request, reply) => {
    const o = await opened(request, reply);
    if (!o) return reply;
    const parsed = parseInput(withdrawInput, request.body);
    const result = parsed.ok ? await withdrawPeopleRequest(db, { student: o.student, requester: o.requester, requestId: parsed.data.requestId }, services.now()) : 'missing';
    if (result === 'missing') return reply.callNotFound();
    if (result === 'notPending') {
      // decided (or withdrawn) in the meantime: the list shows what became of it
      const info = await peopleInfo(db, o.student, o.requester.guardianId);
      return sendPage(reply, <PeoplePage ctx={o.ctx} student={o.student} info={info} when={when(o.ctx)} problem={o.ctx.t('changes.alreadyDecided')} />, 409);
    }
    return reply.redirect(`${peopleHref(o.student)}?sent=withdrawn`, 303);
  });
}
