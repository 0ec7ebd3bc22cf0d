/**
 * Notifications (issue 22): the in-app list (/notifications), Notification Settings
 * (/account/notifications) for students and families, and the one-click unsubscribe of every
 * notification email (/unsubscribe/:token, RFC 8058: GET shows a confirmation, POST unsubscribes; no
 * sign-in, the signed token is the authority).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { confirmedEmail } from '../../domain/accounts/mail.js';
import { recordId } from '../../domain/forms.js';
import { markAllRead, markRead, notificationsOf } from '../../domain/notifications/list.js';
import { localDate } from '../../domain/calendar/dates.js';
import { childSettings, classesForSettings, ownChannelsOf, ownKindsFor, readSettingsForm, saveSettingsForm, storedSettingsOf, TIME_ZONES, type SettingsClass, type StoredSettings } from '../../domain/notifications/settings.js';
import { unsubscribeTarget, unsubscribe } from '../../domain/notifications/unsubscribe.js';
import { formatInstant } from '../../email/templates.js';
import { contextFor } from '../context.js';
import { redirectToSignIn } from '../guards.js';
import { clientIp } from '../plugins/session.js';
import { sendPage } from '../render.js';
import { NotificationSettingsPage, NotificationsPage, UnsubscribePage, valuesOfBody, valuesOfSettings } from '../views/notifications.js';

export async function notificationRoutes(app: FastifyInstance): Promise<void> {
  const { services } = app;
  const db = services.database.db;

  /** Students and families only; staff get the not-found page. */
  const family = async (request: FastifyRequest, reply: FastifyReply) => {
    if (redirectToSignIn(request, reply)) return reply;
    const kind = request.session!.account.person_kind;
    if (kind !== 'guardian' && kind !== 'student') return reply.callNotFound();
  };

  app.get('/notifications', { preHandler: family }, async (request, reply) => {
    const ctx = await contextFor(app, request);
    const entries = await notificationsOf(db, request.session!.account.id, ctx.students ?? [], ctx.locale);
    return sendPage(reply, <NotificationsPage ctx={ctx} entries={entries} when={(iso) => formatInstant(new Date(iso), ctx.locale, ctx.district.timeZone)} />);
  });

  // Opening an entry marks it read and goes to the page that shows the change.
  app.get<{ Params: { id: string } }>('/notifications/:id/open', { preHandler: family }, async (request, reply) => {
    const id = recordId(request.params.id);
    if (id === null) return reply.callNotFound();
    const ctx = await contextFor(app, request);
    const url = await markRead(db, request.session!.account.id, id, ctx.students ?? [], services.now());
    if (url === null) return reply.callNotFound();
    return reply.redirect(url, 303);
  });

  app.post<{ Params: { id: string } }>('/notifications/:id/read', { preHandler: family }, async (request, reply) => {
    const id = recordId(request.params.id);
    if (id === null) return reply.callNotFound();
    const ctx = await contextFor(app, request);
    if ((await markRead(db, request.session!.account.id, id, ctx.students ?? [], services.now())) === null) return reply.callNotFound();
    return reply.redirect('/notifications', 303);
  });

  app.post('/notifications/read', { preHandler: family }, async (request, reply) => {
    await markAllRead(db, request.session!.account.id, services.now());
    return reply.redirect('/notifications', 303);
  });

  /** The settings page showing the settings as stored now (with the version a save must be read at). */
  const settingsPage = async (
    request: FastifyRequest,
    reply: FastifyReply,
    ctx: Awaited<ReturnType<typeof contextFor>>,
    classes: Map<number, SettingsClass[]>,
    extra: { notice?: string; conflict?: string },
    status = 200,
    stored?: StoredSettings,
  ) => {
    const account = request.session!.account;
    const students = ctx.students ?? [];
    const { settings, version } = stored ?? (await storedSettingsOf(db, account.id, ctx.district.settings));
    const ownKinds = ownKindsFor(account.person_kind);
    const own = Object.fromEntries(ownKinds.map((k) => [k, ownChannelsOf(settings, k, ctx.district.settings)]));
    const values = valuesOfSettings(settings, new Map(students.map((s) => [s.id, childSettings(settings, s.id, ctx.district.settings)])), own, classes);
    return sendPage(
      reply,
      <NotificationSettingsPage ctx={ctx} students={students} values={values} version={String(version)} {...extra} hasEmail={confirmedEmail(account) !== null} classes={classes} zones={TIME_ZONES} ownKinds={ownKinds} />,
      status,
    );
  };

  app.get<{ Querystring: { saved?: string } }>('/account/notifications', { preHandler: family }, async (request, reply) => {
    const ctx = await contextFor(app, request);
    const classes = await classesForSettings(db, ctx.students ?? [], localDate(services.now(), ctx.district.timeZone));
    return settingsPage(request, reply, ctx, classes, request.query.saved === '1' ? { notice: ctx.t('notifications.settings.saved') } : {});
  });

  app.post('/account/notifications', { preHandler: family }, async (request, reply) => {
    const ctx = await contextFor(app, request);
    const account = request.session!.account;
    const students = ctx.students ?? [];
    const body = (request.body ?? {}) as Record<string, unknown>;
    const classes = await classesForSettings(db, students, localDate(services.now(), ctx.district.timeZone));
    const ownKinds = ownKindsFor(account.person_kind);
    // The version of the settings the form was made from (a form without one is as old as can be).
    const version = typeof body.version === 'string' && /^\d{1,12}$/.test(body.version) ? Number(body.version) : null;
    const sectionsOf = new Map([...classes].map(([id, list]) => [id, list.map((c) => c.sectionId)]));
    const read = readSettingsForm(body, students.map((s) => s.id), sectionsOf, ownKinds);
    if (!read.ok) {
      return sendPage(
        reply,
        <NotificationSettingsPage ctx={ctx} students={students} values={valuesOfBody(body)} version={typeof body.version === 'string' ? body.version.slice(0, 12) : ''} errors={read.problems} hasEmail={confirmedEmail(account) !== null} classes={classes} zones={TIME_ZONES} ownKinds={ownKinds} />,
        400,
      );
    }
    const saved = await saveSettingsForm(db, account.id, version, read.settings, ctx.district.settings, services.now());
    // Changed since the form was shown (another tab, an unsubscribe link): nothing written; the settings as they are now.
    if (!saved.ok) return settingsPage(request, reply, ctx, classes, { conflict: ctx.t('notifications.settings.conflict') }, 409, saved.current);
    return reply.redirect('/account/notifications?saved=1', 303);
  });

  // ── unsubscribe (no sign-in) ──
  // RFC 8058 allows multipart/form-data as well: its body says nothing the address does not.
  if (!app.hasContentTypeParser('multipart/form-data')) {
    app.addContentTypeParser('multipart/form-data', { parseAs: 'string', bodyLimit: 4096 }, (_request, _body, done) => done(null, {}));
  }
  const unsubscribePage = async (request: FastifyRequest<{ Params: { token: string } }>, reply: FastifyReply, post: boolean) => {
    const ctx = await contextFor(app, request);
    const now = services.now();
    const target = await unsubscribeTarget(db, request.params.token, now);
    if (!target) return sendPage(reply, <UnsubscribePage ctx={ctx} state="invalid" what="" username="" token="" />, 400);
    const { link, username } = target;
    const what = link.kind === 'all' ? ctx.t('notifications.unsubscribe.all') : ctx.t(`notifications.kind.${link.kind}`);
    // The person turned email back on after the link was written: it no longer acts (asking is not acting: 200).
    if (target.superseded) return sendPage(reply, <UnsubscribePage ctx={ctx} state="superseded" what={what} username={username} token="" />, post ? 409 : 200);
    if (!post) return sendPage(reply, <UnsubscribePage ctx={ctx} state="confirm" what={what} username={username} token={request.params.token} />);
    const result = await unsubscribe(db, link, clientIp(request), now);
    if (result === 'gone') return sendPage(reply, <UnsubscribePage ctx={ctx} state="invalid" what="" username="" token="" />, 400);
    if (result === 'superseded') return sendPage(reply, <UnsubscribePage ctx={ctx} state="superseded" what={what} username={username} token="" />, 409);
    return sendPage(reply, <UnsubscribePage ctx={ctx} state="done" what={what} username={username} token="" />);
  };
  app.get<{ Params: { token: string } }>('/unsubscribe/:token', async (request, reply) => {
    // The page holds the token in its form: it is not for other sites nor for the log of a proxy's cache.
    void reply.header('cache-control', 'no-store').header('referrer-policy', 'no-referrer');
    return unsubscribePage(request, reply, false);
  });
  app.post<{ Params: { token: string } }>('/unsubscribe/:token', { config: { csrf: false } }, async (request, reply) => {
    void reply.header('cache-control', 'no-store');
    return unsubscribePage(request, reply, true);
  });
}
