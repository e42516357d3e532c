// The filter grammar: `[not.]op[(any|all)|(lang)].value` operations, `in.(…)` lists, and the
// `and=(…)`/`or=(…)` logic trees nested up to MAX_NESTING deep (spaces around their parts, and
// anything after the closing `)`, as PostgREST's parser lets through). Pure; errors are PGRST100 in PostgREST's
// wording. Shapes (operators without values) feed the plan-cache key.

import { fail, ok, parseError, type ApiError, type Result } from '../errors.js';
import { fieldShape, nestingError, readName, scanField, unexpected } from './field.js';
import type { Condition, FtsOperator, IsValue, Operation, PlainOperator, QuantOperator } from './types.js';

const QUANT: ReadonlySet<string> = new Set<QuantOperator>(['eq', 'gt', 'gte', 'lt', 'lte', 'like', 'ilike', 'match', 'imatch']);
const PLAIN: ReadonlySet<string> = new Set<PlainOperator>(['neq', 'isdistinct', 'cs', 'cd', 'ov', 'sl', 'sr', 'nxr', 'nxl', 'adj']);
const FTS: ReadonlySet<string> = new Set<FtsOperator>(['fts', 'plfts', 'phfts', 'wfts']);
const IS_VALUES: ReadonlySet<string> = new Set<IsValue>(['null', 'not_null', 'true', 'false', 'unknown']);
const OPERATOR_EXPECTING = 'operator (eq, gt, ...)';

/** `(a,"b,c",d)` list values; backslash escapes inside double quotes. `at` is the offset in `full`. */
export function parseList(body: string, full: string, at: number, what: string): Result<string[]> {
  if (body[0] !== '(') return fail(unexpected(what, at, full, '"("'));
  if (body[body.length - 1] !== ')') return fail(unexpected(what, at + body.length, full, '")"'));
  const inner = body.slice(1, -1);
  const values: string[] = [];
  // Blanks after `(` are skipped (PostgREST's lexeme), so `in.(  )` is the empty list too.
  let i = 0;
  while (inner[i] === ' ' || inner[i] === '\t') i++;
  if (i === inner.length) return ok(values);
  for (;;) {
    let value = '';
    const start = i;
    let quoted = false;
    if (inner[i] === '"') {
      i++;
      while (i < inner.length && inner[i] !== '"') {
        if (inner[i] === '\\' && i + 1 < inner.length) i++;
        value += inner[i];
        i++;
      }
      // A quoted element must end at `,` or `)`; otherwise it is read as a plain one.
      quoted = inner[i] === '"' && (i + 1 === inner.length || inner[i + 1] === ',');
      if (quoted) i++;
      else i = start;
    }
    if (!quoted) {
      while (i < inner.length && inner[i] !== ',') i++;
      value = inner.slice(start, i);
    }
    values.push(value);
    if (i >= inner.length) return ok(values);
    if (inner[i] !== ',') return fail(unexpected(what, at + 1 + i, full, '"," or ")"'));
    i++;
    if (i === inner.length) {
      values.push('');
      return ok(values);
    }
  }
}

/**
 * One operation from its operator token (`eq`, `eq(any)`, `fts(english)`) and operand text.
 * `at` is where the token starts in `full` (for error columns).
 */
function buildOperation(token: string, operand: string | null, full: string, at: number, what: string): Result<Operation> {
  const paren = token.indexOf('(');
  const op = paren < 0 ? token : token.slice(0, paren);
  let modifier: string | null = null;
  if (paren >= 0) {
    if (!token.endsWith(')')) return fail(unexpected(what, at + token.length, full, '")"'));
    modifier = token.slice(paren + 1, -1);
  }
  const known = QUANT.has(op) || PLAIN.has(op) || FTS.has(op) || op === 'in' || op === 'is';
  // At the very start a `not.` prefix was possible too, and PostgREST says so.
  if (!known) return fail(unexpected(what, at, full, at === 0 ? '"not" or ' + OPERATOR_EXPECTING : OPERATOR_EXPECTING));
  if (modifier !== null) {
    const fine = FTS.has(op) ? /^[A-Za-z0-9_]+$/.test(modifier) : QUANT.has(op) && (modifier === 'any' || modifier === 'all');
    if (!fine) return fail(unexpected(what, at + paren + 1, full, FTS.has(op) ? 'language' : '"any" or "all"'));
  }
  if (operand === null) return fail(unexpected(what, at + token.length, full, '"."'));
  const operandAt = at + token.length + 1;
  if (FTS.has(op)) return ok({ kind: 'fts', op: op as FtsOperator, language: modifier, value: operand });
  if (op === 'in') {
    const list = parseList(operand, full, operandAt, what);
    return list.ok ? ok({ kind: 'in', values: list.value }) : list;
  }
  if (op === 'is') {
    const v = operand.toLowerCase();
    if (!IS_VALUES.has(v)) return fail(unexpected(what, operandAt, full, 'null or trilean value (unknown, true, false)'));
    return ok({ kind: 'is', value: v as IsValue });
  }
  if (modifier !== null) {
    return ok({ kind: 'quant', op: op as QuantOperator, quantifier: modifier as 'any' | 'all', value: operand });
  }
  return ok({ kind: 'compare', op: op as QuantOperator | PlainOperator, value: operand });
}

