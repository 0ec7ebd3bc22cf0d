/** The staff account forms' input (issue 25): one schema per form, shared by the pages and any future API. */
import { z } from 'zod';
import type { StaffRole } from '../../db/schema.js';
import type { MessageKey } from '../../i18n/index.js';
import { normalizeEmail } from '../accounts/identity.js';
import { MAX_ID, emailField, requiredText } from '../forms.js';

/** The roles a staff member can hold, in the order the pages show them. */
export const STAFF_ROLES: readonly StaffRole[] = ['teacher', 'office', 'counselor', 'nurse', 'school_admin', 'district_admin'];

/** A role held at a school, or (district_admin only) for the whole district. */
export interface RoleGrant {
  role: StaffRole;
  schoolId: number | null;
}

/** How a role is named in a form: `teacher@12` (a role at school 12) or `district_admin`. */
export function grantValue(g: RoleGrant): string {
  return g.schoolId === null ? g.role : `${g.role}@${g.schoolId}`;
}

const GRANT = /^(?:(teacher|office|counselor|nurse|school_admin)@(\d{1,10})|(district_admin))$/;

function parseGrant(value: string): RoleGrant | null {
  const m = GRANT.exec(value);
  if (!m) return null;
  if (m[3]) return { role: 'district_admin', schoolId: null };
  const schoolId = Number(m[2]);
  return schoolId >= 1 && schoolId <= MAX_ID ? { role: m[1] as StaffRole, schoolId } : null;
}

/** The role checkboxes: none, one or several grants, each once. */
const roleGrants = z
  .union([z.string(), z.array(z.string()).max(500)], { error: 'staffAccounts.badRoles' satisfies MessageKey })
  .optional()
  .transform((v, ctx) => {
    const values = v === undefined ? [] : Array.isArray(v) ? v : [v];
    const grants = new Map<string, RoleGrant>();
    for (const value of values) {
      const grant = parseGrant(value);
      if (!grant) {
        ctx.addIssue({ code: 'custom', message: 'staffAccounts.badRoles' satisfies MessageKey });
        return z.NEVER;
      }
      grants.set(grantValue(grant), grant);
    }
    return [...grants.values()];
  });

/**
 * A username a staff member signs in with: letters, digits and . _ - @ +, with at least one letter (so
 * it can never be a student number), 3 to 100 characters once the identity rule has folded it.
 */
const staffUsername = requiredText(100).pipe(
  z
    .string()
    .transform((v) => v.normalize('NFKC').trim().toLowerCase())
    .refine((v) => /^[a-z0-9._@+-]{3,100}$/.test(v) && /[a-z]/.test(v), 'staffAccounts.badUsername' satisfies MessageKey),
);

const staffNumber = requiredText(20).refine((v) => /^[A-Za-z0-9._-]+$/.test(v), 'staffAccounts.badStaffNumber' satisfies MessageKey);

/** The details of a staff member a form edits (the SIS's fields among them). */
export const staffDetailsInput = z.object({
  firstName: requiredText(100),
  lastName: requiredText(100),
  email: emailField(),
  roles: roleGrants,
});

/**
 * The same form for a staff member from the SIS: the name and email are the SIS's, not local edits, so
 * they are not validated as such (an SIS address this form would call odd must not block a change of
 * roles); accounts.ts refuses any change to them with a message naming the SIS.
 */
export const sisStaffDetailsInput = z.object({
  firstName: z.string().max(1000, 'form.tooLong' satisfies MessageKey),
  lastName: z.string().max(1000, 'form.tooLong' satisfies MessageKey),
  email: z.string().max(1000, 'form.tooLong' satisfies MessageKey).transform(normalizeEmail),
  roles: roleGrants,
});

export const newStaffInput = staffDetailsInput.extend({
  username: staffUsername,
  staffNumber,
});

export type StaffDetailsInput = z.output<typeof staffDetailsInput>;
export type NewStaffInput = z.output<typeof newStaffInput>;

/** The staff list's search and filters, from the address. Anything unusable is left out, never an error. */
export function staffListFilters(query: Record<string, unknown>): { q: string; school: number | null; role: StaffRole | null; page: number } {
  const text = (v: unknown) => (typeof v === 'string' ? v.normalize('NFKC').trim().slice(0, 100) : '');
  const school = text(query.school);
  const role = text(query.role);
  const page = text(query.page);
  return {
    q: text(query.q),
    school: /^\d{1,10}$/.test(school) && Number(school) <= MAX_ID && Number(school) >= 1 ? Number(school) : null,
    role: (STAFF_ROLES as readonly string[]).includes(role) ? (role as StaffRole) : null,
    page: /^\d{1,6}$/.test(page) && Number(page) >= 1 ? Number(page) : 1,
  };
}
