/** The district's settings area: an index of the groups and one small page per group, each one form. */
import type { ComponentChildren } from 'preact';
import {
  EMPTY_LINK_ROWS,
  IDENTITY_FIELDS,
  RESOURCE_AUDIENCES,
  RESOURCE_SECTIONS,
  RESOURCE_TEXT_MAX,
  SETTING_FIELDS,
  SETTINGS_GROUPS,
  TEXT_FIELDS,
  linkField,
  linkRows,
  MAX_LINKS,
  type SettingField,
  type SettingProblems,
  type SettingsGroup,
} from '../../domain/district/admin-settings.js';
import { TOOL_SETTINGS } from '../../domain/portal/tools.js';
import { translate, type Locale, type MessageKey, type Translate } from '../../i18n/index.js';
import type { PageContext } from './context.js';
import { Alert, Csrf, describedBy, ErrorSummary, Field, type Messages } from './forms.js';
import { Layout } from './layout.js';
import { HelpText, ResourceSections, type ResourceTexts } from './pages.js';

const GROUP_TITLE: Record<SettingsGroup, MessageKey> = {
  'sign-in': 'settings.group.signIn',
  tools: 'settings.group.tools',
  families: 'settings.group.families',
  identity: 'settings.group.identity',
  texts: 'settings.group.texts',
  resources: 'settings.group.resources',
  schedule: 'settings.group.schedule',
};
const GROUP_INTRO: Record<SettingsGroup, MessageKey> = {
  'sign-in': 'settings.group.signIn.intro',
  tools: 'settings.group.tools.intro',
  families: 'settings.group.families.intro',
  identity: 'settings.group.identity.intro',
  texts: 'settings.group.texts.intro',
  resources: 'settings.group.resources.intro',
  schedule: 'settings.group.schedule.intro',
};

/** The words for the choices of the settings that have them. */
const CHOICES: Record<string, Record<string, MessageKey>> = {
  initialStudentPassword: { 'initials-dob': 'settings.choice.initialsDob', random: 'settings.choice.random', none: 'settings.choice.none' },
  gradebookSource: { homeroom: 'settings.choice.homeroom', sis: 'settings.choice.sis' },
  secondFactorRoles: {
    teacher: 'staffAccounts.role.teacher',
    office: 'staffAccounts.role.office',
    counselor: 'staffAccounts.role.counselor',
    nurse: 'staffAccounts.role.nurse',
    school_admin: 'staffAccounts.role.school_admin',
    district_admin: 'staffAccounts.role.district_admin',
  },
};

const TOOL_LABEL: Record<(typeof TOOL_SETTINGS)[number], MessageKey> = {
  today: 'portal.today',
  calendar: 'portal.calendar',
  schedule: 'portal.schedule',
  assignments: 'portal.assignments',
  grades: 'portal.grades',
  attendance: 'portal.attendance',
  reportCards: 'portal.reportCards',
  transcript: 'portal.transcript',
  immunizations: 'portal.immunizations',
  documents: 'portal.documents',
  forms: 'forms.title',
  messages: 'settings.tool.messages',
  discussions: 'settings.tool.discussions',
  todo: 'settings.tool.todo',
  payments: 'settings.tool.payments',
};
const NOT_BUILT = new Set<string>([]);

const TEXT_LABEL: Record<(typeof TEXT_FIELDS)[number]['name'], { label: MessageKey; explain: MessageKey }> = {
  signInHelp: { label: 'settings.signInHelp', explain: 'settings.signInHelp.explain' },
  welcomeClosing: { label: 'settings.welcomeClosing', explain: 'settings.welcomeClosing.explain' },
};
const SECTION_LABEL: Record<(typeof RESOURCE_AUDIENCES)[number], Record<(typeof RESOURCE_SECTIONS)[number], MessageKey>> = {
  parents: { gettingStarted: 'settings.resources.parents.gettingStarted', faq: 'settings.resources.parents.faq' },
  students: { gettingStarted: 'settings.resources.students.gettingStarted', faq: 'settings.resources.students.faq' },
};
const LANGUAGE: Record<Locale, MessageKey> = { en: 'settings.inEnglish', es: 'settings.inSpanish' };

