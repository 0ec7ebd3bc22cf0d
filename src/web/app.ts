/**
 * The Fastify application. Load order is explicit: external plugins (security headers, cookies,
 * forms, compression, rate limits), then the per-request context, then routes, then the error and
 * not-found handlers. Nothing here decides anything about districts or people: routes call the domain.
 */
import compress from '@fastify/compress';
import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import rateLimit from '@fastify/rate-limit';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyRequest } from 'fastify';
import type { Config } from '../config/env.js';
import type { Database } from '../db/connect.js';
import { DistrictCache } from './context.js';
import { registerErrorHandlers } from './errors.js';
import { secondFactorGuard, secondFactorRoutes } from './routes/second-factor.js';
import { familyRecordsRoutes } from './routes/family-records.js';
import { importRoutes } from './routes/imports.js';
import { assetRoutes, assetVersion } from './routes/assets.js';
import { opsRoutes } from './routes/ops.js';
import { accountRoutes } from './routes/account.js';
import { publicRoutes } from './routes/public.js';
import { activationRoutes } from './routes/activation.js';
import { adminRoutes } from './routes/admin.js';
import { settingsRoutes } from './routes/settings.js';
import { bellScheduleRoutes } from './routes/bell-schedules.js';
import { spanishNameRoutes } from './routes/spanish-names.js';
import { auditLogRoutes } from './routes/audit-log.js';
import { staffAccountRoutes } from './routes/staff-accounts.js';
import { recoveryRoutes } from './routes/recovery.js';
import { requestRoutes } from './routes/requests.js';
import { signedFormRoutes } from './routes/signed-forms.js';
import { feeRoutes } from './routes/fees.js';
import { contactRoutes } from './routes/contact.js';
import { contactPeopleRoutes } from './routes/contact-people.js';
import { portalRoutes } from './routes/portal.js';
import { calendarFeedRoutes } from './routes/calendar-feed.js';
import { signInRoutes } from './routes/sign-in.js';
import { accountHelpRoutes } from './routes/account-help.js';
import { teachingRoutes } from './routes/teaching.js';
import { discussionRoutes } from './routes/discussions.js';
import { gradebookRoutes } from './routes/gradebook.js';
import { postingRoutes } from './routes/posting.js';
import { healthRoutes } from './routes/health.js';
import { officeCalendarRoutes } from './routes/office-calendar.js';
import { staffStudentRoutes } from './routes/staff-students.js';
import { messageRoutes } from './routes/messages.js';
import { appRoutes, offlineHeaders } from './routes/app.js';
import { notificationRoutes } from './routes/notifications.js';
import { mealFamilyRoutes, mealStaffRoutes } from './routes/meals.js';
import { onlinePaymentRoutes, paymentWebhookRoutes } from './routes/payments-online.js';
import type { PaymentProvider } from '../domain/payments/provider.js';
import { stripeProvider } from '../domain/payments/stripe.js';
import { csrf, withoutFormToken } from './plugins/csrf.js';
import { session } from './plugins/session.js';
import { securityHeadersPlugin } from './plugins/security-headers.js';
import { KnownDevices } from '../domain/accounts/devices.js';
import { appSecret } from '../domain/system/secrets.js';

import { startMailer, type Mailer } from '../jobs/mailer.js';
import { transportFor } from '../email/transport.js';
import type { Transport } from '../email/outbox.js';

export interface AppOptions {
  config: Config;
  database: Database;
  /** the clock; tests move it */
  now?: () => Date;
  /** Fastify logger options; false in tests */
  logger?: boolean | Record<string, unknown>;
  /** where email goes; by default SMTP_URL, else files under DATA_DIR/outbox */
  transport?: Transport;
  /** how often the outbox is checked in the background; 0: only after requests */
  mailIntervalMs?: number;
}

export interface AppServices {
  config: Config;
  database: Database;
  districts: DistrictCache;
  now: () => Date;
  assetVersion: string;
  mailer: Mailer;
  /** checks and gives the tokens of browsers that have signed in before (domain/accounts/devices.ts) */
  knownDevices: KnownDevices;
  /** where families pay fees online (STRIPE_SECRET_KEY …); null: online payment is not offered */
  payments: PaymentProvider | null;
}

declare module 'fastify' {
  interface FastifyInstance {
    services: AppServices;
  }
}

/**
 * Fastify's trustProxy for TRUST_PROXY. A list goes as it is (proxy-addr skips hops from those
 * addresses). A hop count becomes proxy-addr's hop function, since Fastify ignores a plain number:
 * with n proxies the address is the one n hops back (the right-most entries, which the proxies
 * wrote), never one further left that the client wrote.
 */
export function trustProxyOption(trust: Config['trustProxy']): false | string[] | ((address: string, hop: number) => boolean) {
  if (typeof trust === 'number') return (_address, hop) => hop < trust;
  return trust;
}

/** What the log says of a request: Fastify's own fields, with an upload's form token taken out of its address. */
function requestForLog(request: FastifyRequest): Record<string, unknown> {
  return { method: request.method, url: withoutFormToken(request.url), host: request.host, remoteAddress: request.ip, remotePort: request.socket?.remotePort };
}

/** Where the online-payment form's redirect goes: Stripe's hosted checkout, or the host the client is pointed at (the tests' server). */
function checkoutOrigins(config: Config): string[] {
  if (!config.stripe) return [];
  const api = config.stripe.api;
  return [api ? `${api.protocol}://${api.host}:${api.port}` : 'https://checkout.stripe.com'];
}

