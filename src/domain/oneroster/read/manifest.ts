/**
 * manifest.csv (`propertyName,value`): the OneRoster version (`oneroster.version`, 1.1 or 1.2) and how
 * each file is given (`file.<name>`: bulk, delta or absent). Read with the same streaming CSV reader as
 * every other file.
 */
import { ONEROSTER_FILES, type FileMode, type OneRosterFile, type OneRosterVersion, type Problem } from '../records.js';
import { csvRecords } from './csv.js';
import type { ProblemCode } from './describe.js';
import type { PackageSource } from './source.js';

export const MANIFEST = 'manifest.csv';
const VERSIONS: readonly OneRosterVersion[] = ['1.1', '1.2'];
const MODES: readonly FileMode[] = ['bulk', 'delta', 'absent'];
/** files that 1.2 has and 1.1 does not */
const ONLY_1_2: readonly OneRosterFile[] = ['roles', 'userProfiles', 'scoreScales'];

export interface Manifest {
  version: OneRosterVersion;
  modes: Record<OneRosterFile, FileMode>;
}

/** A file's name in the package: exactly as asked, or else in another case (`Users.csv`). */
export function findName(source: PackageSource, name: string): string | null {
  if (source.names.includes(name)) return name;
  return source.names.find((n) => n.toLowerCase() === name.toLowerCase()) ?? null;
}

/** The manifest, or null when the package cannot be read (the errors are reported). */
export async function readManifest(source: PackageSource, report: (p: Problem) => void, counted: (n: number) => void): Promise<Manifest | null> {
  const name = findName(source, MANIFEST);
  const error = (code: ProblemCode, extra: Partial<Problem> = {}): null => {
    report({ severity: 'error', code, file: name ?? MANIFEST, line: null, column: null, value: null, expected: null, ...extra });
    return null;
  };
  if (!name) return error('noManifest');

  const properties = new Map<string, { value: string; line: number; written: string }>();
  let keyAt = -1;
  let valueAt = -1;
  let header = true;
  let failed = false;
  for await (const record of csvRecords(source, name, (p) => {
    failed = true;
    report(p);
  }, counted)) {
    const cells = record.cells.map((c) => c.trim());
    if (header) {
      header = false;
      keyAt = cells.findIndex((c) => c.toLowerCase() === 'propertyname');
      valueAt = cells.findIndex((c) => c.toLowerCase() === 'value');
      if (keyAt < 0 || valueAt < 0) return error('badManifest', { line: 1, value: cells.join(','), expected: 'propertyName,value' });
      continue;
    }
    const key = (cells[keyAt] ?? '').toLowerCase();
    if (key) properties.set(key, { value: cells[valueAt] ?? '', line: record.line, written: cells[keyAt] ?? '' });
  }
  if (failed) return null;
  if (header) return error('badManifest', { line: 1, value: '', expected: 'propertyName,value' });

  const given = properties.get('oneroster.version');
  if (!given) return error('noVersion', { expected: VERSIONS.join(', ') });
  const version = VERSIONS.find((v) => v === given.value);
  if (!version) return error('badVersion', { line: given.line, column: 'oneroster.version', value: given.value, expected: VERSIONS.join(', ') });

  let ok = true;
  const modes = {} as Record<OneRosterFile, FileMode>;
  for (const file of ONEROSTER_FILES) {
    const entry = properties.get(`file.${file.toLowerCase()}`);
    let mode: FileMode = 'absent';
    if (entry) {
      const found = MODES.find((m) => m === entry.value.toLowerCase());
      if (!found) {
        report({ severity: 'error', code: 'badMode', file: name, line: entry.line, column: `file.${file}`, value: entry.value, expected: MODES.join(', ') });
        ok = false;
      } else mode = found;
    }
    if (mode !== 'absent' && version === '1.1' && ONLY_1_2.includes(file)) {
      report({ severity: 'warning', code: 'notInVersion', file: name, line: entry?.line ?? null, column: null, value: `${file}.csv`, expected: '1.2' });
      mode = 'absent';
    }
    modes[file] = mode;
  }
  // 1.1 gives roles in users.csv: they are there exactly when users are
  if (version === '1.1') modes.roles = modes.users;

  for (const [key, entry] of properties) {
    if (!key.startsWith('file.')) continue;
    const file = entry.written.slice('file.'.length);
    if (ONEROSTER_FILES.some((f) => f.toLowerCase() === file.toLowerCase())) continue;
    if (entry.value.toLowerCase() === 'bulk' || entry.value.toLowerCase() === 'delta') {
      report({ severity: 'warning', code: 'fileNotRead', file: name, line: entry.line, column: null, value: `${file}.csv`, expected: null });
    }
  }
  return ok ? { version, modes } : null;
}
