// Representations finished in the gateway, off the JSON hot path: application/msgpack request
// bodies (unpacked into the JSON the planner expects) and responses (the JSON PostgreSQL built,
// packed), EXPLAIN output for application/vnd.pgrst.plan, and media type handlers' bytes.

import { Packr, Unpackr } from 'msgpackr';
import { apiError, contentType, type ApiError, type Plan, type RawRequest } from '../planner/index.js';
import type { HttpResponse } from './http-response.js';

const MSGPACK = 'application/msgpack';
const unpackr = new Unpackr({ int64AsType: 'string', mapsAsObjects: true });
const packr = new Packr({ useRecords: false });

// The usual JSON body answers without splitting and lower-casing its Content-Type.
const isMsgpack = (type: string | undefined): boolean =>
  type !== undefined && type !== 'application/json' && type.split(';')[0]!.trim().toLowerCase() === MSGPACK;

/** msgpack values → JSON-ready ones: bytes as bytea hex literals, other values as they are. */
function jsonReady(v: unknown): unknown {
  if (v instanceof Uint8Array) return '\\x' + Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex');
  if (Array.isArray(v)) return v.map(jsonReady);
  if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [String(k), jsonReady(x)]));
  if (typeof v === 'object' && v !== null && !(v instanceof Date)) {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, jsonReady(x)]));
  }
  return v;
}

/**
 * A request with a msgpack body → the same request with its JSON equivalent, so every body
 * path (writes, RPC arguments) reads it unchanged; other requests come back as they are.
 */
export function msgpackRequest(raw: RawRequest): RawRequest | ApiError {
  if (raw.body === null || !isMsgpack(raw.headers['content-type'])) return raw;
  let value: unknown;
  try {
    value = unpackr.unpack(raw.body);
  } catch (err) {
    return apiError(400, 'PGRST102', 'Invalid msgpack body', err instanceof Error ? err.message : String(err));
  }
  const json = JSON.stringify(jsonReady(value)) ?? 'null';
  return { ...raw, body: Buffer.from(json), headers: { ...raw.headers, 'content-type': 'application/json' } };
}

/** A response whose Content-Type is still application/msgpack gets its JSON body packed. */
export function packResponse(r: HttpResponse): HttpResponse {
  if (r.body === undefined) return r;
  const type = r.headers.find(([k]) => k.toLowerCase() === 'content-type')?.[1];
  if (!isMsgpack(type)) return r;
  const text = typeof r.body === 'string' ? r.body : r.body.toString('utf8');
  return { ...r, body: packr.pack(JSON.parse(text)) };
}

/** EXPLAIN's rows (one per line of a text plan, one for JSON) → the plan response. */
export function planResponse(plan: Plan, rows: readonly (readonly (Buffer | null)[])[]): HttpResponse {
  const body = rows.map((r) => r[0]?.toString('utf8') ?? '').join('\n');
  return { status: 200, headers: [['Content-Type', contentType(plan.request.media)]], body };
}

/** A handler over a bytea domain sends its bytes hex-encoded (the wire client reads text). */
export function handlerBytes(plan: Plan, body: Buffer | undefined): Buffer | undefined {
  const media = plan.request.media;
  if (body === undefined || media.kind !== 'handler' || !media.handler.binary) return body;
  return Buffer.from(body.toString('latin1'), 'hex');
}
