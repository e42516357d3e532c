// The URL grammar: query string → select list, filters, order, limit/offset.
// Pure and deterministic; errors are PGRST100 with PostgREST-style messages. Knows nothing
// about the schema: whether a column exists is the planner's question.

import { apiError, fail, ok, parseError, type ApiError, type Result } from './errors.js';
import type { Field, Filter, IsValue, JsonStep, Operation, OrderTerm, SelectItem, SimpleOperator } from './types.js';

export interface QueryParams {
  readonly select: readonly SelectItem[];
  readonly filters: readonly Filter[];
  readonly order: readonly OrderTerm[];
  readonly limit: number | null;
  readonly offset: number;
  /** `name=operator` pairs without values, in URL order: part of the plan-cache key. */
  readonly shape: readonly string[];
}

const SIMPLE_OPERATORS: ReadonlySet<string> = new Set<SimpleOperator>([
  'eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'like', 'ilike',
]);
const IS_VALUES: ReadonlySet<string> = new Set<IsValue>(['null', 'not_null', 'true', 'false', 'unknown']);
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
  if (!plus.includes('%')) return plus;
  try {
    return decodeURIComponent(plus);
  } catch {
    // Malformed escapes are kept literally, as a lenient URL decoder would.
    return plus;
  }
}

const unexpected = (what: string, at: number, value: string, expecting: string): ApiError =>
  parseError(
    `"failed to parse ${what} (${value})" (line 1, column ${at + 1})`,
    `unexpected ${at >= value.length ? 'end of input' : JSON.stringify(value[at])} expecting ${expecting}`,
  );

/** A field name with an optional JSON path: `name`, `data->a->>b`, `arr->0`, `"quoted.name"`. */
function parseField(text: string, what: string): Result<Field> {
  let i = 0;
  const readName = (): string | null => {
    if (text[i] === '"') {
      let out = '';
      i++;
      while (i < text.length && text[i] !== '"') {
        if (text[i] === '\\' && i + 1 < text.length) i++;
        out += text[i];
        i++;
      }
      if (text[i] !== '"') return null;
      i++;
      return out;
    }
    const start = i;
    while (i < text.length && !(text[i] === '-' && (text[i + 1] === '>')) && text[i] !== ':') i++;
    const name = text.slice(start, i).trim();
    return name === '' ? null : name;
  };
  const name = readName();
  if (name === null) return fail(unexpected(what, i, text, 'field name'));
  const json: JsonStep[] = [];
  while (i < text.length) {
    if (text.startsWith('->>', i)) i += 3;
    else if (text.startsWith('->', i)) i += 2;
    else break;
    const arrow = text[i - 1] === '>' && text[i - 2] === '>' ? '->>' : '->';
    const key = readName();
    if (key === null) return fail(unexpected(what, i, text, 'json path key'));
    json.push({ arrow, key, index: /^-?\d+$/.test(key) });
  }
  if (i !== text.length) return fail(unexpected(what, i, text, '"->", "->>" or end of input'));
  return ok({ name, json });
}

/** `in.(a,"b,c",d)` list values; backslash escapes inside quotes. */
function parseList(body: string, full: string): Result<string[]> {
  if (!body.startsWith('(') || !body.endsWith(')')) {
    return fail(unexpected('filter', full.length - body.length, full, '"("'));
  }
  const inner = body.slice(1, -1);
  const values: string[] = [];
  if (inner === '') return ok(values);
  let i = 0;
  while (i <= inner.length) {
    let value = '';
    if (inner[i] === '"') {
      i++;
      while (i < inner.length && inner[i] !== '"') {
        if (inner[i] === '\\' && i + 1 < inner.length) i++;
        value += inner[i];
        i++;
      }
      if (inner[i] !== '"') return fail(unexpected('filter', full.length - 1, full, '"\\""'));
      i++;
    } else {
      const start = i;
      while (i < inner.length && inner[i] !== ',') i++;
      value = inner.slice(start, i);
    }
    values.push(value);
    if (i >= inner.length) break;
    if (inner[i] !== ',') return fail(unexpected('filter', full.length - body.length + 1 + i, full, '","'));
    i++;
    if (i === inner.length) {
      values.push('');
      break;
    }
  }
  return ok(values);
}

/** `[not.]op.value` → Operation. */
export function parseOperation(value: string): Result<{ negated: boolean; operation: Operation }> {
  let rest = value;
  let negated = false;
  if (rest.startsWith('not.')) {
    negated = true;
    rest = rest.slice(4);
  }
  const dot = rest.indexOf('.');
  const op = dot < 0 ? rest : rest.slice(0, dot);
  const operand = dot < 0 ? null : rest.slice(dot + 1);
  const at = value.length - rest.length;
  if (operand === null) {
    return fail(unexpected('filter', value.length, value, SIMPLE_OPERATORS.has(op) || op === 'in' || op === 'is' ? '"."' : 'operator'));
  }
  if (SIMPLE_OPERATORS.has(op)) {
    return ok({ negated, operation: { kind: 'simple', op: op as SimpleOperator, value: operand } });
  }
  if (op === 'in') {
    const list = parseList(operand, value);
    if (!list.ok) return list;
    return ok({ negated, operation: { kind: 'in', values: list.value } });
  }
  if (op === 'is') {
    const v = operand.toLowerCase();
    if (!IS_VALUES.has(v)) return fail(unexpected('filter', at + 3, value, 'null or trilean value (unknown, true, false)'));
    return ok({ negated, operation: { kind: 'is', value: v as IsValue } });
  }
  return fail(unexpected('filter', at, value, 'operator (eq, gt, ...)'));
}

