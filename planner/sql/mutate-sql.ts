// The main statement of a write: INSERT (plain, upsert, PUT), UPDATE or DELETE in a CTE, the
// in-SQL checks that must roll the write back (singular object, PUT key match, max-affected)
// as deliberate cast errors, the Location data and the inserted-row count; body values of
// columns with a data representation read through it (json → domain). Fragments only.

import { apiError, singularityError, type ApiError } from '../errors.js';
import type { Plan } from '../plan/plan.js';
import { empty, ident, isEmpty, join, keyword, nameLiteral, param, sql, type Sql } from './sql.js';
import { andWhere, embedParts, relatedOrder } from './embed-sql.js';
import { convert, orderSql, selectSql, whereSql, type Scope } from './fragments.js';
import type { Converter } from '../schema/representations.js';
import { groupBySql, levelMode } from './aggregate-sql.js';
import { returningOf } from './returning.js';
import { arrayLiteral } from './operators.js';

type MutatePlan = Extract<Plan, { kind: 'mutate' }>;


/** Prefixes of the deliberate cast errors; the gateway maps them back (writeMarker). */
const PUT_MARKER = 'pgrst-put-mismatch:';
const MAX_MARKER = 'pgrst-max-affected:';
const SINGULAR_MARKER = 'pgrst-singular:';
const MARKER_ERROR = /^invalid input syntax for type integer: "pgrst-(singular|put-mismatch|max-affected):(.*)"$/s;

export type WriteMarker = { readonly kind: 'singular' | 'max-affected'; readonly rows: number } | { readonly kind: 'put-mismatch' };

/** Which in-SQL check failed, from the error it raised (null for any other error). */
export function writeMarker(sqlstate: string, message: string): WriteMarker | null {
  if (sqlstate !== '22P02') return null;
  const m = MARKER_ERROR.exec(message);
  if (m === null) return null;
  return m[1] === 'put-mismatch' ? { kind: 'put-mismatch' } : { kind: m[1] === 'singular' ? 'singular' : 'max-affected', rows: Number(m[2]) };
}

/** The API error a failed in-SQL check stands for. */
export function markerError(m: WriteMarker): ApiError {
  switch (m.kind) {
    case 'singular':
      return singularityError(m.rows);
    case 'put-mismatch':
      return apiError(400, 'PGRST115', 'Payload values do not match URL in primary key column(s)');
    case 'max-affected':
      return apiError(400, 'PGRST124', 'Query result exceeds max-affected preference constraint', `The query affects ${m.rows} rows`);
  }
}

/** `(marker || x)::int`: fails at run time only (x depends on the rows, so it is never folded). */
const fail = (marker: string, x: Sql): Sql => sql`('${keyword(marker)}' || ${x})::int`;

/** `count` unless it exceeds max-affected, else the statement fails (PGRST124, rolled back). */
export const maxAffectedCheck = (count: Sql, max: number): Sql =>
  sql`CASE WHEN ${count} > ${param(String(max))}::bigint THEN ${fail(MAX_MARKER, sql`${count}`)} ELSE ${count} END`;

/**
 * Accept: application/vnd.pgrst.object+json: `value` when exactly one row was written or
 * returned, else the statement fails (PGRST116), whatever Prefer: return= says, so a
 * non-singular write never commits.
 */
export const singularCheck = (count: Sql, value: Sql): Sql => sql`CASE WHEN ${count} = 1 THEN ${value} ELSE ${fail(SINGULAR_MARKER, sql`${count}`)} END`;

/** The one JSON parameter as an array (an object is a one-element array). */
const bodyArray = (plan: MutatePlan): Sql =>
  sql`(SELECT CASE WHEN json_typeof(j) = 'array' THEN j ELSE json_build_array(j) END FROM (SELECT ${param(plan.request.payload?.json ?? '[]')}::json AS j) _pgrst_p)`;

/** The row source expanding the body in SQL, never row by row in JS. */
const bodyRows = (plan: MutatePlan, target: Sql): Sql => sql`json_populate_recordset(null::${target}, ${bodyArray(plan)}) _pgrst_body`;

/** `value` (the body's), or the column's default when the key is absent from the JSON element `j`. */
function withDefault(plan: MutatePlan, c: string, j: Sql, value: Sql): Sql {
  const dflt = plan.table.columnsByName.get(c)?.defaultExpr ?? null;
  return dflt === null ? value : sql`CASE WHEN ${j} -> ${param(c)} IS NULL THEN ${keyword(dflt)} ELSE ${value} END`;
}

