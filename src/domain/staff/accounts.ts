/**
 * Staff accounts and roles (issue 25, ADR 0030). District administrators manage every staff member;
 * school administrators the staff of their schools, and only the roles at those schools
 * (access/staff.ts `StaffAdminScope`). Every change is audited with its before and after.
 *
 * - A new staff member gets a pending account and the welcome email of new parent accounts (a
 *   single-use link to choose a password, valid the district's `welcomeLinkDays`), sent by the
 *   `accounts.welcome` job queued in the same transaction.
 * - Deactivating ends the account's sessions and outstanding links at once; reactivating gives the
 *   account back (pending again when no password was ever chosen).
 * - Roles are read on every request (access/staff.ts), so a change holds from the next one.
 * - Staff from the OneRoster import (a `sourced_id`) are managed by the SIS: their names and email, and
 *   the roles the import gave (`oneroster_staff_roles`), are refused here with a message saying so.
 * - Nobody removes their own district administrator role or deactivates themselves, and the last
 *   active district administrator keeps both.
 */
import { sql, type Kysely, type SqlBool } from 'kysely';
import type { DB, StaffRole } from '../../db/schema.js';
import type { MessageKey } from '../../i18n/index.js';
import { enqueue } from '../../jobs/queue.js';
import type { StaffAdminScope } from '../access/staff.js';
import { normalizeEmail, usernameKey } from '../accounts/identity.js';
import { deleteSessionsOf, endOutstandingTokens } from '../accounts/repository.js';
import { audit } from '../audit/service.js';
import type { FieldErrors } from '../forms.js';
import { ownersOfEmails } from '../people/emails.js';
import { containing } from './students.js';
import { grantValue, STAFF_ROLES, type NewStaffInput, type RoleGrant, type StaffDetailsInput } from './account-schemas.js';

export const STAFF_PAGE_SIZE = 25;

/** A staff administrator acting: their scope, their account and staff member, where from. */
export interface StaffAdminActor {
  scope: StaffAdminScope;
  actorAccountId: number;
  actorStaffId: number | null;
  ip: string | null;
}

export type AccountState = 'active' | 'pending' | 'disabled' | 'none';

export interface StaffListRow {
  id: number;
  firstName: string;
  lastName: string;
  email: string | null;
  username: string | null;
  active: boolean;
  account: AccountState;
  sis: boolean;
  roles: RoleGrant[];
}

export interface StaffMember extends StaffListRow {
  staffNumber: string;
  accountId: number | null;
  /** the roles the OneRoster import gave (kept by the SIS) */
  sisRoles: RoleGrant[];
  /** the scope may change the whole account (details, activation, welcome), not only roles at its schools */
  wholeAccount: boolean;
}

const sameGrant = (a: RoleGrant, b: RoleGrant) => a.role === b.role && a.schoolId === b.schoolId;
const hasGrant = (list: readonly RoleGrant[], g: RoleGrant) => list.some((x) => sameGrant(x, g));

/** Whether the scope may give or take this grant (a school administrator: the four school roles and school administrator at their schools). */
function mayGrant(scope: StaffAdminScope, g: RoleGrant): boolean {
  if (scope.district) return true;
  return g.role !== 'district_admin' && g.schoolId !== null && scope.schools.has(g.schoolId);
}

/** Whether the scope sees this staff member: a role at one of its schools (a primary school alone names no work there). */
function sees(scope: StaffAdminScope, roles: readonly RoleGrant[]): boolean {
  return scope.district || roles.some((r) => r.schoolId !== null && scope.schools.has(r.schoolId));
}

/** Whether the scope may change the whole account: every role of the member is one it may give. */
function managesWhole(scope: StaffAdminScope, roles: readonly RoleGrant[]): boolean {
  return scope.district || (roles.length > 0 && roles.every((r) => mayGrant(scope, r)));
}

