/**
 * Who holds a job's lease or a run: a name for this process that another process can judge.
 *
 *   host:pid:tag:start:scope
 *
 * `start` is when the process started (clock ticks since boot, from /proc) and `scope` a short digest of
 * the machine's boot id and the process's PID namespace: on Linux they let a worker on the same machine
 * tell for certain that a holder's process is gone — its pid is free, or now belongs to a process that
 * started at another time. Anywhere else (another host, another container with the same host name, a
 * system without /proc) the answer is "not known", and the lease runs out instead (worker.ts).
 */
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';

function read(file: string): string | null {
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch {
    return null;
  }
}

/** A process's start time from /proc/<pid>/stat (field 22, after the command in parentheses). */
export function processStart(pid: number): string | null {
  const stat = read(`/proc/${pid}/stat`);
  if (!stat) return null;
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return fields[19] ?? null;
}

function machineScope(): string | null {
  const boot = read('/proc/sys/kernel/random/boot_id');
  let namespace: string | null = null;
  try {
    namespace = fs.readlinkSync('/proc/self/ns/pid');
  } catch {
    namespace = null;
  }
  if (!boot || !namespace) return null;
  return createHash('sha256').update(`${boot} ${namespace}`).digest('hex').slice(0, 12);
}

const ownScope = machineScope();
const ownStart = processStart(process.pid);

/** A new holder name for this process (each worker in it gets its own tag). */
export function holderId(): string {
  return [os.hostname(), process.pid, randomBytes(3).toString('hex'), ownStart ?? '-', ownScope ?? '-'].join(':');
}

export interface Holder {
  host: string;
  pid: number;
  start: string | null;
  scope: string | null;
}

export function parseHolder(id: string): Holder | null {
  const [host, pid, , start, scope] = id.split(':');
  if (!host || !pid || !/^\d+$/.test(pid)) return null;
  return { host, pid: Number(pid), start: start && start !== '-' ? start : null, scope: scope && scope !== '-' ? scope : null };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists and belongs to someone else
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/**
 * True only when the holder's process is known to be gone: same host, same machine and PID namespace
 * (where /proc tells), and its pid free or reused by a later process. False when alive or not known.
 */
export function holderGone(id: string | null): boolean {
  if (!id) return false;
  const holder = parseHolder(id);
  if (!holder || holder.host !== os.hostname()) return false;
  if (holder.scope !== ownScope) return false;
  if (holder.pid === process.pid) return holder.start !== null && holder.start !== ownStart;
  if (!alive(holder.pid)) return true;
  if (holder.start === null) return false;
  const start = processStart(holder.pid);
  return start !== null && start !== holder.start;
}
