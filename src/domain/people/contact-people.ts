/**
 * The people around a student whom a family may ask the office about (ADR 0050):
 * - the student's **emergency contacts**: people linked to the student without portal access (not
 *   revoked) and marked `emergency_contact` — the relatives and friends the school calls when it cannot
 *   reach a parent. Parents with portal access are emergency contacts too, but a family corrects their
 *   details as guardians (their own, or below), not here.
 * - the **other guardians of the requester's household**: guardians with portal access to the student who
 *   share the requester's household. A guardian of another home (a separated parent) is not theirs to
 *   correct.
 * And the one service that writes what the office approved about them, each change audited with what it
 * was and what it became.
 */
import type { Kysely, Updateable } from 'kysely';
import type { DB, GuardianTable } from '../../db/schema.js';
import { audit } from '../audit/service.js';
import { contactLinks } from '../access/guardian-links.js';

/** At most this many emergency contacts (besides the parents and guardians) per student, waiting additions counted. */
export const MAX_EMERGENCY_CONTACTS = 5;

export const PERSON_FIELDS = ['first_name', 'last_name', 'phone_mobile', 'phone_home', 'phone_work', 'email'] as const;
export type PersonColumn = (typeof PERSON_FIELDS)[number];

export interface ContactPerson {
  guardianId: number;
  /** the link of this person to the student */
  linkId: number;
  kind: 'contact' | 'guardian';
  firstName: string;
  lastName: string;
  relationship: string;
  phoneMobile: string | null;
  phoneHome: string | null;
  phoneWork: string | null;
  email: string | null;
}

function peopleQuery(db: Kysely<DB>, studentId: number) {
  return contactLinks(db)
    .innerJoin('guardians as g', 'g.id', 'sg.guardian_id')
    .select(['g.id', 'sg.id as link_id', 'sg.portal_access', 'sg.emergency_contact', 'g.household_id', 'g.first_name', 'g.last_name', 'sg.relationship', 'g.phone_mobile', 'g.phone_home', 'g.phone_work', 'g.email'])
    .where('sg.student_id', '=', studentId)
    .orderBy('sg.contact_priority')
    .orderBy('sg.id');
}

/** The student's emergency contacts and the requester's household's other guardians, in calling order. */
export async function peopleAround(db: Kysely<DB>, studentId: number, requesterGuardianId: number): Promise<ContactPerson[]> {
  const requester = await db.selectFrom('guardians').select('household_id').where('id', '=', requesterGuardianId).executeTakeFirst();
  const rows = await peopleQuery(db, studentId).execute();
  const out: ContactPerson[] = [];
  for (const r of rows) {
    let kind: ContactPerson['kind'] | null = null;
    if (r.portal_access === 0 && r.emergency_contact === 1) kind = 'contact';
    else if (r.portal_access === 1 && r.id !== requesterGuardianId && r.household_id !== null && r.household_id === requester?.household_id) kind = 'guardian';
    if (!kind) continue;
    out.push({
      guardianId: r.id,
      linkId: r.link_id,
      kind,
      firstName: r.first_name,
      lastName: r.last_name,
      relationship: r.relationship,
      phoneMobile: r.phone_mobile,
      phoneHome: r.phone_home,
      phoneWork: r.phone_work,
      email: r.email,
    });
  }
  return out;
}

/** One of those people, or null when they are not (or no longer) one of them. */
export async function personAround(db: Kysely<DB>, studentId: number, requesterGuardianId: number, guardianId: number): Promise<ContactPerson | null> {
  return (await peopleAround(db, studentId, requesterGuardianId)).find((p) => p.guardianId === guardianId) ?? null;
}

