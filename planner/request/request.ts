// toApiRequest: method + path + query + headers + body → ApiRequest, or an ApiError.
// Parses intent only; no schema and no I/O, so "does the table exist" is answered later.

import { apiError, fail, invalidPath, ok, tableNotFound, unsupportedMethod, type Result } from '../errors.js';
import { findTable, suggestTable, type SchemaCache } from '../schema/model.js';
import { noWrite, parseColumnsParam, writeParts, writeShape } from './payload.js';
import { parsePreferences } from './preferences.js';
import { callAction, callArgs, callBody, isCallMethod, rpcMethodNotAllowed, splitCallQuery, unreadableBody } from './rpc-request.js';
import { negotiate, mediaShape } from './media.js';
import { canonicalQuery, parseQueryParams, splitQuery, type QueryParams } from './query-params.js';
import { allRows, requestedRange } from './range.js';
import type { Action, ApiRequest, MediaType, Preferences, RowRange } from './types.js';

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
  /** db-plan-enabled: whether application/vnd.pgrst.plan is producible. */
  readonly planEnabled?: boolean;
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

export { parseJsonPayload, parseJsonPayloadText } from './payload.js';

/** Above this many body bytes a write to a table the schema cache lacks is refused before parsing. */
export const LARGE_BODY_BYTES = 1024 * 1024;

/**
 * `cache`, when given, lets a large write body to a missing table be refused (404 PGRST205,
 * as planning would) without spending time and memory on parsing it first.
 */
export function toApiRequest(raw: RawRequest, config: RequestConfig, cache?: SchemaCache | null): Result<ApiRequest> {
  const head = requestHead(raw, config, cache);
  return head.ok ? withBody(head.value, raw) : head;
}

/**
 * Everything a request says before its body: what toApiRequest checks first, so a caller can
 * look at the target of a large body (privileges, see privilege-probe.ts) before parsing it.
 */
export interface RequestHead {
  readonly action: Action;
  readonly schema: string;
  readonly relation: string;
  readonly pairs: readonly (readonly [string, string])[];
  readonly allPairs: readonly (readonly [string, string])[];
  readonly params: QueryParams;
  readonly accept: string | undefined;
  readonly media: MediaType | null;
  readonly range: RowRange;
  readonly preferences: Preferences;
}

/** The checks of toApiRequest that come before the body, in its order; the body is not read. */
export function requestHead(raw: RawRequest, config: RequestConfig, cache?: SchemaCache | null): Result<RequestHead> {
  const segments = raw.path.split('/').filter((s) => s !== '');
  const rpc = segments.length === 2 && decodePathSegment(segments[0]!) === 'rpc';
  const allPairs = splitQuery(raw.query);
  const [pairs, argPairs] = rpc ? splitCallQuery(allPairs, raw.method !== 'POST') : [allPairs, []];
  let action: Action;
  if (rpc) {
    if (!isCallMethod(raw.method)) return fail(rpcMethodNotAllowed(raw.method));
    const post = raw.method === 'POST';
    const body = callBody(post ? raw.headers['content-type'] : undefined);
    if (body === null) return fail(unreadableBody(raw.headers['content-type'] ?? ''));
    const columnsPair = post ? pairs.find(([k]) => k === 'columns') : undefined;
    const columns = columnsPair === undefined ? null : parseColumnsParam(columnsPair[1], 'columns');
    if (columns !== null && !columns.ok) return columns;
    const args = callArgs(!post, argPairs, raw.body, body, columns === null ? null : columns.value);
    if (!args.ok) return args;
    const call = callAction(raw.method, args.value, body);
    if (!call.ok) return call;
    action = call.value;
  } else {
    const plain = actionFor(raw.method);
    if (plain === null) return fail(unsupportedMethod(raw.method));
    action = plain;
  }
  if (!rpc && segments.length !== 1) {
    if (segments.length === 0) {
      return fail(apiError(404, 'PGRST126', 'Root endpoint not available yet', 'The OpenAPI description is not implemented yet'));
    }
    return fail(invalidPath());
  }
  const relation = decodePathSegment(segments[rpc ? 1 : 0]!);
  if (!rpc && relation === 'rpc') return fail(invalidPath());

  const profileHeader = action.kind === 'read' || (action.kind === 'call' && action.get) ? raw.headers['accept-profile'] : raw.headers['content-profile'];
  const schema = profileHeader ?? config.schemas[0]!;
  if (!config.schemas.includes(schema)) {
    return fail(apiError(406, 'PGRST106', `Invalid schema: ${schema}`, null, `Only the following schemas are exposed: ${config.schemas.join(', ')}`));
  }

  const params = parseQueryParams(pairs);
  if (!params.ok) return params;
  const accept = raw.headers['accept'];
  const media = negotiate(accept, config.planEnabled === true);
  if (!media.ok) return media;
  // The Range header is honoured on GET only; limit/offset everywhere.
  const range =
    action.kind === 'read' || action.kind === 'call'
      ? requestedRange(raw.method === 'GET' ? raw.headers['range'] : undefined, params.value.limit, params.value.offset)
      : ok(allRows);
  if (!range.ok) return range;
  const preferences = parsePreferences(raw.headers['prefer']);
  if (preferences.handling === 'strict' && preferences.invalid.length > 0) {
    return fail(apiError(400, 'PGRST122', 'Invalid preferences given with handling=strict', `Invalid preferences: ${preferences.invalid.join(', ')}`));
  }

  if (cache !== undefined && cache !== null && action.kind !== 'call' && raw.body !== null && raw.body.length >= LARGE_BODY_BYTES && findTable(cache, schema, relation) === undefined) {
    return fail(tableNotFound(schema, relation, suggestTable(cache, schema, relation)));
  }
  return ok({ action, schema, relation, pairs, allPairs, params: params.value, accept, media: media.value, range: range.value, preferences });
}

/** toApiRequest's second half: the body (parsed here, the costly part) and the request's shape. */
export function withBody(head: RequestHead, raw: RawRequest): Result<ApiRequest> {
  const { action, schema, relation, pairs, allPairs, params, accept, media, range, preferences } = head;
  const write = action.kind === 'read' || action.kind === 'delete' || action.kind === 'call' ? ok(noWrite) : writeParts(action.kind === 'upsert', pairs, raw.body, raw.headers['content-type']);
  if (!write.ok) return write;
  const payload = write.value.payload;

  const shape = [
    raw.method,
    schema,
    relation,
    JSON.stringify(params.shape),
    'ret=' + (preferences.return ?? ''),
    // Whether rows are paged decides how a count is taken (count.ts: one aggregate when not).
    'count=' + (preferences.count ?? '') + (range.offset === 0 && range.limit === null ? '' : '/paged'),
    media === null ? 'media=?' + (accept ?? '') : 'media=' + mediaShape(media),
    payload === null ? '' : 'keys=' + JSON.stringify(payload.keys),
    writeShape(preferences, write.value.onConflict),
    action.kind === 'call' ? 'rpc=' + action.body + JSON.stringify(action.args.keys) : '',
  ].join('\u0000');

  return ok({
    action,
    schema,
    relation,
    select: params.select,
    filters: params.filters,
    order: params.order,
    embedParams: params.embedParams,
    range: range,
    media: media ?? { kind: 'json' },
    accept,
    mediaPending: media === null,
    canonicalQuery: canonicalQuery(allPairs),
    preferences,
    payload,
    onConflict: write.value.onConflict,
    shape,
    aggregates: params.aggregates,
  });
}
