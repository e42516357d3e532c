// Request bodies for writes: JSON (keys learned by parsing), or with `?columns=` the raw bytes
// passed through unparsed with the listed keys. The text always goes to PostgreSQL as one
// parameter; this file never builds SQL and never looks at the schema.

import { apiError, fail, invalidBody, ok, parseError, type Result } from '../errors.js';
import { csvPayload, formPayload } from './body-formats.js';
import type { Payload, Preferences } from './types.js';

const utf8 = new TextDecoder('utf-8', { fatal: false });
// JSON must be UTF-8 (RFC 8259): a lenient decode would store U+FFFD where the client sent bytes.
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** The body as JSON text, or null when it is not valid UTF-8. */
export function jsonText(body: Uint8Array | null): string | null {
  if (body === null) return '';
  try {
    return strictUtf8.decode(body);
  } catch {
    return null;
  }
}

/** A JSON object: not an array, not null. */
export const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A body's JSON value, or PostgREST's PGRST102 'Empty or invalid json'. */
export function jsonValue(text: string): Result<unknown> {
  try {
    return ok(JSON.parse(text) as unknown);
  } catch {
    return fail(invalidBody('Empty or invalid json'));
  }
}

/** Parse a JSON body just enough to learn its keys; the text itself goes to PostgreSQL. */
export function parseJsonPayload(body: Uint8Array | null): Result<Payload> {
  const text = jsonText(body);
  if (text === null) return fail(invalidBody('Empty or invalid json'));
  return parseJsonPayloadText(text);
}

/** parseJsonPayload for a body already decoded as jsonText decodes it. */
export function parseJsonPayloadText(text: string): Result<Payload> {
  const parsed = jsonValue(text);
  if (!parsed.ok) return parsed;
  const value = parsed.value;
  if (isObject(value)) return ok({ json: text, keys: Object.keys(value), isArray: false });
  if (Array.isArray(value)) {
    if (value.length === 0) return ok({ json: text, keys: [], isArray: true });
    if (!value.every(isObject)) return fail(invalidBody('All object keys must match'));
    const first = Object.keys(value[0] as Record<string, unknown>);
    const firstSet = new Set(first);
    for (const row of value as Record<string, unknown>[]) {
      const keys = Object.keys(row);
      if (keys.length !== first.length || !keys.every((k) => firstSet.has(k))) {
        return fail(invalidBody('All object keys must match'));
      }
    }
    return ok({ json: text, keys: first, isArray: true });
  }
  return fail(invalidBody('Empty or invalid json'));
}

/** `columns=a,b` → the column names (trimmed, quotes allowed), or a PGRST100 for an empty item. */
export function parseColumnsParam(value: string): Result<string[]> {
  const out: string[] = [];
  for (const raw of value.split(',')) {
    let name = raw.trim();
    if (name.length >= 2 && name.startsWith('"') && name.endsWith('"')) name = name.slice(1, -1);
    if (name === '') return fail(parseError(`"failed to parse columns parameter (${value})"`, null));
    if (!out.includes(name)) out.push(name);
  }
  return ok(out);
}

/**
 * The payload of a write. With `columns` the body is not parsed here: PostgreSQL reads it
 * (a malformed body fails there, 22P02 → 400) and keys outside the list are ignored.
 */
export function readPayload(body: Uint8Array | null, contentType: string | undefined, columns: readonly string[] | null): Result<Payload> {
  const mime = (contentType ?? 'application/json').split(';')[0]!.trim().toLowerCase();
  if (mime === 'text/csv') return csvPayload(body === null ? '' : utf8.decode(body), columns);
  if (mime === 'application/x-www-form-urlencoded') return formPayload(body === null ? '' : utf8.decode(body), columns);
  if (columns === null) return parseJsonPayload(body);
  const text = jsonText(body);
  if (text === null || text.trim() === '') return fail(invalidBody('Empty or invalid json'));
  const first = text.trimStart()[0];
  if (first !== '{' && first !== '[') return fail(invalidBody('Empty or invalid json'));
  return ok({ json: text, keys: columns, isArray: first === '[' });
}

/** What a write adds to a request: its payload and the upsert's conflict target. */
export interface WriteParts {
  readonly payload: Payload | null;
  readonly onConflict: readonly string[] | null;
}

export const noWrite: WriteParts = { payload: null, onConflict: null };

/** Payload, `columns` and `on_conflict` of a POST/PATCH/PUT; PGRST114 for limit/offset on PUT. */
export function writeParts(put: boolean, pairs: readonly (readonly [string, string])[], body: Uint8Array | null, contentType: string | undefined): Result<WriteParts> {
  if (put && pairs.some(([k]) => k === 'limit' || k === 'offset')) {
    return fail(apiError(400, 'PGRST114', 'limit/offset querystring parameters are not allowed for PUT'));
  }
  const columnsPair = pairs.find(([k]) => k === 'columns');
  const columns = columnsPair === undefined ? null : parseColumnsParam(columnsPair[1]);
  if (columns !== null && !columns.ok) return columns;
  const conflictPair = pairs.find(([k]) => k === 'on_conflict');
  const onConflict = conflictPair === undefined ? null : parseColumnsParam(conflictPair[1]);
  if (onConflict !== null && !onConflict.ok) return onConflict;
  const payload = readPayload(body, contentType, columns === null ? null : columns.value);
  if (!payload.ok) return payload;
  return ok({ payload: payload.value, onConflict: onConflict === null ? null : onConflict.value });
}

/** The part of the plan-cache key that write preferences and on_conflict decide. */
export function writeShape(p: Preferences, onConflict: readonly string[] | null): string {
  const maxAffected = p.handling === 'strict' && p.maxAffected !== null;
  return `w=${p.resolution ?? ''}|${p.missing ?? ''}|${maxAffected ? 'max' : ''}|${JSON.stringify(onConflict)}`;
}
