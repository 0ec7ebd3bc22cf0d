/** Staff accounts and roles (issue 25): the list, a staff member's page, a new staff member. */
import type { StaffRole } from '../../db/schema.js';
import { grantValue, STAFF_ROLES, type RoleGrant } from '../../domain/staff/account-schemas.js';
import type { AccountState, StaffListRow, StaffMember } from '../../domain/staff/accounts.js';
import type { MessageKey, Translate } from '../../i18n/index.js';
import type { PageContext } from './context.js';
import { Alert, Csrf, ErrorSummary, Field, Pager, TableScroll, TextInput, type Messages } from './forms.js';
import { Layout } from './layout.js';

type School = { id: number; name: string };

const ROLE_LABEL: Record<StaffRole, MessageKey> = {
  teacher: 'staffAccounts.role.teacher',
  office: 'staffAccounts.role.office',
  counselor: 'staffAccounts.role.counselor',
  nurse: 'staffAccounts.role.nurse',
  school_admin: 'staffAccounts.role.school_admin',
  district_admin: 'staffAccounts.role.district_admin',
};
const ACCOUNT_LABEL: Record<AccountState, MessageKey> = {
  active: 'staffAccounts.account.active',
  pending: 'staffAccounts.account.pending',
  disabled: 'staffAccounts.account.disabled',
  none: 'staffAccounts.account.none',
};

/** "Teacher, Lakeside High" or "District administrator". */
export function grantText(t: Translate, g: RoleGrant, schoolName: (id: number) => string): string {
  return g.schoolId === null ? t(ROLE_LABEL[g.role]) : `${t(ROLE_LABEL[g.role])}, ${schoolName(g.schoolId)}`;
}

export function StaffListPage({
  ctx,
  rows,
  schools,
  filters,
  total,
  page,
  pages,
  schoolName,
}: {
  ctx: PageContext;
  rows: StaffListRow[];
  schools: School[];
  filters: { q: string; school: number | null; role: StaffRole | null };
  total: number;
  page: number;
  pages: number;
  schoolName: (id: number) => string;
}) {
  const { t } = ctx;
  const link = (p: number) => {
    const q = new URLSearchParams();
    if (filters.q) q.set('q', filters.q);
    if (filters.school !== null) q.set('school', String(filters.school));
    if (filters.role) q.set('role', filters.role);
    q.set('page', String(p));
    return `/admin/staff?${q.toString()}`;
  };
  return (
    <Layout ctx={ctx} title={t('staffAccounts.title')}>
      <h1>{t('staffAccounts.title')}</h1>
      <p>{t('staffAccounts.intro')}</p>
      <p>
        <a class="usa-button hr-primary" href="/admin/staff/new">
          {t('staffAccounts.new')}
        </a>
      </p>
      <form class="usa-form usa-form--large" method="get" action="/admin/staff" role="search" aria-label={t('staffAccounts.searchLabel')}>
        <label class="usa-label" for="q">
          {t('staffAccounts.search')}
        </label>
        <div class="usa-hint" id="q-hint">
          {t('staffAccounts.searchHint')}
        </div>
        <input class="usa-input" id="q" name="q" type="search" value={filters.q} maxLength={100} aria-describedby="q-hint" />
        <label class="usa-label" for="school">
          {t('staffAccounts.school')}
        </label>
        <select class="usa-select" id="school" name="school">
          <option value="">{t('staffAccounts.anySchool')}</option>
          {schools.map((s) => (
            <option key={s.id} value={String(s.id)} selected={filters.school === s.id}>
              {s.name}
            </option>
          ))}
        </select>
        <label class="usa-label" for="role">
          {t('staffAccounts.role')}
        </label>
        <select class="usa-select" id="role" name="role">
          <option value="">{t('staffAccounts.anyRole')}</option>
          {STAFF_ROLES.map((r) => (
            <option key={r} value={r} selected={filters.role === r}>
              {t(ROLE_LABEL[r])}
            </option>
          ))}
        </select>
        <button class="usa-button" type="submit">
          {t('staffAccounts.searchButton')}
        </button>
      </form>
      <p role="status">{t('staffAccounts.count', { count: total })}</p>
      {rows.length > 0 ? (
        <TableScroll label={t('staffAccounts.title')}>
          <table class="usa-table usa-table--striped usa-table--stacked">
            <thead>
              <tr>
                <th scope="col">{t('staffAccounts.name')}</th>
                <th scope="col">{t('staffAccounts.emailAndUsername')}</th>
                <th scope="col">{t('staffAccounts.roles')}</th>
                <th scope="col">{t('staffAccounts.accountState')}</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.id}>
                  <th scope="row" data-label={t('staffAccounts.name')}>
                    <a href={`/admin/staff/${r.id}`}>{`${r.lastName}, ${r.firstName}`}</a>
                    {r.sis ? <div>{`(${t('staffAccounts.sisManaged')})`}</div> : null}
                  </th>
                  <td data-label={t('staffAccounts.emailAndUsername')}>
                    {r.email ?? ''}
                    {r.username && r.username !== r.email ? <div>{r.username}</div> : null}
                  </td>
                  <td data-label={t('staffAccounts.roles')}>{r.roles.map((g) => grantText(t, g, schoolName)).join('; ')}</td>
                  <td data-label={t('staffAccounts.accountState')}>{r.active ? t(ACCOUNT_LABEL[r.account]) : t('staffAccounts.inactive')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      ) : null}
      <Pager
        label={t('staffAccounts.pages')}
        previous={page > 1 ? { href: link(page - 1), text: t('staffAccounts.previous') } : null}
        position={pages > 1 ? t('staffAccounts.pageOf', { page, pages }) : undefined}
        next={page < pages ? { href: link(page + 1), text: t('staffAccounts.next') } : null}
      />
    </Layout>
  );
}

