/**
 * Every action the code writes to the audit log has a plain label in English and Spanish (the audit
 * log's page shows it; the CSV keeps the code). The actions are found in the source as the audit calls
 * write them: `action: 'kind.event'` (or `sign_in` / `sign_out`), also inside a `? 'a' : 'b'` choice.
 * A change event's or a request's own `action` ('created', 'updated' …) has no dot and is not an audit action.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { translate } from '../../src/i18n/index.js';
import { AUDIT_ACTION_LABELS } from '../../src/web/views/audit-actions.js';

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'migrations' ? [] : sources(full);
    return /\.tsx?$/.test(e.name) ? [full] : [];
  });
}

function actionsWritten(): Set<string> {
  const found = new Set<string>();
  for (const file of sources(path.resolve('src'))) {
    const text = fs.readFileSync(file, 'utf8');
    for (const m of text.matchAll(/action: ((?:[\w.]+ \? '[\w.]+' : )*'[\w.]+')/g)) {
      for (const code of m[1]!.matchAll(/'([\w.]+)'/g)) {
        if (code[1]!.includes('.') || code[1] === 'sign_in' || code[1] === 'sign_out') found.add(code[1]!);
      }
    }
  }
  return found;
}

describe('the audit log’s action labels', () => {
  it('finds the actions the code writes (the search itself works)', () => {
    const written = actionsWritten();
    for (const known of ['sign_in', 'sign_out', 'staff.reactivated', 'staff.deactivated', 'student.viewed_by_staff', 'second_factor.reset']) expect(written).toContain(known);
  });

  it('has a label in English and Spanish for every action written anywhere in src', () => {
    const missing = [...actionsWritten()].filter((a) => !AUDIT_ACTION_LABELS[a]).sort();
    expect(missing).toEqual([]);
    for (const [action, key] of Object.entries(AUDIT_ACTION_LABELS)) {
      for (const locale of ['en', 'es'] as const) {
        const label = translate(locale, key);
        expect(label, `${action} in ${locale}`).not.toBe(key);
        expect(label, `${action} in ${locale}`).not.toContain(action);
      }
    }
    expect(translate('es', AUDIT_ACTION_LABELS['student.viewed_by_staff']!)).toBe('Registros del estudiante abiertos por el personal');
  });
});