/** The written columns whose domain reads JSON through a data representation, or null when none. */
function parsedColumns(plan: MutatePlan): ReadonlyMap<string, Converter> | null {
  if (plan.table.parsesJson !== true) return null;
  const out = new Map<string, Converter>();
  for (const c of plan.columns) {
    const fn = plan.table.columnsByName.get(c)?.representation?.fromJson;
    if (fn !== undefined) out.set(c, fn);
  }
  return out.size === 0 ? null : out;
}

/**
 * Whether the body may hold keys of columns that are not written: with `?columns=` only the
 * listed keys are read (PostgREST's json_to_recordset over them), so a key outside the list is
 * ignored, never type-checked. When the list names every column there is nothing to leave out.
 */
function narrowsBody(plan: MutatePlan): boolean {
  if (plan.request.payload?.listed !== true) return false;
  const written = new Set(plan.columns);
  return plan.table.columns.some((c) => !written.has(c.name));
}

/**
 * What json_populate_record reads of the element `j` when some written columns take a data
 * representation or `?columns=` lists the keys: only the written keys that are read as they
 * are. A represented key would go through its domain's input function, and keys not written
 * are never read (PostgREST's typed recordset).
 */
function narrowedElement(plan: MutatePlan, parsed: ReadonlyMap<string, Converter> | null, j: Sql): Sql {
  const keys = plan.columns.filter((c) => parsed?.has(c) !== true);
  const narrowed = keys.length === 0 ? sql`'{}'::json` : sql`json_build_object(${join(keys.map((k) => sql`${param(k)}::text, ${j} -> ${param(k)}::text`), ', ')})`;
  // An element that is no object goes on as it is, for json_populate_record's own error.
  return sql`CASE WHEN json_typeof(${j}) = 'object' THEN ${narrowed} ELSE ${j} END`;
}

/** A written column's value: from the populated record, or its JSON through the representation. */
function bodyValue(c: string, parsed: ReadonlyMap<string, Converter> | null, j: Sql): Sql {
  const fn = parsed?.get(c);
  return fn === undefined ? sql`_pgrst_body.${ident(c)}` : convert(fn, sql`${j} -> ${param(c)}::text`);
}

/**
 * Select list and row source of an insert. With Prefer: missing=default each element is first
 * merged over an object of the written columns' defaults (`jsonb_build_object('c', default, …)
 * || elem`, PostgREST's pgrst_json_defs): a key absent from the element takes the default, an
 * explicit null stays null, and each default is evaluated once per element even when its key
 * is present, so a sequence hands out the values PostgREST's does. The defaults' text comes
 * from the catalog, never from the request. The merged elements are read as a plain body's are.
 * Columns with a data representation are read element by element, through it.
 */
function insertRows(plan: MutatePlan, target: Sql, parsed: ReadonlyMap<string, Converter> | null): { readonly select: Sql; readonly from: Sql } {
  const narrow = narrowsBody(plan);
  const defaults = plan.request.preferences.missing === 'default' ? mergedDefaults(plan) : null;
  if (defaults === null && parsed === null && !narrow) {
    return { select: join(plan.columns.map((c) => ident(c)), ', '), from: bodyRows(plan, target) };
  }
  const j = sql`_pgrst_e.j`;
  const select = join(plan.columns.map((c) => bodyValue(c, parsed, j)), ', ');
  const element = parsed === null && !narrow ? j : narrowedElement(plan, parsed, j);
  const populated = sql`LATERAL json_populate_record(null::${target}, ${element}) _pgrst_body`;
  if (defaults === null) return { select, from: sql`json_array_elements(${bodyArray(plan)}) _pgrst_e(j), ${populated}` };
  // Without representations the merged array is read in one call; `?columns=` drops the
  // unlisted columns' keys from each element first, so they are never read.
  const unlisted = narrow ? plan.table.columns.filter((c) => !plan.columns.includes(c.name)).map((c) => c.name) : [];
  const elements =
    unlisted.length === 0
      ? sql`${bodyArray(plan)}::jsonb`
      : sql`(SELECT jsonb_agg(_pgrst_n.value - ${param(arrayLiteral(unlisted))}::text[]) FROM jsonb_array_elements(${bodyArray(plan)}::jsonb) _pgrst_n)`;
  const merged = sql`(SELECT jsonb_agg(${defaults} || elem) AS val FROM jsonb_array_elements(${elements}) elem) pgrst_json_defs`;
  if (parsed === null) return { select, from: sql`${merged}, LATERAL json_populate_recordset(null::${target}, pgrst_json_defs.val::json) _pgrst_body` };
  return { select, from: sql`${merged}, LATERAL json_array_elements(pgrst_json_defs.val::json) _pgrst_e(j), ${populated}` };
}

