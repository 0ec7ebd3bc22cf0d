/** Office staff: announcements — current and coming ones, a form to write one with a preview, and a page to change one. */
import type { OfficeAnnouncementLine } from '../../domain/announcements/service.js';
import type { Translate } from '../../i18n/index.js';
import type { PageContext } from './context.js';
import { formatDay } from './format.js';
import { Alert, Csrf, describedBy, ErrorSummary, Field, type FieldMessage, type Messages } from './forms.js';
import { Layout } from './layout.js';
import { ConfirmPage, ItemInput, ItemsTable, type School } from './office-items.js';

/** The announcement form's fields, in the form's order. */
export const ANNOUNCEMENT_FIELDS = ['target', 'titleEn', 'bodyEn', 'titleEs', 'bodyEs', 'start', 'end', 'condition'] as const;
export type AnnouncementValues = Partial<Record<(typeof ANNOUNCEMENT_FIELDS)[number], string>>;

/** What families will see: the same markup as the sign-in page and Today. */
export interface AnnouncementPreview {
  titleEn: string;
  bodyEn: string;
  titleEs: string;
  bodyEs: string;
}

function targetName(t: Translate, schools: School[], target: string): string {
  if (target === 'signIn') return t('officeAnnouncements.targetSignIn');
  if (target === 'district') return t('officeAnnouncements.targetDistrict');
  return t('officeAnnouncements.targetSchool', { school: schools.find((s) => String(s.id) === target)?.name ?? '' });
}

function TextArea({ id, value, error }: { id: string; value: string | undefined; error: FieldMessage | undefined }) {
  return (
    <textarea
      class={`usa-textarea${error ? ' usa-input--error' : ''}`}
      id={id}
      name={id}
      rows={4}
      required
      maxLength={2000}
      aria-describedby={describedBy(id, false, Boolean(error))}
      aria-invalid={error ? 'true' : undefined}
    >
      {value ?? ''}
    </textarea>
  );
}

function labelsOf(t: Translate): Record<string, string> {
  return {
    target: t('officeAnnouncements.target'),
    titleEn: t('officeAnnouncements.titleEn'),
    bodyEn: t('officeAnnouncements.bodyEn'),
    titleEs: t('officeAnnouncements.titleEs'),
    bodyEs: t('officeAnnouncements.bodyEs'),
    start: t('officeAnnouncements.start'),
    end: t('officeAnnouncements.end'),
    condition: t('officeAnnouncements.condition'),
  };
}

function AnnouncementForm({ ctx, action, schools, district, values, errors }: { ctx: PageContext; action: string; schools: School[]; district: boolean; values: AnnouncementValues; errors: Messages }) {
  const { t } = ctx;
  const targets = [...(district ? ['signIn', 'district'] : []), ...schools.map((s) => String(s.id))];
  return (
    <form method="post" action={action} class="usa-form usa-form--large" novalidate>
      <Csrf token={ctx.csrf} />
      <Field t={t} id="target" label={t('officeAnnouncements.target')} error={errors.target}>
        <select class="usa-select" id="target" name="target" aria-describedby={describedBy('target', false, Boolean(errors.target))}>
          {targets.map((v) => (
            <option key={v} value={v} selected={values.target === v}>
              {targetName(t, schools, v)}
            </option>
          ))}
        </select>
      </Field>
      <Field t={t} id="titleEn" label={t('officeAnnouncements.titleEn')} error={errors.titleEn}>
        <ItemInput id="titleEn" value={values.titleEn} error={errors.titleEn} required max={120} />
      </Field>
      <Field t={t} id="bodyEn" label={t('officeAnnouncements.bodyEn')} error={errors.bodyEn}>
        <TextArea id="bodyEn" value={values.bodyEn} error={errors.bodyEn} />
      </Field>
      <Field t={t} id="titleEs" label={t('officeAnnouncements.titleEs')} error={errors.titleEs}>
        <ItemInput id="titleEs" value={values.titleEs} error={errors.titleEs} required max={120} />
      </Field>
      <Field t={t} id="bodyEs" label={t('officeAnnouncements.bodyEs')} error={errors.bodyEs}>
        <TextArea id="bodyEs" value={values.bodyEs} error={errors.bodyEs} />
      </Field>
      <Field t={t} id="start" label={t('officeAnnouncements.start')} error={errors.start}>
        <ItemInput id="start" type="date" value={values.start} error={errors.start} required max={10} />
      </Field>
      <Field t={t} id="end" label={t('officeAnnouncements.end')} error={errors.end}>
        <ItemInput id="end" type="date" value={values.end} error={errors.end} required max={10} />
      </Field>
      <Field t={t} id="condition" label={t('officeAnnouncements.condition')} error={errors.condition}>
        <select class="usa-select" id="condition" name="condition" aria-describedby={describedBy('condition', false, Boolean(errors.condition))}>
          <option value="" selected={!values.condition}>
            {t('officeAnnouncements.conditionNone')}
          </option>
          <option value="noSecurityEmail" selected={values.condition === 'noSecurityEmail'}>
            {t('officeAnnouncements.conditionNoSecurityEmail')}
          </option>
        </select>
      </Field>
      <button class="usa-button hr-primary" type="submit" name="intent" value="preview">
        {t('officeAnnouncements.preview')}
      </button>
    </form>
  );
}

