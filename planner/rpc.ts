// callPlan: an `/rpc/fn` request × the schema cache → the routine to call (overloads resolved
// by argument names), the arguments passed, and the scope its result is filtered in.
// Errors: 404 PGRST202 (no candidate, with a hint), 300 PGRST203 (several candidates) and
// 400 PGRST128 (strict max-affected on a function that does not return SETOF/TABLE).

import { apiError, fail, ok, type ApiError, type Result } from './errors.js';
import { capRange } from './range.js';
import { findTable, levenshtein, type SchemaCache, type Table } from './schema/model.js';
import { routineKey, type Routine, type RoutineParam } from './schema/routines.js';
import type { ApiRequest, RowRange } from './types.js';
import { planEmbeds, type EmbedPlan } from './embed.js';
import { txDecision, type TxEndSetting } from './tx-end.js';

export interface CallPlan {
  readonly kind: 'call';
  readonly routine: Routine;
  /** The result's columns as a relation, so the read fragments can filter and select on it. */
  readonly table: Table;
  readonly request: ApiRequest;
  /** The parameters given, in declaration order; the others take their defaults. */
  readonly args: readonly RoutineParam[];
  readonly argsJson: string;
  /** A single unnamed json/jsonb parameter takes the whole body. */
  readonly wholeBody: boolean;
  readonly range: RowRange;
  readonly headOnly: boolean;
  readonly readOnly: boolean;
  readonly maxRows: number | null;
  /** Embeds of a result whose rows are a table's rows (they relate like the table). */
  readonly embeds: readonly EmbedPlan[];
  /** Prefer: max-affected=N with handling=strict: more result rows fail with PGRST124. */
  readonly maxAffected: number | null;
  /** db-tx-end/Prefer: tx said roll back; `txApplied` goes to Preference-Applied. */
  readonly rollback: boolean;
  readonly txApplied: 'commit' | 'rollback' | null;
}

/** Whether a routine can be called with exactly these argument names. */
export function accepts(r: Routine, keys: readonly string[]): boolean {
  const names = new Set(r.params.map((p) => p.name));
  if (!keys.every((k) => names.has(k))) return false;
  const given = new Set(keys);
  return r.params.every((p) => p.hasDefault || given.has(p.name));
}

const JSON_TYPES: ReadonlySet<string> = new Set(['json', 'jsonb']);

/** `fn(json)` / `fn(jsonb)` with no parameter name: called with the whole request body. */
export const singleUnnamedJson = (r: Routine): boolean => r.params.length === 1 && r.params[0]!.name === '' && JSON_TYPES.has(r.params[0]!.type);

/** `fn(text)`, `fn(xml)`, `fn(bytea)` with no parameter name, for a raw body of that type. */
const singleUnnamed = (r: Routine, type: string): boolean => r.params.length === 1 && r.params[0]!.name === '' && r.params[0]!.type === type;

/** A variadic argument given once in the query string is still an array. */
function variadicAsArray(r: Routine, json: string): string {
  const variadic = r.params.find((p) => p.variadic);
  if (variadic === undefined) return json;
  const obj = JSON.parse(json) as Record<string, unknown>;
  const v = obj[variadic.name];
  if (typeof v !== 'string') return json;
  return JSON.stringify({ ...obj, [variadic.name]: [v] });
}

/** The function's `SET` clauses named in db-hoisted-tx-settings, as transaction-local settings. */
export function hoistedSettings(r: Routine, hoisted: readonly string[]): [string, string][] {
  const out: [string, string][] = [];
  for (const s of r.settings) {
    const eq = s.indexOf('=');
    if (eq > 0 && hoisted.includes(s.slice(0, eq))) out.push([s.slice(0, eq), s.slice(eq + 1)]);
  }
  return out;
}

const signature = (r: Routine): string => `${r.schema}.${r.name}(${r.params.map((p) => p.name).join(', ')})`;