/** `jsonb_build_object('c', default, …)` over the written columns that have a default, or null. */
function mergedDefaults(plan: MutatePlan): Sql | null {
  const pairs = plan.columns.flatMap((c) => {
    const d = plan.table.columnsByName.get(c)?.defaultExpr ?? null;
    return d === null ? [] : [sql`${nameLiteral(c)}, ${keyword(d)}`];
  });
  return pairs.length === 0 ? null : sql`jsonb_build_object(${join(pairs, ', ')})`;
}

/**
 * PUT: only body rows repeating the URL's key are written (PostgREST's WHERE on the body), and
 * exactly one must be, else the statement fails (PGRST115, see putCheck): an array puts its
 * matching element.
 */
function putGuard(plan: MutatePlan, parsed: ReadonlyMap<string, Converter> | null): Sql {
  const key = plan.putKey ?? [];
  return join(key.map((k) => sql`${bodyValue(k.column, parsed, sql`_pgrst_e.j`)} IS NOT DISTINCT FROM ${param(k.value)}`), ' AND ');
}

/** `count` when a PUT wrote exactly one row, else the statement fails with PGRST115. */
const putCheck = (count: Sql): Sql => sql`CASE WHEN ${count} = 1 THEN ${count} ELSE ${fail(PUT_MARKER, sql`${count}`)} END`;

/**
 * PostgREST's count of the rows an upsert inserted, kept in the transaction-local
 * `pgrst.inserted` setting: +1 per candidate row, -1 per row the conflict turned into an
 * update. Unlike `xmax = 0` it also works through auto-updatable views, which have no xmax.
 */
const insertedCounter = (step: '+' | '-'): Sql =>
  sql`set_config('pgrst.inserted', (coalesce(nullif(current_setting('pgrst.inserted', true), '')::int, 0) ${keyword(step)} 1)::text, true) <> '${keyword(step === '+' ? '0' : '-1')}'`;

/** Whether the upsert counts its inserted rows (merge-duplicates and PUT, as PostgREST). */
const countsInserted = (plan: MutatePlan): boolean => plan.conflict !== null && plan.conflict.resolution === 'merge-duplicates';

/**
 * What the write returns: the row, plus the computed fields (functions of the row type, as
 * `items.computed`) its representation selects, evaluated here where the row
 * still has its table's type (the CTE's rows do not), as PostgREST's RETURNING does.
 */
function returning(plan: MutatePlan, row: Sql): Sql {
  if (!plan.returnRepresentation) return sql`${row}.*`;
  const names = new Set<string>();
  for (const item of plan.request.select) {
    if (item.kind === 'field' && !plan.table.columnsByName.has(item.field.name)) names.add(item.field.name);
  }
  return names.size === 0 ? sql`${row}.*` : join([sql`${row}.*`, ...[...names].map((n) => sql`${row}.${ident(n)}`)], ', ');
}

/** `q.*`, or only the columns the response reads (returning.ts), or `1` when it reads none. */
function returningSql(plan: MutatePlan, q: Sql): Sql {
  const r = returningOf(plan);
  if (r.kind === 'all') return returning(plan, q);
  return r.columns.length === 0 ? sql`1` : join(r.columns.map((c) => sql`${q}.${ident(c)}`), ', ');
}

