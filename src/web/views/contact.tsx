/** A parent's contact information and change requests, and the office's review of them. */
import type { AnyField, ChangeListItem, ChangeRequestDetail, ContactField, ContactInfo, ContactRequestView, FieldRequest } from '../../domain/requests/contact-changes.js';
import { displayPhone } from '../../domain/people/phones.js';
import { FORM_NAMES, isPhoneField, parseNewContact } from '../../domain/requests/contact-changes.js';
import { labelledRelationship } from '../../domain/requests/schemas.js';
import type { Translate } from '../../i18n/index.js';
import type { PageContext } from './context.js';
import { Alert, Csrf, describedBy, ErrorSummary, Field, TableScroll, TextInput, type Messages } from './forms.js';
import { Layout } from './layout.js';

const GROUPS: { heading: 'changes.yours' | 'changes.household'; fields: ContactField[] }[] = [
  { heading: 'changes.yours', fields: ['guardian.email', 'guardian.phone_mobile', 'guardian.phone_home', 'guardian.phone_work'] },
  {
    heading: 'changes.household',
    fields: ['household.address_line1', 'household.address_line2', 'household.city', 'household.state', 'household.postal_code', 'household.phone'],
  },
];

const AUTOCOMPLETE: Record<ContactField, string> = {
  'guardian.email': 'email',
  'guardian.phone_mobile': 'tel',
  'guardian.phone_home': 'tel',
  'guardian.phone_work': 'tel',
  'household.address_line1': 'address-line1',
  'household.address_line2': 'address-line2',
  'household.city': 'address-level2',
  'household.state': 'address-level1',
  'household.postal_code': 'postal-code',
  'household.phone': 'tel',
};

const fieldLabel = (t: Translate, f: AnyField) => t(`changes.field.${f}`);
const shown = (t: Translate, v: string | null | undefined) => (v ? v : t('changes.empty'));
/** A field's value as people read it: a phone (stored E.164) in the national format. */
const readable = (f: AnyField, v: string | null | undefined) => (v && isPhoneField(f) ? displayPhone(v) : v);

/** A relationship in the reader's language: the catalog's word for the ones families choose, else as recorded. */
export function relationshipText(t: Translate, r: string): string {
  const key = labelledRelationship(r);
  return key ? t(`contacts.rel.${key}`) : r;
}

/** A request field's value as the reader reads it (an addition: the new contact's name, relationship and phones). */
export function valueText(t: Translate, f: AnyField, v: string | null | undefined): string {
  if (!v) return t('changes.empty');
  if (f === 'link.add') {
    const c = parseNewContact(v);
    return c ? [`${c.firstName} ${c.lastName}`, relationshipText(t, c.relationship), ...[c.phoneMobile, c.phoneHome, c.phoneWork].filter((p): p is string => p !== null).map((p) => displayPhone(p))].join(', ') : '';
  }
  if (f === 'link.relationship') return relationshipText(t, v);
  return shown(t, readable(f, v));
}

function FieldStatus({ t, f }: { t: Translate; f: FieldRequest }) {
  return <span class={`usa-tag hr-tag--${f.status === 'approved' ? 'strong' : f.status === 'pending' ? 'partial' : 'weak'}`}>{t(`changes.status.${f.status}`)}</span>;
}

