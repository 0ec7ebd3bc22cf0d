/** A guardian's requests about the people around a child: the list, one person's form, an addition (ADR 0050). */
import { displayPhone } from '../../domain/people/phones.js';
import { parseNewContact } from '../../domain/requests/contact-changes.js';
import type { PeopleInfo, PersonShown } from '../../domain/requests/contact-people.js';
import { CONTACT_RELATIONSHIPS, isListedRelationship } from '../../domain/requests/schemas.js';
import type { VisibleStudent } from '../../domain/people/visibility.js';
import type { Translate } from '../../i18n/index.js';
import { RecentRequests, RequestTable, relationshipText } from './contact.js';
import type { PageContext } from './context.js';
import { Alert, Csrf, describedBy, ErrorSummary, Field, TextInput, type Messages } from './forms.js';
import { Layout } from './layout.js';

const studentName = (s: VisibleStudent) => `${s.firstName} ${s.lastName}`;
const personName = (p: { firstName: string; lastName: string }) => `${p.firstName} ${p.lastName}`;
/** The address of a child's page, or of a page under it (`peopleHref(s, 'people', 12)`). */
export function peopleHref(s: VisibleStudent, ...under: (string | number)[]): string {
  return ['/account/contact/students', s.id, ...under].join('/');
}

/** The form's fields: an emergency contact's (name, relationship, phones) or another guardian's (phones, email). */
export type PersonFormValues = Partial<Record<'firstName' | 'lastName' | 'relationship' | 'phoneMobile' | 'phoneHome' | 'phoneWork' | 'email', string>>;

const LABELS: Record<keyof PersonFormValues, Parameters<Translate>[0]> = {
  firstName: 'changes.field.contact.first_name',
  lastName: 'changes.field.contact.last_name',
  relationship: 'changes.field.link.relationship',
  phoneMobile: 'changes.field.contact.phone_mobile',
  phoneHome: 'changes.field.contact.phone_home',
  phoneWork: 'changes.field.contact.phone_work',
  email: 'changes.field.contact.email',
};

function Phones({ t, p }: { t: Translate; p: { phoneMobile: string | null; phoneHome: string | null; phoneWork: string | null } }) {
  const lines = (
    [
      ['changes.field.contact.phone_mobile', p.phoneMobile],
      ['changes.field.contact.phone_home', p.phoneHome],
      ['changes.field.contact.phone_work', p.phoneWork],
    ] as const
  ).filter(([, v]) => v !== null);
  if (lines.length === 0) return <p>{`${t('contacts.phones')}: ${t('changes.empty')}`}</p>;
  return (
    <ul class="usa-list usa-list--unstyled">
      {lines.map(([key, v]) => (
        <li key={key}>
          {t(key)}: <span class="hr-typed">{displayPhone(v)}</span>
        </li>
      ))}
    </ul>
  );
}

function PersonCard({ ctx, student, p }: { ctx: PageContext; student: VisibleStudent; p: PersonShown }) {
  const { t } = ctx;
  const name = personName(p);
  return (
    <li class="hr-card">
      <h3 class="hr-card__title">{name}</h3>
      <p>{relationshipText(t, p.relationship)}</p>
      <Phones t={t} p={p} />
      {p.kind === 'guardian' ? <p>{`${t('changes.field.contact.email')}: ${p.email ?? t('changes.empty')}`}</p> : null}
      {p.waiting ? (
        <p>
          <span class="usa-tag hr-tag--partial">{t('changes.pending')}</span>
        </p>
      ) : null}
      {p.busy ? (
        <p>{t('contacts.busy', { name })}</p>
      ) : (
        <p>
          <a href={peopleHref(student, 'people', p.guardianId)}>{t('contacts.changeFor', { name })}</a>
        </p>
      )}
    </li>
  );
}

