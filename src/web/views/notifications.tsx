/** The in-app notifications list, Notification Settings and the unsubscribe pages (issue 22). */
import type { VisibleStudent } from '../../domain/people/visibility.js';
import { DIRECT_KINDS, fieldName, NOTIFY_KINDS, type Channels, type ChildSettings, type DirectKind, type PersonSettings, type SettingsClass } from '../../domain/notifications/settings.js';
import type { NotificationEntry } from '../../domain/notifications/list.js';
import type { PageContext } from './context.js';
import { Alert, Csrf, describedBy, ErrorSummary, Field, type Messages } from './forms.js';
import { Layout } from './layout.js';

export function NotificationsPage({ ctx, entries, when }: { ctx: PageContext; entries: NotificationEntry[]; when: (iso: string) => string }) {
  const { t } = ctx;
  const unread = entries.some((e) => !e.read);
  return (
    <Layout ctx={ctx} title={t('notifications.title')} switcher={false}>
      <h1>{t('notifications.title')}</h1>
      <p>{t(ctx.account?.kind === 'student' ? 'notifications.introStudent' : 'notifications.intro')}</p>
      <p>
        <a href="/account/notifications">{t('notifications.settingsLink')}</a>
      </p>
      {unread ? (
        <form method="post" action="/notifications/read">
          <Csrf token={ctx.csrf} />
          <button type="submit" class="usa-button usa-button--outline">
            {t('notifications.markAllRead')}
          </button>
        </form>
      ) : null}
      {entries.length === 0 ? (
        <p>{t('notifications.empty')}</p>
      ) : (
        <ul class="usa-list usa-list--unstyled hr-notifications">
          {entries.map((e) => (
            <li key={e.id} class="hr-notification">
              <h2 class="font-heading-md margin-bottom-05">
                <a href={`/notifications/${e.id}/open`}>{e.title}</a>
                {e.read ? null : <span class="usa-tag margin-left-1">{t('notifications.new')}</span>}
              </h2>
              <p class="margin-y-05">{e.body}</p>
              <p class="margin-y-05 text-base-dark">{t('notifications.received', { when: when(e.createdAt) })}</p>
              {e.read ? null : (
                <form method="post" action={`/notifications/${e.id}/read`}>
                  <Csrf token={ctx.csrf} />
                  <button type="submit" class="usa-button usa-button--unstyled" aria-label={`${t('notifications.markRead')}: ${e.title}`}>
                    {t('notifications.markRead')}
                  </button>
                </form>
              )}
            </li>
          ))}
        </ul>
      )}
    </Layout>
  );
}

function Check({ id, label, checked }: { id: string; label: string; checked: boolean }) {
  return (
    <div class="usa-checkbox">
      <input class="usa-checkbox__input" id={id} name={id} type="checkbox" value="on" checked={checked} />
      <label class="usa-checkbox__label" for={id}>
        {label}
      </label>
    </div>
  );
}

function PercentInput({ ctx, id, label, hint, value, errors }: { ctx: PageContext; id: string; label: string; hint: string; value: string; errors: Messages }) {
  const error = errors[id];
  return (
    <Field t={ctx.t} id={id} label={label} hint={hint} {...(error ? { error } : {})}>
      <input
        class={`usa-input usa-input--small${error ? ' usa-input--error' : ''}`}
        id={id}
        name={id}
        type="text"
        inputmode="decimal"
        autocomplete="off"
        maxLength={6}
        value={value}
        aria-describedby={describedBy(id, true, Boolean(error))}
        aria-invalid={error ? 'true' : undefined}
      />
    </Field>
  );
}

/** What the form shows: the saved settings, or what was just sent (a form sent back with its problems). */
export interface SettingsFormValues {
  checked: (name: string) => boolean;
  text: (name: string) => string;
}