function functionNotFound(cache: SchemaCache, schema: string, name: string, keys: readonly string[]): ApiError {
  const sorted = [...keys].sort();
  const qualified = `${schema}.${name}`;
  const message = sorted.length === 0
    ? `Could not find the function ${qualified} without parameters in the schema cache`
    : `Could not find the function ${qualified}(${sorted.join(', ')}) in the schema cache`;
  const searched = sorted.length === 0 ? 'without parameters' : `with parameter${sorted.length === 1 ? '' : 's'} ${sorted.join(', ')}`;
  const details = `Searched for the function ${qualified} ${searched} or with a single unnamed json/jsonb parameter, but no matches were found in the schema cache.`;
  const same = cache.routines?.get(routineKey(schema, name))?.[0];
  let hint: string | null = same === undefined ? null : `Perhaps you meant to call the function ${signature(same)}`;
  if (hint === null) {
    let best: string | null = null;
    let bestDistance = Infinity;
    for (const group of cache.routines?.values() ?? []) {
      const r = group[0];
      if (r === undefined || r.schema !== schema) continue;
      const d = levenshtein(name.toLowerCase(), r.name.toLowerCase());
      if (d < bestDistance) [best, bestDistance] = [r.name, d];
    }
    if (best !== null && bestDistance <= Math.max(2, Math.floor(name.length / 3))) hint = `Perhaps you meant to call the function ${schema}.${best}`;
  }
  return apiError(404, 'PGRST202', message, details, hint);
}

function ambiguous(candidates: readonly Routine[]): ApiError {
  const list = candidates.map((r) => `${r.schema}.${r.name}(${r.params.map((p) => `${p.name} => ${p.type}`).join(', ')})`);
  return apiError(
    300,
    'PGRST203',
    `Could not choose the best candidate function between: ${list.join(', ')}`,
    null,
    'Try renaming the parameters or the function itself in the database so function overloading can be resolved',
  );
}

const maxAffectedNotSetOf = (): ApiError =>
  apiError(400, 'PGRST128', 'Function must return SETOF or TABLE when max-affected preference is used with handling=strict');

/** The routine's result as a relation: its composite type's columns, or one `pgrst_scalar`. */
function resultTable(cache: SchemaCache, r: Routine): Table {
  const ret = r.returns;
  if (ret.kind === 'composite') {
    const known = findTable(cache, ret.schema, ret.name);
    if (known !== undefined) return known;
  }
  const columns = ret.kind === 'composite' ? ret.columns : ret.kind === 'scalar' ? [{ name: 'pgrst_scalar', type: ret.type, nullable: true, hasDefault: false }] : [];
  return {
    schema: r.schema,
    name: r.name,
    kind: 'table',
    columns,
    columnsByName: new Map(columns.map((c) => [c.name, c])),
    primaryKey: [],
    insertable: false,
    updatable: false,
    deletable: false,
  };
}

export function callPlan(request: ApiRequest, cache: SchemaCache, maxRows: number | null, txEnd: TxEndSetting = 'commit'): Result<CallPlan> {
  const action = request.action;
  if (action.kind !== 'call') throw new Error('callPlan: not a call');
  const keys = action.args.keys;
  const overloads = cache.routines?.get(routineKey(request.schema, request.relation)) ?? [];
  const rawBody = action.body !== 'json';
  let matches = rawBody ? [] : overloads.filter((r) => accepts(r, keys));
  const wholeBody = matches.length === 0 && !action.get;
  if (wholeBody) matches = overloads.filter(rawBody ? (r) => singleUnnamed(r, action.body) : singleUnnamedJson);
  const routine = matches[0];
  if (routine === undefined) return fail(functionNotFound(cache, request.schema, request.relation, keys));
  if (matches.length > 1) return fail(ambiguous(matches));
  const prefs = request.preferences;
  const maxAffected = prefs.handling === 'strict' ? prefs.maxAffected : null;
  // Decided before the call, as PostgREST does: void and single results have nothing to limit.
  if (maxAffected !== null && !routine.setOf) return fail(maxAffectedNotSetOf());
  const given = new Set(keys);
  const table = resultTable(cache, routine);
  const planned = planEmbeds(cache, table, request.select, request.filters, request.embedParams, request.order);
  if (!planned.ok) return planned;
  // Embed null filters (`rel=is.null`) leave the top-level WHERE, as on reads.
  const req = planned.value.rootFilters.length === request.filters.length ? request : { ...request, filters: planned.value.rootFilters };
  const tx = txDecision(txEnd, prefs);
  return ok({
    kind: 'call',
    routine,
    table,
    request: req,
    embeds: planned.value.embeds,
    args: wholeBody ? [] : routine.params.filter((p) => given.has(p.name)),
    argsJson: action.get ? variadicAsArray(routine, action.args.json) : action.args.json,
    wholeBody,
    range: capRange(request.range, maxRows),
    headOnly: action.headOnly,
    readOnly: action.get || routine.volatility !== 'volatile',
    maxRows,
    maxAffected,
    rollback: tx.rollback,
    txApplied: tx.applied,
  });
}