function toMessages(problems: SettingProblems): Messages {
  return Object.fromEntries(Object.entries(problems).map(([field, p]) => [field, { key: p.key, ...(p.params ? { params: p.params } : {}) }]));
}

export function SettingsLayout({ ctx, title, current, children }: { ctx: PageContext; title: string; current: SettingsGroup | 'spanish-names' | null; children: ComponentChildren }) {
  const { t } = ctx;
  return (
    <Layout ctx={ctx} title={title}>
      <nav class="hr-settings-nav" aria-label={t('settings.title')}>
        <ul class="usa-list usa-list--unstyled hr-settings-nav__list">
          <li>
            <a href="/admin/settings" aria-current={current === null ? 'page' : undefined}>
              {t('settings.title')}
            </a>
          </li>
          {SETTINGS_GROUPS.map((g) => (
            <li key={g}>
              <a href={`/admin/settings/${g}`} aria-current={current === g ? 'page' : undefined}>
                {t(GROUP_TITLE[g])}
              </a>
            </li>
          ))}
          <li>
            <a href="/admin/bell-schedules">{t('settings.bells')}</a>
          </li>
          <li>
            <a href="/admin/spanish-names" aria-current={current === 'spanish-names' ? 'page' : undefined}>
              {t('spanishNames.title')}
            </a>
          </li>
        </ul>
      </nav>
      {children}
    </Layout>
  );
}

export function SettingsIndexPage({ ctx }: { ctx: PageContext }) {
  const { t } = ctx;
  return (
    <SettingsLayout ctx={ctx} title={t('settings.title')} current={null}>
      <h1>{t('settings.title')}</h1>
      <p>{t('settings.intro')}</p>
      <ul class="usa-list usa-list--unstyled">
        {SETTINGS_GROUPS.map((g) => (
          <li key={g} class="hr-panel">
            <h2>
              <a href={`/admin/settings/${g}`}>{t(GROUP_TITLE[g])}</a>
            </h2>
            <p>{t(GROUP_INTRO[g])}</p>
          </li>
        ))}
        <li class="hr-panel">
          <h2>
            <a href="/admin/bell-schedules">{t('settings.bells')}</a>
          </h2>
          <p>{t('settings.bells.intro')}</p>
        </li>
        <li class="hr-panel">
          <h2>
            <a href="/admin/spanish-names">{t('spanishNames.title')}</a>
          </h2>
          <p>{t('spanishNames.indexIntro')}</p>
        </li>
      </ul>
    </SettingsLayout>
  );
}

export interface SettingsPageProps {
  ctx: PageContext;
  group: SettingsGroup;
  /** what the form shows: the saved values, or what was typed */
  values: Record<string, string>;
  /** the saved values (each field says "now: …") */
  saved: Record<string, string>;
  /** each field's default, as the form writes it; absent where there is none */
  defaults: Record<string, string>;
  problems?: SettingProblems;
  notice?: string | undefined;
  /** a preview of what families would see with these values, not saved */
  preview?: ComponentChildren;
}

export function SettingsGroupPage({ ctx, group, values, saved, defaults, problems = {}, notice, preview }: SettingsPageProps) {
  const { t } = ctx;
  const errors = toMessages(problems);
  const labels = fieldLabels(t, group);
  const previewable = group === 'identity' || group === 'texts' || group === 'resources';
  return (
    <SettingsLayout ctx={ctx} title={t(GROUP_TITLE[group])} current={group}>
      <h1>{t(GROUP_TITLE[group])}</h1>
      <p>{t(GROUP_INTRO[group])}</p>
      <Alert type="success" text={notice} />
      <ErrorSummary t={t} errors={errors} labels={labels} />
      {preview}
      <form class="usa-form usa-form--large hr-settings-form" method="post" action={`/admin/settings/${group}`} novalidate>
        <Csrf token={ctx.csrf} />
        {group === 'sign-in' || group === 'families' || group === 'schedule'
          ? SETTING_FIELDS[group].map((f) => <SettingInput key={f.name} t={t} field={f} value={values[f.name] ?? ''} saved={saved[f.name]} fallback={defaults[f.name]} error={errors[f.name]} />)
          : null}
        {group === 'identity'
          ? IDENTITY_FIELDS.map((f) => <SettingInput key={f.name} t={t} field={f} value={values[f.name] ?? ''} saved={saved[f.name]} fallback={defaults[f.name]} error={errors[f.name]} />)
          : null}
        {group === 'tools' ? <ToolsInputs t={t} values={values} saved={saved} errors={errors} /> : null}
        {group === 'texts' ? <TextsInputs t={t} values={values} errors={errors} /> : null}
        {group === 'resources' ? <ResourcesInputs t={t} values={values} errors={errors} /> : null}
        <div class="hr-settings-actions">
          <button class="usa-button hr-primary" type="submit" name="action" value="save">
            {t('settings.save')}
          </button>
          {previewable ? (
            <button class="usa-button usa-button--outline" type="submit" name="action" value="preview">
              {t('settings.preview')}
            </button>
          ) : null}
        </div>
      </form>
    </SettingsLayout>
  );
}

