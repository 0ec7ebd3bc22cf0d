/**
 * Staff scope, one function per role. The navigation (which links a signed-in account sees), the route
 * guards (who may open a staff page) and the domain functions that act for staff (which students and
 * guardians they may act on) all ask these, so the three cannot disagree.
 *
 * - Office staff: an `office`, `school_admin` or `district_admin` role. They act for the students of
 *   the schools of their roles, district administrators for every school.
 * - District administrator: a `district_admin` role. They run the district (settings, nightly jobs, mail).
 *
 * An OfficeScope is made only here (it carries a brand no other module can write), so a domain function
 * that takes one cannot be called with a scope a route made up.
 */
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';

declare const made: unique symbol;

export interface OfficeScope {
  /** every school: a district administrator, or the command line */
  readonly district: boolean;
  /** the schools of the office roles */
  readonly schools: ReadonlySet<number>;
  readonly [made]: true;
}

/** The roles that do office work. */
export const OFFICE_ROLES = ['office', 'school_admin', 'district_admin'] as const;

function scopeOf(roles: { role: string; school_id: number | null }[]): OfficeScope {
  return {
    district: roles.some((r) => r.role === 'district_admin'),
    schools: new Set(roles.filter((r) => r.school_id !== null).map((r) => r.school_id as number)),
  } as unknown as OfficeScope;
}

/** The office scope of each staff member, in one query. */
export async function officeScopes(db: Kysely<DB>, staffIds: readonly number[]): Promise<Map<number, OfficeScope>> {
  const roles =
    staffIds.length === 0
      ? []
      : await db
          .selectFrom('staff_roles')
          .select(['staff_id', 'role', 'school_id'])
          .where('staff_id', 'in', [...new Set(staffIds)])
          .where('role', 'in', OFFICE_ROLES)
          .execute();
  return new Map(staffIds.map((id) => [id, scopeOf(roles.filter((r) => r.staff_id === id))]));
}

/** The office scope of one account's staff member; empty for families and for staff without an office role. */
export async function officeScope(db: Kysely<DB>, staffId: number | null): Promise<OfficeScope> {
  if (!staffId) return scopeOf([]);
  return (await officeScopes(db, [staffId])).get(staffId)!;
}

/** Whoever runs the command line runs the server: the whole district. Never for a web request. */
export function operatorScope(): OfficeScope {
  return { district: true, schools: new Set<number>() } as unknown as OfficeScope;
}

/** A domain function was asked to act outside the caller's scope: a programming error, never an answer to a family. */
export class OutsideScope extends Error {
  constructor(what: string) {
    super(`Outside the staff member's scope: ${what}`);
    this.name = 'OutsideScope';
  }
}

/** A staff member acting: their scope, their account (for the audit log), where from. */
export interface StaffActor {
  scope: OfficeScope;
  /** null: the command line */
  actorAccountId: number | null;
  ip: string | null;
}

/** What the office of one school sees: to route a public request to the office that may read all of it. */
export function schoolOfficeScope(schoolId: number): OfficeScope {
  return scopeOf([{ role: 'office', school_id: schoolId }]);
}

/** Office staff: may open the staff pages (account requests, contact changes, keys, account help). */
export function isOfficeStaff(scope: OfficeScope): boolean {
  return scope.district || scope.schools.size > 0;
}

/** District administrator: may open the administrators' pages. */
export function isDistrictAdmin(scope: OfficeScope): boolean {
  return scope.district;
}

/** Whether the scope covers a school's students. */
export function mayActOnSchool(scope: OfficeScope, schoolId: number): boolean {
  return scope.district || scope.schools.has(schoolId);
}
