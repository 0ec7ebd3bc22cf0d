/**
 * Reads the session cookie on every page request and puts the signed-in account (or null) on the
 * request. The cookie is `__Host-hr_session` (HttpOnly, Secure, SameSite=Lax, path /) when the portal is
 * served over https, `hr_session` otherwise (a `__Host-` cookie needs Secure).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { KNOWN_DEVICE_DAYS, type DeviceToken } from '../../domain/accounts/devices.js';
import type { CurrentSession, StartedSession } from '../../domain/accounts/sessions.js';
import { localDate } from '../../domain/calendar/dates.js';
import { adultCutoff } from '../../domain/district/settings.js';
import { resumePortalSession, type PortalPrefix } from '../../domain/portal/prefix.js';

declare module 'fastify' {
  interface FastifyRequest {
    session: CurrentSession | null;
    /** a student's or guardian's readable students and header counts, read with the session (context.ts uses them) */
    portalPrefix: PortalPrefix | null;
  }
}

/** Requests that never need the session: no database read for them. */
const STATIC = /^\/(assets\/|theme\.css|favicon\.|healthz|metrics)/;

export function sessionCookieName(secure: boolean): string {
  return secure ? '__Host-hr_session' : 'hr_session';
}

async function sessionPlugin(app: FastifyInstance): Promise<void> {
  const name = sessionCookieName(app.services.config.secure);
  app.decorateRequest('session', null);
  app.decorateRequest('portalPrefix', null);
  // A callback hook: most requests without a session cookie (the sign-in form, files) wait for nothing.
  app.addHook('onRequest', (request, _reply, done) => {
    request.session = null;
    request.portalPrefix = null;
    const token = request.cookies[name];
    if (!token || STATIC.test(request.url)) return done();
    // One statement (ADR 0070): the session, and a family's readable students and, for a page (GET), the
    // header's counts; a form usually answers with a redirect, so it asks its counts only if it shows a page.
    const now = app.services.now();
    app.services.districts
      .get()
      .then((district) => {
        const page = request.method === 'GET' || request.method === 'HEAD';
        return resumePortalSession(app.services.database.db, token, district.settings, now, {
          adultBornOnOrBefore: adultCutoff(district.settings, localDate(now, district.timeZone)),
          counts: !page ? 'none' : district.settings.tools.messages ? 'both' : 'notifications',
        });
      })
      .then((found) => {
        request.session = found?.session ?? null;
        request.portalPrefix = found?.portal ?? null;
        done();
      }, done);
  });
}

export const session = fp(sessionPlugin, { name: 'homeroom-session', dependencies: ['@fastify/cookie'] });

/**
 * A session begins: its cookie, and a new seed for the form tokens (plugins/csrf.ts), so that no token
 * given before it (to this browser, or planted in it) works in it.
 */
export function setSessionCookie(app: FastifyInstance, reply: FastifyReply, started: StartedSession): void {
  reply.request.renewCsrfSeed();
  reply.setCookie(sessionCookieName(app.services.config.secure), started.token, {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    secure: app.services.config.secure,
    // A session cookie unless the person asked to stay signed in on this device.
    ...(started.persistent ? { expires: started.expiresAt } : {}),
  });
}

/** The cookie of a known device (domain/accounts/devices.ts). */
export function deviceCookieName(secure: boolean): string {
  return secure ? '__Host-hr_device' : 'hr_device';
}

/** The request's known-device token, if any, with the app's checker: what the domain's password checks take. */
export function knownDevice(app: FastifyInstance, request: FastifyRequest): DeviceToken {
  return { token: request.cookies[deviceCookieName(app.services.config.secure)] ?? null, known: app.services.knownDevices };
}

/** The browser keeps its known-device token for as long as the token is good. */
export function setDeviceCookie(app: FastifyInstance, reply: FastifyReply, token: string): void {
  reply.setCookie(deviceCookieName(app.services.config.secure), token, {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    secure: app.services.config.secure,
    maxAge: KNOWN_DEVICE_DAYS * 86_400,
  });
}

/** A session ends on this browser: its cookie goes, and the form tokens get a new seed. */
export function clearSessionCookie(app: FastifyInstance, reply: FastifyReply): void {
  reply.request.renewCsrfSeed();
  reply.clearCookie(sessionCookieName(app.services.config.secure), { path: '/', secure: app.services.config.secure, httpOnly: true, sameSite: 'lax' });
}

export function clientIp(request: FastifyRequest): string | null {
  return request.ip || null;
}
