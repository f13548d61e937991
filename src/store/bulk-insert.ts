// Many rows in one statement with one parameter: the rows travel as a JSON array and Postgres
// unpacks them with jsonb_to_recordset. For thousands of rows this costs the client one
// JSON.stringify instead of building and binding a parameter per value (which is where a burst
// of reminders spent most of its time), and works the same on postgres.js and PGlite.
import { getTableColumns, getTableName, sql, type SQL } from 'drizzle-orm';
import type { PgTable } from 'drizzle-orm/pg-core';
import type { DbOrTx } from './db.js';

/**
 * Inserts `rows`; columns that no row sets get their defaults (a column some rows set is null
 * where the others leave it out). `conflict` is the statement's ON CONFLICT clause, if any.
 * Returns the ids of the rows written (inserted, or updated by the conflict clause), for tables with an `id`.
 */
export async function insertRows<T extends PgTable>(db: DbOrTx, table: T, rows: Array<T['$inferInsert']>, opts: { conflict?: SQL } = {}): Promise<string[]> {
  if (!rows.length) return [];
  const all = getTableColumns(table) as Record<string, { name: string; getSQLType(): string }>;
  const keys = [...new Set(rows.flatMap((r) => Object.keys(r).filter((k) => (r as Record<string, unknown>)[k] !== undefined)))];
  const cols = keys.map((k) => {
    const c = all[k];
    if (!c) throw new Error(`${getTableName(table)} has no column ${k}`);
    return c;
  });
  const json = JSON.stringify(rows.map((r) => Object.fromEntries(keys.map((k, i) => [cols[i]!.name, (r as Record<string, unknown>)[k] ?? null]))));
  const names = sql.raw(cols.map((c) => `"${c.name}"`).join(', '));
  const shape = sql.raw(cols.map((c) => `"${c.name}" ${c.getSQLType()}`).join(', '));
  const conflict = opts.conflict ? sql` ${opts.conflict}` : sql``;
  // Tables keyed by other columns (composite keys) have no id to return.
  const returning = all.id ? sql` returning "id"` : sql``;
  const res = (await db.execute(sql`insert into ${table} (${names}) select ${names} from jsonb_to_recordset(${json}::jsonb) as x(${shape})${conflict}${returning}`)) as unknown;
  // postgres.js answers with the rows, PGlite with { rows }.
  const out = (Array.isArray(res) ? res : (res as { rows: unknown[] }).rows) as Array<{ id: string | number }>;
  return out.map((r) => String(r.id));
}
