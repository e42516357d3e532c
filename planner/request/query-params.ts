// The URL grammar: query string → select list, conditions, order, limit/offset.
// Pure and deterministic; errors are PGRST100 with PostgREST-style messages. Knows nothing
// about the schema: whether a column exists is the planner's question.

import { apiError, fail, ok, parseError, type Result } from '../errors.js';
import { charAt, fieldShape, isName, nestingError, parseField, parseTreeField, readName, scanField, showChar, unexpected, wholeName } from './field.js';
import { conditionShape, parseLogicTree, parseOperation } from './filter-grammar.js';
import { openParen, parseEmbed } from './embed-grammar.js';
import { lenientDecode } from './url-decode.js';
import { parseEmbedParam, splitEmbedKey, type EmbedParam } from './embed-params.js';
import type { AggregateFn, OrderTerm, ScopedCondition, SelectItem } from './types.js';

export interface QueryParams {
  readonly select: readonly SelectItem[];
  readonly filters: readonly ScopedCondition[];
  readonly order: readonly OrderTerm[];
  readonly limit: number | null;
  readonly offset: number | null;
  /** Parameter names and operators without values, in URL order: part of the plan-cache key. */
  readonly shape: readonly string[];
  /** `rel.order`, `rel.limit`, `rel.offset`. */
  readonly embedParams: readonly EmbedParam[];
  /** Some select item is an aggregate function call. */
  readonly aggregates: boolean;
}

const RESERVED: ReadonlySet<string> = new Set(['select', 'order', 'limit', 'offset', 'columns', 'on_conflict']);

/** Decode application/x-www-form-urlencoded pairs as PostgREST does ('+' is a space). */
export function splitQuery(query: string): [string, string][] {
  const out: [string, string][] = [];
  if (query === '') return out;
  for (const piece of query.split('&')) {
    if (piece === '') continue;
    const eq = piece.indexOf('=');
    const rawKey = eq < 0 ? piece : piece.slice(0, eq);
    const rawVal = eq < 0 ? '' : piece.slice(eq + 1);
    out.push([decode(rawKey), decode(rawVal)]);
  }
  return out;
}

function decode(s: string): string {
  const plus = s.includes('+') ? s.replace(/\+/g, ' ') : s;
  return lenientDecode(plus);
}

/** PostgREST's canonical query string (Content-Location): pairs sorted by name, re-encoded. */
export function canonicalQuery(pairs: readonly (readonly [string, string])[]): string {
  const enc = (s: string): string => encodeURIComponent(s).replace(/%2C/g, ',').replace(/%3A/g, ':').replace(/%2A/g, '*');
  return [...pairs]
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .map(([k, v]) => enc(k) + '=' + enc(v))
    .join('&');
}

/**
 * Where PostgREST's select parser stops on its own: after an embed's closing `)` followed by
 * anything but `,` or `)` (spaces skipped), its item list simply ends, and the rest of the
 * value is ignored (`projects(count)'`). Top level only: inside an embed the next character
 * must be its `)`. -1 when it reads to the end.
 */
function selectEnd(value: string): number {
  let depth = 0;
  let quoted = false;
  let open = -1;
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (c === '"') quoted = !quoted;
    else if (quoted) continue;
    else if (c === '(') {
      if (depth++ === 0) open = i;
    } else if (c === ')' && depth > 0 && --depth === 0) {
      // An aggregate call (`count()`, `col.sum()`) may go on with its cast.
      if (i === open + 1 && AGGREGATE_CALL.test(value.slice(0, open))) continue;
      let j = i + 1;
      while (value[j] === ' ') j++;
      if (j < value.length && value[j] !== ',' && value[j] !== ')') return i + 1;
    }
  }
  return -1;
}

/** Text before the `(` of an aggregate call: `count`, or a field and `.fn`. */
const AGGREGATE_CALL = /(?:^|[,:\s])count$|\.(?:count|sum|avg|min|max)$/;

