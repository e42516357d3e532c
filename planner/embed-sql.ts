// Embeds → SQL: one LEFT JOIN LATERAL per embed that builds the embed's JSON inside
// PostgreSQL (to-one: row_to_json or null; to-many: coalesce(json_agg, '[]')), nested to any
// depth. Aliases are derived from positions, so the same shape gives the same text.

import type { EmbedPlan } from './embed.js';
import { orderSql, selectSql, type Scope } from './fragments.js';
import { conditionSql } from './operators.js';
import { relatedTarget } from './embed.js';
import type { OrderTerm } from './types.js';
import { empty, ident, isEmpty, join, param, sql, type Sql } from './sql.js';

/** What a level of embeds adds to its parent's SELECT: columns, joins, WHERE terms. */
export interface EmbedParts {
  readonly columns: readonly Sql[];
  readonly joins: Sql;
  readonly where: readonly Sql[];
}

const eq = (a: Sql, b: Sql): Sql => sql`${a} = ${b}`;

/** How the embedded rows relate to the parent row (`t` is the embedded table's alias). */
function joinSql(parent: Scope, e: EmbedPlan, t: Sql, name: string): { from: Sql; where: Sql[] } {
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

/** The lateral subquery of one embed, aliased `name`, exposing its JSON as `name.body`. */
function embedJoin(parent: Scope, e: EmbedPlan, name: string): Sql {
  const t = ident(name + '_t');
  const scope: Scope = { qualifier: t, table: e.rel.foreignTable };
  const rel = joinSql(parent, e, t, name);
  const nested = embedParts(scope, e.children, name);
  const where = [...rel.where, ...e.conditions.map((c) => conditionSql(scope, c)), ...nested.where];
  const own = selectSql(scope, e.select);
  const cols = join([...(isEmpty(own) ? [] : [own]), ...nested.columns], ', ');
  const r = ident(name + '_r');
  const page = sql`${e.limit === null ? empty : sql` LIMIT ${param(String(e.limit))}`}${e.offset === null ? empty : sql` OFFSET ${param(String(e.offset))}`}`;
  const rows = sql`SELECT ${cols} FROM ${rel.from}${nested.joins}${where.length === 0 ? empty : sql` WHERE ${join(where, ' AND ')}`}${orderSql(scope, e.order)}${page}`;
  // A to-many spread lifts each column as the array of its values (PostgREST v13).
  if (e.spread && !e.toOne) {
    const arrays = spreadNames(e).map((n) => sql`, coalesce(json_agg(${r}.${ident(n)}), '[]') AS ${ident(n)}`);
    return sql` LEFT JOIN LATERAL (SELECT coalesce(json_agg(${r}), '[]') AS pgrst_body${join(arrays, '')} FROM (${rows}) AS ${r}) AS ${ident(name)} ON true`;
  }
  // A to-one spread also exposes the embedded row's own columns, with their types.
  if (e.spread) return sql` LEFT JOIN LATERAL (SELECT row_to_json(${r}) AS pgrst_body, ${r}.* FROM (${rows}) AS ${r}) AS ${ident(name)} ON true`;
  const body = e.toOne ? sql`row_to_json(${r})` : sql`coalesce(json_agg(${r}), '[]')`;
  return sql` LEFT JOIN LATERAL (SELECT ${body} AS body FROM (${rows}) AS ${r}) AS ${ident(name)} ON true`;
}

/** Columns, joins and filters for the embeds of one level; `prefix` names their aliases. */
export function embedParts(parent: Scope, embeds: readonly EmbedPlan[], prefix: string): EmbedParts {
  const columns: Sql[] = [];
  const joins: Sql[] = [];
  const where: Sql[] = [];
  embeds.forEach((e, i) => {
    const name = `${prefix}_${i + 1}`;
    const body = ident(name, e.spread ? 'pgrst_body' : 'body');
    joins.push(embedJoin(parent, e, name));
    // An empty embed `rel()` only filters; it adds no key.
    if (e.spread) columns.push(...spreadNames(e).map((n) => sql`${ident(name, n)} AS ${ident(n)}`));
    else if (e.select.length > 0) columns.push(sql`${body} AS ${ident(e.key)}`);
    if (e.inner) where.push(e.toOne ? sql`${body} IS NOT NULL` : sql`json_array_length(${body}) > 0`);
    if (e.absent) where.push(e.toOne ? sql`${body} IS NULL` : sql`json_array_length(${body}) = 0`);
  });
  return { columns, joins: joins.length === 0 ? empty : join(joins, ''), where };
}

/** A WHERE clause (possibly empty) extended with more terms. */
export function andWhere(where: Sql, more: readonly Sql[]): Sql {
  if (more.length === 0) return where;
  const extra = join(more, ' AND ');
  return isEmpty(where) ? sql` WHERE ${extra}` : sql`${where} AND ${extra}`;
}

/** `order=rel(col)` on a to-one embed: the column fetched by a correlated subquery, typed. */
export function relatedOrder(parent: Scope, embeds: readonly EmbedPlan[]): (t: OrderTerm) => Sql | null {
  return (term) => {
    const target = relatedTarget(term);
    if (target === null) return null;
    const i = embeds.findIndex((e) => e.key === target.key);
    const e = embeds[i];
    if (e === undefined) return null;
    const t = ident(`pgrst_o${i + 1}`);
    const rel = joinSql(parent, e, t, `pgrst_o${i + 1}`);
    return sql`(SELECT ${t}.${ident(target.column)} FROM ${rel.from}${rel.where.length === 0 ? empty : sql` WHERE ${join(rel.where, ' AND ')}`})`;
  };
}

/** The keys a spread embed contributes to its parent: its columns and its own embeds' keys. */
function spreadNames(e: EmbedPlan): string[] {
  const own = e.select.flatMap((item): string[] => {
    switch (item.kind) {
      case 'star':
        return e.rel.foreignTable.columns.map((c) => c.name);
      case 'field':
        return [item.alias ?? (item.field.json.length === 0 ? item.field.name : item.field.json[item.field.json.length - 1]!.key)];
      case 'embed':
        return [];
    }
  });
  return [...own, ...e.children.flatMap((c) => (c.spread ? spreadNames(c) : c.select.length > 0 ? [c.key] : []))];
}