function parseSelect(value: string): Result<SelectItem[]> {
  const items: SelectItem[] = [];
  if (value.trim() === '') return ok([{ kind: 'star' }]);
  for (const raw of splitTopLevel(value)) {
    const piece = raw.trim();
    if (piece === '*') {
      items.push({ kind: 'star' });
      continue;
    }
    if (piece.includes('(')) {
      return fail(apiError(400, 'PGRST127', 'Feature not implemented', 'Resource embedding is not implemented yet'));
    }
    let alias: string | null = null;
    let rest = piece;
    const colon = findAliasColon(piece);
    if (colon > 0) {
      alias = piece.slice(0, colon).trim();
      rest = piece.slice(colon + 1);
    }
    let cast: string | null = null;
    const castAt = rest.lastIndexOf('::');
    if (castAt >= 0) {
      cast = rest.slice(castAt + 2).trim();
      rest = rest.slice(0, castAt);
      if (!/^[A-Za-z_][A-Za-z0-9_ ]*(\[\])?$/.test(cast)) {
        return fail(unexpected('select', value.indexOf(piece) + piece.length, value, 'cast type'));
      }
    }
    const field = parseField(rest.trim(), 'select');
    if (!field.ok) return fail(unexpected('select', value.indexOf(piece), value, 'field name (* or [a..z0..9_$])'));
    items.push({ kind: 'field', field: field.value, alias, cast });
  }
  return ok(items);
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
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) {
      out.push(s.slice(start, i));
      start = i + 1;
    }
  }
  out.push(s.slice(start));
  return out;
}

function parseOrder(value: string): Result<OrderTerm[]> {
  const terms: OrderTerm[] = [];
  for (const piece of splitTopLevel(value)) {
    const parts = piece.split('.');
    let direction: OrderTerm['direction'] = null;
    let nulls: OrderTerm['nulls'] = null;
    // Modifiers are the trailing dot-separated words; the rest is the field.
    while (parts.length > 1) {
      const last = parts[parts.length - 1]!;
      if ((last === 'asc' || last === 'desc') && direction === null && nulls === null) direction = last;
      else if ((last === 'nullsfirst' || last === 'nullslast') && nulls === null && direction === null) {
        nulls = last === 'nullsfirst' ? 'first' : 'last';
      } else break;
      parts.pop();
    }
    const field = parseField(parts.join('.'), 'order');
    if (!field.ok) return field;
    if (parts.length > 1 && !parts.join('.').startsWith('"')) {
      return fail(unexpected('order', piece.length, value, '"asc", "desc", "nullsfirst" or "nullslast"'));
    }
    terms.push({ field: field.value, direction, nulls });
  }
  return ok(terms);
}

function parseNonNegative(name: 'limit' | 'offset', value: string): Result<number> {
  if (!/^\d+$/.test(value)) {
    return fail(parseError(`"failed to parse ${name} parameter (${value})" (line 1, column 1)`, `unexpected ${JSON.stringify(value[0] ?? '')} expecting digit`));
  }
  return ok(Number(value));
}

export function parseQueryParams(pairs: readonly (readonly [string, string])[]): Result<QueryParams> {
  let select: SelectItem[] = [{ kind: 'star' }];
  const filters: Filter[] = [];
  let order: OrderTerm[] = [];
  let limit: number | null = null;
  let offset = 0;
  const shape: string[] = [];
  for (const [key, value] of pairs) {
    if (key === 'select') {
      const r = parseSelect(value);
      if (!r.ok) return r;
      select = r.value;
      shape.push('select=' + value);
    } else if (key === 'order') {
      const r = parseOrder(value);
      if (!r.ok) return r;
      order = r.value;
      shape.push('order=' + value);
    } else if (key === 'limit') {
      const r = parseNonNegative('limit', value);
      if (!r.ok) return r;
      limit = r.value;
      shape.push('limit');
    } else if (key === 'offset') {
      const r = parseNonNegative('offset', value);
      if (!r.ok) return r;
      offset = r.value;
      shape.push('offset');
    } else if (RESERVED.has(key)) {
      shape.push(key + '=' + value);
    } else if (key === 'or' || key === 'and' || key === 'not.or' || key === 'not.and') {
      return fail(apiError(400, 'PGRST127', 'Feature not implemented', 'Logic trees (or/and) are not implemented yet'));
    } else {
      if (key.includes('.') && !key.startsWith('"')) {
        return fail(apiError(400, 'PGRST127', 'Feature not implemented', 'Filters on embedded resources are not implemented yet'));
      }
      const field = parseField(key, 'filter');
      if (!field.ok) return field;
      const op = parseOperation(value);
      if (!op.ok) return op;
      filters.push({ field: field.value, negated: op.value.negated, operation: op.value.operation });
      shape.push(key + '=' + operationShape(op.value.negated, op.value.operation));
    }
  }
  return ok({ select, filters, order, limit, offset, shape });
}

function operationShape(negated: boolean, o: Operation): string {
  const prefix = negated ? 'not.' : '';
  switch (o.kind) {
    case 'simple':
      return prefix + o.op;
    case 'in':
      return prefix + 'in';
    case 'is':
      return prefix + 'is.' + o.value;
  }
}
