/**
 * Importing a package from a path — by the command, by the upload page's job, by the nightly pickup —
 * and the nightly pickup itself: every night at the district's import hour the complete packages the
 * SIS dropped into IMPORT_DIR are imported (the newest full one and the deltas after it, oldest first;
 * see pickup.ts) and moved aside.
 */
import type { Database } from '../../db/connect.js';
import { importPackage, type ImportOptions, type ImportReport } from './load/index.js';
import { completePackages, moveAside, packagesToRead, type DroppedPackage } from './pickup.js';
import { openPackage } from './read/package.js';
import { ProblemSink } from './records.js';

/** Opens the package at `source` (a zip or a folder) and imports it; a package that cannot be read is a failed run with its problems. */
export async function importFrom(database: Database, source: string, options: Omit<ImportOptions, 'source'>): Promise<ImportReport> {
  const problems = new ProblemSink();
  const pkg = await openPackage(source, problems);
  try {
    return await importPackage(database, pkg, problems, { ...options, source });
  } finally {
    await pkg.close();
  }
}

/** Whether a package gives every file it has as bulk (a full export of the SIS), read from its manifest. */
async function isFull(p: DroppedPackage): Promise<boolean> {
  const pkg = await openPackage(p.path, new ProblemSink());
  try {
    const modes = Object.values(pkg.modes);
    return modes.includes('bulk') && !modes.includes('delta');
  } finally {
    await pkg.close();
  }
}

export interface NightlyResult {
  /** each package read, in order, with its run and where it was moved */
  read: { name: string; runId: number; ok: boolean; movedTo: string }[];
  /** older packages a newer full one made pointless (moved to superseded/) */
  superseded: string[];
  /** packages left in the folder for the next night: those after a package that failed */
  left: string[];
}

/**
 * The nightly pickup. A package whose import fails is moved to failed/ and the packages after it wait
 * for the next night, so that deltas are never applied over a gap the same night; its report tells the
 * administrators why.
 */
export async function importDropped(database: Database, dir: string, now: () => Date): Promise<NightlyResult> {
  const found = await completePackages(dir, now());
  const { read, superseded } = await packagesToRead(found, isFull);
  const result: NightlyResult = { read: [], superseded: [], left: [] };
  for (const p of superseded) {
    await moveAside(dir, p, 'superseded', now());
    result.superseded.push(p.name);
  }
  for (const [i, p] of read.entries()) {
    const report = await importFrom(database, p.path, { dryRun: false, now: now(), actorAccountId: null });
    const movedTo = await moveAside(dir, p, report.ok ? 'processed' : 'failed', now());
    result.read.push({ name: p.name, runId: report.runId, ok: report.ok, movedTo });
    if (!report.ok) {
      result.left = read.slice(i + 1).map((q) => q.name);
      break;
    }
  }
  return result;
}
