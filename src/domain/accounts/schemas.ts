/** Inputs of the account forms and API. */
import { z } from 'zod';
import { checkbox, passwordField, requiredText } from '../forms.js';

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
