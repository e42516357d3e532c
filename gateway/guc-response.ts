// Responses the database decides: the response.headers / response.status GUCs (500 PGRST111 /
// PGRST112 when malformed) and PostgREST's `RAISE SQLSTATE 'PGRST'` form, whose MESSAGE and
// DETAIL are JSON (500 PGRST121 when they are not). Pure functions over the texts PostgreSQL sent.

import { apiError, isRecord, type ApiError, type Result } from '../planner/index.js';

type Header = [string, string];

function parse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

export const gucHeadersError: ApiError = apiError(500, 'PGRST111', 'response.headers guc must be a JSON array composed of objects with a single key and a string value');
export const gucStatusError: ApiError = apiError(500, 'PGRST112', 'response.status guc must be a valid status code');

/** `[{"X-A": "1"}, {"Set-Cookie": "a=1"}]` → header pairs, in order. */
export function parseGucHeaders(json: string): Result<Header[]> {
  const parsed = parse(json);
  if (!Array.isArray(parsed)) return { ok: false, error: gucHeadersError };
  const out: Header[] = [];
  for (const item of parsed) {
    if (!isRecord(item)) return { ok: false, error: gucHeadersError };
    const entries = Object.entries(item);
    const [entry] = entries;
    if (entries.length !== 1 || entry === undefined || typeof entry[1] !== 'string') return { ok: false, error: gucHeadersError };
    out.push([entry[0], entry[1]]);
  }
  return { ok: true, value: out };
}

export function parseGucStatus(text: string): Result<number> {
  const n = Number(text.trim());
  return /^\d+$/.test(text.trim()) && n >= 100 && n <= 599 ? { ok: true, value: n } : { ok: false, error: gucStatusError };
}

/** Our headers with the GUC's applied: a GUC header replaces ours; Set-Cookie repeats. */
export function mergeGucHeaders(ours: readonly Header[], guc: readonly Header[]): Header[] {
  const replaced = new Set(guc.map(([k]) => k.toLowerCase()).filter((k) => k !== 'set-cookie'));
  return [...ours.filter(([k]) => !replaced.has(k.toLowerCase())), ...guc];
}

export interface CustomRaise {
  readonly status: number;
  readonly headers: Header[];
  /** The error body fields; `code` is any string the function chose. */
  readonly error: ApiError;
}

/** Why a `RAISE SQLSTATE 'PGRST'` could not be used: PostgREST's three cases. */
type RaiseProblem = { readonly field: 'MESSAGE' | 'DETAIL'; readonly text: string } | { readonly field: 'none' };

function customRaiseError(p: RaiseProblem): ApiError {
  const details = p.field === 'none' ? 'DETAIL is missing in the RAISE statement' : `Invalid JSON value for ${p.field}: '${p.text}'`;
  const hint =
    p.field === 'MESSAGE'
      ? "MESSAGE must be a JSON object with obligatory keys: 'code', 'message' and optional keys: 'details', 'hint'."
      : "DETAIL must be a JSON object with obligatory keys: 'status', 'headers' and optional key: 'status_text'.";
  return apiError(500, 'PGRST121', `Could not parse JSON in the "RAISE SQLSTATE 'PGRST'" error`, details, hint);
}

const optionalString = (v: unknown): v is string | null | undefined => v === undefined || v === null || typeof v === 'string';

/** MESSAGE `{"code","message","details"?,"hint"?}`, DETAIL `{"status", "headers"}` → the response. */
export function parseCustomRaise(message: string, detail: string | undefined): Result<CustomRaise> {
  const m = parse(message);
  if (!isRecord(m) || typeof m['code'] !== 'string' || typeof m['message'] !== 'string' || !optionalString(m['details']) || !optionalString(m['hint'])) {
    return { ok: false, error: customRaiseError({ field: 'MESSAGE', text: message }) };
  }
  if (detail === undefined) return { ok: false, error: customRaiseError({ field: 'none' }) };
  const d = parse(detail);
  if (!isRecord(d) || typeof d['status'] !== 'number' || !isRecord(d['headers'])) {
    return { ok: false, error: customRaiseError({ field: 'DETAIL', text: detail }) };
  }
  const headers: Header[] = [];
  for (const [k, v] of Object.entries(d['headers'])) {
    if (typeof v !== 'string') return { ok: false, error: customRaiseError({ field: 'DETAIL', text: detail }) };
    headers.push([k, v]);
  }
  const error = apiError(d['status'], m['code'], m['message'], m['details'] ?? null, m['hint'] ?? null);
  return { ok: true, value: { status: d['status'], headers, error } };
}
