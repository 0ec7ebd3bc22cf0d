/** A PDF's text as `pdftotext -layout` reads it (Debian's poppler-utils; npm test says loudly when it is missing). */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const PDFTOTEXT = ['/usr/bin/pdftotext'].find((p) => fs.existsSync(p));

export function pdfText(pdf: Buffer): string {
  if (!PDFTOTEXT) throw new Error('pdftotext is not installed (apt-get install poppler-utils)');
  return execFileSync(PDFTOTEXT, ['-layout', '-', '-'], { input: pdf, encoding: 'utf8' });
}

export const PDFINFO = ['/usr/bin/pdfinfo'].find((p) => fs.existsSync(p));

/**
 * A tagged PDF's logical structure with its text, as `pdfinfo -struct-text` prints it (one element or
 * text per line, indented by depth); and whether the file says it is tagged.
 */
export function pdfStructure(pdf: Buffer): { tagged: boolean; tree: string } {
  if (!PDFINFO) throw new Error('pdfinfo is not installed (apt-get install poppler-utils)');
  const file = path.join(os.tmpdir(), `homeroom-struct-${process.pid}-${Math.random().toString(36).slice(2)}.pdf`);
  fs.writeFileSync(file, pdf);
  try {
    const info = execFileSync(PDFINFO, [file], { encoding: 'utf8' });
    return { tagged: /^Tagged:\s+yes$/m.test(info), tree: execFileSync(PDFINFO, ['-struct-text', file], { encoding: 'utf8' }) };
  } finally {
    fs.rmSync(file, { force: true });
  }
}
