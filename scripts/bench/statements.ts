/**
 * What a piece of work costs the database, for the benchmarks that run in one process: the statements
 * it sends (every `query` of the PostgreSQL client, every run of a SQLite statement — `begin` and
 * `commit` included: one round trip each on PostgreSQL), and on PostgreSQL the CPU time of the server
 * processes that served the connections of one application name (/proc, Linux). The counter must be
 * installed before the connections it counts are made.
 */
import fs from 'node:fs';
import SQLite from 'better-sqlite3';
import pg from 'pg';

/** Counts statements from now on while `counting` is true; returns the counter. */
export function installStatementCounter(): { counting: boolean; statements: number } {
  const counter = { counting: false, statements: 0 };
  const query = pg.Client.prototype.query as (...args: unknown[]) => unknown;
  (pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown }).query = function (this: pg.Client, ...args: unknown[]) {
    if (counter.counting) counter.statements++;
    return query.apply(this, args);
  };
  const probe = new SQLite(':memory:');
  const statement = Object.getPrototypeOf(probe.prepare('select 1')) as Record<string, (...args: unknown[]) => unknown>;
  for (const method of ['run', 'get', 'all', 'iterate']) {
    const original = statement[method]!;
    statement[method] = function (this: unknown, ...args: unknown[]) {
      if (counter.counting) counter.statements++;
      return original.apply(this, args);
    };
  }
  probe.close();
  return counter;
}

/** The address of a database with an application name (`pg_stat_activity.application_name`) of its own. */
export function withApplicationName(url: string, name: string): string {
  const u = new URL(url);
  u.searchParams.set('application_name', name);
  return u.toString();
}

const TICK_MS = 1000 / 100;

/**
 * CPU time (ms) of each PostgreSQL server process serving a connection named `name`, by pid. The
 * difference of two readings is what those connections cost the server in between (a connection made
 * in between counts from its start).
 */
export async function serverCpuMs(url: string, name: string): Promise<Map<number, number>> {
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    const { rows } = await admin.query<{ pid: number }>('select pid from pg_stat_activity where application_name = $1', [name]);
    const out = new Map<number, number>();
    for (const { pid } of rows) {
      try {
        const f = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
        const fields = f.slice(f.lastIndexOf(')') + 2).split(' ');
        out.set(pid, (Number(fields[11]) + Number(fields[12])) * TICK_MS);
      } catch {
        // ended meanwhile
      }
    }
    return out;
  } finally {
    await admin.end();
  }
}

/** The server CPU between two readings of `serverCpuMs` (ms). */
export function serverCpuBetween(before: Map<number, number>, after: Map<number, number>): number {
  let total = 0;
  for (const [pid, ms] of after) total += ms - (before.get(pid) ?? 0);
  return total;
}

/**
 * CPU time (ms) of the whole PostgreSQL server so far: every process the postmaster runs now (backends,
 * the WAL writer, the checkpointer…) and those that have ended (the postmaster's children's time), read
 * from /proc (Linux; the server on this machine). A connection that ends between two readings keeps its
 * CPU in the count, which `serverCpuMs` loses; other databases' work on the same server counts too, so
 * compare readings taken with nothing else using the server.
 */
export async function serverTotalCpuMs(url: string): Promise<number> {
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    const { rows } = await admin.query<{ pid: number }>('select pg_backend_pid() as pid');
    const fieldsOf = (pid: number | string) => {
      const f = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
      return f.slice(f.lastIndexOf(')') + 2).split(' ');
    };
    const postmaster = Number(fieldsOf(rows[0]!.pid)[1]);
    const own = fieldsOf(postmaster);
    // utime, stime, then the waited-for children's cutime, cstime
    let ticks = Number(own[11]) + Number(own[12]) + Number(own[13]) + Number(own[14]);
    for (const entry of fs.readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const fields = fieldsOf(entry);
        if (Number(fields[1]) === postmaster) ticks += Number(fields[11]) + Number(fields[12]);
      } catch {
        // ended meanwhile
      }
    }
    return ticks * TICK_MS;
  } finally {
    await admin.end();
  }
}
