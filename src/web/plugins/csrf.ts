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

  app.addHook('onSend', async (request, reply) => {
    const seed = (request as FastifyRequest & { newCsrfSeed?: string }).newCsrfSeed;
    if (seed) reply.setCookie(name, seed, { path: '/', httpOnly: true, sameSite: 'lax', secure: app.services.config.secure });
  });

  app.addHook('preHandler', async (request) => {
    if (request.method !== 'POST') return;
    const seed = request.cookies[name];
    const sent = (request.body as Record<string, unknown> | undefined)?._csrf;
    if (!seed || typeof sent !== 'string') throw new CsrfError();
    const expected = Buffer.from(sign(seed));
    const given = Buffer.from(sent);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) throw new CsrfError();
  });
}

export const csrf = fp(csrfPlugin, { name: 'homeroom-csrf', dependencies: ['@fastify/cookie'] });
