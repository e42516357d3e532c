// Embed planning: the select list's embeds resolved to relationships of the schema cache,
// with their embedded filters, `!inner` and `rel=is.null` conditions. PGRST200 when nothing
// matches, PGRST201 when several do, PGRST108 for filters on resources not embedded.

import { fail, ok, type ApiError, type Result } from '../errors.js';
import { ambiguousEmbed, embedAliasTwice, noRelationship, notEmbedded, relatedOrderNotToOne } from './embed-errors.js';
import { levenshtein, type SchemaCache, type Table } from '../schema/model.js';
import { compareRelationships, isToOne, relationshipsOf, type Relationship } from '../schema/relationships.js';
import type { EmbedParam } from '../request/embed-params.js';
import type { Condition, OrderTerm, ScopedCondition, SelectItem } from '../request/types.js';

export interface EmbedPlan {
  /** The key in the parent's JSON (alias or relationship name). */
  readonly key: string;
  /** The target as written in the select (before any alias). */
  readonly name: string;
  readonly rel: Relationship;
  readonly toOne: boolean;
  readonly select: readonly SelectItem[];
  readonly children: readonly EmbedPlan[];
  /** `!inner`, or `rel=not.is.null` on the parent: keep only parents with a match. */
  readonly inner: boolean;
  /** `rel=is.null` on the parent: keep only parents without a match. */
  readonly absent: boolean;
  /** `rel.is.null` inside an and/or of the parent: the count needs this embed's join too. */
  readonly nullChecked: boolean;
  readonly spread: boolean;
  readonly conditions: readonly Condition[];
  readonly order: readonly OrderTerm[];
  readonly limit: number | null;
  readonly offset: number | null;
}

/**
 * db-max-rows on every embed too (PostgREST's treeRestrictRange over the whole read tree):
 * each embed's limit at most the cap. Reads and calls only; a write's representation is not
 * capped, as in PostgREST.
 */
export function capEmbeds(embeds: readonly EmbedPlan[], maxRows: number | null): readonly EmbedPlan[] {
  if (maxRows === null || embeds.length === 0) return embeds;
  return embeds.map((e) => ({ ...e, limit: e.limit === null ? maxRows : Math.min(e.limit, maxRows), children: capEmbeds(e.children, maxRows) }));
}

export interface PlannedEmbeds {
  readonly embeds: readonly EmbedPlan[];
  /** The top-level conditions left once embed null filters were taken out. */
  readonly rootFilters: readonly ScopedCondition[];
}

/** A `rel=is.null` / `rel=not.is.null` filter on an embed key, or null. */
function nullFilter(c: Condition, key: string): 'null' | 'not_null' | null {
  if (c.kind !== 'filter' || c.filter.field.name !== key || c.filter.field.json.length > 0) return null;
  const op = c.filter.operation;
  if (op.kind !== 'is' || (op.value !== 'null' && op.value !== 'not_null')) return null;
  return (op.value === 'null') !== c.filter.negated ? 'null' : 'not_null';
}

/** Whether an and/or tree tests `key.is.null` / `key.not.is.null` anywhere inside. */
const treeNullFilters = (c: Condition, key: string): boolean =>
  c.kind === 'tree' ? c.children.some((child) => treeNullFilters(child, key)) : nullFilter(c, key) !== null;

const samePath = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

const isView = (t: Table): boolean => t.kind === 'view' || t.kind === 'materialized_view';

/** The one column pair [origin column, foreign column] of a direct single-column relationship. */
const singlePair = (rel: Relationship): readonly [string, string] | null =>
  rel.junction === null && rel.computed === null && rel.columns.length === 1 ? rel.columns[0]! : null;
const matchColumn = (rel: Relationship, name: string): boolean => singlePair(rel)?.[0] === name;
const matchRefColumn = (rel: Relationship, name: string): boolean => singlePair(rel)?.[1] === name;
const matchConstraint = (rel: Relationship, name: string): boolean => rel.junction === null && rel.computed === null && rel.constraint === name;

