/**
 * Route guards (preHandlers): who may open a page. They answer the way the rest of the portal does:
 * no session → the sign-in page, coming back afterwards; the wrong person → a 403 page in their language.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isDistrictAdmin, isOfficeStaff, officeScope, type OfficeScope, type StaffActor } from '../domain/access/staff.js';
import { contextFor } from './context.js';
import { withoutFormToken } from './plugins/csrf.js';
import { clientIp } from './plugins/session.js';
import { sendPage } from './render.js';
import { MessagePage } from './views/pages.js';
import type { MessageKey } from '../i18n/index.js';

/** Sends a visitor without a session to sign in; true when it did. */
export function redirectToSignIn(request: FastifyRequest, reply: FastifyReply): boolean {
  if (request.session) return false;
  // An upload form's token rides in its address (routes/imports.tsx): it is not carried on.
  const next = withoutFormToken(request.url);
  void reply.redirect(`/sign-in?next=${encodeURIComponent(next)}`, 303);
  return true;
}

/** The page where a required new password is chosen. */
export const PASSWORD_PAGE = '/account/password';

/**
 * The form size a whole class's page may post: other forms may send 64 KB (app.ts), but a grid of 35 × 60
 * scores, a student's row or an assignment's column with a comment per cell, or a class's report-card
 * comments run past that (a refused form would lose what the teacher typed). 1 MiB, the app's limit.
 */
export const WHOLE_CLASS_FORM_BYTES = 1024 * 1024;
/** While a new password is required, only these pages open. */
const OPEN_BEFORE_NEW_PASSWORD = new Set([PASSWORD_PAGE, '/sign-out']);

/** The account must choose a new password before anything else (a student's first password, a reset by staff). */
export function mustChangePassword(account: { must_change_password: number }): boolean {
  return account.must_change_password === 1;
}

/** Sends a signed-in person who must choose a new password to the password page; true when it did. */
export function redirectToNewPassword(request: FastifyRequest, reply: FastifyReply): boolean {
  const account = request.session?.account;
  if (!account || !mustChangePassword(account) || OPEN_BEFORE_NEW_PASSWORD.has(request.routeOptions.url ?? '')) return false;
  void reply.redirect(PASSWORD_PAGE, 303);
  return true;
}

/** The guard of every signed-in page: no session → sign in; a new password required → the password page. */
export async function requireSignedIn(request: FastifyRequest, reply: FastifyReply) {
  if (redirectToSignIn(request, reply) || redirectToNewPassword(request, reply)) return reply;
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

/**
 * Staff whose own reach or scope (what `load` makes for their staff id) passes `allowed`: the student
 * search (any reach), a counselor's pages (a counselor's schools). Others get the 403 page saying who
 * the page is for (`body`).
 */
export function requireStaffWith<T>(app: FastifyInstance, load: (request: FastifyRequest, staffId: number | null) => Promise<T>, allowed: (x: T) => boolean, body: MessageKey) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    if (redirectToSignIn(request, reply) || redirectToNewPassword(request, reply)) return reply;
    if (!allowed(await load(request, request.session!.account.staff_id))) {
      const ctx = await contextFor(app, request);
      return sendPage(reply, <MessagePage ctx={ctx} title={ctx.t('staff.forbidden.title')} body={ctx.t(body)} />, 403);
    }
  };
}

export const officeStaff = isOfficeStaff;
export const districtAdmin = isDistrictAdmin;

/** The signed-in staff member acting through an office tool: their schools (as office staff), account and address. */
export async function officeActor(app: FastifyInstance, request: FastifyRequest): Promise<StaffActor> {
  const account = request.session!.account;
  return { scope: await officeScope(app.services.database.db, account.staff_id), actorAccountId: account.id, ip: clientIp(request) };
}
