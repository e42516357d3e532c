// callPlan: an `/rpc/fn` request × the schema cache → the routine to call (overloads resolved
// by argument names), the arguments passed, and the scope its result is filtered in.
// Errors: 404 PGRST202 (no candidate, with a hint), 300 PGRST203 (several candidates) and
// 400 PGRST128 (strict max-affected on a function that does not return SETOF/TABLE).

import { apiError, fail, ok, type ApiError, type Result } from '../errors.js';
import { capRange } from '../request/range.js';
import { findTable, type SchemaCache, type Table } from '../schema/model.js';
import { FuzzySet, NAME_HINT_SCORE, PARAMS_HINT_SCORE } from '../fuzzy.js';
import { routineKey, type Routine, type RoutineParam } from '../schema/routines.js';
import type { ApiRequest, CallBody, Payload, RowRange } from '../request/types.js';
import { capEmbeds, planEmbeds, type EmbedPlan } from './embed.js';
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
  /**
   * Query-string or form arguments passed to the call directly, each a parameter cast to its
   * type, aligned with `args` (PostgREST's DirectArgs; a repeated name gives its last value);
   * null when they go through argsJson (JSON bodies, a variadic parameter).
   */
  readonly directValues: readonly string[] | null;
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

/**
 * Whether a routine can be called with exactly these argument names (PostgREST's
 * matchesParams): every key a parameter, every parameter without a default given. A
 * function without parameters takes no keys, and never a raw text/xml/bytea body.
 */
export function accepts(r: Routine, keys: readonly string[], rawPost = false): boolean {
  if (r.params.length === 0) return keys.length === 0 && !rawPost;
  // An unnamed parameter beside named ones is never passed by name (it has no identifier).
  if (r.params.length > 1 && keys.includes('')) return false;
  const names = new Set(r.params.map((p) => p.name));
  if (!keys.every((k) => names.has(k))) return false;
  const given = new Set(keys);
  return r.params.every((p) => p.hasDefault || given.has(p.name));
}

const JSON_TYPES: ReadonlySet<string> = new Set(['json', 'jsonb']);

/** `fn(json)` / `fn(jsonb)` with no parameter name: called with the whole request body. */
export const singleUnnamedJson = (r: Routine): boolean => r.params.length === 1 && r.params[0]!.name === '' && JSON_TYPES.has(r.params[0]!.type);

/** A POST whose body can go whole to this function's one unnamed parameter (by body type). */
function takesWholeBody(r: Routine, body: CallBody): boolean {
  const p = r.params[0];
  if (r.params.length !== 1 || p === undefined || p.name !== '') return false;
  switch (body) {
    case 'json':
      return JSON_TYPES.has(p.type);
    case 'text':
    case 'xml':
    case 'bytea':
      return p.type === body;
    case 'form':
    case 'csv':
      return false;
  }
}

/**
 * Query-string and form arguments as the function takes them (PostgREST's toRpcParams): a
 * repeated name keeps its last value, a variadic parameter always gets an array.
 */
function directArgs(r: Routine, args: Payload): string {
  const variadic = r.params.find((p) => p.variadic)?.name;
  if (variadic === undefined && args.repeated !== true) return args.json;
  const given = JSON.parse(args.json) as Record<string, string | string[]>;
  return JSON.stringify(Object.fromEntries(Object.entries(given).map(([k, v]) => {
    if (k === variadic) return [k, Array.isArray(v) ? v : [v]];
    return [k, Array.isArray(v) ? v[v.length - 1]! : v];
  })));
}

/** The values of `params` from arguments named once each, or null (see CallPlan.directValues). */
function directValues(params: readonly RoutineParam[], args: Payload): readonly string[] | null {
  const values = args.values;
  if (values === undefined || params.some((p) => p.variadic)) return null;
  const byKey = new Map(args.keys.map((k, i) => [k, values[i]!]));
  const out: string[] = [];
  for (const p of params) {
    const v = byKey.get(p.name);
    if (v === undefined) return null;
    out.push(v);
  }
  return out;
}

const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * PostgREST's order of overloads (its candidate lists follow it): fewer parameters first,
 * then without a description before with one, then parameter by parameter (name, type, ...).
 */
