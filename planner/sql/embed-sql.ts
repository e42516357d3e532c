// Embeds → SQL: one LEFT JOIN LATERAL per embed that builds the embed's JSON inside
// PostgreSQL (to-one: row_to_json or null; to-many: coalesce(json_agg, '[]')), nested to any
// depth. Aliases are derived from positions, so the same shape gives the same text.

import type { EmbedPlan } from '../plan/embed.js';
import { aggregateCall, aggregateKey, fieldSql, orderSql, selectSql, type AggregateItem, type Scope } from './fragments.js';
import { groupableJson, groupBySql, levelMode, type AggregateMode } from './aggregate-sql.js';
import { conditionSql } from './operators.js';
import { fieldOutputName } from '../request/field.js';
import { relatedTarget } from '../plan/embed.js';
import type { OrderTerm } from '../request/types.js';
import { empty, ident, isEmpty, join, param, sql, type Sql } from './sql.js';

/** What a level of embeds adds to its parent's SELECT: columns, joins, WHERE terms. */
export interface EmbedParts {
  readonly columns: readonly Sql[];
  readonly joins: Sql;
  readonly where: readonly Sql[];
  /** GROUP BY terms the embeds add to an aggregating level (`group` mode only). */
  readonly groupBy: readonly Sql[];
  /** The embeds' bodies by key, for the level's `rel.is.null` inside and/or (Scope.embeds). */
  readonly targets: ReadonlyMap<string, { readonly body: Sql; readonly toOne: boolean }>;
}

const eq = (a: Sql, b: Sql): Sql => sql`${a} = ${b}`;

/** How the embedded rows relate to the parent row (`t` is the embedded table's alias). */
export function joinSql(parent: Scope, e: EmbedPlan, t: Sql, name: string): { from: Sql; where: Sql[] } {
  const target = ident(e.rel.foreignTable.schema, e.rel.foreignTable.name);
  const c = e.rel.computed;
  if (c !== null) {
    // The parent row goes in as the argument's row type; ROW(…) also fits CTE rows after writes.
    return { from: sql`${ident(c.schema, c.name)}(CAST(ROW(${parent.qualifier}.*) AS ${ident(c.tableSchema, c.table)})) AS ${t}`, where: [] };
  }
  const j = e.rel.junction;
  if (j === null) {
    return {
      from: sql`${target} AS ${t}`,
      where: e.rel.columns.map(([pc, cc]) => eq(sql`${t}.${ident(cc)}`, sql`${parent.qualifier}.${ident(pc)}`)),
    };
  }
  const jt = ident(name + '_j');
  const on = j.target.columns.map((c, i) => eq(sql`${jt}.${ident(c)}`, sql`${t}.${ident(j.target.foreignColumns[i]!)}`));
  return {
    from: sql`${target} AS ${t} JOIN ${ident(j.table.schema, j.table.name)} AS ${jt} ON ${join(on, ' AND ')}`,
    where: j.source.columns.map((c, i) => eq(sql`${jt}.${ident(c)}`, sql`${parent.qualifier}.${ident(j.source.foreignColumns[i]!)}`)),
  };
}

const utf8 = new TextEncoder();

/**
 * The embedded table's alias inside its subquery: PostgREST's `<table>_<depth>` (what a
 * 42703 "column messages_1.x does not exist" names), `name` being the embed's positional alias
 * (`pgrst_1_2` is depth 2). Each embed's table sits in a subquery of its own, so only a parent
 * could share the alias, and the depth differs. Two names keep the positional `<name>_t`: one
 * PostgreSQL would truncate (over 63 bytes: truncated names could collide) and one in our own
 * `pgrst_` namespace (a table `pgrst_1` would meet the lateral alias `pgrst_1_1`).
 */
export function embedTableAlias(e: EmbedPlan, name: string): Sql {
  const alias = `${e.rel.foreignTable.name}_${name.split('_').length - 1}`;
  return ident(utf8.encode(alias).length <= 63 && !alias.startsWith('pgrst_') ? alias : name + '_t');
}

