/** A PDF's text as `pdftotext -layout` reads it (Debian's poppler-utils; npm test says loudly when it is missing). */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';

export const PDFTOTEXT = ['/usr/bin/pdftotext'].find((p) => fs.existsSync(p));

export function pdfText(pdf: Buffer): string {
  if (!PDFTOTEXT) throw new Error('pdftotext is not installed (apt-get install poppler-utils)');
  return execFileSync(PDFTOTEXT, ['-layout', '-', '-'], { input: pdf, encoding: 'utf8' });
}
