import { randomBytes } from 'node:crypto';
import zlib from 'node:zlib';
import { Negotiator } from '@fastify/accept-negotiator';
import type { FastifyReply } from 'fastify';
import type { VNode } from 'preact';
import { renderToString } from 'preact-render-to-string';

/**
 * gzip first, Brotli for a browser that takes only Brotli. Measured on the demo's pages (3–52 KB of
 * HTML): Brotli at quality 4 made them 2–9 % smaller (about 100 bytes; every page fits in a few
 * packets either way) for twice the CPU (60–95 µs against 25–50 µs a page). ADR 0014.
 */
const encodings = new Negotiator({ supportedValues: ['gzip', 'br'] });
/** Below this a page is sent as it is: compressing would save less than it costs. */
const MIN_BYTES = 1024;

/**
 * A rendered page, compressed in one synchronous call when the browser accepts it. @fastify/compress
 * streams every payload through Node streams (three objects and several socket writes per page); for a
 * page that is already one string that machinery cost more CPU than the compression itself (measured in
 * the portal benchmark). Anything that is not a page (files, PDFs, the calendar feed) still goes
 * through @fastify/compress, which leaves a reply alone once it has a Content-Encoding.
 */
function encoded(reply: FastifyReply, html: string | Buffer): string | Buffer {
  if (html.length < MIN_BYTES) return html;
  const accepted = reply.request.headers['accept-encoding'];
  // Header values are case-insensitive; x-gzip is gzip (RFC 9110); a longer header than any browser
  // sends is left to @fastify/compress.
  const encoding =
    typeof accepted === 'string' && accepted.length <= 200 ? encodings.negotiate(accepted.toLowerCase().replace(/x-gzip/g, 'gzip')) : null;
  if (!encoding) return html;
  const vary = String(reply.getHeader('vary') ?? '');
  if (!vary) reply.header('vary', 'Accept-Encoding');
  else if (vary !== '*' && !/(^|,)\s*accept-encoding\s*(,|$)/i.test(vary)) reply.header('vary', `${vary}, Accept-Encoding`);
  reply.header('content-encoding', encoding);
  const body = typeof html === 'string' ? Buffer.from(html) : html;
  return encoding === 'br'
    ? zlib.brotliCompressSync(body, {
        params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 4, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: body.length },
      })
    : zlib.gzipSync(body, gzipSizedFor(body.length));
}

const LARGE_PAGE = 100_000;

/**
 * zlib's defaults are made for inputs of any size: a 32 KiB window (64 KiB with its second half), its
 * 64 KiB chain of earlier positions and 64 KiB of symbol buffer (memLevel 8), set up for every page. A
 * page needs no window longer than itself (a match cannot reach back before its start), nor buffers much
 * larger: for a 3 KB page these are about 24 KiB instead of 192 KiB. The demo's pages compress to the
 * same bytes as with the defaults (tested), and took 30–90 µs less per page when the caches were cold,
 * as they are during a sign-in storm.
 */
export function gzipSizedFor(bytes: number): zlib.ZlibOptions {
  // 262 bytes: zlib's lookahead (MIN_LOOKAHEAD); 2^9 is gzip's smallest window, 2^15 its largest.
  const windowBits = Math.min(15, Math.max(9, Math.ceil(Math.log2(bytes + 262))));
  // A page of more than LARGE_PAGE bytes (a class's gradebook: 430 KB) at level 4 instead of zlib's 6:
  // half the time (2.0 ms instead of 4.3 ms for the gradebook), 5 % more bytes.
  return { windowBits, memLevel: Math.max(1, windowBits - 7), ...(bytes > LARGE_PAGE ? { level: 4 } : {}) };
}

/**
 * A page's large part written as bytes (the gradebook's 2,100 cells: about 300 KB), put in the page by
 * a mark that sendPage replaces with them. Written as one string inside the page, such a part made the
 * page one string of 300,000 characters: flattening it and encoding it to UTF-8 cost about 8 ms of CPU
 * an open of the gradebook (a profile: more than rendering it), where the bytes of its rows cost under
 * one. The mark is an HTML comment holding a random token of this process, never shown anywhere else, so
 * no text a person typed can stand for a part (and rendered text has its `<` escaped). Rendering is
 * synchronous: the parts of a render are taken by the sendPage that made it, so a part is made while
 * rendering (in a component), never before: one made earlier is dropped, and its page refused (500).
 */
const PART_MARK = `<!--hr-part-${randomBytes(12).toString('hex')}-->`;
let parts: Buffer[] = [];

/** Marks where `bytes` (UTF-8 HTML, escaped by its maker) go in the page being rendered. */
export function pagePart(bytes: Buffer): string {
  parts.push(bytes);
  return PART_MARK;
}

/** Sends a server-rendered page. Pages may hold a family's data, so no shared cache keeps them. */
export function sendPage(reply: FastifyReply, page: VNode, status = 200): FastifyReply {
  reply.code(status).header('content-type', 'text/html; charset=utf-8').header('cache-control', 'no-store');
  parts = [];
  let html: string;
  try {
    html = `<!doctype html>${renderToString(page)}`;
  } catch (error) {
    parts = [];
    throw error;
  }
  const made = parts;
  parts = [];
  const pieces = made.length === 0 && !html.includes(PART_MARK) ? null : html.split(PART_MARK);
  if (!pieces) return reply.send(encoded(reply, html));
  // A part made before this render began (outside a component) was dropped above: its mark has no bytes.
  if (pieces.length !== made.length + 1) throw new Error('a page part was not placed exactly once in the page');
  const bytes: Buffer[] = [Buffer.from(pieces[0]!)];
  for (let i = 0; i < made.length; i++) bytes.push(made[i]!, Buffer.from(pieces[i + 1]!));
  return reply.send(encoded(reply, Buffer.concat(bytes)));
}