/** `[not.]op.value` (a query-string filter value) → negation + Operation. */
export function parseOperation(value: string): Result<{ negated: boolean; operation: Operation }> {
  const negated = value.startsWith('not.');
  const at = negated ? 4 : 0;
  const rest = value.slice(at);
  const dot = operatorEnd(rest);
  const token = dot < 0 ? rest : rest.slice(0, dot);
  const operand = dot < 0 ? null : rest.slice(dot + 1);
  const op = buildOperation(token, operand, value, at, 'filter');
  return op.ok ? ok({ negated, operation: op.value }) : op;
}

/** Where an operator token ends: the first '.' outside a `(…)` modifier. */
function operatorEnd(s: string): number {
  let depth = 0;
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '(') depth++;
    else if (s[i] === ')') depth--;
    else if (s[i] === '.' && depth === 0) return i;
  }
  return -1;
}

/** Logic tree text `(c1,c2,…)` after `or=` / `and=` / `not.or=` … → a tree node. */
export function parseLogicTree(op: 'and' | 'or', negated: boolean, value: string): Result<Condition> {
  const what = 'logic tree';
  // PostgREST parses `or(…)` (`not.or(…)`), the key's operator before the value, so its
  // columns count that prefix while its message shows the value alone.
  const prefix = (negated ? 'not.' : '').length + op.length;
  const deep = nestingError(what, value);
  if (deep !== null) return fail(shifted(deep, prefix));
  const p = new TreeParser(value, what);
  const children = p.group();
  if (!children.ok) return fail(shifted(children.error, prefix));
  // PostgREST's parser stops after the closing `)`: whatever follows is ignored.
  return ok({ kind: 'tree', op, negated, children: children.value });
}

/** A logic-tree error with its column moved past the operator PostgREST parses first. */
function shifted(e: ApiError, by: number): ApiError {
  const message = e.message.replace(/\(line 1, column (\d+)\)$/, (_m: string, n: string) => `(line 1, column ${Number(n) + by})`);
  return { ...e, message };
}

class TreeParser {
  i = 0;
  constructor(readonly text: string, readonly what: string) {}

  private err<T>(expecting: string): Result<T> {
    return fail(unexpected(this.what, this.i, this.text, expecting));
  }

  /** Spaces and tabs, which PostgREST's lexeme skips around parentheses, commas and fields. */
  private ws(): void {
    while (this.text[this.i] === ' ' || this.text[this.i] === '\t') this.i++;
  }

  /** `(` condition (`,` condition)* `)`, spaces allowed around each part. */
  group(): Result<Condition[]> {
    if (this.text[this.i] !== '(') return this.err('"("');
    this.i++;
    const out: Condition[] = [];
    for (;;) {
      this.ws();
      const c = this.condition();
      if (!c.ok) return c;
      out.push(c.value);
      this.ws();
      if (this.text[this.i] === ',') this.i++;
      else if (this.text[this.i] === ')') {
        this.i++;
        return ok(out);
      } else return this.err('"," or ")"');
    }
  }

