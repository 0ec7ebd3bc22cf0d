import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { gzipSizedFor } from '../../src/web/render.js';

/** A page-like document: repeated markup with varying text, as the portal's tables are. */
function page(rows: number): Buffer {
  const body = Array.from(
    { length: rows },
    (_, i) => `<tr><td class="usa-table__cell">Assignment ${i} — chapter ${(i * 7) % 31}</td><td data-sort="${(i * 37) % 101}">${(i * 37) % 101} / 100</td></tr>`,
  ).join('\n');
  return Buffer.from(`<!doctype html><html lang="en"><head><title>Assignments</title></head><body><table>${body}</table></body></html>`);
}

describe('gzip sized to the page', () => {
  it('uses a window no longer than the page needs, and the full window for large pages', () => {
    expect(gzipSizedFor(1024)).toEqual({ windowBits: 11, memLevel: 4 });
    expect(gzipSizedFor(5_000)).toEqual({ windowBits: 13, memLevel: 6 });
    expect(gzipSizedFor(100_000)).toEqual({ windowBits: 15, memLevel: 8 });
    expect(gzipSizedFor(50_000_000)).toEqual({ windowBits: 15, memLevel: 8, level: 4 });
    expect(gzipSizedFor(0).windowBits).toBe(9);
  });

  it('compresses a page of more than 100 KB faster, at level 4, and it still inflates to the page', () => {
    const html = page(4_000);
    expect(html.length).toBeGreaterThan(100_000);
    expect(gzipSizedFor(html.length).level).toBe(4);
    const sized = zlib.gzipSync(html, gzipSizedFor(html.length));
    expect(zlib.gunzipSync(sized).equals(html)).toBe(true);
    expect(sized.equals(zlib.gzipSync(html, { level: 4 }))).toBe(true);
    expect(gzipSizedFor(100_000).level).toBeUndefined();
  });

  it.each([1_100, 4_000, 9_000, 16_000])('compresses a %i-byte page to the same bytes as the defaults, with a smaller window', (bytes) => {
    const rows = Math.max(1, Math.round(bytes / 120));
    const html = page(rows);
    const sized = zlib.gzipSync(html, gzipSizedFor(html.length));
    expect(zlib.gunzipSync(sized).equals(html)).toBe(true);
    expect(gzipSizedFor(html.length).windowBits).toBeLessThan(15);
    expect(sized.equals(zlib.gzipSync(html))).toBe(true);
  });
});
