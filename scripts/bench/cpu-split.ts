/**
 * Where the machine's cores went between two readings: each thread's CPU time from Linux's /proc, put
 * in the sign-in storm's categories — the server's main thread, the server's other threads (its
 * hashing threads, and V8's and libuv's helpers), the database server's processes, and the rest
 * (the load generators, the kernel's own work, the machine's services) — beside idle time and time
 * the hypervisor gave to other machines ("steal"). Linux only: elsewhere `read()` answers undefined
 * and the benchmark leaves the split out.
 *
 * A thread's time is counted in whole clock ticks (1/100 s on Linux), so over the storm's counted
 * rounds (20–30 s of two cores) a share is good to about 0.1 %. A thread that ends between two
 * readings (each round's wrk) takes its time with it: that time is in "the rest", which is the
 * machine's busy time (/proc/stat) less the other categories.
 */
import fs from 'node:fs';

/** CPU time of every thread of the processes that matter, and the machine's totals, in clock ticks. */
export interface CpuReading {
  /** the machine's busy, idle and stolen time (/proc/stat, all cores) */
  busy: number;
  idle: number;
  steal: number;
  /** per thread ("pid/tid"): its process's name, whether it is the process's main thread, its ticks */
  threads: Map<string, { pid: number; main: boolean; comm: string; ticks: number }>;
}

export interface CpuSplit {
  /** shares of all the cores' time between the readings, 0–1 */
  serverMain: number;
  serverOther: number;
  database: number;
  rest: number;
  idle: number;
  steal: number;
  /** seconds of CPU, for per-request figures */
  serverMainSeconds: number;
  databaseSeconds: number;
}

const TICKS_PER_SECOND = 100;

function readStat(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'latin1');
  } catch {
    return undefined; // the thread or process ended while being read
  }
}

/** utime + stime and the parent pid, from a /proc/…/stat line (the name may hold spaces and parentheses). */
function parseStat(line: string): { ppid: number; ticks: number } {
  const fields = line.slice(line.lastIndexOf(')') + 2).split(' ');
  return { ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) };
}

export function read(): CpuReading | undefined {
  const stat = readStat('/proc/stat');
  if (!stat) return undefined;
  // cpu  user nice system idle iowait irq softirq steal guest guest_nice
  const [user, nice, system, idle, iowait, irq, softirq, steal] = (stat.split('\n')[0] as string).trim().split(/\s+/).slice(1).map(Number) as number[];
  const threads: CpuReading['threads'] = new Map();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const comm = readStat(`/proc/${entry}/comm`)?.trim();
    let tids: string[];
    try {
      tids = fs.readdirSync(`/proc/${entry}/task`);
    } catch {
      continue;
    }
    for (const tid of tids) {
      const line = readStat(`/proc/${entry}/task/${tid}/stat`);
      if (!line || comm === undefined) continue;
      threads.set(`${entry}/${tid}`, { pid: Number(entry), main: entry === tid, comm, ticks: parseStat(line).ticks });
    }
  }
  return {
    busy: (user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0),
    idle: (idle ?? 0) + (iowait ?? 0),
    steal: steal ?? 0,
    threads,
  };
}

/** The process and every process under it (tsx starts the server as its child). */
export function processTree(root: number): Set<number> {
  const parents = new Map<number, number>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const line = readStat(`/proc/${entry}/stat`);
    if (line) parents.set(Number(entry), parseStat(line).ppid);
  }
  const tree = new Set([root]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const [pid, ppid] of parents) {
      if (!tree.has(pid) && tree.has(ppid)) {
        tree.add(pid);
        grew = true;
      }
    }
  }
  return tree;
}

/**
 * The split between two readings. `server`: the server's processes (processTree); its main threads are
 * the processes' own threads (the tsx wrapper's is idle). The database server: processes named
 * `postgres*` (PostgreSQL's backends, writer, checkpointer…), whichever database they serve.
 */
export function split(before: CpuReading, after: CpuReading, server: Set<number>): CpuSplit {
  let serverMain = 0;
  let serverOther = 0;
  let database = 0;
  for (const [key, thread] of after.threads) {
    const ticks = thread.ticks - (before.threads.get(key)?.ticks ?? 0);
    if (ticks <= 0) continue;
    if (server.has(thread.pid)) {
      if (thread.main) serverMain += ticks;
      else serverOther += ticks;
    } else if (thread.comm.startsWith('postgres')) {
      database += ticks;
    }
  }
  const busy = after.busy - before.busy;
  const idle = after.idle - before.idle;
  const steal = after.steal - before.steal;
  const all = busy + idle + steal;
  const share = (ticks: number) => (all > 0 ? ticks / all : NaN);
  return {
    serverMain: share(serverMain),
    serverOther: share(serverOther),
    database: share(database),
    rest: share(Math.max(0, busy - serverMain - serverOther - database)),
    idle: share(idle),
    steal: share(steal),
    serverMainSeconds: serverMain / TICKS_PER_SECOND,
    databaseSeconds: database / TICKS_PER_SECOND,
  };
}

/** Splits of several rounds as one: their ticks summed (each share weighted by its round's length). */
export function combine(splits: { split: CpuSplit; seconds: number }[]): CpuSplit {
  const total = splits.reduce((a, s) => a + s.seconds, 0);
  const mean = (pick: (s: CpuSplit) => number) => splits.reduce((a, s) => a + pick(s.split) * s.seconds, 0) / total;
  return {
    serverMain: mean((s) => s.serverMain),
    serverOther: mean((s) => s.serverOther),
    database: mean((s) => s.database),
    rest: mean((s) => s.rest),
    idle: mean((s) => s.idle),
    steal: mean((s) => s.steal),
    serverMainSeconds: splits.reduce((a, s) => a + s.split.serverMainSeconds, 0),
    databaseSeconds: splits.reduce((a, s) => a + s.split.databaseSeconds, 0),
  };
}
