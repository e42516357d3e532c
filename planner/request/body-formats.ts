// text/csv and application/x-www-form-urlencoded bodies → the JSON payload text PostgreSQL
// expands (one parameter, as for JSON bodies). CSV: header row, RFC 4180 quoting, an empty
// field is an empty string, an unquoted NULL is null. Pure; never builds SQL.

import { fail, invalidBody, ok, type Result } from '../errors.js';
import type { Payload } from './types.js';

const QUOTE = 0x22;
const COMMA = 0x2c;
const LF = 0x0a;
const CR = 0x0d;

/**
 * Scan CSV text row by row in one linear pass (fields are slices, never built char by
 * char); `onRow` gets each row's fields (null for an unquoted `NULL`) and may keep them.
 * False when a quote is unterminated.
 */
function scanCsv(text: string, onRow: (fields: (string | null)[]) => void): boolean {
  const n = text.length;
  let row: (string | null)[] = [];
  let field = '';
  let quoted = false;
  let i = 0;
  const endField = (): void => {
    row.push(!quoted && field === 'NULL' ? null : field);
    field = '';
    quoted = false;
  };
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === QUOTE && field === '' && !quoted) {
      quoted = true;
      let j = i + 1;
      for (;;) {
        const q = text.indexOf('"', j);
        if (q < 0) return false;
        field += text.slice(j, q);
        if (text.charCodeAt(q + 1) === QUOTE) {
          field += '"';
          j = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
    } else if (c === COMMA) {
      endField();
      i++;
    } else if (c === LF || c === CR) {
      endField();
      onRow(row);
      row = [];
      i += c === CR && text.charCodeAt(i + 1) === LF ? 2 : 1;
    } else {
      // A run of ordinary characters (a quote inside a field is one of them).
      let j = i + 1;
      while (j < n) {
        const d = text.charCodeAt(j);
        if (d === COMMA || d === LF || d === CR || d === QUOTE) break;
        j++;
      }
      field += text.slice(i, j);
      i = j;
    }
  }
  if (field !== '' || quoted || row.length > 0) {
    endField();
    onRow(row);
  }
  return true;
}

/** CSV text → rows of fields (null for an unquoted `NULL`); null when a quote is unterminated. */
export function parseCsv(text: string): (string | null)[][] | null {
  const rows: (string | null)[][] = [];
  return scanCsv(text, (fields) => rows.push(fields)) ? rows : null;
}

const CHUNK_CHARS = 65536;
const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder();

/** UTF-8 pieces → one string (one copy into a buffer, one decode). */
function joinUtf8(pieces: readonly Uint8Array[]): string {
  let size = 0;
  for (const p of pieces) size += p.length;
  const all = new Uint8Array(size);
  let at = 0;
  for (const p of pieces) {
    all.set(p, at);
    at += p.length;
  }
  return utf8Decoder.decode(all);
}

/**
 * A CSV body as a JSON array of objects keyed by the header row, written row by row as the
 * text is scanned: memory is the JSON text plus one row, time linear in the body. A repeated
 * header name keeps its last field, as an object built key by key would.
 */
export function csvPayload(text: string, columns: readonly string[] | null): Result<Payload> {
  let header: string[] | null = null;
  /** `"name":` prefixes and the field index each takes its value from. */
  let keys: { prefix: string; index: number }[] = [];
  // Rows are gathered into ~64 KB strings, each kept as UTF-8 bytes: the many small strings
  // of a row die young (cheap to collect) instead of piling up until the end.
  const out: Uint8Array[] = [];
  let chunk = '[';
  let written = 0;
  let mismatch = false;
  const complete = scanCsv(text, (fields) => {
    if (header === null) {
      header = fields.map((h) => h ?? 'NULL');
      const last = new Map<string, number>();
      header.forEach((h, k) => last.set(h, k));
      keys = [...last].map(([h, index], k) => ({ prefix: (k === 0 ? '{' : ',') + JSON.stringify(h) + ':', index }));
      return;
    }
    if (mismatch) return;
    if (fields.length !== header.length) {
      // Keep scanning: an unterminated quote later on is reported first, as before.
      mismatch = true;
      return;
    }
    if (written++ > 0) chunk += ',';
    for (const { prefix, index } of keys) {
      const v = fields[index]!;
      chunk += prefix;
      chunk += v === null ? 'null' : JSON.stringify(v);
    }
    chunk += '}';
    if (chunk.length >= CHUNK_CHARS) {
      out.push(utf8Encoder.encode(chunk));
      chunk = '';
    }
  });
  if (!complete || header === null) return fail(invalidBody('Empty or invalid csv'));
  if (mismatch) return fail(invalidBody('All lines must have same number of fields'));
  out.push(utf8Encoder.encode(chunk + ']'));
  return ok({ json: joinUtf8(out), keys: columns ?? (header as string[]), isArray: true, ...(columns === null ? {} : { listed: true as const }) });
}

/** A form body's `key=value` pairs in order (`+` is a space), or null for a bad percent-escape. */
export function formPairs(text: string): [string, string][] | null {
  const out: [string, string][] = [];
  for (const piece of text.split('&')) {
    if (piece === '') continue;
    const eq = piece.indexOf('=');
    const key = decodeForm(eq < 0 ? piece : piece.slice(0, eq));
    const value = decodeForm(eq < 0 ? '' : piece.slice(eq + 1));
    if (key === null || value === null) return null;
    out.push([key, value]);
  }
  return out;
}

/** A form body as one JSON object (a repeated key keeps its last value). */
export function formPayload(text: string, columns: readonly string[] | null): Result<Payload> {
  const pairs = formPairs(text);
  if (pairs === null) return fail(invalidBody('Invalid urlencoded body'));
  const o = Object.fromEntries(pairs);
  return ok({ json: JSON.stringify(o), keys: columns ?? Object.keys(o), isArray: false, ...(columns === null ? {} : { listed: true as const }) });
}

function decodeForm(s: string): string | null {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return null;
  }
}
