/**
 * CSRF protection for every form, checked before any handler runs, for every request that may change
 * something (any method but GET, HEAD and OPTIONS):
 * - Where it comes from. A browser's `Sec-Fetch-Site: cross-site` or `same-site`, or an `Origin` that is
 *   neither BASE_URL's origin nor the request's own scheme and host (`Origin: null` included), is
 *   refused whatever token it carries. A request with neither header (old browsers, scripts) relies on
 *   the token alone.
 * - The form's token: an HMAC under the application's secret of a random seed, kept in a cookie
 *   (`__Host-hr_csrf` over https), and, while signed in, of the session too. The seed is replaced
 *   whenever a session begins or ends (setSessionCookie, clearSessionCookie), so a token from before
 *   signing in, from another session (an attacker's own) or from another browser does not pass.
 * A refused request gets the 403 page in the reader's language; but a form sent after its session
 * ended (the session cookie names a session that no longer resolves) goes to the sign-in page, which
 * comes back to the form's page, without running its handler. SameSite=Lax cookies are a third line.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { safeLocalPath } from '../context.js';
import { sessionCookieName } from './session.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** false: the route is not checked here (its own signed token is its authority) */
    csrf?: boolean;
  }
  interface FastifyRequest {
    csrfToken(): string;
    /** A new seed for this browser's form tokens, sent with the reply: every token given before stops working. */
    renewCsrfSeed(): void;
  }
}

export class CsrfError extends Error {
  readonly statusCode = 403;
  readonly code = 'HR_CSRF';
  constructor() {
    super('CSRF token missing or wrong, or the request came from another site');
  }
}

export function csrfCookieName(secure: boolean): string {
  return secure ? '__Host-hr_csrf' : 'hr_csrf';
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const SEED = /^[A-Za-z0-9_-]{32,64}$/;

async function csrfPlugin(app: FastifyInstance, options: { secret: string }): Promise<void> {
  const { config } = app.services;
  const name = csrfCookieName(config.secure);
  const sessionCookie = sessionCookieName(config.secure);
  const publicOrigin = new URL(config.baseUrl).origin;
  // Signed in, the token names the session; the prefixes keep the two kinds of input apart.
  const tokenFor = (seed: string, sessionId: string | null) =>
    createHmac('sha256', options.secret)
      .update(sessionId === null ? `visitor:${seed}` : `session:${sessionId}:${seed}`)
      .digest('base64url');
  /** the seed a request got during this request, to be set on its reply */
  const newSeeds = new WeakMap<FastifyRequest, string>();
  const newSeed = (request: FastifyRequest) => {
    const seed = randomBytes(24).toString('base64url');
    newSeeds.set(request, seed);
    return seed;
  };

  app.decorateRequest('csrfToken', function (this: FastifyRequest) {
    let seed = newSeeds.get(this) ?? this.cookies[name];
    if (!seed || !SEED.test(seed)) seed = newSeed(this);
    return tokenFor(seed, this.session?.id ?? null);
  });
  app.decorateRequest('renewCsrfSeed', function (this: FastifyRequest) {
    newSeed(this);
  });

  /** Is this origin (as browsers write it: scheme, host, port) the portal's own? */
  const isOwnOrigin = (request: FastifyRequest, origin: string) => {
    if (origin === publicOrigin) return true;
    try {
      // The address the request was sent to, for laptops reached as 127.0.0.1 as well as localhost.
      return origin === new URL(`${request.protocol}://${request.host}`).origin;
    } catch {
      return false;
    }
  };
  const fromAnotherSite = (request: FastifyRequest) => {
    const site = request.headers['sec-fetch-site'];
    if (site === 'cross-site' || site === 'same-site') return true;
    const origin = request.headers.origin;
    return origin !== undefined && !isOwnOrigin(request, origin);
  };
  /**
   * The page a form was sent from: the Referer when it is this site's and names a page (pages under
   * a strict-origin policy send only the origin), else the form's own address.
   */
  const pageOf = (request: FastifyRequest) => {
    const referer = request.headers.referer;
    if (referer) {
      try {
        const url = new URL(referer);
        if (isOwnOrigin(request, url.origin) && url.pathname !== '/') return safeLocalPath(url.pathname + url.search);
      } catch {
        // not a URL: the form's own address
      }
    }
    return safeLocalPath(request.url);
  };

  // Both hooks are plain callbacks: they run at every request and have nothing to wait for.
  app.addHook('onSend', (request, reply, payload, done) => {
    const seed = newSeeds.get(request);
    if (seed) reply.setCookie(name, seed, { path: '/', httpOnly: true, sameSite: 'lax', secure: config.secure });
    done(null, payload);
  });

  app.addHook('preHandler', (request, reply, done) => {
    if (SAFE_METHODS.has(request.method)) return done();
    // A route whose own token is its authority (one-click unsubscribe, RFC 8058: the mail provider posts it).
    if (request.routeOptions.config?.csrf === false) return done();
    if (fromAnotherSite(request)) return done(new CsrfError());
    const seed = request.cookies[name];
    // A form that uploads a file carries its token in its address: its body is read by the handler,
    // after this check (routes/imports.tsx), never before.
    const sent = request.isMultipart?.()
      ? (request.query as Record<string, unknown> | undefined)?._csrf
      : (request.body as Record<string, unknown> | undefined)?._csrf;
    if (seed && SEED.test(seed) && typeof sent === 'string') {
      const expected = Buffer.from(tokenFor(seed, request.session?.id ?? null));
      const given = Buffer.from(sent);
      if (expected.length === given.length && timingSafeEqual(expected, given)) return done();
    }
    if (request.session === null && request.cookies[sessionCookie]) {
      // Sent after its session ended (idle, or signed out elsewhere): sign in again, then back to the page.
      void reply.redirect(`/sign-in?next=${encodeURIComponent(pageOf(request))}`, 303);
      return;
    }
    done(new CsrfError());
  });
}

export const csrf = fp(csrfPlugin, { name: 'homeroom-csrf', dependencies: ['@fastify/cookie', 'homeroom-session'] });

/**
 * A request's address without the form token an upload carries in it (routes/imports.tsx): for
 * redirects that carry the address on, and for the log, which must never hold a token.
 */
export function withoutFormToken(url: string): string {
  return url.replace(/([?&])_csrf=[^&]*(&|$)/, (_m, before: string, after: string) => (after ? before : '')).replace(/\?$/, '');
}
