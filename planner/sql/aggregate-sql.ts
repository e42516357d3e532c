// Aggregate functions in `select` (db-aggregates-enabled) as SQL: the function calls with their
// input and output casts, which level of the query aggregates (a to-one spread hoists its
// aggregates into its parent), and the automatic GROUP BY over the level's other columns.
// Only consulted when the request's select list has an aggregate, so plain reads never pay.

import type { EmbedPlan } from '../plan/embed.js';
import { castTo, fieldSql, outputSql, type Scope } from './fragments.js';
import { empty, ident, join, sql, type Sql } from './sql.js';
import type { SelectItem } from '../request/types.js';

/**
 * How a level of the query treats aggregates: `none` (the request has none: the plain path),
 * `pass` (the request has some, but this level does not aggregate), `group` (this level
 * aggregates and groups by its other columns).
 */
export type AggregateMode = 'none' | 'pass' | 'group';

/** Whether a level aggregates: its own items, or those of the to-one spreads hoisted into it. */
export function levelAggregates(select: readonly SelectItem[], embeds: readonly EmbedPlan[]): boolean {
  return select.some((i) => i.kind === 'aggregate') || embeds.some((e) => e.spread && e.toOne && levelAggregates(e.select, e.children));
}

/** The mode of a level (an embed's rows, or the top) in a request that has aggregates. */
export function levelMode(select: readonly SelectItem[], embeds: readonly EmbedPlan[]): AggregateMode {
  return levelAggregates(select, embeds) ? 'group' : 'pass';
}

/** GROUP BY the level's own non-aggregated items plus `more` (embeds, spread columns). */
export function groupBySql(scope: Scope, select: readonly SelectItem[], more: readonly Sql[]): Sql {
  const terms = select.flatMap((item): Sql[] => {
    switch (item.kind) {
      case 'star':
        return scope.table.columns.map((c) => sql`${scope.qualifier}.${ident(c.name)}`);
      case 'field': {
        // A column shown through its data representation groups by the stored value: json has
        // no equality, and the shown value is a function of it (PostgREST groups by its name).
        const out = outputSql(scope, item.field);
        return [out.formatted ? fieldSql(scope, item.field) : castTo(out.expr, item.cast)];
      }
      case 'aggregate':
      case 'embed':
        return [];
    }
  });
  const all = [...terms, ...more];
  return all.length === 0 ? empty : sql` GROUP BY ${join(all, ', ')}`;
}

/** A column kept as JSON (an embed's body) groups as jsonb: json has no equality operator. */
export const groupableJson = (expr: Sql): Sql => sql`(${expr})::jsonb`;
