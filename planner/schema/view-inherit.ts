// What views inherit from the relations they read: a view column without its own default
// (ALTER VIEW … SET DEFAULT) takes the default of the column it exposes, so Prefer:
// missing=default inserts through a view as PostgreSQL itself would; and a view gets as its key
// the primary-key columns of every source it exposes entirely (PostgREST's view
// keys: upserts, PUT and Location through views). Chains of views are followed. Pure.

import type { Table } from './model.js';
import type { ViewSource } from './views.js';

/** What is known about the columns the views read, by `oid:attnum`. */
export interface SourceColumns {
  /** A column's own default expression. */
  readonly defaults: ReadonlyMap<string, string>;
  /** Relation oid → the attnums of its primary key. */
  readonly keys: ReadonlyMap<string, ReadonlySet<number>>;
  /** `schema\0relation\0column` → `oid:attnum`, so a view over a view finds what it inherited. */
  readonly ids: ReadonlyMap<string, string>;
}

const splitId = (id: string): [string, number] => {
  const i = id.indexOf(':');
  return [id.slice(0, i), Number(id.slice(i + 1))];
};

/** The tables with each view's inherited defaults and key filled in. */
export function withViewInheritance(
  tables: ReadonlyMap<string, Table>,
  views: readonly ViewSource[],
  sources: SourceColumns,
  tableKeyOf: (schema: string, name: string) => string,
): Map<string, Table> {
  const out = new Map(tables);
  const defaults = new Map(sources.defaults);
  const keys = new Map<string, ReadonlySet<number>>(sources.keys);
  // Chains resolve inner views first; a bounded number of passes covers any sane depth.
  for (let pass = 0; pass < 8; pass++) {
    let changed = false;
    for (const v of views) {
      const key = tableKeyOf(v.schema, v.name);
      const table = out.get(key);
      const idOf = (name: string): string | undefined => sources.ids.get(`${v.schema}\u0000${v.name}\u0000${name}`);
      if (table === undefined) {
        // A view no request reaches (one of db-extra-search-path's): it still passes its
        // sources' defaults and key on to the exposed views over it.
        if (passOn(v, idOf, defaults, keys)) changed = true;
        continue;
      }
      if (table.kind !== 'view') continue;
      let columns = table.columns;
      for (const [name, oid, attnum] of v.columns) {
        const col = table.columnsByName.get(name);
        if (col === undefined || (col.defaultExpr ?? null) !== null) continue;
        const inherited = defaults.get(`${oid}:${attnum}`);
        if (inherited === undefined) continue;
        columns = columns.map((c) => (c.name === name ? { ...c, hasDefault: true, defaultExpr: inherited } : c));
        const id = idOf(name);
        if (id !== undefined) defaults.set(id, inherited);
        changed = true;
      }
      let primaryKey = table.primaryKey;
      if (primaryKey.length === 0) {
        const inherited = inheritedKey(v, keys);
        if (inherited.length > 0) {
          primaryKey = inherited;
          const ids = inherited.map(idOf).filter((id): id is string => id !== undefined);
          if (ids.length === inherited.length) keys.set(splitId(ids[0]!)[0], new Set(ids.map((id) => splitId(id)[1])));
          changed = true;
        }
      }
      if (columns !== table.columns || primaryKey !== table.primaryKey) {
        out.set(key, Object.freeze({ ...table, columns: Object.freeze(columns), columnsByName: new Map(columns.map((c) => [c.name, c])), primaryKey: Object.freeze([...primaryKey]) }));
      }
    }
    if (!changed) break;
  }
  return out;
}

/** What a hidden view inherits, recorded under its own columns' ids; whether anything was new. */
function passOn(v: ViewSource, idOf: (name: string) => string | undefined, defaults: Map<string, string>, keys: Map<string, ReadonlySet<number>>): boolean {
  let changed = false;
  for (const [name, oid, attnum] of v.columns) {
    const id = idOf(name);
    const inherited = defaults.get(`${oid}:${attnum}`);
    if (id === undefined || inherited === undefined || defaults.has(id)) continue;
    defaults.set(id, inherited);
    changed = true;
  }
  const key = inheritedKey(v, keys);
  const ids = key.map(idOf).filter((id): id is string => id !== undefined);
  if (key.length > 0 && ids.length === key.length) {
    const own = splitId(ids[0]!)[0];
    if (!keys.has(own)) {
      keys.set(own, new Set(ids.map((id) => splitId(id)[1])));
      changed = true;
    }
  }
  return changed;
}

/**
 * The view's key as PostgREST infers it: the primary keys of every source relation the view
 * exposes entirely (a join view gets a composite key), in the order the view shows them.
 */
function inheritedKey(v: ViewSource, keys: ReadonlyMap<string, ReadonlySet<number>>): string[] {
  const bySource = new Map<string, Map<number, string>>();
  for (const [name, oid, attnum] of v.columns) {
    if (oid === 0) continue;
    const m = bySource.get(String(oid)) ?? new Map<number, string>();
    if (!m.has(attnum)) m.set(attnum, name);
    bySource.set(String(oid), m);
  }
  const out: string[] = [];
  for (const [oid, exposed] of bySource) {
    const pk = keys.get(oid);
    if (pk === undefined || pk.size === 0 || ![...pk].every((a) => exposed.has(a))) continue;
    for (const a of [...pk].sort((x, y) => x - y)) {
      const name = exposed.get(a)!;
      if (!out.includes(name)) out.push(name);
    }
  }
  return out;
}
