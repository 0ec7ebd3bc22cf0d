/**
 * Where a package's files come from: a zip file (read with yauzl, entry by entry, never extracted) or a
 * folder. Either may hold its files in one top folder (`district-export/manifest.csv`), as a zip made by
 * compressing a folder does. Only the names and sizes are kept; each file is streamed when it is read.
 */
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import zlib from 'node:zlib';
import yauzl from 'yauzl';

/** zlib.crc32 (Node ≥ 20.15); yauzl does not check an entry's CRC-32, so the reader does when it can. */
const crc32 = (zlib as { crc32?: (data: Buffer, value?: number) => number }).crc32;

/** Passes an entry's bytes through and fails at the end if their CRC-32 is not the one the zip records. */
function checkedCrc(stream: Readable, expected: number, name: string): Readable {
  if (!crc32) return stream;
  let crc = 0;
  const check = new Transform({
    transform(chunk: Buffer, _enc, done) {
      crc = crc32(chunk, crc);
      done(null, chunk);
    },
    flush(done) {
      done(crc >>> 0 === expected >>> 0 ? null : new Error(`${name}: CRC-32 mismatch`));
    },
  });
  stream.on('error', (e) => check.destroy(e));
  check.on('close', () => stream.destroy());
  return stream.pipe(check);
}

export interface PackageSource {
  /** the file names at the package's root (after the top folder, if any), as written */
  readonly names: readonly string[];
  /** the uncompressed size of a file */
  size(name: string): number;
  /** the file's bytes, streamed; a damaged entry fails the stream with an error */
  open(name: string): Promise<Readable>;
  close(): Promise<void>;
}

/** Why a package could not be opened (turned into a problem by the caller, never thrown further). */
export class SourceError extends Error {
  constructor(
    readonly code: 'notFound' | 'notZip',
    readonly detail: string,
  ) {
    super(detail);
  }
}

/** Files of a zip that are not part of anyone's export: macOS resource forks and folder entries. */
function ignored(name: string): boolean {
  return name.endsWith('/') || name.startsWith('__MACOSX/') || name.split('/').some((part) => part === '.DS_Store');
}

/**
 * The prefix under which the package's files sit: '' when manifest.csv is at the root, `top/` when the
 * only manifest is one folder down. Otherwise '' (the caller then reports that there is no manifest).
 */
function rootPrefix(paths: readonly string[]): string {
  if (paths.some((p) => p.toLowerCase() === 'manifest.csv')) return '';
  const nested = paths.filter((p) => /^[^/]+\/manifest\.csv$/i.test(p));
  if (nested.length === 1) return nested[0]!.slice(0, nested[0]!.indexOf('/') + 1);
  return '';
}

export async function openSource(path: string): Promise<PackageSource> {
  let info;
  try {
    info = await stat(path);
  } catch (error) {
    throw new SourceError('notFound', (error as Error).message);
  }
  return info.isDirectory() ? openFolder(path) : openZip(path);
}

async function openFolder(path: string): Promise<PackageSource> {
  let root = path;
  let entries = await readdir(root, { withFileTypes: true });
  if (!entries.some((e) => e.isFile() && e.name.toLowerCase() === 'manifest.csv')) {
    const dirs = entries.filter((e) => e.isDirectory() && e.name !== '__MACOSX');
    if (dirs.length === 1) {
      const inner = join(root, dirs[0]!.name);
      const innerEntries = await readdir(inner, { withFileTypes: true });
      if (innerEntries.some((e) => e.isFile() && e.name.toLowerCase() === 'manifest.csv')) {
        root = inner;
        entries = innerEntries;
      }
    }
  }
  const files = entries.filter((e) => e.isFile() && !ignored(e.name));
  const sizes = new Map<string, number>();
  for (const file of files) sizes.set(file.name, (await stat(join(root, file.name))).size);
  return {
    names: [...sizes.keys()],
    size: (name) => sizes.get(name) ?? 0,
    open: async (name) => createReadStream(join(root, name)),
    close: async () => {},
  };
}

function openZip(path: string): Promise<PackageSource> {
  return new Promise((resolve, reject) => {
    yauzl.open(path, { lazyEntries: true, autoClose: false, strictFileNames: false, validateEntrySizes: true }, (error, zip) => {
      if (error || !zip) {
        reject(new SourceError('notZip', error?.message ?? 'no zip'));
        return;
      }
      const all: yauzl.Entry[] = [];
      zip.on('entry', (entry: yauzl.Entry) => {
        if (!ignored(entry.fileName)) all.push(entry);
        zip.readEntry();
      });
      zip.once('error', (e: Error) => {
        zip.close();
        reject(new SourceError('notZip', e.message));
      });
      zip.once('end', () => {
        const prefix = rootPrefix(all.map((e) => e.fileName));
        const entries = new Map<string, yauzl.Entry>();
        for (const entry of all) {
          if (!entry.fileName.startsWith(prefix)) continue;
          const name = entry.fileName.slice(prefix.length);
          if (name.includes('/')) continue;
          entries.set(name, entry);
        }
        resolve({
          names: [...entries.keys()],
          size: (name) => entries.get(name)?.uncompressedSize ?? 0,
          open: (name) =>
            new Promise((res, rej) => {
              const entry = entries.get(name);
              if (!entry) {
                rej(new Error(`no ${name}`));
                return;
              }
              zip.openReadStream(entry, (e, stream) =>
                e || !stream ? rej(e ?? new Error('no stream')) : res(checkedCrc(stream, entry.crc32, name)),
              );
            }),
          close: async () => {
            zip.close();
          },
        });
      });
      zip.readEntry();
    });
  });
}
