// OPTIONS on the root and on tables and views: the Allow header from the schema cache, with no
// database round trip. Tables allow what their capabilities say (PUT needs a primary key).

import type { SchemaCache } from '../planner/index.js';
import { findTable, suggestTable } from '../planner/schema/model.js';
import { apiError } from '../planner/index.js';
import { errorResponse, type HttpResponse } from './response.js';

export function optionsResponse(path: string, schema: string, cache: SchemaCache): HttpResponse {
  const segments = path.split('/').filter((s) => s !== '');
  if (segments.length === 0) return { status: 200, headers: [['Allow', 'OPTIONS,GET,HEAD']], body: undefined };
  if (segments.length !== 1) return errorResponse(apiError(404, 'PGRST125', 'Invalid path specified in request URL'));
  let name: string;
  try {
    name = decodeURIComponent(segments[0]!);
  } catch {
    name = segments[0]!;
  }
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
  return { status: 200, headers: [['Allow', allow.join(',')]], body: undefined };
}