async function rolesOf(db: Kysely<DB>, staffIds: readonly number[], table: 'staff_roles' | 'oneroster_staff_roles' = 'staff_roles'): Promise<Map<number, RoleGrant[]>> {
  const out = new Map<number, RoleGrant[]>(staffIds.map((id) => [id, []]));
  if (staffIds.length === 0) return out;
  const rows = await db.selectFrom(table).select(['staff_id', 'role', 'school_id']).where('staff_id', 'in', [...staffIds]).execute();
  for (const r of rows) out.get(r.staff_id)?.push({ role: r.role, schoolId: r.school_id });
  const order = (g: RoleGrant) => STAFF_ROLES.indexOf(g.role) * 1e10 + (g.schoolId ?? 0);
  for (const list of out.values()) list.sort((a, b) => order(a) - order(b));
  return out;
}

const stateOf = (status: string | null): AccountState => (status === 'active' || status === 'pending' || status === 'disabled' ? status : 'none');

/** The staff the scope sees, matching the search (name, email, username) and filters, a page at a time, by name. */
export async function listStaff(
  db: Kysely<DB>,
  scope: StaffAdminScope,
  filters: { q: string; school: number | null; role: StaffRole | null; page: number },
): Promise<{ rows: StaffListRow[]; total: number; page: number; pages: number }> {
  let query = db.selectFrom('staff as s').leftJoin('user_accounts as a', 'a.staff_id', 's.id');
  if (!scope.district) {
    const schools = [...scope.schools];
    query = query.where('s.id', 'in', (eb) => eb.selectFrom('staff_roles').select('staff_id').where('school_id', 'in', schools.length > 0 ? schools : [0]));
  }
  for (const word of filters.q.toLowerCase().split(/\s+/).filter(Boolean)) {
    const like = containing(word);
    query = query.where(
      sql<SqlBool>`(lower(s.first_name) like ${like} escape '\\' or lower(s.last_name) like ${like} escape '\\' or lower(coalesce(s.email, '')) like ${like} escape '\\' or coalesce(a.username_key, '') like ${like} escape '\\')`,
    );
  }
  if (filters.school !== null || filters.role !== null) {
    query = query.where('s.id', 'in', (eb) => {
      let roles = eb.selectFrom('staff_roles').select('staff_id');
      if (filters.school !== null) roles = roles.where('school_id', '=', filters.school);
      if (filters.role !== null) roles = roles.where('role', '=', filters.role);
      return roles;
    });
  }
  const { n } = await query.select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow();
  const total = Number(n);
  const pages = Math.max(1, Math.ceil(total / STAFF_PAGE_SIZE));
  const page = Math.min(filters.page, pages);
  const rows = await query
    .select(['s.id', 's.first_name', 's.last_name', 's.email', 's.active', 's.sourced_id', 'a.username', 'a.status'])
    .orderBy('s.last_name')
    .orderBy('s.first_name')
    .orderBy('s.id')
    .limit(STAFF_PAGE_SIZE)
    .offset((page - 1) * STAFF_PAGE_SIZE)
    .execute();
  const roles = await rolesOf(
    db,
    rows.map((r) => r.id),
  );
  return {
    rows: rows.map((r) => ({
      id: r.id,
      firstName: r.first_name,
      lastName: r.last_name,
      email: r.email,
      username: r.username,
      active: r.active === 1,
      account: stateOf(r.status),
      sis: r.sourced_id !== null,
      roles: roles.get(r.id) ?? [],
    })),
    total,
    page,
    pages,
  };
}

