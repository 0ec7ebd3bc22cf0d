/**
 * Security headers (Content-Security-Policy, HSTS over TLS, Referrer-Policy, X-Content-Type-Options, …)
 * on every answer. Helmet decides the headers from the options; they do not depend on the request, so
 * they are worked out once when the app starts and copied onto each answer. (@fastify/helmet built
 * Helmet's whole middleware again at every request, CSP text included: measured a few percent of a
 * sign-in's time on the main thread.)
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import helmet, { type HelmetOptions } from 'helmet';

/** The headers Helmet sets for these options, as name/value pairs. */
export function securityHeaders(options: HelmetOptions): [string, string][] {
  const headers = new Map<string, string>();
  const response = {
    setHeader(name: string, value: string | number | readonly string[]) {
      headers.set(name.toLowerCase(), Array.isArray(value) ? value.join(', ') : String(value));
      return response;
    },
    removeHeader(name: string) {
      headers.delete(name.toLowerCase());
    },
    getHeader: (name: string) => headers.get(name.toLowerCase()),
  };
  let failure: unknown;
  helmet(options)({} as IncomingMessage, response as unknown as ServerResponse, (error?: unknown) => {
    failure = error;
  });
  if (failure) throw failure;
  return [...headers];
}

async function plugin(app: FastifyInstance, options: HelmetOptions): Promise<void> {
  const headers = securityHeaders(options);
  app.addHook('onRequest', (_request, reply, done) => {
    const raw = reply.raw;
    for (const [name, value] of headers) raw.setHeader(name, value);
    done();
  });
}

export const securityHeadersPlugin = fp(plugin, { name: 'homeroom-security-headers' });
