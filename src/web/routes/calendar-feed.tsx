/**
 * The private calendar feed: its page in Account Settings (/account/calendar: make, replace, turn off)
 * and the feed itself (/calendar/TOKEN.ics), read by calendar apps without a session.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { calendarFeedIcs } from '../../documents/calendar-feed.js';
import { localDate } from '../../domain/calendar/dates.js';
import { adultCutoff } from '../../domain/district/settings.js';
import { createFeed, feedAddress, feedContent, feedStatus, revokeFeed } from '../../domain/portal/calendar-feed.js';
import { hashToken } from '../../domain/accounts/tokens.js';
import { formatInstant } from '../../email/templates.js';
import { isLocale } from '../../i18n/index.js';
import { contextFor } from '../context.js';
import { redirectToNewPassword, redirectToSignIn } from '../guards.js';
import { clientIp } from '../plugins/session.js';
import { sendPage } from '../render.js';
import { CalendarFeedPage } from '../views/calendar-feed.js';

const FEED_FILE = /^([A-Za-z0-9_-]{43})\.ics$/;

export async function calendarFeedRoutes(app: FastifyInstance): Promise<void> {
  const { services } = app;
  const db = services.database.db;

  /** Only students and guardians have a calendar; for anyone else the page does not exist. */
  async function page(request: FastifyRequest, reply: FastifyReply) {
    if (redirectToSignIn(request, reply) || redirectToNewPassword(request, reply)) return null;
    const account = request.session!.account;
    const ctx = await contextFor(app, request);
    if ((account.person_kind !== 'student' && account.person_kind !== 'guardian') || !ctx.district.settings.tools.calendar) {
      void reply.callNotFound();
      return null;
    }
    const when = (iso: string | null) => (iso ? formatInstant(new Date(iso), ctx.locale, ctx.district.timeZone) : null);
    const show = async (extra: { madeUrl?: string; notice?: string }, code = 200) => {
      const status = await feedStatus(db, account.id);
      return sendPage(
        // The origin only (never the page's address) to any site; its forms still carry their Origin (plugins/csrf.ts).
        reply.header('referrer-policy', 'strict-origin'),
        <CalendarFeedPage ctx={ctx} students={ctx.students ?? []} status={status ? { createdAt: when(status.createdAt)!, lastUsedAt: when(status.lastUsedAt) } : null} {...extra} />,
        code,
      );
    };
    return { ctx, account, show };
  }

  app.get('/account/calendar', async (request, reply) => {
    const opened = await page(request, reply);
    if (!opened) return reply;
    return opened.show({});
  });

  app.post<{ Body: Record<string, unknown> }>('/account/calendar', async (request, reply) => {
    const opened = await page(request, reply);
    if (!opened) return reply;
    const action = request.body?.action;
    if (action === 'make') {
      const token = await createFeed(db, opened.account, services.now(), clientIp(request), opened.ctx.district);
      // The address is in this answer only: it must not be kept by the browser's cache.
      reply.header('cache-control', 'no-store');
      return opened.show({ madeUrl: feedAddress(services.config.baseUrl, token) });
    }
    if (action === 'off') {
      await revokeFeed(db, opened.account.id, services.now(), clientIp(request));
      return opened.show({ notice: opened.ctx.t('feed.turnedOff') });
    }
    // Only the page's two buttons post here: anything else is answered with the page, unchanged.
    return opened.show({}, 400);
  });

  // The feed. Calendar apps fetch it from their own servers (Google's for many families at once), so
  // the limit is per feed, not per address; a wrong token costs one indexed lookup and answers 404.
  app.get<{ Params: { file: string } }>(
    '/calendar/:file',
    {
      preHandler: app.rateLimit({
        max: 30,
        timeWindow: '10 minutes',
        keyGenerator: (request) => `feed:${hashToken((request.params as { file?: string }).file ?? '')}`,
      }),
    },
    async (request, reply) => {
      const match = FEED_FILE.exec(request.params.file);
      if (!match) return reply.callNotFound();
      const district = await services.districts.get();
      const now = services.now();
      const today = localDate(now, district.timeZone);
      // A district that turned Calendar off has no feeds; without Assignments, no due dates in them.
      if (!district.settings.tools.calendar) return reply.callNotFound();
      const content = await feedContent(db, match[1]!, {
        today,
        now,
        districtLocale: district.locale,
        adultBornOnOrBefore: adultCutoff(district.settings, today),
        includeDue: district.settings.tools.assignments,
      });
      if (!content) return reply.callNotFound();
      const locale = content.locale && isLocale(content.locale) ? content.locale : isLocale(district.locale) ? district.locale : 'en';
      const ics = calendarFeedIcs(content, { locale, district, baseUrl: services.config.baseUrl, host: new URL(services.config.baseUrl).hostname, now });
      return reply
        .header('content-type', 'text/calendar; charset=utf-8')
        .header('content-disposition', 'inline; filename="homeroom.ics"')
        .header('cache-control', 'private, max-age=900')
        .header('referrer-policy', 'no-referrer')
        .header('x-robots-tag', 'noindex')
        .send(ics);
    },
  );
}
