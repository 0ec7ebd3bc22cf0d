/** Inputs of the account forms and API. */
import { z } from 'zod';
import { checkbox, emailField, hasForbiddenCharacters, optionalPasswordField, passwordField, requiredText } from '../forms.js';
import { normalizeEmail } from './identity.js';

export const signInInput = z.object({
  username: requiredText(254),
  password: passwordField(),
  remember: checkbox,
});

export const changePasswordInput = z
  .object({
    current: optionalPasswordField(),
    password: passwordField(),
    confirm: z.string().max(1024),
  })
  .refine((v) => v.password === v.confirm, { path: ['confirm'], message: 'password.mismatch' });

export const forgotPasswordInput = z.object({ username: requiredText(254) });

export const forgotUsernameInput = z.object({ email: emailField() });

export const resetPasswordInput = z
  .object({
    token: z.string().max(100),
    password: passwordField(),
    confirm: z.string().max(1024),
  })
  .refine((v) => v.password === v.confirm, { path: ['confirm'], message: 'password.mismatch' });

export const securityEmailInput = z.object({
  email: emailField(),
  password: optionalPasswordField(),
});

export const tokenInput = z.object({ token: z.string().max(100) });

export const pinInput = z.discriminatedUnion('action', [
  z
    .object({
      action: z.literal('save'),
      pin: z.string().regex(/^\d{4,8}$/, 'pin.invalid'),
      confirm: z.string().max(20),
      password: passwordField(),
    })
    .refine((v) => v.pin === v.confirm, { path: ['confirm'], message: 'pin.mismatch' }),
  z.object({ action: z.literal('remove'), password: passwordField() }),
]);

export const activationKeyInput = z.object({ key: requiredText(40) });

export const activationInput = z
  .object({
    key: requiredText(40),
    username: z.string().max(64, 'activate.usernameInvalid').optional(),
    password: passwordField(),
    confirm: z.string().max(1024),
    email: z.string().max(254).optional(),
  })
  .refine((v) => v.password === v.confirm, { path: ['confirm'], message: 'password.mismatch' })
  .transform((v) => ({ ...v, email: v.email?.trim() ? normalizeEmail(v.email) : null }))
  .refine((v) => v.email === null || z.email().safeParse(v.email).success, { path: ['email'], message: 'email.invalid' });

export const issueKeysInput = z.object({
  numbers: z
    .string({ error: (issue) => (issue.input === undefined ? 'form.required' : 'form.invalid') })
    .max(20_000, 'form.tooLong')
    .refine((v) => !hasForbiddenCharacters(v, { lineBreaks: true }), 'form.badCharacters')
    .transform((v) => v.split(/[\s,;]+/).filter(Boolean))
    .pipe(z.array(z.string().max(20, 'form.tooLong')).min(1, 'form.required').max(500, 'staffKeys.tooMany')),
  include: z.enum(['students', 'guardians', 'both']),
  format: z.enum(['pdf', 'csv']),
  /** '1' once the office has seen which numbers and people will be skipped, and why */
  confirm: z.literal('1').optional(),
});

export const guardianLinkInput = z.object({
  username: requiredText(254),
  studentNumber: requiredText(20),
  relationship: z.enum(['mother', 'father', 'guardian', 'grandparent', 'stepparent', 'other']).optional(),
  action: z.enum(['link', 'unlink']),
});
