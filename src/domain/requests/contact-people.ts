/**
 * A guardian asks the office to correct the people around their child (ADR 0050): add an emergency
 * contact, change one's name, relationship or phones, remove one, or correct the phones and email of
 * another guardian of their household (never anyone's portal rights). The requests go into the office's
 * queue of change requests (contact-changes.ts), decided field by field; nothing is written to the
 * record before the office approves.
 *
 * Only a guardian who may read the student in the portal asks (a `ReadableStudent`, access/portal.ts);
 * the person must be one of `peopleAround` (people/contact-people.ts), else the answer is 'missing' and
 * the route a 404.
 *
 * One waiting request per person: sending the form again for the same person and child updates the
 * guardian's own waiting request (new values replace the waiting ones, a value set back to the record's
 * withdraws that field); while a request about that person from anyone else (the other parent, or from
 * a brother's or sister's page) waits, a new one is refused ('busy'): the office decides one at a time,
 * so that an approval never writes over a change it did not show.
 */
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import type { ReadableStudent } from '../access/portal.js';
import { audit } from '../audit/service.js';
import { lockPerson, lockStudentContacts, MAX_EMERGENCY_CONTACTS, peopleAround, personAround, type ContactPerson, type NewEmergencyContact, type PersonColumn } from '../people/contact-people.js';
import { parseNewContact, requestsOf, type ContactRequestView, type PersonField } from './contact-changes.js';
import { isListedRelationship, type EmergencyContactInput, type OtherGuardianInput } from './schemas.js';

export interface PersonShown extends ContactPerson {
  /** this guardian's waiting request about this person for this child, to show and update */
  waiting: ContactRequestView | null;
  /** a request about this person waits from someone else or for another child: no new one until it is decided */
  busy: boolean;
}

export interface PeopleInfo {
  people: PersonShown[];
  /** waiting additions for this child: this guardian's, with their details */
  additions: ContactRequestView[];
  /** additions for this child waiting from someone else (counted against the limit) */
  otherAdditions: number;
  /** this guardian's decided requests about this child's people, newest first */
  recent: ContactRequestView[];
  max: number;
  /** another emergency contact may be asked for */
  canAdd: boolean;
}

export interface Requester {
  guardianId: number;
  accountId: number;
  ip: string | null;
}

/** What the family page shows for one child. */
export async function peopleInfo(db: Kysely<DB>, student: ReadableStudent, guardianId: number): Promise<PeopleInfo> {
  const people = await peopleAround(db, student.id, guardianId);
  const waitingRows = await db
    .selectFrom('change_requests')
    .select(['id', 'guardian_id', 'student_id', 'subject_guardian_id', 'kind'])
    .where('status', '=', 'pending')
    .where((eb) => eb.or([eb('student_id', '=', student.id), ...(people.length > 0 ? [eb('subject_guardian_id', 'in', people.map((p) => p.guardianId))] : [])]))
    .where('kind', '!=', 'own')
    .execute();
  const mine = await requestsOf(db, { guardianId, studentId: student.id, status: 'pending' }, 50);
  const mineIds = new Set(mine.map((r) => r.id));
  const recent = (await requestsOf(db, { guardianId, studentId: student.id, status: 'done' }, 5)).filter((r) => r.status === 'decided');
  const additions = mine.filter((r) => r.kind === 'new_contact');
  const otherAdditions = waitingRows.filter((r) => r.kind === 'new_contact' && r.student_id === student.id && !mineIds.has(r.id)).length;
  const contacts = people.filter((p) => p.kind === 'contact').length;
  return {
    people: people.map((p) => {
      const about = waitingRows.filter((r) => r.subject_guardian_id === p.guardianId);
      const waiting = mine.find((r) => r.subjectGuardianId === p.guardianId) ?? null;
      return { ...p, waiting, busy: about.some((r) => r.id !== waiting?.id) };
    }),
    additions,
    otherAdditions,
    recent,
    max: MAX_EMERGENCY_CONTACTS,
    canAdd: contacts + additions.length + otherAdditions < MAX_EMERGENCY_CONTACTS,
  };
}

