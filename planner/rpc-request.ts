// The request side of `/rpc/fn`: allowed methods (else 405 PGRST101), which query parameters
// are function arguments (GET/HEAD: those whose value is not a filter), and the arguments as
// one JSON object. Pure; which function is meant is decided by rpc.ts against the schema cache.

import { apiError, fail, invalidBody, ok, type ApiError, type Result } from './errors.js';
import { parseOperation } from './filter-grammar.js';
import { splitEmbedKey } from './embed-params.js';
import type { Action, CallBody, Payload } from './types.js';
import { jsonText } from './payload.js';

const RESERVED: ReadonlySet<string> = new Set(['select', 'order', 'limit', 'offset', 'columns', 'on_conflict', 'and', 'or', 'not.and', 'not.or']);

export function callAction(method: string, args: Payload, body: CallBody = 'json'): Result<Action> {
  switch (method) {
    case 'GET':
    case 'HEAD':
      return ok({ kind: 'call', get: true, headOnly: method === 'HEAD', args, body: 'json' });
    case 'POST':
      return ok({ kind: 'call', get: false, headOnly: false, args, body });
    default:
      return fail(rpcMethodNotAllowed(method));
  }
}

export const rpcMethodNotAllowed = (method: string): ApiError => apiError(405, 'PGRST101', `Cannot use the ${method} method on RPC`);

export const isCallMethod = (method: string): boolean => method === 'GET' || method === 'HEAD' || method === 'POST';

/** `rel.order`, `a.b.limit`, `rel.or`: an embed's own parameter, never an argument. */
function isEmbedReserved(key: string): boolean {
  const k = splitEmbedKey(key);
  return k !== null && RESERVED.has(k.last);
}

/** GET/HEAD query pairs → [filter and reserved pairs, argument pairs]. */
export function splitCallQuery(
  pairs: readonly [string, string][],
  get: boolean,
): readonly [[string, string][], [string, string][]] {
  if (!get) return [[...pairs], []];
  const query: [string, string][] = [];
  const args: [string, string][] = [];
  for (const pair of pairs) {
    if (RESERVED.has(pair[0]) || isEmbedReserved(pair[0]) || parseOperation(pair[1]).ok) query.push(pair);
    else args.push(pair);
  }
  return [query, args];
}

const utf8 = new TextDecoder('utf-8', { fatal: false });

/** The arguments as one JSON object: query pairs (a repeated name becomes an array) or the body. */
export function callArgs(get: boolean, argPairs: readonly [string, string][], body: Uint8Array | null): Result<Payload> {
  if (get) {
    const obj: Record<string, string | string[]> = {};
    for (const [k, v] of argPairs) {
      const prev = obj[k];
      obj[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
    }
    return ok({ json: JSON.stringify(obj), keys: Object.keys(obj), isArray: false });
  }
  const text = jsonText(body);
  if (text === null) return fail(invalidBody('Empty or invalid json'));
  if (text.trim() === '') return ok({ json: '{}', keys: [], isArray: false });
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return fail(invalidBody('Empty or invalid json'));
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail(invalidBody('Empty or invalid json'));
  return ok({ json: text, keys: Object.keys(value), isArray: false });
}

/** The POST Content-Type → how the body is passed (a single unnamed text/xml/bytea parameter). */
export function callBody(contentType: string | undefined): CallBody {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  switch (type) {
    case 'text/plain':
      return 'text';
    case 'text/xml':
      return 'xml';
    case 'application/octet-stream':
      return 'bytea';
    default:
      return 'json';
  }
}

const hex = (bytes: Uint8Array): string => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

/** A raw body as the text of one parameter (bytea in its `\\x…` hex form). */
export function rawBodyArg(body: CallBody, bytes: Uint8Array | null): Payload {
  const b = bytes ?? new Uint8Array();
  return { json: body === 'bytea' ? '\\x' + hex(b) : utf8.decode(b), keys: [], isArray: false };
}
