/**
 * Parents ask for corrections to their own phone numbers and email on record and to their household's
 * address (the second seed: "change or request changes to demographic information, including phone #
 * and email address"); office staff approve or reject each field. Approved fields are written in one
 * transaction with the request's decision and audited; the parent is told by email.
 *
 * The email here is the contact email on record (where the school writes). The account's security
 * email, used for recovery, is changed in Account Settings with a confirmation link, never here.
 */
import type { Kysely } from 'kysely';
import type { ChangeRequestKind, DB } from '../../db/schema.js';
import { enqueueEmail } from '../../email/outbox.js';
import { composeEmail } from '../../email/templates.js';
import { translate, type Locale } from '../../i18n/index.js';
import { accountLocale, confirmedEmail, type AccountMailDistrict } from '../accounts/mail.js';
import { findAccountById } from '../accounts/repository.js';
import { contactLinks } from '../access/guardian-links.js';
import { audit } from '../audit/service.js';
import { displayPhone } from '../people/phones.js';
import { emergencyContactCount, lockStudentContacts, MAX_EMERGENCY_CONTACTS, PERSON_FIELDS, personAround, writePersonChanges, type NewEmergencyContact, type PersonColumn } from '../people/contact-people.js';
import { mayActOnSchool, type OfficeScope, type StaffActor } from '../access/staff.js';
import { labelledRelationship, type ContactChangeInput } from './schemas.js';

export const GUARDIAN_FIELDS = ['email', 'phone_mobile', 'phone_home', 'phone_work'] as const;
export const HOUSEHOLD_FIELDS = ['address_line1', 'address_line2', 'city', 'state', 'postal_code', 'phone'] as const;
export type GuardianField = (typeof GUARDIAN_FIELDS)[number];
export type HouseholdField = (typeof HOUSEHOLD_FIELDS)[number];
export type ContactField = `guardian.${GuardianField}` | `household.${HouseholdField}`;
/**
 * Fields of a request about another person (ADR 0050): their own columns, their relationship to the
 * student, and the one-item addition (the new contact as JSON, `NewEmergencyContact`) and removal.
 */
export type PersonField = `contact.${PersonColumn}` | 'link.relationship' | 'link.add' | 'link.remove';
export type AnyField = ContactField | PersonField;

/** The fields that hold a phone number (stored E.164, people/phones.ts). */
export const isPhoneField = (f: AnyField) => f === 'household.phone' || f.startsWith('guardian.phone_') || f.startsWith('contact.phone_');

/** The new emergency contact a `link.add` field holds. */
export function parseNewContact(value: string | null): NewEmergencyContact | null {
  if (!value) return null;
  try {
    const v = JSON.parse(value) as NewEmergencyContact;
    return typeof v.firstName === 'string' && typeof v.lastName === 'string' ? v : null;
  } catch {
    return null;
  }
}

/** Form field name for each record field. */
export const FORM_NAMES: Record<ContactField, keyof ContactChangeInput> = {
  'guardian.email': 'email',
  'guardian.phone_mobile': 'phoneMobile',
  'guardian.phone_home': 'phoneHome',
  'guardian.phone_work': 'phoneWork',
  'household.address_line1': 'addressLine1',
  'household.address_line2': 'addressLine2',
  'household.city': 'city',
  'household.state': 'state',
  'household.postal_code': 'postalCode',
  'household.phone': 'householdPhone',
};

export interface FieldRequest {
  id: number;
  field: AnyField;
  oldValue: string | null;
  newValue: string | null;
  status: 'pending' | 'approved' | 'rejected' | 'withdrawn';
}

export interface ContactRequestView {
  id: number;
  kind: ChangeRequestKind;
  studentId: number | null;
  subjectGuardianId: number | null;
  /** the guardian who asked */
  guardianId: number;
  submittedAt: string;
  status: 'pending' | 'decided' | 'withdrawn';
  decidedAt: string | null;
  note: string | null;
  fields: FieldRequest[];
}