/** One staff member as the scope sees them, or null when there is none or it is outside the scope (a 404). */
export async function staffMember(db: Kysely<DB>, scope: StaffAdminScope, staffId: number): Promise<StaffMember | null> {
  const row = await db
    .selectFrom('staff as s')
    .leftJoin('user_accounts as a', 'a.staff_id', 's.id')
    .select(['s.id', 's.staff_number', 's.first_name', 's.last_name', 's.email', 's.active', 's.sourced_id', 'a.id as account_id', 'a.username', 'a.status'])
    .where('s.id', '=', staffId)
    .executeTakeFirst();
  if (!row) return null;
  const roles = (await rolesOf(db, [row.id])).get(row.id)!;
  if (!sees(scope, roles)) return null;
  const sisRoles = row.sourced_id !== null ? (await rolesOf(db, [row.id], 'oneroster_staff_roles')).get(row.id)! : [];
  return {
    id: row.id,
    staffNumber: row.staff_number,
    firstName: row.first_name,
    lastName: row.last_name,
    email: row.email,
    username: row.username,
    accountId: row.account_id,
    active: row.active === 1,
    account: stateOf(row.status),
    sis: row.sourced_id !== null,
    roles,
    sisRoles: sisRoles.filter((g) => hasGrant(roles, g)),
    wholeAccount: managesWhole(scope, roles),
  };
}

/** The schools a form offers: every school for the district, a school administrator's own. */
export async function schoolsFor(db: Kysely<DB>, scope: StaffAdminScope): Promise<{ id: number; name: string }[]> {
  let query = db.selectFrom('schools').select(['id', 'name']).orderBy('name');
  if (!scope.district) query = query.where('id', 'in', scope.schools.size > 0 ? [...scope.schools] : [0]);
  return query.execute();
}

export type StaffResult = { kind: 'done'; staffId: number } | { kind: 'problems'; errors: FieldErrors } | { kind: 'notFound' };

/** Active district administrators other than this one: whether removing this one leaves the district one. */
async function otherActiveDistrictAdmins(db: Kysely<DB>, staffId: number): Promise<number> {
  const { n } = await db
    .selectFrom('staff_roles as r')
    .innerJoin('staff as s', 's.id', 'r.staff_id')
    .innerJoin('user_accounts as a', 'a.staff_id', 's.id')
    .select((eb) => eb.fn.count<number | string>('s.id').distinct().as('n'))
    .where('r.role', '=', 'district_admin')
    .where('s.active', '=', 1)
    .where('a.status', '=', 'active')
    .where('s.id', '<>', staffId)
    .executeTakeFirstOrThrow();
  return Number(n);
}

/** Grants naming a school that does not exist, or one the scope may not give. */
async function grantProblem(db: Kysely<DB>, scope: StaffAdminScope, grants: readonly RoleGrant[]): Promise<MessageKey | null> {
  if (grants.some((g) => !mayGrant(scope, g))) return 'staffAccounts.roleOutsideScope';
  const schoolIds = [...new Set(grants.map((g) => g.schoolId).filter((id): id is number => id !== null))];
  if (schoolIds.length === 0) return null;
  const found = await db.selectFrom('schools').select('id').where('id', 'in', schoolIds).execute();
  return found.length === schoolIds.length ? null : 'staffAccounts.badRoles';
}

/** Problems with the address: another staff member's, or another account's username or security email (the identity rule). */
async function emailProblem(db: Kysely<DB>, email: string, staffId: number | null): Promise<MessageKey | null> {
  const key = normalizeEmail(email);
  const owners = (await ownersOfEmails(db, [key], ['staff'])).get(key) ?? [];
  if (owners.some((o) => o.id !== staffId)) return 'staffAccounts.emailTaken';
  let accounts = db
    .selectFrom('user_accounts')
    .select('id')
    .where((eb) => eb.or([eb('username_key', '=', key), eb('security_email', '=', key)]));
  if (staffId !== null) accounts = accounts.where((eb) => eb.or([eb('staff_id', 'is', null), eb('staff_id', '<>', staffId)]));
  return (await accounts.executeTakeFirst()) ? 'staffAccounts.emailTaken' : null;
}

const detailsOf = (m: { firstName: string; lastName: string; email: string | null }) => ({ firstName: m.firstName, lastName: m.lastName, email: m.email });
const rolesText = (grants: readonly RoleGrant[]) => grants.map(grantValue).sort();

/**
 * Creates a staff member, their roles and a pending account, and queues the welcome email: all or
 * nothing. Refused: a username, email or staff number already taken, a role the scope may not give.
 */
