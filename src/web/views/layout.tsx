import type { ComponentChildren } from 'preact';
import { LOCALE_NAMES, LOCALES } from '../../i18n/index.js';
import { toolUrl } from '../../domain/portal/tools.js';
import type { PageContext } from './context.js';
import { Csrf } from './forms.js';

/**
 * `switcher`: false on a page that covers every child at once (the notifications list, Notification
 * Settings): the child switcher there would pretend the page is one child's.
 */
export function Layout({ ctx, title, children, switcher = true }: { ctx: PageContext; title: string; children: ComponentChildren; switcher?: boolean }) {
  const { t, district } = ctx;
  const signedOut = !ctx.account && /^\/sign-in\?(.*&)?signedOut=1(&|$)/.test(ctx.path);
  return (
    <html lang={ctx.locale}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${title} | ${district.portalName}`}</title>
        <link rel="stylesheet" href={`/assets/homeroom.css?v=${ctx.assetVersion}`} />
        {/* The colours are in the address: a district that changes them is seen at the next page, whatever the browser cached. */}
        <link rel="stylesheet" href={`/theme.css?v=${ctx.assetVersion}&c=${district.colors.primary.slice(1)}${district.colors.secondary.slice(1)}`} />
        <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
        <meta name="theme-color" content={district.colors.primary} />
        <link rel="manifest" href={`/manifest.webmanifest?lang=${ctx.locale}`} />
        <link rel="apple-touch-icon" href="/icons/apple-touch-icon.png" />
        {/* The app's script (service worker, push) on signed-in pages, and where the person has just signed
            out (it tells the worker to forget saved pages); the sign-in page itself stays without script. */}
        {ctx.account || signedOut ? <script src={`/app.js?v=${ctx.assetVersion}`} defer /> : null}
      </head>
      <body data-signed-out={signedOut ? '' : undefined}>
        <a class="usa-skipnav" href="#main-content">
          {t('layout.skip')}
        </a>
        <header class="hr-masthead">
          <div class="grid-container hr-masthead__inner">
            <p class="hr-masthead__title">
              <a href="/" aria-label={t('layout.home', { portal: district.portalName })}>
                {district.portalName}
                <small>{district.name}</small>
              </a>
            </p>
            <nav aria-label={t('layout.language')}>
              <ul class="hr-lang">
                {LOCALES.map((l) => (
                  <li key={l}>
                    {ctx.account ? (
                      // Signed in, the choice is kept on the account (emails use it): a form, not a link.
                      <form method="post" action={`/lang/${l}`}>
                        <Csrf token={ctx.csrf} />
                        <input type="hidden" name="next" value={ctx.path} />
                        <button type="submit" class="usa-button usa-button--unstyled hr-link-button" lang={l} aria-current={l === ctx.locale ? 'true' : undefined}>
                          {LOCALE_NAMES[l]}
                        </button>
                      </form>
                    ) : (
                      <a href={`/lang/${l}?next=${encodeURIComponent(ctx.path)}`} lang={l} hreflang={l} aria-current={l === ctx.locale ? 'true' : undefined}>
                        {LOCALE_NAMES[l]}
                      </a>
                    )}
                  </li>
                ))}
              </ul>
            </nav>
          </div>
          {ctx.account ? (
            <div class="grid-container">
              <nav class="hr-account-nav" aria-label={t('nav.main')}>
                <p class="hr-account-nav__who">{t('nav.signedInAs', { name: ctx.account.name })}</p>
                <ul>
                  <li>
                    <a href="/home">{t('nav.home')}</a>
                  </li>
                  {ctx.unreadMessages !== undefined ? (
                    <li>
                      <a href="/messages">{ctx.unreadMessages > 0 ? t('messages.navUnread', { count: ctx.unreadMessages }) : t('messages.title')}</a>
                    </li>
                  ) : null}
                  {ctx.student && ctx.district.settings.tools.grades ? (
                    <li>
                      <a href={toolUrl(ctx.student.id, 'grades')}>{t('portal.grades')}</a>
                    </li>
                  ) : null}
                  {ctx.student && ctx.district.settings.tools.todo ? (
                    <li>
                      <a href="/todo">{t('todo.title')}</a>
                    </li>
                  ) : null}
                  {ctx.account.office ? (
                    <li>
                      <a href="/staff/activation-keys">{t('nav.staffKeys')}</a>
                    </li>
                  ) : null}
                  {ctx.account.office ? (
                    <li>
                      <a href="/staff/guardian-links">{t('nav.staffLinks')}</a>
                    </li>
                  ) : null}
                  {ctx.account.office ? (
                    <li>
                      <a href="/staff/account-help">{t('nav.accountHelp')}</a>
                    </li>
                  ) : null}
                  {ctx.account.office ? (
                    <li>
                      <a href="/staff/account-requests">{t('nav.staffRequests')}</a>
                    </li>
                  ) : null}
                  {ctx.account.office ? (
                    <li>
                      <a href="/staff/change-requests">{t('nav.staffChanges')}</a>
                    </li>
                  ) : null}
                  {ctx.account.office ? (
                    <li>
                      <a href="/staff/forms">{t('forms.staff.title')}</a>
                    </li>
                  ) : null}
                  {ctx.account.districtAdmin ? (
                    <li>
                      <a href="/admin/parent-accounts">{t('nav.parentAccounts')}</a>
                    </li>
                  ) : null}
                  {ctx.account.districtAdmin ? (
                    <li>
                      <a href="/admin/imports">{t('nav.imports')}</a>
                    </li>
                  ) : null}
                  {ctx.account.districtAdmin ? (
                    <li>
                      <a href="/admin/settings">{t('settings.title')}</a>
                    </li>
                  ) : null}
                  {ctx.account.districtAdmin ? (
                    <li>
                      <a href="/admin/mail">{t('nav.mail')}</a>
                    </li>
                  ) : null}
                  {ctx.account.kind === 'guardian' ? (
                    <li>
                      <a href="/account/contact">{t('nav.contact')}</a>
                    </li>
                  ) : null}
                  {ctx.unreadNotifications !== undefined ? (
                    <li>
                      <a href="/notifications" class="hr-bell">
                        {t('notifications.bell', { count: ctx.unreadNotifications })}
                      </a>
                    </li>
                  ) : null}
                  {ctx.unreadNotifications !== undefined ? (
                    <li>
                      <a href="/account/notifications">{t('notifications.settingsLink')}</a>
                    </li>
                  ) : null}
                  <li>
                    <a href="/account">{t('nav.account')}</a>
                  </li>
                  <li>
                    <form method="post" action="/sign-out">
                      <Csrf token={ctx.csrf} />
                      <button type="submit" class="usa-button usa-button--unstyled hr-link-button">
                        {t('nav.signOut')}
                      </button>
                    </form>
                  </li>
                </ul>
              </nav>
            </div>
          ) : null}
        </header>
        <main id="main-content" class="grid-container hr-main" tabindex={-1}>
          {switcher ? <StudentSwitcher ctx={ctx} /> : null}
          {children}
        </main>
        <footer class="hr-footer">
          <div class="grid-container">
            <p>
              <strong>{district.name}</strong>
              {district.helpEmail ? (
                <>
                  <br />
                  {t('layout.footer.help')}{' '}
                  <a href={`mailto:${district.helpEmail}`}>{district.helpEmail}</a>
                </>
              ) : null}
            </p>
            <p>
              <a href="/accessibility">{t('layout.footer.accessibility')}</a>
              {' · '}
              <a href="/privacy">{t('layout.footer.privacy')}</a>
            </p>
            <p>{t('layout.footer.poweredBy')}</p>
          </div>
        </footer>
      </body>
    </html>
  );
}

/** A guardian with more than one student chooses whose records the pages show; works without JavaScript. */
function StudentSwitcher({ ctx }: { ctx: PageContext }) {
  const { t, students, student } = ctx;
  if (ctx.account?.kind !== 'guardian' || !students || students.length < 2 || !student) return null;
  return (
    <form class="hr-switcher" method="post" action="/students/current" aria-label={t('switcher.label')}>
      <Csrf token={ctx.csrf} />
      <input type="hidden" name="next" value={ctx.path} />
      <div>
        <label class="usa-label" for="student-switcher">
          {t('switcher.student')}
        </label>
        <select class="usa-select" id="student-switcher" name="studentId">
          {students.map((s) => (
            <option key={s.id} value={String(s.id)} selected={s.id === student.id}>
              {`${s.firstName} ${s.lastName}`}
            </option>
          ))}
        </select>
      </div>
      <button class="usa-button usa-button--outline" type="submit">
        {t('switcher.show')}
      </button>
    </form>
  );
}
