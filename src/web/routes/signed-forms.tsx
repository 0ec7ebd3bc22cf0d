/** The office's forms: write and publish a form, see who signed, export a CSV, remind those who have not. */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { recordId } from '../../domain/forms.js';
import { fieldRows, inLocale, parseFieldRows } from '../../domain/signed-forms/fields.js';
import {
  createForm,
  formStatus,
  listOfficeForms,
  officeForm,
  officeSignature,
  publishForm,
  remindUnsigned,
  schoolsFor,
  updateForm,
  type FormInput,
  type SignedForm,
} from '../../domain/signed-forms/service.js';
import { signedFormPdf } from '../../documents/signed-form.js';
import { formatInstant } from '../../email/templates.js';
import { contextFor } from '../context.js';
import { csvOf } from '../csv.js';
import { officeActor, officeStaff, requireStaff } from '../guards.js';
import { sendPage } from '../render.js';
import { fromFieldErrors } from '../views/forms.js';
import { FormEditorPage, FormStatusPage, StaffFormsPage, type EditorValues } from '../views/signed-forms.js';


const str = (v: unknown, max: number) => (typeof v === 'string' ? v.slice(0, max) : undefined);

/** What the office typed, strings only and bounded, to show the editor again. */
function typed(body: Record<string, unknown>): EditorValues {
  const out: EditorValues = {};
  for (const [k, v] of Object.entries(body)) if (/^(schoolId|gradeLevel|titleE[ns]|bodyE[ns]|dueDate|field\d\.(kind|labelE[ns]|options|required))$/.test(k)) out[k] = str(v, 25_000);
  return out;
}

function valuesOf(form: SignedForm): EditorValues {
  return {
    schoolId: String(form.schoolId),
    gradeLevel: form.gradeLevel === null ? '' : String(form.gradeLevel),
    titleEn: form.title.en,
    titleEs: form.title.es,
    bodyEn: form.current.body.en,
    bodyEs: form.current.body.es,
    dueDate: form.dueDate ?? '',
    ...fieldRows(form.current.fields),
  };
}

/** The editor's body → a form's input, with the problems the parsing itself finds. */
function inputOf(body: Record<string, unknown>) {
  const text = (name: string) => (typeof body[name] === 'string' ? (body[name] as string).normalize('NFKC').trim() : '');
  const long = (name: string) => (typeof body[name] === 'string' ? (body[name] as string).normalize('NFKC').replace(/\r\n/g, '\n').trim() : '');
  const { fields, problems } = parseFieldRows(body);
  const grade = text('gradeLevel');
  const input: FormInput = {
    schoolId: recordId(text('schoolId')) ?? 0,
    gradeLevel: grade === '' ? null : /^-?\d{1,2}$/.test(grade) ? Number(grade) : -99,
    title: { en: text('titleEn'), es: text('titleEs') },
    body: { en: long('bodyEn'), es: long('bodyEs') },
    dueDate: text('dueDate') === '' ? null : text('dueDate'),
    fields,
  };
  return { input, problems };
}