  private condition(): Result<Condition> {
    const t = this.text;
    let negated = false;
    if (t.startsWith('not.', this.i)) {
      negated = true;
      this.i += 4;
    }
    for (const op of ['and', 'or'] as const) {
      if (!t.startsWith(op, this.i)) continue;
      let j = this.i + op.length;
      while (t[j] === ' ' || t[j] === '\t') j++;
      if (t[j] === '(') {
        this.i = j;
        const children = this.group();
        return children.ok ? ok({ kind: 'tree', op, negated, children: children.value }) : children;
      }
    }
    if (!negated) return this.filterCondition();
    // `not.` then no `and(`/`or(`: a filter on a column named "not", else PostgREST's error is
    // the logic operator's it expected after `not.` (its filter attempt was backtracked).
    const after = this.i;
    this.i -= 4;
    const f = this.filterCondition();
    if (f.ok) return f;
    // Parsec's `string "and"` fails where it started, showing the first character that differs.
    let k = 0;
    while (k < 3 && t[after + k] === 'and'[k]) k++;
    const shown = after + k >= t.length ? 'end of input' : JSON.stringify(t[after + k]);
    return fail(parseError(`"failed to parse ${this.what} (${t})" (line 1, column ${after + 1})`, `unexpected ${shown} expecting logic operator (and, or)`));
  }

  /** `field.[not.]op[.value]`. */
  private filterCondition(): Result<Condition> {
    const t = this.text;
    // Nothing a condition can start with: PostgREST names all three things it tried.
    if (readName(t, this.i) === null) return this.err('field name (* or [a..z0..9_$]), negation operator (not) or logic operator (and, or)');
    const field = scanField(t, this.i, this.what);
    if (!field.ok) return field;
    this.i = field.value.end;
    if (t[this.i] !== '.') return this.err(field.value.field.json.length === 0 ? 'letter, digit, "-", "->>", "->" or delimiter (.)' : '"->>", "->" or delimiter (.)');
    this.i++;
    const opNegated = t.startsWith('not.', this.i);
    if (opNegated) this.i += 4;
    const tokenAt = this.i;
    while (this.i < t.length && t[this.i] !== '.' && t[this.i] !== ',' && t[this.i] !== ')') {
      if (t[this.i] === '(') {
        const close = t.indexOf(')', this.i);
        if (close < 0) return this.err('")"');
        this.i = close;
      }
      this.i++;
    }
    const token = t.slice(tokenAt, this.i);
    let operand: string | null = null;
    if (t[this.i] === '.') {
      this.i++;
      const v = this.operand(token.startsWith('in'));
      if (!v.ok) return v;
      operand = v.value;
    }
    const op = buildOperation(token, operand, t, tokenAt, this.what);
    if (!op.ok) return op;
    return ok({ kind: 'filter', filter: { field: field.value.field, negated: opNegated, operation: op.value } });
  }

  /** A value inside a tree: `"quoted"`, `{…}`, `(…)`/`[…]` (lists and ranges), or text up to `,`/`)`. */
  private operand(isList: boolean): Result<string> {
    const t = this.text;
    const start = this.i;
    const c = t[this.i];
    if (c === '"' && !isList) {
      let out = '';
      this.i++;
      while (this.i < t.length && t[this.i] !== '"') {
        if (t[this.i] === '\\' && this.i + 1 < t.length) this.i++;
        out += t[this.i];
        this.i++;
      }
      if (t[this.i] !== '"') return this.err('"\\""');
      this.i++;
      return ok(out);
    }
    if (c === '{' || c === '(' || c === '[') {
      let quoted = false;
      for (this.i++; this.i < t.length; this.i++) {
        const d = t[this.i];
        if (d === '\\' && quoted) this.i++;
        else if (d === '"') quoted = !quoted;
        else if (!quoted && (c === '{' ? d === '}' : d === ')' || d === ']')) break;
      }
      if (this.i >= t.length) return this.err(c === '{' ? '"}"' : '")"');
      this.i++;
      return ok(t.slice(start, this.i));
    }
    while (this.i < t.length && t[this.i] !== ',' && t[this.i] !== ')') this.i++;
    return ok(t.slice(start, this.i));
  }
}

/** The operator part of an operation, values left out (plan-cache key). */
export function operationShape(negated: boolean, o: Operation): string {
  const prefix = negated ? 'not.' : '';
  switch (o.kind) {
    case 'compare':
      return prefix + o.op;
    case 'quant':
      return `${prefix}${o.op}(${o.quantifier})`;
    case 'in':
      return prefix + 'in';
    case 'is':
      return prefix + 'is.' + o.value;
    case 'fts':
      return `${prefix}${o.op}(${o.language === null ? '' : '$'})`;
  }
}

export function conditionShape(c: Condition): string {
  switch (c.kind) {
    case 'filter':
      return fieldShape(c.filter.field) + '.' + operationShape(c.filter.negated, c.filter.operation);
    case 'tree':
      return (c.negated ? 'not.' : '') + c.op + '(' + c.children.map(conditionShape).join(',') + ')';
  }
}
