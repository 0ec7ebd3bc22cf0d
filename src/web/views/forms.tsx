/** Form parts in the GOV.UK / USWDS pattern: an error summary at the top, a message at each field. */
import type { ComponentChildren } from 'preact';
import type { FieldErrors } from '../../domain/forms.js';
import type { MessageKey, Params, Translate } from '../../i18n/index.js';

export function Csrf({ token }: { token: string }) {
  return <input type="hidden" name="_csrf" value={token} />;
}

export interface FieldMessage {
  key: MessageKey;
  params?: Params;
}

/** Field errors from parsing, plus messages that need values (e.g. a minimum length). */
export type Messages = Record<string, FieldMessage>;

export function fromFieldErrors(errors: FieldErrors, params: Record<string, Params> = {}): Messages {
  return Object.fromEntries(Object.entries(errors).map(([field, key]) => [field, { key, params: params[key] }]));
}

export function ErrorSummary({ t, errors, labels }: { t: Translate; errors: Messages; labels: Record<string, string> }) {
  const fields = Object.keys(errors);
  if (fields.length === 0) return null;
  return (
    // Focused when the page opens (no script needed): after a refused form, a keyboard or screen-reader
    // user starts at the list of what to fix, each item a link to its field.
    <div class="usa-alert usa-alert--error" role="alert" aria-labelledby="error-summary-heading" tabIndex={-1} autofocus>
      <div class="usa-alert__body">
        <h2 class="usa-alert__heading" id="error-summary-heading">
          {t('form.errorSummary')}
        </h2>
        <ul class="usa-list hr-error-list">
          {fields.map((field) => {
            const m = errors[field] as FieldMessage;
            const text = t(m.key, m.params);
            return (
              <li key={field}>
                {labels[field] ? <a href={`#${field}`}>{`${labels[field]}: ${text}`}</a> : text}
              </li>
            );
          })}
        </ul>
      </div>
    </div>
  );
}

export function Field({
  t,
  id,
  label,
  hint,
  error,
  children,
}: {
  t: Translate;
  id: string;
  label: string;
  hint?: string;
  error?: FieldMessage;
  children: ComponentChildren;
}) {
  return (
    <div class={`usa-form-group${error ? ' usa-form-group--error' : ''}`}>
      <label class={`usa-label${error ? ' usa-label--error' : ''}`} for={id}>
        {label}
      </label>
      {hint ? (
        <div class="usa-hint" id={`${id}-hint`}>
          {hint}
        </div>
      ) : null}
      {error ? (
        <span class="usa-error-message" id={`${id}-error`} role="alert">
          {t(error.key, error.params)}
        </span>
      ) : null}
      {children}
    </div>
  );
}

/** aria-describedby for an input: its hint and its error, when there are. */
export function describedBy(id: string, hint: boolean, error: boolean): string | undefined {
  const ids = [hint ? `${id}-hint` : null, error ? `${id}-error` : null].filter(Boolean);
  return ids.length > 0 ? ids.join(' ') : undefined;
}

export function Alert({ type, text, id }: { type: 'success' | 'info' | 'warning' | 'error'; text?: string | undefined; id?: string | undefined }) {
  if (!text) return null;
  return (
    <div class={`usa-alert usa-alert--${type} usa-alert--slim`} role={type === 'error' ? 'alert' : 'status'} id={id}>
      <div class="usa-alert__body">
        <p class="usa-alert__text">{text}</p>
      </div>
    </div>
  );
}

/** A text, email or password input wired to its hint and error; passwords are never echoed back. */
export function TextInput({
  id,
  type = 'text',
  autocomplete,
  error,
  hint,
  value,
  small,
  required = true,
  autocapitalize = 'none',
  ...rest
}: {
  id: string;
  type?: string;
  autocomplete: string;
  error: boolean;
  hint?: boolean;
  value?: string | undefined;
  small?: boolean;
  required?: boolean;
  autocapitalize?: 'none' | 'words';
  inputmode?: string;
  pattern?: string;
  maxLength?: number;
  minLength?: number;
}) {
  return (
    <input
      class={`usa-input${small ? ' usa-input--small' : ''}${error ? ' usa-input--error' : ''}`}
      id={id}
      name={id}
      type={type}
      autocomplete={autocomplete}
      autocapitalize={autocapitalize}
      spellcheck={false}
      required={required}
      maxLength={type === 'password' ? 1024 : 254}
      value={type === 'password' ? undefined : value}
      aria-describedby={describedBy(id, Boolean(hint), error)}
      aria-invalid={error ? 'true' : undefined}
      {...rest}
    />
  );
}

/** "New password" and "Type the new password again", with the district's minimum in the hint. */
export function NewPasswordFields({ t, minLength, errors }: { t: Translate; minLength: number; errors: Messages }) {
  return (
    <>
      <Field t={t} id="password" label={t('password.new')} hint={t('password.newHint', { min: minLength })} error={errors.password}>
        <TextInput id="password" type="password" autocomplete="new-password" error={Boolean(errors.password)} hint />
      </Field>
      <Field t={t} id="confirm" label={t('password.confirm')} error={errors.confirm}>
        <TextInput id="confirm" type="password" autocomplete="new-password" error={Boolean(errors.confirm)} />
      </Field>
    </>
  );
}

/** A wide table's box that scrolls sideways on a phone, reachable and scrollable by keyboard. */
export function TableScroll({ label, children }: { label: string; children: ComponentChildren }) {
  return (
    <div class="hr-table-scroll" tabindex={0} role="region" aria-label={label}>
      {children}
    </div>
  );
}

/** Previous/next links between pages of a list (USWDS pagination), with an optional "page N of M" between them. */
export function Pager({ label, previous, next, position }: { label: string; previous: { href: string; text: string } | null; next: { href: string; text: string } | null; position?: string }) {
  if (!previous && !next) return null;
  const item = (link: { href: string; text: string } | null) =>
    link ? (
      <li class="usa-pagination__item">
        <a class="usa-pagination__link" href={link.href}>
          {link.text}
        </a>
      </li>
    ) : null;
  return (
    <nav aria-label={label} class="usa-pagination">
      <ul class="usa-pagination__list">
        {item(previous)}
        {position ? <li class="usa-pagination__item">{position}</li> : null}
        {item(next)}
      </ul>
    </nav>
  );
}