export interface StaffFormValues {
  firstName: string;
  lastName: string;
  email: string;
  username?: string;
  staffNumber?: string;
  roles: string[];
}

/** The role checkboxes: a group per school the scope gives roles at, and the district's own role. */
function RoleFields({ t, schools, district, checked, sisRoles, error }: { t: Translate; schools: School[]; district: boolean; checked: string[]; sisRoles: string[]; error?: Messages[string] | undefined }) {
  const box = (value: string, label: string, id: string) => (
    <div class="usa-checkbox" key={value}>
      <input class="usa-checkbox__input" id={id} type="checkbox" name="roles" value={value} checked={checked.includes(value)} />
      <label class="usa-checkbox__label" for={id}>
        {label}
        {sisRoles.includes(value) ? ` (${t('staffAccounts.fromSis')})` : ''}
      </label>
    </div>
  );
  return (
    <div class={`usa-form-group${error ? ' usa-form-group--error' : ''}`} id="roles" tabindex={-1}>
      <span class="usa-label">{t('staffAccounts.roles')}</span>
      {error ? (
        <span class="usa-error-message" role="alert">
          {t(error.key, error.params)}
        </span>
      ) : null}
      {district ? (
        <fieldset class="usa-fieldset">
          <legend class="usa-legend">{t('staffAccounts.districtWide')}</legend>
          {box('district_admin', t(ROLE_LABEL.district_admin), 'role-district_admin')}
        </fieldset>
      ) : null}
      {schools.map((s) => (
        <fieldset class="usa-fieldset" key={s.id}>
          <legend class="usa-legend">{s.name}</legend>
          {STAFF_ROLES.filter((r) => r !== 'district_admin').map((r) => box(grantValue({ role: r, schoolId: s.id }), t(ROLE_LABEL[r]), `role-${r}-${s.id}`))}
        </fieldset>
      ))}
    </div>
  );
}

function DetailFields({ t, values, errors, sis, locked }: { t: Translate; values: StaffFormValues; errors: Messages; sis: boolean; locked: boolean }) {
  const hint = sis ? t('staffAccounts.sisField') : locked ? t('staffAccounts.notYoursField') : undefined;
  const field = (id: 'firstName' | 'lastName' | 'email', label: MessageKey, autocomplete: string, type = 'text') => (
    <Field t={t} id={id} label={t(label)} hint={hint} error={errors[id]}>
      <TextInput id={id} type={type} autocomplete={autocomplete} error={Boolean(errors[id])} hint={Boolean(hint)} value={values[id]} autocapitalize={type === 'email' ? 'none' : 'words'} {...(sis || locked ? { readonly: true } : {})} />
    </Field>
  );
  return (
    <>
      {field('firstName', 'staffAccounts.firstName', 'off')}
      {field('lastName', 'staffAccounts.lastName', 'off')}
      {field('email', 'staffAccounts.email', 'off', 'email')}
    </>
  );
}

const LABELS = (t: Translate) => ({
  firstName: t('staffAccounts.firstName'),
  lastName: t('staffAccounts.lastName'),
  email: t('staffAccounts.email'),
  username: t('staffAccounts.username'),
  staffNumber: t('staffAccounts.staffNumber'),
  roles: t('staffAccounts.roles'),
});

export function NewStaffPage({ ctx, values, errors = {}, schools, district }: { ctx: PageContext; values: StaffFormValues; errors?: Messages; schools: School[]; district: boolean }) {
  const { t } = ctx;
  return (
    <Layout ctx={ctx} title={t('staffAccounts.newTitle')}>
      <h1>{t('staffAccounts.newTitle')}</h1>
      <p>{t('staffAccounts.newIntro')}</p>
      <ErrorSummary t={t} errors={errors} labels={LABELS(t)} />
      <form class="usa-form usa-form--large" method="post" action="/admin/staff/new" novalidate>
        <Csrf token={ctx.csrf} />
        <DetailFields t={t} values={values} errors={errors} sis={false} locked={false} />
        <Field t={t} id="username" label={t('staffAccounts.username')} hint={t('staffAccounts.usernameHint')} error={errors.username}>
          <TextInput id="username" autocomplete="off" error={Boolean(errors.username)} hint value={values.username} maxLength={100} />
        </Field>
        <Field t={t} id="staffNumber" label={t('staffAccounts.staffNumber')} hint={t('staffAccounts.staffNumberHint')} error={errors.staffNumber}>
          <TextInput id="staffNumber" autocomplete="off" error={Boolean(errors.staffNumber)} hint value={values.staffNumber} maxLength={20} />
        </Field>
        <RoleFields t={t} schools={schools} district={district} checked={values.roles} sisRoles={[]} error={errors.roles} />
        <button class="usa-button hr-primary" type="submit">
          {t('staffAccounts.create')}
        </button>
      </form>
    </Layout>
  );
}

