// Paging: the `Range` request header intersected with limit/offset, db-max-rows, and the
// `Content-Range` / status answer (200, 206, 416 PGRST103) computed from the row counts.
// Pure; the rules follow PostgREST's RangeQuery.

import { apiError, fail, ok, type ApiError, type Result } from '../errors.js';
import type { RowRange } from './types.js';

export const allRows: RowRange = { offset: 0, limit: null };

const rangeError = (details: string): ApiError => apiError(416, 'PGRST103', 'Requested range not satisfiable', details);

/**
 * The rows a read asks for: `Range: a-b` / `Range: a-` (only on GET; anything else in the
 * header is ignored, as PostgREST does) intersected with `limit`/`offset`.
 */
export function requestedRange(header: string | undefined, limit: number | null, offset: number | null): Result<RowRange> {
  let fromHeader = allRows;
  const m = header === undefined ? null : /^\s*(?:items=)?(\d+)-(\d*)\s*$/.exec(header);
  if (m !== null) {
    const lower = Number(m[1]);
    const upper = m[2] === '' ? null : Number(m[2]);
    if (upper !== null && lower > upper) {
      return fail(rangeError('The lower boundary must be lower than or equal to the upper boundary in the Range header.'));
    }
    fromHeader = { offset: lower, limit: upper === null ? null : upper - lower + 1 };
  }
  // A negative offset starts before the first row (so is a no-op); a negative limit empties
  // the range, which is unsatisfiable below.
  const fromQuery: RowRange = { offset: offset ?? 0, limit };
  // limit=0 bypasses the header: the one empty range that is allowed.
  if (limit === 0) return ok({ offset: Math.max(0, offset ?? 0), limit: 0 });
  const both = intersect(fromHeader, fromQuery);
  // An empty intersection is unsatisfiable (PostgREST words it as a negative limit).
  if (both.limit === 0) return fail(rangeError('Limit should be greater than or equal to zero.'));
  return ok(both);
}

/** Both ranges as [lower, upper] (upper null = open) intersected. */
function intersect(a: RowRange, b: RowRange): RowRange {
  const lower = Math.max(a.offset, b.offset);
  const ua = a.limit === null ? null : a.offset + a.limit - 1;
  const ub = b.limit === null ? null : b.offset + b.limit - 1;
  const upper = ua === null ? ub : ub === null ? ua : Math.min(ua, ub);
  return { offset: lower, limit: upper === null ? null : Math.max(0, upper - lower + 1) };
}

/** db-max-rows caps every read. */
export function capRange(range: RowRange, maxRows: number | null): RowRange {
  if (maxRows === null) return range;
  return { offset: range.offset, limit: range.limit === null ? maxRows : Math.min(range.limit, maxRows) };
}

export interface RangeAnswer {
  readonly status: number;
  readonly contentRange: string;
}

/**
 * Status and Content-Range for a read of `page` rows starting at `offset`, with the total
 * when a count was asked for. An offset past a known total is 416 PGRST103.
 */
export function rangeAnswer(offset: number, page: number, total: number | null): Result<RangeAnswer> {
  const upper = offset + page - 1;
  const range = total !== 0 && offset <= upper ? `${offset}-${upper}` : '*';
  const contentRange = `${range}/${total === null ? '*' : total}`;
  if (total === null) return ok({ status: 200, contentRange });
  if (offset > total) {
    return fail(rangeError(`An offset of ${offset} was requested, but there are only ${total} rows.`));
  }
  return ok({ status: page < total ? 206 : 200, contentRange });
}