export function valuesOfSettings(
  settings: PersonSettings,
  children: Map<number, ChildSettings>,
  own: Partial<Record<DirectKind, Channels>>,
  classes: ReadonlyMap<number, readonly SettingsClass[]>,
): SettingsFormValues {
  const checks = new Set<string>();
  const texts: Record<string, string> = {};
  for (const k of DIRECT_KINDS) {
    const c = own[k];
    if (!c) continue;
    if (c.on) checks.add(fieldName.own(k, 'on'));
    if (c.email) checks.add(fieldName.own(k, 'email'));
    if (c.push) checks.add(fieldName.own(k, 'push'));
  }
  texts.timeZone = settings.timeZone ?? '';
  for (const [id, child] of children) {
    // A class is on unless the person turned it off for this child.
    for (const c of classes.get(id) ?? []) if (child.sections[String(c.sectionId)]?.on !== false) checks.add(fieldName.section(id, c.sectionId));
    for (const k of NOTIFY_KINDS) {
      const c = child.kinds[k];
      if (!c) continue;
      if (c.on) checks.add(fieldName.kind(id, k, 'on'));
      if (c.email) checks.add(fieldName.kind(id, k, 'email'));
      if (c.push) checks.add(fieldName.kind(id, k, 'push'));
    }
    for (const which of ['scoreBelow', 'gradeBelow', 'gradeAbove'] as const) texts[fieldName.threshold(id, which)] = child[which] === null ? '' : String(child[which]);
  }
  if (settings.quiet) {
    checks.add('quietOn');
    if (settings.quiet.exemptAttendance) checks.add('quietExemptAttendance');
  }
  texts.quietFrom = settings.quiet?.from ?? '21:00';
  texts.quietTo = settings.quiet?.to ?? '07:00';
  texts.digestMode = settings.digest.mode;
  texts.digestHour = String(settings.digest.hour);
  texts.digestWeekday = String(settings.digest.weekday);
  return { checked: (n) => checks.has(n), text: (n) => texts[n] ?? '' };
}

export function valuesOfBody(body: Record<string, unknown>): SettingsFormValues {
  return { checked: (n) => body[n] !== undefined, text: (n) => (typeof body[n] === 'string' ? (body[n] as string).slice(0, 64) : '') };
}