export async function createStaff(db: Kysely<DB>, actor: StaffAdminActor, input: NewStaffInput, now: Date): Promise<StaffResult> {
  const errors: FieldErrors = {};
  if (input.roles.length === 0) errors.roles = 'staffAccounts.noRoles';
  const roleProblem = await grantProblem(db, actor.scope, input.roles);
  if (roleProblem) errors.roles = roleProblem;
  const emailTaken = await emailProblem(db, input.email, null);
  if (emailTaken) errors.email = emailTaken;
  const key = usernameKey('staff', input.username);
  if (await db.selectFrom('user_accounts').select('id').where('username_key', '=', key).executeTakeFirst()) errors.username = 'staffAccounts.usernameTaken';
  if (await db.selectFrom('staff').select('id').where('staff_number', '=', input.staffNumber).executeTakeFirst()) errors.staffNumber = 'staffAccounts.staffNumberTaken';
  if (Object.keys(errors).length > 0) return { kind: 'problems', errors };
  const t = now.toISOString();
  const primarySchool = input.roles.find((g) => g.schoolId !== null)?.schoolId ?? null;
  return db.transaction().execute(async (trx) => {
    const staff = await trx
      .insertInto('staff')
      .values({
        sourced_id: null,
        staff_number: input.staffNumber,
        first_name: input.firstName,
        last_name: input.lastName,
        email: input.email,
        phone: null,
        title: null,
        school_id: primarySchool,
        created_at: t,
        updated_at: t,
        updated_by: actor.actorAccountId,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await trx
      .insertInto('staff_roles')
      .values(input.roles.map((g) => ({ staff_id: staff.id, role: g.role, school_id: g.schoolId })))
      .execute();
    const account = await trx
      .insertInto('user_accounts')
      .values({
        username: input.username,
        username_key: key,
        password_hash: null,
        status: 'pending',
        security_email: input.email,
        security_email_confirmed_at: null,
        person_kind: 'staff',
        student_id: null,
        guardian_id: null,
        staff_id: staff.id,
        locale: null,
        created_at: t,
        updated_at: t,
        updated_by: actor.actorAccountId,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await queueWelcome(trx, account.id, now);
    await audit(
      trx,
      {
        action: 'staff.created',
        actorAccountId: actor.actorAccountId,
        subjectType: 'staff',
        subjectId: staff.id,
        ip: actor.ip,
        details: { after: { ...detailsOf(input), username: input.username, staffNumber: input.staffNumber, roles: rolesText(input.roles) } },
      },
      now,
    );
    return { kind: 'done', staffId: staff.id } as const;
  });
}

async function queueWelcome(db: Kysely<DB>, accountId: number, now: Date): Promise<void> {
  await enqueue(db, { kind: 'accounts.welcome', payload: { accountId }, uniqueKey: `welcome:${accountId}:${now.toISOString()}` }, now);
}

/**
 * Changes a staff member's name, email and roles. A school administrator changes only the roles at
 * their schools (the rest of the form must match what is stored). Refused: the SIS's fields of a staff
 * member it manages, one's own district administrator role, the last active district administrator's.
 */
export async function updateStaff(db: Kysely<DB>, actor: StaffAdminActor, staffId: number, input: StaffDetailsInput, now: Date): Promise<StaffResult> {
  const member = await staffMember(db, actor.scope, staffId);
  if (!member) return { kind: 'notFound' };
  const errors: FieldErrors = {};
  const changed = (['firstName', 'lastName', 'email'] as const).filter((f) => (f === 'email' ? normalizeEmail(member.email ?? '') !== input.email : member[f] !== input[f]));
  if (changed.length > 0 && member.sis) for (const f of changed) errors[f] = 'staffAccounts.sisOwned';
  else if (changed.length > 0 && !member.wholeAccount) for (const f of changed) errors[f] = 'staffAccounts.notYourStaff';
  if (changed.includes('email') && !errors.email) {
    const taken = await emailProblem(db, input.email, staffId);
    if (taken) errors.email = taken;
  }
  // The grants the scope does not manage stay as they are, whatever the form says.
  const kept = member.roles.filter((g) => !mayGrant(actor.scope, g));
  const wanted = input.roles.filter((g) => mayGrant(actor.scope, g));
  if (input.roles.some((g) => !mayGrant(actor.scope, g) && !hasGrant(member.roles, g))) errors.roles = 'staffAccounts.roleOutsideScope';
  const next = [...kept, ...wanted];
  const removed = member.roles.filter((g) => !hasGrant(next, g));
  const added = next.filter((g) => !hasGrant(member.roles, g));
  const roleProblem = await grantProblem(db, actor.scope, added);
  if (roleProblem) errors.roles = roleProblem;
  if (next.length === 0) errors.roles = 'staffAccounts.noRoles';
  // Saying the SIS keeps its role tells more than "choose a role".
  if (removed.some((g) => hasGrant(member.sisRoles, g))) errors.roles = 'staffAccounts.sisRole';
  const losesAdmin = member.roles.some((g) => g.role === 'district_admin') && !next.some((g) => g.role === 'district_admin');
  if (losesAdmin && member.id === actor.actorStaffId) errors.roles = 'staffAccounts.ownAdminRole';
  else if (losesAdmin && member.active && member.account === 'active' && (await otherActiveDistrictAdmins(db, member.id)) === 0) errors.roles = 'staffAccounts.lastAdmin';
  if (Object.keys(errors).length > 0) return { kind: 'problems', errors };
  if (changed.length === 0 && removed.length === 0 && added.length === 0) return { kind: 'done', staffId };

  const t = now.toISOString();
  await db.transaction().execute(async (trx) => {
    if (changed.length > 0) {
      await trx
        .updateTable('staff')
        .set({ first_name: input.firstName, last_name: input.lastName, email: input.email, updated_at: t, updated_by: actor.actorAccountId })
        .where('id', '=', staffId)
        .execute();
      // A pending account's welcome goes to the new address; a signed-in holder keeps their own security email.
      if (changed.includes('email') && member.accountId !== null && member.account === 'pending') {
        await trx.updateTable('user_accounts').set({ security_email: input.email, updated_at: t, updated_by: actor.actorAccountId }).where('id', '=', member.accountId).execute();
      }
    }
    for (const g of removed) {
      await trx
        .deleteFrom('staff_roles')
        .where('staff_id', '=', staffId)
        .where('role', '=', g.role)
        .where((eb) => (g.schoolId === null ? eb('school_id', 'is', null) : eb('school_id', '=', g.schoolId)))
        .execute();
    }
    if (added.length > 0) await trx.insertInto('staff_roles').values(added.map((g) => ({ staff_id: staffId, role: g.role, school_id: g.schoolId }))).execute();
    const before: Record<string, unknown> = {};
    const after: Record<string, unknown> = {};
    for (const f of changed) {
      before[f] = f === 'email' ? member.email : member[f];
      after[f] = input[f];
    }
    if (removed.length > 0 || added.length > 0) {
      before.roles = rolesText(member.roles);
      after.roles = rolesText(next);
    }
    await audit(trx, { action: 'staff.updated', actorAccountId: actor.actorAccountId, subjectType: 'staff', subjectId: staffId, ip: actor.ip, details: { before, after } }, now);
  });
  return { kind: 'done', staffId };
}

export type ActivationResult = { kind: 'done' } | { kind: 'refused'; reason: MessageKey } | { kind: 'notFound' };

/**
 * Deactivates (sessions and outstanding links end at once) or reactivates a staff member's account.
 * Refused: oneself, the last active district administrator, a member with roles outside the scope.
 */
export async function setStaffActive(db: Kysely<DB>, actor: StaffAdminActor, staffId: number, active: boolean, now: Date): Promise<ActivationResult> {
  const member = await staffMember(db, actor.scope, staffId);
  if (!member) return { kind: 'notFound' };
  if (!member.wholeAccount) return { kind: 'refused', reason: 'staffAccounts.notYourStaff' };
  if (!active && member.id === actor.actorStaffId) return { kind: 'refused', reason: 'staffAccounts.ownDeactivation' };
  const isAdmin = member.roles.some((g) => g.role === 'district_admin');
  if (!active && isAdmin && member.active && member.account === 'active' && (await otherActiveDistrictAdmins(db, member.id)) === 0) {
    return { kind: 'refused', reason: 'staffAccounts.lastAdmin' };
  }
  if (member.active === active && (member.account === 'none' || (member.account === 'disabled') === !active)) return { kind: 'done' };
  const t = now.toISOString();
  await db.transaction().execute(async (trx) => {
    await trx.updateTable('staff').set({ active: active ? 1 : 0, updated_at: t, updated_by: actor.actorAccountId }).where('id', '=', staffId).execute();
    if (member.accountId !== null) {
      if (active) {
        const account = await trx.selectFrom('user_accounts').select('password_hash').where('id', '=', member.accountId).executeTakeFirstOrThrow();
        await trx
          .updateTable('user_accounts')
          .set({ status: account.password_hash === null ? 'pending' : 'active', updated_at: t, updated_by: actor.actorAccountId })
          .where('id', '=', member.accountId)
          .where('status', '=', 'disabled')
          .execute();
      } else {
        await trx.updateTable('user_accounts').set({ status: 'disabled', updated_at: t, updated_by: actor.actorAccountId }).where('id', '=', member.accountId).execute();
        await deleteSessionsOf(trx, member.accountId);
        await endOutstandingTokens(trx, member.accountId, t);
      }
    }
    await audit(
      trx,
      {
        action: active ? 'staff.reactivated' : 'staff.deactivated',
        actorAccountId: actor.actorAccountId,
        subjectType: 'staff',
        subjectId: staffId,
        ip: actor.ip,
        details: { before: { account: member.account }, after: { account: active ? (member.account === 'none' ? 'none' : 'enabled') : 'disabled' } },
      },
      now,
    );
  });
  return { kind: 'done' };
}

/**
 * Sends (again) the welcome email with a link to choose a password. A staff member without an account
 * (one the import brought) gets a pending account first, named by their email. Refused: an inactive
 * member, an account that already has its password, a member with no email.
 */
export async function sendStaffWelcome(db: Kysely<DB>, actor: StaffAdminActor, staffId: number, now: Date): Promise<ActivationResult> {
  const member = await staffMember(db, actor.scope, staffId);
  if (!member) return { kind: 'notFound' };
  if (!member.wholeAccount) return { kind: 'refused', reason: 'staffAccounts.notYourStaff' };
  if (!member.active || member.account === 'disabled') return { kind: 'refused', reason: 'staffAccounts.welcomeInactive' };
  if (member.account === 'active') return { kind: 'refused', reason: 'staffAccounts.welcomeActive' };
  if (!member.email) return { kind: 'refused', reason: 'staffAccounts.welcomeNoEmail' };
  const email = normalizeEmail(member.email);
  const t = now.toISOString();
  if (member.accountId === null) {
    if (await db.selectFrom('user_accounts').select('id').where('username_key', '=', email).executeTakeFirst()) return { kind: 'refused', reason: 'staffAccounts.emailTaken' };
  }
  await db.transaction().execute(async (trx) => {
    let accountId = member.accountId;
    if (accountId === null) {
      accountId = (
        await trx
          .insertInto('user_accounts')
          .values({ username: email, username_key: email, password_hash: null, status: 'pending', security_email: email, security_email_confirmed_at: null, person_kind: 'staff', student_id: null, guardian_id: null, staff_id: staffId, locale: null, created_at: t, updated_at: t, updated_by: actor.actorAccountId })
          .returning('id')
          .executeTakeFirstOrThrow()
      ).id;
    }
    await queueWelcome(trx, accountId, now);
    await audit(trx, { action: 'staff.welcome_sent', actorAccountId: actor.actorAccountId, subjectType: 'staff', subjectId: staffId, ip: actor.ip, details: { to: email, accountCreated: member.accountId === null } }, now);
  });
  return { kind: 'done' };
}
