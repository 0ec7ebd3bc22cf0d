/**
 * Helpers for the OneRoster reader's tests: real zips built with yazl from a fixture folder (optionally
 * under a top folder, with extra entries), temporary folders, and reading every row of a file.
 */
import { createWriteStream } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import yazl from 'yazl';
import { openPackage } from '../../src/domain/oneroster/read/package.js';
import { ProblemSink, type OneRosterFile, type OneRosterPackage, type Problem, type RecordOf } from '../../src/domain/oneroster/records.js';

export const FIXTURES = fileURLToPath(new URL('../fixtures/oneroster/', import.meta.url));

const temps: string[] = [];

export async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'homeroom-or-'));
  temps.push(dir);
  return dir;
}

export async function removeTemps(): Promise<void> {
  await Promise.all(temps.splice(0).map((d) => rm(d, { recursive: true, force: true })));
}

export interface ZipOptions {
  /** put every file under this folder */
  top?: string;
  /** more entries: name → content */
  extra?: Record<string, string | Buffer>;
  /** leave the files stored, not deflated */
  store?: boolean;
}

/** A zip of every file of a fixture folder (or of `files` alone), written to a temporary file. */
export async function zipOf(fixture: string | null, options: ZipOptions = {}, files: Record<string, string | Buffer> = {}): Promise<string> {
  const zip = new yazl.ZipFile();
  const prefix = options.top ? `${options.top}/` : '';
  if (fixture) {
    const dir = join(FIXTURES, fixture);
    for (const name of (await readdir(dir)).sort()) zip.addBuffer(await readFile(join(dir, name)), prefix + name, { compress: !options.store });
  }
  for (const [name, content] of Object.entries(files)) zip.addBuffer(Buffer.from(content), prefix + name, { compress: !options.store });
  for (const [name, content] of Object.entries(options.extra ?? {})) zip.addBuffer(Buffer.from(content), name);
  const path = join(await tempDir(), 'package.zip');
  await new Promise<void>((resolve, reject) => {
    zip.outputStream.pipe(createWriteStream(path)).on('close', resolve).on('error', reject);
    zip.end();
  });
  return path;
}

export async function all<K extends OneRosterFile>(pkg: OneRosterPackage, file: K): Promise<RecordOf[K][]> {
  const out: RecordOf[K][] = [];
  for await (const row of pkg.rows(file)) out.push(row);
  return out;
}

export async function opened(path: string): Promise<{ pkg: OneRosterPackage; sink: ProblemSink }> {
  const sink = new ProblemSink();
  const pkg = await openPackage(path, sink);
  return { pkg, sink };
}

/** A problem as a short tuple, for comparing lists: severity, code, file, line, column, value. */
export function brief(p: Problem): [string, string, string | null, number | null, string | null, string | null] {
  return [p.severity, p.code, p.file, p.line, p.column, p.value];
}