/** The lateral subquery of one embed, aliased `name`, exposing its JSON as `name.body`. */
function embedJoin(parent: Scope, e: EmbedPlan, name: string, mode: AggregateMode): Sql {
  const t = embedTableAlias(e, name);
  const scope: Scope = { qualifier: t, table: e.rel.foreignTable };
  const rel = joinSql(parent, e, t, name);
  // A spread's aggregates are applied by the level that collects its columns (hoisting);
  // any other embed's rows are a level of their own.
  const own = mode === 'none' ? 'none' : e.spread ? 'pass' : levelMode(e.select, e.children);
  const nested = embedParts(scope, e.children, name, own);
  const filterScope: Scope = nested.targets.size === 0 ? scope : { ...scope, embeds: nested.targets };
  const where = [...rel.where, ...e.conditions.map((c) => conditionSql(filterScope, c)), ...nested.where];
  const selected = selectSql(scope, e.select, e.spread);
  const cols = join([...(isEmpty(selected) ? [] : [selected]), ...nested.columns], ', ');
  const r = ident(name + '_r');
  const page = sql`${e.limit === null ? empty : sql` LIMIT ${param(String(e.limit))}`}${e.offset === null ? empty : sql` OFFSET ${param(String(e.offset))}`}`;
  const group = own === 'group' ? groupBySql(scope, e.select, nested.groupBy) : empty;
  const rows = sql`SELECT ${cols} FROM ${rel.from}${nested.joins}${where.length === 0 ? empty : sql` WHERE ${join(where, ' AND ')}`}${group}${orderSql(scope, e.order, relatedOrder(scope, e.children, own))}${page}`;
  // A to-many spread lifts each column as the array of its values (PostgREST v13), and
  // applies its aggregates over the related rows.
  if (e.spread && !e.toOne) {
    const lifted = spreadEntries(e, true).map((x) => {
      const col = sql`${r}.${ident(x.key)}`;
      const value = x.kind === 'aggregate' ? aggregateCall(x.item, x.item.field === null ? null : col) : sql`coalesce(json_agg(${col}), '[]')`;
      return sql`, ${value} AS ${ident(x.key)}`;
    });
    return sql` LEFT JOIN LATERAL (SELECT coalesce(json_agg(${r}), '[]') AS pgrst_body${join(lifted, '')} FROM (${rows}) AS ${r}) AS ${ident(name)} ON true`;
  }
  // A to-one spread also exposes the embedded row's own columns, with their types.
  if (e.spread) return sql` LEFT JOIN LATERAL (SELECT row_to_json(${r}) AS pgrst_body, ${r}.* FROM (${rows}) AS ${r}) AS ${ident(name)} ON true`;
  const body = e.toOne ? sql`row_to_json(${r})` : sql`coalesce(json_agg(${r}), '[]')`;
  return sql` LEFT JOIN LATERAL (SELECT ${body} AS body FROM (${rows}) AS ${r}) AS ${ident(name)} ON true`;
}

const noTerms: readonly Sql[] = [];

/** PostgREST's empty embed: no columns of its own and only empty embeds below; it adds no key. */
const emptyEmbed = (e: EmbedPlan): boolean => e.select.every((item) => item.kind === 'embed') && e.children.every(emptyEmbed);

/**
 * Columns, joins and filters for the embeds of one level; `prefix` names their aliases. In
 * `group` mode embed bodies become jsonb grouping terms and hoisted aggregates are applied.
 */
