/** The Forms tool's pages: the list for a child, one form, signing it, and the signed form's PDF. */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { recordId } from '../../domain/forms.js';
import { adultCutoff } from '../../domain/district/settings.js';
import { familyForm, formsForStudent, signForm, type FamilyForm } from '../../domain/signed-forms/service.js';
import { signedFormPdf } from '../../documents/signed-form.js';
import { minutesToWait } from '../../i18n/format.js';
import { clientIp } from '../plugins/session.js';
import { sendPage } from '../render.js';
import { fromFieldErrors } from '../views/forms.js';
import { FormPage, FormsPage, formHref, type SignValues } from '../views/tools/forms.js';
import type { Opened, ToolRequest, ToolRoutes } from './portal.js';

type FormRequest = ToolRequest & { params: { formId?: string } };

/** What the guardian typed, to show the form again (never the PIN). */
function typedAnswers(found: FamilyForm, body: Record<string, unknown>): SignValues {
  return Object.fromEntries(found.form.current.fields.map((f) => [f.key, typeof body[f.key] === 'string' ? (body[f.key] as string).slice(0, 1000) : undefined]));
}

export function formsToolRoutes(app: FastifyInstance, pdf: (reply: FastifyReply, filename: string, body: Buffer) => FastifyReply): ToolRoutes {
  const db = app.services.database.db;
  const one = async ({ student }: Opened, request: FormRequest) => {
    const id = recordId((request.params as { formId?: string }).formId);
    return id === null ? null : familyForm(db, student, id);
  };
  return {
    page: async ({ ctx, student }, _request, reply) => sendPage(reply, <FormsPage ctx={ctx} student={student} forms={await formsForStudent(db, student)} />),
    inside: {
      '/:formId': async (opened, request, reply) => {
        const found = await one(opened, request);
        if (!found) return reply.callNotFound();
        const account = request.session!.account;
        const signed = (request.query as Record<string, unknown>).signed === '1';
        return sendPage(
          reply,
          <FormPage
            ctx={opened.ctx}
            student={opened.student}
            found={found}
            canSign={account.person_kind === 'guardian'}
            hasPin={Boolean(account.pin_hash) && opened.ctx.district.settings.eSignaturePinEnabled}
            pinEnabled={opened.ctx.district.settings.eSignaturePinEnabled}
            notice={signed && found.signature ? opened.ctx.t('forms.thanks') : undefined}
          />,
        );
      },
      '/:formId/signed.pdf': async (opened, request, reply) => {
        const found = await one(opened, request);
        if (!found?.signature) return reply.callNotFound();
        const { student, ctx } = opened;
        const body = await signedFormPdf(found.form, found.signature, {
          district: ctx.district,
          student: { name: `${student.firstName} ${student.lastName}`, number: student.studentNumber },
        });
        return pdf(reply, `form-${found.form.id}-${student.studentNumber}.pdf`, body);
      },
    },
  };
}

export function signingRoute(app: FastifyInstance, open: (request: ToolRequest, reply: FastifyReply) => Promise<Opened | null>): void {
  const { services } = app;
  const db = services.database.db;
  app.post('/students/:studentId/forms/:formId', async (request, reply) => {
    const opened = await open(request as ToolRequest, reply);
    if (!opened) return reply;
    const { ctx, student, today } = opened;
    const formId = recordId((request.params as { formId?: string }).formId);
    const found = formId === null ? null : await familyForm(db, student, formId);
    if (!found) return reply.callNotFound();
    const account = request.session!.account;
    const body = (request.body ?? {}) as Record<string, unknown>;
    const result = await signForm(
      db,
      { account, studentId: student.id, formId: found.form.id, body, ip: clientIp(request), locale: ctx.locale, adultBornOnOrBefore: adultCutoff(ctx.district.settings, today), today, pinEnabled: ctx.district.settings.eSignaturePinEnabled },
      services.now(),
    );
    const again = async (status: number, extra: { errors?: ReturnType<typeof fromFieldErrors>; problem?: string }) => {
      const now = await familyForm(db, student, found.form.id);
      if (!now) return reply.callNotFound();
      return sendPage(
        reply,
        <FormPage ctx={ctx} student={student} found={now} canSign={account.person_kind === 'guardian'} hasPin={Boolean(account.pin_hash) && ctx.district.settings.eSignaturePinEnabled}
            pinEnabled={ctx.district.settings.eSignaturePinEnabled} values={typedAnswers(found, body)} {...extra} />,
        status,
      );
    };
    switch (result.kind) {
      case 'notFound':
        return reply.callNotFound();
      case 'signed':
        return reply.redirect(`${formHref(student.id, found.form.id)}?signed=1`, 303);
      case 'alreadySigned':
        return again(409, { problem: ctx.t('forms.problem.alreadySigned') });
      case 'changed':
        return again(409, { problem: ctx.t('forms.problem.changed') });
      case 'wait':
        reply.header('retry-after', String(result.retryAfterSeconds));
        return again(429, { problem: ctx.t('forms.problem.wait', { minutes: minutesToWait(result.retryAfterSeconds) }) });
      case 'problems':
        return again(400, { errors: fromFieldErrors(result.problems) });
    }
  });
}
