/**
 * The demo generator's only source of randomness: a seeded xoroshiro128+ (pure-rand), so the same seed
 * gives the same district on every machine and engine.
 */
import { unsafeUniformIntDistribution, xoroshiro128plus, type RandomGenerator } from 'pure-rand';

export class Rng {
  private readonly gen: RandomGenerator;

  constructor(seed: number) {
    this.gen = xoroshiro128plus(seed | 0);
  }

  /** integer in [min, max], both included */
  int(min: number, max: number): number {
    return unsafeUniformIntDistribution(min, max, this.gen);
  }

  /** true with probability p */
  chance(p: number): boolean {
    return this.int(0, 999_999) < p * 1_000_000;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[this.int(0, items.length - 1)] as T;
  }

  /** an item chosen with probability proportional to its weight */
  weighted<T>(items: readonly T[], weight: (item: T) => number): T {
    const total = items.reduce((sum, item) => sum + weight(item), 0);
    let ticket = (this.int(0, 999_999) / 1_000_000) * total;
    for (const item of items) {
      ticket -= weight(item);
      if (ticket < 0) return item;
    }
    return items[items.length - 1] as T;
  }

  /** a value from a small table of [value, weight] pairs */
  table<T>(rows: readonly (readonly [T, number])[]): T {
    return this.weighted(rows, (r) => r[1])[0];
  }

  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(0, i);
      [items[i], items[j]] = [items[j] as T, items[i] as T];
    }
    return items;
  }

  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.int(0, 255);
    return out;
  }
}
