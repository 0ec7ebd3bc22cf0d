/** District administrators: the settings area (/admin/settings), one page and one form per group. */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ComponentChildren } from 'preact';
import {
  RESOURCE_AUDIENCES,
  SETTING_DEFAULTS,
  SETTING_FIELDS,
  DEFAULT_COLOURS,
  currentIdentity,
  formValues,
  isSettingsGroup,
  previewColours,
  readGroup,
  saveSettingsGroup,
  showRatio,
  showValue,
  type SettingsGroup,
} from '../../domain/district/admin-settings.js';
import { contrastRatio } from '../../domain/district/contrast.js';
import { resourceTexts } from '../../domain/district/resources.js';
import { LOCALES, type Locale } from '../../i18n/index.js';
import { TOOL_SETTINGS } from '../../domain/portal/tools.js';
import { contextFor } from '../context.js';
import { districtAdmin, requireStaff } from '../guards.js';
import { clientIp } from '../plugins/session.js';
import { sendPage } from '../render.js';
import { themeCss } from '../theme.js';
import { SettingsGroupPage, SettingsIndexPage, TextsPreview, ThemePreview } from '../views/settings.js';

type Body = Record<string, unknown>;

/** Each field's default as the form writes it (identity has defaults for its colours only). */
function defaultsOf(group: SettingsGroup): Record<string, string> {
  if (group === 'sign-in' || group === 'families' || group === 'schedule') {
    return Object.fromEntries(SETTING_FIELDS[group].map((f) => [f.name, showValue(f, (SETTING_DEFAULTS as unknown as Record<string, unknown>)[f.name])]));
  }
  if (group === 'identity') return { ...DEFAULT_COLOURS };
  if (group === 'tools') return Object.fromEntries(TOOL_SETTINGS.map((k) => [k, 'on']));
  return {};
}

/** What was typed, as text, for showing the form again (nothing longer than a field could be). */
function typed(body: Body): Record<string, string> {
  return Object.fromEntries(Object.entries(body).filter((e): e is [string, string] => typeof e[1] === 'string').map(([k, v]) => [k, v.slice(0, 9000)]));
}

export async function settingsRoutes(app: FastifyInstance): Promise<void> {
  const { services } = app;
  const db = services.database.db;
  const ctxOf = (request: FastifyRequest) => contextFor(app, request);

  app.addHook('preHandler', requireStaff(app, districtAdmin));

  // The sign-in help editor of before is the texts page now.
  app.get('/admin/sign-in-help', async (_request, reply) => reply.redirect('/admin/settings/texts', 302));

  app.get('/admin/settings', async (request, reply) => sendPage(reply, <SettingsIndexPage ctx={await ctxOf(request)} />));

  app.get<{ Params: { group: string }; Querystring: { saved?: string } }>('/admin/settings/:group', async (request, reply) => {
    const { group } = request.params;
    if (!isSettingsGroup(group)) return reply.callNotFound();
    services.districts.invalidate();
    const ctx = await ctxOf(request);
    const saved = formValues(group, ctx.district.settings, await currentIdentity(db));
    const notice = request.query.saved === '1' ? ctx.t('settings.saved') : request.query.saved === '0' ? ctx.t('settings.unchanged') : undefined;
    return sendPage(reply, <SettingsGroupPage ctx={ctx} group={group} values={saved} saved={saved} defaults={defaultsOf(group)} notice={notice} />);
  });

  app.post<{ Params: { group: string } }>('/admin/settings/:group', async (request, reply) => {
    const { group } = request.params;
    if (!isSettingsGroup(group)) return reply.callNotFound();
    const body = (request.body ?? {}) as Body;
    const showAgain = async (status: number, problems: Parameters<typeof SettingsGroupPage>[0]['problems'], preview?: ComponentChildren) => {
      services.districts.invalidate();
      const ctx = await ctxOf(request);
      const saved = formValues(group, ctx.district.settings, await currentIdentity(db));
      const values = group === 'tools' ? Object.fromEntries(TOOL_SETTINGS.map((k) => [k, body[k] !== undefined ? 'on' : ''])) : typed(body);
      return sendPage(reply, <SettingsGroupPage ctx={ctx} group={group} values={values} saved={saved} defaults={defaultsOf(group)} problems={problems} preview={preview} />, status);
    };
    if (body.action === 'preview') {
      const read = readGroup(group, body);
      if (!read.ok) return showAgain(400, read.problems);
      const ctx = await ctxOf(request);
      return showAgain(200, {}, previewOf(ctx, group, read));
    }
    const result = await saveSettingsGroup(db, { group, body, actorAccountId: request.session!.account.id, ip: clientIp(request) }, services.now());
    if (result.kind === 'refused') return showAgain(400, result.problems);
    services.districts.invalidate();
    return reply.redirect(`/admin/settings/${group}?saved=${result.changed.length > 0 ? 1 : 0}`, 303);
  });

  // New colours for the preview, scoped to it: the strict Content-Security-Policy takes no inline style.
  app.get<{ Querystring: Body }>('/admin/settings/identity/preview.css', async (request, reply) => {
    const colours = previewColours(request.query);
    if (!colours) return reply.code(400).header('content-type', 'text/css; charset=utf-8').send('/* not colours the theme may use */\n');
    return reply.header('content-type', 'text/css; charset=utf-8').header('cache-control', 'no-store').send(themeCss(colours, '.hr-preview'));
  });
}

type Read = Extract<ReturnType<typeof readGroup>, { ok: true }>;

function previewOf(ctx: Awaited<ReturnType<typeof contextFor>>, group: SettingsGroup, read: Read): ComponentChildren {
  if (group === 'identity') {
    const identity = read.identity as Record<string, string>;
    const colours = { primary: identity.primary ?? DEFAULT_COLOURS.primary, secondary: identity.secondary ?? DEFAULT_COLOURS.secondary };
    const ratios = { primary: showRatio(contrastRatio(colours.primary, '#ffffff')), secondary: showRatio(contrastRatio(colours.secondary, '#ffffff')) };
    return <ThemePreview ctx={ctx} colours={colours} ratios={ratios} portalName={identity.portalName ?? ''} districtName={identity.name ?? ''} />;
  }
  const s = read.settings as Record<string, unknown>;
  if (group === 'texts') {
    return <TextsPreview ctx={ctx} help={s.signInHelp as { en: string; es: string }} closing={s.welcomeClosing as { en: string; es: string }} />;
  }
  const settings = { resourcePages: s.resourcePages as typeof ctx.district.settings.resourcePages };
  const pages = Object.fromEntries(
    LOCALES.map((l: Locale) => [l, Object.fromEntries(RESOURCE_AUDIENCES.map((a) => [a, resourceTexts(settings, a, l, { portal: ctx.district.portalName })]))]),
  ) as Record<Locale, Record<'parents' | 'students', { gettingStarted: string; faq: string }>>;
  return <TextsPreview ctx={ctx} links={s.resources as { audience: string; label: { en: string; es: string }; url: string }[]} pages={pages} />;
}
