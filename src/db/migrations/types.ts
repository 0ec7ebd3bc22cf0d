import { sql, type ColumnDefinitionBuilder, type CreateTableBuilder, type Kysely } from 'kysely';
import type { Dialect } from '../connect.js';

/** A migration receives the engine and switches only where the engines differ. */
export interface DialectMigration {
  name: string;
  up(db: Kysely<any>, dialect: Dialect): Promise<void>;
}

type Table = CreateTableBuilder<any, any>;
type Col = (c: ColumnDefinitionBuilder) => ColumnDefinitionBuilder;

/** Column helpers: the one place where the engines' types differ. */
export function columns(dialect: Dialect) {
  const pg = dialect === 'postgres';
  return {
    /** integer primary key, assigned by the database unless given */
    id: (t: Table, name = 'id') =>
      t.addColumn(name, 'integer', (c) => (pg ? c.primaryKey().generatedByDefaultAsIdentity() : c.primaryKey())),
    /** a calendar date 'YYYY-MM-DD' */
    date: (t: Table, name: string, f: Col = (c) => c) => t.addColumn(name, pg ? 'date' : 'text', f),
    /** an instant, ISO-8601 UTC */
    instant: (t: Table, name: string, f: Col = (c) => c) => t.addColumn(name, pg ? 'timestamptz' : 'text', f),
    /** a 0/1 flag (ADR 0003) */
    flag: (t: Table, name: string, dflt: 0 | 1) =>
      t.addColumn(name, pg ? 'smallint' : 'integer', (c) => c.notNull().defaultTo(dflt).check(sqlIn01(name))),
    real: (t: Table, name: string, f: Col = (c) => c) => t.addColumn(name, pg ? 'double precision' : 'real', f),
    /** created_at, updated_at, updated_by */
    changed: (t: Table) =>
      t
        .addColumn('created_at', pg ? 'timestamptz' : 'text', (c) => c.notNull())
        .addColumn('updated_at', pg ? 'timestamptz' : 'text', (c) => c.notNull())
        .addColumn('updated_by', 'integer'),
  };
}

function sqlIn01(name: string) {
  return sql`${sql.ref(name)} in (0, 1)`;
}
