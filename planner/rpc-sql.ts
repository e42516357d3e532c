// A call plan → the main statement. The arguments travel as ONE json parameter expanded by
// json_to_record with the routine's parameter types; only the names given are passed, so
// defaults apply. The result is filtered, ordered and paged with the read fragments.

import { orderSql, selectSql, whereSql, type Scope } from './fragments.js';
import type { CallPlan } from './rpc.js';
import { empty, ident, join, keyword, param, sql, type Sql } from './sql.js';

/** `FROM` items that call the function: the arguments record, then the call as `_pgrst_r`. */
function callFromSql(plan: CallPlan): Sql {
  const r = plan.routine;
  const fn = ident(r.schema, r.name);
  const alias = r.returns.kind === 'scalar' ? sql`_pgrst_r(pgrst_scalar)` : sql`_pgrst_r`;
  if (plan.wholeBody) return sql`${fn}(${param(plan.argsJson)}::${keyword(r.params[0]!.type)}) AS ${alias}`;
  if (plan.args.length === 0) return sql`${fn}() AS ${alias}`;
  const columns = join(plan.args.map((p) => sql`${ident(p.name)} ${keyword(p.type)}`), ', ');
  const named = join(
    plan.args.map((p) => sql`${p.variadic ? keyword('VARIADIC ') : empty}${ident(p.name)} := _pgrst_a.${ident(p.name)}`),
    ', ',
  );
  return sql`json_to_record(${param(plan.argsJson)}::json) AS _pgrst_a(${columns}), LATERAL ${fn}(${named}) AS ${alias}`;
}

const scopeOf = (plan: CallPlan): Scope => ({ qualifier: sql`_pgrst_r`, table: plan.table });

function totalSql(plan: CallPlan): Sql {
  switch (plan.request.preferences.count) {
    case null:
    case 'planned':
      return sql`null::bigint`;
    case 'exact':
    case 'estimated':
      return sql`(SELECT pg_catalog.count(*) FROM ${callFromSql(plan)}${whereSql(scopeOf(plan), plan.request.filters)})`;
  }
}

/** The body column: scalar and single composite results are one JSON value, sets an array. */
function callBodySql(plan: CallPlan, rowsBody: (single: boolean) => Sql, scalarBody: Sql | null): Sql {
  if (plan.headOnly) return sql`null::text`;
  const r = plan.routine;
  switch (r.returns.kind) {
    case 'void':
      return sql`null::text`;
    case 'scalar':
      if (scalarBody !== null) return scalarBody;
      return r.setOf
        ? sql`coalesce(json_agg(_pgrst_t.pgrst_scalar), '[]')::text`
        : sql`coalesce((json_agg(_pgrst_t.pgrst_scalar)->0)::text, 'null')`;
    case 'composite':
      return rowsBody(!r.setOf);
  }
}

/**
 * The call's main statement; `rowsBody` is statements.ts's body for rows (single: one object),
 * `scalarBody` replaces the JSON of scalar results (a media type handler's body).
 */
export function callStatementSql(plan: CallPlan, rowsBody: (single: boolean) => Sql, responseGucs: Sql, scalarBody: Sql | null = null): Sql {
  const req = plan.request;
  const scope = scopeOf(plan);
  const projection =
    plan.routine.returns.kind === 'scalar' ? sql`_pgrst_r.pgrst_scalar` : plan.routine.returns.kind === 'void' ? sql`1` : selectSql(scope, req.select);
  const page = sql` LIMIT ${param(plan.range.limit === null ? null : String(plan.range.limit))} OFFSET ${param(String(plan.range.offset))}`;
  const source = sql`SELECT ${projection} FROM ${callFromSql(plan)}${whereSql(scope, req.filters)}${orderSql(scope, req.order)}${page}`;
  return sql`WITH pgrst_source AS (${source}) SELECT ${totalSql(plan)} AS total_result_set, pg_catalog.count(_pgrst_t) AS page_total, ${callBodySql(plan, rowsBody, scalarBody)} AS body, ${responseGucs} FROM (SELECT * FROM pgrst_source) _pgrst_t`;
}
