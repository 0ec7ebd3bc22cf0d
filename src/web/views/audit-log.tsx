/** The audit log's search (issue 25): who, what, when, from where, and what changed, readable in en and es. */
import { AUDIT_KINDS, type AuditEntryView, type AuditKind } from '../../domain/audit/search.js';
import type { StaffRole } from '../../db/schema.js';
import type { MessageKey, Translate } from '../../i18n/index.js';
import { AUDIT_ACTION_LABELS } from './audit-actions.js';
import type { PageContext } from './context.js';
import { Alert, ErrorSummary, Field, Pager, TableScroll, type Messages } from './forms.js';
import { Layout } from './layout.js';
import { grantText } from './staff-accounts.js';

export interface AuditFormValues {
  person: string;
  student: string;
  kind: string;
  from: string;
  to: string;
}

const KIND_LABEL: Record<AuditKind, MessageKey> = {
  sign_in: 'auditLog.kind.sign_in',
  sign_out: 'auditLog.kind.sign_out',
  sessions: 'auditLog.kind.sessions',
  password: 'auditLog.kind.password',
  password_reset: 'auditLog.kind.password_reset',
  security_email: 'auditLog.kind.security_email',
  account: 'auditLog.kind.account',
  welcome: 'auditLog.kind.welcome',
  staff: 'auditLog.kind.staff',
  audit_log: 'auditLog.kind.audit_log',
  student: 'auditLog.kind.student',
  health: 'auditLog.kind.health',
  attendance: 'auditLog.kind.attendance',
  gradebook: 'auditLog.kind.gradebook',
  grades: 'auditLog.kind.grades',
  guardian_link: 'auditLog.kind.guardian_link',
  account_request: 'auditLog.kind.account_request',
  contact_change: 'auditLog.kind.contact_change',
  activation_key: 'auditLog.kind.activation_key',
  parent_accounts: 'auditLog.kind.parent_accounts',
  announcement: 'auditLog.kind.announcement',
  school_event: 'auditLog.kind.school_event',
  district: 'auditLog.kind.district',
  oneroster: 'auditLog.kind.oneroster',
};
const STATE_LABEL: Record<string, MessageKey> = {
  active: 'auditLog.accountState.active',
  pending: 'auditLog.accountState.pending',
  disabled: 'auditLog.accountState.disabled',
  none: 'auditLog.accountState.none',
  enabled: 'auditLog.accountState.enabled',
};

/** The name of a kind of event (an action's prefix). */
function kindLabel(t: Translate, kind: string): string | null {
  return (AUDIT_KINDS as readonly string[]).includes(kind) ? t(KIND_LABEL[kind as AuditKind]) : null;
}

/** What happened: the actions this area writes by name, any other by its kind and its code. */
const ACTIONS: Record<string, MessageKey> = {
  'staff.created': 'auditLog.action.staffCreated',
  'staff.updated': 'auditLog.action.staffUpdated',
  'staff.deactivated': 'auditLog.action.staffDeactivated',
  'staff.reactivated': 'auditLog.action.staffReactivated',
  'staff.welcome_sent': 'auditLog.action.staffWelcomeSent',
  'audit_log.searched': 'auditLog.action.searched',
  'audit_log.exported': 'auditLog.action.exported',
  sign_in: 'auditLog.action.signIn',
  'sign_in.failed': 'auditLog.action.signInFailed',
  sign_out: 'auditLog.action.signOut',
};

export function actionText(t: Translate, action: string): string {
  const known = ACTIONS[action] ?? AUDIT_ACTION_LABELS[action];
  if (known) return t(known);
  const kind = kindLabel(t, action.split('.')[0] ?? '');
  return kind ? `${kind}: ${action}` : action;
}

const FIELDS: Record<string, MessageKey> = {
  firstName: 'staffAccounts.firstName',
  lastName: 'staffAccounts.lastName',
  email: 'staffAccounts.email',
  username: 'staffAccounts.username',
  staffNumber: 'staffAccounts.staffNumber',
  roles: 'staffAccounts.roles',
  account: 'staffAccounts.accountState',
  person: 'auditLog.person',
  student: 'auditLog.student',
  kind: 'auditLog.kindLabel',
  from: 'auditLog.from',
  to: 'auditLog.to',
  page: 'auditLog.field.page',
  rows: 'auditLog.field.rows',
};

