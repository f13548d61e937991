// Which errors mean "the database is unavailable" (503, retry later) and which are the query's
// own fault (500 or a refusal): the codes postgres.js and Postgres give during a restart, also
// when drizzle wraps them in a DrizzleQueryError.
import { DrizzleQueryError } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { DatabaseUnavailable, isDatabaseUnavailable } from '../../src/store/db.js';

const coded = (code: string) => Object.assign(new Error(code), { code });

describe('isDatabaseUnavailable', () => {
  it.each(['ECONNREFUSED', 'ECONNRESET', 'CONNECTION_CLOSED', 'CONNECT_TIMEOUT', 'CONNECTION_DESTROYED', '57P01', '57P02', '57P03', '08006', '53300'])('%s is unavailability', (code) => {
    expect(isDatabaseUnavailable(coded(code))).toBe(true);
    expect(isDatabaseUnavailable(new DrizzleQueryError('select 1', [], coded(code)))).toBe(true);
  });

  it('knows its own error and errors aggregated by a dual-stack connect', () => {
    expect(isDatabaseUnavailable(new DatabaseUnavailable('no connection'))).toBe(true);
    expect(isDatabaseUnavailable(new AggregateError([coded('ECONNREFUSED'), coded('ECONNREFUSED')]))).toBe(true);
  });

  it.each(['23505', '22P02', '42P01', '40001'])('%s is not', (code) => {
    expect(isDatabaseUnavailable(new DrizzleQueryError('insert', [], coded(code)))).toBe(false);
  });

  it('plain errors and non-errors are not', () => {
    expect(isDatabaseUnavailable(new Error('boom'))).toBe(false);
    expect(isDatabaseUnavailable(undefined)).toBe(false);
    expect(isDatabaseUnavailable('ECONNREFUSED')).toBe(false);
  });
});
