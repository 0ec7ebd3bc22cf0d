/**
 * Where the machine's cores went between two readings: each thread's CPU time from Linux's /proc, put
 * in the sign-in storm's categories — the server's main thread, the server's other threads (its
 * hashing threads, and V8's and libuv's helpers), the database server's processes, and the rest
 * (the load generators, the kernel's own work, the machine's services) — beside idle time and time
 * the hypervisor gave to other machines ("steal"). Linux only: elsewhere `read()` answers undefined
 * and the benchmark leaves the split out.
 *
 * Time is counted in whole clock ticks (1/100 s on Linux), so over the storm's counted rounds
 * (20–30 s of two cores) a share is good to about 0.1 %. A process's time includes its ended threads';
 * an ended PostgreSQL backend's is found in its postmaster's reaped children. Other processes that end
 * between two readings (each round's wrk) take their time with them: it is in "the rest", which is the
 * machine's busy time (/proc/stat) less the other categories.
 */
import fs from 'node:fs';

/** CPU time of every process (and of each process's main thread), and the machine's totals, in clock ticks. */
export interface CpuReading {
  /** the machine's busy, idle and stolen time (/proc/stat, all cores) */
  busy: number;
  idle: number;
  steal: number;
  /**
   * per process, by "pid@starttime" (a pid may be reused): its name, parent, CPU time (its threads',
   * the ended ones' included), its main thread's, and that of its children that ended and were reaped
   */
  processes: Map<string, { pid: number; ppid: number; comm: string; ticks: number; mainTicks: number; reapedTicks: number }>;
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

/** Fields of a /proc/…/stat line (the name may hold spaces and parentheses): field n of proc(5) is fields[n - 3]. */
function statFields(line: string): string[] {
  return line.slice(line.lastIndexOf(')') + 2).split(' ');
}

export function read(): CpuReading | undefined {
  const stat = readStat('/proc/stat');
  if (!stat) return undefined;
  // cpu  user nice system idle iowait irq softirq steal guest guest_nice
  const [user, nice, system, idle, iowait, irq, softirq, steal] = (stat.split('\n')[0] as string).trim().split(/\s+/).slice(1).map(Number) as number[];
  const processes: CpuReading['processes'] = new Map();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const comm = readStat(`/proc/${entry}/comm`)?.trim();
    const line = readStat(`/proc/${entry}/stat`);
    const mainLine = readStat(`/proc/${entry}/task/${entry}/stat`);
    if (comm === undefined || !line || !mainLine) continue;
    const f = statFields(line);
    const m = statFields(mainLine);
    processes.set(`${entry}@${f[19]}`, {
      pid: Number(entry),
      ppid: Number(f[1]),
      comm,
      // utime + stime (fields 14, 15): the process's threads, live and ended
      ticks: Number(f[11]) + Number(f[12]),
      mainTicks: Number(m[11]) + Number(m[12]),
      // cutime + cstime (fields 16, 17): children that ended and were waited for
      reapedTicks: Number(f[13]) + Number(f[14]),
    });
  }
  return {
    busy: (user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0),
    idle: (idle ?? 0) + (iowait ?? 0),
    steal: steal ?? 0,
    processes,
  };
}

/** The process and every process under it (tsx starts the server as its child). */
export function processTree(root: number): Set<number> {
  const parents = new Map<number, number>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const line = readStat(`/proc/${entry}/stat`);
    if (line) parents.set(Number(entry), Number(statFields(line)[1]));
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
 * The split between two readings. `server`: the server's processes (processTree); their main threads
 * are the processes' own threads (the tsx wrapper's is idle), everything else of theirs — hashing
 * threads, V8's compiler and garbage-collector helpers, libuv's pool — is "other". The database
 * server: processes named `postgres*`, whichever database they serve; a backend that ended between
 * the readings (PostgreSQL connections are replaced every minute) is counted through its postmaster's
 * reaped children's time, less what it had used before the first reading.
 */
export function split(before: CpuReading, after: CpuReading, server: Set<number>): CpuSplit {
  let serverMain = 0;
  let serverOther = 0;
  let database = 0;
  const isDatabase = (p: { comm: string }) => p.comm.startsWith('postgres');
  const byPid = new Map([...after.processes.values()].map((p) => [p.pid, p]));
  for (const [key, p] of after.processes) {
    const was = before.processes.get(key);
    const ticks = p.ticks - (was?.ticks ?? 0);
    if (server.has(p.pid)) {
      const main = p.mainTicks - (was?.mainTicks ?? 0);
      serverMain += main;
      serverOther += ticks - main;
    } else if (isDatabase(p)) {
      database += ticks;
      // the postmaster (a postgres process whose parent is not one): its backends that ended
      const parent = byPid.get(p.ppid);
      if (!parent || !isDatabase(parent)) database += p.reapedTicks - (was?.reapedTicks ?? 0);
    }
  }
  // ended database processes: their whole life is in the reaped time above; take off what came before
  for (const [key, p] of before.processes) if (isDatabase(p) && !after.processes.has(key)) database -= p.ticks;
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