/** `pgrst_mutation AS (…)`: the write, returning what the response needs of the written rows. */
function mutationCtes(plan: MutatePlan, target: Sql, scope: Scope): Sql {
  const cols = plan.columns.map((c) => ident(c));
  const colList = join(cols, ', ');
  const req = plan.request;
  const parsed = plan.mutation === 'delete' ? null : parsedColumns(plan);
  switch (plan.mutation) {
    case 'insert': {
      if (plan.conflict !== null) {
        const c = plan.conflict;
        const counting = countsInserted(plan);
        const onTarget = join(c.columns.map((n) => ident(n)), ', ');
        if (cols.length === 0) {
          // No keys (`[]`, `{}`): default rows, nothing to merge (PostgREST's DO NOTHING). A
          // PUT body without the key matches no URL key: nothing is written (PGRST115).
          const conds = [...(counting ? [insertedCounter('+')] : []), ...(plan.putKey === null ? [] : [sql`false`])];
          const where = conds.length === 0 ? empty : sql` WHERE ${join(conds, ' AND ')}`;
          return sql`pgrst_mutation AS (INSERT INTO ${target} AS _pgrst_w SELECT FROM json_array_elements(${bodyArray(plan)}) _pgrst_e${where} ON CONFLICT (${onTarget}) DO NOTHING RETURNING ${returningSql(plan, sql`_pgrst_w`)})`;
        }
        const sets = join(plan.columns.map((n) => sql`${ident(n)} = EXCLUDED.${ident(n)}`), ', ');
        const action = !counting ? sql`DO NOTHING` : sql`DO UPDATE SET ${sets} WHERE ${insertedCounter('-')}`;
        const rows = insertRows(plan, target, parsed);
        const conds = [...(counting ? [insertedCounter('+')] : []), ...(plan.putKey === null ? [] : [putGuard(plan, parsed)])];
        const where = conds.length === 0 ? empty : sql` WHERE ${join(conds, ' AND ')}`;
        const written = sql`INSERT INTO ${target} AS _pgrst_w (${colList}) SELECT ${rows.select} FROM ${rows.from}${where} ON CONFLICT (${onTarget}) ${action} RETURNING ${returningSql(plan, sql`_pgrst_w`)}`;
        return sql`pgrst_mutation AS (${written})`;
      }
      // No keys (`{}`, `[{}]`): one row of column defaults per element.
      const rows = insertRows(plan, target, parsed);
      const source =
        cols.length === 0
          ? sql`INSERT INTO ${target} SELECT FROM json_array_elements(${bodyArray(plan)}) RETURNING ${returningSql(plan, target)}`
          : sql`INSERT INTO ${target} (${colList}) SELECT ${rows.select} FROM ${rows.from} RETURNING ${returningSql(plan, target)}`;
      return sql`pgrst_mutation AS (${source})`;
    }
    case 'update': {
      if (cols.length === 0) return sql`pgrst_mutation AS (SELECT ${returningSql(plan, target)} FROM ${target} WHERE false)`;
      const defaults = req.preferences.missing === 'default';
      const narrow = narrowsBody(plan);
      if (defaults || parsed !== null || narrow) {
        // PATCH ?columns=… with missing=default: a listed key absent from the body is set to
        // the column default (null when it has none), as PostgREST does. Columns with a data
        // representation are read from the element's JSON, through it.
        const p = sql`_pgrst_p.j`;
        const sets = join(plan.columns.map((c) => sql`${ident(c)} = ${defaults ? withDefault(plan, c, p, bodyValue(c, parsed, p)) : bodyValue(c, parsed, p)}`), ', ');
        const element = parsed === null && !narrow ? p : narrowedElement(plan, parsed, p);
        return sql`pgrst_mutation AS (UPDATE ${target} SET ${sets} FROM (SELECT _pgrst_e.j FROM json_array_elements(${bodyArray(plan)}) _pgrst_e(j) LIMIT 1) _pgrst_p, LATERAL json_populate_record(null::${target}, ${element}) _pgrst_body${whereSql(scope, req.filters)} RETURNING ${returningSql(plan, target)})`;
      }
      const sets = join(plan.columns.map((c) => sql`${ident(c)} = _pgrst_body.${ident(c)}`), ', ');
      // An array body sets the values of its first element, as PostgREST (whose UPDATE … FROM
      // the array's rows would pick one row per target anyway).
      return sql`pgrst_mutation AS (UPDATE ${target} SET ${sets} FROM (SELECT * FROM json_populate_recordset(null::${target}, ${bodyArray(plan)}) LIMIT 1) _pgrst_body${whereSql(scope, req.filters)} RETURNING ${returningSql(plan, target)})`;
    }
    case 'delete':
      return sql`pgrst_mutation AS (DELETE FROM ${target}${whereSql(scope, req.filters)} RETURNING ${returningSql(plan, target)})`;
  }
}

