/**
 * The package file being written: a zip (yazl) whose entries are CSV files written with csv-stringify's
 * streaming API, one entry after another, each fed page by page with back-pressure, so that memory holds
 * one page of rows and the compressor's buffers whatever the size of the district.
 *
 * The zip is written to a temporary file beside the destination and renamed over it once complete: an
 * export that fails half-way leaves no file that looks like a package (and the old one, when replacing).
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Transform, type TransformCallback } from 'node:stream';
import { stringify, type Stringifier } from 'csv-stringify';
import { ZipFile } from 'yazl';

/**
 * The CSV text in pieces of CHUNK_BYTES: csv-stringify pushes one string per row, and the compressor
 * hands every piece it is given to a thread of its own and back, so that row by row the export waited
 * on the round trips (measured on the 600-student demo, SQLite: results.csv at 24,000 rows/s with the
 * main thread idle 43 % of the time; 69,000 rows/s in 64 KiB pieces).
 */
class Chunks extends Transform {
  #parts: Buffer[] = [];
  #bytes = 0;

  override _transform(chunk: Buffer | string, _encoding: BufferEncoding, done: TransformCallback): void {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    this.#parts.push(buffer);
    this.#bytes += buffer.length;
    if (this.#bytes >= CHUNK_BYTES) this.#emit();
    done();
  }

  override _flush(done: TransformCallback): void {
    if (this.#bytes > 0) this.#emit();
    done();
  }

  #emit(): void {
    this.push(Buffer.concat(this.#parts, this.#bytes));
    this.#parts = [];
    this.#bytes = 0;
  }
}
const CHUNK_BYTES = 64 * 1024;

/** A CSV row: cells by column name; a missing or null cell is empty. */
export type CsvRow = Record<string, string | null>;

/** What stopped an export: a message for the operator (the CLI prints it). */
export class ExportError extends Error {
  override name = 'ExportError';
}

export interface FileCount {
  /** the file's name in the package */
  name: string;
  rows: number;
  ms: number;
}

export class PackageWriter {
  readonly #zip = new ZipFile();
  readonly #out: fs.WriteStream;
  readonly #temp: string;
  readonly #mtime: Date;
  #failure: Error | null = null;
  #wake: ((error: Error) => void) | null = null;
  #closed: Promise<void>;
  readonly files: FileCount[] = [];

  private constructor(readonly destination: string, temp: string, out: fs.WriteStream, mtime: Date, readonly overwrite: boolean) {
    this.#temp = temp;
    this.#out = out;
    this.#mtime = mtime;
    const fail = (error: Error) => {
      this.#failure ??= error;
      this.#wake?.(error);
    };
    out.on('error', fail);
    this.#zip.outputStream.on('error', fail);
    this.#closed = new Promise<void>((resolve, reject) => {
      out.on('close', () => (this.#failure ? reject(this.#failure) : resolve()));
    });
    this.#closed.catch(() => undefined);
    this.#zip.outputStream.pipe(out);
  }

  /**
   * Opens the temporary file beside `destination` (refusing an existing destination unless `overwrite`):
   * an unwritable place fails here, before anything is read from the database.
   */
  static async open(destination: string, { overwrite, mtime }: { overwrite: boolean; mtime: Date }): Promise<PackageWriter> {
    const target = path.resolve(destination);
    let existing: fs.Stats | undefined;
    try {
      existing = fs.statSync(target, { throwIfNoEntry: false });
    } catch (error) {
      throw new ExportError(`Cannot write ${destination}: ${(error as Error).message}`);
    }
    if (existing?.isDirectory()) throw new ExportError(`${destination} is a folder: give the path of the zip file to write.`);
    if (existing && !overwrite) throw new ExportError(`${destination} already exists: choose another name, or replace it with --force.`);
    const temp = path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}-${randomBytes(4).toString('hex')}.partial`);
    const out = fs.createWriteStream(temp, { flags: 'wx', mode: 0o600 });
    try {
      await new Promise<void>((resolve, reject) => {
        out.once('open', () => resolve());
        out.once('error', reject);
      });
    } catch (error) {
      throw new ExportError(`Cannot write ${destination}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'its folder does not exist' : (error as Error).message}`);
    }
    return new PackageWriter(target, temp, out, mtime, overwrite);
  }

  /**
   * Writes one CSV file into the package: the header, then every row the pages give, in order. A row
   * with a cell whose column is not in `columns` is a mistake in the exporter: it stops the export
   * rather than dropping the value.
   */
  async file(name: string, columns: readonly string[], pages: AsyncIterable<CsvRow[]>): Promise<FileCount> {
    const started = performance.now();
    const known = new Set(columns);
    const csv: Stringifier = stringify({ header: true, columns: [...columns], record_delimiter: 'unix', writableHighWaterMark: 1_000 });
    this.#zip.addReadStream(csv.pipe(new Chunks()), name, { mtime: this.#mtime, compress: true });
    let rows = 0;
    try {
      for await (const page of pages) {
        if (this.#failure) throw this.#failure;
        if (rows === 0 && page[0]) {
          const unknown = Object.keys(page[0]).filter((k) => !known.has(k));
          if (unknown.length > 0) throw new Error(`${name}: no column named ${unknown.join(', ')} (COLUMNS_1_2 changed?)`);
        }
        for (const row of page) {
          if (!csv.write(row)) await this.#drained(csv);
        }
        rows += page.length;
      }
    } finally {
      csv.end();
    }
    if (this.#failure) throw this.#failure;
    const count = { name, rows, ms: performance.now() - started };
    this.files.push(count);
    return count;
  }

  /** A small file given whole (the manifest). */
  async small(name: string, columns: readonly string[], rows: CsvRow[]): Promise<void> {
    await this.file(name, columns, (async function* () {
      yield rows;
    })());
  }

  #drained(csv: Stringifier): Promise<void> {
    if (this.#failure) return Promise.reject(this.#failure);
    return new Promise<void>((resolve, reject) => {
      const onDrain = () => {
        this.#wake = null;
        resolve();
      };
      csv.once('drain', onDrain);
      this.#wake = (error) => {
        csv.off('drain', onDrain);
        this.#wake = null;
        reject(error);
      };
    });
  }

  /** Ends the zip, waits until it is on disk and puts it in place; returns its size in bytes. */
  async finish(): Promise<number> {
    this.#zip.end();
    await this.#closed;
    if (this.overwrite) {
      fs.renameSync(this.#temp, this.destination);
    } else {
      // a file that appeared at the destination during the export is not replaced either
      try {
        fs.linkSync(this.#temp, this.destination);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw new ExportError(`${this.destination} appeared while the package was written: it was left as it is.`);
        throw error;
      }
      fs.rmSync(this.#temp);
    }
    return fs.statSync(this.destination).size;
  }

  /** After a failure: stops writing and removes the temporary file. */
  abandon(): void {
    this.#zip.outputStream.unpipe(this.#out);
    this.#out.destroy();
    fs.rmSync(this.#temp, { force: true });
  }
}
