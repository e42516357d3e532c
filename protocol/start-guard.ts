// The start deadline of a write pipelined behind other batches, checked by PostgreSQL itself:
// the statement the pool puts first in such a batch's implicit transaction fails (division by
// zero) when it runs after the deadline, so nothing the batch writes can commit late; and the
// connection's clock offset that puts the gateway's deadline on the server's clock. Pure.

import type { Query } from './batch.js';
import { PgError } from './errors.js';

/** The server's clock in seconds since the epoch (float8), read once per connection. */
export const CLOCK_QUERY: Query = { text: "SELECT pg_catalog.date_part('epoch', pg_catalog.clock_timestamp())", params: [] };

/**
 * The guard: one fixed text, the deadline a parameter. clock_timestamp() is volatile, so the
 * comparison is evaluated when the statement runs, never folded when it is planned.
 */
export const GUARD_TEXT = 'SELECT 1 / (pg_catalog.clock_timestamp() <= $1::timestamptz)::int';

/** SQLSTATE division_by_zero: what the guard fails with when it runs late. */
const DIVISION_BY_ZERO = '22012';

/**
 * The server's clock minus ours (ms) from one CLOCK_QUERY sent at `sentAt` and answered at
 * `receivedAt` (our clock, ms): the server read its clock about half way (error ± RTT/2).
 * Null for an answer that is not a number.
 */
export function clockOffsetMs(serverSeconds: string, sentAt: number, receivedAt: number): number | null {
  const server = Number(serverSeconds) * 1000;
  if (serverSeconds.trim() === '' || !Number.isFinite(server) || receivedAt < sentAt) return null;
  return server - (sentAt + receivedAt) / 2;
}

/** `startBy` (our clock, ms since the epoch) as the server's timestamptz, given its offset. */
export function serverDeadline(startBy: number, offsetMs: number): string {
  return new Date(Math.floor(startBy + offsetMs)).toISOString();
}

/** The guard statement for a batch that must start by `startBy` (our clock). */
export function startGuard(startBy: number, offsetMs: number): Query {
  return { text: GUARD_TEXT, params: [serverDeadline(startBy, offsetMs)] };
}

/**
 * Whether a guarded batch failed in its guard (the first statement, so nothing before it
 * completed): it started late, and its transaction rolled back before anything else ran.
 */
export function isGuardFailure(err: unknown): boolean {
  return err instanceof PgError && err.code === DIVISION_BY_ZERO && err.completed.length === 0;
}