export function PeoplePage({
  ctx,
  student,
  info,
  when,
  notice,
  problem,
}: {
  ctx: PageContext;
  student: VisibleStudent;
  info: PeopleInfo;
  when: (iso: string) => string;
  notice?: string | undefined;
  problem?: string;
}) {
  const { t } = ctx;
  const contacts = info.people.filter((p) => p.kind === 'contact');
  const guardians = info.people.filter((p) => p.kind === 'guardian');
  const title = t('contacts.title', { student: studentName(student) });
  return (
    <Layout ctx={ctx} title={title}>
      <div class="hr-narrow">
        <p>
          <a href="/account/contact">{t('changes.title')}</a>
        </p>
        <h1>{title}</h1>
        <p>{t('contacts.intro')}</p>
        <Alert type="success" text={notice} />
        <Alert type="error" text={problem} />
        <section aria-labelledby="emergency-heading">
          <h2 id="emergency-heading">{t('contacts.emergency')}</h2>
          {contacts.length === 0 ? <p>{t('contacts.none')}</p> : null}
          <ul class="hr-cards hr-contact-list">
            {contacts.map((p) => (
              <PersonCard key={p.guardianId} ctx={ctx} student={student} p={p} />
            ))}
          </ul>
          {info.additions.length > 0 ? (
            <>
              <h3>{t('contacts.waitingAdditions')}</h3>
              {info.additions.map((r) => {
                const added = parseNewContact(r.fields.find((x) => x.field === 'link.add')?.newValue ?? null);
                return (
                  <div key={r.id}>
                    <RequestTable t={t} request={r} when={when} />
                    <form method="post" action={peopleHref(student, 'withdraw')}>
                      <Csrf token={ctx.csrf} />
                      <input type="hidden" name="requestId" value={String(r.id)} />
                      <button class="usa-button usa-button--outline" type="submit">
                        {t('changes.withdraw')}
                        {added ? <span class="usa-sr-only">{`: ${personName(added)}`}</span> : null}
                      </button>
                    </form>
                  </div>
                );
              })}
            </>
          ) : null}
          {info.canAdd ? (
            <p>
              <a class="usa-button" href={peopleHref(student, 'new')}>
                {t('contacts.add')}
              </a>
            </p>
          ) : (
            <p>{t('contacts.full', { student: studentName(student), max: info.max })}</p>
          )}
        </section>
        {guardians.length > 0 ? (
          <section aria-labelledby="guardians-heading">
            <h2 id="guardians-heading">{t('contacts.guardians')}</h2>
            <p>{t('contacts.guardiansHint')}</p>
            <ul class="hr-cards hr-contact-list">
              {guardians.map((p) => (
                <PersonCard key={p.guardianId} ctx={ctx} student={student} p={p} />
              ))}
            </ul>
          </section>
        ) : null}
        <RecentRequests t={t} recent={info.recent} when={when} />
      </div>
    </Layout>
  );
}

function PersonFields({ t, kind, values, errors }: { t: Translate; kind: 'contact' | 'guardian'; values: PersonFormValues; errors: Messages }) {
  const text = (name: 'firstName' | 'lastName' | 'phoneMobile' | 'phoneHome' | 'phoneWork' | 'email', hint?: string) => (
    <Field t={t} id={name} label={t(LABELS[name])} hint={hint} error={errors[name]}>
      <TextInput
        id={name}
        type={name === 'email' ? 'email' : name.startsWith('phone') ? 'tel' : 'text'}
        autocomplete="off"
        autocapitalize={name === 'firstName' || name === 'lastName' ? 'words' : 'none'}
        required={name === 'firstName' || name === 'lastName'}
        error={Boolean(errors[name])}
        hint={Boolean(hint)}
        value={values[name] ?? ''}
        maxLength={name === 'email' ? 254 : name.startsWith('phone') ? 25 : 100}
      />
    </Field>
  );
  return (
    <>
      {kind === 'contact' ? (
        <>
          {text('firstName')}
          {text('lastName')}
          <Field t={t} id="relationship" label={t(LABELS.relationship)} error={errors.relationship}>
            <select
              class={`usa-select${errors.relationship ? ' usa-input--error' : ''}`}
              id="relationship"
              name="relationship"
              required
              aria-describedby={describedBy('relationship', false, Boolean(errors.relationship))}
              aria-invalid={errors.relationship ? 'true' : undefined}
            >
              <option value="">{t('contacts.choose')}</option>
              {CONTACT_RELATIONSHIPS.map((r) => (
                <option key={r} value={r} selected={values.relationship === r}>
                  {t(`contacts.rel.${r}`)}
                </option>
              ))}
              {values.relationship && !isListedRelationship(values.relationship) ? (
                <option value={values.relationship} selected>
                  {values.relationship}
                </option>
              ) : null}
            </select>
          </Field>
        </>
      ) : null}
      <fieldset class="usa-fieldset hr-phones">
        <legend class="usa-legend">{t('contacts.phones')}</legend>
        {kind === 'contact' ? <p class="usa-hint">{t('contacts.phonesHint')}</p> : null}
        {text('phoneMobile')}
        {text('phoneHome')}
        {text('phoneWork')}
      </fieldset>
      {kind === 'guardian' ? text('email') : null}
    </>
  );
}