export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const { config, database } = options;
  const requestLogging = config.logLevel === 'debug' || config.logLevel === 'trace';
  const app = Fastify({
    logger: options.logger === false ? false : { level: config.logLevel, ...(options.logger === true ? {} : options.logger), serializers: { req: requestForLog } },
    trustProxy: trustProxyOption(config.trustProxy),
    bodyLimit: 1024 * 1024,
    // Every form and route is small; a long URL is an attack or a mistake.
    routerOptions: { maxParamLength: 200 },
    // One log line per request only when debugging: errors are always logged by the error handler.
    logController: new LogController({ disableRequestLogging: !requestLogging }),
    // A child logger per request (pino copies its bindings) only when every request is logged;
    // otherwise requests share the app's logger and the error handler names the request itself.
    ...(requestLogging ? {} : { childLoggerFactory: (logger: FastifyBaseLogger) => logger }),
  });

  const now = options.now ?? (() => new Date());
  const services: AppServices = {
    config,
    database,
    districts: new DistrictCache(database.db, 5_000, {
      down: (error) => app.log.error({ err: error }, 'the database cannot be reached: pages answer 503 until it is back'),
      up: (seconds, refused) => app.log.warn({ seconds, refused }, 'the database is back'),
    }),
    now,
    assetVersion: assetVersion(),
    knownDevices: new KnownDevices(await appSecret(database.db, 'known-devices', now())),
    payments: config.stripe ? stripeProvider(config.stripe) : null,
    mailer: startMailer({
      db: database.db,
      transport: options.transport ?? transportFor(config),
      from: config.mailFrom,
      now,
      intervalMs: options.mailIntervalMs ?? 5_000,
      keepSecrets: config.demoMode,
      concurrency: config.mailConnections,
      onError: (error) => app.log.error({ err: error }, 'email delivery failed'),
      // Each failed attempt is a warning; the last one, after which the message is not tried again, an error.
      onFailure: ({ gaveUp, ...failure }) =>
        gaveUp ? app.log.error(failure, 'email given up after its last attempt') : app.log.warn(failure, 'email attempt failed; it will be tried again'),
    }),
  };
  app.decorate('services', services);
  app.addHook('onClose', async () => services.mailer.stop());
  // A form may have written an email: deliver it now rather than at the next tick.
  app.addHook('onResponse', (request, _reply, done) => {
    if (request.method === 'POST') services.mailer.kick();
    done();
  });

  await app.register(securityHeadersPlugin, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        fontSrc: ["'self'"],
        connectSrc: ["'self'"],
        // the service worker (/sw.js) and the web app manifest: this site's own, nothing else
        workerSrc: ["'self'"],
        manifestSrc: ["'self'"],
        // A form's redirect is checked too: the online-payment form goes on to the provider's hosted checkout.
        formAction: ["'self'", ...checkoutOrigins(config)],
        frameAncestors: ["'none'"],
        objectSrc: ["'none'"],
        baseUri: ["'none'"],
        ...(config.secure ? { upgradeInsecureRequests: [] } : {}),
      },
    },
    // HSTS only where the portal is served over TLS.
    strictTransportSecurity: config.secure ? { maxAge: 31_536_000, includeSubDomains: true } : false,
    referrerPolicy: { policy: 'same-origin' },
    crossOriginEmbedderPolicy: false,
  });
  await app.register(cookie);
  await app.register(formbody, { bodyLimit: 64 * 1024 });
  await app.register(compress, { threshold: 1024 });
  await app.register(rateLimit, { global: false });
  await app.register(session);
  await app.register(csrf, { secret: await appSecret(database.db, 'csrf', services.now()) });
  await app.register(offlineHeaders);

  // Error and not-found pages first, so that every route registered below inherits them.
  registerErrorHandlers(app);
  // Staff whose role requires a second factor and who have none set one up before anything else.
  app.addHook('preHandler', secondFactorGuard(app));
  await app.register(opsRoutes);
  await app.register(assetRoutes);
  await app.register(publicRoutes);
  await app.register(signInRoutes);
  await app.register(secondFactorRoutes);
  await app.register(recoveryRoutes);
  await app.register(activationRoutes);
  await app.register(accountRoutes);
  await app.register(requestRoutes);
  await app.register(signedFormRoutes);
  await app.register(feeRoutes);
  await app.register(contactRoutes);
  await app.register(contactPeopleRoutes);
  await app.register(portalRoutes);
  await app.register(calendarFeedRoutes);
  await app.register(adminRoutes);
  await app.register(settingsRoutes);
  await app.register(bellScheduleRoutes);
  await app.register(spanishNameRoutes);
  await app.register(importRoutes);
  await app.register(staffAccountRoutes);
  await app.register(auditLogRoutes);
  await app.register(accountHelpRoutes);
  await app.register(teachingRoutes);
  await app.register(discussionRoutes);
  await app.register(gradebookRoutes);
  await app.register(postingRoutes);
  await app.register(healthRoutes);
  await app.register(officeCalendarRoutes);
  await app.register(staffStudentRoutes);
  await app.register(messageRoutes);
  await app.register(appRoutes);
  await app.register(notificationRoutes);
  await app.register(familyRecordsRoutes);
  await app.register(mealFamilyRoutes);
  await app.register(mealStaffRoutes);
  await app.register(onlinePaymentRoutes);
  await app.register(paymentWebhookRoutes);
  return app;
}