/** The top-level select: up to where PostgREST's parser stops (selectEnd). */
function parseTopSelect(value: string): Result<SelectItem[]> {
  const end = selectEnd(value);
  return parseSelect(value, end < 0 ? value.length : end);
}

/** The select items of `value` up to `end` (error messages show the whole value). */
function parseSelect(value: string, end = value.length): Result<SelectItem[]> {
  const items: SelectItem[] = [];
  if (value.trim() === '') return ok([{ kind: 'star' }]);
  for (const raw of splitTopLevel(end === value.length ? value : value.slice(0, end))) {
    const piece = raw.trim();
    if (piece === '*') {
      items.push({ kind: 'star' });
      continue;
    }
    const paren = piece.includes('(') ? openParen(piece) : -1;
    if (paren >= 0) {
      // Only pieces with parentheses can be aggregates, so plain columns never pay for the test.
      const agg = parseAggregate(piece, value);
      if (agg !== null) {
        if (!agg.ok) return agg;
        items.push(agg.value);
        continue;
      }
    }
    // `data->(…` is a JSON path gone wrong, not an embed: PostgREST's field parser reports it.
    if (paren >= 0 && !piece.slice(0, paren).includes('->')) {
      const embed = parseEmbed(piece, value, Math.max(0, value.indexOf(piece)), (inner) => parseSelect(inner));
      if (!embed.ok) return embed;
      items.push(embed.value);
      continue;
    }
    let alias: string | null = null;
    let rest = piece;
    let colon = findAliasColon(piece);
    // An alias is a field name; when the text before `:` is none, PostgREST reads no alias and
    // its field parser stops at the first character no name has.
    const aliasName = colon > 0 ? wholeName(piece.slice(0, colon).trim()) : null;
    if (aliasName === null) colon = -1;
    else {
      alias = aliasName;
      rest = piece.slice(colon + 1);
    }
    let cast: string | null = null;
    const castAt = rest.lastIndexOf('::');
    if (castAt >= 0) {
      cast = rest.slice(castAt + 2).trim();
      rest = rest.slice(0, castAt);
      if (!/^[A-Za-z_][A-Za-z0-9_ ]*(\[\])?$/.test(cast)) {
        return fail(unexpected('select parameter', value.indexOf(piece) + piece.length, value, 'cast type'));
      }
    }
    const trimmed = rest.trim();
    const pieceAt = Math.max(0, value.indexOf(piece));
    const fieldAt = pieceAt + (colon > 0 ? colon + 1 : 0) + (rest.length - rest.trimStart().length);
    const field = parseField(trimmed, 'select parameter', { value, offset: fieldAt });
    if (!field.ok) return field;
    items.push({ kind: 'field', field: field.value, alias, cast });
  }
  return ok(items);
}

const AGGREGATE = /^(?:(.*)\.)?(count|sum|avg|min|max)\(\)(?:::(.*))?$/s;
const CAST = /^[A-Za-z_][A-Za-z0-9_ ]*(\[\])?$/;

/** `[alias:][field[::cast].]fn()[::cast]`, or null when the piece is not an aggregate. */
function parseAggregate(piece: string, value: string): Result<SelectItem> | null {
  // Embeds with columns never contain `()`: they skip the alias scan and the pattern.
  if (!piece.includes('()')) return null;
  const colon = findAliasColon(piece);
  const alias = colon > 0 ? wholeName(piece.slice(0, colon).trim()) : null;
  // Text before `:` that is no field name is no alias: the piece is then no aggregate either.
  if (colon > 0 && alias === null) return null;
  const rest = colon > 0 ? piece.slice(colon + 1).trim() : piece;
  const m = AGGREGATE.exec(rest);
  // `sum()` alone names an embed, as in PostgREST; only `count()` stands without a column.
  if (m === null || (m[1] === undefined && m[2] !== 'count')) return null;
  const at = Math.max(0, value.indexOf(piece));
  const cast = m[3] === undefined ? null : m[3].trim();
  if (cast !== null && !CAST.test(cast)) return fail(unexpected('select parameter', at + piece.length, value, 'cast type'));
  let field = null;
  let inputCast: string | null = null;
  if (m[1] !== undefined) {
    let input = m[1];
    const castAt = input.lastIndexOf('::');
    if (castAt >= 0) {
      inputCast = input.slice(castAt + 2).trim();
      input = input.slice(0, castAt);
      if (!CAST.test(inputCast)) return fail(unexpected('select parameter', at + piece.length, value, 'cast type'));
    }
    const parsed = parseField(input.trim(), 'select parameter');
    if (!parsed.ok) return fail(unexpected('select parameter', at, value, 'field name (* or [a..z0..9_$])'));
    field = parsed.value;
  }
  return ok({ kind: 'aggregate', fn: m[2] as AggregateFn, field, inputCast, alias, cast });
}

