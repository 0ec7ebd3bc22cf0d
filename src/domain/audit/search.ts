/**
 * Searching the audit log (issue 25, ADR 0030): district administrators only. By person (what they did
 * and what was done to their account or staff record), by student (their record and their account),
 * by kind of event (the actions sharing a prefix: `staff.`, `sign_in.` …) and by dates of the district's
 * time zone; newest first, a page at a time, or every match for a CSV. Each filter has an index ending
 * with `at` (migration 0026), so a page reads one person's or one kind's rows in time order and stops.
 * Every search and every export is itself an audit row.
 */
import { PostgresAdapter, sql, type Expression, type Kysely, type SqlBool } from 'kysely';
import { z } from 'zod';
import type { DB } from '../../db/schema.js';
import type { MessageKey } from '../../i18n/index.js';
import type { OfficeScope } from '../access/staff.js';
import { isDistrictAdmin, OutsideScope } from '../access/staff.js';
import { normalizeEmail, normalizeStudentNumber, normalizeUsername } from '../accounts/identity.js';
import { ownersOfEmails } from '../people/emails.js';
import { audit } from './service.js';

export const AUDIT_PAGE_SIZE = 50;
/** The most rows one CSV export holds: a wider search is refused with a message to narrow it. */
export const AUDIT_EXPORT_MAX = 100_000;

/** The kinds of event offered in the search: the actions' prefixes. */
export const AUDIT_KINDS = [
  'sign_in',
  'sign_out',
  'sessions',
  'password',
  'password_reset',
  'security_email',
  'account',
  'welcome',
  'staff',
  'audit_log',
  'student',
  'health',
  'attendance',
  'gradebook',
  'grades',
  'guardian_link',
  'account_request',
  'contact_change',
  'activation_key',
  'parent_accounts',
  'announcement',
  'school_event',
  'district',
  'oneroster',
] as const;
export type AuditKind = (typeof AUDIT_KINDS)[number];

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const validDate = (v: string) => DATE.test(v) && !Number.isNaN(Date.parse(`${v}T00:00:00Z`)) && new Date(`${v}T00:00:00Z`).toISOString().startsWith(v);

const optional = (max: number) =>
  z
    .string({ error: 'form.invalid' satisfies MessageKey })
    .optional()
    .transform((v) => (v ?? '').normalize('NFKC').trim())
    .pipe(z.string().max(max, 'form.tooLong' satisfies MessageKey));

/** The search form (a GET: its fields are in the address). Empty fields are no filter. */
export const auditSearchInput = z
  .object({
    person: optional(254),
    student: optional(30),
    kind: optional(40).refine((v) => v === '' || (AUDIT_KINDS as readonly string[]).includes(v), 'auditLog.badKind' satisfies MessageKey),
    from: optional(10).refine((v) => v === '' || validDate(v), 'auditLog.badDate' satisfies MessageKey),
    to: optional(10).refine((v) => v === '' || validDate(v), 'auditLog.badDate' satisfies MessageKey),
    page: optional(7).transform((v) => (/^\d{1,6}$/.test(v) && Number(v) >= 1 ? Number(v) : 1)),
  })
  .superRefine((v, ctx) => {
    if (v.from && v.to && v.from > v.to) ctx.addIssue({ code: 'custom', path: ['to'], message: 'auditLog.toBeforeFrom' satisfies MessageKey });
  });
export type AuditSearch = z.output<typeof auditSearchInput>;

/** The UTC instant at which a local date of a time zone begins. */
export function localDayStart(date: string, timeZone: string): Date {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
  const offset = (t: number) => {
    const p = Object.fromEntries(parts.formatToParts(new Date(t)).map((x) => [x.type, x.value]));
    return Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), Number(p.hour), Number(p.minute), Number(p.second)) - Math.floor(t / 1000) * 1000;
  };
  const midnight = Date.parse(`${date}T00:00:00Z`);
  // Twice: the offset at the guess can differ from the offset at the answer across a change of clocks.
  const guess = midnight - offset(midnight);
  return new Date(midnight - offset(guess));
}

export interface AuditEntryView {
  id: number;
  at: string;
  action: string;
  actor: { accountId: number; username: string | null; name: string | null } | null;
  subject: { type: string; id: number; label: string | null } | null;
  ip: string | null;
  details: Record<string, unknown> | null;
}

export type AuditSearchResult =
  | { kind: 'found'; entries: AuditEntryView[]; page: number; hasMore: boolean }
  | { kind: 'nobody'; field: 'person' | 'student' };