export type PeopleRequestResult =
  | { kind: 'submitted'; requestId: number }
  | { kind: 'noChanges' }
  | { kind: 'withdrawn' }
  /** not one of this child's emergency contacts or this household's guardians (404) */
  | { kind: 'missing' }
  /** a request about this person waits from someone else (409) */
  | { kind: 'busy' }
  /** the child has the most emergency contacts there may be, waiting additions counted (409) */
  | { kind: 'tooMany' }
  /** this child already has an emergency contact (or a waiting addition) of this name (400) */
  | { kind: 'duplicate' }
  /** a relationship neither of the list nor the one on record (400) */
  | { kind: 'badRelationship' };

type Wanted = Map<PersonField, string | null>;

function wantedFor(person: ContactPerson, values: { kind: 'contact'; data: EmergencyContactInput } | { kind: 'guardian'; data: OtherGuardianInput }): Wanted | null {
  if (person.kind !== values.kind) return null;
  const phones: [PersonField, string | null][] = [
    ['contact.phone_mobile', values.data.phoneMobile],
    ['contact.phone_home', values.data.phoneHome],
    ['contact.phone_work', values.data.phoneWork],
  ];
  if (values.kind === 'contact') {
    return new Map<PersonField, string | null>([
      ['contact.first_name', values.data.firstName],
      ['contact.last_name', values.data.lastName],
      ['link.relationship', values.data.relationship],
      ...phones,
    ]);
  }
  return new Map<PersonField, string | null>([...phones, ['contact.email', values.data.email]]);
}

function currentOf(person: ContactPerson): Record<PersonField, string | null> {
  const columns: Record<PersonColumn, string | null> = {
    first_name: person.firstName,
    last_name: person.lastName,
    phone_mobile: person.phoneMobile,
    phone_home: person.phoneHome,
    phone_work: person.phoneWork,
    email: person.email,
  };
  return {
    ...(Object.fromEntries(Object.entries(columns).map(([k, v]) => [`contact.${k}`, v])) as Record<`contact.${PersonColumn}`, string | null>),
    'link.relationship': person.relationship,
    'link.add': null,
    'link.remove': null,
  };
}

/** The waiting requests about this person; the one of this guardian for this child, if any, is theirs to update. */
async function waitingAbout(trx: Kysely<DB>, studentId: number, guardianId: number, subjectId: number) {
  const rows = await trx.selectFrom('change_requests').select(['id', 'guardian_id', 'student_id']).where('status', '=', 'pending').where('subject_guardian_id', '=', subjectId).execute();
  const own = rows.find((r) => r.guardian_id === guardianId && r.student_id === studentId);
  return { own: own?.id ?? null, busy: rows.some((r) => r !== own) };
}