/** Each field's name as the error summary says it. */
function fieldLabels(t: Translate, group: SettingsGroup): Record<string, string> {
  const out: Record<string, string> = {};
  if (group === 'sign-in' || group === 'families' || group === 'schedule') for (const f of SETTING_FIELDS[group]) out[f.name] = t(f.label);
  if (group === 'identity') for (const f of IDENTITY_FIELDS) out[f.name] = t(f.label);
  if (group === 'tools') for (const key of TOOL_SETTINGS) out[key] = t(TOOL_LABEL[key]);
  if (group === 'texts') for (const { name } of TEXT_FIELDS) for (const l of ['en', 'es'] as const) out[`${name}-${l}`] = `${t(TEXT_LABEL[name].label)} (${t(LANGUAGE[l])})`;
  if (group === 'resources') {
    for (let i = 0; i < MAX_LINKS + EMPTY_LINK_ROWS; i++) {
      const n = i + 1;
      out[linkField(i, 'audience')] = t('settings.link.audienceOf', { n });
      out[linkField(i, 'en')] = t('settings.link.labelOf', { n, language: t('settings.inEnglish') });
      out[linkField(i, 'es')] = t('settings.link.labelOf', { n, language: t('settings.inSpanish') });
      out[linkField(i, 'url')] = t('settings.link.urlOf', { n });
    }
    for (const a of RESOURCE_AUDIENCES) for (const s of RESOURCE_SECTIONS) for (const l of ['en', 'es'] as const) out[`${a}-${s}-${l}`] = `${t(SECTION_LABEL[a][s])} (${t(LANGUAGE[l])})`;
  }
  return out;
}

function shown(t: Translate, field: SettingField, value: string): string {
  if (field.kind.type === 'roles') return value ? value.split(',').map((r) => t(CHOICES[field.name]![r]!)).join(', ') : t('twoFactor.setting.none');
  const choice = CHOICES[field.name]?.[value];
  if (choice) return t(choice);
  if (field.kind.type === 'yesNo') return t(value === 'yes' ? 'settings.yes' : 'settings.no');
  if (field.kind.type === 'networks') return value ? value.split('\n').join(', ') : t('settings.noNetworks');
  return value;
}

