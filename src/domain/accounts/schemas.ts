/** Inputs of the account forms and API. */
import { z } from 'zod';
import { checkbox, emailField, passwordField, requiredText } from '../forms.js';

export const signInInput = z.object({
  username: requiredText(254),
  password: passwordField(),
  remember: checkbox,
});

export const changePasswordInput = z
  .object({
    current: z.string().max(1024).optional(),
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
  password: z.string().max(1024).optional(),
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
