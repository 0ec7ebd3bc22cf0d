/**
 * What a loading step beyond the roster (the gradebook, attendance) is given by the Loader: its
 * transaction, SQL helpers, the run's clock and counts, and how to report a problem. A step is a plain
 * module of set-based statements over the staging tables; it can be read on its own.
 */
import type { Kysely } from 'kysely';
import type { Dialect } from '../../../db/connect.js';
import type { FileMode, OneRosterFile, OneRosterVersion, Problem } from '../records.js';
import type { KindCounts, LoadKind, LoadProblemCode } from './index.js';
import type { Temporaries } from './staging.js';

export interface LoadContext {
  db: Kysely<any>;
  dialect: Dialect;
  temps: Temporaries;
  version: OneRosterVersion;
  mode(file: OneRosterFile): FileMode;
  exec(text: string): Promise<number>;
  number(text: string): Promise<number>;
  /** reports every row `select` gives (file, line, value[, detail]) */
  report(severity: Problem['severity'], code: LoadProblemCode, select: string, column: string | null, expected?: string | null): Promise<number>;
  /** ends the run (rolled back) when errors were reported */
  stopIfErrors(): void;
  /** the run's instant and calendar date (the district's), as SQL literals */
  nowLit: string;
  todayLit: string;
  now: Date;
  actorAccountId: number | null;
  /** true for the first import: it records no change events */
  firstImport: boolean;
  counts: Record<LoadKind, KindCounts>;
}

type JsonKind = 'int' | 'num' | 'text' | 'bool';

/** A number as text, as JavaScript writes it: 9 not SQLite's 9.0 (PostgreSQL already writes the shortest form). */
export function numberText(dialect: Dialect, e: string): string {
  return dialect === 'postgres' ? `cast(${e} as text)` : `cast(case when ${e} = cast(${e} as integer) then cast(${e} as integer) else ${e} end as text)`;
}

/**
 * An SQL expression giving the JSON text of an object, written as JSON.stringify writes the staff
 * services' change events (the same keys in the same order, no spaces, whole numbers without a
 * decimal point), so an event reads the same whichever way the change arrived.
 */
export function jsonText(dialect: Dialect, fields: readonly (readonly [key: string, expr: string, kind: JsonKind])[]): string {
  const value = (e: string, kind: JsonKind) => {
    if (kind === 'bool') return `case when ${e} is null then null when ${e} = 1 then 'true' else 'false' end`;
    if (kind === 'int') return `cast(${e} as text)`;
    if (kind === 'num') return numberText(dialect, e);
    return dialect === 'postgres' ? `cast(to_json(cast(${e} as text)) as text)` : `case when ${e} is null then null else json_quote(cast(${e} as text)) end`;
  };
  const parts = fields.map(([key, e, kind], i) => `'${i === 0 ? '{' : ','}"${key}":' || coalesce(${value(e, kind)}, 'null')`);
  return `(${parts.join(' || ')} || '}')`;
}
