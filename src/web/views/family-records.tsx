/** A district administrator asks for a family's records (ADR 0037): the language and the reason. */
import type { PageContext } from './context.js';
import { Csrf, describedBy, ErrorSummary, Field, type Messages } from './forms.js';
import { Layout } from './layout.js';

export function FamilyRecordsPage({
  ctx,
  student,
  values,
  errors = {},
}: {
  ctx: PageContext;
  student: { id: number; name: string; studentNumber: string };
  values: { locale: string; reason: string };
  errors?: Messages;
}) {
  const { t } = ctx;
  const labels = { locale: t('records.language'), reason: t('records.reason') };
  const title = t('records.title', { name: student.name });
  return (
    <Layout ctx={ctx} title={title}>
      <p>
        <a href={`/staff/students/${student.id}`}>{t('records.back', { name: student.name })}</a>
      </p>
      <div class="hr-narrow">
        <h1>{title}</h1>
        <p>{t('records.intro', { number: student.studentNumber })}</p>
        <ErrorSummary t={t} errors={errors} labels={labels} />
        <form class="usa-form" method="post" action={`/staff/students/${student.id}/records`} novalidate>
          <Csrf token={ctx.csrf} />
          <fieldset class={`usa-fieldset usa-form-group${errors.locale ? ' usa-form-group--error' : ''}`} aria-describedby={describedBy('locale', true, Boolean(errors.locale))}>
            <legend class="usa-legend">{labels.locale}</legend>
            <div class="usa-hint" id="locale-hint">
              {t('records.languageHint')}
            </div>
            {errors.locale ? (
              <span class="usa-error-message" id="locale-error" role="alert">
                {t(errors.locale.key, errors.locale.params)}
              </span>
            ) : null}
            {(['en', 'es'] as const).map((l, i) => (
              <div class="usa-radio" key={l}>
                <input class="usa-radio__input" type="radio" id={i === 0 ? 'locale' : `locale-${l}`} name="locale" value={l} checked={values.locale === l} />
                <label class="usa-radio__label" for={i === 0 ? 'locale' : `locale-${l}`}>
                  {t(l === 'en' ? 'records.english' : 'records.spanish')}
                </label>
              </div>
            ))}
          </fieldset>
          <Field t={t} id="reason" label={labels.reason} hint={t('records.reasonHint')} error={errors.reason}>
            <textarea
              class={`usa-textarea${errors.reason ? ' usa-input--error' : ''}`}
              id="reason"
              name="reason"
              rows={3}
              maxLength={500}
              required
              aria-describedby={describedBy('reason', true, Boolean(errors.reason))}
              aria-invalid={errors.reason ? 'true' : undefined}
            >
              {values.reason}
            </textarea>
          </Field>
          <button class="usa-button hr-primary" type="submit">
            {t('records.submit')}
          </button>
        </form>
      </div>
    </Layout>
  );
}
