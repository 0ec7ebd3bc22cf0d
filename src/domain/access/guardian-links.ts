/**
 * The guardian-link rules, each written once. Every query that asks which students a guardian acts for,
 * or which guardians act for a student, starts from one of these and adds its own joins and filters.
 *
 * - A **portal link** is a guardian's active link with portal rights: portal access on, rights not
 *   revoked (a court order revokes them; staff never turn a revoked link back on). It decides what a
 *   guardian reads in the portal, who gets a nightly account or an Activation Key, which guardians an
 *   office may act for, and who is told of a student's first sign-in.
 * - A **contact link** is any link whose rights were not revoked, with or without portal access (an
 *   emergency contact, a parent whose portal access staff turned off). It decides only which school
 *   offices keep a guardian's contact details (phones, email on record, household address): those
 *   are the school's to keep right whether or not the guardian reads the portal. ADR 0017.
 */
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';

/** student_guardians as `sg`, only the links that carry portal rights. */
export function portalLinks(db: Kysely<DB>) {
  return db.selectFrom('student_guardians as sg').where('sg.portal_access', '=', 1).where('sg.rights_revoked', '=', 0);
}

/** student_guardians as `sg`, only the links whose rights were not revoked (portal access or not). */
export function contactLinks(db: Kysely<DB>) {
  return db.selectFrom('student_guardians as sg').where('sg.rights_revoked', '=', 0);
}