/**
 * After a preview: what was previewed, read-only, carried in hidden fields, with Publish (publishes
 * exactly these values) and Change it (the form again, filled in). The editable form is not on this
 * page, so nothing typed after the preview can be published without being previewed.
 */
function PublishPreviewed({ ctx, action, schools, values, publishLabel }: { ctx: PageContext; action: string; schools: School[]; values: AnnouncementValues; publishLabel: string }) {
  const { t, locale } = ctx;
  const day = (d: string | undefined) => (d && /^\d{4}-\d{2}-\d{2}$/.test(d) ? formatDay(d, locale, true) : (d ?? ''));
  return (
    <>
      <dl class="hr-settings">
        <dt>{t('officeAnnouncements.target')}</dt>
        <dd>{targetName(t, schools, values.target ?? '')}</dd>
        <dt>{t('officeAnnouncements.start')}</dt>
        <dd>{day(values.start)}</dd>
        <dt>{t('officeAnnouncements.end')}</dt>
        <dd>{day(values.end)}</dd>
        <dt>{t('officeAnnouncements.condition')}</dt>
        <dd>{values.condition === 'noSecurityEmail' ? t('officeAnnouncements.conditionNoSecurityEmail') : t('officeAnnouncements.conditionNone')}</dd>
      </dl>
      <form method="post" action={action}>
        <Csrf token={ctx.csrf} />
        {ANNOUNCEMENT_FIELDS.map((k) => (
          <input key={k} type="hidden" name={k} value={values[k] ?? ''} />
        ))}
        <button class="usa-button hr-primary" type="submit" name="intent" value="publish">
          {publishLabel}
        </button>
        <button class="usa-button usa-button--outline" type="submit" name="intent" value="edit">
          {t('officeAnnouncements.changeIt')}
        </button>
      </form>
    </>
  );
}

function Preview({ ctx, preview }: { ctx: PageContext; preview: AnnouncementPreview }) {
  const { t } = ctx;
  return (
    <section aria-labelledby="preview-heading" class="hr-panel">
      <h2 id="preview-heading">{t('officeAnnouncements.previewHeading')}</h2>
      <p>{t('officeAnnouncements.previewNote')}</p>
      <h3>{t('officeAnnouncements.inEnglish')}</h3>
      <article class="hr-panel" lang={ctx.locale === 'en' ? undefined : 'en'}>
        <h4>{preview.titleEn}</h4>
        <p>{preview.bodyEn}</p>
      </article>
      <h3>{t('officeAnnouncements.inSpanish')}</h3>
      <article class="hr-panel" lang={ctx.locale === 'es' ? undefined : 'es'}>
        <h4>{preview.titleEs}</h4>
        <p>{preview.bodyEs}</p>
      </article>
    </section>
  );
}

export interface OfficeAnnouncementsProps {
  ctx: PageContext;
  lines: OfficeAnnouncementLine[];
  schools: School[];
  district: boolean;
  values?: AnnouncementValues;
  errors?: Messages;
  preview?: AnnouncementPreview;
  notice?: string;
  problem?: string;
}

