/**
 * What a new password must be (NIST SP 800-63B rev 4): long enough, not too long, not a common
 * password, not built from the holder's own names, username, student number or birth date, and not
 * the current one. No composition rules. Unicode is normalized (NFKC) before anything is checked.
 */
import { dictionary } from '@zxcvbn-ts/language-common';

export const MAX_PASSWORD_LENGTH = 128;

/** 49,000 common passwords (zxcvbn-ts's list), looked up in O(1). */
const COMMON: ReadonlySet<string> = new Set((dictionary['passwords-common'] as string[]).map((p) => p.toLowerCase()));

export function isCommonPassword(password: string): boolean {
  const p = password.normalize('NFKC').toLowerCase();
  return COMMON.has(p) || COMMON.has(p.replace(/[\s\d!.?_-]+$/u, ''));
}

export type PasswordProblem = 'tooShort' | 'tooLong' | 'common' | 'personal' | 'sameAsCurrent';

export interface PasswordContext {
  minLength: number;
  username?: string | null;
  names?: (string | null | undefined)[];
  studentNumber?: string | null;
  /** YYYY-MM-DD */
  birthDate?: string | null;
}

/** The words a password must not contain: names and username of 3+ letters, number, birth date forms. */
export function personalWords(ctx: PasswordContext): string[] {
  const words = new Set<string>();
  const add = (w: string | null | undefined, min = 3) => {
    const v = (w ?? '').normalize('NFKC').toLowerCase().trim();
    if (v.length >= min) words.add(v);
  };
  for (const name of ctx.names ?? []) for (const part of (name ?? '').split(/[\s'-]+/)) add(part);
  add(ctx.username);
  const local = ctx.username?.includes('@') ? ctx.username.split('@')[0] : null;
  add(local);
  add(ctx.studentNumber, 4);
  add(ctx.studentNumber?.replace(/^0+/, ''), 4);
  if (ctx.birthDate && /^\d{4}-\d{2}-\d{2}$/.test(ctx.birthDate)) {
    const [y, m, d] = ctx.birthDate.split('-') as [string, string, string];
    for (const form of [`${m}${d}${y.slice(2)}`, `${m}${d}${y}`, `${y}${m}${d}`, `${d}${m}${y}`]) add(form, 6);
  }
  return [...words];
}

export function checkNewPassword(password: string, ctx: PasswordContext): PasswordProblem | null {
  const p = password.normalize('NFKC');
  const length = [...p].length;
  if (length < ctx.minLength) return 'tooShort';
  if (length > MAX_PASSWORD_LENGTH) return 'tooLong';
  if (isCommonPassword(p)) return 'common';
  const lower = p.toLowerCase();
  if (personalWords(ctx).some((w) => lower.includes(w))) return 'personal';
  return null;
}
