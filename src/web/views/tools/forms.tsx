/** Forms: what the school asks a family to sign for this child, and the form itself with the E-Signature PIN. */
import { answerText, inLocale, MAX_ANSWER } from '../../../domain/signed-forms/fields.js';
import type { FamilyForm } from '../../../domain/signed-forms/service.js';
import { toolUrl } from '../../../domain/portal/tools.js';
import type { VisibleStudent } from '../../../domain/people/visibility.js';
import { formatInstant } from '../../../email/templates.js';
import type { PageContext } from '../context.js';
import { formatDay } from '../format.js';
import { Alert, Csrf, describedBy, ErrorSummary, type Messages } from '../forms.js';
import { PortalLayout } from './layout.js';

export const formHref = (studentId: number, formId: number) => toolUrl(studentId, 'forms', formId);
export const signedPdfHref = (studentId: number, formId: number) => `${toolUrl(studentId, 'forms', formId)}/signed.pdf`;

export function FormsPage({ ctx, student, forms }: { ctx: PageContext; student: VisibleStudent; forms: FamilyForm[] }) {
  const { t } = ctx;
  const waiting = forms.filter((f) => !f.signature);
  const signed = forms.filter((f) => f.signature);
  const due = (f: FamilyForm) => (f.form.dueDate ? t('forms.dueOn', { date: formatDay(f.form.dueDate, ctx.locale, true) }) : t('forms.noDue'));
  return (
    <PortalLayout ctx={ctx} student={student} tool="forms" title={t('forms.title')}>
      <h2>{t('forms.waiting')}</h2>
      {waiting.length === 0 ? (
        <p>{t('forms.noneWaiting', { name: student.firstName })}</p>
      ) : (
        <ul class="usa-list">
          {waiting.map((f) => (
            <li key={f.form.id}>
              <a href={formHref(student.id, f.form.id)}>{inLocale(f.form.title, ctx.locale)}</a> · {due(f)}
            </li>
          ))}
        </ul>
      )}
      <h2>{t('forms.signedList')}</h2>
      {signed.length === 0 ? (
        <p>{t('forms.noneSigned')}</p>
      ) : (
        <ul class="usa-list">
          {signed.map((f) => (
            <li key={f.form.id}>
              <a href={formHref(student.id, f.form.id)}>{inLocale(f.form.title, ctx.locale)}</a> ·{' '}
              {t('forms.signedBy', { name: f.signature!.signer, when: formatInstant(new Date(f.signature!.signedAt), ctx.locale, ctx.district.timeZone) })}
            </li>
          ))}
        </ul>
      )}
    </PortalLayout>
  );
}

export interface SignValues {
  [field: string]: string | undefined;
}