function compareRoutines(a: Routine, b: Routine): number {
  if (a.params.length !== b.params.length) return a.params.length - b.params.length;
  if ((a.description === undefined) !== (b.description === undefined)) return a.description === undefined ? -1 : 1;
  const d = compareText(a.description ?? '', b.description ?? '');
  if (d !== 0) return d;
  for (let i = 0; i < a.params.length; i++) {
    const [p, q] = [a.params[i]!, b.params[i]!];
    const c = compareText(p.name, q.name) || compareText(p.type, q.type) || compareText(p.castType, q.castType) || Number(!p.hasDefault) - Number(!q.hasDefault) || Number(p.variadic) - Number(q.variadic);
    if (c !== 0) return c;
  }
  return 0;
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

const fuzzyNames = new WeakMap<SchemaCache, Map<string, FuzzySet>>();

/** The function names of a schema as a fuzzy set, built once per schema cache. */
function routineNames(cache: SchemaCache, schema: string): FuzzySet {
  let bySchema = fuzzyNames.get(cache);
  if (bySchema === undefined) fuzzyNames.set(cache, (bySchema = new Map()));
  let set = bySchema.get(schema);
  if (set === undefined) {
    const names = [...(cache.routines?.values() ?? [])].flatMap((g) => (g[0] !== undefined && g[0].schema === schema ? [g[0].name] : []));
    bySchema.set(schema, (set = new FuzzySet(names)));
  }
  return set;
}

const paramList = (names: readonly string[]): string => `(${[...names].sort().join(', ')})`;

/**
 * PostgREST's PGRST202. Keys are listed sorted; a raw text/xml/bytea POST names the unnamed
 * parameter it looked for and gets no hint. The hint is a fuzzy match of the name among the
 * schema's functions, or, when the name exists, of the keys among its overloads' parameter lists.
 */
function functionNotFound(cache: SchemaCache, schema: string, name: string, keys: readonly string[], post: boolean, body: CallBody): ApiError {
  const sorted = [...keys].sort();
  const qualified = `${schema}.${name}`;
  const raw = post && (body === 'text' || body === 'xml' || body === 'bytea');
  const listed = sorted.length === 0 ? ' without parameters' : `(${sorted.join(', ')})`;
  const message = `Could not find the function ${qualified}${raw ? '' : listed} in the schema cache`;
  const searchedFor = sorted.length === 0 ? ' without parameters' : ` with parameter${sorted.length > 1 ? 's' : ''} ${sorted.join(', ')}`;
  const searched = raw ? ` with a single unnamed ${body} parameter` : post && body === 'json' ? `${searchedFor} or with a single unnamed json/jsonb parameter` : searchedFor;
  const details = `Searched for the function ${qualified}${searched}, but no matches were found in the schema cache.`;
  let hint: string | null = null;
  if (!raw) {
    const overloads = cache.routines?.get(routineKey(schema, name)) ?? [];
    if (overloads.length === 0) {
      const best = routineNames(cache, schema).closest(name, NAME_HINT_SCORE);
      if (best !== null) hint = `Perhaps you meant to call the function ${schema}.${best}`;
    } else {
      const best = new FuzzySet(overloads.map((r) => paramList(r.params.map((p) => p.name)))).closest(paramList(sorted), PARAMS_HINT_SCORE);
      if (best !== null) hint = `Perhaps you meant to call the function ${qualified}${best}`;
    }
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
  const post = !action.get;
  const rawPost = post && (action.body === 'text' || action.body === 'xml' || action.body === 'bytea');
  // PostgREST's findProc: functions taking exactly these names win; only when none does, a
  // POST falls back to one whose single unnamed parameter takes the whole body.
  const named = overloads.filter((r) => accepts(r, keys, rawPost));
  const matches = named.length > 0 ? named : post ? overloads.filter((r) => takesWholeBody(r, action.body)) : [];
  const routine = matches[0];
  if (routine === undefined) return fail(functionNotFound(cache, request.schema, request.relation, keys, post, action.body));
  if (matches.length > 1) return fail(ambiguous([...matches].sort(compareRoutines)));
  const wholeBody = routine.params.length === 1 && routine.params[0]!.name === '';
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
    embeds: capEmbeds(planned.value.embeds, maxRows),
    args: wholeBody ? [] : routine.params.filter((p) => given.has(p.name)),
    argsJson: action.get || action.body === 'form' ? directArgs(routine, action.args) : action.args.json,
    directValues: wholeBody || !(action.get || action.body === 'form') ? null : directValues(routine.params.filter((p) => given.has(p.name)), action.args),
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
