/** District administrators: the Spanish names of the district's terms, attendance codes and vaccines (one form each). */
import { NAME_KINDS, nameField, SPANISH_NAME_MAX, type NameKind, type NameLine } from '../../domain/district/spanish-names.js';
import type { SessionType } from '../../db/schema.js';
import type { MessageKey } from '../../i18n/index.js';
import type { PageContext } from './context.js';
import { formatDay } from './format.js';
import { Alert, Csrf, describedBy, ErrorSummary, type Messages } from './forms.js';
import { SettingsLayout } from './settings.js';

const KIND_TITLE: Record<NameKind, MessageKey> = {
  sessions: 'spanishNames.sessions',
  codes: 'spanishNames.codes',
  vaccines: 'spanishNames.vaccines',
};
const KIND_INTRO: Record<NameKind, MessageKey> = {
  sessions: 'spanishNames.sessions.intro',
  codes: 'spanishNames.codes.intro',
  vaccines: 'spanishNames.vaccines.intro',
};
const SESSION_TYPE: Record<SessionType, MessageKey> = {
  schoolYear: 'spanishNames.type.schoolYear',
  semester: 'spanishNames.type.semester',
  term: 'spanishNames.type.term',
  gradingPeriod: 'spanishNames.type.gradingPeriod',
};

export interface SpanishNamesProps {
  ctx: PageContext;
  lines: Record<NameKind, NameLine[]>;
  /** the kind whose form came back refused, with what was typed in it */
  refused?: { kind: NameKind; typed: Record<string, string>; errors: Messages } | undefined;
  notice?: string | undefined;
  /** the form was not one of this page's */
  problem?: boolean;
}

export function SpanishNamesPage({ ctx, lines, refused, notice, problem = false }: SpanishNamesProps) {
  const { t } = ctx;
  const labels = refused ? Object.fromEntries(lines[refused.kind].map((l) => [`${refused.kind}-${l.id}`, l.base])) : {};
  const summary = refused ? Object.fromEntries(Object.entries(refused.errors).map(([field, m]) => [`${refused.kind}-${field.slice(3)}`, m])) : {};
  return (
    <SettingsLayout ctx={ctx} title={t('spanishNames.title')} current="spanish-names">
      <h1>{t('spanishNames.title')}</h1>
      <Alert type="success" text={notice} />
      <Alert type="error" text={problem ? t('spanishNames.unknownForm') : undefined} />
      <ErrorSummary t={t} errors={summary} labels={labels} />
      <p>{t('spanishNames.intro')}</p>
      {NAME_KINDS.map((kind) => (
        <section key={kind} aria-labelledby={`${kind}-heading`}>
          <h2 id={`${kind}-heading`}>{t(KIND_TITLE[kind])}</h2>
          <p>{t(KIND_INTRO[kind])}</p>
          {lines[kind].length === 0 ? (
            <p>{t('spanishNames.none')}</p>
          ) : (
            <form method="post" action="/admin/spanish-names" class="usa-form usa-form--large" novalidate>
              <Csrf token={ctx.csrf} />
              <input type="hidden" name="kind" value={kind} />
              {lines[kind].map((line) => {
                const field = nameField(line.id);
                const id = `${kind}-${line.id}`;
                const error = refused?.kind === kind ? refused.errors[field] : undefined;
                const value = refused?.kind === kind ? (refused.typed[field] ?? '') : (line.es ?? '');
                return (
                  <div key={line.id} class={`usa-form-group${error ? ' usa-form-group--error' : ''}`}>
                    <label class={`usa-label${error ? ' usa-label--error' : ''}`} for={id}>
                      {line.base}
                    </label>
                    <div class="usa-hint" id={`${id}-hint`}>
                      {detailText(ctx, kind, line)}
                    </div>
                    {error ? (
                      <span class="usa-error-message" id={`${id}-error`} role="alert">
                        {t(error.key, error.params)}
                      </span>
                    ) : null}
                    <input
                      class={`usa-input${error ? ' usa-input--error' : ''}`}
                      id={id}
                      name={field}
                      type="text"
                      lang="es"
                      value={value}
                      maxLength={SPANISH_NAME_MAX}
                      autocomplete="off"
                      aria-describedby={describedBy(id, true, Boolean(error))}
                      aria-invalid={error ? 'true' : undefined}
                    />
                  </div>
                );
              })}
              <button class="usa-button hr-primary" type="submit">
                {t('spanishNames.save', { what: t(KIND_TITLE[kind]) })}
              </button>
            </form>
          )}
        </section>
      ))}
    </SettingsLayout>
  );
}

/** What tells a record apart under its name: a session's kind and dates, a code. */
function detailText(ctx: PageContext, kind: NameKind, line: NameLine): string {
  const { t, locale } = ctx;
  if (kind === 'sessions' && line.detail.type && line.detail.start && line.detail.end) {
    return t('spanishNames.sessionHint', {
      type: t(SESSION_TYPE[line.detail.type as SessionType] ?? 'spanishNames.type.term'),
      start: formatDay(line.detail.start, locale),
      end: formatDay(line.detail.end, locale),
    });
  }
  return t(kind === 'codes' ? 'spanishNames.codeHint' : 'spanishNames.vaccineHint', { code: line.detail.code ?? '' });
}
