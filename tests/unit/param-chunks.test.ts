/**
 * The pieces set-based writes are cut into (db/bulk.ts's paramChunks, used by the notifications' decider,
 * the delivery step and the outbox): every row once, in order, and never more bound parameters per
 * statement than SQLite allows (32,766) — a batch of notifications crossing a chunk boundary loses nothing.
 */
import { describe, expect, it } from 'vitest';
import { paramChunks } from '../../src/db/bulk.js';

describe('paramChunks', () => {
  it('keeps every row once, in order, across chunk boundaries', () => {
    const rows = Array.from({ length: 2501 }, (_, i) => i);
    const chunks = paramChunks(rows, 10);
    // 10 columns: at most 1,000 rows a statement (the cap), so 1000 + 1000 + 501.
    expect(chunks.map((c) => c.length)).toEqual([1000, 1000, 501]);
    expect(chunks.flat()).toEqual(rows);
  });

  it('takes fewer rows when the columns are many, staying under SQLite 32,766 parameters', () => {
    const rows = Array.from({ length: 5000 }, (_, i) => ({ i }));
    const chunks = paramChunks(rows, 40, 5000);
    // 32,000 / 40 = 800 rows a statement.
    expect(chunks[0]).toHaveLength(800);
    expect(chunks.every((c) => c.length * 40 <= 32_766)).toBe(true);
    expect(chunks.flat()).toHaveLength(5000);
  });

  it('gives nothing for no rows and one row a statement at worst', () => {
    expect(paramChunks([], 5)).toEqual([]);
    expect(paramChunks([1, 2], 100_000)).toEqual([[1], [2]]);
  });
});
