// Plans → SQL: the transaction-settings statement and the main statement. The main statement
// always returns one row with fixed columns (total, page count, body, response GUCs); the body
// is built by PostgreSQL. Values are parameters only, so the text depends on the shape alone.

import type { Plan } from './plan.js';
import { compile, empty, ident, join, keyword, param, sql, type Compiled, type Sql } from './sql.js';
import type { Field, Filter, OrderTerm, SelectItem } from './types.js';

/** Column order of the main statement's single result row. */
export const MainColumns = { total: 0, pageTotal: 1, body: 2, headers: 3, status: 4 } as const;

export interface RequestContext {
  readonly role: string;
  readonly claims: string;
  readonly method: string;
  readonly path: string;
  /** request.headers / request.cookies as JSON objects (header names lower-cased). */
  readonly headers: string;
  readonly cookies: string;
  readonly searchPath: string;
  /** app.settings.* and the role's stored settings, applied after the fixed ones. */
  readonly settings: readonly (readonly [string, string])[];
  readonly readOnly: boolean;
}

// The variable-length settings go in as two array parameters, so one text serves every
// request whatever the role or the number of app settings, and the prepared statement is reused.
const txVarsWrite = sql`select set_config('role', ${param('')}, true), set_config('request.jwt.claims', ${param('')}, true), set_config('request.method', ${param('')}, true), set_config('request.path', ${param('')}, true), set_config('request.headers', ${param('')}, true), set_config('request.cookies', ${param('')}, true), set_config('search_path', ${param('')}, true), (select pg_catalog.count(set_config(_pgrst_s.k, _pgrst_s.v, true)) from unnest(${param('')}::text[], ${param('')}::text[]) as _pgrst_s(k, v))`;
const txVarsWriteText = compile(txVarsWrite).text;
// transaction_read_only can only be switched on mid-transaction, so reads get their own text.
const txVarsReadText = txVarsWriteText + ", set_config('transaction_read_only', 'on', true)";

/** The set_config statement that makes role and request context transaction-local. */
export function txVarsStatement(ctx: RequestContext): Compiled {
  return {
    text: ctx.readOnly ? txVarsReadText : txVarsWriteText,
    params: [
      ctx.role,
      ctx.claims,
      ctx.method,
      ctx.path,
      ctx.headers,
      ctx.cookies,
      ctx.searchPath,
      arrayLiteral(ctx.settings.map(([k]) => k)),
      arrayLiteral(ctx.settings.map(([, v]) => v)),
    ],
  };
}

/** `select "schema"."fn"()` for db-pre-request; the name is split on its first dot. */
export function preRequestStatement(qualifiedName: string): Compiled {
  const dot = qualifiedName.indexOf('.');
  const fn = dot < 0 ? ident(qualifiedName) : ident(qualifiedName.slice(0, dot), qualifiedName.slice(dot + 1));
  return compile(sql`select ${fn}()`);
}

function fieldSql(qualifier: Sql, f: Field): Sql {
  let out = sql`${qualifier}.${ident(f.name)}`;
  for (const step of f.json) {
    const key = step.index ? sql`${param(step.key)}::int` : sql`${param(step.key)}::text`;
    out = sql`${out}${keyword(step.arrow)}${key}`;
  }
  return out;
}

/** PostgREST names a JSON path column after its last key. */
function defaultAlias(f: Field): string {
  return f.json.length === 0 ? f.name : f.json[f.json.length - 1]!.key;
}

function selectSql(qualifier: Sql, items: readonly SelectItem[]): Sql {
  const parts = items.map((item): Sql => {
    switch (item.kind) {
      case 'star':
        return sql`${qualifier}.*`;
      case 'field': {
        let expr = fieldSql(qualifier, item.field);
        // The cast was validated as a plain type name by the grammar.
        if (item.cast !== null) expr = sql`CAST(${expr} AS ${keyword(item.cast)})`;
        const alias = item.alias ?? (item.field.json.length > 0 || item.cast !== null ? defaultAlias(item.field) : null);
        return alias === null ? expr : sql`${expr} AS ${ident(alias)}`;
      }
    }
  });
  return join(parts, ', ');
}

const SIMPLE_SQL = { eq: '=', neq: '<>', gt: '>', gte: '>=', lt: '<', lte: '<=', like: 'LIKE', ilike: 'ILIKE' } as const;

