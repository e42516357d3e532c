// Field names in the URL grammar: `name`, `"quoted.name"`, JSON paths `data->a->>b`, `arr->0`,
// and the PGRST100 error shape every grammar rule shares (PostgREST's parser wording).
// Pure; knows nothing about the schema.

import { fail, ok, parseError, type ApiError, type Result } from '../errors.js';
import type { Field, JsonStep } from './types.js';

/** A PGRST100 error pointing at `at` in `value`, worded like PostgREST's Parsec errors. */
export const unexpected = (what: string, at: number, value: string, expecting: string): ApiError =>
  parseError(
    `"failed to parse ${what} (${value})" (line 1, column ${at + 1})`,
    `unexpected ${at >= value.length ? 'end of input' : JSON.stringify(value[at])} expecting ${expecting}`,
  );

/** Read a possibly double-quoted name at `start`; stops at `->`, or at any char in `stop`. */
export function readName(text: string, start: number, stop: string): { name: string; end: number } | null {
  let i = start;
  if (text[i] === '"') {
    let out = '';
    i++;
    while (i < text.length && text[i] !== '"') {
      if (text[i] === '\\' && i + 1 < text.length) i++;
      out += text[i];
      i++;
    }
    if (text[i] !== '"') return null;
    return { name: out, end: i + 1 };
  }
  while (i < text.length && !(text[i] === '-' && text[i + 1] === '>') && !stop.includes(text[i]!)) i++;
  const name = text.slice(start, i).trim();
  return name === '' ? null : { name, end: i };
}

/** PostgREST's JSON key: quoted, or runs of anything but `(-:.,>)` joined by dashes not starting an arrow. */
function readJsonKey(text: string, start: number): { name: string; end: number } | null {
  if (text[start] === '"') return readName(text, start, '');
  let i = start;
  const keyChar = (c: string | undefined): boolean => c !== undefined && !'(-:.,>)'.includes(c);
  for (;;) {
    const from = i;
    while (keyChar(text[i])) i++;
    if (i === from) return from === start ? null : { name: text.slice(start, from - 1).trim(), end: from - 1 };
    if (text[i] === '-' && text[i + 1] !== '>') i++;
    else return { name: text.slice(start, i).trim(), end: i };
  }
}

/** A JSON array index ends at `->`, `::`, `.`, `,` or the end of the text; else it is a key. */
const indexEnds = (text: string, i: number): boolean =>
  i === text.length || text.startsWith('->', i) || text.startsWith('::', i) || text[i] === '.' || text[i] === ',';

/** Where a field's text sits in the parameter value that error messages show. */
export interface Shown {
  readonly value: string;
  readonly offset: number;
}

/** Parse a field with its JSON path starting at `start`; returns where it ended. */
export function scanField(text: string, start: number, stop: string, what: string, shown?: Shown): Result<{ field: Field; end: number }> {
  const at = (i: number, expecting: string): ApiError =>
    shown === undefined ? unexpected(what, i, text, expecting) : unexpected(what, shown.offset + i, shown.value, expecting);
  const head = readName(text, start, stop);
  if (head === null) return fail(at(start, 'field name (* or [a..z0..9_$])'));
  let i = head.end;
  const json: JsonStep[] = [];
  while (text.startsWith('->', i)) {
    // PostgreSQL's parser would overflow its stack on a path thousands of steps long.
    if (json.length === MAX_NESTING) return fail(unexpected(what, i, text, `at most ${MAX_NESTING} json path steps`));
    const arrow = text.startsWith('->>', i) ? '->>' : '->';
    i += arrow.length;
    // PostgREST tries an index (`-`? digits, then a path end) before a key, and reports the
    // failure that got furthest.
    let d = text[i] === '-' ? i + 1 : i;
    const digits = d;
    while (d < text.length && text[d]! >= '0' && text[d]! <= '9') d++;
    if (d > digits && indexEnds(text, d)) {
      json.push({ arrow, key: text.slice(i, d), index: true });
      i = d;
      continue;
    }
    const key = readJsonKey(text, i);
    if (key === null) {
      if (d > digits) return fail(shown === undefined ? unexpectedAfterIndex(what, d, text) : unexpectedAfterIndex(what, shown.offset + d, shown.value));
      if (digits > i) return fail(at(digits, 'digit'));
      return fail(at(i, '"-", digit or any non reserved character different from: .,>()'));
    }
    json.push({ arrow, key: key.name, index: false });
    i = key.end;
  }
  return ok({ field: { name: head.name, json }, end: i });
}

/** Parsec's message when digits are followed by something that does not end an index. */
const unexpectedAfterIndex = (what: string, at: number, value: string): ApiError =>
  parseError(`"failed to parse ${what} (${value})" (line 1, column ${at + 1})`, `unexpected '${value[at]}' expecting digit, "->", "::", ".", "," or end of input`);

/** The name PostgREST gives a JSON path column: its last key, or the column's when that is an index. */
export function fieldOutputName(f: Field): string {
  const last = f.json[f.json.length - 1];
  if (last === undefined) return f.name;
  if (!last.index) return last.key;
  for (let k = f.json.length - 1; k >= 0; k--) if (!f.json[k]!.index) return f.json[k]!.key;
  return f.name;
}

/** A whole string as one field. */
export function parseField(text: string, what: string, shown?: Shown): Result<Field> {
  const r = scanField(text, 0, ':', what, shown);
  if (!r.ok) return r;
  if (r.value.end !== text.length) {
    return fail(shown === undefined ? unexpected(what, r.value.end, text, '"->", "->>" or end of input') : unexpected(what, shown.offset + r.value.end, shown.value, '"->", "->>" or end of input'));
  }
  return ok(r.value.field);
}

/** Canonical text of a field for plan-cache shapes (names kept, JSON keys kept: they are SQL-shaping). */
export function fieldShape(f: Field): string {
  return JSON.stringify(f.name) + f.json.map((s) => s.arrow + (s.index ? '#' : '$')).join('');
}

/**
 * How deep `(…)` may nest in a select or logic tree. PostgREST sets no limit, but recursion
 * this deep would overflow the stack of the parser, the planner and PostgreSQL's own.
 */
export const MAX_NESTING = 100;

/**
 * A PGRST100 error when `value` nests parentheses (outside double quotes) deeper than
 * MAX_NESTING, pointing at the first one too deep; else null. One linear scan, run before
 * the recursive parsers so they never see such input.
 */
export function nestingError(what: string, value: string): ApiError | null {
  if (value.length <= MAX_NESTING * 2) return null;
  let depth = 0;
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (quoted) {
      if (c === 0x5c) i++; // backslash escape
      else if (c === 0x22) quoted = false;
    } else if (c === 0x22) quoted = true;
    else if (c === 0x28 && ++depth > MAX_NESTING) {
      return parseError(
        `"failed to parse ${what} (${value})" (line 1, column ${i + 1})`,
        `unexpected "(" expecting at most ${MAX_NESTING} levels of nesting`,
      );
    } else if (c === 0x29) depth--;
  }
  return null;
}