export function RequestTable({ t, request, when }: { t: Translate; request: ContactRequestView; when: (iso: string) => string }) {
  const fields = request.fields.filter((f) => f.status !== 'withdrawn');
  return (
    <TableScroll label={t('changes.sentOn', { when: when(request.submittedAt) })}>
      <table class="usa-table usa-table--borderless">
        <caption>{t('changes.sentOn', { when: when(request.submittedAt) })}</caption>
        <thead>
          <tr>
            <th scope="col">{t('changes.what')}</th>
            <th scope="col">{t('changes.from')}</th>
            <th scope="col">{t('changes.to')}</th>
            <th scope="col">{t('changes.state')}</th>
          </tr>
        </thead>
        <tbody>
          {fields.map((f) => (
            <tr key={f.id}>
              <th scope="row">{fieldLabel(t, f.field)}</th>
              <td class="hr-typed">{valueText(t, f.field, f.oldValue)}</td>
              <td class="hr-typed">{valueText(t, f.field, f.newValue)}</td>
              <td>
                <FieldStatus t={t} f={f} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableScroll>
  );
}

/** The requests decided lately, each with the school's note: on a guardian's own page and on a child's. */
export function RecentRequests({ t, recent, when }: { t: Translate; recent: readonly ContactRequestView[]; when: (iso: string) => string }) {
  if (recent.length === 0) return null;
  return (
    <section aria-labelledby="recent-heading">
      <h2 id="recent-heading">{t('changes.recent')}</h2>
      {recent.map((r) => (
        <div key={r.id}>
          <RequestTable t={t} request={r} when={when} />
          {r.note ? <p class="hr-typed">{t('changes.noteFromSchool', { note: r.note })}</p> : null}
        </div>
      ))}
    </section>
  );
}

export function ContactPage({
  ctx,
  info,
  when,
  notice,
  errors = {},
  values,
}: {
  ctx: PageContext;
  info: ContactInfo;
  when: (iso: string) => string;
  notice?: string;
  errors?: Messages;
  /** what to show in the form: the waiting values, else the record's; or what was just typed */
  values?: Partial<Record<ContactField, string>>;
}) {
  const { t } = ctx;
  const pendingValue = (f: ContactField) => info.pending?.fields.find((p) => p.field === f && p.status === 'pending');
  const valueOf = (f: ContactField) => {
    if (values) return values[f] ?? '';
    const waiting = pendingValue(f);
    return readable(f, waiting ? waiting.newValue : info.current[f]) ?? '';
  };
  const groups = GROUPS.filter((g) => g.heading === 'changes.yours' || info.householdId !== null);
  const children = ctx.students ?? [];
  const labels = Object.fromEntries(groups.flatMap((g) => g.fields).map((f) => [FORM_NAMES[f], fieldLabel(t, f)]));
  return (
    <Layout ctx={ctx} title={t('changes.title')}>
      <div class="hr-narrow">
        <h1>{t('changes.title')}</h1>
        <p>{t('changes.intro')}</p>
        <p>
          {t('changes.securityEmail')} <a href="/account">{t('nav.account')}</a>
        </p>
        <Alert type="success" text={notice} />
        <ErrorSummary t={t} errors={errors} labels={labels} />
        {info.pending ? (
          <section aria-labelledby="pending-heading">
            <h2 id="pending-heading">{t('changes.pending')}</h2>
            <p>{t('changes.pendingHint')}</p>
            <RequestTable t={t} request={info.pending} when={when} />
            <form method="post" action="/account/contact/withdraw">
              <Csrf token={ctx.csrf} />
              <button class="usa-button usa-button--outline" type="submit">
                {t('changes.withdraw')}
              </button>
            </form>
          </section>
        ) : null}
        <form class="usa-form usa-form--large" method="post" action="/account/contact" novalidate>
          <Csrf token={ctx.csrf} />
          {groups.map((group) => (
            <fieldset class="usa-fieldset" key={group.heading}>
              <legend class="usa-legend usa-legend--large">{t(group.heading)}</legend>
              {group.fields.map((f) => {
                const name = FORM_NAMES[f];
                const onRecord = info.current[f];
                const hint = t('changes.onRecord', { value: shown(t, readable(f, onRecord)) });
                return (
                  <Field key={f} t={t} id={name} label={fieldLabel(t, f)} hint={hint} error={errors[name]}>
                    <TextInput
                      id={name}
                      type={f === 'guardian.email' ? 'email' : f.includes('phone') ? 'tel' : 'text'}
                      autocomplete={AUTOCOMPLETE[f]}
                      autocapitalize={f.startsWith('household.address') || f === 'household.city' ? 'words' : 'none'}
                      required={false}
                      error={Boolean(errors[name])}
                      hint
                      value={valueOf(f)}
                      maxLength={f === 'guardian.email' ? 254 : f === 'household.state' ? 2 : f === 'household.postal_code' ? 10 : 100}
                    />
                  </Field>
                );
              })}
            </fieldset>
          ))}
          <button class="usa-button hr-primary" type="submit">
            {info.pending ? t('changes.update') : t('changes.send')}
          </button>
        </form>
        {children.length > 0 ? (
          <section aria-labelledby="people-heading">
            <h2 id="people-heading">{t('contacts.linksHeading')}</h2>
            <ul class="usa-list">
              {children.map((c) => (
                <li key={c.id}>
                  <a href={`/account/contact/students/${c.id}`}>{t('contacts.linkFor', { student: `${c.firstName} ${c.lastName}` })}</a>
                </li>
              ))}
            </ul>
          </section>
        ) : null}
        <RecentRequests t={t} recent={info.recent} when={when} />
      </div>
    </Layout>
  );
}

export function StaffChangesPage({ ctx, items, status, when }: { ctx: PageContext; items: ChangeListItem[]; status: 'pending' | 'decided'; when: (iso: string) => string }) {
  const { t } = ctx;
  return (
    <Layout ctx={ctx} title={t('changes.staffTitle')}>
      <h1>{t('changes.staffTitle')}</h1>
      <p>{t('changes.staffIntro')}</p>
      <p>
        {status === 'pending' ? (
          <a href="/staff/change-requests?status=decided">{t('changes.showDecided')}</a>
        ) : (
          <a href="/staff/change-requests">{t('changes.showPending')}</a>
        )}
      </p>
      {items.length === 0 ? (
        <p>{t('changes.noneWaiting')}</p>
      ) : (
        <TableScroll label={t('changes.staffTitle')}>
          <table class="usa-table usa-table--borderless">
            <caption class="usa-sr-only">{t('changes.staffTitle')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('changes.parent')}</th>
                <th scope="col">{t('contacts.aboutHeading')}</th>
                <th scope="col">{t('changes.sent')}</th>
                <th scope="col">{t('changes.fieldCount')}</th>
              </tr>
            </thead>
            <tbody>
              {items.map((r) => (
                <tr key={r.id}>
                  <th scope="row">
                    <a href={`/staff/change-requests/${r.id}`}>{r.parent}</a>
                  </th>
                  <td>{t(`contacts.about.${r.kind}`, { name: r.subject ?? '', student: r.student ?? '' })}</td>
                  <td>{when(r.submittedAt)}</td>
                  <td>{r.fields}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      )}
    </Layout>
  );
}

export function StaffChangePage({
  ctx,
  detail,
  when,
  notice,
  errors = {},
  problem,
}: {
  ctx: PageContext;
  detail: ChangeRequestDetail;
  when: (iso: string) => string;
  notice?: string;
  errors?: Messages;
  problem?: string;
}) {
  const { t } = ctx;
  const { request } = detail;
  const waiting = request.fields.filter((f) => f.status === 'pending');
  const title = t('changes.staffOne', { parent: detail.parent });
  const labels = Object.fromEntries(waiting.map((f) => [`decision-${f.id}`, fieldLabel(t, f.field)]));
  return (
    <Layout ctx={ctx} title={title}>
      <p>
        <a href="/staff/change-requests">{t('changes.back')}</a>
      </p>
      <h1>{title}</h1>
      <Alert type="success" text={notice} />
      <Alert type="error" text={problem} />
      <ErrorSummary t={t} errors={errors} labels={labels} />
      {detail.about ? (
        <>
          <p>
            <strong>{t(`contacts.about.${detail.about.kind}`, { name: detail.about.relationship ? `${detail.about.name} (${relationshipText(t, detail.about.relationship)})` : (detail.about.name ?? ''), student: detail.about.student })}</strong>
          </p>
          <p>{t('contacts.askedBy', { parent: detail.parent })}</p>
          {detail.about.gone && waiting.length > 0 ? <Alert type="warning" text={t('contacts.gone', { name: detail.about.name ?? '' })} /> : null}
        </>
      ) : (
        <p>{t('changes.parentOf', { students: detail.students.join(', ') || '—' })}</p>
      )}
      {detail.otherSchools ? <p>{t('changes.otherSchools')}</p> : null}
      {waiting.length === 0 ? (
        <RequestTable t={t} request={request} when={when} />
      ) : (
        <form class="usa-form usa-form--large" method="post" action={`/staff/change-requests/${request.id}`} novalidate>
          <Csrf token={ctx.csrf} />
          <p>{t('changes.sentOn', { when: when(request.submittedAt) })}</p>
          {waiting.map((f) => {
            const name = `decision-${f.id}`;
            const error = errors[name];
            const current = detail.current[f.field];
            return (
              <div class={`usa-form-group${error ? ' usa-form-group--error' : ''}`} key={f.id}>
                <fieldset class="usa-fieldset" id={name} aria-describedby={describedBy(name, true, Boolean(error))}>
                  <legend class="usa-legend">{fieldLabel(t, f.field)}</legend>
                  <p class="usa-hint" id={`${name}-hint`}>
                    {t('changes.fromTo', { from: valueText(t, f.field, current ?? (f.field === 'link.remove' ? f.oldValue : null)), to: valueText(t, f.field, f.newValue) })}
                  </p>
                  {error ? (
                    <span class="usa-error-message" id={`${name}-error`} role="alert">
                      {t(error.key, error.params)}
                    </span>
                  ) : null}
                  {(['approve', 'reject'] as const).map((d) => (
                    <div class="usa-radio" key={d}>
                      <input class="usa-radio__input" id={`${name}-${d}`} type="radio" name={name} value={d} />
                      <label class="usa-radio__label" for={`${name}-${d}`}>
                        {t(`changes.${d}`)}
                      </label>
                    </div>
                  ))}
                </fieldset>
              </div>
            );
          })}
          <Field t={t} id="note" label={`${t('changes.note')} ${t('form.optional')}`} hint={t('changes.noteHint')} error={errors.note}>
            <textarea class="usa-textarea" id="note" name="note" maxLength={500} rows={3} aria-describedby={describedBy('note', true, Boolean(errors.note))} />
          </Field>
          <button class="usa-button hr-primary" type="submit">
            {t('changes.decideSubmit')}
          </button>
        </form>
      )}
    </Layout>
  );
}
