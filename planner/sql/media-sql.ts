// Body columns for the representations beyond JSON/CSV: media type handlers (an aggregate over
// the rows, or a function that already returns the media domain), GeoJSON FeatureCollections
// (PostGIS, as PostgREST), and the EXPLAIN prefix of application/vnd.pgrst.plan. Fragments only.

import type { MediaHandler } from '../schema/media-handlers.js';
import { ident, join, keyword, sql, type Sql } from './sql.js';
import type { PlanOption } from '../request/types.js';

/**
 * The handler's result as the body column. Bytes travel hex-encoded (the wire client reads
 * text) and the gateway decodes them; text goes as is. No rows and a NULL result give ''.
 * `rows` is the row alias `_pgrst_t`; `scalar` says the rows are a scalar function's results.
 */
export function handlerBodySql(h: MediaHandler, scalar: boolean): Sql {
  const value = scalar ? sql`_pgrst_t.pgrst_scalar` : sql`_pgrst_t`;
  let result: Sql;
  if (h.kind === 'function') {
    // Several results of a function are concatenated with no delimiter, as PostgREST.
    result = h.binary ? sql`string_agg(${value}::bytea, ''::bytea)` : sql`string_agg(${value}::text, '')`;
  } else {
    const arg = scalar || h.target.kind === 'anyelement' ? value : sql`${value}::${ident(h.target.schema, h.target.name)}`;
    result = sql`${ident(h.schema, h.name)}(${arg})`;
  }
  return h.binary ? sql`coalesce(encode((${result})::bytea, 'hex'), '')` : sql`coalesce((${result})::text, '')`;
}

/** PostgREST's GeoJSON body: every row through ST_AsGeoJSON (non-geometry columns become properties). */
export const geoJsonBodySql: Sql = sql`json_build_object('type', 'FeatureCollection', 'features', coalesce(json_agg(ST_AsGeoJSON(_pgrst_t)::json), '[]'))::text`;

/** `EXPLAIN (FORMAT …, option, …) ` in front of the statement it describes. */
export function explainSql(format: 'text' | 'json', options: readonly PlanOption[], statement: Sql): Sql {
  const opts = [keyword(format === 'json' ? 'FORMAT JSON' : 'FORMAT TEXT'), ...options.map((o) => keyword(o.toUpperCase()))];
  return sql`EXPLAIN (${join(opts, ', ')}) ${statement}`;
}
