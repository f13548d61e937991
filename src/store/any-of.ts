// `column = any($1::type[])`: a list of any length as one parameter (a Postgres array literal).
// drizzle's inArray writes `in ($1, …, $n)`: a new statement text for every length, which the
// driver must prepare and describe afresh and bind value by value; for the thousand-id lists of
// a burst of reminders that was a large share of the client's time. Same plan on the server (it
// turns an IN list into `= any` itself), same on postgres.js and PGlite.
import { sql, type SQL } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';

const element = (v: string) => `"${v.replace(/[\\"]/g, (c) => `\\${c}`)}"`;

/** `column = any(values)`; an empty list matches nothing. */
export function anyOf(column: PgColumn, values: readonly string[]): SQL {
  return sql`${column} = any(${`{${values.map(element).join(',')}}`}::${sql.raw(column.getSQLType())}[])`;
}