export function embedParts(parent: Scope, embeds: readonly EmbedPlan[], prefix: string, mode: AggregateMode = 'none'): EmbedParts {
  const columns: Sql[] = [];
  const joins: Sql[] = [];
  const where: Sql[] = [];
  // Only an aggregating level collects grouping terms.
  const groupBy: Sql[] | null = mode === 'group' ? [] : null;
  const targets = new Map<string, { body: Sql; toOne: boolean }>();
  embeds.forEach((e, i) => {
    const name = `${prefix}_${i + 1}`;
    const body = ident(name, e.spread ? 'pgrst_body' : 'body');
    targets.set(e.key, { body, toOne: e.toOne });
    joins.push(embedJoin(parent, e, name, mode));
    // An empty embed (`rel()`, `rel(other())`) only filters; it adds no key.
    if (e.spread) {
      for (const x of spreadEntries(e)) {
        const col = ident(name, x.key);
        const key = ident(x.key);
        if (mode !== 'group') {
          // `count()` has no input to pass up: the level it is hoisted into counts its rows.
          if (x.kind !== 'aggregate' || x.item.field !== null) columns.push(sql`${col} AS ${key}`);
        } else if (x.kind === 'aggregate') {
          columns.push(sql`${aggregateCall(x.item, x.item.field === null ? null : col)} AS ${key}`);
        } else {
          const term = x.kind === 'json' ? groupableJson(col) : col;
          columns.push(sql`${term} AS ${key}`);
          groupBy?.push(term);
        }
      }
    } else if (!emptyEmbed(e)) {
      if (mode === 'group') {
        columns.push(sql`${groupableJson(body)} AS ${ident(e.key)}`);
        groupBy?.push(groupableJson(body));
      } else columns.push(sql`${body} AS ${ident(e.key)}`);
    }
    if (e.inner) where.push(e.toOne ? sql`${body} IS NOT NULL` : sql`json_array_length(${body}) > 0`);
    if (e.absent) where.push(e.toOne ? sql`${body} IS NULL` : sql`json_array_length(${body}) = 0`);
  });
  return { columns, joins: joins.length === 0 ? empty : join(joins, ''), where, groupBy: groupBy ?? noTerms, targets };
}

/** A WHERE clause (possibly empty) extended with more terms. */
export function andWhere(where: Sql, more: readonly Sql[]): Sql {
  if (more.length === 0) return where;
  const extra = join(more, ' AND ');
  return isEmpty(where) ? sql` WHERE ${extra}` : sql`${where} AND ${extra}`;
}

/** `order=rel(col)` on a to-one embed: the column fetched by a correlated subquery, typed. */
export function relatedOrder(parent: Scope, embeds: readonly EmbedPlan[], mode: AggregateMode = 'none'): (t: OrderTerm) => Sql | null {
  return (term) => {
    const target = relatedTarget(term);
    if (target === null) return null;
    const i = embeds.findIndex((e) => e.key === target.key);
    const e = embeds[i];
    if (e === undefined) return null;
    // An aggregating level can only order by what it groups: a spread's grouped column.
    if (mode === 'group' && term.field.json.length === 0 && e.spread && spreadEntries(e).some((x) => x.key === target.column && x.kind === 'value')) {
      return ident(`pgrst_${i + 1}`, target.column);
    }
    const t = ident(`pgrst_o${i + 1}`);
    const rel = joinSql(parent, e, t, `pgrst_o${i + 1}`);
    return sql`(SELECT ${fieldSql({ qualifier: t, table: e.rel.foreignTable }, term.field)} FROM ${rel.from}${rel.where.length === 0 ? empty : sql` WHERE ${join(rel.where, ' AND ')}`})`;
  };
}

/** A column a spread contributes to its parent: a value, JSON (an embed's body or an array), or a hoisted aggregate. */
type SpreadEntry =
  | { readonly key: string; readonly kind: 'value' | 'json' }
  | { readonly key: string; readonly kind: 'aggregate'; readonly item: AggregateItem };

/**
 * The columns a spread embed contributes to its parent: its own and its embeds' keys. `lifted`:
 * as its rows expose them, before a to-many spread's lateral turns them into arrays.
 */
function spreadEntries(e: EmbedPlan, lifted = false): SpreadEntry[] {
  const own = e.select.flatMap((item): SpreadEntry[] => {
    switch (item.kind) {
      case 'star':
        return e.rel.foreignTable.columns.map((c) => ({ key: c.name, kind: 'value' }));
      case 'field':
        return [{ key: item.alias ?? fieldOutputName(item.field), kind: 'value' }];
      case 'aggregate':
        return [{ key: aggregateKey(item), kind: 'aggregate', item }];
      case 'embed':
        return [];
    }
  });
  const nested = e.children.flatMap((c): SpreadEntry[] => (c.spread ? spreadEntries(c) : !emptyEmbed(c) ? [{ key: c.key, kind: 'json' }] : []));
  const all = [...own, ...nested];
  if (e.toOne || lifted) return all;
  // Seen from the parent, a to-many spread has applied its aggregates; its columns are arrays.
  return all.map((x): SpreadEntry => ({ key: x.key, kind: x.kind === 'aggregate' ? 'value' : 'json' }));
}