/** Whether a parsed select list uses an aggregate at any depth. */
export function hasAggregates(items: readonly SelectItem[]): boolean {
  return items.some((i) => i.kind === 'aggregate' || (i.kind === 'embed' && hasAggregates(i.select)));
}

/** The first single ':' outside quotes that is not part of '::'. */
function findAliasColon(s: string): number {
  let quoted = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '"') quoted = !quoted;
    else if (!quoted && c === ':') {
      if (s[i + 1] === ':') return -1;
      return i;
    }
  }
  return -1;
}

function splitTopLevel(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '"') quoted = !quoted;
    else if (quoted) continue;
    else if (c === '(') depth++;
    else if (c === ')') {
      // PostgREST's parser stops at an unmatched `)` and ignores the rest of the value.
      if (depth === 0) {
        out.push(s.slice(start, i));
        return out;
      }
      depth--;
    } else if (c === ',' && depth === 0) {
      out.push(s.slice(start, i));
      start = i + 1;
    }
  }
  out.push(s.slice(start));
  return out;
}

/** Spaces and tabs (PostgREST's `ws`) from `i`. */
function skipWs(value: string, i: number): number {
  while (value[i] === ' ' || value[i] === '\t') i++;
  return i;
}

/** Where Parsec's `string word` at `i` fails: the first character that differs (its `tokens`). */
function mismatch(value: string, i: number, word: string): string {
  for (let k = 0; k < word.length; k++) {
    if (value[i + k] !== word[k]) return i + k >= value.length ? 'end of input' : JSON.stringify(value[i + k]);
  }
  return 'end of input';
}

/** A term's `.asc`/`.desc` and `.nullsfirst`/`.nullslast` from `i`, up to `,` or the end. */
function orderModifiers(value: string, i: number, afterField: string): Result<{ direction: OrderTerm['direction']; nulls: OrderTerm['nulls']; end: number }> {
  const at = (k: number, unexpectedText: string, expecting: string): Result<never> =>
    fail(parseError(`"failed to parse order (${value})" (line 1, column ${k + 1})`, `unexpected ${unexpectedText} expecting ${expecting}`));
  const ends = (k: number): boolean => k === value.length || value[k] === ',';
  const endErr = (k: number, expecting: string): Result<never> => at(k, k >= value.length ? 'end of input' : showChar(charAt(value, k)), expecting);
  let direction: OrderTerm['direction'] = null;
  let nulls: OrderTerm['nulls'] = null;
  // PostgREST tries `.asc`/`.desc`, then `.nullsfirst`/`.nullslast`, then the term's end.
  const word = (k: number, words: readonly string[]): string | null =>
    value[k] === '.' ? (words.find((w) => value.startsWith(w, k + 1)) ?? null) : null;
  const dir = word(i, ['asc', 'desc']);
  if (dir !== null) {
    direction = dir as 'asc' | 'desc';
    i += 1 + dir.length;
  }
  const n = word(i, ['nullsfirst', 'nullslast']);
  if (n !== null) {
    nulls = n === 'nullsfirst' ? 'first' : 'last';
    i += 1 + n.length;
    return ends(i) ? ok({ direction, nulls, end: i }) : endErr(i, '"," or end of input');
  }
  if (ends(i)) return ok({ direction, nulls, end: i });
  if (value[i] === '.') {
    const words = direction === null ? '"asc", "desc", "nullsfirst" or "nullslast"' : '"nullsfirst" or "nullslast"';
    return at(i + 1, mismatch(value, i + 1, direction === null ? 'asc' : 'nullsfirst'), words);
  }
  return endErr(i, direction === null ? `${afterField}delimiter (.), "," or end of input` : 'delimiter (.), "," or end of input');
}