export function FormPage({
  ctx,
  student,
  found,
  canSign,
  hasPin,
  pinEnabled,
  errors = {},
  values = {},
  notice,
  problem,
}: {
  ctx: PageContext;
  student: VisibleStudent;
  found: FamilyForm;
  /** a guardian (a student reads the form; their guardians sign it) */
  canSign: boolean;
  /** sign with the PIN (the district uses PINs and this account has one) */
  hasPin: boolean;
  /** the district uses PINs: without one, a link to set one */
  pinEnabled: boolean;
  errors?: Messages;
  values?: SignValues;
  notice?: string | undefined;
  problem?: string | undefined;
}) {
  const { t, locale } = ctx;
  const { form, signature } = found;
  const version = signature ? signature.version : form.current;
  const title = inLocale(form.title, locale);
  const labels: Record<string, string> = Object.fromEntries(version.fields.map((f) => [f.key, inLocale(f.label, locale)]));
  labels.pin = t('forms.pin');
  labels.password = t('forms.password');
  const words = { yes: t('forms.yes'), no: t('forms.no'), none: t('forms.noAnswer') };
  return (
    <PortalLayout ctx={ctx} student={student} tool="forms" title={title}>
      <p>
        <a href={toolUrl(student.id, 'forms')}>{t('forms.back')}</a>
      </p>
      <Alert type="success" text={notice} />
      <Alert type="error" text={problem} />
      <ErrorSummary t={t} errors={errors} labels={labels} />
      <p>
        {form.dueDate ? t('forms.dueOn', { date: formatDay(form.dueDate, locale, true) }) : t('forms.noDue')}
      </p>
      <div class="hr-form-text">
        {inLocale(version.body, locale)
          .split(/\n\s*\n/)
          .map((p, i) => (
            <p key={i} class="hr-typed">
              {p.trim()}
            </p>
          ))}
      </div>
      {signature ? (
        <>
          <h2>{t('forms.answers')}</h2>
          {version.fields.length > 0 ? (
            <dl>
              {version.fields.map((f) => (
                <div key={f.key}>
                  <dt class="text-bold">{inLocale(f.label, locale)}</dt>
                  <dd>{answerText(f, signature.answers[f.key], locale, words)}</dd>
                </div>
              ))}
            </dl>
          ) : null}
          <p>{t('forms.signedBy', { name: signature.signer, when: formatInstant(new Date(signature.signedAt), locale, ctx.district.timeZone) })}</p>
          {signature.late ? <p>{t('forms.late')}</p> : null}
          <p>
            <a href={signedPdfHref(student.id, form.id)}>{t('forms.pdfLink', { title })}</a>
          </p>
        </>
      ) : !canSign ? (
        <p>{t('forms.guardiansSign')}</p>
      ) : (
        <form method="post" action={formHref(student.id, form.id)} class="usa-form usa-form--large" novalidate>
          <Csrf token={ctx.csrf} />
          <input type="hidden" name="version" value={String(form.current.version)} />
          {form.current.fields.map((f) => {
            const error = errors[f.key];
            const label = `${inLocale(f.label, locale)}${f.required ? '' : ` ${t('forms.optional')}`}`;
            const errorText = error ? (
              <span class="usa-error-message" id={`${f.key}-error`} role="alert">
                {t(error.key, error.params)}
              </span>
            ) : null;
            if (f.kind === 'checkbox') {
              return (
                <div key={f.key} class={`usa-form-group${error ? ' usa-form-group--error' : ''}`}>
                  {errorText}
                  <div class="usa-checkbox">
                    <input
                      class="usa-checkbox__input"
                      id={f.key}
                      name={f.key}
                      type="checkbox"
                      checked={values[f.key] === 'on'}
                      aria-describedby={describedBy(f.key, false, Boolean(error))}
                      aria-invalid={error ? 'true' : undefined}
                    />
                    <label class="usa-checkbox__label" for={f.key}>
                      {label}
                    </label>
                  </div>
                </div>
              );
            }
            if (f.kind === 'choice') {
              return (
                <fieldset key={f.key} class={`usa-fieldset usa-form-group${error ? ' usa-form-group--error' : ''}`} id={f.key} aria-describedby={describedBy(f.key, false, Boolean(error))}>
                  <legend class="usa-legend">{label}</legend>
                  {errorText}
                  {f.options.map((o, i) => (
                    <div class="usa-radio" key={i}>
                      <input class="usa-radio__input" id={`${f.key}-${i}`} type="radio" name={f.key} value={String(i)} checked={values[f.key] === String(i)} />
                      <label class="usa-radio__label" for={`${f.key}-${i}`}>
                        {inLocale(o, locale)}
                      </label>
                    </div>
                  ))}
                </fieldset>
              );
            }
            return (
              <div key={f.key} class={`usa-form-group${error ? ' usa-form-group--error' : ''}`}>
                <label class={`usa-label${error ? ' usa-label--error' : ''}`} for={f.key}>
                  {label}
                </label>
                {errorText}
                <textarea
                  class={`usa-textarea${error ? ' usa-input--error' : ''}`}
                  id={f.key}
                  name={f.key}
                  rows={3}
                  maxLength={MAX_ANSWER}
                  aria-describedby={describedBy(f.key, false, Boolean(error))}
                  aria-invalid={error ? 'true' : undefined}
                >
                  {values[f.key] ?? ''}
                </textarea>
              </div>
            );
          })}
          <fieldset class="usa-fieldset hr-sign">
            <legend class="usa-legend usa-legend--large">{t('forms.signHeading')}</legend>
            {hasPin ? (
              <SecretField ctx={ctx} id="pin" label={t('forms.pin')} hint={t('forms.pinHint')} errors={errors} numeric />
            ) : (
              <>
                {pinEnabled ? (
                  <p>
                    {t('forms.noPin')} <a href="/account/pin">{t('forms.setPin')}</a>
                  </p>
                ) : null}
                <SecretField ctx={ctx} id="password" label={t('forms.password')} hint={t('forms.passwordHint')} errors={errors} />
              </>
            )}
            <button type="submit" class="usa-button">
              {t('forms.sign')}
            </button>
          </fieldset>
        </form>
      )}
    </PortalLayout>
  );
}

/** The PIN or password box: its form name is always `pin`, its id says which it is. */
function SecretField({ ctx, id, label, hint, errors, numeric = false }: { ctx: PageContext; id: string; label: string; hint: string; errors: Messages; numeric?: boolean }) {
  const error = errors[id];
  return (
    <div class={`usa-form-group${error ? ' usa-form-group--error' : ''}`}>
      <label class={`usa-label${error ? ' usa-label--error' : ''}`} for={id}>
        {label}
      </label>
      <div class="usa-hint" id={`${id}-hint`}>
        {hint}
      </div>
      {error ? (
        <span class="usa-error-message" id={`${id}-error`} role="alert">
          {ctx.t(error.key, error.params)}
        </span>
      ) : null}
      <input
        class={`usa-input${numeric ? ' usa-input--small' : ''}${error ? ' usa-input--error' : ''}`}
        id={id}
        name="pin"
        type="password"
        autocomplete={numeric ? 'off' : 'current-password'}
        inputmode={numeric ? 'numeric' : undefined}
        maxLength={numeric ? 8 : 1024}
        aria-describedby={describedBy(id, true, Boolean(error))}
        aria-invalid={error ? 'true' : undefined}
      />
    </div>
  );
}
