// Plans → SQL: the transaction-settings statement and the main statement. The main statement
// always returns one row with fixed columns (total, page count, body, response GUCs); the body
// is built by PostgreSQL. Values are parameters only, so the text depends on the shape alone.

import type { Plan } from './plan.js';
import { compile, ident, join, keyword, param, sql, type Compiled, type Sql } from './sql.js';
import { totalSql } from './count.js';
import { orderSql, selectSql, whereSql, type Scope } from './fragments.js';
import type { MediaType } from './types.js';
import { arrayLiteral } from './operators.js';
import { callStatementSql } from './rpc-sql.js';

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

/** Text of the deliberate cast error that reports a non-singular write; see singularWriteRows. */
const SINGULAR_MARKER = 'pgrst-singular:';
const SINGULAR_ERROR = new RegExp(`^invalid input syntax for type integer: "${SINGULAR_MARKER}(\\d+)"$`);

/** The row count from the error a non-singular write raised, or null for any other error. */
export function singularWriteRows(sqlstate: string, message: string): number | null {
  if (sqlstate !== '22P02') return null;
  const m = SINGULAR_ERROR.exec(message);
  return m === null ? null : Number(m[1]);
}

/** The body column for a media type; PostgreSQL builds it from the rows in `_pgrst_t`. */
function bodySql(media: MediaType): Sql {
  switch (media.kind) {
    case 'json':
      return sql`coalesce(json_agg(_pgrst_t), '[]')::text`;
    case 'array':
      return sql`coalesce(json_strip_nulls(json_agg(_pgrst_t)), '[]')::text`;
    case 'object':
      return media.stripNulls
        ? sql`coalesce(json_strip_nulls(json_agg(_pgrst_t)->0)::text, 'null')`
        : sql`coalesce((json_agg(_pgrst_t)->0)::text, 'null')`;
    case 'csv':
      // Header from the first row's keys, then each record's text form without its parentheses.
      return sql`(SELECT coalesce(string_agg(a.k, ','), '') FROM (SELECT json_object_keys(r)::text AS k FROM (SELECT row_to_json(hh) AS r FROM pgrst_source AS hh LIMIT 1) s) a) || chr(10) || coalesce(string_agg(substring(_pgrst_t::text, 2, length(_pgrst_t::text) - 2), chr(10)), '')`;
  }
}

const responseGucs = sql`nullif(current_setting('response.headers', true), '') AS response_headers, nullif(current_setting('response.status', true), '') AS response_status`;

/** The main statement as a fragment tree (plan-cache.ts compiles it or only collects params). */
export function mainStatementSql(plan: Plan): Sql {
  const target = ident(plan.table.schema, plan.table.name);
  const req = plan.request;
  const scope: Scope = { qualifier: target, table: plan.table };
  switch (plan.kind) {
    case 'call':
      return callStatementSql(plan, (single) => bodySql(single && req.media.kind !== 'csv' ? { kind: 'object', stripNulls: false } : req.media), responseGucs);
    case 'read': {
      const where = whereSql(scope, req.filters);
      const page = sql` LIMIT ${param(plan.range.limit === null ? null : String(plan.range.limit))} OFFSET ${param(String(plan.range.offset))}`;
      const source = sql`SELECT ${selectSql(scope, req.select)} FROM ${target}${where}${orderSql(scope, req.order)}${page}`;
      const total = totalSql(plan, scope);
      const body = plan.headOnly ? sql`null::text` : bodySql(req.media);
      return sql`WITH pgrst_source AS (${source}) SELECT ${total} AS total_result_set, pg_catalog.count(_pgrst_t) AS page_total, ${body} AS body, ${responseGucs} FROM (SELECT * FROM pgrst_source) _pgrst_t`;
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
          source = sql`UPDATE ${target} SET ${sets} FROM (SELECT * FROM json_populate_record(null::${target}, ${param(req.payload?.json ?? '{}')}::json)) _pgrst_body${whereSql(scope, req.filters)} RETURNING ${target}.*`;
          break;
        }
        case 'delete':
          source = sql`DELETE FROM ${target}${whereSql(scope, req.filters)} RETURNING ${target}.*`;
          break;
      }
      const row = ident('pgrst_mutation');
      let body = plan.returnRepresentation ? bodySql(req.media) : sql`null::text`;
      // A singular write must not commit unless it touched exactly one row: fail the statement
      // (so the implicit transaction rolls back) with an error respond() maps to PGRST116.
      if (plan.returnRepresentation && req.media.kind === 'object') {
        body = sql`CASE WHEN pg_catalog.count(_pgrst_t) = 1 THEN ${body} ELSE ('${keyword(SINGULAR_MARKER)}' || pg_catalog.count(_pgrst_t))::int::text END`;
      }
      const projection = plan.returnRepresentation ? selectSql({ qualifier: row, table: plan.table }, req.select) : sql`1`;
      // The projection is its own CTE so every body (CSV's header included) sees the selected columns.
      return sql`WITH pgrst_mutation AS (${source}), pgrst_source AS (SELECT ${projection} FROM pgrst_mutation) SELECT null::bigint AS total_result_set, pg_catalog.count(_pgrst_t) AS page_total, ${body} AS body, ${responseGucs} FROM (SELECT * FROM pgrst_source) _pgrst_t`;
    }
  }
}


export function mainStatement(plan: Plan): Compiled {
  return compile(mainStatementSql(plan));
}