/** Writes (or updates) this guardian's waiting request about a person with these fields; the others waiting are withdrawn. */
async function writeRequest(
  trx: Kysely<DB>,
  input: { requester: Requester; studentId: number; subjectId: number | null; kind: 'contact' | 'guardian' | 'new_contact'; existing: number | null; changed: [PersonField, string | null, string | null][] },
  now: Date,
): Promise<number> {
  const t = now.toISOString();
  let requestId = input.existing;
  if (requestId === null) {
    requestId = (
      await trx
        .insertInto('change_requests')
        .values({
          guardian_id: input.requester.guardianId,
          account_id: input.requester.accountId,
          household_id: null,
          kind: input.kind,
          student_id: input.studentId,
          subject_guardian_id: input.subjectId,
          submitted_at: t,
          decided_at: null,
          decided_by: null,
        })
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id;
  } else {
    await trx.updateTable('change_requests').set({ submitted_at: t }).where('id', '=', requestId).execute();
  }
  const waiting = await trx.selectFrom('change_request_fields').select(['id', 'target', 'field']).where('request_id', '=', requestId).where('status', '=', 'pending').execute();
  for (const w of waiting) {
    if (!input.changed.some(([f]) => f === `${w.target}.${w.field}`)) await trx.updateTable('change_request_fields').set({ status: 'withdrawn' }).where('id', '=', w.id).execute();
  }
  for (const [field, from, to] of input.changed) {
    const [target, column] = field.split('.') as ['contact' | 'link', string];
    const existing = waiting.find((w) => w.target === target && w.field === column);
    if (existing) await trx.updateTable('change_request_fields').set({ old_value: from, new_value: to }).where('id', '=', existing.id).execute();
    else await trx.insertInto('change_request_fields').values({ request_id: requestId, target, field: column, old_value: from, new_value: to, reason: null }).execute();
  }
  await audit(
    trx,
    { action: 'contact_change.requested', actorAccountId: input.requester.accountId, subjectType: 'change_request', subjectId: requestId, ip: input.requester.ip, details: { student: input.studentId, person: input.subjectId, fields: input.changed.map(([f]) => f) } },
    now,
  );
  return requestId;
}

async function withdrawRequest(trx: Kysely<DB>, requester: Requester, requestId: number, now: Date): Promise<void> {
  await trx.updateTable('change_request_fields').set({ status: 'withdrawn' }).where('request_id', '=', requestId).where('status', '=', 'pending').execute();
  await trx.updateTable('change_requests').set({ status: 'withdrawn', decided_at: now.toISOString() }).where('id', '=', requestId).execute();
  await audit(trx, { action: 'contact_change.withdrawn', actorAccountId: requester.accountId, subjectType: 'change_request', subjectId: requestId, ip: requester.ip }, now);
}

/** Asks for every field of the person that differs from the record (see the module's note on a second request). */
export async function requestPersonChange(
  db: Kysely<DB>,
  input: {
    student: ReadableStudent;
    requester: Requester;
    subjectId: number;
    values: { kind: 'contact'; data: EmergencyContactInput } | { kind: 'guardian'; data: OtherGuardianInput };
  },
  now: Date,
): Promise<PeopleRequestResult> {
  return db.transaction().execute(async (trx) => {
    await lockPerson(trx, input.subjectId);
    const person = await personAround(trx, input.student.id, input.requester.guardianId, input.subjectId);
    if (!person) return { kind: 'missing' } as const;
    const wanted = wantedFor(person, input.values);
    if (!wanted) return { kind: 'missing' } as const;
    const relationship = wanted.get('link.relationship');
    if (relationship !== undefined && relationship !== null && relationship !== person.relationship && !isListedRelationship(relationship)) return { kind: 'badRelationship' } as const;
    const { own, busy } = await waitingAbout(trx, input.student.id, input.requester.guardianId, person.guardianId);
    if (busy) return { kind: 'busy' } as const;
    const current = currentOf(person);
    const changed = [...wanted].filter(([f, v]) => (current[f] ?? '') !== (v ?? '')).map(([f, v]) => [f, current[f], v] as [PersonField, string | null, string | null]);
    if (changed.length === 0) {
      if (own === null) return { kind: 'noChanges' } as const;
      await withdrawRequest(trx, input.requester, own, now);
      return { kind: 'withdrawn' } as const;
    }
    const requestId = await writeRequest(trx, { requester: input.requester, studentId: input.student.id, subjectId: person.guardianId, kind: person.kind, existing: own, changed }, now);
    return { kind: 'submitted', requestId } as const;
  });
}

/** Asks the office to remove an emergency contact (this child's link; the person stays on record). It replaces this guardian's waiting changes to them. */
export async function requestRemoval(db: Kysely<DB>, input: { student: ReadableStudent; requester: Requester; subjectId: number }, now: Date): Promise<PeopleRequestResult> {
  return db.transaction().execute(async (trx) => {
    await lockPerson(trx, input.subjectId);
    const person = await personAround(trx, input.student.id, input.requester.guardianId, input.subjectId);
    if (!person || person.kind !== 'contact') return { kind: 'missing' } as const;
    const { own, busy } = await waitingAbout(trx, input.student.id, input.requester.guardianId, person.guardianId);
    if (busy) return { kind: 'busy' } as const;
    const requestId = await writeRequest(
      trx,
      { requester: input.requester, studentId: input.student.id, subjectId: person.guardianId, kind: 'contact', existing: own, changed: [['link.remove', `${person.firstName} ${person.lastName}`, null]] },
      now,
    );
    return { kind: 'submitted', requestId } as const;
  });
}

const sameName = (a: { firstName: string; lastName: string }, b: { firstName: string; lastName: string }) =>
  `${a.firstName} ${a.lastName}`.toLocaleLowerCase() === `${b.firstName} ${b.lastName}`.toLocaleLowerCase();

/** Asks the office to add an emergency contact, within MAX_EMERGENCY_CONTACTS (waiting additions counted). */
export async function requestNewContact(db: Kysely<DB>, input: { student: ReadableStudent; requester: Requester; data: EmergencyContactInput }, now: Date): Promise<PeopleRequestResult> {
  if (!isListedRelationship(input.data.relationship)) return { kind: 'badRelationship' };
  return db.transaction().execute(async (trx) => {
    await lockStudentContacts(trx, input.student.id);
    const people = await peopleAround(trx, input.student.id, input.requester.guardianId);
    const pending = await trx
      .selectFrom('change_requests as c')
      .innerJoin('change_request_fields as f', 'f.request_id', 'c.id')
      .select('f.new_value')
      .where('c.student_id', '=', input.student.id)
      .where('c.kind', '=', 'new_contact')
      .where('c.status', '=', 'pending')
      .where('f.status', '=', 'pending')
      .execute();
    const waitingAdds = pending.map((p) => parseNewContact(p.new_value)).filter((c): c is NewEmergencyContact => c !== null);
    if ([...people, ...waitingAdds].some((p) => sameName(p, input.data))) return { kind: 'duplicate' } as const;
    if (people.filter((p) => p.kind === 'contact').length + pending.length >= MAX_EMERGENCY_CONTACTS) return { kind: 'tooMany' } as const;
    const contact: NewEmergencyContact = {
      firstName: input.data.firstName,
      lastName: input.data.lastName,
      relationship: input.data.relationship,
      phoneMobile: input.data.phoneMobile,
      phoneHome: input.data.phoneHome,
      phoneWork: input.data.phoneWork,
    };
    const requestId = await writeRequest(
      trx,
      { requester: input.requester, studentId: input.student.id, subjectId: null, kind: 'new_contact', existing: null, changed: [['link.add', null, JSON.stringify(contact)]] },
      now,
    );
    return { kind: 'submitted', requestId } as const;
  });
}

/**
 * The guardian takes back one of their waiting requests about this child's people: 'missing' when it is
 * not theirs about this child, 'notPending' when the office decided it (or it was withdrawn) meanwhile.
 */
export async function withdrawPeopleRequest(
  db: Kysely<DB>,
  input: { student: ReadableStudent; requester: Requester; requestId: number },
  now: Date,
): Promise<'done' | 'missing' | 'notPending'> {
  return db.transaction().execute(async (trx) => {
    const row = await trx
      .selectFrom('change_requests')
      .select(['id', 'status'])
      .where('id', '=', input.requestId)
      .where('guardian_id', '=', input.requester.guardianId)
      .where('student_id', '=', input.student.id)
      .where('kind', '!=', 'own')
      .executeTakeFirst();
    if (!row) return 'missing' as const;
    if (row.status !== 'pending') return 'notPending' as const;
    await withdrawRequest(trx, input.requester, row.id, now);
    return 'done' as const;
  });
}
