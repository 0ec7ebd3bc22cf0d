/**
 * The reader's line numbers over a file of many chunks (ADR 0057: csv-parse's records come a chunk at a
 * time, each numbered from the bytes parsed through its end): every row keeps the line it starts on
 * whatever chunk it, its quoted line breaks, a blank line before it or a CRLF fall in — with LF, CRLF
 * and CR line ends, a byte-order mark, from a zip (inflated in small chunks) and from a folder. The
 * expected lines are counted here, as the file is written.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { all, opened, removeTemps, tempDir, zipOf } from './oneroster-read-support.js';

afterAll(removeTemps);

const MANIFEST = ['propertyName,value', 'oneroster.version,1.2', 'file.orgs,bulk', ''].join('\n');

/**
 * orgs.csv of `count` rows with `eol` line ends: every 7th row's name holds a line break inside quotes,
 * every 11th row comes after a blank line, names vary in length so that rows and breaks fall across
 * chunk boundaries everywhere, and the last row has no line end. With each row: its sourcedId, the
 * line it starts on and its name.
 */
function orgsFile(count: number, eol: string): { bytes: Buffer; expected: [string, number, string][] } {
  const parts = [`\uFEFFsourcedId,status,name,type${eol}`];
  const expected: [string, number, string][] = [];
  let line = 2;
  for (let i = 1; i <= count; i++) {
    if (i % 11 === 0) {
      parts.push(eol);
      line += 1;
    }
    const broken = i % 7 === 0;
    const name = broken ? `Name ${i}${eol}part-${'x'.repeat(i % 53)}` : `Name ${i}-${'y'.repeat(i % 97)}`;
    parts.push(`org-${i},active,${broken ? `"${name}"` : name},school${i === count ? '' : eol}`);
    expected.push([`org-${i}`, line, name]);
    line += broken ? 2 : 1;
  }
  return { bytes: Buffer.from(parts.join(''), 'utf8'), expected };
}

it('numbers every row of a file of many chunks by the line it starts on, with LF, CRLF or CR, from a zip or a folder', async () => {
  for (const eol of ['\n', '\r\n', '\r']) {
    const { bytes, expected } = orgsFile(20_000, eol);
    expect(bytes.length).toBeGreaterThan(1_000_000);
    const folder = await tempDir();
    await writeFile(join(folder, 'manifest.csv'), MANIFEST);
    await writeFile(join(folder, 'orgs.csv'), bytes);
    for (const path of [folder, await zipOf(null, {}, { 'manifest.csv': MANIFEST, 'orgs.csv': bytes })]) {
      const { pkg, sink } = await opened(path);
      const rows = await all(pkg, 'orgs');
      expect(sink.list()).toEqual([]);
      expect(rows.length).toBe(expected.length);
      // compared in one piece per source and line end: a mismatch names the first rows that differ
      expect(rows.map((o) => [o.sourcedId, o.at.line, o.name])).toEqual(expected);
      expect(pkg.bytesRead()).toBe(pkg.totalBytes);
      await pkg.close();
    }
  }
});
