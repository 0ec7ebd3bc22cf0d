/**
 * Which students a staff member may act on for account work (activation keys, resets): office staff
 * and school administrators for the students of their schools, district administrators for all.
 */
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';

export interface OfficeScope {
  district: boolean;
  schools: Set<number>;
}

export async function officeScope(db: Kysely<DB>, staffId: number | null): Promise<OfficeScope> {
  if (!staffId) return { district: false, schools: new Set() };
  const roles = await db
    .selectFrom('staff_roles')
    .select(['role', 'school_id'])
    .where('staff_id', '=', staffId)
    .where('role', 'in', ['office', 'school_admin', 'district_admin'])
    .execute();
  return {
    district: roles.some((r) => r.role === 'district_admin'),
    schools: new Set(roles.filter((r) => r.school_id !== null).map((r) => r.school_id as number)),
  };
}

export function mayActOnSchool(scope: OfficeScope, schoolId: number): boolean {
  return scope.district || scope.schools.has(schoolId);
}

export function isOfficeStaff(scope: OfficeScope): boolean {
  return scope.district || scope.schools.size > 0;
}