export interface ContactInfo {
  guardianId: number;
  name: string;
  householdId: number | null;
  householdName: string | null;
  current: Partial<Record<ContactField, string | null>>;
  pending: ContactRequestView | null;
  recent: ContactRequestView[];
}

async function currentValues(db: Kysely<DB>, guardianId: number) {
  const g = await db
    .selectFrom('guardians as g')
    .leftJoin('households as h', 'h.id', 'g.household_id')
    .select([
      'g.id',
      'g.first_name',
      'g.last_name',
      'g.email',
      'g.phone_mobile',
      'g.phone_home',
      'g.phone_work',
      'g.household_id',
      'h.name as household_name',
      'h.address_line1',
      'h.address_line2',
      'h.city',
      'h.state',
      'h.postal_code',
      'h.phone',
    ])
    .where('g.id', '=', guardianId)
    .executeTakeFirst();
  if (!g) return null;
  const current: Partial<Record<ContactField, string | null>> = {};
  for (const f of GUARDIAN_FIELDS) current[`guardian.${f}`] = g[f];
  if (g.household_id !== null) for (const f of HOUSEHOLD_FIELDS) current[`household.${f}`] = g[f];
  return { g, current };
}

/** Requests with their fields: one by id; a guardian's own ('own'); or those about the people around a student. */
export async function requestsOf(
  db: Kysely<DB>,
  where: { guardianId?: number; requestId?: number; own?: true; studentId?: number; status?: 'pending' | 'done' },
  limit: number,
): Promise<ContactRequestView[]> {
  let q = db.selectFrom('change_requests').selectAll().orderBy('id', 'desc').limit(limit);
  if (where.guardianId !== undefined) q = q.where('guardian_id', '=', where.guardianId);
  if (where.requestId !== undefined) q = q.where('id', '=', where.requestId);
  if (where.own) q = q.where('kind', '=', 'own');
  if (where.studentId !== undefined) q = q.where('student_id', '=', where.studentId);
  if (where.status === 'pending') q = q.where('status', '=', 'pending');
  if (where.status === 'done') q = q.where('status', '!=', 'pending');
  const requests = await q.execute();
  if (requests.length === 0) return [];
  const fields = await db
    .selectFrom('change_request_fields')
    .selectAll()
    .where('request_id', 'in', requests.map((r) => r.id))
    .orderBy('id')
    .execute();
  return requests.map((r) => ({
    id: r.id,
    kind: r.kind,
    studentId: r.student_id,
    subjectGuardianId: r.subject_guardian_id,
    guardianId: r.guardian_id,
    submittedAt: r.submitted_at,
    status: r.status,
    decidedAt: r.decided_at,
    note: fields.find((f) => f.request_id === r.id && f.reason)?.reason ?? null,
    fields: fields
      .filter((f) => f.request_id === r.id)
      .map((f) => ({ id: f.id, field: `${f.target}.${f.field}` as AnyField, oldValue: f.old_value, newValue: f.new_value, status: f.status })),
  }));
}

/** The parent's contact data, their open request and the last few decided ones. */
export async function contactInfo(db: Kysely<DB>, guardianId: number): Promise<ContactInfo | null> {
  const found = await currentValues(db, guardianId);
  if (!found) return null;
  const { g, current } = found;
  const requests = await requestsOf(db, { guardianId, own: true }, 6);
  return {
    guardianId,
    name: `${g.first_name} ${g.last_name}`,
    householdId: g.household_id,
    householdName: g.household_name,
    current,
    pending: requests.find((r) => r.status === 'pending') ?? null,
    recent: requests.filter((r) => r.status !== 'pending').slice(0, 5),
  };
}

export type SubmitChangesResult = { kind: 'submitted'; fields: number } | { kind: 'noChanges' } | { kind: 'withdrawn' } | { kind: 'missing' };

/**
 * Asks for every field whose value differs from the record. While a request is waiting, sending the
 * form again updates it: new values replace the waiting ones, a value set back to the record's
 * withdraws that field. Nothing is written to the record itself until staff approve.
 */