/** One setting: its name, what it does, what it is now and by default, and its input. */
function SettingInput({ t, field, value, saved, fallback, error }: { t: Translate; field: SettingField; value: string; saved: string | undefined; fallback: string | undefined; error: Messages[string] | undefined }) {
  const id = field.name;
  const facts = [saved !== undefined ? t('settings.now', { value: shown(t, field, saved) }) : null, fallback !== undefined ? t('settings.default', { value: shown(t, field, fallback) }) : null].filter(Boolean).join(' ');
  const hint = `${t(field.explain)} ${facts}`.trim();
  const kind = field.kind;
  const invalid = Boolean(error);
  if (kind.type === 'roles' || kind.type === 'yesNo' || (kind.type === 'choice' && kind.choices.length <= 3)) {
    // Several roles ticked, or one choice among a few: a group of checkboxes or of radio buttons.
    const many = kind.type === 'roles';
    const ticked = many ? value.split(',') : [value];
    const choices =
      kind.type === 'yesNo' ? [['yes', t('settings.yes')] as const, ['no', t('settings.no')] as const] : kind.choices.map((c) => [c, t(CHOICES[field.name]![c]!)] as const);
    const box = many ? 'usa-checkbox' : 'usa-radio';
    return (
      <fieldset class={`usa-fieldset usa-form-group${invalid ? ' usa-form-group--error' : ''}`} aria-describedby={describedBy(id, true, invalid)}>
        <legend class="usa-legend">{t(field.label)}</legend>
        <div class="usa-hint" id={`${id}-hint`}>
          {hint}
        </div>
        {error ? (
          <span class="usa-error-message" id={`${id}-error`} role="alert">
            {t(error.key, error.params)}
          </span>
        ) : null}
        {choices.map(([v, label], i) => (
          <div class={box} key={v}>
            <input class={`${box}__input`} type={many ? 'checkbox' : 'radio'} id={i === 0 ? id : `${id}-${v}`} name={id} value={v} checked={ticked.includes(v)} />
            <label class={`${box}__label`} for={i === 0 ? id : `${id}-${v}`}>
              {label}
            </label>
          </div>
        ))}
      </fieldset>
    );
  }
  const common = {
    id,
    name: id,
    'aria-describedby': describedBy(id, true, invalid),
    'aria-invalid': invalid ? ('true' as const) : undefined,
  };
  const inputClass = `usa-input${invalid ? ' usa-input--error' : ''}`;
  return (
    <Field t={t} id={id} label={t(field.label)} hint={hint} error={error}>
      {kind.type === 'networks' ? (
        <textarea class={`usa-textarea${invalid ? ' usa-input--error' : ''}`} rows={4} spellcheck={false} autocapitalize="none" {...common}>
          {value}
        </textarea>
      ) : kind.type === 'int' || kind.type === 'decimal' ? (
        <input class={`${inputClass} usa-input--small`} type="text" inputmode={kind.type === 'int' ? 'numeric' : 'decimal'} autocomplete="off" value={value} {...common} />
      ) : kind.type === 'time' ? (
        <input class={`${inputClass} usa-input--small`} type="text" inputmode="numeric" autocomplete="off" value={value} {...common} />
      ) : kind.type === 'email' ? (
        <input class={inputClass} type="email" autocomplete="email" spellcheck={false} autocapitalize="none" value={value} {...common} />
      ) : kind.type === 'colour' ? (
        <input class={`${inputClass} usa-input--medium`} type="text" autocomplete="off" spellcheck={false} autocapitalize="none" value={value} {...common} />
      ) : (
        <input class={inputClass} type="text" autocomplete="off" spellcheck={false} value={value} {...common} />
      )}
    </Field>
  );
}

function ToolsInputs({ t, values, saved, errors }: { t: Translate; values: Record<string, string>; saved: Record<string, string>; errors: Messages }) {
  const first = TOOL_SETTINGS[0]!;
  const error = errors[first];
  return (
    <fieldset class={`usa-fieldset usa-form-group${error ? ' usa-form-group--error' : ''}`} aria-describedby={describedBy(first, true, Boolean(error))}>
      <legend class="usa-legend">{t('settings.tools.legend')}</legend>
      <div class="usa-hint" id={`${first}-hint`}>
        {t('settings.tools.hint')}
      </div>
      {error ? (
        <span class="usa-error-message" id={`${first}-error`} role="alert">
          {t(error.key, error.params)}
        </span>
      ) : null}
      {TOOL_SETTINGS.map((key) => (
        <div class="usa-checkbox" key={key}>
          <input class="usa-checkbox__input" type="checkbox" id={key} name={key} value="on" checked={values[key] === 'on'} aria-describedby={`${key}-about`} />
          <label class="usa-checkbox__label" for={key}>
            {t(TOOL_LABEL[key])}
          </label>
          <div class="usa-checkbox__label-description usa-hint" id={`${key}-about`}>
            {[t(saved[key] === 'on' ? 'settings.tools.shownNow' : 'settings.tools.hiddenNow'), t('settings.tools.defaultShown'), NOT_BUILT.has(key) ? t('settings.tools.notBuilt') : ''].join(' ').trim()}
          </div>
        </div>
      ))}
    </fieldset>
  );
}