/** A value as words: a list of role grants as roles and schools, a list joined, a flag as yes or no. */
function valueText(t: Translate, field: string, value: unknown, schoolName: (id: number) => string): string {
  if (value === null || value === undefined || value === '') return t('auditLog.empty');
  if (field === 'roles' && Array.isArray(value)) {
    const grants = value.map((v) => {
      const m = /^([a-z_]+)(?:@(\d+))?$/.exec(String(v));
      return m ? grantText(t, { role: m[1] as StaffRole, schoolId: m[2] ? Number(m[2]) : null }, schoolName) : String(v);
    });
    return grants.length > 0 ? grants.join('; ') : t('auditLog.empty');
  }
  if (field === 'account' && typeof value === 'string' && STATE_LABEL[value]) return t(STATE_LABEL[value]);
  if (field === 'kind' && typeof value === 'string') return kindLabel(t, value) ?? value;
  if (typeof value === 'boolean') return t(value ? 'auditLog.yes' : 'auditLog.no');
  if (Array.isArray(value)) return value.map((v) => (typeof v === 'object' ? JSON.stringify(v) : String(v))).join(', ');
  if (typeof value === 'object') return Object.entries(value as Record<string, unknown>).map(([k, v]) => `${k}: ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`).join(', ');
  return String(value);
}

const fieldName = (t: Translate, field: string) => (FIELDS[field] ? t(FIELDS[field]) : field);

/** The lines describing an entry's details: "Email: a → b" for each changed field, "name: value" for the rest. */
export function detailLines(t: Translate, details: Record<string, unknown> | null, schoolName: (id: number) => string): string[] {
  if (!details) return [];
  const lines: string[] = [];
  const before = details.before && typeof details.before === 'object' ? (details.before as Record<string, unknown>) : null;
  const after = details.after && typeof details.after === 'object' ? (details.after as Record<string, unknown>) : null;
  if (before || after) {
    const fields = [...new Set([...Object.keys(before ?? {}), ...Object.keys(after ?? {})])];
    for (const f of fields) {
      const was = before ? valueText(t, f, before[f], schoolName) : null;
      const now = after ? valueText(t, f, after[f], schoolName) : null;
      lines.push(was !== null && now !== null ? t('auditLog.changed', { field: fieldName(t, f), before: was, after: now }) : `${fieldName(t, f)}: ${now ?? was}`);
    }
  }
  for (const [k, v] of Object.entries(details)) {
    if (k === 'before' || k === 'after') continue;
    lines.push(`${fieldName(t, k)}: ${valueText(t, k, v, schoolName)}`);
  }
  return lines;
}

export function personText(t: Translate, actor: AuditEntryView['actor']): string {
  if (!actor) return t('auditLog.system');
  return actor.name ? `${actor.name} (${actor.username ?? actor.accountId})` : (actor.username ?? `#${actor.accountId}`);
}

export function subjectText(t: Translate, subject: AuditEntryView['subject']): string {
  if (!subject) return '';
  return `${t(subject.type === 'staff' ? 'auditLog.subject.staff' : subject.type === 'student' ? 'auditLog.subject.student' : subject.type === 'user_account' ? 'auditLog.subject.account' : 'auditLog.subject.other')}: ${subject.label ?? `${subject.type} #${subject.id}`}`;
}

