// OPTIONS on the root, on tables and views and on /rpc/fn: the Allow header from the schema
// cache, with no database round trip. Tables allow what their capabilities say (PUT needs a
// primary key); functions by volatility (volatile: POST only), as PostgREST's respondInfo.

import { accepts, apiError, findTable, routineKey, suggestTable, type SchemaCache } from '../planner/index.js';
import { errorResponse, type HttpResponse } from './http-response.js';

/** PostgREST's info responses carry `Access-Control-Allow-Origin: *` (when no origin list narrows it). */
function info(allow: string, anyOrigin: boolean): HttpResponse {
  const headers: [string, string][] = [['Allow', allow]];
  if (anyOrigin) headers.push(['Access-Control-Allow-Origin', '*']);
  return { status: 200, headers, body: undefined };
}

function decoded(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** null: `/rpc/fn` names no function (the caller answers with the planner's 404 for the call). */
export function optionsResponse(path: string, query: string, schema: string, cache: SchemaCache, anyOrigin: boolean): HttpResponse | null {
  const segments = path.split('/').filter((s) => s !== '');
  if (segments.length === 0) return info('OPTIONS,GET,HEAD', anyOrigin);
  if (segments.length === 2 && segments[0] === 'rpc') {
    const group = cache.routines?.get(routineKey(schema, decoded(segments[1]!)));
    if (group === undefined || group.length === 0) return null;
    const keys = [...new URLSearchParams(query).keys()];
    const routine = group.find((r) => accepts(r, keys)) ?? group[0]!;
    return info(routine.volatility === 'volatile' ? 'OPTIONS,POST' : 'OPTIONS,GET,HEAD,POST', anyOrigin);
  }
  if (segments.length !== 1) return errorResponse(apiError(404, 'PGRST125', 'Invalid path specified in request URL'));
  const name = decoded(segments[0]!);
  const table = findTable(cache, schema, name);
  if (table === undefined) {
    const s = suggestTable(cache, schema, name);
    return errorResponse(
      apiError(404, 'PGRST205', `Could not find the table '${schema}.${name}' in the schema cache`, null, s === null ? null : `Perhaps you meant the table '${schema}.${s}'`),
    );
  }
  const allow = ['OPTIONS', 'GET', 'HEAD'];
  if (table.insertable) allow.push('POST');
  if (table.insertable && table.updatable && table.primaryKey.length > 0) allow.push('PUT');
  if (table.updatable) allow.push('PATCH');
  if (table.deletable) allow.push('DELETE');
  return info(allow.join(','), anyOrigin);
}
