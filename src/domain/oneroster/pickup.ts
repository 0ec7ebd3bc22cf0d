/**
 * The nightly pickup's folder (IMPORT_DIR): the SIS drops OneRoster packages there — zip files, or
 * folders holding a manifest.csv — and the nightly import takes what is complete, oldest first, and moves
 * each package aside once read: into `processed/` when its run finished, `failed/` when it did not, and
 * `superseded/` when a newer full (bulk) package made it pointless. Nothing is ever deleted.
 *
 * Complete: a package still being written must not be read. A zip is complete once its end (the
 * central directory, which a zip writer puts last) is there and the file has not changed for
 * SETTLE_MS; a folder once its manifest.csv is there and none of its files has changed for SETTLE_MS.
 * Names starting with a dot are someone's temporary files and are never picked.
 */
import fs from 'node:fs/promises';
import path from 'node:path';

/** How long a package must stay unchanged before it is read (a copy over a slow link takes a while). */
export const SETTLE_MS = 60_000;

/** The folders a read package is moved into, inside IMPORT_DIR. */
export const ASIDE = ['processed', 'failed', 'superseded'] as const;
export type Aside = (typeof ASIDE)[number];

export interface DroppedPackage {
  /** its name in the folder, e.g. 'oneroster-2026-12-06.zip' */
  name: string;
  path: string;
  kind: 'zip' | 'folder';
  /** when it last changed (the newest of a folder's files) */
  changedAt: Date;
}

/** A zip's end-of-central-directory record: "PK\x05\x06", within the last 64 KiB + 22 bytes. */
async function hasZipEnd(file: string, size: number): Promise<boolean> {
  if (size < 22) return false;
  const length = Math.min(size, 65_535 + 22);
  const handle = await fs.open(file, 'r');
  try {
    const tail = Buffer.alloc(length);
    await handle.read(tail, 0, length, size - length);
    for (let i = length - 22; i >= 0; i--) {
      if (tail[i] === 0x50 && tail[i + 1] === 0x4b && tail[i + 2] === 0x05 && tail[i + 3] === 0x06) return true;
    }
    return false;
  } finally {
    await handle.close();
  }
}

/** The newest change of any file in a folder (and its subfolders), or null when it has no manifest.csv. */
async function folderChangedAt(dir: string): Promise<Date | null> {
  const entries = await fs.readdir(dir, { withFileTypes: true, recursive: true });
  if (!entries.some((e) => e.isFile() && e.name === 'manifest.csv')) return null;
  let newest = (await fs.stat(dir)).mtimeMs;
  for (const e of entries) {
    if (!e.isFile()) continue;
    const stat = await fs.stat(path.join(e.parentPath, e.name));
    newest = Math.max(newest, stat.mtimeMs);
  }
  return new Date(newest);
}

/**
 * The complete packages in the folder, oldest first (by last change, then name). A folder that does not
 * exist holds none.
 */
export async function completePackages(dir: string, now: Date, settleMs = SETTLE_MS): Promise<DroppedPackage[]> {
  let entries;
  try {
    entries = await fs.readdir(dir, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const found: DroppedPackage[] = [];
  for (const e of entries) {
    if (e.name.startsWith('.') || (ASIDE as readonly string[]).includes(e.name)) continue;
    const full = path.join(dir, e.name);
    if (e.isFile() && e.name.toLowerCase().endsWith('.zip')) {
      const stat = await fs.stat(full);
      if (now.getTime() - stat.mtimeMs < settleMs || !(await hasZipEnd(full, stat.size))) continue;
      found.push({ name: e.name, path: full, kind: 'zip', changedAt: stat.mtime });
    } else if (e.isDirectory()) {
      const changedAt = await folderChangedAt(full);
      if (!changedAt || now.getTime() - changedAt.getTime() < settleMs) continue;
      found.push({ name: e.name, path: full, kind: 'folder', changedAt });
    }
  }
  return found.sort((a, b) => a.changedAt.getTime() - b.changedAt.getTime() || a.name.localeCompare(b.name));
}

/**
 * Which packages a night reads, in order: from the newest full package on (every older one is
 * superseded by it), then each delta after it, oldest first — a night that was missed loses no delta.
 * `isFull` says whether a package's manifest gives its files as bulk.
 */
export async function packagesToRead(
  packages: readonly DroppedPackage[],
  isFull: (p: DroppedPackage) => Promise<boolean>,
): Promise<{ read: DroppedPackage[]; superseded: DroppedPackage[] }> {
  for (let i = packages.length - 1; i >= 0; i--) {
    if (await isFull(packages[i]!)) return { read: packages.slice(i), superseded: packages.slice(0, i) };
  }
  return { read: [...packages], superseded: [] };
}

/**
 * Moves a package into `<dir>/<aside>/`, its name prefixed with the time (so that the same name dropped
 * again tomorrow does not collide); returns where it went.
 */
export async function moveAside(dir: string, p: DroppedPackage, aside: Aside, now: Date): Promise<string> {
  const target = path.join(dir, aside);
  await fs.mkdir(target, { recursive: true });
  const stamp = now.toISOString().replace(/[:.]/g, '-');
  let destination = path.join(target, `${stamp}-${p.name}`);
  for (let n = 2; await exists(destination); n++) destination = path.join(target, `${stamp}-${n}-${p.name}`);
  await fs.rename(p.path, destination);
  return destination;
}

async function exists(file: string): Promise<boolean> {
  try {
    await fs.access(file);
    return true;
  } catch {
    return false;
  }
}
