/**
 * CSRF protection for every form: a random value in a cookie (`__Host-hr_csrf` over https) and, in
 * each form, an HMAC of it under the application's secret. A POST whose token does not match is
 * refused with a 403 page before its handler runs. SameSite=Lax cookies are the second line.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';

declare module 'fastify' {
  interface FastifyRequest {
    csrfToken(): string;
  }
}

export class CsrfError extends Error {
  readonly statusCode = 403;
  readonly code = 'HR_CSRF';
  constructor() {
    super('CSRF token missing or wrong');
  }
}

export function csrfCookieName(secure: boolean): string {
  return secure ? '__Host-hr_csrf' : 'hr_csrf';
}

async function csrfPlugin(app: FastifyInstance, options: { secret: string }): Promise<void> {
  const name = csrfCookieName(app.services.config.secure);
  const sign = (seed: string) => createHmac('sha256', options.secret).update(seed).digest('base64url');
  const seeds = new WeakMap<FastifyRequest, string>();

  app.decorateRequest('csrfToken', function (this: FastifyRequest) {
    let seed = seeds.get(this) ?? this.cookies[name];
    if (!seed || !/^[A-Za-z0-9_-]{32,64}$/.test(seed)) {
      seed = randomBytes(24).toString('base64url');
      this.cookies[name] = seed;
      seeds.set(this, seed);
      // Set on the reply when the page is sent.
      (this as FastifyRequest & { newCsrfSeed?: string }).newCsrfSeed = seed;
    }
    return sign(seed);
  });

  // Both hooks are plain callbacks: they run at every request and have nothing to wait for.
  app.addHook('onSend', (request, reply, payload, done) => {
    const seed = (request as FastifyRequest & { newCsrfSeed?: string }).newCsrfSeed;
    if (seed) reply.setCookie(name, seed, { path: '/', httpOnly: true, sameSite: 'lax', secure: app.services.config.secure });
    done(null, payload);
  });

  app.addHook('preHandler', (request, _reply, done) => {
    if (request.method !== 'POST') return done();
    const seed = request.cookies[name];
    const sent = (request.body as Record<string, unknown> | undefined)?._csrf;
    if (!seed || typeof sent !== 'string') return done(new CsrfError());
    const expected = Buffer.from(sign(seed));
    const given = Buffer.from(sent);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return done(new CsrfError());
    done();
  });
}

export const csrf = fp(csrfPlugin, { name: 'homeroom-csrf', dependencies: ['@fastify/cookie'] });
