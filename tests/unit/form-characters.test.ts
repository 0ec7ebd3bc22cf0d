/** Free-text fields refuse bidirectional controls, which would make text read otherwise than it is stored. */
import { describe, expect, it } from 'vitest';
import { issueKeysInput } from '../../src/domain/accounts/schemas.js';
import { optionalLongText, optionalText, parseInput, requiredText } from '../../src/domain/forms.js';
import { z } from 'zod';

const BIDI = ['\u202a', '\u202b', '\u202c', '\u202d', '\u202e', '\u2066', '\u2067', '\u2068', '\u2069', '\u200e', '\u200f', '\u061c'];
const hex = (c: string) => `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;

describe('bidirectional controls in free text', () => {
  const form = z.object({ name: requiredText(100), city: optionalText(60), comments: optionalLongText(2000) });

  it.each(BIDI.map((c) => [hex(c), c]))('refuses %s in every kind of text field, with the control-character message', (_name, c) => {
    for (const field of ['name', 'city', 'comments'] as const) {
      const input = { name: 'Allen', city: 'Springfield', comments: 'Hello', [field]: `Al${c}len` };
      expect(parseInput(form, input), field).toEqual({ ok: false, errors: { [field]: 'form.badCharacters' } });
    }
    // At either end too: trimming does not remove them.
    expect(parseInput(form, { name: `${c}Allen${c}` })).toEqual({ ok: false, errors: { name: 'form.badCharacters' } });
    expect(parseInput(issueKeysInput, { numbers: `0004001\n000${c}4002`, include: 'students', format: 'csv' })).toEqual({ ok: false, errors: { numbers: 'form.badCharacters' } });
  });

  it('refuses the classic disguise: a right-to-left override that makes "exe.txt" read as "txt.exe"', () => {
    expect(parseInput(form, { name: 'Smith \u202Etxt.exe' })).toEqual({ ok: false, errors: { name: 'form.badCharacters' } });
  });

  it('keeps accepting names in any script, accents and apostrophes', () => {
    for (const name of ['José Núñez', 'O’Brien', 'Zoë-Ann', 'Nguyễn Thị', 'محمد', 'שרה', '李小龙']) {
      expect(parseInput(form, { name }), name).toMatchObject({ ok: true, data: { name } });
    }
    expect(parseInput(form, { name: 'Al', comments: 'line one\nline two' })).toMatchObject({ ok: true, data: { comments: 'line one\nline two' } });
  });
});
