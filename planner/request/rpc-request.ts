// The request side of `/rpc/fn`: allowed methods (else 405 PGRST101), which query parameters
// are function arguments (GET/HEAD: those whose value is not a filter), and the arguments as
// one JSON object. Pure; which function is meant is decided by rpc.ts against the schema cache.

import { apiError, fail, invalidBody, ok, type ApiError, type Result } from '../errors.js';
import { parseOperation } from './filter-grammar.js';
import { splitEmbedKey } from './embed-params.js';
import { csvPayload, formPairs } from './body-formats.js';
import type { Action, CallBody, Payload } from './types.js';
import { jsonText, jsonValue } from './payload.js';
import { isRecord } from '../json.js';

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

/**
 * Query-string (or form) pairs as one JSON object; a repeated name keeps all its values as an
 * array, and rpc.ts keeps the last unless the parameter is variadic (PostgREST's rule).
 */
export function pairArgs(pairs: readonly (readonly [string, string])[]): Payload {
  const values = new Map<string, string[]>();
  for (const [k, v] of pairs) {
    const prev = values.get(k);
    if (prev === undefined) values.set(k, [v]);
    else prev.push(v);
  }
  let repeated = false;
  const obj = Object.fromEntries([...values].map(([k, vs]) => {
    if (vs.length > 1) repeated = true;
    return [k, vs.length === 1 ? vs[0]! : vs];
  }));
  const json = JSON.stringify(obj);
  // A repeated name passed directly keeps its last value (PostgREST's toRpcParams).
  const last = [...values.values()].map((vs) => vs[vs.length - 1]!);
  return repeated ? { json, keys: [...values.keys()], isArray: false, repeated: true, values: last } : { json, keys: [...values.keys()], isArray: false, values: last };
}

/**
 * A JSON body's arguments as PostgREST reads them: empty is `{}`, an object its keys, an array
 * the keys of its first object (all objects must have the same keys; the function gets the
 * first), any other JSON value no arguments; with `?columns=` the listed keys, body unparsed.
 */
function jsonArgs(text: string, columns: readonly string[] | null): Result<Payload> {
  if (columns !== null) return ok({ json: text, keys: columns, isArray: text.trimStart().startsWith('[') });
  if (text.trim() === '') return ok({ json: '{}', keys: [], isArray: false });
  const parsed = jsonValue(text);
  if (!parsed.ok) return parsed;
  const value = parsed.value;
  if (isRecord(value)) return ok({ json: text, keys: Object.keys(value), isArray: false });
  if (!Array.isArray(value) || value.length === 0) return ok({ json: '[]', keys: [], isArray: true });
  const first = value[0];
  if (!isRecord(first)) return fail(invalidBody('All object keys must match'));
  const keys = Object.keys(first);
  const same = (o: unknown): boolean => isRecord(o) && Object.keys(o).length === keys.length && keys.every((k) => Object.hasOwn(o, k));
  if (!value.every(same)) return fail(invalidBody('All object keys must match'));
  return ok({ json: text, keys, isArray: true });
}

/** The arguments as one JSON object: query pairs on GET, else the body as its Content-Type says. */
export function callArgs(
  get: boolean,
  argPairs: readonly [string, string][],
  body: Uint8Array | null,
  kind: CallBody = 'json',
  columns: readonly string[] | null = null,
): Result<Payload> {
  if (get) return ok(pairArgs(argPairs));
  const text = body === null ? '' : utf8.decode(body);
  switch (kind) {
    case 'json': {
      // Invalid UTF-8 in a JSON body is a client mistake (PGRST102), not text to guess at.
      const strict = jsonText(body);
      return strict === null ? fail(invalidBody('Empty or invalid json')) : jsonArgs(strict, columns);
    }
    case 'form': {
      const pairs = formPairs(text);
      if (pairs === null) return fail(invalidBody('Invalid urlencoded body'));
      return ok(pairArgs(pairs));
    }
    case 'csv': {
      // As PostgREST: form and CSV arguments are their own keys, `?columns=` or not.
      const rows = csvPayload(text, null);
      return rows.ok ? ok({ ...rows.value, isArray: true }) : rows;
    }
    case 'text':
    case 'xml':
    case 'bytea':
      return ok(rawBodyArg(kind, body));
  }
}

/** The POST Content-Type → how the body is passed; null for one PostgREST cannot read (PGRST102). */
export function callBody(contentType: string | undefined): CallBody | null {
  if (contentType === undefined) return 'json';
  const type = contentType.split(';')[0]!.trim().toLowerCase();
  switch (type) {
    case '':
    case 'application/json':
      return 'json';
    case 'application/x-www-form-urlencoded':
      return 'form';
    case 'text/csv':
      return 'csv';
    case 'text/plain':
      return 'text';
    case 'text/xml':
      return 'xml';
    case 'application/octet-stream':
      return 'bytea';
    default:
      return null;
  }
}

export const unreadableBody = (contentType: string): ApiError => invalidBody(`Content-Type not acceptable: ${contentType.split(';')[0]!.trim().toLowerCase()}`);

const hex = (bytes: Uint8Array): string => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

/** A raw body as the text of one parameter (bytea in its `\\x…` hex form). */
export function rawBodyArg(body: CallBody, bytes: Uint8Array | null): Payload {
  const b = bytes ?? new Uint8Array();
  return { json: body === 'bytea' ? '\\x' + hex(b) : utf8.decode(b), keys: [], isArray: false };
}
