/** The installable app's pages: the devices that get notifications, and the page shown offline. */
import { formatInstant } from '../../i18n/format.js';
import type { PushDevice } from '../../domain/notifications/push.js';
import { MAX_DEVICE_NAME } from '../../domain/notifications/push.js';
import type { PageContext } from './context.js';
import { Alert, Csrf } from './forms.js';
import { Layout } from './layout.js';

export function DevicesPage({ ctx, devices, vapidKey, notice, problem }: { ctx: PageContext; devices: PushDevice[]; vapidKey: string; notice?: string | undefined; problem?: string | undefined }) {
  const { t, locale, district } = ctx;
  const when = (instant: string) => formatInstant(new Date(instant), locale, district.timeZone);
  return (
    <Layout ctx={ctx} title={t('push.devices.title')}>
      <Alert type="success" text={notice} />
      <Alert type="error" text={problem} />
      <h1>{t('push.devices.title')}</h1>
      <p>{t('push.devices.intro')}</p>
      <h2 id="devices-heading">{t('push.devices.listLabel')}</h2>
      {devices.length === 0 ? (
        <p>{t('push.devices.none')}</p>
      ) : (
        <ul class="usa-list usa-list--unstyled hr-devices" aria-labelledby="devices-heading">
          {devices.map((d) => (
            <li key={d.id}>
              <h3>{d.name}</h3>
              <dl class="hr-settings">
                <dt>{t('push.devices.added')}</dt>
                <dd>{when(d.createdAt)}</dd>
                <dt>{t('push.devices.lastSent')}</dt>
                <dd>{d.lastSuccessAt ? when(d.lastSuccessAt) : t('push.devices.never')}</dd>
              </dl>
              <form method="post" action={`/account/notifications/devices/${d.id}/remove`}>
                <Csrf token={ctx.csrf} />
                <button type="submit" class="usa-button usa-button--outline" aria-label={t('push.devices.removeLabel', { name: d.name })}>
                  {t('push.devices.remove')}
                </button>
              </form>
            </li>
          ))}
        </ul>
      )}
      <section aria-labelledby="this-device-heading">
        <h2 id="this-device-heading">{t('push.this.heading')}</h2>
        {/* shown until the page script runs (it hides this): without JavaScript the page says what it cannot do */}
        <p id="push-needs-script">{t('push.this.needsScript')}</p>
        <div
          id="push-controls"
          hidden
          data-key={vapidKey}
          data-csrf={ctx.csrf}
          data-msg-unsupported={t('push.this.unsupported', { portal: district.portalName })}
          data-msg-denied={t('push.this.denied')}
          data-msg-failed={t('push.this.failed')}
        >
          <p id="push-status" role="status" aria-live="polite" />
          <form id="push-form" class="usa-form" hidden>
            <div class="usa-form-group">
              <label class="usa-label" for="deviceName">
                {t('push.this.nameLabel')}
              </label>
              <div class="usa-hint" id="deviceName-hint">
                {t('push.this.nameHint')}
              </div>
              <span class="usa-error-message" id="deviceName-error" role="alert" hidden />
              <input class="usa-input" id="deviceName" name="deviceName" type="text" autocomplete="off" required maxLength={MAX_DEVICE_NAME} aria-describedby="deviceName-hint deviceName-error" />
            </div>
            <button type="submit" class="usa-button">
              {t('push.this.turnOn')}
            </button>
          </form>
          {/* hidden on a wrapper: a USWDS button's display rule would win over its own hidden attribute */}
          <div id="push-off-box" hidden>
            <button type="button" id="push-off" class="usa-button usa-button--outline">
              {t('push.this.turnOff')}
            </button>
          </div>
        </div>
      </section>
      <p>
        <a href="/account">{t('push.devices.backToSettings')}</a>
      </p>
    </Layout>
  );
}

/** The page the service worker shows when the network is gone and nothing saved fits: never anyone's data. */
export function OfflinePage({ ctx }: { ctx: PageContext }) {
  const { t, district } = ctx;
  return (
    <Layout ctx={ctx} title={t('app.offline.title')}>
      <h1>{t('app.offline.title')}</h1>
      <p>{t('app.offline.intro', { portal: district.portalName })}</p>
      <p>{t('app.offline.saved')}</p>
      <p>
        <a class="usa-button" href="/home">
          {t('app.offline.retry')}
        </a>
      </p>
    </Layout>
  );
}