/** How many emergency contacts the student has now. */
export async function emergencyContactCount(db: Kysely<DB>, studentId: number): Promise<number> {
  const row = await contactLinks(db)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('sg.student_id', '=', studentId)
    .where('sg.portal_access', '=', 0)
    .where('sg.emergency_contact', '=', 1)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * Serializes the requests and decisions about one person, or about one student's list of contacts: on
 * PostgreSQL an update takes the row's lock until the transaction ends, so the second of two at once
 * waits and then sees the first (SQLite transactions hold the write lock from their start, ADR 0022).
 * The update writes the value the row has.
 */
export async function lockPerson(trx: Kysely<DB>, guardianId: number): Promise<void> {
  await trx.updateTable('guardians').set((eb) => ({ updated_at: eb.ref('updated_at') })).where('id', '=', guardianId).execute();
}

export async function lockStudentContacts(trx: Kysely<DB>, studentId: number): Promise<void> {
  await trx.updateTable('students').set((eb) => ({ updated_at: eb.ref('updated_at') })).where('id', '=', studentId).execute();
}

export interface NewEmergencyContact {
  firstName: string;
  lastName: string;
  relationship: string;
  phoneMobile: string | null;
  phoneHome: string | null;
  phoneWork: string | null;
}

interface Writer {
  actorAccountId: number;
  ip: string | null;
  /** the change request this comes from, for the audit log */
  requestId: number;
}

/**
 * The one place where approved changes to these people are written (in the caller's transaction):
 * the person's own columns (shared by every student they are linked to), the relationship of their link
 * to this student, a new emergency contact (a person with no household and a link without portal access
 * or mail), or the end of one (the link stays, no longer an emergency contact: the history keeps who it
 * was). Each is audited with its before and after.
 */
export async function writePersonChanges(
  trx: Kysely<DB>,
  writer: Writer,
  change:
    | { kind: 'update'; studentId: number; guardianId: number; person: Partial<Record<PersonColumn, string | null>>; relationship?: string; before: Record<string, string | null> }
    | { kind: 'add'; studentId: number; contact: NewEmergencyContact }
    | { kind: 'remove'; studentId: number; guardianId: number },
  now: Date,
): Promise<number | null> {
  const t = now.toISOString();
  const stamp = { updated_at: t, updated_by: writer.actorAccountId };
  const log = (subjectType: string, subjectId: number, details: Record<string, unknown>) =>
    audit(trx, { action: 'contact_change.approved', actorAccountId: writer.actorAccountId, subjectType, subjectId, ip: writer.ip, details: { request: writer.requestId, ...details } }, now);
  if (change.kind === 'update') {
    if (Object.keys(change.person).length > 0) {
      // names are required by the form (requests/schemas.ts): never null here
      await trx.updateTable('guardians').set({ ...(change.person as Updateable<GuardianTable>), ...stamp }).where('id', '=', change.guardianId).execute();
    }
    if (change.relationship !== undefined) {
      await trx.updateTable('student_guardians').set({ relationship: change.relationship, ...stamp }).where('student_id', '=', change.studentId).where('guardian_id', '=', change.guardianId).execute();
    }
    const after: Record<string, string | null> = { ...change.person, ...(change.relationship !== undefined ? { relationship: change.relationship } : {}) };
    await log('guardian', change.guardianId, { student: change.studentId, before: Object.fromEntries(Object.keys(after).map((k) => [k, change.before[k] ?? null])), after });
    return change.guardianId;
  }
  if (change.kind === 'add') {
    const c = change.contact;
    const district = await trx.selectFrom('district').select('locale').executeTakeFirst();
    const guardian = await trx
      .insertInto('guardians')
      .values({
        sourced_id: null,
        first_name: c.firstName,
        last_name: c.lastName,
        email: null,
        phone_mobile: c.phoneMobile,
        phone_home: c.phoneHome,
        phone_work: c.phoneWork,
        household_id: null,
        preferred_language: district?.locale ?? 'en',
        created_at: t,
        ...stamp,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const last = await trx.selectFrom('student_guardians').select((eb) => eb.fn.max('contact_priority').as('p')).where('student_id', '=', change.studentId).executeTakeFirst();
    await trx
      .insertInto('student_guardians')
      .values({
        student_id: change.studentId,
        guardian_id: guardian.id,
        relationship: c.relationship,
        portal_access: 0,
        rights_revoked: 0,
        lives_with: 0,
        receives_mail: 0,
        emergency_contact: 1,
        contact_priority: Number(last?.p ?? 0) + 1,
        created_at: t,
        ...stamp,
      })
      .execute();
    await log('guardian', guardian.id, { student: change.studentId, before: null, after: { ...c } });
    return guardian.id;
  }
  await trx.updateTable('student_guardians').set({ emergency_contact: 0, ...stamp }).where('student_id', '=', change.studentId).where('guardian_id', '=', change.guardianId).execute();
  await log('guardian', change.guardianId, { student: change.studentId, before: { emergency_contact: true }, after: { emergency_contact: false } });
  return change.guardianId;
}
