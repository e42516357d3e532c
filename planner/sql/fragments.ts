// SQL fragments for one relation: field references (JSON, composite and array paths),
// the select list (columns shown through their data representations), WHERE (conditions via
// operators.ts) and ORDER BY. Values are parameters;
// names pass through ident(); text from closed sets through keyword().

import { conditionSql } from './operators.js';
import { fieldOutputName } from '../request/field.js';
import type { Table } from '../schema/model.js';
import type { Converter } from '../schema/representations.js';
import { concat, empty, ident, join, keyword, param, sql, type Sql } from './sql.js';
import type { Field, OrderTerm, ScopedCondition, SelectItem } from '../request/types.js';

/** The relation a fragment refers to: how it is qualified in SQL, and its columns. */
export interface Scope {
  readonly qualifier: Sql;
  readonly table: Table;
  /** The level's embeds by key, for `rel.is.null` inside and/or trees: the embed's JSON body. */
  readonly embeds?: ReadonlyMap<string, { readonly body: Sql; readonly toOne: boolean }>;
}

const JSON_TYPES: ReadonlySet<string> = new Set(['json', 'jsonb']);

/** The column's type as the schema cache knows it ('' when unknown). */
export function columnType(scope: Scope, name: string): string {
  return scope.table.columnsByName.get(name)?.type ?? '';
}

export function fieldSql(scope: Scope, f: Field): Sql {
  const column = sql`${scope.qualifier}.${ident(f.name)}`;
  if (f.json.length === 0) return column;
  // Arrays and composite values are walked as jsonb, as PostgREST does.
  const pieces = [JSON_TYPES.has(columnType(scope, f.name)) ? column : sql`to_jsonb(${column})`];
  // Collected and joined once: wrapping the growing expression per step would be quadratic.
  for (const step of f.json) pieces.push(keyword(step.arrow), step.index ? sql`${param(step.key)}::int` : sql`${param(step.key)}::text`);
  return concat(pieces);
}

/** A data representation's cast function applied to `arg`. */
export const convert = (fn: Converter, arg: Sql): Sql => sql`${ident(fn.schema, fn.name)}(${arg})`;

/**
 * A field as responses show it: through its column's data representation (domain → json) when
 * it names one without a JSON path (the path walks the stored value), else as fieldSql.
 */
export function outputSql(scope: Scope, f: Field): { readonly expr: Sql; readonly formatted: boolean } {
  // Tables without representations (most) skip the column lookup.
  const fn = f.json.length === 0 && scope.table.formatsOutput === true ? scope.table.columnsByName.get(f.name)?.representation?.toJson : undefined;
  return fn === undefined ? { expr: fieldSql(scope, f), formatted: false } : { expr: convert(fn, fieldSql(scope, f)), formatted: true };
}

/** `*` listing the columns, each through its data representation, when the table has any. */
function starSql(scope: Scope): Sql {
  if (scope.table.formatsOutput !== true) return sql`${scope.qualifier}.*`;
  const cols = scope.table.columns.map((c) => {
    const col = sql`${scope.qualifier}.${ident(c.name)}`;
    const fn = c.representation?.toJson;
    return fn === undefined ? col : sql`${convert(fn, col)} AS ${ident(c.name)}`;
  });
  return join(cols, ', ');
}

export type AggregateItem = Extract<SelectItem, { kind: 'aggregate' }>;

/** The key an aggregate answers under: its alias, else the function's name (as PostgREST). */
export const aggregateKey = (item: AggregateItem): string => item.alias ?? item.fn;

/** The cast was validated as a plain type name by the grammar. */
export const castTo = (expr: Sql, type: string | null): Sql => (type === null ? expr : sql`CAST(${expr} AS ${keyword(type)})`);

/**
 * The aggregate's input: the column (JSON path included, shown through its data representation
 * as PostgREST does) with its input cast, or null for `count()`.
 */
export function aggregateInput(scope: Scope, item: AggregateItem): Sql | null {
  return item.field === null ? null : castTo(outputSql(scope, item.field).expr, item.inputCast);
}

/** The function applied to `input` (already cast), then the output cast. */
export function aggregateCall(item: AggregateItem, input: Sql | null): Sql {
  // pg_catalog-qualified, so a same-named function on the search_path cannot stand in.
  const call = input === null ? sql`pg_catalog.count(*)` : sql`pg_catalog.${keyword(item.fn)}(${input})`;
  return castTo(call, item.cast);
}

/**
 * The select list's own columns; embeds are added by embed-sql.ts. `hoisted` (inside a to-one
 * spread): aggregates give their input only, the level they are hoisted into applies them.
 */
export function selectSql(scope: Scope, items: readonly SelectItem[], hoisted = false): Sql {
  const parts = items.flatMap((item): Sql[] => {
    switch (item.kind) {
      case 'embed':
        return [];
      case 'star':
        return [starSql(scope)];
      case 'aggregate': {
        const input = aggregateInput(scope, item);
        const key = ident(aggregateKey(item));
        if (!hoisted) return [sql`${aggregateCall(item, input)} AS ${key}`];
        return input === null ? [] : [sql`${input} AS ${key}`];
      }
      case 'field': {
        const out = outputSql(scope, item.field);
        const expr = castTo(out.expr, item.cast);
        const alias = item.alias ?? (item.field.json.length > 0 || item.cast !== null || out.formatted ? fieldOutputName(item.field) : null);
        return [alias === null ? expr : sql`${expr} AS ${ident(alias)}`];
      }
    }
  });
  return join(parts, ', ');
}

/** WHERE for the conditions at the top level (embed path []). */
export function whereSql(scope: Scope, conditions: readonly ScopedCondition[]): Sql {
  const root = conditions.filter((c) => c.path.length === 0);
  if (root.length === 0) return empty;
  return sql` WHERE ${join(root.map((c) => conditionSql(scope, c.condition)), ' AND ')}`;
}

/** `related` answers terms on to-one embeds (`order=rel(col)`), null for own columns. */
export function orderSql(scope: Scope, order: readonly OrderTerm[], related: (t: OrderTerm) => Sql | null = () => null): Sql {
  if (order.length === 0) return empty;
  const terms = order.map((t) => {
    const dir = t.direction === null ? '' : t.direction === 'asc' ? ' ASC' : ' DESC';
    const nulls = t.nulls === null ? '' : t.nulls === 'first' ? ' NULLS FIRST' : ' NULLS LAST';
    return sql`${related(t) ?? fieldSql(scope, t.field)}${keyword(dir + nulls)}`;
  });
  return sql` ORDER BY ${join(terms, ', ')}`;
}