export function StaffPage({
  ctx,
  member,
  values,
  errors = {},
  schools,
  district,
  notice,
  problem,
  schoolName,
  welcomeDays,
  secondFactor = null,
}: {
  ctx: PageContext;
  /** whether the member has a second factor, when the viewer may reset it (a district administrator, not their own) */
  secondFactor?: boolean | null;
  member: StaffMember;
  values: StaffFormValues;
  errors?: Messages;
  schools: School[];
  district: boolean;
  notice?: string | undefined;
  problem?: string | undefined;
  schoolName: (id: number) => string;
  welcomeDays: number;
}) {
  const { t } = ctx;
  const name = `${member.firstName} ${member.lastName}`;
  const given = new Set(schools.map((s) => s.id));
  const otherRoles = member.roles.filter((g) => !district && (g.schoolId === null || !given.has(g.schoolId)));
  const action = (path: string, label: string, outline = false) => (
    <form method="post" action={`/admin/staff/${member.id}/${path}`} class="margin-bottom-2">
      <Csrf token={ctx.csrf} />
      <button class={`usa-button${outline ? ' usa-button--outline' : ''}`} type="submit">
        {label}
      </button>
    </form>
  );
  return (
    <Layout ctx={ctx} title={name}>
      <p>
        <a href="/admin/staff">{t('staffAccounts.backToList')}</a>
      </p>
      <h1>{name}</h1>
      <Alert type="success" text={notice} />
      <Alert type="error" text={problem} />
      {member.sis ? <Alert type="info" text={t('staffAccounts.sisIntro')} /> : null}
      <dl>
        <dt>{t('staffAccounts.staffNumber')}</dt>
        <dd>{member.staffNumber}</dd>
        <dt>{t('staffAccounts.username')}</dt>
        <dd>{member.username ?? t('staffAccounts.noAccount')}</dd>
        <dt>{t('staffAccounts.accountState')}</dt>
        <dd>{member.active ? t(ACCOUNT_LABEL[member.account]) : t('staffAccounts.inactive')}</dd>
      </dl>
      <h2>{t('staffAccounts.accessHeading')}</h2>
      {member.wholeAccount ? (
        <>
          {member.active && member.account !== 'active' && member.account !== 'disabled' ? (
            <>
              <p>{t('staffAccounts.welcomeHint', { days: welcomeDays })}</p>
              {action('welcome', member.account === 'none' ? t('staffAccounts.sendWelcome') : t('staffAccounts.resendWelcome'))}
            </>
          ) : null}
          {member.active ? (
            <>
              <p>{t('staffAccounts.deactivateHint')}</p>
              {action('deactivate', t('staffAccounts.deactivate'), true)}
            </>
          ) : (
            action('reactivate', t('staffAccounts.reactivate'))
          )}
        </>
      ) : (
        <p>{t('staffAccounts.notYoursWhole')}</p>
      )}
      {secondFactor === null ? null : (
        <>
          <h2>{t('twoFactor.reset.heading')}</h2>
          <p>{t(secondFactor ? 'twoFactor.reset.on' : 'twoFactor.reset.off')}</p>
          {secondFactor ? (
            <>
              <p>{t('twoFactor.reset.hint')}</p>
              {action('second-factor-reset', t('twoFactor.reset.button'), true)}
            </>
          ) : null}
        </>
      )}
      <h2>{t('staffAccounts.editHeading')}</h2>
      <ErrorSummary t={t} errors={errors} labels={LABELS(t)} />
      <form class="usa-form usa-form--large" method="post" action={`/admin/staff/${member.id}`} novalidate>
        <Csrf token={ctx.csrf} />
        <DetailFields t={t} values={values} errors={errors} sis={member.sis} locked={!member.wholeAccount} />
        {otherRoles.length > 0 ? (
          <>
            <p>{t('staffAccounts.otherRoles')}</p>
            <ul class="usa-list">
              {otherRoles.map((g) => (
                <li key={grantValue(g)}>{grantText(t, g, schoolName)}</li>
              ))}
            </ul>
          </>
        ) : null}
        <RoleFields t={t} schools={schools} district={district} checked={values.roles} sisRoles={member.sisRoles.map(grantValue)} error={errors.roles} />
        <button class="usa-button hr-primary" type="submit">
          {t('staffAccounts.save')}
        </button>
      </form>
    </Layout>
  );
}
