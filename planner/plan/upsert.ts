// Upserts: the conflict target of POST with Prefer: resolution=… (on_conflict or the primary
// key) and PUT's single-row contract (filters are exactly `eq` on every primary-key column;
// the body must carry the same key, checked in SQL). Plans only; SQL lives in mutate-sql.ts.

import { apiError, columnNotFound, fail, ok, type Result } from '../errors.js';
import type { Table } from '../schema/model.js';
import type { ApiRequest } from '../request/types.js';

export interface Conflict {
  readonly columns: readonly string[];
  readonly resolution: 'merge-duplicates' | 'ignore-duplicates';
}

/** One primary-key column of a PUT and the value its URL filter gave it. */
export interface PutKey {
  readonly column: string;
  readonly value: string;
}

export interface UpsertParts {
  readonly conflict: Conflict | null;
  readonly putKey: readonly PutKey[] | null;
}

const noUpsert: UpsertParts = { conflict: null, putKey: null };

const invalidPut = () =>
  apiError(405, 'PGRST105', "Filters must include all and only primary key columns with 'eq' operators");

/** PUT's key from its filters, or PGRST105 when they are not exactly `pk=eq.v` for each key. */
function putKey(request: ApiRequest, table: Table): Result<PutKey[]> {
  const pk = table.primaryKey;
  if (pk.length === 0) return fail(invalidPut());
  const found = new Map<string, string>();
  for (const scoped of request.filters) {
    const c = scoped.condition;
    if (scoped.path.length !== 0 || c.kind !== 'filter') return fail(invalidPut());
    const f = c.filter;
    if (f.negated || f.field.json.length > 0 || f.operation.kind !== 'compare' || f.operation.op !== 'eq') return fail(invalidPut());
    if (!pk.includes(f.field.name) || found.has(f.field.name)) return fail(invalidPut());
    found.set(f.field.name, f.operation.value);
  }
  if (found.size !== pk.length) return fail(invalidPut());
  return ok(pk.map((column) => ({ column, value: found.get(column)! })));
}

/** The conflict target and PUT key of a write (both null for a plain insert/update/delete). */
export function upsertParts(request: ApiRequest, table: Table): Result<UpsertParts> {
  const action = request.action.kind;
  if (action === 'upsert') {
    const key = putKey(request, table);
    if (!key.ok) return key;
    return ok({ conflict: { columns: table.primaryKey, resolution: 'merge-duplicates' }, putKey: key.value });
  }
  const resolution = request.preferences.resolution;
  if (action !== 'create' || resolution === null) return ok(noUpsert);
  const columns = request.onConflict ?? table.primaryKey;
  for (const c of columns) {
    if (!table.columnsByName.has(c)) return fail(columnNotFound(c, table.name));
  }
  // No key to conflict on: PostgREST ignores the resolution and inserts (no Preference-Applied).
  if (columns.length === 0) return ok(noUpsert);
  return ok({ conflict: { columns, resolution }, putKey: null });
}
