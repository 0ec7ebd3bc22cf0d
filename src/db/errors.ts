/**
 * Which errors mean "the database cannot be reached right now" — the server is down or restarting,
 * refuses connections, has no connection to spare, or (SQLite) another process holds its lock longer
 * than the busy timeout — as opposed to a query that is wrong. Those are answered 503 with Retry-After,
 * not 500.
 */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'EAI_AGAIN']);
/** PostgreSQL SQLSTATEs: connection exceptions (08), operator intervention (57P0x), too many connections, a database that refuses connections */
const POSTGRES_STATES = /^(08\d{3}|57P0[1-4]|53300|55000|3D000)$/;
const SQLITE_CODES = new Set(['SQLITE_BUSY', 'SQLITE_LOCKED', 'SQLITE_CANTOPEN', 'SQLITE_IOERR', 'SQLITE_FULL']);
const MESSAGES = /Connection terminated|timeout exceeded when trying to connect|connection is not open|Client has encountered a connection error/i;

export function isDatabaseUnavailable(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && typeof e === 'object' && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const { code, message } = e as { code?: unknown; message?: unknown };
    if (typeof code === 'string') {
      if (NETWORK_CODES.has(code) || POSTGRES_STATES.test(code)) return true;
      if ([...SQLITE_CODES].some((c) => code === c || code.startsWith(`${c}_`))) return true;
    }
    if (typeof message === 'string' && MESSAGES.test(message)) return true;
    if (e instanceof AggregateError && e.errors.some((inner) => isDatabaseUnavailable(inner))) return true;
  }
  return false;
}
