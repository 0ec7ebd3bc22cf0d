/**
 * The installable app (issue 22, ADR 0036): the web app manifest, the service worker and the page script
 * that registers it, the icons, the offline page; and the devices page where a person turns Web Push on
 * and off for a device (subscribe and unsubscribe take JSON from that page's script).
 */
import fs from 'node:fs';
import path from 'node:path';
import { createHmac } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { devicesOf, MAX_ENDPOINT_LENGTH, removeDevice, subscribe, subscriptionInput, unsubscribe, vapidKeys } from '../../domain/notifications/push.js';
import { parseInput, recordId } from '../../domain/forms.js';
import { appSecret } from '../../domain/system/secrets.js';
import { catalogs, isLocale, LOCALES, translate, translator, type Locale } from '../../i18n/index.js';
import { localeTag } from '../../i18n/format.js';
import { contextFor } from '../context.js';
import { requireSignedIn } from '../guards.js';
import { sendPage } from '../render.js';
import { DevicesPage, OfflinePage } from '../views/app.js';

// From the project's root, as routes/assets.ts does: the same from src/ (tsx) and from dist/ (the build copies no assets).
const ASSETS = path.resolve(import.meta.dirname, '../../..', 'src/web/assets');
const SERVICE_WORKER = fs.readFileSync(path.join(ASSETS, 'sw.js'), 'utf8');
const PAGE_SCRIPT = fs.readFileSync(path.join(ASSETS, 'app.js'));
const ICONS: Record<string, { type: string; body: Buffer }> = Object.fromEntries(
  ['icon.svg', 'icon-192.png', 'icon-512.png', 'maskable-512.png', 'apple-touch-icon.png'].map((file) => [
    file,
    { type: file.endsWith('.svg') ? 'image/svg+xml' : 'image/png', body: fs.readFileSync(path.join(ASSETS, 'icons', file)) },
  ]),
);

