// A call plan → the main statement. Query-string and form arguments go straight into the call,
// one parameter each cast to its type; JSON bodies (and calls with a variadic argument) travel
// as ONE json parameter expanded by json_to_record with the routine's parameter types. Only
// the names given are passed, so defaults apply. The result is filtered, ordered and paged with the read fragments.

import { orderSql, selectSql, whereSql, type Scope } from './fragments.js';
import { groupBySql, levelMode } from './aggregate-sql.js';
import type { CallPlan } from '../plan/rpc.js';
import { empty, ident, isEmpty, join, keyword, param, sql, type Sql } from './sql.js';
import { andWhere, embedParts, relatedOrder } from './embed-sql.js';
import { maxAffectedCheck, singularCheck } from './mutate-sql.js';
import { pageCountSql, pageIsTotal } from './count.js';
import type { MediaHandler } from '../schema/media-handlers.js';

/** The arguments record (or nothing) and the call expression `fn(…)` reading it. */
function callParts(plan: CallPlan): { readonly args: Sql | null; readonly call: Sql } {
  const r = plan.routine;
  const fn = ident(r.schema, r.name);
  if (plan.wholeBody) return { args: null, call: sql`${fn}(${param(plan.argsJson)}::${keyword(r.params[0]!.type)})` };
  if (plan.args.length === 0) return { args: null, call: sql`${fn}()` };
  const direct = plan.directValues;
  if (direct !== null) {
    // Query-string arguments straight into the call, each cast to its parameter's type (PostgREST's DirectArgs).
    return { args: null, call: sql`${fn}(${join(plan.args.map((p, i) => sql`${ident(p.name)} := ${param(direct[i]!)}::${keyword(p.castType)}`), ', ')})` };
  }
  const columns = join(plan.args.map((p) => sql`${ident(p.name)} ${keyword(p.castType)}`), ', ');
  const named = join(
    plan.args.map((p) => sql`${p.variadic ? keyword('VARIADIC ') : empty}${ident(p.name)} := _pgrst_a.${ident(p.name)}`),
    ', ',
  );
  // An array body (JSON or CSV) passes its first object, as PostgREST's json_to_recordset … LIMIT 1.
  const record = sql`(SELECT CASE WHEN json_typeof(_pgrst_j.j) = 'array' THEN _pgrst_j.j -> 0 ELSE _pgrst_j.j END FROM (SELECT ${param(plan.argsJson)}::json AS j) _pgrst_j)`;
  return { args: sql`json_to_record(${record}) AS _pgrst_a(${columns})`, call: sql`${fn}(${named})` };
}

/**
 * `FROM` items that call the function once, its result as `_pgrst_r`. A `record` without OUT
 * parameters has no column list to call it with in FROM, so it is called in a select list
 * (one JSON value per row, as PostgREST). A single composite is called in a select list too,
 * fenced by OFFSET 0 so `(v).*` cannot re-run it per column, so that a NULL result is no
 * row (the body `null`) rather than a row of nulls.
 */
function callFromSql(plan: CallPlan): Sql {
  const r = plan.routine;
  const { args, call } = callParts(plan);
  const lead = args === null ? empty : sql`${args}, `;
  if (r.returns.kind === 'scalar' && r.returns.type === 'record') return sql`${lead}LATERAL (SELECT ${call} AS pgrst_scalar) AS _pgrst_r`;
  if (r.returns.kind === 'composite' && !r.setOf && r.returns.scalarOut !== true) {
    return sql`${lead}LATERAL (SELECT ${call} AS _pgrst_v OFFSET 0) AS _pgrst_c, LATERAL (SELECT (_pgrst_c._pgrst_v).* WHERE num_nulls(_pgrst_c._pgrst_v) = 0) AS _pgrst_r`;
  }
  const alias = r.returns.kind === 'scalar' ? sql`_pgrst_r(pgrst_scalar)` : sql`_pgrst_r`;
  return sql`${lead}${args === null ? empty : keyword('LATERAL ')}${call} AS ${alias}`;
}

const scopeOf = (plan: CallPlan): Scope => ({ qualifier: sql`_pgrst_r`, table: plan.table });

/** Whether the total is counted: then the filtered call is materialized once and counted. */
const counted = (plan: CallPlan): boolean => {
  const c = plan.request.preferences.count;
  return (c === 'exact' || c === 'estimated') && plan.routine.returns.kind !== 'void';
};

/** The body column: scalar and single composite results are one JSON value, sets an array. */
function callBodySql(plan: CallPlan, rowsBody: (single: boolean) => Sql, scalarBody: Sql | null): Sql {
  if (plan.headOnly) return sql`null::text`;
  const r = plan.routine;
  switch (r.returns.kind) {
    case 'void':
      return sql`null::text`;
    case 'scalar':
      if (scalarBody !== null) return scalarBody;
      return r.setOf ? sql`coalesce(json_agg(_pgrst_t.pgrst_scalar), '[]')` : sql`coalesce((json_agg(_pgrst_t.pgrst_scalar)->0), 'null')`;
    case 'composite':
      return rowsBody(!r.setOf);
  }
}