/** `json_build_array(pk1::text, …)` of the first written row, or null when no Location is sent. */
function locationSql(plan: MutatePlan): Sql {
  const pk = plan.table.primaryKey;
  if (plan.mutation !== 'insert' || plan.request.preferences.return !== 'headers-only' || pk.length === 0) return sql`null::text`;
  const values = join(pk.map((c) => sql`_pgrst_l.${ident(c)}::text`), ', ');
  return sql`(SELECT json_build_array(${values})::text FROM pgrst_mutation _pgrst_l LIMIT 1)`;
}

/**
 * The written rows as the client selected them. Embeds join the base tables laterally from
 * the `pgrst_mutation` rows (the snapshot before the write, as PostgREST sees them), and
 * `!inner` embeds drop written rows from the representation and its count.
 */
function representationSql(plan: MutatePlan): Sql {
  if (!plan.returnRepresentation) return sql`SELECT 1 FROM pgrst_mutation`;
  // Named after the table, as PostgREST's `FROM pgrst_source AS "table"`: so EXPLAIN shows it.
  const alias = ident(plan.table.name);
  const scope: Scope = { qualifier: alias, table: plan.table };
  const own = selectSql(scope, plan.request.select);
  const mode = plan.request.aggregates === true ? levelMode(plan.request.select, plan.embeds) : 'none';
  // `order=` orders the representation, as on reads.
  const order = orderSql(scope, plan.request.order, relatedOrder(scope, plan.embeds, mode));
  if (plan.embeds.length === 0 && mode === 'none') return sql`SELECT ${own} FROM pgrst_mutation AS ${alias}${order}`;
  const embeds = embedParts(scope, plan.embeds, 'pgrst', mode);
  const cols = join([...(isEmpty(own) ? [] : [own]), ...embeds.columns], ', ');
  const group = mode === 'group' ? groupBySql(scope, plan.request.select, embeds.groupBy) : empty;
  return sql`SELECT ${cols} FROM pgrst_mutation AS ${alias}${embeds.joins}${andWhere(empty, embeds.where)}${group}${order}`;
}

/** The write's main statement; `body` is the representation of `_pgrst_t` for the media type. */
export function mutateStatementSql(plan: MutatePlan, representation: Sql, gucs: Sql): Sql {
  const target = ident(plan.table.schema, plan.table.name);
  const req = plan.request;
  const body = plan.returnRepresentation ? representation : sql`null::text`;
  const count = sql`pg_catalog.count(_pgrst_t)`;
  const checked = plan.putKey === null ? count : putCheck(count);
  const limited = plan.maxAffected === null ? checked : maxAffectedCheck(checked, plan.maxAffected);
  const page = req.media.kind === 'object' ? singularCheck(count, limited) : limited;
  // Read after the aggregate consumed every written row, so the counter is final.
  const inserted = countsInserted(plan) ? sql`coalesce(nullif(current_setting('pgrst.inserted', true), '')::bigint, 0)` : sql`null::bigint`;
  const scope: Scope = { qualifier: target, table: plan.table };
  // The projection is its own CTE so every body (CSV's header included) sees the selected columns.
  const ctes = sql`WITH ${mutationCtes(plan, target, scope)}, pgrst_source AS (${representationSql(plan)})`;
  // PostgREST's column order (statements.ts WriteColumns): the Location data before the body.
  return sql`${ctes} SELECT null::bigint AS total_result_set, ${page} AS page_total, ${locationSql(plan)} AS header, ${body} AS body, ${gucs}, ${inserted} AS response_inserted FROM (SELECT * FROM pgrst_source) _pgrst_t`;
}

/** The Location header value: `/table?pk=eq.v` (`is.null` for a null key), values URL-encoded. */
export function locationHeader(plan: MutatePlan, json: string): string | null {
  let values: unknown;
  try {
    values = JSON.parse(json);
  } catch {
    return null;
  }
  if (!Array.isArray(values)) return null;
  const parts = plan.table.primaryKey.map((c, i) => {
    const v: unknown = values[i];
    return encodeURIComponent(c) + '=' + (typeof v === 'string' ? 'eq.' + encodeURIComponent(v) : 'is.null');
  });
  return '/' + encodeURIComponent(plan.request.relation) + '?' + parts.join('&');
}