export async function requestContactChanges(
  db: Kysely<DB>,
  input: { accountId: number; guardianId: number; values: ContactChangeInput; ip: string | null },
  now: Date,
): Promise<SubmitChangesResult> {
  const found = await currentValues(db, input.guardianId);
  if (!found) return { kind: 'missing' };
  const { g, current } = found;
  const wanted = new Map<ContactField, string | null>();
  for (const [field, name] of Object.entries(FORM_NAMES) as [ContactField, keyof ContactChangeInput][]) {
    if (!(field in current)) continue; // no household: no address to change
    wanted.set(field, input.values[name] ?? null);
  }
  const same = (a: string | null | undefined, b: string | null | undefined) => (a ?? '') === (b ?? '');
  const changed = [...wanted].filter(([field, value]) => !same(current[field], value));
  const t = now.toISOString();
  return db.transaction().execute(async (trx) => {
    const open = await trx
      .selectFrom('change_requests')
      .select('id')
      .where('guardian_id', '=', input.guardianId)
      .where('kind', '=', 'own')
      .where('status', '=', 'pending')
      .executeTakeFirst();
    if (changed.length === 0 && !open) return { kind: 'noChanges' } as const;
    let requestId = open?.id;
    if (!requestId) {
      requestId = (
        await trx
          .insertInto('change_requests')
          .values({ guardian_id: input.guardianId, account_id: input.accountId, household_id: g.household_id, student_id: null, subject_guardian_id: null, submitted_at: t, decided_at: null, decided_by: null })
          .returning('id')
          .executeTakeFirstOrThrow()
      ).id;
    } else {
      await trx.updateTable('change_requests').set({ submitted_at: t }).where('id', '=', requestId).execute();
    }
    const waiting = await trx.selectFrom('change_request_fields').select(['id', 'target', 'field']).where('request_id', '=', requestId).where('status', '=', 'pending').execute();
    for (const w of waiting) {
      const key = `${w.target}.${w.field}` as ContactField;
      if (!changed.some(([f]) => f === key)) {
        await trx.updateTable('change_request_fields').set({ status: 'withdrawn' }).where('id', '=', w.id).execute();
      }
    }
    for (const [field, value] of changed) {
      const [target, column] = field.split('.') as ['guardian' | 'household', string];
      const existing = waiting.find((w) => w.target === target && w.field === column);
      if (existing) {
        await trx.updateTable('change_request_fields').set({ new_value: value, old_value: current[field] ?? null }).where('id', '=', existing.id).execute();
      } else {
        await trx
          .insertInto('change_request_fields')
          .values({ request_id: requestId, target, field: column, old_value: current[field] ?? null, new_value: value, reason: null })
          .execute();
      }
    }
    if (changed.length === 0) {
      await trx.updateTable('change_requests').set({ status: 'withdrawn' }).where('id', '=', requestId).execute();
    }
    await audit(
      trx,
      {
        action: changed.length === 0 ? 'contact_change.withdrawn' : 'contact_change.requested',
        actorAccountId: input.accountId,
        subjectType: 'change_request',
        subjectId: requestId,
        ip: input.ip,
        details: { fields: changed.map(([f]) => f) },
      },
      now,
    );
    // Every value set back to the record's: the waiting request has nothing left and is withdrawn.
    return changed.length === 0 ? ({ kind: 'withdrawn' } as const) : ({ kind: 'submitted', fields: changed.length } as const);
  });
}

/** The parent takes back a waiting request. */
export async function withdrawContactChanges(db: Kysely<DB>, input: { accountId: number; guardianId: number; ip: string | null }, now: Date): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const open = await trx.selectFrom('change_requests').select('id').where('guardian_id', '=', input.guardianId).where('kind', '=', 'own').where('status', '=', 'pending').executeTakeFirst();
    if (!open) return false;
    await trx.updateTable('change_request_fields').set({ status: 'withdrawn' }).where('request_id', '=', open.id).where('status', '=', 'pending').execute();
    await trx.updateTable('change_requests').set({ status: 'withdrawn', decided_at: now.toISOString() }).where('id', '=', open.id).execute();
    await audit(trx, { action: 'contact_change.withdrawn', actorAccountId: input.accountId, subjectType: 'change_request', subjectId: open.id, ip: input.ip }, now);
    return true;
  });
}

