// Field names in the URL grammar: `name`, `"quoted.name"`, JSON paths `data->a->>b`, `arr->0`,
// and the PGRST100 error shape every grammar rule shares (PostgREST's parser wording).
// Pure; knows nothing about the schema.

import { fail, ok, parseError, type ApiError, type Result } from './errors.js';
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

/** Parse a field with its JSON path starting at `start`; returns where it ended. */
export function scanField(text: string, start: number, stop: string, what: string): Result<{ field: Field; end: number }> {
  const head = readName(text, start, stop);
  if (head === null) return fail(unexpected(what, start, text, 'field name (* or [a..z0..9_$])'));
  let i = head.end;
  const json: JsonStep[] = [];
  while (text.startsWith('->', i)) {
    // PostgreSQL's parser would overflow its stack on a path thousands of steps long.
    if (json.length === MAX_NESTING) return fail(unexpected(what, i, text, `at most ${MAX_NESTING} json path steps`));
    const arrow = text.startsWith('->>', i) ? '->>' : '->';
    i += arrow.length;
    const key = readName(text, i, stop);
    if (key === null) return fail(unexpected(what, i, text, 'json path key'));
    json.push({ arrow, key: key.name, index: /^-?\d+$/.test(key.name) });
    i = key.end;
  }
  return ok({ field: { name: head.name, json }, end: i });
}

/** A whole string as one field. */
export function parseField(text: string, what: string): Result<Field> {
  const r = scanField(text, 0, ':', what);
  if (!r.ok) return r;
  if (r.value.end !== text.length) return fail(unexpected(what, r.value.end, text, '"->", "->>" or end of input'));
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