export function PersonPage({
  ctx,
  student,
  person,
  values,
  errors = {},
  problem,
  when,
}: {
  ctx: PageContext;
  student: VisibleStudent;
  person: PersonShown;
  when: (iso: string) => string;
  values: PersonFormValues;
  errors?: Messages;
  problem?: string;
}) {
  const { t } = ctx;
  const name = personName(person);
  const title = t('contacts.editTitle', { name });
  const labels = Object.fromEntries(Object.entries(LABELS).map(([k, key]) => [k, t(key)]));
  const action = peopleHref(student, 'people', person.guardianId);
  return (
    <Layout ctx={ctx} title={title}>
      <div class="hr-narrow">
        <p>
          <a href={peopleHref(student)}>{t('contacts.back')}</a>
        </p>
        <h1>{title}</h1>
        <p>{person.kind === 'contact' ? t('contacts.sharedHint') : t('contacts.guardiansHint')}</p>
        <Alert type="error" text={problem} />
        <ErrorSummary t={t} errors={errors} labels={labels} />
        {person.waiting ? (
          <section aria-labelledby="pending-heading">
            <h2 id="pending-heading">{t('changes.pending')}</h2>
            <p>{t('changes.pendingHint')}</p>
            <RequestTable t={t} request={person.waiting} when={when} />
            <form method="post" action={peopleHref(student, 'withdraw')}>
              <Csrf token={ctx.csrf} />
              <input type="hidden" name="requestId" value={String(person.waiting.id)} />
              <button class="usa-button usa-button--outline" type="submit">
                {t('changes.withdraw')}
              </button>
            </form>
          </section>
        ) : null}
        <form class="usa-form usa-form--large" method="post" action={action} novalidate>
          <Csrf token={ctx.csrf} />
          <PersonFields t={t} kind={person.kind} values={values} errors={errors} />
          <button class="usa-button hr-primary" type="submit">
            {person.waiting ? t('changes.update') : t('changes.send')}
          </button>
        </form>
        {person.kind === 'contact' ? (
          <form class="usa-form usa-form--large hr-remove" method="post" action={peopleHref(student, 'people', person.guardianId, 'remove')}>
            <Csrf token={ctx.csrf} />
            <p>{t('contacts.removeHint', { name, student: studentName(student) })}</p>
            <button class="usa-button usa-button--secondary" type="submit">
              {t('contacts.remove', { name })}
            </button>
          </form>
        ) : null}
      </div>
    </Layout>
  );
}

export function AddContactPage({ ctx, student, values = {}, errors = {}, problem }: { ctx: PageContext; student: VisibleStudent; values?: PersonFormValues; errors?: Messages; problem?: string }) {
  const { t } = ctx;
  const title = t('contacts.addTitle', { student: studentName(student) });
  const labels = Object.fromEntries(Object.entries(LABELS).map(([k, key]) => [k, t(key)]));
  return (
    <Layout ctx={ctx} title={title}>
      <div class="hr-narrow">
        <p>
          <a href={peopleHref(student)}>{t('contacts.back')}</a>
        </p>
        <h1>{title}</h1>
        <p>{t('contacts.intro')}</p>
        <Alert type="error" text={problem} />
        <ErrorSummary t={t} errors={errors} labels={labels} />
        <form class="usa-form usa-form--large" method="post" action={peopleHref(student, 'new')} novalidate>
          <Csrf token={ctx.csrf} />
          <PersonFields t={t} kind="contact" values={values} errors={errors} />
          <button class="usa-button hr-primary" type="submit">
            {t('changes.send')}
          </button>
        </form>
      </div>
    </Layout>
  );
}
