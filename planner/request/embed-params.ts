// Query parameters scoped to an embed: `rel.col=op.val`, `rel.or=(…)`, `rel.and=(…)`,
// `rel.order=…`, `rel.limit=n`, `rel.offset=n`, at any depth (`a.b.col`). Pure grammar;
// whether the path is embedded is checked by the planner (PGRST108).

import { ok, type Result } from '../errors.js';
import { parseField } from './field.js';
import { conditionShape, parseLogicTree, parseOperation } from './filter-grammar.js';
import type { Condition, OrderTerm, ScopedCondition } from './types.js';

export type EmbedParam =
  | { readonly kind: 'order'; readonly path: readonly string[]; readonly terms: readonly OrderTerm[]; readonly shape: string }
  | { readonly kind: 'limit' | 'offset'; readonly path: readonly string[]; readonly value: number; readonly shape: string };

export type ScopedParam = { readonly kind: 'condition'; readonly scoped: ScopedCondition; readonly shape: string } | EmbedParam;

/**
 * `a.b.last` → path [a, b] and last; null for a key without an unquoted dot before `->`.
 * Dots inside double quotes belong to the name (`rel."x.y"`, `"my.rel".col`), as PostgREST's
 * tree-path parser reads quoted names.
 */
export function splitEmbedKey(key: string): { path: string[]; last: string } | null {
  const dots: number[] = [];
  let quoted = false;
  for (let i = 0; i < key.length; i++) {
    const c = key[i];
    if (c === '"') quoted = !quoted;
    else if (quoted) continue;
    else if (c === '-' && key[i + 1] === '>') break;
    else if (c === '.') dots.push(i);
  }
  if (dots.length === 0) return null;
  const path: string[] = [];
  let from = 0;
  for (const d of dots) {
    const part = key.slice(from, d);
    const name = part.length >= 2 && part.startsWith('"') && part.endsWith('"') ? part.slice(1, -1) : part;
    if (name === '') return null;
    path.push(name);
    from = d + 1;
  }
  return { path, last: key.slice(from) };
}

export function parseEmbedParam(
  key: { path: string[]; last: string },
  value: string,
  parseOrder: (v: string) => Result<OrderTerm[]>,
  parseCount: (name: 'limit' | 'offset', v: string) => Result<number>,
): Result<ScopedParam> {
  const { path, last } = key;
  if (last === 'order') {
    const r = parseOrder(value);
    return r.ok ? ok({ kind: 'order', path, terms: r.value, shape: 'order=' + value }) : r;
  }
  if (last === 'limit' || last === 'offset') {
    const r = parseCount(last, value);
    return r.ok ? ok({ kind: last, path, value: r.value, shape: last }) : r;
  }
  let condition: Condition;
  const logic = /^(not\.)?(and|or)$/.exec(last);
  if (logic !== null) {
    const tree = parseLogicTree(logic[2] as 'and' | 'or', logic[1] !== undefined, value);
    if (!tree.ok) return tree;
    condition = tree.value;
  } else {
    const field = parseField(last, 'tree path');
    if (!field.ok) return field;
    const op = parseOperation(value);
    if (!op.ok) return op;
    condition = { kind: 'filter', filter: { field: field.value, ...op.value } };
  }
  return ok({ kind: 'condition', scoped: { path, condition }, shape: conditionShape(condition) });
}
