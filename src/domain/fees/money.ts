/**
 * Money as typed in a form: dollars and cents ("12", "12.50", "$12.50", "12,50") to integer cents, never
 * through a floating-point number. The largest amount a fee, an adjustment or a payment may have is
 * MAX_CENTS ($10,000): no school fee comes near it, and a typo of three extra digits is caught.
 */
import type { MessageKey } from '../../i18n/index.js';

export const MAX_CENTS = 1_000_000;

export type MoneyResult = { ok: true; cents: number } | { ok: false; problem: MessageKey };

export function parseCents(value: unknown): MoneyResult {
  if (typeof value !== 'string') return { ok: false, problem: 'fees.problem.amount' };
  const text = value.normalize('NFKC').trim().replace(/^\$\s*/, '');
  if (text === '') return { ok: false, problem: 'form.required' };
  if (/^[-−]/.test(text)) return { ok: false, problem: 'fees.problem.positive' };
  const m = /^(\d{1,9})(?:[.,](\d{1,2}))?$/.exec(text);
  if (!m) return { ok: false, problem: 'fees.problem.amount' };
  const cents = Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0'));
  if (cents === 0) return { ok: false, problem: 'fees.problem.positive' };
  if (cents > MAX_CENTS) return { ok: false, problem: 'fees.problem.tooMuch' };
  return { ok: true, cents };
}

