// Plans → SQL: the transaction-settings statement and the main statement. The main statement
// always returns one row with fixed columns (total, page count, body, response GUCs); the body
// is built by PostgreSQL. Values are parameters only, so the text depends on the shape alone.

import type { Plan } from '../plan/plan.js';
import { compile, ident, isEmpty, join, param, sql, type Compiled, type Sql } from './sql.js';
import { groupBySql, levelMode } from './aggregate-sql.js';
import { totalSql } from './count.js';
import { orderSql, selectSql, whereSql, type Scope } from './fragments.js';
import type { BodyMedia, MediaType } from '../request/types.js';
import { explainSql, geoJsonBodySql, handlerBodySql } from './media-sql.js';
import { arrayLiteral } from './operators.js';
import { andWhere, embedParts, relatedOrder } from './embed-sql.js';
import { mutateStatementSql, writeMarker } from './mutate-sql.js';
import { callStatementSql } from './rpc-sql.js';

/** Column order of a read's or call's main-statement row (PostgREST's mainRead/mainCall). */
export const MainColumns = { total: 0, pageTotal: 1, body: 2, headers: 3, status: 4 } as const;

/** Column order of a write's main-statement row (PostgREST's mainWrite: the Location header before the body). */
export const WriteColumns = { total: 0, pageTotal: 1, location: 2, body: 3, headers: 4, status: 5, inserted: 6 } as const;

/** Where a plan's main statement puts each column. */
export const resultColumns = (plan: Plan): { readonly total: number; readonly pageTotal: number; readonly body: number; readonly headers: number; readonly status: number } =>
  plan.kind === 'mutate' ? WriteColumns : MainColumns;

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

// The settings (app.settings.*, the role's stored ones, Prefer: timezone, a function's hoisted
// ones) are set_config($k, $v, true) pairs, names and values both parameters, as PostgREST
// renders them: the text depends only on how many there are (fixed per role, config and
// request shape), so a handful of texts serve every request. An unnest of two array
// parameters would be one text for any number, but in PostgreSQL it costs more than the seven
// fixed calls together (a function scan, an aggregate and two array parses); it is kept for
// an unusual number of settings, so the texts stay few.
const txVarsFixed = sql`select set_config('role', ${param('')}, true), set_config('request.jwt.claims', ${param('')}, true), set_config('request.method', ${param('')}, true), set_config('request.path', ${param('')}, true), set_config('request.headers', ${param('')}, true), set_config('request.cookies', ${param('')}, true), set_config('search_path', ${param('')}, true)`;
const txVarsUnnest = sql`${txVarsFixed}, (select pg_catalog.count(set_config(_pgrst_s.k, _pgrst_s.v, true)) from unnest(${param('')}::text[], ${param('')}::text[]) as _pgrst_s(k, v))`;
// transaction_read_only can only be switched on mid-transaction, so reads get their own text.
const READ_ONLY = ", set_config('transaction_read_only', 'on', true)";
/** Up to this many settings are inline set_config calls; more go through the unnest. */
const INLINE_SETTINGS = 8;
const FIXED_PARAMS = 7;

/** [write, read] texts with `n` inline settings (n ≤ INLINE_SETTINGS), or the unnest (n = -1). */
function txVarsTexts(n: number): readonly [string, string] {
  let pairs = '';
  for (let i = 0; i < n; i++) pairs += `, set_config($${FIXED_PARAMS + 2 * i + 1}, $${FIXED_PARAMS + 2 * i + 2}, true)`;
  const write = n < 0 ? compile(txVarsUnnest).text : compile(txVarsFixed).text + pairs;
  return [write, write + READ_ONLY];
}
const inlineTexts = Array.from({ length: INLINE_SETTINGS + 1 }, (_, n) => txVarsTexts(n));
const unnestTexts = txVarsTexts(-1);

/** The set_config statement that makes role and request context transaction-local. */
export function txVarsStatement(ctx: RequestContext): Compiled {
  const params: (string | null)[] = [ctx.role, ctx.claims, ctx.method, ctx.path, ctx.headers, ctx.cookies, ctx.searchPath];
  const n = ctx.settings.length;
  const ro = ctx.readOnly ? 1 : 0;
  if (n > INLINE_SETTINGS) {
    params.push(arrayLiteral(ctx.settings.map(([k]) => k)), arrayLiteral(ctx.settings.map(([, v]) => v)));
    return { text: unnestTexts[ro], params };
  }
  for (const [k, v] of ctx.settings) params.push(k, v);
  return { text: inlineTexts[n]![ro], params };
}

/** `select "schema"."fn"()` for db-pre-request; the name is split on its first dot. */
export function preRequestStatement(qualifiedName: string): Compiled {
  const dot = qualifiedName.indexOf('.');
  const fn = dot < 0 ? ident(qualifiedName) : ident(qualifiedName.slice(0, dot), qualifiedName.slice(dot + 1));
  return compile(sql`select ${fn}()`);
}

