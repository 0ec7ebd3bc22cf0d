/**
 * The process's own memory (anonymous pages: the JavaScript heap, buffers, SQLite's page cache), which
 * has no peak counter of its own: sampled from /proc every 100 ms. Peak RSS (process.resourceUsage)
 * also counts the pages of an SQLite file read through its memory map — the operating system's file
 * cache, shared and given back under pressure.
 */
import fs from 'node:fs';

/** The process's anonymous memory now, in KiB (Linux; 0 elsewhere). */
function anonKiB(): number {
  try {
    return Number(/RssAnon:\s+(\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

/** Starts sampling; `stop()` ends it and gives the highest value seen, in MiB. */
export function sampleOwnMemory(): { stop(): number } {
  let peak = anonKiB();
  const timer = setInterval(() => (peak = Math.max(peak, anonKiB())), 100);
  return {
    stop() {
      clearInterval(timer);
      peak = Math.max(peak, anonKiB());
      return peak / 1024;
    },
  };
}