/**
 * PostgREST's `pOrder`: comma-separated `field[.asc|.desc][.nullsfirst|.nullslast]` or
 * `rel(field)…` (a to-one embed's column). A relation term that goes wrong after its `(` is
 * read again as a plain field, which then fails at the `(`, as Parsec's backtracking does.
 */
function parseOrder(value: string): Result<OrderTerm[]> {
  const terms: OrderTerm[] = [];
  let i = 0;
  for (;;) {
    i = skipWs(value, i);
    const related = relationTerm(value, i);
    if (related !== null) {
      terms.push(related.term);
      i = related.end;
    } else {
      const scanned = scanField(value, i, 'order');
      if (!scanned.ok) return scanned;
      const { field, end } = scanned.value;
      const mods = orderModifiers(value, skipWs(value, end), field.json.length === 0 ? 'letter, digit, "-", "->>", "->", ' : '"->>", "->", ');
      if (!mods.ok) return mods;
      terms.push({ field, direction: mods.value.direction, nulls: mods.value.nulls });
      i = mods.value.end;
    }
    if (i >= value.length) return ok(terms);
    i++; // the `,` orderModifiers stopped at
  }
}

/** `rel(field)` with its modifiers at `i`, or null when the text there is no such term. */
function relationTerm(value: string, i: number): { term: OrderTerm; end: number } | null {
  const rel = readName(value, i);
  if (!isName(rel) || value[rel.end] !== '(') return null;
  const inner = scanField(value, skipWs(value, rel.end + 1), 'order');
  if (!inner.ok) return null;
  const close = skipWs(value, inner.value.end);
  if (value[close] !== ')') return null;
  const mods = orderModifiers(value, close + 1, '');
  if (!mods.ok) return null;
  return { term: { field: inner.value.field, relation: rel.name, direction: mods.value.direction, nulls: mods.value.nulls }, end: mods.value.end };
}

/** An embed's `rel.limit` / `rel.offset`: a non-negative integer. */
function parseNonNegative(name: 'limit' | 'offset', value: string): Result<number> {
  // PostgREST reads a negative limit as a number and refuses the range it makes.
  if (name === 'limit' && /^-\d+$/.test(value)) {
    return fail(apiError(416, 'PGRST103', 'Requested range not satisfiable', 'Limit should be greater than or equal to zero.'));
  }
  if (!/^\d+$/.test(value)) {
    return fail(parseError(`"failed to parse ${name} parameter (${value})" (line 1, column 1)`, `unexpected ${JSON.stringify(value[0] ?? '')} expecting digit`));
  }
  return outOfRange(name, value) ?? ok(Number(value));
}

/** Past 2^53 a JS number is no longer the value sent: PGRST100 naming the text as given. */
function outOfRange(name: 'limit' | 'offset', value: string): Result<never> | null {
  if (Number.isSafeInteger(Number(value.trim()))) return null;
  return fail(parseError(`"failed to parse ${name} parameter (${value})" (line 1, column 1)`, `${name} is out of range (at most ${Number.MAX_SAFE_INTEGER})`));
}

/** Parameters whose value names columns (a NUL there cannot reach PostgreSQL as an identifier). */
const NAMING: ReadonlySet<string> = new Set(['select', 'order', 'columns', 'on_conflict']);

/**
 * A NUL in a column name, select or order: PostgREST's parser stops at it (400 PGRST100);
 * sent on, PostgreSQL would refuse the whole message (08P01) and drop the connection.
 */