/** The pages the service worker keeps for reading offline: Today and Grades (each child's, and their inside pages), and Home. */
const OFFLINE_PAGES = /^\/(home|students\/\d+\/(today|grades)(\/[^/?#]+)?)(\?|$)/;
/** Answers that end this browser's session: they also tell the browser to drop what it cached. */
const SIGN_OUTS = new Set(['/sign-out', '/account/sessions/end-all']);
/** The largest subscribe or unsubscribe request: an endpoint, two keys and a name fit well inside. */
const PUSH_BODY_BYTES = 4096;

/**
 * On every page: which account it was made for (an opaque key, or `none`), so the service worker
 * keeps saved pages only for that account; whether the page may be kept for reading offline; and on
 * signing out, `Clear-Site-Data: "cache"`. Global (fastify-plugin), so every route's page has them.
 */
async function offlineHeadersPlugin(app: FastifyInstance): Promise<void> {
  const secret = await appSecret(app.services.database.db, 'offline-cache', app.services.now());
  const keyOf = (accountId: number) => createHmac('sha256', secret).update(`account:${accountId}`).digest('base64url').slice(0, 22);
  app.addHook('onSend', (request, reply, payload, done) => {
    if (request.method === 'POST' && SIGN_OUTS.has(request.routeOptions.url ?? '')) reply.header('clear-site-data', '"cache"');
    if (request.method === 'GET' && String(reply.getHeader('content-type') ?? '').startsWith('text/html')) {
      const account = request.session?.account.id;
      reply.header('x-homeroom-account', account === undefined ? 'none' : keyOf(account));
      if (account !== undefined && reply.statusCode === 200 && OFFLINE_PAGES.test(request.url)) reply.header('x-homeroom-offline', '1');
    }
    done(null, payload);
  });
}
export const offlineHeaders = fp(offlineHeadersPlugin, { name: 'homeroom-offline-headers' });

function langOf(request: FastifyRequest, fallback: Locale): Locale {
  const lang = (request.query as Record<string, unknown> | undefined)?.lang;
  return isLocale(lang) ? lang : fallback;
}

/** The name under a home-screen icon: the whole name when it fits in 12 characters, else its first words that do. */
export function shortName(name: string): string {
  if (name.length <= 12) return name;
  let out = '';
  for (const word of name.split(/\s+/)) {
    const next = out ? `${out} ${word}` : word;
    if (next.length > 12) break;
    out = next;
  }
  return out || name.slice(0, 12);
}

export async function appRoutes(app: FastifyInstance): Promise<void> {
  const { services } = app;
  const db = services.database.db;

  app.get('/manifest.webmanifest', async (request, reply) => {
    const district = await services.districts.get();
    const locale = langOf(request, isLocale(district.locale) ? district.locale : 'en');
    const name = district.portalName;
    return reply
      .header('content-type', 'application/manifest+json; charset=utf-8')
      .header('cache-control', 'public, max-age=300')
      .send({
        id: '/home',
        name,
        // Home screens show about twelve characters: the first words of a longer name that fit.
        short_name: shortName(name),
        description: translate(locale, 'app.description'),
        lang: locale,
        dir: 'ltr',
        start_url: '/home',
        scope: '/',
        display: 'standalone',
        theme_color: district.colors.primary,
        background_color: '#ffffff',
        icons: [
          { src: '/icons/icon.svg', sizes: 'any', type: 'image/svg+xml' },
          { src: '/icons/icon-192.png', sizes: '192x192', type: 'image/png' },
          { src: '/icons/icon-512.png', sizes: '512x512', type: 'image/png' },
          { src: '/icons/maskable-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
        ],
      });
  });

  app.get<{ Params: { file: string } }>('/icons/:file', async (request, reply) => {
    const icon = Object.hasOwn(ICONS, request.params.file) ? ICONS[request.params.file] : undefined;
    if (!icon) return reply.callNotFound();
    return reply.header('content-type', icon.type).header('cache-control', 'public, max-age=86400').send(icon.body);
  });

  app.get('/sw.js', async (_request, reply) => {
    const district = await services.districts.get();
    const strings = Object.fromEntries(
      LOCALES.map((l) => [l, { tag: localeTag(l), title: catalogs[l]['app.offline.title'], savedAt: translate(l, 'app.offline.savedAt', { time: '{time}' }) }]),
    );
    const config = {
      version: services.assetVersion,
      portalName: district.portalName,
      timeZone: district.timeZone,
      strings,
      precache: [
        ...LOCALES.map((l) => `/offline?lang=${l}`),
        `/assets/homeroom.css?v=${services.assetVersion}`,
        // the district's theme and the icon, at the addresses every page (the offline page too) links them by
        `/theme.css?v=${services.assetVersion}&c=${district.colors.primary.slice(1)}${district.colors.secondary.slice(1)}`,
        '/favicon.svg',
        '/icons/icon-192.png',
        // the offline notice's icon (a USWDS warning alert)
        '/assets/uswds/img/usa-icons/warning.svg',
      ],
    };
    // The worker's script is checked for updates at every visit (not cached): a changed district name or zone reaches it.
    return reply
      .header('content-type', 'text/javascript; charset=utf-8')
      .header('cache-control', 'no-cache')
      .send(SERVICE_WORKER.replace('__CONFIG__', JSON.stringify(config).replace(/</g, '\\u003c')));
  });

  // Its address carries the stylesheet's version, not its own: kept five minutes, then asked again.
  app.get('/app.js', async (_request, reply) =>
    reply.header('content-type', 'text/javascript; charset=utf-8').header('cache-control', 'public, max-age=300').send(PAGE_SCRIPT),
  );

  // Made for nobody: the service worker keeps it, so it never shows whose browser it is in.
  app.get('/offline', async (request, reply) => {
    const ctx = await contextFor(app, request);
    const locale = langOf(request, ctx.locale);
    const page = { ...ctx, locale, t: translator(locale), account: null, csrf: '', path: '/home' };
    delete page.students;
    delete page.student;
    return sendPage(reply, <OfflinePage ctx={page} />);
  });

  // ── The devices that get notifications ──

  const devicesPage = async (request: FastifyRequest, reply: FastifyReply, notice: { ok?: string; problem?: string } = {}, status = 200) => {
    const ctx = await contextFor(app, request);
    const accountId = request.session!.account.id;
    const [devices, keys] = await Promise.all([devicesOf(db, accountId), vapidKeys(db, services.now())]);
    return sendPage(reply, <DevicesPage ctx={ctx} devices={devices} vapidKey={keys.publicKey} notice={notice.ok} problem={notice.problem} />, status);
  };

  app.get<{ Querystring: { removed?: string; push?: string } }>('/account/notifications/devices', { preHandler: requireSignedIn }, async (request, reply) => {
    const ctx = await contextFor(app, request);
    const { removed, push } = request.query;
    const ok =
      removed === '1'
        ? ctx.t('push.devices.removed', { portal: ctx.district.portalName })
        : push === 'on'
          ? ctx.t('push.this.on')
          : push === 'off'
            ? ctx.t('push.this.off')
            : undefined;
    return devicesPage(request, reply, ok ? { ok } : {});
  });

  app.post<{ Params: { id: string } }>('/account/notifications/devices/:id/remove', { preHandler: requireSignedIn }, async (request, reply) => {
    const id = recordId(request.params.id);
    const removed = id !== null && (await removeDevice(db, request.session!.account.id, id));
    if (!removed) {
      const ctx = await contextFor(app, request);
      return devicesPage(request, reply, { problem: ctx.t('push.devices.notFound') }, 404);
    }
    return reply.redirect('/account/notifications/devices?removed=1', 303);
  });

  /** The JSON endpoints answer JSON, signed out included (the page's script reads it). */
  const signedIn = async (request: FastifyRequest, reply: FastifyReply) => {
    if (!request.session) return reply.code(401).send({ error: 'signed-out' });
  };

  app.post('/account/notifications/devices/subscribe', { preHandler: signedIn, bodyLimit: PUSH_BODY_BYTES }, async (request, reply) => {
    const ctx = await contextFor(app, request);
    const parsed = parseInput(subscriptionInput(services.config.secure), request.body);
    if (!parsed.ok) {
      const errors = Object.fromEntries(Object.entries(parsed.errors).map(([field, key]) => [field.split('.')[0], ctx.t(key)]));
      return reply.code(400).send({ errors });
    }
    const userAgent = typeof request.headers['user-agent'] === 'string' ? request.headers['user-agent'] : null;
    const result = await subscribe(db, request.session!.account.id, parsed.data, userAgent, services.now());
    if (result.kind === 'taken') return reply.code(409).send({ error: 'taken', message: ctx.t('push.error.taken') });
    return reply.send({ ok: true, id: result.id });
  });

  app.post('/account/notifications/devices/unsubscribe', { preHandler: signedIn, bodyLimit: PUSH_BODY_BYTES }, async (request, reply) => {
    const endpoint = (request.body as Record<string, unknown> | undefined)?.endpoint;
    if (typeof endpoint !== 'string' || MAX_ENDPOINT_LENGTH < endpoint.length) {
      const ctx = await contextFor(app, request);
      return reply.code(400).send({ errors: { endpoint: ctx.t('push.error.endpoint') } });
    }
    return reply.send({ removed: await unsubscribe(db, request.session!.account.id, endpoint) });
  });
}