/** Who the text names: the accounts whose username or security email it is, and the staff with that email. */
async function personIds(db: Kysely<DB>, text: string): Promise<{ accounts: number[]; staff: number[]; guardians: number[] }> {
  const key = normalizeUsername(text);
  const email = normalizeEmail(text);
  const accounts = await db
    .selectFrom('user_accounts')
    .select(['id', 'staff_id', 'guardian_id'])
    .where((eb) => eb.or([eb('username_key', '=', key), eb('security_email', '=', email)]))
    .execute();
  const staffOwners = (await ownersOfEmails(db, [email], ['staff', 'guardian'])).get(email) ?? [];
  const staff = new Set([...accounts.map((a) => a.staff_id).filter((x): x is number => x !== null), ...staffOwners.filter((o) => o.kind === 'staff').map((o) => o.id)]);
  const guardians = new Set([...accounts.map((a) => a.guardian_id).filter((x): x is number => x !== null), ...staffOwners.filter((o) => o.kind === 'guardian').map((o) => o.id)]);
  const more = staff.size > 0 ? await db.selectFrom('user_accounts').select('id').where('staff_id', 'in', [...staff]).execute() : [];
  return { accounts: [...new Set([...accounts.map((a) => a.id), ...more.map((a) => a.id)])], staff: [...staff], guardians: [...guardians] };
}

const subjectIn = (type: string, ids: number[]) => sql<SqlBool>`(subject_type = ${type} and subject_id in (${sql.join(ids)}))`;

