/**
 * One CSV file of a package, streamed with csv-parse: each record with the line it STARTS on, one at a
 * time. The bytes first pass a check that they are UTF-8 (a file that is not stops at the first bad line,
 * with an error naming it) and are counted for progress. Line breaks are counted on the bytes, so a
 * quoted value with line breaks, CRLF, a byte-order mark and blank lines all keep the numbers right.
 */
import { isUtf8 } from 'node:buffer';
import { Transform, type TransformCallback } from 'node:stream';
import { parse, CsvError } from 'csv-parse';
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

  #note(bytes: Buffer): void {
    for (let i = 0; i < bytes.length; i++) {
      const b = bytes[i];
      if (b === 0x0a) {
        if (!this.#lastWasCr) {
          this.breaks.push(this.offset + i + 1);
          this.lines += 1;
        } else if (this.breaks.length) {
          // CRLF: the break was counted at the CR; it ends after the LF
          this.breaks[this.breaks.length - 1] = this.offset + i + 1;
        }
        this.#lastWasCr = false;
      } else if (b === 0x0d) {
        this.breaks.push(this.offset + i + 1);
        this.lines += 1;
        this.#lastWasCr = true;
      } else {
        this.#lastWasCr = false;
      }
    }
    this.offset += bytes.length;
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

/**
 * The records of one file, header first. Problems that end the file (not UTF-8, broken quoting, a damaged
 * zip entry) go to `report`; the generator then stops.
 */
export async function* csvRecords(
  source: PackageSource,
  name: string,
  report: (p: Problem) => void,
  counted: (n: number) => void,
): AsyncGenerator<CsvRecord> {
  let input;
  try {
    input = await source.open(name);
  } catch (error) {
    report(problem('damagedZip', name, null, (error as Error).message));
    return;
  }
  const utf8 = new Utf8Lines(counted);
  const parser = parse({
    bom: true,
    relax_column_count: true,
    relax_quotes: true,
    skip_empty_lines: true,
    info: true,
    // a quote never closed would otherwise gather the rest of the file into one value
    max_record_size: MAX_RECORD,
  });
  let inputFailed: Error | null = null;
  input.on('error', (e: Error) => {
    inputFailed = e;
    utf8.destroy(e);
  });
  utf8.on('error', (e: Error) => parser.destroy(e));
  input.pipe(utf8).pipe(parser);

  let claimed = 0;
  let lastBreakEnd = 0;
  try {
    for await (const item of parser as AsyncIterable<{ record: string[]; info: { bytes: number } }>) {
      const end = item.info.bytes;
      while (utf8.breaks.length && utf8.breaks[0]! <= end) {
        lastBreakEnd = utf8.breaks.shift()!;
        claimed += 1;
      }
      // the record's last line: the breaks up to its end, plus one when it ends without a break (at EOF)
      const lastLine = lastBreakEnd === end ? claimed : claimed + 1;
      const line = lastLine - breaksIn(item.record);
      yield { cells: item.record, line: Math.max(1, line) };
    }
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

function problem(code: ProblemCode, file: string, line: number | null, detail: string | null): Problem {
  return { severity: 'error', code, file, line, column: null, value: null, expected: null, ...(detail ? { detail } : {}) };
}