export function NotificationSettingsPage({
  ctx,
  students,
  values,
  version,
  errors = {},
  notice,
  conflict,
  hasEmail,
  classes,
  zones,
  ownKinds,
}: {
  ctx: PageContext;
  students: VisibleStudent[];
  /** the person's own kinds offered (settings.ts ownKindsFor: a form to sign is a guardian's) */
  ownKinds: readonly DirectKind[];
  values: SettingsFormValues;
  /** the version of the settings the form shows: a save is refused when they changed since */
  version: string;
  errors?: Messages;
  notice?: string;
  /** the settings changed since the form the person sent was shown: the page shows them as they are now */
  conflict?: string;
  hasEmail: boolean;
  /** each student's classes today, by student id */
  classes: ReadonlyMap<number, readonly SettingsClass[]>;
  /** the time zones a person may choose (IANA names) */
  zones: readonly string[];
}) {
  const { t } = ctx;
  const zone = values.text('timeZone') || ctx.district.timeZone;
  const labels: Record<string, string> = { timeZone: t('notifications.settings.timeZone'), quietFrom: t('notifications.settings.quietFrom'), quietTo: t('notifications.settings.quietTo'), digestMode: t('notifications.settings.digestMode'), digestHour: t('notifications.settings.digestHour'), digestWeekday: t('notifications.settings.digestWeekday') };
  for (const s of students) {
    labels[fieldName.threshold(s.id, 'scoreBelow')] = `${s.firstName}: ${t('notifications.settings.scoreBelow')}`;
    labels[fieldName.threshold(s.id, 'gradeBelow')] = `${s.firstName}: ${t('notifications.settings.gradeBelow')}`;
    labels[fieldName.threshold(s.id, 'gradeAbove')] = `${s.firstName}: ${t('notifications.settings.gradeAbove')}`;
  }
  const select = (id: 'digestMode' | 'digestHour' | 'digestWeekday', label: string, options: { value: string; text: string }[]) => {
    const error = errors[id];
    return (
      <Field t={t} id={id} label={label} {...(error ? { error } : {})}>
        <select class={`usa-select${error ? ' usa-input--error' : ''}`} id={id} name={id} aria-describedby={describedBy(id, false, Boolean(error))}>
          {options.map((o) => (
            <option key={o.value} value={o.value} selected={values.text(id) === o.value}>
              {o.text}
            </option>
          ))}
        </select>
      </Field>
    );
  };
  // A plain keyboard: a phone's number pad (inputmode numeric) has no colon, and the time is HH:MM.
  const time = (id: 'quietFrom' | 'quietTo', label: string) => {
    const error = errors[id];
    return (
      <Field t={t} id={id} label={label} hint={t('notifications.settings.quietHint', { zone })} {...(error ? { error } : {})}>
        <input
          class={`usa-input usa-input--small${error ? ' usa-input--error' : ''}`}
          id={id}
          name={id}
          type="text"
          autocomplete="off"
          maxLength={5}
          value={values.text(id)}
          aria-describedby={describedBy(id, true, Boolean(error))}
          aria-invalid={error ? 'true' : undefined}
        />
      </Field>
    );
  };
  return (
    <Layout ctx={ctx} title={t('notifications.settings.title')} switcher={false}>
      <h1>{t('notifications.settings.title')}</h1>
      <Alert type="success" text={notice} />
      <Alert type="error" text={conflict} />
      <ErrorSummary t={t} errors={errors} labels={labels} />
      <p>{t('notifications.settings.intro')}</p>
      {hasEmail ? null : <Alert type="info" text={t('notifications.settings.noEmail')} />}
      <form method="post" action="/account/notifications" novalidate>
        <Csrf token={ctx.csrf} />
        <input type="hidden" name="version" value={version} />
        {students.length === 0 ? <p>{t('notifications.settings.noStudents')}</p> : null}
        {students.map((s) => (
          <section key={s.id} aria-labelledby={`child-${s.id}`}>
            <h2 id={`child-${s.id}`}>{t('notifications.settings.child', { name: `${s.firstName} ${s.lastName}` })}</h2>
            {NOTIFY_KINDS.map((k) => (
              <fieldset key={k} class="usa-fieldset margin-bottom-2">
                <legend class="usa-legend text-bold">{`${t(`notifications.kind.${k}`)} (${s.firstName})`}</legend>
                <Check id={fieldName.kind(s.id, k, 'on')} label={t('notifications.settings.on')} checked={values.checked(fieldName.kind(s.id, k, 'on'))} />
                <Check id={fieldName.kind(s.id, k, 'email')} label={t('notifications.settings.email')} checked={values.checked(fieldName.kind(s.id, k, 'email'))} />
                <Check id={fieldName.kind(s.id, k, 'push')} label={t('notifications.settings.push')} checked={values.checked(fieldName.kind(s.id, k, 'push'))} />
              </fieldset>
            ))}
            {(classes.get(s.id) ?? []).length > 0 ? (
              <fieldset class="usa-fieldset margin-bottom-2" aria-describedby={`classes-${s.id}-hint`}>
                <legend class="usa-legend text-bold">{t('notifications.settings.classes', { name: s.firstName })}</legend>
                <p class="usa-hint" id={`classes-${s.id}-hint`}>
                  {t('notifications.settings.classes.hint')}
                </p>
                {(classes.get(s.id) ?? []).map((c) => (
                  <Check key={c.sectionId} id={fieldName.section(s.id, c.sectionId)} label={c.title} checked={values.checked(fieldName.section(s.id, c.sectionId))} />
                ))}
              </fieldset>
            ) : null}
            <fieldset class="usa-fieldset">
              <legend class="usa-legend text-bold">{t('notifications.settings.thresholds', { name: s.firstName })}</legend>
              <PercentInput ctx={ctx} id={fieldName.threshold(s.id, 'scoreBelow')} label={t('notifications.settings.scoreBelow')} hint={t('notifications.settings.scoreBelow.hint')} value={values.text(fieldName.threshold(s.id, 'scoreBelow'))} errors={errors} />
              <PercentInput ctx={ctx} id={fieldName.threshold(s.id, 'gradeBelow')} label={t('notifications.settings.gradeBelow')} hint={t('notifications.settings.threshold.hint')} value={values.text(fieldName.threshold(s.id, 'gradeBelow'))} errors={errors} />
              <PercentInput ctx={ctx} id={fieldName.threshold(s.id, 'gradeAbove')} label={t('notifications.settings.gradeAbove')} hint={t('notifications.settings.threshold.hint')} value={values.text(fieldName.threshold(s.id, 'gradeAbove'))} errors={errors} />
            </fieldset>
          </section>
        ))}
        <section aria-labelledby="own-heading">
          <h2 id="own-heading">{t('notifications.settings.own')}</h2>
          {ownKinds.filter((k) => k !== 'mealLow' || ctx.district.settings.tools.payments).map((k) => (
            <fieldset key={k} class="usa-fieldset margin-bottom-2">
              <legend class="usa-legend text-bold">{t(`notifications.kind.${k}`)}</legend>
              <Check id={fieldName.own(k, 'on')} label={t('notifications.settings.on')} checked={values.checked(fieldName.own(k, 'on'))} />
              <Check id={fieldName.own(k, 'email')} label={t('notifications.settings.email')} checked={values.checked(fieldName.own(k, 'email'))} />
              <Check id={fieldName.own(k, 'push')} label={t('notifications.settings.push')} checked={values.checked(fieldName.own(k, 'push'))} />
            </fieldset>
          ))}
        </section>
        <section aria-labelledby="account-heading">
          <h2 id="account-heading">{t('notifications.settings.account')}</h2>
          <p>{t('notifications.settings.accountAlways')}</p>
        </section>
        <section aria-labelledby="quiet-heading">
          <h2 id="quiet-heading">{t('notifications.settings.quiet')}</h2>
          <Field t={t} id="timeZone" label={t('notifications.settings.timeZone')} hint={t('notifications.settings.timeZone.hint', { zone: ctx.district.timeZone })} {...(errors.timeZone ? { error: errors.timeZone } : {})}>
            <select class={`usa-select${errors.timeZone ? ' usa-input--error' : ''}`} id="timeZone" name="timeZone" aria-describedby={describedBy('timeZone', true, Boolean(errors.timeZone))}>
              <option value="" selected={values.text('timeZone') === ''}>
                {t('notifications.settings.timeZone.district', { zone: ctx.district.timeZone })}
              </option>
              {zones.map((z) => (
                <option key={z} value={z} selected={values.text('timeZone') === z}>
                  {z}
                </option>
              ))}
            </select>
          </Field>
          <Check id="quietOn" label={t('notifications.settings.quietOn')} checked={values.checked('quietOn')} />
          {time('quietFrom', t('notifications.settings.quietFrom'))}
          {time('quietTo', t('notifications.settings.quietTo'))}
          <Check id="quietExemptAttendance" label={t('notifications.settings.quietExemptAttendance')} checked={values.checked('quietExemptAttendance')} />
        </section>
        <section aria-labelledby="digest-heading">
          <h2 id="digest-heading">{t('notifications.settings.digest')}</h2>
          {select('digestMode', t('notifications.settings.digestMode'), (['off', 'daily', 'weekly'] as const).map((m) => ({ value: m, text: t(`notifications.settings.digest.${m}`) })))}
          {select('digestHour', t('notifications.settings.digestHour'), Array.from({ length: 24 }, (_, h) => ({ value: String(h), text: t('notifications.settings.hour', { hour: String(h).padStart(2, '0') }) })))}
          {select('digestWeekday', t('notifications.settings.digestWeekday'), ([1, 2, 3, 4, 5, 6, 7] as const).map((d) => ({ value: String(d), text: t(`notifications.weekday.${d}`) })))}
        </section>
        <button type="submit" class="usa-button margin-top-3">
          {t('notifications.settings.save')}
        </button>
      </form>
      <section aria-labelledby="devices-heading">
        <h2 id="devices-heading">{t('notifications.settings.devices')}</h2>
        <p>{t('notifications.settings.devicesNote')}</p>
        <p>
          <a href="/account/notifications/devices">{t('notifications.settings.devicesLink')}</a>
        </p>
      </section>
    </Layout>
  );
}

export function UnsubscribePage({ ctx, state, what, username, token }: { ctx: PageContext; state: 'confirm' | 'done' | 'invalid' | 'superseded'; what: string; username: string; token: string }) {
  const { t } = ctx;
  return (
    <Layout ctx={ctx} title={t('notifications.unsubscribe.title')}>
      <h1>{t('notifications.unsubscribe.title')}</h1>
      {state === 'invalid' ? <Alert type="error" text={t('notifications.unsubscribe.invalid')} /> : null}
      {state === 'done' ? <Alert type="success" text={t('notifications.unsubscribe.done', { what })} /> : null}
      {state === 'superseded' ? (
        <>
          <Alert type="info" text={t('notifications.unsubscribe.stale', { what, username })} />
          <p>
            <a href="/account/notifications">{t('notifications.unsubscribe.settingsLink')}</a>
          </p>
        </>
      ) : null}
      {state === 'confirm' ? (
        <form method="post" action={`/unsubscribe/${token}`}>
          <p>{t('notifications.unsubscribe.confirm', { what, username })}</p>
          <button type="submit" class="usa-button">
            {t('notifications.unsubscribe.button')}
          </button>
        </form>
      ) : null}
    </Layout>
  );
}