/** An English and a Spanish text area side by side (stacked on a phone). */
function Bilingual({ t, name, label, explain, max, values, errors, rows = 6 }: { t: Translate; name: string; label: string; explain: string; max: number; values: Record<string, string>; errors: Messages; rows?: number }) {
  return (
    <fieldset class="usa-fieldset hr-bilingual">
      <legend class="usa-legend usa-legend--large">{label}</legend>
      <p class="usa-hint">{explain}</p>
      <div class="grid-row grid-gap">
        {(['en', 'es'] as const).map((l) => {
          const id = `${name}-${l}`;
          return (
            <div class="tablet:grid-col-6" key={l}>
              <Field t={t} id={id} label={t(LANGUAGE[l])} hint={t('settings.textHint', { max })} error={errors[id]}>
                <textarea class={`usa-textarea${errors[id] ? ' usa-input--error' : ''}`} id={id} name={id} lang={l} rows={rows} aria-describedby={describedBy(id, true, Boolean(errors[id]))} aria-invalid={errors[id] ? 'true' : undefined}>
                  {values[id] ?? ''}
                </textarea>
              </Field>
            </div>
          );
        })}
      </div>
    </fieldset>
  );
}

function TextsInputs({ t, values, errors }: { t: Translate; values: Record<string, string>; errors: Messages }) {
  return (
    <>
      {TEXT_FIELDS.map(({ name, max }) => (
        <Bilingual key={name} t={t} name={name} label={t(TEXT_LABEL[name].label)} explain={t(TEXT_LABEL[name].explain)} max={max} values={values} errors={errors} />
      ))}
    </>
  );
}

function ResourcesInputs({ t, values, errors }: { t: Translate; values: Record<string, string>; errors: Messages }) {
  const rows = linkRows(values);
  return (
    <>
      <h2>{t('settings.links.heading')}</h2>
      <p class="usa-hint">{t('settings.links.explain', { empty: EMPTY_LINK_ROWS })}</p>
      {Array.from({ length: rows }, (_, i) => {
        const f = (part: 'audience' | 'en' | 'es' | 'url') => linkField(i, part);
        const input = (part: 'en' | 'es' | 'url', label: string, lang?: Locale) => (
          <Field t={t} id={f(part)} label={label} error={errors[f(part)]}>
            <input
              class={`usa-input${errors[f(part)] ? ' usa-input--error' : ''}`}
              type="text"
              id={f(part)}
              name={f(part)}
              lang={lang}
              autocomplete="off"
              value={values[f(part)] ?? ''}
              aria-describedby={describedBy(f(part), false, Boolean(errors[f(part)]))}
              aria-invalid={errors[f(part)] ? 'true' : undefined}
            />
          </Field>
        );
        return (
          <fieldset class="usa-fieldset hr-link-row" key={i}>
            <legend class="usa-legend">{t('settings.link.legend', { n: i + 1 })}</legend>
            <Field t={t} id={f('audience')} label={t('settings.link.audience')} error={errors[f('audience')]}>
              <select class="usa-select" id={f('audience')} name={f('audience')} aria-describedby={describedBy(f('audience'), false, Boolean(errors[f('audience')]))}>
                <option value="parent" selected={values[f('audience')] !== 'student'}>
                  {t('settings.link.parent')}
                </option>
                <option value="student" selected={values[f('audience')] === 'student'}>
                  {t('settings.link.student')}
                </option>
              </select>
            </Field>
            <div class="grid-row grid-gap">
              <div class="tablet:grid-col-6">{input('en', t('settings.link.label', { language: t('settings.inEnglish') }), 'en')}</div>
              <div class="tablet:grid-col-6">{input('es', t('settings.link.label', { language: t('settings.inSpanish') }), 'es')}</div>
            </div>
            {input('url', t('settings.link.url'))}
          </fieldset>
        );
      })}
      <h2>{t('settings.pages.heading')}</h2>
      <p class="usa-hint">{t('settings.pages.explain')}</p>
      {RESOURCE_AUDIENCES.map((a) =>
        RESOURCE_SECTIONS.map((s) => (
          <Bilingual key={`${a}-${s}`} t={t} name={`${a}-${s}`} label={t(SECTION_LABEL[a][s])} explain={t(s === 'faq' ? 'settings.pages.faqHint' : 'settings.pages.gettingStartedHint')} max={RESOURCE_TEXT_MAX} values={values} errors={errors} rows={8} />
        )),
      )}
    </>
  );
}

