/**
 * One CSV file of a package, streamed with csv-parse: each record with the line it STARTS on, given a
 * chunk's records at a time (one await per chunk of the file, not per row: ADR 0057). The bytes first
 * pass a check that they are UTF-8 (a file that is not stops at the first bad line, with an error naming
 * it) and are counted for progress. Line breaks are counted on the bytes, so a quoted value with line
 * breaks, CRLF, a byte-order mark and blank lines all keep the numbers right.
 */
import { isUtf8 } from 'node:buffer';
import { Transform, type TransformCallback } from 'node:stream';
import { CsvError, Parser, type Options } from 'csv-parse';
import type { Problem } from '../records.js';
import type { ProblemCode } from './describe.js';
import type { PackageSource } from './source.js';

/** The longest row read, in characters: far beyond any real row, small enough to keep memory bounded. */
const MAX_RECORD = 1 << 20;

export interface CsvRecord {
  cells: string[];
  /** the line the record starts on (1 = the file's first line) */
  line: number;
}

/** The records of a parsed chunk: each one's cells, and the line it starts on (no object per record). */
export interface CsvBatch {
  cells: string[][];
  lines: number[];
}

/**
 * Validates UTF-8 and notes where each line break is, so the reader can turn csv-parse's byte counts into
 * line numbers. A multi-byte character split between two chunks is held back until it is whole.
 */
class Utf8Lines extends Transform {
  /** byte offsets just past each line break not yet claimed by a record (bounded by what csv-parse buffers) */
  breaks: number[] = [];
  offset = 0;
  lines = 1;
  #carry = Buffer.alloc(0);
  #lastWasCr = false;
  badLine: number | null = null;

  constructor(private readonly counted: (n: number) => void) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.counted(chunk.length);
    let bytes = this.#carry.length ? Buffer.concat([this.#carry, chunk]) : chunk;
    const keep = incompleteTail(bytes);
    this.#carry = keep ? Buffer.from(bytes.subarray(bytes.length - keep)) : Buffer.alloc(0);
    if (keep) bytes = bytes.subarray(0, bytes.length - keep);
    if (!isUtf8(bytes)) {
      this.badLine = this.lines + firstBadLine(bytes);
      done(new Error('not UTF-8'));
      return;
    }
    this.#note(bytes);
    done(null, bytes);
  }

  override _flush(done: TransformCallback): void {
    if (this.#carry.length) {
      this.badLine = this.lines;
      done(new Error('not UTF-8'));
      return;
    }
    done();
  }

  /**
   * Notes the line breaks of `bytes`: a CR, an LF, or a CRLF (one break, ending after its LF, even when
   * the two are in different chunks). The bytes between breaks are skipped with indexOf (native), not
   * looked at one by one.
   */
  #note(bytes: Buffer): void {
    const n = bytes.length;
    let i = 0;
    let lf = -2;
    let cr = -2;
    while (i < n) {
      if (lf !== -1 && lf < i) lf = bytes.indexOf(0x0a, i);
      if (cr !== -1 && cr < i) cr = bytes.indexOf(0x0d, i);
      const next = lf === -1 ? cr : cr === -1 ? lf : Math.min(lf, cr);
      if (next === -1) {
        this.#lastWasCr = false;
        break;
      }
      if (next > i) this.#lastWasCr = false;
      if (next === lf) {
        if (!this.#lastWasCr) {
          this.breaks.push(this.offset + next + 1);
          this.lines += 1;
        } else if (this.breaks.length) {
          // CRLF: the break was counted at the CR; it ends after the LF
          this.breaks[this.breaks.length - 1] = this.offset + next + 1;
        }
        this.#lastWasCr = false;
      } else {
        this.breaks.push(this.offset + next + 1);
        this.lines += 1;
        this.#lastWasCr = true;
      }
      i = next + 1;
    }
    this.offset += n;
  }
}

/** How many bytes at the end start a UTF-8 sequence that continues in the next chunk. */
function incompleteTail(bytes: Buffer): number {
  for (let back = 1; back <= Math.min(3, bytes.length); back++) {
    const b = bytes[bytes.length - back]!;
    if ((b & 0xc0) === 0x80) continue; // a continuation byte: look further back
    const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    return need > back ? back : 0;
  }
  return 0;
}

/** The line (0-based within these bytes) of the first byte that is not UTF-8; CRLF, CR and LF end a line. */
function firstBadLine(bytes: Buffer): number {
  let line = 0;
  let start = 0;
  for (let i = 0; i <= bytes.length; i++) {
    if (i === bytes.length || bytes[i] === 0x0a || bytes[i] === 0x0d) {
      if (!isUtf8(bytes.subarray(start, i))) return line;
      if (bytes[i] === 0x0d && bytes[i + 1] === 0x0a) i += 1;
      line += 1;
      start = i + 1;
    }
  }
  return line;
}

function breaksIn(cells: string[]): number {
  let n = 0;
  for (const cell of cells) {
    if (cell.includes('\n') || cell.includes('\r')) n += cell.match(/\r\n|\r|\n/g)?.length ?? 0;
  }
  return n;
}

function endsWithBreak(cell: string | undefined): boolean {
  const last = cell === undefined || cell.length === 0 ? 0 : cell.charCodeAt(cell.length - 1);
  return last === 0x0a || last === 0x0d;
}