/**
 * The call's main statement; `rowsBody` is statements.ts's body for rows (single: one object),
 * `scalarBody` replaces the JSON of scalar results (a media type handler's body).
 */
export function callStatementSql(plan: CallPlan, rowsBody: (single: boolean) => Sql, responseGucs: Sql, scalarBody: Sql | null = null, handler: MediaHandler | null = null): Sql {
  const req = plan.request;
  const scope = scopeOf(plan);
  // The function returns a (text) media-type domain itself: its one value is the body as it
  // is, no aggregate (PostgREST's CustomFunc handler), the source named after the function.
  const own: MediaHandler | null = handler !== null && handler.kind === 'function' && !handler.binary && plan.routine.returns.kind === 'scalar' && !plan.routine.setOf ? handler : null;
  const projection =
    plan.routine.returns.kind === 'scalar'
      ? own === null
        ? sql`_pgrst_r.pgrst_scalar`
        : sql`_pgrst_r.pgrst_scalar, 1 AS pgrst_row`
      : plan.routine.returns.kind === 'void'
        ? sql`1`
        : selectSql(scope, req.select);
  const page = sql` LIMIT ${param(plan.range.limit === null ? null : String(plan.range.limit))} OFFSET ${param(String(plan.range.offset))}`;
  const mode = req.aggregates === true && plan.routine.returns.kind === 'composite' ? levelMode(req.select, plan.embeds) : 'none';
  const embeds = embedParts(scope, plan.embeds, 'pgrst', mode);
  const cols = plan.routine.returns.kind === 'composite' ? join([...(isEmpty(projection) ? [] : [projection]), ...embeds.columns], ', ') : projection;
  // An aggregating select groups before ordering and paging, as on tables.
  const ordered = orderSql(scope, req.order, relatedOrder(scope, plan.embeds, mode));
  const order = mode === 'group' ? sql`${groupBySql(scope, req.select, embeds.groupBy)}${ordered}` : ordered;
  // Without an aggregate the row is there even when paging drops the value (one row, as always).
  const count = own === null ? pageCountSql : sql`coalesce(_pgrst_t.pgrst_row, 0)`;
  const limited = plan.maxAffected === null ? count : maxAffectedCheck(count, plan.maxAffected);
  // In SQL, so a volatile function's non-singular result rolls its side effects back.
  const pageTotal = req.media.kind === 'object' ? singularCheck(count, limited) : limited;
  // The value already has the domain's type (PostgREST's cast to it is a no-op).
  const body = own === null || plan.headOnly ? callBodySql(plan, rowsBody, scalarBody) : sql`_pgrst_t.pgrst_scalar`;
  const rows = own === null ? sql`(SELECT * FROM pgrst_source) _pgrst_t` : sql`(SELECT 1) _pgrst_one LEFT JOIN (SELECT * FROM pgrst_source AS ${ident(plan.routine.name)}) _pgrst_t ON true`;
  const tail = sql`${pageTotal} AS page_total, ${body} AS body, ${responseGucs} FROM ${rows}`;
  let ctes: Sql;
  let total: Sql;
  // Nothing paged away: the page's count is the total, one aggregate (PostgREST's countF).
  const pageTotals = pageIsTotal(plan.range, plan.maxRows);
  if (counted(plan) && !pageTotals) {
    // The function runs once: its filtered rows (the embeds that filter, `!inner` and
    // `rel=is.null`, included, so the total honours them) are materialized, then both paged
    // and counted, so a volatile function's side effects happen once.
    const filtering = embedParts(scope, plan.embeds.filter((e) => e.inner || e.absent), 'pgrst', req.aggregates === true ? 'pass' : 'none');
    const called = sql`pgrst_call AS MATERIALIZED (SELECT _pgrst_r.* FROM ${callFromSql(plan)}${filtering.joins}${andWhere(whereSql(scope, req.filters), filtering.where)})`;
    ctes = sql`WITH ${called}, pgrst_source AS (SELECT ${cols} FROM pgrst_call AS _pgrst_r${embeds.joins}${andWhere(empty, embeds.where)}${order}${page})`;
    total = sql`(SELECT pg_catalog.count(*) FROM pgrst_call)`;
  } else {
    ctes = sql`WITH pgrst_source AS (SELECT ${cols} FROM ${callFromSql(plan)}${embeds.joins}${andWhere(whereSql(scope, req.filters), embeds.where)}${order}${page})`;
    total = counted(plan) ? count : sql`null::bigint`;
  }
  return sql`${ctes} SELECT ${total} AS total_result_set, ${tail}`;
}
