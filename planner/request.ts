// toApiRequest: method + path + query + headers + body → ApiRequest, or an ApiError.
// Parses intent only; no schema and no I/O, so "does the table exist" is answered later.

import { apiError, fail, invalidPath, ok, unsupportedMethod, type Result } from './errors.js';
import { noWrite, writeParts, writeShape } from './payload.js';
import { parsePreferences } from './preferences.js';
import { negotiate, mediaShape } from './media.js';
import { canonicalQuery, parseQueryParams, splitQuery } from './query-params.js';
import { allRows, requestedRange } from './range.js';
import type { Action, ApiRequest } from './types.js';

export interface RawRequest {
  readonly method: string;
  /** The path without the query string, still percent-encoded. */
  readonly path: string;
  readonly query: string;
  /** Lower-cased header names. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Uint8Array | null;
}

export interface RequestConfig {
  readonly schemas: readonly string[];
}

function actionFor(method: string): Action | null {
  switch (method) {
    case 'GET':
      return { kind: 'read', headOnly: false };
    case 'HEAD':
      return { kind: 'read', headOnly: true };
    case 'POST':
      return { kind: 'create' };
    case 'PATCH':
      return { kind: 'update' };
    case 'PUT':
      return { kind: 'upsert' };
    case 'DELETE':
      return { kind: 'delete' };
    default:
      return null;
  }
}

function decodePathSegment(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

export { parseJsonPayload } from './payload.js';

export function toApiRequest(raw: RawRequest, config: RequestConfig): Result<ApiRequest> {
  const action = actionFor(raw.method);
  if (action === null) return fail(unsupportedMethod(raw.method));
  const segments = raw.path.split('/').filter((s) => s !== '');
  if (segments.length !== 1) {
    if (segments.length === 0) {
      return fail(apiError(404, 'PGRST126', 'Root endpoint not available yet', 'The OpenAPI description is not implemented yet'));
    }
    return fail(invalidPath());
  }
  const relation = decodePathSegment(segments[0]!);
  if (relation === 'rpc') return fail(invalidPath());

  const profileHeader = action.kind === 'read' ? raw.headers['accept-profile'] : raw.headers['content-profile'];
  const schema = profileHeader ?? config.schemas[0]!;
  if (!config.schemas.includes(schema)) {
    return fail(apiError(406, 'PGRST106', `Invalid schema: ${schema}`, null, `Only the following schemas are exposed: ${config.schemas.join(', ')}`));
  }

  const pairs = splitQuery(raw.query);
  const params = parseQueryParams(pairs);
  if (!params.ok) return params;
  const media = negotiate(raw.headers['accept']);
  if (!media.ok) return media;
  // The Range header is honoured on GET only; limit/offset everywhere.
  const range =
    action.kind === 'read'
      ? requestedRange(raw.method === 'GET' ? raw.headers['range'] : undefined, params.value.limit, params.value.offset)
      : ok(allRows);
  if (!range.ok) return range;
  const preferences = parsePreferences(raw.headers['prefer']);
  if (preferences.handling === 'strict' && preferences.invalid.length > 0) {
    return fail(apiError(400, 'PGRST122', 'Invalid preferences given with handling=strict', `Invalid preferences: ${preferences.invalid.join(', ')}`));
  }

  const write = action.kind === 'read' || action.kind === 'delete' ? ok(noWrite) : writeParts(action.kind === 'upsert', pairs, raw.body, raw.headers['content-type']);
  if (!write.ok) return write;
  const payload = write.value.payload;

  const shape = [
    raw.method,
    schema,
    relation,
    JSON.stringify(params.value.shape),
    'ret=' + (preferences.return ?? ''),
    'count=' + (preferences.count ?? ''),
    'media=' + mediaShape(media.value),
    payload === null ? '' : 'keys=' + JSON.stringify(payload.keys),
    writeShape(preferences, write.value.onConflict),
  ].join('\u0000');

  return ok({
    action,
    schema,
    relation,
    select: params.value.select,
    filters: params.value.filters,
    order: params.value.order,
    embedParams: params.value.embedParams,
    range: range.value,
    media: media.value,
    canonicalQuery: canonicalQuery(pairs),
    preferences,
    payload,
    onConflict: write.value.onConflict,
    shape,
  });
}
