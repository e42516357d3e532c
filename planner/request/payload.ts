// Request bodies for writes: JSON (keys learned by parsing), or with `?columns=` the raw bytes
// passed through unparsed with the listed keys. The text always goes to PostgreSQL as one
// parameter; this file never builds SQL and never looks at the schema.

import { apiError, fail, invalidBody, ok, parseError, type Result } from '../errors.js';
import { csvPayload, formPayload } from './body-formats.js';
import { charAt, isName, readName } from './field.js';
import type { Payload, Preferences } from './types.js';
import { isRecord } from '../json.js';

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
  if (isRecord(value)) return ok({ json: text, keys: Object.keys(value), isArray: false });
  if (Array.isArray(value)) {
    if (value.length === 0) return ok({ json: text, keys: [], isArray: true });
    if (!value.every(isRecord)) return fail(invalidBody('All object keys must match'));
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

/**
 * `columns=a,b` / `on_conflict=a,b` as PostgREST's `pColumns`: field names (quoted, or
 * unquoted of letters, digits, `_`, space, `$` and inner dashes) separated by commas with
 * optional spaces or tabs; a repeated name counts once. Parsec does not ask for the end of the
 * input, so text after the last complete name that is no `,` is ignored (`columns=id,name'`
 * lists id and name), while a missing name, or a tab not followed by `,`, is a PGRST100.
 */
export function parseColumnsParam(value: string, what: 'columns' | 'on_conflict'): Result<string[]> {
  const error = (at: number, expecting: string): Result<never> =>
    fail(parseError(`"failed to parse ${what} parameter (${value})" (line 1, column ${at + 1})`, `unexpected ${at >= value.length ? 'end of input' : JSON.stringify(charAt(value, at))} expecting ${expecting}`));
  const out: string[] = [];
  let i = 0;
  for (;;) {
    const r = readName(value, i);
    if (r === null) return error(i, 'field name (* or [a..z0..9_$])');
    if (!isName(r)) return error(r.afterDash, 'letter or digit');
    if (!out.includes(r.name)) out.push(r.name);
    let j = r.end;
    while (value[j] === ' ' || value[j] === '\t') j++;
    if (value[j] !== ',') return j > r.end ? error(j, '","') : ok(out);
    j++;
    while (value[j] === ' ' || value[j] === '\t') j++;
    i = j;
  }
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
  return ok({ json: text, keys: columns, isArray: first === '[', listed: true });
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
  const columns = columnsPair === undefined ? null : parseColumnsParam(columnsPair[1], 'columns');
  if (columns !== null && !columns.ok) return columns;
  const conflictPair = pairs.find(([k]) => k === 'on_conflict');
  const onConflict = conflictPair === undefined ? null : parseColumnsParam(conflictPair[1], 'on_conflict');
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
