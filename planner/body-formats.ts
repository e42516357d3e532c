// text/csv and application/x-www-form-urlencoded bodies → the JSON payload text PostgreSQL
// expands (one parameter, as for JSON bodies). CSV: header row, RFC 4180 quoting, an empty
// field is an empty string, an unquoted NULL is null. Pure; never builds SQL.

import { fail, invalidBody, ok, type Result } from './errors.js';
import type { Payload } from './types.js';

/** CSV text → rows of fields (null for an unquoted `NULL`); null when a quote is unterminated. */
export function parseCsv(text: string): (string | null)[][] | null {
  const rows: (string | null)[][] = [];
  let row: (string | null)[] = [];
  let field = '';
  let quoted = false;
  let i = 0;
  const endField = (): void => {
    row.push(!quoted && field === 'NULL' ? null : field);
    field = '';
    quoted = false;
  };
  while (i < text.length) {
    const c = text[i]!;
    if (c === '"' && field === '' && !quoted) {
      quoted = true;
      let j = i + 1;
      for (;;) {
        const q = text.indexOf('"', j);
        if (q < 0) return null;
        field += text.slice(j, q);
        if (text[q + 1] === '"') {
          field += '"';
          j = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      continue;
    }
    if (c === ',') {
      endField();
    } else if (c === '\n' || c === '\r') {
      endField();
      rows.push(row);
      row = [];
      if (c === '\r' && text[i + 1] === '\n') i++;
    } else {
      field += c;
    }
    i++;
  }
  if (field !== '' || quoted || row.length > 0) {
    endField();
    rows.push(row);
  }
  return rows;
}

/** A CSV body as a JSON array of objects keyed by the header row. */
export function csvPayload(text: string, columns: readonly string[] | null): Result<Payload> {
  const rows = parseCsv(text);
  if (rows === null || rows.length === 0) return fail(invalidBody('Empty or invalid csv'));
  const header = rows[0]!.map((h) => h ?? 'NULL');
  const objects: Record<string, string | null>[] = [];
  for (let r = 1; r < rows.length; r++) {
    const fields = rows[r]!;
    if (fields.length !== header.length) return fail(invalidBody('All lines must have same number of fields'));
    const o: Record<string, string | null> = {};
    header.forEach((h, k) => {
      o[h] = fields[k]!;
    });
    objects.push(o);
  }
  return ok({ json: JSON.stringify(objects), keys: columns ?? header, isArray: true });
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
  return ok({ json: JSON.stringify(o), keys: columns ?? Object.keys(o), isArray: false });
}

function decodeForm(s: string): string | null {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return null;
  }
}