// ── staff ──────────────────────────────────────────────────────────────────────────────────────────

/**
 * Change requests of parents linked to a student of the staff member's schools (district admins: all),
 * unless the request asks to change a household whose students are all at other schools: that
 * household's address is not this office's to read or to change (its school's office and the
 * district office decide). A household with no students is its guardians' own, so theirs to decide.
 * A request about the people around a student (ADR 0050) is the office's of that student's school.
 */
function changeRequestsInScope(db: Kysely<DB>, scope: OfficeScope) {
  const q = db.selectFrom('change_requests as c').innerJoin('guardians as g', 'g.id', 'c.guardian_id');
  if (scope.district) return q;
  const schools = scope.schools.size > 0 ? [...scope.schools] : [-1];
  return q.where((outer) =>
    outer.or([
      outer.and([
        outer('c.kind', '!=', 'own'),
        outer.exists(outer.selectFrom('students as rs').select('rs.id').whereRef('rs.id', '=', 'c.student_id').where('rs.school_id', 'in', schools)),
      ]),
      outer.and([
        outer('c.kind', '=', 'own'),
        outer.exists(
          contactLinks(db)
            .innerJoin('students as s', 's.id', 'sg.student_id')
            .select('sg.id')
            .where('sg.guardian_id', '=', outer.ref('c.guardian_id'))
            .where('s.school_id', 'in', schools),
        ),
        // the household part of an own request is this office's (see above)
        outer.or([
          outer('c.household_id', 'is', null),
          outer.not(
            outer.exists(
              outer
                .selectFrom('change_request_fields as f')
                .select('f.id')
                .whereRef('f.request_id', '=', 'c.id')
                .where('f.target', '=', 'household')
                .where('f.status', '!=', 'withdrawn'),
            ),
          ),
          outer.not(outer.exists(outer.selectFrom('household_students as hs').select('hs.student_id').whereRef('hs.household_id', '=', 'c.household_id'))),
          outer.exists(
            outer
              .selectFrom('household_students as hs')
              .innerJoin('students as hst', 'hst.id', 'hs.student_id')
              .select('hs.student_id')
              .whereRef('hs.household_id', '=', 'c.household_id')
              .where('hst.school_id', 'in', schools),
          ),
        ]),
      ]),
    ]),
  );
}

/** Of these households, those the staff member may read: with a student of their schools, or with no students. */
async function householdsInScope(db: Kysely<DB>, scope: OfficeScope, ids: number[]): Promise<Set<number>> {
  if (scope.district || ids.length === 0) return new Set(ids);
  const rows = await db
    .selectFrom('household_students as hs')
    .innerJoin('students as s', 's.id', 'hs.student_id')
    .select(['hs.household_id', 's.school_id'])
    .where('hs.household_id', 'in', ids)
    .execute();
  return new Set(ids.filter((id) => rows.every((r) => r.household_id !== id) || rows.some((r) => r.household_id === id && scope.schools.has(r.school_id))));
}

export interface ChangeListItem {
  id: number;
  submittedAt: string;
  parent: string;
  fields: number;
  status: string;
  kind: ChangeRequestKind;
  /** a request about another person: whom (null for an addition) */
  subject: string | null;
  /** a request about another person: for which student */
  student: string | null;
}

