// Column defaults of views: a view column without its own default (ALTER VIEW … SET DEFAULT)
// takes the default of the table column it exposes, followed through chains of views, so
// Prefer: missing=default inserts through a view as PostgreSQL itself would. Pure.

import type { Table } from './model.js';
import type { ViewSource } from './views.js';

/** Source relation column `oid:attnum` → its own default expression (when it has one). */
export type SourceDefaults = ReadonlyMap<string, string>;

/** `oid:attnum` of a view's own column, for following a view that reads another view. */
export type ViewColumnIds = ReadonlyMap<string, string>;

/**
 * The tables with each view's undefaulted columns given their source column's default.
 * `viewIds` maps `schema\0view\0column` to that column's `oid:attnum`, so a view over a view
 * finds the inner view's (possibly inherited) default.
 */
export function withViewDefaults(
  tables: ReadonlyMap<string, Table>,
  views: readonly ViewSource[],
  sourceDefaults: SourceDefaults,
  viewIds: ViewColumnIds,
  tableKeyOf: (schema: string, name: string) => string,
): Map<string, Table> {
  const out = new Map(tables);
  const known = new Map(sourceDefaults);
  // Chains resolve inner views first; a bounded number of passes covers any sane depth.
  for (let pass = 0; pass < 8; pass++) {
    let changed = false;
    for (const v of views) {
      const key = tableKeyOf(v.schema, v.name);
      const table = out.get(key);
      if (table === undefined) continue;
      let columns = table.columns;
      for (const [name, oid, attnum] of v.columns) {
        const col = table.columnsByName.get(name);
        if (col === undefined || (col.defaultExpr ?? null) !== null) continue;
        const inherited = known.get(`${oid}:${attnum}`);
        if (inherited === undefined) continue;
        columns = columns.map((c) => (c.name === name ? { ...c, hasDefault: true, defaultExpr: inherited } : c));
        const id = viewIds.get(`${v.schema}\u0000${v.name}\u0000${name}`);
        if (id !== undefined) known.set(id, inherited);
        changed = true;
      }
      if (columns !== table.columns) {
        out.set(key, Object.freeze({ ...table, columns: Object.freeze(columns), columnsByName: new Map(columns.map((c) => [c.name, c])) }));
      }
    }
    if (!changed) break;
  }
  return out;
}