/** The row count from the error a non-singular write raised, or null for any other error. */
export function singularWriteRows(sqlstate: string, message: string): number | null {
  const m = writeMarker(sqlstate, message);
  return m !== null && m.kind === 'singular' ? m.rows : null;
}

/** The body column for a media type; PostgreSQL builds it from the rows in `_pgrst_t`. */
function bodySql(media: BodyMedia): Sql {
  switch (media.kind) {
    case 'handler':
      return handlerBodySql(media.handler, false);
    case 'geojson':
      return geoJsonBodySql;
    // json as PostgreSQL builds it (its text form is the body): no ::text in what EXPLAIN shows.
    case 'json':
      return sql`coalesce(json_agg(_pgrst_t), '[]')`;
    case 'array':
      return sql`coalesce(json_strip_nulls(json_agg(_pgrst_t)), '[]')`;
    case 'object':
      return media.stripNulls ? sql`coalesce(json_strip_nulls(json_agg(_pgrst_t)->0), 'null')` : sql`coalesce((json_agg(_pgrst_t)->0), 'null')`;
    case 'csv':
      // Header from the first row's keys, then each record's text form without its parentheses.
      return sql`(SELECT coalesce(string_agg(a.k, ','), '') FROM (SELECT json_object_keys(r)::text AS k FROM (SELECT row_to_json(hh) AS r FROM pgrst_source AS hh LIMIT 1) s) a) || chr(10) || coalesce(string_agg(substring(_pgrst_t::text, 2, length(_pgrst_t::text) - 2), chr(10)), '')`;
  }
}

const responseGucs = sql`nullif(current_setting('response.headers', true), '') AS response_headers, nullif(current_setting('response.status', true), '') AS response_status`;

const JSON_BODY: BodyMedia = { kind: 'json' };

/** A function's single composite result: the JSON types answer one object, the others as they are. */
function singleRow(media: BodyMedia): BodyMedia {
  switch (media.kind) {
    case 'json':
      return { kind: 'object', stripNulls: false };
    case 'array':
    case 'object':
      return { kind: 'object', stripNulls: media.stripNulls };
    case 'csv':
    case 'geojson':
    case 'handler':
      return media;
  }
}

/** The main statement as a fragment tree (plan-cache.ts compiles it or only collects params). */
export function mainStatementSql(plan: Plan): Sql {
  const requested: MediaType = plan.request.media;
  switch (requested.kind) {
    case 'plan': {
      // EXPLAIN the statement that would build `for=`. A write that must roll back is undone by
      // the statements after it (tx-end.ts), so EXPLAIN ANALYZE still returns its plan. The
      // request keeps its plan media: a plan is no single object, so it has no row-count check.
      return explainSql(requested.format, requested.options, rowsStatementSql(plan, requested.target));
    }
    case 'msgpack':
      // PostgreSQL builds JSON; the gateway packs it.
      return rowsStatementSql(plan, JSON_BODY);
    default:
      return rowsStatementSql(plan, requested);
  }
}

function rowsStatementSql(plan: Plan, media: BodyMedia): Sql {
  const target = ident(plan.table.schema, plan.table.name);
  const req = plan.request;
  const scope: Scope = { qualifier: target, table: plan.table };
  switch (plan.kind) {
    case 'call': {
      const scalarBody = media.kind === 'handler' ? handlerBodySql(media.handler, true) : null;
      const rowsBody = (single: boolean): Sql => bodySql(single ? singleRow(media) : media);
      return callStatementSql(plan, rowsBody, responseGucs, scalarBody, media.kind === 'handler' ? media.handler : null);
    }
    case 'read': {
      const mode = req.aggregates === true ? levelMode(req.select, plan.embeds) : 'none';
      const own = selectSql(scope, req.select);
      const embeds = embedParts(scope, plan.embeds, 'pgrst', mode);
      const where = andWhere(whereSql({ ...scope, embeds: embeds.targets }, req.filters), embeds.where);
      const page = sql` LIMIT ${param(plan.range.limit === null ? null : String(plan.range.limit))} OFFSET ${param(String(plan.range.offset))}`;
      const cols = join([...(isEmpty(own) ? [] : [own]), ...embeds.columns], ', ');
      const ordered = orderSql(scope, req.order, relatedOrder(scope, plan.embeds, mode));
      const tail = mode === 'group' ? sql`${groupBySql(scope, req.select, embeds.groupBy)}${ordered}` : ordered;
      const source = sql`SELECT ${cols} FROM ${target}${embeds.joins}${where}${tail}${page}`;
      const total = totalSql(plan, scope);
      const body = plan.headOnly ? sql`null::text` : bodySql(media);
      return sql`WITH pgrst_source AS (${source}) SELECT ${total} AS total_result_set, pg_catalog.count(_pgrst_t) AS page_total, ${body} AS body, ${responseGucs} FROM (SELECT * FROM pgrst_source) _pgrst_t`;
    }
    case 'mutate':
      return mutateStatementSql(plan, bodySql(media), responseGucs);
  }
}

export function mainStatement(plan: Plan): Compiled {
  return compile(mainStatementSql(plan));
}
