// The SQL fragment builder: the only place SQL text is assembled.
// Identifiers pass through ident() (quoted once, here); values only through param(), which
// becomes a $n placeholder. Raw text is limited to literals written in this codebase.

const RAW = Symbol('raw');

/** A piece of SQL: text chunks interleaved with parameter values. */
export interface Sql {
  readonly [RAW]: true;
  readonly parts: readonly (string | Param)[];
}

interface Param {
  readonly value: string | null;
}

export type SqlPart = Sql | string;

/** Quote an identifier the way PostgreSQL's quote_ident does, always quoting. */
export function quoteIdent(name: string): string {
  return '"' + name.replace(/"/g, '""') + '"';
}

function isSql(x: unknown): x is Sql {
  return typeof x === 'object' && x !== null && (x as { [RAW]?: unknown })[RAW] === true;
}

function make(parts: (string | Param)[]): Sql {
  return { [RAW]: true, parts };
}

/**
 * Tagged template for SQL written in this codebase. Interpolations must be Sql fragments
 * (from ident, param, join, raw keywords); a bare string is refused so that user input can
 * never become SQL text by accident.
 */
export function sql(strings: TemplateStringsArray, ...values: readonly Sql[]): Sql {
  const parts: (string | Param)[] = [];
  for (let i = 0; i < strings.length; i++) {
    parts.push(strings[i]!);
    if (i < values.length) {
      const v: unknown = values[i];
      if (!isSql(v)) {
        throw new TypeError('sql``: interpolate ident(), param() or another sql`` fragment, never a raw value');
      }
      for (const p of v.parts) parts.push(p);
    }
  }
  return make(parts);
}

/** A quoted identifier, optionally schema-qualified: ident('api', 'todos') → "api"."todos". */
export function ident(...names: readonly string[]): Sql {
  return make([names.map(quoteIdent).join('.')]);
}

/** A value sent as a text-format parameter. */
export function param(value: string | null): Sql {
  return make([{ value }]);
}

/**
 * A name from the schema cache (a column's, never request text) as a string literal: the JSON
 * keys of a merged-defaults object, which PostgreSQL then shows in plans as PostgREST writes
 * them. Quoted as PostgREST's pgFmtLit: quotes doubled, and E'' with backslashes doubled when
 * the name holds one, so the literal reads the same whatever standard_conforming_strings says.
 */
export function nameLiteral(name: string): Sql {
  const quoted = "'" + name.replace(/\0/g, '').replace(/'/g, "''") + "'";
  return make([quoted.includes('\\') ? 'E' + quoted.replace(/\\/g, '\\\\') : quoted]);
}

/** Keyword-level text chosen by code from a closed set (operators, ASC/DESC …). */
export function keyword(text: string): Sql {
  return make([text]);
}

export const empty: Sql = make([]);

export function join(items: readonly Sql[], separator: string): Sql {
  const parts: (string | Param)[] = [];
  items.forEach((item, i) => {
    if (i > 0) parts.push(separator);
    for (const p of item.parts) parts.push(p);
  });
  return make(parts);
}

/** Fragments one after another, in time linear in their parts (no separator). */
export function concat(items: readonly Sql[]): Sql {
  const parts: (string | Param)[] = [];
  for (const item of items) for (const p of item.parts) parts.push(p);
  return make(parts);
}

export function isEmpty(s: Sql): boolean {
  return s.parts.every((p) => p === '');
}

export interface Compiled {
  readonly text: string;
  readonly params: readonly (string | null)[];
}

/** Number parameters in order of appearance; the text depends only on the fragment's shape. */
export function compile(s: Sql): Compiled {
  let text = '';
  const params: (string | null)[] = [];
  for (const p of s.parts) {
    if (typeof p === 'string') text += p;
    else {
      params.push(p.value);
      text += '$' + params.length;
    }
  }
  return { text, params };
}

/** The parameters of a fragment whose text is already known (a plan-cache hit). */
export function collectParams(s: Sql): (string | null)[] {
  const params: (string | null)[] = [];
  for (const p of s.parts) if (typeof p !== 'string') params.push(p.value);
  return params;
}
