// Prefer: count=… as SQL. exact: count(*) over the same conditions (the page's own count when
// nothing is paged away); planned: the planner's
// row estimate from an EXPLAIN sent in the same pipelined batch; estimated: exact up to
// db-max-rows (a bounded count), the planner's estimate beyond it, as PostgREST does.

import { whereSql, type Scope } from './fragments.js';
import { andWhere, embedParts, embedTableAlias, joinSql } from './embed-sql.js';
import { conditionSql } from './operators.js';
import type { EmbedPlan } from '../plan/embed.js';
import type { Plan } from '../plan/plan.js';
import type { Condition, RowRange } from '../request/types.js';
import { compile, empty, ident, join, param, sql, type Compiled, type Sql } from './sql.js';

type ReadPlan = Extract<Plan, { kind: 'read' }>;

/**
 * Whether the total is the page itself: no rows are paged away (no limit, offset or
 * db-max-rows), so the page's count is the total and no second count runs (PostgREST's countF:
 * one aggregate for count=exact). The request shape records whether a range was given.
 */
export const pageIsTotal = (range: RowRange, maxRows: number | null): boolean => maxRows === null && range.offset === 0 && range.limit === null;

/** The page's row count, the main statement's page_total. */
export const pageCountSql = sql`pg_catalog.count(_pgrst_t)`;

/** The total_result_set expression of a read's main statement. */
export function totalSql(plan: ReadPlan, scope: Scope): Sql {
  const maxRows = plan.maxRows;
  const count = plan.request.preferences.count;
  if ((count === 'exact' || count === 'estimated') && pageIsTotal(plan.range, maxRows)) return pageCountSql;
  if (count === null || count === 'planned') return sql`null::bigint`;
  const target = ident(plan.table.schema, plan.table.name);
  const where = countedRows(plan, scope);
  switch (count) {
    case 'exact':
      return sql`(SELECT pg_catalog.count(*) FROM ${target}${where})`;
    case 'estimated':
      if (maxRows === null) return sql`(SELECT pg_catalog.count(*) FROM ${target}${where})`;
      // One more than the cap tells "beyond db-max-rows" without counting everything.
      return sql`(SELECT pg_catalog.count(*) FROM (SELECT 1 FROM ${target}${where} LIMIT ${param(String(maxRows + 1))}) _pgrst_c)`;
  }
}

/** Whether `c` is `child=is.null`/`not.is.null` on one of the embed's own embeds (its EXISTS says it). */
function childNullFilter(c: Condition, children: readonly EmbedPlan[]): boolean {
  if (c.kind !== 'filter' || c.filter.field.json.length > 0 || c.filter.operation.kind !== 'is') return false;
  const v = c.filter.operation.value;
  return (v === 'null' || v === 'not_null') && children.some((e) => e.key === c.filter.field.name);
}

/**
 * An embed that filters as PostgREST's count query has it: EXISTS over its rows, its own
 * conditions and the embeds below it that filter; null when a condition needs the embeds'
 * bodies (`rel.is.null` inside and/or), which only the lateral joins provide.
 */
function existsSql(parent: Scope, e: EmbedPlan, name: string): Sql | null {
  if (e.children.some((c) => c.nullChecked)) return null;
  const t = embedTableAlias(e, name);
  const scope: Scope = { qualifier: t, table: e.rel.foreignTable };
  const rel = joinSql(parent, e, t, name);
  const terms = [...rel.where, ...e.conditions.filter((c) => !childNullFilter(c, e.children)).map((c) => conditionSql(scope, c))];
  for (const [i, c] of e.children.entries()) {
    if (!c.inner && !c.absent) continue;
    const inner = existsSql(scope, c, `${name}_${i + 1}`);
    if (inner === null) return null;
    if (c.inner) terms.push(inner);
    if (c.absent) terms.push(sql`NOT ${inner}`);
  }
  return sql`EXISTS (SELECT 1 FROM ${rel.from}${terms.length === 0 ? empty : sql` WHERE ${join(terms, ' AND ')}`})`;
}

/**
 * What a count reads after `FROM target`: the conditions, and the embeds that filter
 * (`!inner`, `rel=is.null`, and/or terms on them), which change the count: as EXISTS / NOT
 * EXISTS when they can be (PostgREST's count query: no JSON built, and the planner estimates
 * semi- and anti-joins), else through the embeds' lateral joins.
 */
function countedRows(plan: ReadPlan, scope: Scope): Sql {
  if (!plan.embeds.some((e) => e.nullChecked)) {
    const terms: Sql[] = [];
    let exact = true;
    for (const [i, e] of plan.embeds.entries()) {
      if (!e.inner && !e.absent) continue;
      const x = existsSql(scope, e, `pgrst_c${i + 1}`);
      if (x === null) {
        exact = false;
        break;
      }
      if (e.inner) terms.push(x);
      if (e.absent) terms.push(sql`NOT ${x}`);
    }
    if (exact) return andWhere(whereSql(scope, plan.request.filters), terms);
  }
  const filtering = plan.embeds.filter((e) => e.inner || e.absent || e.nullChecked);
  const embeds = embedParts(scope, filtering, 'pgrst', plan.request.aggregates === true ? 'pass' : 'none');
  return sql`${embeds.joins}${andWhere(whereSql({ ...scope, embeds: embeds.targets }, plan.request.filters), embeds.where)}`;
}

/** The EXPLAIN whose row estimate answers count=planned/estimated, or null when not needed. */
export function estimateStatement(plan: Plan): Compiled | null {
  const tree = estimateSql(plan);
  return tree === null ? null : compile(tree);
}

export function estimateSql(plan: Plan): Sql | null {
  if (plan.kind !== 'read') return null;
  const count = plan.request.preferences.count;
  if (count !== 'planned' && count !== 'estimated') return null;
  const target = ident(plan.table.schema, plan.table.name);
  const scope: Scope = { qualifier: target, table: plan.table };
  // The same rows the count reads, embed null filters included.
  return sql`EXPLAIN (FORMAT JSON) SELECT 1 FROM ${target}${countedRows(plan, scope)}`;
}

/** "Plan Rows" of the top node of an EXPLAIN (FORMAT JSON) answer. */
export function plannedRows(explainJson: string): number | null {
  try {
    const parsed: unknown = JSON.parse(explainJson);
    const top = Array.isArray(parsed) ? (parsed[0] as { Plan?: { 'Plan Rows'?: unknown } } | undefined) : undefined;
    const rows = top?.Plan?.['Plan Rows'];
    return typeof rows === 'number' ? rows : null;
  } catch {
    return null;
  }
}

/** The total to report: exact/bounded count, replaced by the estimate where PostgREST would. */
export function reportedTotal(plan: Plan, counted: number | null, estimate: number | null): number | null {
  if (plan.kind !== 'read') return counted;
  const maxRows = plan.maxRows;
  switch (plan.request.preferences.count) {
    case 'planned':
      return estimate;
    case 'estimated':
      // Beyond db-max-rows (always, without one: PostgREST's MainTx compares with a Maybe) the
      // larger of the bounded count and the planner's estimate.
      return (maxRows === null || (counted !== null && counted > maxRows)) && counted !== null && estimate !== null ? Math.max(counted, estimate) : counted;
    case 'exact':
    case null:
      return counted;
  }
}
