/** Inputs of the account request form, the staff queue, and the contact change requests. */
import { z } from 'zod';
import type { MessageKey } from '../../i18n/index.js';
import { toE164 } from '../people/phones.js';
import { checkboxGroup, hasForbiddenCharacters, optionalEmail, optionalLongText, optionalText, requiredText } from '../forms.js';

export const PEOPLE = ['student', 'parent'] as const;
export const CLOSE_REASONS = ['resolved', 'visitOffice', 'noMatch', 'duplicate', 'spam'] as const;
export type CloseReason = (typeof CLOSE_REASONS)[number];
/** The outcome recorded when staff close a request with this reason. */
export const closedOutcome = (reason: CloseReason | string): string => `closed_${reason}`;

/** The second seed's form. The honeypot field `website` is not part of it: the route checks it. */
export const accountRequestInput = z
  .object({
    studentFirstName: requiredText(100),
    studentLastName: requiredText(100),
    studentNumber: optionalText(20).refine((v) => v === null || /^[A-Za-z0-9-]+$/.test(v), 'request.studentNumberInvalid' satisfies MessageKey),
    studentEmail: optionalEmail(),
    resetFor: checkboxGroup(PEOPLE),
    newFor: checkboxGroup(PEOPLE),
    parentFirstName: optionalText(100),
    parentLastName: optionalText(100),
    parentEmail: optionalEmail(),
    comments: optionalLongText(2000),
  })
  .superRefine((v, ctx) => {
    const issue = (path: string, message: MessageKey) => ctx.addIssue({ code: 'custom', path: [path], message });
    if (v.resetFor.length === 0 && v.newFor.length === 0) issue('resetFor', 'request.chooseOne');
    if (v.resetFor.some((p) => v.newFor.includes(p))) issue('newFor', 'request.resetOrNew');
    const forParent = v.resetFor.includes('parent') || v.newFor.includes('parent');
    if (forParent) {
      if (!v.parentFirstName) issue('parentFirstName', 'request.parentNeeded');
      if (!v.parentLastName) issue('parentLastName', 'request.parentNeeded');
      if (!v.parentEmail) issue('parentEmail', 'request.parentNeeded');
    }
  });

export type AccountRequestInput = z.output<typeof accountRequestInput>;

const id = z.coerce.number({ error: 'form.invalid' }).int('form.invalid').positive('form.invalid').max(2 ** 31 - 1, 'form.invalid');

/** What staff do with a request: each names the person it is for, who must be among the request's matches. */
export const requestActionInput = z.discriminatedUnion(
  'action',
  [
    z.object({ action: z.literal('reset'), accountId: id }),
    z.object({ action: z.literal('activationLink'), guardianId: id }),
    z.object({ action: z.literal('key'), person: z.enum(['student', 'guardian']), personId: id }),
    z.object({ action: z.literal('close'), reason: z.enum(CLOSE_REASONS, { error: 'request.reasonNeeded' }) }),
  ],
  { error: 'form.invalid' },
);

export type RequestAction = z.output<typeof requestActionInput>;

export const requestListInput = z.object({
  status: z.enum(['open', 'closed', 'all']).catch('open'),
  q: z.string().max(100).catch('').transform((v) => v.normalize('NFKC').trim()),
  page: z.coerce.number().int().min(1).max(10_000).catch(1),
});

/**
 * A phone number as people write it ("573-555-0199", "(573) 555-0199", "+44 20 7946 0958"): it must be a
 * valid number (the district's country when none is given), and is kept in E.164 (people/phones.ts).
 */
function optionalPhone() {
  return optionalText(25)
    .refine((v) => v === null || toE164(v) !== null, 'changes.phoneInvalid' satisfies MessageKey)
    .transform((v) => (v === null ? null : toE164(v)));
}

export const contactChangeInput = z
  .object({
    email: optionalEmail(),
    phoneMobile: optionalPhone(),
    phoneHome: optionalPhone(),
    phoneWork: optionalPhone(),
    addressLine1: optionalText(100),
    addressLine2: optionalText(100),
    city: optionalText(60),
    state: optionalText(20)
      .transform((v) => v?.toUpperCase() ?? null)
      .refine((v) => v === null || /^[A-Z]{2}$/.test(v), 'changes.stateInvalid' satisfies MessageKey),
    postalCode: optionalText(10).refine((v) => v === null || /^\d{5}(-\d{4})?$/.test(v), 'changes.postalInvalid' satisfies MessageKey),
    householdPhone: optionalPhone(),
  })
  .superRefine((v, ctx) => {
    // An address is whole or absent: a street without a city cannot receive mail.
    const parts = [v.addressLine1, v.city, v.state, v.postalCode];
    if (parts.some((p) => p !== null) || v.addressLine2 !== null) {
      for (const [name, value] of [
        ['addressLine1', v.addressLine1],
        ['city', v.city],
        ['state', v.state],
        ['postalCode', v.postalCode],
      ] as const) {
        if (value === null) ctx.addIssue({ code: 'custom', path: [name], message: 'changes.addressIncomplete' satisfies MessageKey });
      }
    }
  });

