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

/**
 * PostgREST's unquoted name characters (`pIdentifierChar`): a Unicode letter (Haskell's isAlpha
 * is the L categories), an ASCII digit, `_`, a space or `$`. Anything else (`'`, `;`, `[`, a
 * tab, …) ends the name, and what follows must fit the grammar around it.
 */
const IDENT_RUN = /[\p{L}0-9_ $]+/uy;

/** The end of the identifier run at `i` (i itself when there is none). */
function identRun(text: string, i: number): number {
  IDENT_RUN.lastIndex = i;
  return IDENT_RUN.test(text) ? IDENT_RUN.lastIndex : i;
}

/** A name read by readName, or where it failed: at its start (no name) or after a dash. */
export type NameRead = { readonly name: string; readonly end: number } | null | { readonly afterDash: number };

/** The read when it is a complete name (not a failure). */
export const isName = (r: NameRead): r is { readonly name: string; readonly end: number } => r !== null && 'name' in r;

/**
 * PostgREST's field name (`pFieldName`) at `start`: `"quoted"` (backslash escapes any char), or
 * identifier runs joined by dashes that do not start an arrow, each run trimmed. Null when no
 * name starts there; `afterDash` when a dash is followed by no identifier (Parsec has consumed it).
 */
export function readName(text: string, start: number): NameRead {
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
  const parts: string[] = [];
  for (;;) {
    const end = identRun(text, i);
    if (end === i) return parts.length === 0 ? null : { afterDash: i };
    parts.push(text.slice(i, end).trim());
    i = end;
    if (text[i] === '-' && text[i + 1] !== '>') i++;
    else {
      const name = parts.join('-');
      // A name of spaces alone trims to nothing: no name (PostgreSQL has no empty identifier).
      return name === '' ? null : { name, end: i };
    }
  }
}

/** readName when the name must fill `text` exactly (aliases, hints, embed names); else null. */
export function wholeName(text: string): string | null {
  const r = readName(text, 0);
  return isName(r) && r.end === text.length ? r.name : null;
}

/** Haskell's `show` of a Char, as Parsec's `unexpected` prints it next to `end of input`. */
export function showChar(c: string): string {
  if (c === "'") return "'\\''";
  if (c === '\\') return "'\\\\'";
  if (c === '\n') return "'\\n'";
  if (c === '\t') return "'\\t'";
  const code = c.codePointAt(0)!;
  return code >= 0x20 && code < 0x7f ? `'${c}'` : `'\\${code}'`;
}

/** The character at `i` (a whole code point) for error messages. */
export const charAt = (text: string, i: number): string => String.fromCodePoint(text.codePointAt(i)!);

/** A PGRST100 at `at` where Parsec's alternatives included `end of input` (its `'c'` form). */
export const unexpectedChar = (what: string, at: number, value: string, expecting: string): ApiError =>
  parseError(
    `"failed to parse ${what} (${value})" (line 1, column ${at + 1})`,
    `unexpected ${at >= value.length ? 'end of input' : showChar(charAt(value, at))} expecting ${expecting}`,
  );

/** What Parsec expects after a dash that no identifier follows. */
export const AFTER_DASH = 'letter or digit';
/** What Parsec expects after a select field's name (no JSON path): name, path, cast, aggregate or end. */
export const AFTER_SELECT_NAME = 'letter, digit, "-", "->>", "->", "::", ".", ")", "," or end of input';

/** PostgREST's JSON key: quoted, or runs of anything but `(-:.,>)` joined by dashes not starting an arrow. */
function readJsonKey(text: string, start: number): { name: string; end: number } | null {
  if (text[start] === '"') {
    const q = readName(text, start);
    return isName(q) ? q : null;
  }
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
export function scanField(text: string, start: number, what: string, shown?: Shown): Result<{ field: Field; end: number }> {
  const at = (i: number, expecting: string): ApiError =>
    shown === undefined ? unexpected(what, i, text, expecting) : unexpected(what, shown.offset + i, shown.value, expecting);
  const head = readName(text, start);
  if (head === null) return fail(at(start, 'field name (* or [a..z0..9_$])'));
  if (!isName(head)) return fail(at(head.afterDash, AFTER_DASH));
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

/**
 * A whole string as one field (a select item's). After a bare name Parsec expects more of the
 * name, a path, a cast, an aggregate or the item's end; after a path, more path.
 */
export function parseField(text: string, what: string, shown?: Shown): Result<Field> {
  const r = scanField(text, 0, what, shown);
  if (!r.ok) return r;
  const { field, end } = r.value;
  if (end !== text.length) {
    const bare = field.json.length === 0;
    const make = bare ? unexpectedChar : unexpected;
    const expecting = bare ? AFTER_SELECT_NAME : '"->", "->>" or end of input';
    return fail(shown === undefined ? make(what, end, text, expecting) : make(what, shown.offset + end, shown.value, expecting));
  }
  return ok(field);
}

/**
 * A filter key's field (PostgREST's `pTreePath` without the embed path): the name and its JSON
 * path; Parsec does not ask for the end of the input there, so whatever follows is ignored
 * (`id'=eq.1` filters `id`), while a key that starts with no name is a PGRST100.
 */
export function parseTreeField(text: string, shown?: Shown): Result<Field> {
  const r = scanField(text, 0, 'tree path', shown);
  return r.ok ? ok(r.value.field) : r;
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
