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
import type { DB, StaffRole } from '../../db/schema.js';
import type { StaffAbilities } from '../staff/tools.js';

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

/**
 * How far a staff member reaches when looking up a student: the schools of their office, nurse and
 * counselor roles, every school for a district administrator, and the sections they teach now (a
 * co-teacher as much as the primary teacher). Made only here.
 */
export interface StaffReach {
  readonly district: boolean;
  readonly schools: ReadonlySet<number>;
  readonly sections: ReadonlySet<number>;
  readonly [made]: true;
}

/** The roles whose school is theirs to look into. */
export const SCHOOL_ROLES = ['office', 'school_admin', 'district_admin', 'nurse', 'counselor'] as const;

/** A teacher's sections on a day: every assignment to the section that covers it. */
export async function sectionsTaughtBy(db: Kysely<DB>, staffId: number, today: string): Promise<Set<number>> {
  const rows = await db
    .selectFrom('section_teachers')
    .select('section_id')
    .where('staff_id', '=', staffId)
    .where('begin_date', '<=', today)
    .where((eb) => eb.or([eb('end_date', 'is', null), eb('end_date', '>=', today)]))
    .execute();
  return new Set(rows.map((r) => r.section_id));
}

/** The schools a staff member has one of these roles in (all of them for a district administrator). */
async function rolesAt(db: Kysely<DB>, staffId: number, roles: readonly StaffRole[]) {
  return db.selectFrom('staff_roles').select(['role', 'school_id']).where('staff_id', '=', staffId).where('role', 'in', roles).execute();
}

export async function staffReach(db: Kysely<DB>, staffId: number | null, today: string): Promise<StaffReach> {
  if (!staffId) return { district: false, schools: new Set<number>(), sections: new Set<number>() } as unknown as StaffReach;
  const roles = await rolesAt(db, staffId, SCHOOL_ROLES);
  return {
    district: roles.some((r) => r.role === 'district_admin'),
    schools: new Set(roles.filter((r) => r.school_id !== null).map((r) => r.school_id as number)),
    sections: await sectionsTaughtBy(db, staffId, today),
  } as unknown as StaffReach;
}

/** Whether the reach covers anyone at all: who may open the student search. */
export function reachesStudents(reach: StaffReach): boolean {
  return reach.district || reach.schools.size > 0 || reach.sections.size > 0;
}

/** A teacher acting on their sections: the sections they teach today. Made only here. */
export interface TeacherScope {
  readonly staffId: number;
  readonly sections: ReadonlySet<number>;
  readonly [made]: true;
}

export async function teacherScope(db: Kysely<DB>, staffId: number | null, today: string): Promise<TeacherScope> {
  const sections = staffId ? await sectionsTaughtBy(db, staffId, today) : new Set<number>();
  return { staffId: staffId ?? 0, sections } as unknown as TeacherScope;
}

export function teachesSection(scope: TeacherScope, sectionId: number): boolean {
  return scope.sections.has(sectionId);
}

/** A nurse's schools (the schools of their nurse roles). Made only here. */
export interface NurseScope {
  readonly schools: ReadonlySet<number>;
  readonly [made]: true;
}

export async function nurseScope(db: Kysely<DB>, staffId: number | null): Promise<NurseScope> {
  const roles = staffId ? await rolesAt(db, staffId, ['nurse']) : [];
  return { schools: new Set(roles.filter((r) => r.school_id !== null).map((r) => r.school_id as number)) } as unknown as NurseScope;
}

/** A counselor's schools (the schools of their counselor roles). Made only here. */
export interface CounselorScope {
  readonly schools: ReadonlySet<number>;
  readonly [made]: true;
}

export async function counselorScope(db: Kysely<DB>, staffId: number | null): Promise<CounselorScope> {
  const roles = staffId ? await rolesAt(db, staffId, ['counselor']) : [];
  return { schools: new Set(roles.filter((r) => r.school_id !== null).map((r) => r.school_id as number)) } as unknown as CounselorScope;
}

/**
 * Who manages staff accounts (issue 25): a district administrator every staff member; a school
 * administrator the staff of the schools of their `school_admin` roles, and within them only the roles
 * at those schools. Made only here.
 */
export interface StaffAdminScope {
  readonly district: boolean;
  readonly schools: ReadonlySet<number>;
  readonly [made]: true;
}

export async function staffAdminScope(db: Kysely<DB>, staffId: number | null): Promise<StaffAdminScope> {
  const roles = staffId ? await rolesAt(db, staffId, ['school_admin', 'district_admin']) : [];
  return {
    district: roles.some((r) => r.role === 'district_admin'),
    schools: new Set(roles.filter((r) => r.role === 'school_admin' && r.school_id !== null).map((r) => r.school_id as number)),
  } as unknown as StaffAdminScope;
}

/** Whether the scope manages any staff at all: who may open the staff accounts pages. */
export function managesStaff(scope: StaffAdminScope): boolean {
  return scope.district || scope.schools.size > 0;
}

/** What a staff member's Home lists (domain/staff/tools.ts): from their roles and today's sections. */
export async function staffAbilities(db: Kysely<DB>, staffId: number, today: string): Promise<StaffAbilities> {
  const rows = await db.selectFrom('staff_roles').select(['role', 'school_id']).where('staff_id', '=', staffId).execute();
  const roles = rows.map((r) => r.role);
  const office = await officeScope(db, staffId);
  const reach = await staffReach(db, staffId, today);
  return {
    teaches: reach.sections.size > 0,
    office: isOfficeStaff(office),
    nurse: roles.includes('nurse'),
    counselor: roles.includes('counselor'),
    districtAdmin: isDistrictAdmin(office),
    staffAdmin: isDistrictAdmin(office) || rows.some((r) => r.role === 'school_admin' && r.school_id !== null),
    reachesStudents: reachesStudents(reach),
  };
}