export function AuditLogPage({
  ctx,
  values,
  errors = {},
  entries,
  page,
  hasMore,
  when,
  schoolName,
  nobody,
  query,
}: {
  ctx: PageContext;
  values: AuditFormValues;
  errors?: Messages;
  entries: AuditEntryView[] | null;
  page: number;
  hasMore: boolean;
  when: (iso: string) => string;
  schoolName: (id: number) => string;
  nobody?: string | undefined;
  /** the search's address query, for the pages and the CSV */
  query: string;
}) {
  const { t } = ctx;
  const labels = { person: t('auditLog.person'), student: t('auditLog.student'), kind: t('auditLog.kindLabel'), from: t('auditLog.from'), to: t('auditLog.to') };
  const text = (id: 'person' | 'student' | 'from' | 'to', type: string, hint?: string) => (
    <Field t={t} id={id} label={labels[id]} hint={hint} error={errors[id]}>
      <input
        class={`usa-input${errors[id] ? ' usa-input--error' : ''}`}
        id={id}
        name={id}
        type={type}
        value={values[id]}
        maxLength={id === 'person' ? 254 : 30}
        aria-describedby={[hint ? `${id}-hint` : '', errors[id] ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined}
        aria-invalid={errors[id] ? 'true' : undefined}
      />
    </Field>
  );
  const pageLink = (p: number) => '/admin/audit?' + new URLSearchParams([...new URLSearchParams(query), ['page', String(p)]]).toString();
  return (
    <Layout ctx={ctx} title={t('auditLog.title')}>
      <h1>{t('auditLog.title')}</h1>
      <p>{t('auditLog.intro', { timeZone: ctx.district.timeZone })}</p>
      <ErrorSummary t={t} errors={errors} labels={labels} />
      <form class="usa-form usa-form--large" method="get" action="/admin/audit" role="search" aria-label={t('auditLog.searchLabel')} novalidate>
        {text('person', 'text', t('auditLog.personHint'))}
        {text('student', 'text', t('auditLog.studentHint'))}
        <Field t={t} id="kind" label={labels.kind} error={errors.kind}>
          <select class="usa-select" id="kind" name="kind">
            <option value="">{t('auditLog.anyKind')}</option>
            {AUDIT_KINDS.map((k) => (
              <option key={k} value={k} selected={values.kind === k}>
                {t(KIND_LABEL[k])}
              </option>
            ))}
          </select>
        </Field>
        {text('from', 'date')}
        {text('to', 'date')}
        <button class="usa-button hr-primary" type="submit">
          {t('auditLog.searchButton')}
        </button>
      </form>
      <Alert type="info" text={nobody} />
      {entries ? (
        <>
          <p>
            <a href={`/admin/audit.csv${query ? `?${query}` : ''}`}>{t('auditLog.csv')}</a>
          </p>
          {entries.length === 0 ? (
            <p role="status">{t('auditLog.none')}</p>
          ) : (
            <TableScroll label={t('auditLog.title')}>
              <table class="usa-table usa-table--striped usa-table--stacked">
                <thead>
                  <tr>
                    <th scope="col">{t('auditLog.when')}</th>
                    <th scope="col">{t('auditLog.who')}</th>
                    <th scope="col">{t('auditLog.what')}</th>
                    <th scope="col">{t('auditLog.about')}</th>
                    <th scope="col">{t('auditLog.where')}</th>
                    <th scope="col">{t('auditLog.details')}</th>
                  </tr>
                </thead>
                <tbody>
                  {entries.map((e) => (
                    <tr key={e.id}>
                      <th scope="row" data-label={t('auditLog.when')}>
                        {when(e.at)}
                      </th>
                      <td data-label={t('auditLog.who')}>{personText(t, e.actor)}</td>
                      <td data-label={t('auditLog.what')}>{actionText(t, e.action)}</td>
                      <td data-label={t('auditLog.about')}>{subjectText(t, e.subject)}</td>
                      <td data-label={t('auditLog.where')}>{e.ip ?? t('auditLog.noAddress')}</td>
                      <td data-label={t('auditLog.details')}>
                        {detailLines(t, e.details, schoolName).map((line, i) => (
                          <div key={i}>{line}</div>
                        ))}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </TableScroll>
          )}
          <Pager
            label={t('staffAccounts.pages')}
            previous={page > 1 ? { href: pageLink(page - 1), text: t('auditLog.newer') } : null}
            next={hasMore ? { href: pageLink(page + 1), text: t('auditLog.older') } : null}
          />
        </>
      ) : null}
    </Layout>
  );
}