export async function listChangeRequests(db: Kysely<DB>, scope: OfficeScope, status: 'pending' | 'decided'): Promise<ChangeListItem[]> {
  const rows = await changeRequestsInScope(db, scope)
    .leftJoin('guardians as sub', 'sub.id', 'c.subject_guardian_id')
    .leftJoin('students as st', 'st.id', 'c.student_id')
    .select([
      'c.id',
      'c.submitted_at',
      'c.status',
      'c.kind',
      'g.first_name',
      'g.last_name',
      'sub.first_name as sub_first',
      'sub.last_name as sub_last',
      (eb) => eb.fn.coalesce('st.preferred_first_name', 'st.legal_first_name').as('st_first'),
      'st.legal_last_name as st_last',
      (eb) =>
        eb
          .selectFrom('change_request_fields as f')
          .select((e) => e.fn.countAll<number>().as('n'))
          .whereRef('f.request_id', '=', 'c.id')
          .where('f.status', '!=', 'withdrawn')
          .as('fields'),
    ])
    .where('c.status', '=', status)
    .orderBy('c.submitted_at', status === 'pending' ? 'asc' : 'desc')
    .limit(200)
    .execute();
  return rows.map((r) => ({
    id: r.id,
    submittedAt: r.submitted_at,
    parent: `${r.first_name} ${r.last_name}`,
    fields: Number(r.fields),
    status: r.status,
    kind: r.kind,
    subject: r.sub_first === null ? null : `${r.sub_first} ${r.sub_last}`,
    student: r.st_first === null ? null : `${r.st_first} ${r.st_last}`,
  }));
}

export interface ChangeRequestDetail {
  request: ContactRequestView;
  parent: string;
  guardianId: number;
  /** null also when the household is not this staff member's to read */
  householdName: string | null;
  /** the parent's students at the staff member's schools (district administrators: all) */
  students: string[];
  /** the parent also has a student elsewhere: only that, no name, number or count */
  otherSchools: boolean;
  /** the record's values; the household's only when this staff member may read it */
  current: Partial<Record<AnyField, string | null>>;
  /** a request about another person than the parent (ADR 0050); null for the parent's own */
  about: PersonAbout | null;
}

export interface PersonAbout {
  kind: Exclude<ChangeRequestKind, 'own'>;
  /** the person (null: an emergency contact to add) */
  name: string | null;
  relationship: string | null;
  /** the student it was asked for: name, number, school */
  student: string;
  /** the person is no longer one the family may ask about (the link ended, was revoked, or they left the household) */
  gone: boolean;
}

/** The detail of a request about the people around a student: the student's school decides the scope (changeRequestsInScope). */
async function personRequestDetail(
  db: Kysely<DB>,
  row: { guardian_id: number; kind: ChangeRequestKind; student_id: number | null; subject_guardian_id: number | null },
  request: ContactRequestView,
): Promise<ChangeRequestDetail | null> {
  if (row.kind === 'own' || row.student_id === null) return null;
  const requester = await db.selectFrom('guardians').select(['first_name', 'last_name']).where('id', '=', row.guardian_id).executeTakeFirst();
  const student = await db
    .selectFrom('students as s')
    .innerJoin('schools as sc', 'sc.id', 's.school_id')
    .select(['s.student_number', 's.legal_last_name', 'sc.short_name', (eb) => eb.fn.coalesce('s.preferred_first_name', 's.legal_first_name').as('first')])
    .where('s.id', '=', row.student_id)
    .executeTakeFirst();
  if (!requester || !student) return null;
  const label = `${student.first} ${student.legal_last_name} (${student.student_number}, ${student.short_name})`;
  const current: Partial<Record<AnyField, string | null>> = {};
  let about: PersonAbout = { kind: row.kind, name: null, relationship: null, student: label, gone: false };
  if (row.subject_guardian_id !== null) {
    const g = await db.selectFrom('guardians').selectAll().where('id', '=', row.subject_guardian_id).executeTakeFirst();
    if (!g) return null;
    const around = await personAround(db, row.student_id, row.guardian_id, g.id);
    for (const f of PERSON_FIELDS) current[`contact.${f}`] = g[f];
    current['link.relationship'] = around?.relationship ?? null;
    about = { ...about, name: `${g.first_name} ${g.last_name}`, relationship: around?.relationship ?? null, gone: around?.kind !== row.kind };
  }
  return { request, parent: `${requester.first_name} ${requester.last_name}`, guardianId: row.guardian_id, householdName: null, students: [label], otherSchools: false, current, about };
}