/**
 * PostgREST's findRel for one candidate. A computed relationship is named by its function. In a
 * self-relationship (one FK, two directions) the table name means one-to-many and the FK column
 * many-to-one; a hint then names the referencing column. Otherwise the target is the foreign
 * relation, or (only for a relation that is not a view) the constraint or the origin's FK
 * column; a hint narrows a table target by constraint, either FK column or the junction.
 */
function matches(rel: Relationship, target: string, hint: string | null): boolean {
  if (rel.computed !== null) return rel.computed.name === target;
  const named = rel.foreignTable.name === target;
  if (rel.isSelf) {
    if (hint === null) return (named && rel.cardinality === 'one-to-many') || (matchColumn(rel, target) && rel.cardinality === 'many-to-one');
    return named && rel.cardinality === 'one-to-many' && matchRefColumn(rel, hint);
  }
  if (hint === null) return named || (!isView(rel.foreignTable) && (matchConstraint(rel, target) || matchColumn(rel, target)));
  return named && (matchConstraint(rel, hint) || matchColumn(rel, hint) || matchRefColumn(rel, hint) || rel.junction?.table.name === hint);
}

/** The one relationship an embed names, or the PostgREST error. */
export function findRelationship(cache: SchemaCache, table: Table, name: string, hint: string | null): Result<Relationship> {
  const all = relationshipsOf(cache, table);
  const found = all.filter((r) => matches(r, name, hint));
  if (found.length === 1) return ok(found[0]!);
  if (found.length > 1) return fail(ambiguousEmbed(table.name, name, found.sort(compareRelationships)));
  let best: string | null = null;
  let bestD = Infinity;
  for (const r of all) {
    const d = levenshtein(name.toLowerCase(), r.foreignTable.name.toLowerCase());
    if (d < bestD) [best, bestD] = [r.foreignTable.name, d];
  }
  const suggestion = hint === null && best !== null && best !== name && bestD <= Math.max(2, Math.floor(name.length / 3)) ? best : null;
  return fail(noRelationship(table.name, name, hint, table.schema, suggestion));
}

function planLevel(
  cache: SchemaCache,
  table: Table,
  select: readonly SelectItem[],
  path: readonly string[],
  filters: readonly ScopedCondition[],
  nullFilters: ScopedCondition[],
  params: readonly EmbedParam[],
): Result<EmbedPlan[]> {
  const out: EmbedPlan[] = [];
  for (const item of select) {
    if (item.kind !== 'embed') continue;
    const rel = findRelationship(cache, table, item.name, item.hint);
    if (!rel.ok) return rel;
    const key = item.alias ?? item.name;
    const here = [...path, key];
    const children = planLevel(cache, rel.value.foreignTable, item.select, here, filters, nullFilters, params);
    if (!children.ok) return children;
    let inner = item.join === 'inner';
    let absent = false;
    let nullChecked = false;
    for (const f of filters) {
      if (!samePath(f.path, path)) continue;
      if (f.condition.kind === 'tree' && treeNullFilters(f.condition, key)) nullChecked = true;
      const n = nullFilter(f.condition, key);
      if (n === null) continue;
      nullFilters.push(f);
      if (n === 'null') absent = true;
      else inner = true;
    }
    const conditions = filters.filter((f) => samePath(f.path, here)).map((f) => f.condition);
    let order: readonly OrderTerm[] = [];
    let limit: number | null = null;
    let offset: number | null = null;
    for (const p of params) {
      if (!samePath(p.path, here)) continue;
      if (p.kind === 'order') order = p.terms;
      else if (p.kind === 'limit') limit = p.value;
      else offset = p.value;
    }
    const toOne = isToOne(rel.value);
    out.push({ key, name: item.name, rel: rel.value, toOne, select: item.select, children: children.value, inner, absent, nullChecked, spread: item.spread, conditions, order, limit, offset });
  }
  return ok(out);
}