/** The preview of new theme colours: the header and buttons as families would see them, with the contrast of each. */
export function ThemePreview({ ctx, colours, ratios, portalName, districtName }: { ctx: PageContext; colours: { primary: string; secondary: string }; ratios: { primary: string; secondary: string }; portalName: string; districtName: string }) {
  const { t } = ctx;
  const query = new URLSearchParams(colours).toString();
  return (
    <section class="hr-preview" aria-labelledby="preview-heading">
      <link rel="stylesheet" href={`/admin/settings/identity/preview.css?${query}`} />
      <h2 id="preview-heading">{t('settings.previewHeading')}</h2>
      <p>{t('settings.previewNotSaved')}</p>
      <ul class="usa-list">
        <li>{t('settings.contrastPrimary', { value: colours.primary, ratio: ratios.primary })}</li>
        <li>{t('settings.contrastSecondary', { value: colours.secondary, ratio: ratios.secondary })}</li>
      </ul>
      <div class="hr-masthead hr-preview__masthead">
        <p class="hr-masthead__title">
          {portalName}
          <small>{districtName}</small>
        </p>
      </div>
      <div class="hr-preview__body">
        <p>
          <span class="usa-button hr-primary">{t('signIn.submit')}</span>
        </p>
        <div class="hr-panel">
          <p>{t('settings.previewPanel')}</p>
        </div>
      </div>
    </section>
  );
}

/** The preview of the texts: the sign-in page's help, its Portal Resources and the Resources pages, in both languages. */
export function TextsPreview({
  ctx,
  help,
  closing,
  links,
  pages,
}: {
  ctx: PageContext;
  help?: { en: string; es: string };
  closing?: { en: string; es: string };
  links?: { audience: string; label: { en: string; es: string }; url: string }[];
  pages?: Record<Locale, Record<'parents' | 'students', ResourceTexts>>;
}) {
  const { t } = ctx;
  return (
    <section class="hr-preview" aria-labelledby="preview-heading">
      <h2 id="preview-heading">{t('settings.previewHeading')}</h2>
      <p>{t('settings.previewNotSaved')}</p>
      <div class="grid-row grid-gap">
        {(['en', 'es'] as const).map((l) => (
          <div class="tablet:grid-col-6 hr-panel" key={l} lang={l}>
            <h3 lang={ctx.locale}>{t(LANGUAGE[l])}</h3>
            {help ? (
              <>
                <h4 lang={ctx.locale}>{t('settings.previewHelp')}</h4>
                <HelpText text={help[l]} />
              </>
            ) : null}
            {closing ? (
              <>
                <h4 lang={ctx.locale}>{t('settings.previewClosing')}</h4>
                <HelpText text={closing[l]} />
              </>
            ) : null}
            {links ? (
              <>
                <h4 lang={ctx.locale}>{t('settings.previewLinks')}</h4>
                <ul class="usa-list">
                  {links.map((r, i) => (
                    <li key={i}>
                      {r.label[l]} <code>{r.url}</code>
                    </li>
                  ))}
                </ul>
              </>
            ) : null}
            {pages
              ? (['parents', 'students'] as const).map((a) => (
                  <div key={a}>
                    <h4>{translate(l, a === 'parents' ? 'help.parents.title' : 'help.students.title')}</h4>
                    <ResourceSections texts={pages[l][a]} headingLevel={5} headings={{ gettingStarted: translate(l, 'resources.gettingStarted'), faq: translate(l, 'resources.faq') }} />
                  </div>
                ))
              : null}
          </div>
        ))}
      </div>
    </section>
  );
}