/**
 * A staff member opens a change request: the detail their scope may read, and the view in the audit
 * log (every staff view of a family's record is audited, from a page, the CLI or an API alike).
 */
export async function viewChangeRequest(db: Kysely<DB>, viewer: StaffActor, id: number, now: Date): Promise<ChangeRequestDetail | null> {
  const detail = await openChangeRequest(db, viewer.scope, id);
  if (detail) await audit(db, { action: 'change_request.viewed', actorAccountId: viewer.actorAccountId, subjectType: 'change_request', subjectId: id, ip: viewer.ip }, now);
  return detail;
}

/** The detail without recording a view: for showing it again within an action (a form with errors), and for deciding. */
export async function openChangeRequest(db: Kysely<DB>, scope: OfficeScope, id: number): Promise<ChangeRequestDetail | null> {
  const row = await changeRequestsInScope(db, scope)
    .select(['c.id', 'c.guardian_id', 'c.household_id', 'c.kind', 'c.student_id', 'c.subject_guardian_id'])
    .where('c.id', '=', id)
    .executeTakeFirst();
  if (!row) return null;
  const [request] = await requestsOf(db, { requestId: id }, 1);
  if (row.kind !== 'own') return request ? personRequestDetail(db, row, request) : null;
  const found = await currentValues(db, row.guardian_id);
  if (!request || !found) return null;
  const children = await contactLinks(db)
    .innerJoin('students as s', 's.id', 'sg.student_id')
    .innerJoin('schools as sc', 'sc.id', 's.school_id')
    .select(['s.student_number', 's.legal_last_name', 's.school_id', 'sc.short_name', (eb) => eb.fn.coalesce('s.preferred_first_name', 's.legal_first_name').as('first')])
    .where('sg.guardian_id', '=', row.guardian_id)
    .orderBy('s.birth_date')
    .execute();
  const students = children.filter((s) => mayActOnSchool(scope, s.school_id));
  // The request's household (where approved values go) and the parent's household now (whose values
  // are shown) are usually one; either is shown only if this staff member may read it.
  const readable = await householdsInScope(db, scope, [...new Set([row.household_id, found.g.household_id].filter((h): h is number => h !== null))]);
  const currentShown = found.g.household_id !== null && readable.has(found.g.household_id);
  const requestHouseholdShown = row.household_id === null || readable.has(row.household_id);
  const current = Object.fromEntries(Object.entries(found.current).filter(([field]) => currentShown || !field.startsWith('household.')));
  return {
    // A household that is not this office's can only be in a request it sees through withdrawn fields: not shown either.
    request: requestHouseholdShown ? request : { ...request, fields: request.fields.filter((f) => !f.field.startsWith('household.')) },
    parent: `${found.g.first_name} ${found.g.last_name}`,
    guardianId: row.guardian_id,
    householdName: currentShown ? found.g.household_name : null,
    students: students.map((s) => `${s.first} ${s.legal_last_name} (${s.student_number}, ${s.short_name})`),
    otherSchools: students.length < children.length,
    current,
    about: null,
  };
}

export type DecideResult =
  | { kind: 'done'; approved: number; rejected: number; notified: string | null }
  | { kind: 'missing' }
  | { kind: 'notPending' }
  | { kind: 'undecided'; fieldIds: number[] }
  /** an approval about a person who is no longer one of the student's contacts or household guardians */
  | { kind: 'gone' }
  /** approving the addition would take the student past MAX_EMERGENCY_CONTACTS */
  | { kind: 'tooMany' };

/** A field's value as the parent reads it in the email: phones in the national format, an addition as its parts. */
function emailValue(locale: Locale, f: FieldRequest): string {
  if (f.field === 'link.add') {
    const c = parseNewContact(f.newValue);
    return c ? [`${c.firstName} ${c.lastName}`, relationshipLabel(locale, c.relationship), ...[c.phoneMobile, c.phoneHome, c.phoneWork].filter((p): p is string => p !== null).map((p) => displayPhone(p))].join(', ') : '';
  }
  if (f.field === 'link.remove') return f.oldValue ?? '';
  if (f.field === 'link.relationship') return f.newValue === null ? translate(locale, 'changes.empty') : relationshipLabel(locale, f.newValue);
  return f.newValue === null ? translate(locale, 'changes.empty') : isPhoneField(f.field) ? displayPhone(f.newValue) : f.newValue;
}

