/** Inputs of the account request form, the staff queue, and the contact change requests. */
import { z } from 'zod';
import type { MessageKey } from '../../i18n/index.js';
import { checkboxGroup, optionalEmail, optionalLongText, optionalText, requiredText } from '../forms.js';

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
