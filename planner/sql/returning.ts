// The RETURNING list of a write: only the columns the response needs (the representation's own
// columns, the parent-side columns its embeds join on, the primary key for Location), so a role
// with SELECT on some columns only can still write filtered on those. Pure.

import type { EmbedPlan } from '../plan/embed.js';
import type { Plan } from '../plan/plan.js';
import type { SelectItem } from '../request/types.js';

type MutatePlan = Extract<Plan, { kind: 'mutate' }>;

/** Every column (`*`), or these columns in table order (possibly none). */
export type Returning = { readonly kind: 'all' } | { readonly kind: 'columns'; readonly columns: readonly string[] };

const ALL: Returning = { kind: 'all' };

/** The written table's columns an item of the representation's select list reads; null = all. */
function itemColumns(plan: MutatePlan, item: SelectItem): readonly string[] | null {
  switch (item.kind) {
    case 'star':
      return null;
    case 'embed':
      // Embeds are read from plan.embeds, which knows their relationships.
      return [];
    case 'field':
      // Not a column (a computed field takes the whole row): return everything.
      return plan.table.columnsByName.has(item.field.name) ? [item.field.name] : null;
    case 'aggregate':
      if (item.field === null) return [];
      return plan.table.columnsByName.has(item.field.name) ? [item.field.name] : null;
  }
}

/** The written table's columns an embed joins on; null when it needs the whole row. */
function embedColumns(e: EmbedPlan): readonly string[] | null {
  // A computed relationship's function takes the parent row as its argument.
  if (e.rel.computed !== null) return null;
  if (e.rel.junction !== null) return e.rel.junction.source.foreignColumns;
  return e.rel.columns.map(([parent]) => parent);
}

/** What the write's RETURNING must carry for this plan's response. */
export function returningOf(plan: MutatePlan): Returning {
  const needed = new Set<string>();
  const location = plan.mutation === 'insert' && plan.request.preferences.return === 'headers-only';
  if (location) for (const c of plan.table.primaryKey) needed.add(c);
  if (plan.returnRepresentation) {
    for (const item of plan.request.select) {
      const cols = itemColumns(plan, item);
      if (cols === null) return ALL;
      for (const c of cols) needed.add(c);
    }
    for (const e of plan.embeds) {
      const cols = embedColumns(e);
      if (cols === null) return ALL;
      for (const c of cols) needed.add(c);
    }
  }
  return { kind: 'columns', columns: plan.table.columns.map((c) => c.name).filter((c) => needed.has(c)) };
}