const OPTIONS: Options = {
  bom: true,
  relax_column_count: true,
  relax_quotes: true,
  skip_empty_lines: true,
  // a quote never closed would otherwise gather the rest of the file into one value
  max_record_size: MAX_RECORD,
};

/**
 * csv-parse's stream, giving the records of each chunk it parses as one batch, each with the line it
 * starts on. csv-parse's `info: true` would copy its whole info object into a new one for every record
 * (two object spreads a row); the one number needed, the bytes parsed through the record's end, is read
 * from the parser's own `info` as csv-parse pushes the record (it pushes synchronously, while parsing).
 * The records of a chunk that fails are dropped, as the stream's destroy drops what it had buffered.
 */
class LineParser extends Parser {
  #batch: CsvBatch = { cells: [], lines: [] };
  #claimed = 0;
  #lastBreakEnd = 0;

  constructor(private readonly lines: Utf8Lines) {
    // one chunk's records waiting at a time (csv-parse ignores options it does not know)
    super({ ...OPTIONS, readableHighWaterMark: 1 } as Options);
  }

  override push(chunk: unknown, encoding?: BufferEncoding): boolean {
    if (chunk === null) {
      this.#emit();
      return super.push(null, encoding);
    }
    const cells = chunk as string[];
    const end = this.info.bytes;
    const breaks = this.lines.breaks;
    const before = this.#claimed;
    while (breaks.length && breaks[0]! <= end) {
      this.#lastBreakEnd = breaks.shift()!;
      this.#claimed += 1;
    }
    // the record's last line: the breaks up to its end, plus one when it ends without a break (at EOF)
    const lastLine = this.#lastBreakEnd === end ? this.#claimed : this.#claimed + 1;
    // Breaks inside the record's values: none when its bytes hold no break, or only the one that ends it
    // (the common row, counted without looking at its values); else counted in the values.
    const spanned = this.#claimed - before;
    const plain = spanned === 0 || (spanned === 1 && this.#lastBreakEnd === end && !endsWithBreak(cells[cells.length - 1]));
    this.#batch.cells.push(cells);
    this.#batch.lines.push(Math.max(1, lastLine - (plain ? 0 : breaksIn(cells))));
    return true;
  }

  override _transform(chunk: Buffer, encoding: BufferEncoding, callback: TransformCallback): void {
    super._transform(chunk, encoding, (error?: Error | null) => {
      if (error) this.#batch = { cells: [], lines: [] };
      else this.#emit();
      callback(error);
    });
  }

  override _flush(callback: TransformCallback): void {
    super._flush((error?: Error | null) => {
      if (error) this.#batch = { cells: [], lines: [] };
      else this.#emit();
      callback(error);
    });
  }

  #emit(): void {
    if (this.#batch.cells.length === 0) return;
    const batch = this.#batch;
    this.#batch = { cells: [], lines: [] };
    super.push(batch);
  }
}

/**
 * The records of one file, header first, a parsed chunk's worth at a time. Problems that end the file (not
 * UTF-8, broken quoting, a damaged zip entry) go to `report`; the generator then stops.
 */
export async function* csvBatches(
  source: PackageSource,
  name: string,
  report: (p: Problem) => void,
  counted: (n: number) => void,
): AsyncGenerator<CsvBatch> {
  let input;
  try {
    input = await source.open(name);
  } catch (error) {
    report(problem('damagedZip', name, null, (error as Error).message));
    return;
  }
  const utf8 = new Utf8Lines(counted);
  const parser = new LineParser(utf8);
  let inputFailed: Error | null = null;
  input.on('error', (e: Error) => {
    inputFailed = e;
    utf8.destroy(e);
  });
  utf8.on('error', (e: Error) => parser.destroy(e));
  input.pipe(utf8).pipe(parser);

  try {
    for await (const batch of parser as AsyncIterable<CsvBatch>) yield batch;
  } catch (error) {
    if (utf8.badLine !== null) report(problem('notUtf8', name, utf8.badLine, null));
    else if (inputFailed) report(problem('damagedZip', name, null, (inputFailed as Error).message));
    else if (error instanceof CsvError) {
      const lines = (error as CsvError & { lines?: number }).lines;
      report(problem('csvSyntax', name, typeof lines === 'number' ? lines : null, error.message));
    } else report(problem('damagedZip', name, null, (error as Error).message));
  } finally {
    input.unpipe();
    input.destroy();
    utf8.destroy();
  }
}

/** The records of one file, one at a time (csvBatches, for a reader of a few rows: the manifest). */
export async function* csvRecords(
  source: PackageSource,
  name: string,
  report: (p: Problem) => void,
  counted: (n: number) => void,
): AsyncGenerator<CsvRecord> {
  for await (const batch of csvBatches(source, name, report, counted)) {
    for (let i = 0; i < batch.cells.length; i++) yield { cells: batch.cells[i]!, line: batch.lines[i]! };
  }
}

function problem(code: ProblemCode, file: string, line: number | null, detail: string | null): Problem {
  return { severity: 'error', code, file, line, column: null, value: null, expected: null, ...(detail ? { detail } : {}) };
}
