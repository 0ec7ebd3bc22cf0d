/** District administrators: the Spanish names of the district's terms, attendance codes and vaccines (/admin/spanish-names). */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { isNameKind, NAME_KINDS, namesOf, saveSpanishNames, type NameKind, type NameLine } from '../../domain/district/spanish-names.js';
import { contextFor } from '../context.js';
import { districtAdmin, requireStaff } from '../guards.js';
import { clientIp } from '../plugins/session.js';
import { sendPage } from '../render.js';
import { fromFieldErrors } from '../views/forms.js';
import { SpanishNamesPage, type SpanishNamesProps } from '../views/spanish-names.js';

type Body = Record<string, unknown>;

export async function spanishNameRoutes(app: FastifyInstance): Promise<void> {
  const { services } = app;
  const db = services.database.db;
  app.addHook('preHandler', requireStaff(app, districtAdmin));

  const allLines = async () => Object.fromEntries(await Promise.all(NAME_KINDS.map(async (k) => [k, await namesOf(db, k)] as const))) as Record<NameKind, NameLine[]>;
  const show = async (request: FastifyRequest, extra: Omit<SpanishNamesProps, 'ctx' | 'lines'> = {}) => <SpanishNamesPage ctx={await contextFor(app, request)} lines={await allLines()} {...extra} />;

  app.get<{ Querystring: { saved?: string } }>('/admin/spanish-names', async (request, reply) => {
    const ctx = await contextFor(app, request);
    const saved = request.query.saved;
    const notice = saved === '1' ? ctx.t('spanishNames.saved') : saved === '0' ? ctx.t('spanishNames.unchanged') : undefined;
    return sendPage(reply, await show(request, { notice }));
  });

  app.post('/admin/spanish-names', async (request, reply) => {
    const body = (request.body ?? {}) as Body;
    // A form of a kind this page does not have: not one of ours.
    if (!isNameKind(body.kind)) return sendPage(reply, await show(request, { problem: true }), 400);
    const result = await saveSpanishNames(db, { kind: body.kind, body, actorAccountId: request.session!.account.id, ip: clientIp(request) }, services.now());
    if (result.kind === 'refused') {
      const typed = Object.fromEntries(Object.entries(body).filter((e): e is [string, string] => typeof e[1] === 'string' && e[0].startsWith('es-')).map(([k, v]) => [k, v.slice(0, 1000)]));
      return sendPage(reply, await show(request, { refused: { kind: body.kind, typed, errors: fromFieldErrors(result.errors) } }), 400);
    }
    return reply.redirect(`/admin/spanish-names?saved=${result.changed > 0 ? 1 : 0}`, 303);
  });
}