export type ContactChangeInput = z.output<typeof contactChangeInput>;

/** Staff decisions: `decision-<fieldId>` = approve | reject for each waiting field, and a note to the parent. */
const noteField = optionalLongText(500);
export const changeDecisionInput = z.record(z.string(), z.unknown()).transform((body, ctx) => {
  const decisions = new Map<number, 'approve' | 'reject'>();
  for (const [name, value] of Object.entries(body)) {
    const m = /^decision-([1-9]\d{0,9})$/.exec(name);
    if (!m) continue;
    if (value === 'approve' || value === 'reject') decisions.set(Number(m[1]), value);
    else ctx.addIssue({ code: 'custom', path: [name], message: 'changes.decide' satisfies MessageKey });
  }
  const note = noteField.safeParse(body.note);
  if (!note.success) ctx.addIssue({ code: 'custom', path: ['note'], message: note.error.issues[0]?.message ?? ('form.invalid' satisfies MessageKey) });
  return { decisions, note: note.success ? note.data : null };
});

// ── the people around a student (ADR 0050) ─────────────────────────────────────────────────────────

/** The relationships a family chooses from for an emergency contact; each has a label in both languages. */
export const CONTACT_RELATIONSHIPS = ['grandparent', 'aunt', 'uncle', 'sibling', 'cousin', 'stepparent', 'family friend', 'neighbor', 'other relative'] as const;
export type ContactRelationship = (typeof CONTACT_RELATIONSHIPS)[number];

const contactPhones = {
  phoneMobile: optionalPhone(),
  phoneHome: optionalPhone(),
  phoneWork: optionalPhone(),
};

/** At least one phone: an emergency contact the school cannot call is no contact. */
const somePhone = (v: { phoneMobile: string | null; phoneHome: string | null; phoneWork: string | null }, ctx: z.RefinementCtx) => {
  if (v.phoneMobile === null && v.phoneHome === null && v.phoneWork === null) {
    ctx.addIssue({ code: 'custom', path: ['phoneMobile'], message: 'contacts.phoneNeeded' satisfies MessageKey });
  }
};

/** One of the relationships families choose from. */
export const isListedRelationship = (r: string): r is ContactRelationship => (CONTACT_RELATIONSHIPS as readonly string[]).includes(r);

/** Relationships with a label in both languages: those families choose, and the parents' as SIS data records them. */
const LABELLED_RELATIONSHIPS = [...CONTACT_RELATIONSHIPS, 'mother', 'father', 'legal guardian'] as const;
export type LabelledRelationship = (typeof LABELLED_RELATIONSHIPS)[number];

/** The catalog's relationship for one as recorded ("Aunt", "aunt"), or null when there is none (shown as recorded). */
export function labelledRelationship(recorded: string): LabelledRelationship | null {
  const r = recorded.trim().toLowerCase();
  return (LABELLED_RELATIONSHIPS as readonly string[]).includes(r) ? (r as LabelledRelationship) : null;
}

/**
 * The relationship as sent: one of the list, or (for a contact whose link was recorded otherwise, e.g. by
 * an import) the one on record, which the form offers as it is — the domain checks which.
 */
const relationshipField = z
  .string({ error: 'contacts.relationshipNeeded' satisfies MessageKey })
  .transform((v) => v.normalize('NFKC').trim())
  .pipe(
    z
      .string()
      .min(1, 'contacts.relationshipNeeded' satisfies MessageKey)
      .max(60, 'form.tooLong' satisfies MessageKey)
      .refine((v) => !hasForbiddenCharacters(v), 'form.badCharacters' satisfies MessageKey),
  );

/** An emergency contact's new details as the family asks for them. */
export const emergencyContactInput = z
  .object({
    firstName: requiredText(100),
    lastName: requiredText(100),
    relationship: relationshipField,
    ...contactPhones,
  })
  .superRefine(somePhone);
export type EmergencyContactInput = z.output<typeof emergencyContactInput>;

/** An emergency contact to add: the relationship is one of the list. */
export const newEmergencyContactInput = emergencyContactInput.refine((v) => isListedRelationship(v.relationship), {
  path: ['relationship'],
  message: 'contacts.relationshipNeeded' satisfies MessageKey,
});

/** Another guardian of the household: phones and email on record (never their name or portal rights). */
export const otherGuardianInput = z.object({ ...contactPhones, email: optionalEmail() });
export type OtherGuardianInput = z.output<typeof otherGuardianInput>;

/** Which waiting request the family takes back. */
export const withdrawInput = z.object({ requestId: id });
