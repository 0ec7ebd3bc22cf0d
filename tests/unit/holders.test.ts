/**
 * Telling that a lease's holder is gone (issue 18, item 4): only a process on this machine, in this
 * PID namespace, whose pid is free or now belongs to a later process. Anything else is "not known".
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { holderGone, holderId, parseHolder, processStart } from '../../src/jobs/holders.js';

/** A holder name for another pid, as a process with that pid on this machine would have made it. */
function holderFor(pid: number, start: string | null): string {
  const [host, , tag, , scope] = holderId().split(':');
  return [host, pid, tag, start ?? '-', scope].join(':');
}

/** The pid of a process that ran and ended. */
function endedPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

describe('lease holders', () => {
  it('names this process with its host, pid, start and machine', () => {
    const holder = parseHolder(holderId());
    expect(holder).toMatchObject({ host: os.hostname(), pid: process.pid });
    expect(holder?.start).toBe(processStart(process.pid));
    expect(holderId()).not.toBe(holderId());
  });

  it('knows a holder whose process ended is gone', () => {
    expect(holderGone(holderFor(endedPid(), null))).toBe(true);
  });

  it.skipIf(!fs.existsSync('/proc/self/stat'))('knows a holder is gone when its pid now belongs to a process that started at another time', () => {
    // The parent of this process is alive, but it is not the process that started at tick 1.
    expect(holderGone(holderFor(process.ppid, '1'))).toBe(true);
    expect(holderGone(holderFor(process.ppid, processStart(process.ppid)))).toBe(false);
  });

  it('does not call a living process gone, nor one it cannot judge', () => {
    expect(holderGone(holderId())).toBe(false);
    expect(holderGone(holderFor(process.ppid, null))).toBe(false);
    // another machine, another PID namespace, the names of an older version, nothing at all
    const [, pid, tag, start, scope] = holderFor(endedPid(), null).split(':');
    expect(holderGone(['elsewhere', pid, tag, start, scope].join(':'))).toBe(false);
    expect(holderGone([os.hostname(), pid, tag, start, 'feedfeedfeed'].join(':'))).toBe(false);
    expect(holderGone(`${os.hostname()}:${pid}:abc123`)).toBe(false);
    expect(holderGone(null)).toBe(false);
    expect(holderGone('not a holder')).toBe(false);
  });
});