export async function signedFormRoutes(app: FastifyInstance): Promise<void> {
  const { services } = app;
  const db = services.database.db;
  const staffOnly = requireStaff(app, officeStaff);
  const actorOf = (request: FastifyRequest) => officeActor(app, request);

  app.get('/staff/forms', { preHandler: staffOnly }, async (request, reply) => {
    const ctx = await contextFor(app, request);
    const { scope } = await actorOf(request);
    return sendPage(reply, <StaffFormsPage ctx={ctx} forms={await listOfficeForms(db, scope)} />);
  });

  app.get('/staff/forms/new', { preHandler: staffOnly }, async (request, reply) => {
    const ctx = await contextFor(app, request);
    const { scope } = await actorOf(request);
    return sendPage(reply, <FormEditorPage ctx={ctx} form={null} schools={await schoolsFor(db, scope)} values={{}} />);
  });

  app.post('/staff/forms/new', { preHandler: staffOnly }, async (request, reply) => {
    const ctx = await contextFor(app, request);
    const actor = await actorOf(request);
    const body = (request.body ?? {}) as Record<string, unknown>;
    const { input, problems } = inputOf(body);
    const result = Object.keys(problems).length ? null : await createForm(db, actor, input, services.now());
    if (result?.kind === 'saved') return reply.redirect(`/staff/forms/${result.formId}`, 303);
    const all = { ...(result?.kind === 'problems' ? result.problems : {}), ...problems };
    return sendPage(reply, <FormEditorPage ctx={ctx} form={null} schools={await schoolsFor(db, actor.scope)} values={typed(body)} errors={fromFieldErrors(all)} />, 400);
  });

  app.get<{ Params: { id: string } }>('/staff/forms/:id', { preHandler: staffOnly }, async (request, reply) => {
    const id = recordId(request.params.id);
    const { scope } = await actorOf(request);
    const form = id === null ? null : await officeForm(db, scope, id);
    if (!form) return reply.callNotFound();
    const ctx = await contextFor(app, request);
    const done = (request.query as Record<string, unknown>).done;
    const notice = done === 'published' ? ctx.t('forms.staff.publishedNotice') : done === 'reminded' ? ctx.t('forms.staff.remindedNotice') : done === 'saved' ? ctx.t('forms.staff.savedNotice') : undefined;
    return sendPage(reply, <FormStatusPage ctx={ctx} form={form} rows={await formStatus(db, form)} notice={notice} />);
  });

  app.get<{ Params: { id: string } }>('/staff/forms/:id/edit', { preHandler: staffOnly }, async (request, reply) => {
    const id = recordId(request.params.id);
    const { scope } = await actorOf(request);
    const form = id === null ? null : await officeForm(db, scope, id);
    if (!form) return reply.callNotFound();
    const ctx = await contextFor(app, request);
    return sendPage(reply, <FormEditorPage ctx={ctx} form={form} schools={await schoolsFor(db, scope)} values={valuesOf(form)} />);
  });

  app.post<{ Params: { id: string } }>('/staff/forms/:id/edit', { preHandler: staffOnly }, async (request, reply) => {
    const id = recordId(request.params.id);
    const actor = await actorOf(request);
    const form = id === null ? null : await officeForm(db, actor.scope, id);
    if (!form) return reply.callNotFound();
    const ctx = await contextFor(app, request);
    const body = (request.body ?? {}) as Record<string, unknown>;
    const { input, problems } = inputOf(body);
    const result = Object.keys(problems).length ? null : await updateForm(db, actor, form.id, input, services.now());
    if (result?.kind === 'notFound') return reply.callNotFound();
    if (result?.kind === 'saved') return reply.redirect(`/staff/forms/${form.id}?done=saved`, 303);
    const all = { ...(result?.kind === 'problems' ? result.problems : {}), ...problems };
    return sendPage(reply, <FormEditorPage ctx={ctx} form={form} schools={await schoolsFor(db, actor.scope)} values={typed(body)} errors={fromFieldErrors(all)} />, 400);
  });

  app.post<{ Params: { id: string } }>('/staff/forms/:id/publish', { preHandler: staffOnly }, async (request, reply) => {
    const id = recordId(request.params.id);
    if (id === null) return reply.callNotFound();
    const result = await publishForm(db, await actorOf(request), id, services.now());
    if (result === 'notFound') return reply.callNotFound();
    return reply.redirect(`/staff/forms/${id}?done=published`, 303);
  });

  app.post<{ Params: { id: string } }>('/staff/forms/:id/remind', { preHandler: staffOnly }, async (request, reply) => {
    const id = recordId(request.params.id);
    if (id === null) return reply.callNotFound();
    const actor = await actorOf(request);
    const result = await remindUnsigned(db, actor, id, services.now());
    if (result.kind === 'notFound') return reply.callNotFound();
    if (result.kind === 'queued') return reply.redirect(`/staff/forms/${id}?done=reminded`, 303);
    const ctx = await contextFor(app, request);
    const form = (await officeForm(db, actor.scope, id))!;
    const problem =
      result.kind === 'draft'
        ? ctx.t('forms.staff.remindDraft')
        : ctx.t('forms.staff.remindTooSoon', { when: formatInstant(new Date(result.nextAt), ctx.locale, ctx.district.timeZone) });
    return sendPage(reply, <FormStatusPage ctx={ctx} form={form} rows={await formStatus(db, form)} problem={problem} />, 409);
  });

  app.get<{ Params: { id: string } }>('/staff/forms/:id/signatures.csv', { preHandler: staffOnly }, async (request, reply) => {
    const id = recordId(request.params.id);
    const { scope } = await actorOf(request);
    const form = id === null ? null : await officeForm(db, scope, id);
    if (!form) return reply.callNotFound();
    const rows = await formStatus(db, form);
    const columns = ['student_number', 'student', 'grade', 'guardians', 'signed', 'signer', 'signed_at', 'version', 'late', ...form.current.fields.map((f) => `${f.key}: ${f.label.en}`)] as const;
    const csv = csvOf(
      columns as readonly string[],
      rows.map((r) => {
        const s = r.signature;
        const answers = Object.fromEntries(
          form.current.fields.map((f) => {
            const a = s?.answers[f.key];
            const text = a === undefined ? '' : typeof a === 'boolean' ? (a ? 'yes' : 'no') : f.kind === 'choice' && a !== '' ? inLocale(f.options[Number(a)] ?? { en: '', es: '' }, 'en') : a;
            return [`${f.key}: ${f.label.en}`, text];
          }),
        );
        return {
          student_number: r.studentNumber,
          student: r.student,
          grade: r.grade,
          guardians: r.guardians.map((g) => g.name).join('; '),
          signed: s ? 'yes' : 'no',
          signer: s?.signer ?? '',
          signed_at: s?.signedAt ?? '',
          version: s?.version.version ?? '',
          late: s ? (s.late ? 'yes' : 'no') : '',
          ...answers,
        };
      }),
    );
    return reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="form-${form.id}-signatures.csv"`)
      .header('cache-control', 'no-store')
      .send(csv);
  });

  app.get<{ Params: { id: string; file: string } }>('/staff/forms/:id/signatures/:file', { preHandler: staffOnly }, async (request, reply) => {
    const id = recordId(request.params.id);
    const file = request.params.file;
    const sigId = file.endsWith('.pdf') ? recordId(file.slice(0, -4)) : null;
    if (id === null || sigId === null) return reply.callNotFound();
    const { scope } = await actorOf(request);
    const found = await officeSignature(db, scope, id, sigId);
    if (!found) return reply.callNotFound();
    const ctx = await contextFor(app, request);
    const body = await signedFormPdf(found.form, found.signature, {
      district: ctx.district,
      student: found.student,
    });
    return reply
      .header('content-type', 'application/pdf')
      .header('content-disposition', `inline; filename="form-${id}-${found.student.number}.pdf"`)
      .header('cache-control', 'no-store')
      .send(body);
  });
}