/** The search's conditions, or which field named nobody. */
async function conditions(db: Kysely<DB>, search: AuditSearch, timeZone: string): Promise<{ where: Expression<SqlBool>[] } | { nobody: 'person' | 'student' }> {
  const where: Expression<SqlBool>[] = [];
  if (search.person) {
    const ids = await personIds(db, search.person);
    if (ids.accounts.length + ids.staff.length + ids.guardians.length === 0) return { nobody: 'person' };
    const any: Expression<SqlBool>[] = [];
    if (ids.accounts.length > 0) any.push(sql<SqlBool>`actor_account_id in (${sql.join(ids.accounts)})`, subjectIn('user_account', ids.accounts));
    if (ids.staff.length > 0) any.push(subjectIn('staff', ids.staff));
    if (ids.guardians.length > 0) any.push(subjectIn('guardian', ids.guardians));
    where.push(sql<SqlBool>`(${sql.join(any, sql` or `)})`);
  }
  if (search.student) {
    const number = normalizeStudentNumber(search.student);
    const students = await db.selectFrom('students').select('id').where('student_number', '=', number).execute();
    if (students.length === 0) return { nobody: 'student' };
    const ids = students.map((s) => s.id);
    const accounts = (await db.selectFrom('user_accounts').select('id').where('student_id', 'in', ids).execute()).map((a) => a.id);
    where.push(accounts.length > 0 ? sql<SqlBool>`(${subjectIn('student', ids)} or ${subjectIn('user_account', accounts)})` : subjectIn('student', ids));
  }
  if (search.kind) {
    // The kind's actions: `kind` itself and `kind.…`, a range of the (action, at) index compared byte by byte.
    const action = db.getExecutor().adapter instanceof PostgresAdapter ? sql`action collate "C"` : sql`action`;
    where.push(sql<SqlBool>`(${action} = ${search.kind} or (${action} >= ${`${search.kind}.`} and ${action} < ${`${search.kind}/`}))`);
  }
  if (search.from) where.push(sql<SqlBool>`at >= ${localDayStart(search.from, timeZone).toISOString()}`);
  if (search.to) {
    const next = new Date(Date.parse(`${search.to}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
    where.push(sql<SqlBool>`at < ${localDayStart(next, timeZone).toISOString()}`);
  }
  return { where };
}

/** The rows of a search with who acted and what they were about, newest first. */
async function entries(db: Kysely<DB>, where: Expression<SqlBool>[], limit: number, offset: number): Promise<AuditEntryView[]> {
  let query = db.selectFrom('audit_log').select(['id', 'at', 'action', 'actor_account_id', 'subject_type', 'subject_id', 'ip', 'details']);
  for (const w of where) query = query.where(w);
  const rows = await query.orderBy('at', 'desc').orderBy('id', 'desc').limit(limit).offset(offset).execute();
  const accountIds = [...new Set(rows.flatMap((r) => [r.actor_account_id, r.subject_type === 'user_account' ? r.subject_id : null]).filter((x): x is number => x !== null))];
  const accounts = new Map(
    (accountIds.length === 0
      ? []
      : await db
          .selectFrom('user_accounts as a')
          .leftJoin('staff as t', 't.id', 'a.staff_id')
          .leftJoin('guardians as g', 'g.id', 'a.guardian_id')
          .leftJoin('students as s', 's.id', 'a.student_id')
          .select(['a.id', 'a.username', 't.first_name as tf', 't.last_name as tl', 'g.first_name as gf', 'g.last_name as gl', 's.legal_first_name as sf', 's.legal_last_name as sl'])
          .where('a.id', 'in', accountIds)
          .execute()
    ).map((a) => [a.id, { username: a.username, name: a.tf ? `${a.tf} ${a.tl}` : a.gf ? `${a.gf} ${a.gl}` : a.sf ? `${a.sf} ${a.sl}` : null }]),
  );
  const idsOf = (type: string) => [...new Set(rows.filter((r) => r.subject_type === type && r.subject_id !== null).map((r) => r.subject_id!))];
  const staffIds = idsOf('staff');
  const studentIds = idsOf('student');
  const staff = new Map((staffIds.length === 0 ? [] : await db.selectFrom('staff').select(['id', 'first_name', 'last_name']).where('id', 'in', staffIds).execute()).map((s) => [s.id, `${s.first_name} ${s.last_name}`]));
  const students = new Map(
    (studentIds.length === 0 ? [] : await db.selectFrom('students').select(['id', 'legal_first_name', 'legal_last_name', 'student_number']).where('id', 'in', studentIds).execute()).map((s) => [
      s.id,
      `${s.legal_first_name} ${s.legal_last_name} (${s.student_number})`,
    ]),
  );
  const labelOf = (type: string, id: number): string | null => {
    if (type === 'user_account') return accounts.get(id)?.username ?? null;
    if (type === 'staff') return staff.get(id) ?? null;
    if (type === 'student') return students.get(id) ?? null;
    return null;
  };
  return rows.map((r) => {
    let details: Record<string, unknown> | null = null;
    try {
      const parsed: unknown = r.details ? JSON.parse(r.details) : null;
      details = parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : null;
    } catch {
      details = null;
    }
    const actor = r.actor_account_id === null ? null : { accountId: r.actor_account_id, ...(accounts.get(r.actor_account_id) ?? { username: null, name: null }) };
    return {
      id: r.id,
      at: r.at,
      action: r.action,
      actor,
      subject: r.subject_type && r.subject_id !== null ? { type: r.subject_type, id: r.subject_id, label: labelOf(r.subject_type, r.subject_id) } : null,
      ip: r.ip,
      details,
    };
  });
}

/** The district administrator reading the log. */
export interface AuditReader {
  scope: OfficeScope;
  actorAccountId: number;
  ip: string | null;
}

const searched = (search: AuditSearch) => Object.fromEntries(Object.entries({ person: search.person, student: search.student, kind: search.kind, from: search.from, to: search.to }).filter(([, v]) => v !== ''));

/** A page of the search, newest first; the reading is audited (`audit_log.searched`). */
export async function searchAuditLog(db: Kysely<DB>, reader: AuditReader, search: AuditSearch, timeZone: string, now: Date): Promise<AuditSearchResult> {
  if (!isDistrictAdmin(reader.scope)) throw new OutsideScope('the audit log');
  const found = await conditions(db, search, timeZone);
  await audit(db, { action: 'audit_log.searched', actorAccountId: reader.actorAccountId, ip: reader.ip, details: { ...searched(search), page: search.page } }, now);
  if ('nobody' in found) return { kind: 'nobody', field: found.nobody };
  const rows = await entries(db, found.where, AUDIT_PAGE_SIZE + 1, (search.page - 1) * AUDIT_PAGE_SIZE);
  return { kind: 'found', entries: rows.slice(0, AUDIT_PAGE_SIZE), page: search.page, hasMore: rows.length > AUDIT_PAGE_SIZE };
}

/** Every match of the search for a CSV (at most AUDIT_EXPORT_MAX: `tooMany` beyond); the export is audited. */
export async function exportAuditLog(
  db: Kysely<DB>,
  reader: AuditReader,
  search: AuditSearch,
  timeZone: string,
  now: Date,
): Promise<AuditSearchResult | { kind: 'tooMany' }> {
  if (!isDistrictAdmin(reader.scope)) throw new OutsideScope('the audit log');
  const found = await conditions(db, search, timeZone);
  if ('nobody' in found) return { kind: 'nobody', field: found.nobody };
  const rows = await entries(db, found.where, AUDIT_EXPORT_MAX + 1, 0);
  if (rows.length > AUDIT_EXPORT_MAX) return { kind: 'tooMany' };
  await audit(db, { action: 'audit_log.exported', actorAccountId: reader.actorAccountId, ip: reader.ip, details: { ...searched(search), rows: rows.length } }, now);
  return { kind: 'found', entries: rows, page: 1, hasMore: false };
}
