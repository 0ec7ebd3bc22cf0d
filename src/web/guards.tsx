/**
 * Route guards (preHandlers): who may open a page. They answer the way the rest of the portal does:
 * no session → the sign-in page, coming back afterwards; the wrong person → a 403 page in their language.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isDistrictAdmin, isOfficeStaff, officeScope, type OfficeScope } from '../domain/access/staff.js';
import { contextFor } from './context.js';
import { sendPage } from './render.js';
import { MessagePage } from './views/pages.js';

/** Sends a visitor without a session to sign in; true when it did. */
export function redirectToSignIn(request: FastifyRequest, reply: FastifyReply): boolean {
  if (request.session) return false;
  void reply.redirect(`/sign-in?next=${encodeURIComponent(request.url)}`, 303);
  return true;
}

/** Staff whose office scope passes `allowed` (office staff and administrators, or district administrators). */
export function requireStaff(app: FastifyInstance, allowed: (scope: OfficeScope) => boolean) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    if (redirectToSignIn(request, reply)) return reply;
    const scope = await officeScope(app.services.database.db, request.session!.account.staff_id);
    if (!allowed(scope)) {
      const ctx = await contextFor(app, request);
      return sendPage(reply, <MessagePage ctx={ctx} title={ctx.t('staff.forbidden.title')} body={ctx.t('staff.forbidden.body')} />, 403);
    }
  };
}

export const officeStaff = isOfficeStaff;
export const districtAdmin = isDistrictAdmin;