export function OfficeAnnouncementsPage({ ctx, lines, schools, district, values = {}, errors = {}, preview, notice, problem }: OfficeAnnouncementsProps) {
  const { t, locale } = ctx;
  return (
    <Layout ctx={ctx} title={t('officeAnnouncements.title')}>
      <h1>{t('officeAnnouncements.title')}</h1>
      <p>{t('officeAnnouncements.intro')}</p>
      <Alert type="success" text={notice} />
      <Alert type="error" text={problem} />
      <ErrorSummary t={t} errors={errors} labels={labelsOf(t)} />
      {preview ? (
        <>
          <Preview ctx={ctx} preview={preview} />
          <PublishPreviewed ctx={ctx} action="/staff/announcements" schools={schools} values={values} publishLabel={t('officeAnnouncements.publish')} />
        </>
      ) : null}
      <h2 id="current-heading">{t('officeAnnouncements.current')}</h2>
      {lines.length === 0 ? (
        <p>{t('officeAnnouncements.none')}</p>
      ) : (
        <ItemsTable
          csrf={ctx.csrf}
          caption={t('officeAnnouncements.current')}
          headings={[t('officeAnnouncements.colTitle'), t('officeAnnouncements.colWhere'), t('officeAnnouncements.colDates'), t('officeAnnouncements.colActions')]}
          rows={lines.map((a) => ({ id: a.id, title: a.title, where: targetName(t, schools, a.target), when: `${formatDay(a.start, locale, true)} – ${formatDay(a.end, locale, true)}` }))}
          base="/staff/announcements"
          editLabel={t('officeAnnouncements.edit')}
          action={{ path: 'end', label: t('officeAnnouncements.endNow'), confirm: true }}
        />
      )}
      {preview ? null : (
        <>
          <h2 id="write-heading">{t('officeAnnouncements.write')}</h2>
          <AnnouncementForm ctx={ctx} action="/staff/announcements" schools={schools} district={district} values={values} errors={errors} />
        </>
      )}
    </Layout>
  );
}

export interface EditAnnouncementProps {
  ctx: PageContext;
  id: number;
  schools: School[];
  district: boolean;
  values: AnnouncementValues;
  errors?: Messages;
  preview?: AnnouncementPreview;
}

export function EditAnnouncementPage({ ctx, id, schools, district, values, errors = {}, preview }: EditAnnouncementProps) {
  const { t } = ctx;
  return (
    <Layout ctx={ctx} title={t('officeAnnouncements.editTitle')}>
      <p>
        <a href="/staff/announcements">{t('officeAnnouncements.back')}</a>
      </p>
      <h1>{t('officeAnnouncements.editTitle')}</h1>
      <ErrorSummary t={t} errors={errors} labels={labelsOf(t)} />
      {preview ? (
        <>
          <Preview ctx={ctx} preview={preview} />
          <PublishPreviewed ctx={ctx} action={`/staff/announcements/${id}`} schools={schools} values={values} publishLabel={t('officeAnnouncements.publish')} />
        </>
      ) : (
        <AnnouncementForm ctx={ctx} action={`/staff/announcements/${id}`} schools={schools} district={district} values={values} errors={errors} />
      )}
    </Layout>
  );
}

export interface EndAnnouncementProps {
  ctx: PageContext;
  id: number;
  schools: School[];
  announcement: { target: string; titleEn: string; titleEs: string; start: string; end: string };
}

/** "End now", asked once more: ending takes the announcement off every page at once. */
export function EndAnnouncementPage({ ctx, id, schools, announcement: a }: EndAnnouncementProps) {
  const { t, locale } = ctx;
  return (
    <ConfirmPage
      ctx={ctx}
      title={t('officeAnnouncements.endTitle')}
      list={{ href: '/staff/announcements', label: t('officeAnnouncements.back') }}
      facts={[
        [t('officeAnnouncements.colTitle'), locale === 'es' ? a.titleEs : a.titleEn],
        [t('officeAnnouncements.colWhere'), targetName(t, schools, a.target)],
        [t('officeAnnouncements.colDates'), `${formatDay(a.start, locale, true)} – ${formatDay(a.end, locale, true)}`],
      ]}
      warning={t('officeAnnouncements.endWarning')}
      action={`/staff/announcements/${id}/end`}
      confirm={t('officeAnnouncements.endConfirm')}
      cancel={t('officeAnnouncements.endCancel')}
    />
  );
}