function nulError(key: string, value: string): Result<never> | null {
  const inKey = key.indexOf('\0');
  if (inKey >= 0) return fail(parseError(`"failed to parse tree path (${key})" (line 1, column ${inKey + 1})`, 'unexpected "\\NUL"'));
  const name = key.slice(key.lastIndexOf('.') + 1);
  const inValue = NAMING.has(name) ? value.indexOf('\0') : -1;
  if (inValue >= 0) return fail(parseError(`"failed to parse ${name} parameter (${value})" (line 1, column ${inValue + 1})`, 'unexpected "\\NUL"'));
  return null;
}

/** PostgREST reads the top-level limit/offset as integers (readMaybe) and ignores anything else. */
function parseInteger(value: string): number | null {
  const t = value.trim();
  return /^-?\d+$/.test(t) && Number.isSafeInteger(Number(t)) ? Number(t) : null;
}

export function parseQueryParams(pairs: readonly (readonly [string, string])[]): Result<QueryParams> {
  let select: SelectItem[] = [{ kind: 'star' }];
  const filters: ScopedCondition[] = [];
  let order: OrderTerm[] = [];
  let limit: number | null = null;
  let offset: number | null = null;
  const shape: string[] = [];
  const embedParams: EmbedParam[] = [];
  let aggregates = false;
  for (const [key, value] of pairs) {
    if (key.includes('\0') || value.includes('\0')) {
      const nul = nulError(key, value);
      if (nul !== null) return nul;
    }
    if (key === 'select') {
      const deep = nestingError('select parameter', value);
      if (deep !== null) return fail(deep);
      const r = parseTopSelect(value);
      if (!r.ok) return r;
      select = r.value;
      // Every aggregate is written `…()`, so lists without one skip the walk.
      aggregates = value.includes('()') && hasAggregates(select);
      shape.push('select=' + value);
    } else if (key === 'order') {
      const r = parseOrder(value);
      if (!r.ok) return r;
      order = r.value;
      shape.push('order=' + r.value.map((t) => `${t.relation === undefined ? '' : JSON.stringify(t.relation) + '>'}${fieldShape(t.field)}.${t.direction ?? ''}.${t.nulls ?? ''}`).join(','));
    } else if (key === 'limit' || key === 'offset') {
      // Negative values are kept: range.ts gives them PostgREST's meaning.
      const n = parseInteger(value);
      if (n === null) {
        // An integer too large to hold is refused; anything else that is no integer is ignored.
        if (/^\s*-?\d+\s*$/.test(value)) {
          const big = outOfRange(key, value);
          if (big !== null) return big;
        }
        continue;
      }
      if (key === 'limit') limit = n;
      else offset = n;
    } else if (RESERVED.has(key)) {
      shape.push(key + '=' + value);
    } else {
      const logic = /^(not\.)?(and|or)$/.exec(key);
      if (logic !== null) {
        const tree = parseLogicTree(logic[2] as 'and' | 'or', logic[1] !== undefined, value);
        if (!tree.ok) return tree;
        filters.push({ path: [], condition: tree.value });
        shape.push(conditionShape(tree.value));
        continue;
      }
      const scoped = splitEmbedKey(key);
      if (scoped !== null) {
        const r = parseEmbedParam(scoped, key, value, parseOrder, parseNonNegative);
        if (!r.ok) return r;
        if (r.value.kind === 'condition') filters.push(r.value.scoped);
        else embedParams.push(r.value);
        shape.push(JSON.stringify(scoped.path) + '.' + r.value.shape);
        continue;
      }
      const field = parseTreeField(key);
      if (!field.ok) return field;
      const op = parseOperation(value);
      if (!op.ok) return op;
      const condition = { kind: 'filter', filter: { field: field.value, ...op.value } } as const;
      filters.push({ path: [], condition });
      shape.push(conditionShape(condition));
    }
  }
  return ok({ select, filters, order, limit, offset, shape, embedParams, aggregates });
}
