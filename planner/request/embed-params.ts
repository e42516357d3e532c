// Query parameters scoped to an embed: `rel.col=op.val`, `rel.or=(…)`, `rel.and=(…)`,
// `rel.order=…`, `rel.limit=n`, `rel.offset=n`, at any depth (`a.b.col`). Pure grammar;
// whether the path is embedded is checked by the planner (PGRST108).

import { ok, type Result } from '../errors.js';
import { isName, parseTreeField, readName } from './field.js';
import { conditionShape, parseLogicTree, parseOperation } from './filter-grammar.js';
import type { Condition, OrderTerm, ScopedCondition } from './types.js';

export type EmbedParam =
  | { readonly kind: 'order'; readonly path: readonly string[]; readonly terms: readonly OrderTerm[]; readonly shape: string }
  | { readonly kind: 'limit' | 'offset'; readonly path: readonly string[]; readonly value: number; readonly shape: string };

export type ScopedParam = { readonly kind: 'condition'; readonly scoped: ScopedCondition; readonly shape: string } | EmbedParam;

/**
 * `a.b.last` → path [a, b] and the text from `last` on (where the key's offset `at` starts);
 * null for a key with no embed path. As PostgREST's `pTreePath`, the path is field names
 * (quoted ones may hold dots: `rel."x.y"`, `"my.rel".col`) joined by dots: it ends at the
 * first name not followed by a dot, so `a'.b` is the field `a` and the rest is ignored.
 */
export function splitEmbedKey(key: string): { path: string[]; last: string; at: number } | null {
  const path: string[] = [];
  let i = 0;
  for (;;) {
    const r = readName(key, i);
    if (!isName(r) || key[r.end] !== '.') break;
    path.push(r.name);
    i = r.end + 1;
  }
  return path.length === 0 ? null : { path, last: key.slice(i), at: i };
}

export function parseEmbedParam(
  key: { path: string[]; last: string; at: number },
  fullKey: string,
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
    const field = parseTreeField(last, { value: fullKey, offset: key.at });
    if (!field.ok) return field;
    const op = parseOperation(value);
    if (!op.ok) return op;
    condition = { kind: 'filter', filter: { field: field.value, ...op.value } };
  }
  return ok({ kind: 'condition', scoped: { path, condition }, shape: conditionShape(condition) });
}