/** A relationship as a reader of this language says it: the catalog's word for the ones families choose, else as recorded. */
function relationshipLabel(locale: Locale, relationship: string): string {
  const key = labelledRelationship(relationship);
  return key ? translate(locale, `contacts.rel.${key}`) : relationship;
}

/**
 * Staff decide every waiting field of a request at once; approved values are written in the same
 * transaction (the parent's own through this module, the people around a student through
 * people/contact-people.ts `writePersonChanges`), and the parent is told by email.
 */
export async function decideChangeRequest(
  db: Kysely<DB>,
  input: {
    scope: OfficeScope;
    actorAccountId: number;
    requestId: number;
    decisions: Map<number, 'approve' | 'reject'>;
    note: string | null;
    district: AccountMailDistrict;
    ip: string | null;
  },
  now: Date,
): Promise<DecideResult> {
  const detail = await openChangeRequest(db, input.scope, input.requestId);
  if (!detail) return { kind: 'missing' };
  if (detail.request.status !== 'pending') return { kind: 'notPending' };
  const waiting = detail.request.fields.filter((f) => f.status === 'pending');
  const undecided = waiting.filter((f) => !input.decisions.has(f.id)).map((f) => f.id);
  if (undecided.length > 0) return { kind: 'undecided', fieldIds: undecided };
  const approvedFields = waiting.filter((f) => input.decisions.get(f.id) === 'approve');
  const rejectedFields = waiting.filter((f) => input.decisions.get(f.id) === 'reject');
  // Nothing about a person who is no longer the family's to ask about is written; rejecting stays possible.
  if (detail.about?.gone && approvedFields.length > 0) return { kind: 'gone' };
  const t = now.toISOString();
  const request = await db.selectFrom('change_requests').select(['account_id', 'household_id', 'student_id', 'subject_guardian_id']).where('id', '=', input.requestId).executeTakeFirstOrThrow();
  const account = request.account_id ? await findAccountById(db, request.account_id) : undefined;
  const notified = await db.transaction().execute(async (trx) => {
    // Re-read inside the transaction: two staff members deciding at once must not both apply.
    const still = await trx.selectFrom('change_requests').select('status').where('id', '=', input.requestId).executeTakeFirstOrThrow();
    if (still.status !== 'pending') return { kind: 'notPending' } as const;
    // Checked before anything is written (returning from here commits what was written).
    const add = approvedFields.find((f) => f.field === 'link.add');
    const contact = add ? parseNewContact(add.newValue) : null;
    if (add && !contact) return { kind: 'missing' } as const;
    if (contact) await lockStudentContacts(trx, request.student_id!);
    if (contact && (await emergencyContactCount(trx, request.student_id!)) >= MAX_EMERGENCY_CONTACTS) return { kind: 'tooMany' } as const;
    for (const f of waiting) {
      const decision = input.decisions.get(f.id)!;
      await trx
        .updateTable('change_request_fields')
        .set({ status: decision === 'approve' ? 'approved' : 'rejected', reason: input.note })
        .where('id', '=', f.id)
        .execute();
    }
    if (detail.about) {
      const writer = { actorAccountId: input.actorAccountId, ip: input.ip, requestId: input.requestId };
      const studentId = request.student_id!;
      for (const f of rejectedFields) {
        await audit(
          trx,
          { action: 'contact_change.rejected', actorAccountId: input.actorAccountId, subjectType: 'guardian', subjectId: request.subject_guardian_id, ip: input.ip, details: { request: input.requestId, student: studentId, field: f.field, from: f.oldValue, to: f.newValue } },
          now,
        );
      }
      const remove = approvedFields.find((f) => f.field === 'link.remove');
      if (contact) {
        await writePersonChanges(trx, writer, { kind: 'add', studentId, contact }, now);
      } else if (remove) {
        await writePersonChanges(trx, writer, { kind: 'remove', studentId, guardianId: request.subject_guardian_id! }, now);
      } else if (approvedFields.length > 0) {
        const person: Partial<Record<PersonColumn, string | null>> = {};
        let relationship: string | undefined;
        for (const f of approvedFields) {
          if (f.field === 'link.relationship') relationship = f.newValue ?? undefined;
          else if (f.field.startsWith('contact.')) person[f.field.slice('contact.'.length) as PersonColumn] = f.newValue;
        }
        const before = Object.fromEntries(Object.entries(detail.current).map(([k, v]) => [k.replace(/^(contact|link)\./, ''), v ?? null]));
        await writePersonChanges(trx, writer, { kind: 'update', studentId, guardianId: request.subject_guardian_id!, person, relationship, before }, now);
      }
    } else {
      const guardianSet: Record<string, string | null> = {};
      const householdSet: Record<string, string | null> = {};
      for (const f of waiting) {
        const decision = input.decisions.get(f.id)!;
        const [target, column] = f.field.split('.') as ['guardian' | 'household', string];
        if (decision === 'approve') (target === 'guardian' ? guardianSet : householdSet)[column] = f.newValue;
        await audit(
          trx,
          {
            action: decision === 'approve' ? 'contact_change.approved' : 'contact_change.rejected',
            actorAccountId: input.actorAccountId,
            subjectType: target,
            subjectId: target === 'guardian' ? detail.guardianId : request.household_id,
            ip: input.ip,
            details: { request: input.requestId, field: f.field, from: f.oldValue, to: f.newValue },
          },
          now,
        );
      }
      if (Object.keys(guardianSet).length > 0) {
        await trx.updateTable('guardians').set({ ...guardianSet, updated_at: t, updated_by: input.actorAccountId }).where('id', '=', detail.guardianId).execute();
      }
      if (Object.keys(householdSet).length > 0 && request.household_id !== null) {
        await trx.updateTable('households').set({ ...householdSet, updated_at: t, updated_by: input.actorAccountId }).where('id', '=', request.household_id).execute();
      }
    }
    await trx.updateTable('change_requests').set({ status: 'decided', decided_at: t, decided_by: input.actorAccountId }).where('id', '=', input.requestId).execute();
    // The parent hears at the confirmed security email, else the contact email on record (their own, before the change).
    const requesterEmail = detail.about
      ? ((await trx.selectFrom('guardians').select('email').where('id', '=', detail.guardianId).executeTakeFirst())?.email ?? null)
      : (detail.current['guardian.email'] ?? null);
    const to = (account && confirmedEmail(account)) ?? requesterEmail;
    if (to) {
      const locale = account ? accountLocale(account, input.district) : input.district.locale === 'es' ? 'es' : 'en';
      // About another person: each line says whom (an addition names them in its value).
      const whom = detail.about?.name ? `${detail.about.name} — ` : '';
      const line = (f: FieldRequest) => `${whom}${translate(locale, `changes.field.${f.field}`)}: ${emailValue(locale, f)}`;
      await enqueueEmail(
        trx,
        composeEmail({
          kind: 'contact_change_decided',
          to,
          locale,
          district: input.district,
          subject: 'email.changes.subject',
          paragraphs: [
            { key: 'email.changes.body' },
            ...(approvedFields.length > 0 ? [{ key: 'email.changes.approved' as const, params: { fields: approvedFields.map(line).join('; ') } }] : []),
            ...(rejectedFields.length > 0 ? [{ key: 'email.changes.rejected' as const, params: { fields: rejectedFields.map(line).join('; ') } }] : []),
            ...(input.note ? [{ key: 'email.changes.note' as const, params: { note: input.note } }] : []),
          ],
        }),
        now,
      );
    }
    return { kind: 'sent', to } as const;
  });
  if (notified.kind !== 'sent') return notified;
  return { kind: 'done', approved: approvedFields.length, rejected: rejectedFields.length, notified: notified.to };
}