/** An array literal for `= ANY($n)`: every element quoted and escaped. */
export function arrayLiteral(values: readonly string[]): string {
  return '{' + values.map((v) => '"' + v.replace(/[\\"]/g, (c) => '\\' + c) + '"').join(',') + '}';
}

function filterSql(qualifier: Sql, f: Filter): Sql {
  const col = fieldSql(qualifier, f.field);
  let cond: Sql;
  const o = f.operation;
  switch (o.kind) {
    case 'simple': {
      const value = o.op === 'like' || o.op === 'ilike' ? o.value.replace(/\*/g, '%') : o.value;
      cond = sql`${col} ${keyword(SIMPLE_SQL[o.op])} ${param(value)}`;
      break;
    }
    case 'in':
      cond = sql`${col} = ANY (${param(arrayLiteral(o.values))})`;
      break;
    case 'is': {
      const kw = { null: 'IS NULL', not_null: 'IS NOT NULL', true: 'IS TRUE', false: 'IS FALSE', unknown: 'IS UNKNOWN' }[o.value];
      cond = sql`${col} ${keyword(kw)}`;
      break;
    }
  }
  return f.negated ? sql`NOT (${cond})` : cond;
}

function whereSql(qualifier: Sql, filters: readonly Filter[]): Sql {
  if (filters.length === 0) return empty;
  return sql` WHERE ${join(filters.map((f) => filterSql(qualifier, f)), ' AND ')}`;
}

function orderSql(qualifier: Sql, order: readonly OrderTerm[]): Sql {
  if (order.length === 0) return empty;
  const terms = order.map((t) => {
    const dir = t.direction === null ? '' : t.direction === 'asc' ? ' ASC' : ' DESC';
    const nulls = t.nulls === null ? '' : t.nulls === 'first' ? ' NULLS FIRST' : ' NULLS LAST';
    return sql`${fieldSql(qualifier, t.field)}${keyword(dir + nulls)}`;
  });
  return sql` ORDER BY ${join(terms, ', ')}`;
}

const responseGucs = sql`nullif(current_setting('response.headers', true), '') AS response_headers, nullif(current_setting('response.status', true), '') AS response_status`;

export function mainStatement(plan: Plan): Compiled {
  const target = ident(plan.table.schema, plan.table.name);
  const req = plan.request;
  switch (plan.kind) {
    case 'read': {
      const where = whereSql(target, req.filters);
      const limit = plan.limit === null ? empty : sql` LIMIT ${param(String(plan.limit))}`;
      const offset = req.offset === 0 ? empty : sql` OFFSET ${param(String(req.offset))}`;
      const source = sql`SELECT ${selectSql(target, req.select)} FROM ${target}${where}${orderSql(target, req.order)}${limit}${offset}`;
      const total =
        req.preferences.count === 'exact'
          ? sql`(SELECT pg_catalog.count(*) FROM ${target}${whereSql(target, req.filters)})`
          : sql`null::bigint`;
      const body = plan.headOnly ? sql`null::text` : sql`coalesce(json_agg(_pgrst_t), '[]')::text`;
      return compile(
        sql`WITH pgrst_source AS (${source}) SELECT ${total} AS total_result_set, pg_catalog.count(_pgrst_t) AS page_total, ${body} AS body, ${responseGucs} FROM (SELECT * FROM pgrst_source) _pgrst_t`,
      );
    }
    case 'mutate': {
      const cols = plan.columns.map((c) => ident(c));
      const colList = join(cols, ', ');
      let source: Sql;
      switch (plan.mutation) {
        case 'insert': {
          const body = sql`(SELECT CASE WHEN json_typeof(j) = 'array' THEN j ELSE json_build_array(j) END FROM (SELECT ${param(req.payload?.json ?? '[]')}::json AS j) _pgrst_p)`;
          // No keys (`{}`, `[{}]`): one row of column defaults per element.
          source =
            cols.length === 0
              ? sql`INSERT INTO ${target} SELECT FROM json_array_elements(${body}) RETURNING ${target}.*`
              : sql`INSERT INTO ${target} (${colList}) SELECT ${colList} FROM json_populate_recordset(null::${target}, ${body}) _pgrst_body RETURNING ${target}.*`;
          break;
        }
        case 'update': {
          if (cols.length === 0) {
            source = sql`SELECT ${target}.* FROM ${target} WHERE false`;
            break;
          }
          const sets = join(
            plan.columns.map((c) => sql`${ident(c)} = _pgrst_body.${ident(c)}`),
            ', ',
          );
          source = sql`UPDATE ${target} SET ${sets} FROM (SELECT * FROM json_populate_record(null::${target}, ${param(req.payload?.json ?? '{}')}::json)) _pgrst_body${whereSql(target, req.filters)} RETURNING ${target}.*`;
          break;
        }
        case 'delete':
          source = sql`DELETE FROM ${target}${whereSql(target, req.filters)} RETURNING ${target}.*`;
          break;
      }
      const row = ident('pgrst_source');
      const body = plan.returnRepresentation
        ? sql`coalesce(json_agg(_pgrst_t), '[]')::text`
        : sql`null::text`;
      const projection = plan.returnRepresentation ? selectSql(row, req.select) : sql`1`;
      return compile(
        sql`WITH pgrst_source AS (${source}) SELECT null::bigint AS total_result_set, pg_catalog.count(_pgrst_t) AS page_total, ${body} AS body, ${responseGucs} FROM (SELECT ${projection} FROM pgrst_source) _pgrst_t`,
      );
    }
  }
}