/** Resolve every embed of the request; embedded filters must name an embedded path. */
export function planEmbeds(
  cache: SchemaCache,
  table: Table,
  select: readonly SelectItem[],
  filters: readonly ScopedCondition[],
  params: readonly EmbedParam[],
  order: readonly OrderTerm[],
): Result<PlannedEmbeds> {
  const taken: ScopedCondition[] = [];
  const embeds = planLevel(cache, table, select, [], filters, taken, params);
  if (!embeds.ok) return embeds;
  const known = new Set<string>();
  const walk = (es: readonly EmbedPlan[], prefix: string): void => {
    for (const e of es) {
      known.add(prefix + e.key);
      walk(e.children, prefix + e.key + '\u0000');
    }
  };
  walk(embeds.value, '');
  // Related orders (`order=rel(col)`, `a.order=rel(col)`) name a to-one embed of their level.
  const checkOrder = (terms: readonly OrderTerm[], level: readonly EmbedPlan[], origin: string): Result<null> => {
    for (const term of terms) {
      const target = relatedTarget(term);
      if (target === null) continue;
      const e = level.find((x) => x.key === target.key);
      if (e === undefined) return fail(notEmbedded(target.key));
      if (!e.toOne) return fail(relatedOrderNotToOne(origin, target.key));
    }
    return ok(null);
  };
  const checkLevel = (level: readonly EmbedPlan[]): Result<null> => {
    for (const e of level) {
      const r = checkOrder(e.order, e.children, e.rel.foreignTable.name);
      if (!r.ok) return r;
      const below = checkLevel(e.children);
      if (!below.ok) return below;
    }
    return ok(null);
  };
  const top = checkOrder(order, embeds.value, table.name);
  if (!top.ok) return top;
  const nested = checkLevel(embeds.value);
  if (!nested.ok) return nested;
  for (const f of [...filters, ...params]) {
    if (f.path.length > 0 && !known.has(f.path.join('\u0000'))) return fail(notEmbeddedAt(embeds.value, f.path));
  }
  const clash = duplicateEmbed(embeds.value, 1);
  if (clash !== null) return fail(clash);
  return ok({ embeds: embeds.value, rootFilters: filters.filter((f) => !taken.includes(f)) });
}

/**
 * Two embeds of one level under the same key (`users!first_user(*),users!second_user(*)`):
 * PostgREST joins each as `<table>_<key>_<depth>`, so PostgreSQL rejects the query with
 * 42712; the same error here, rather than a JSON object with the key twice.
 */
function duplicateEmbed(level: readonly EmbedPlan[], depth: number): ApiError | null {
  // PostgreSQL's order: each join's subquery is analysed before its alias is added.
  const keys = new Set<string>();
  for (const e of level) {
    const below = duplicateEmbed(e.children, depth + 1);
    if (below !== null) return below;
    if (keys.has(e.key)) return embedAliasTwice(`${e.rel.table.name}_${e.key}_${depth}`);
    keys.add(e.key);
  }
  return null;
}

/** PGRST108 for the first segment of `path` that is not embedded, saying its alias when it names an aliased table. */
function notEmbeddedAt(top: readonly EmbedPlan[], path: readonly string[]): ApiError {
  let level = top;
  for (const segment of path) {
    const hit = level.find((e) => e.key === segment);
    if (hit === undefined) {
      const aliased = level.find((e) => e.name === segment && e.key !== segment);
      return notEmbedded(segment, aliased === undefined ? null : aliased.key);
    }
    level = hit.children;
  }
  return notEmbedded(path[path.length - 1]!);
}

/** `order=rel(col)`: the embed key and its column, or null for an ordinary term. */
export function relatedTarget(term: OrderTerm): { key: string; column: string } | null {
  return term.relation === undefined ? null : { key: term.relation, column: term.field.name };
}
