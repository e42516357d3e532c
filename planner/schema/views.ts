// View columns traced to the table columns they come from (through chains of views), from
// each view's stored query tree (pg_rewrite.ev_action as text), and the foreign keys copied
// onto views so relationships reach them, as PostgREST does. Pure.

import type { ForeignKey } from './model.js';

/** A relation column: schema, relation, column. */
type Col = readonly [string, string, string];

export interface ViewSource {
  readonly schema: string;
  readonly name: string;
  /** [view column, oid of its source relation, attnum] from the top-level target list. */
  readonly columns: readonly (readonly [string, number, number])[];
}

/** The top-level target list of a stored query tree: [resname, resorigtbl, resorigcol]. */
export function targetList(action: string): [string, number, number][] {
  const out: [string, number, number][] = [];
  let depth = 0;
  let inList = false;
  let entry = '';
  for (let i = 0; i < action.length; i++) {
    const c = action[i]!;
    if (c === '\\') {
      if (depth === 2 && inList) entry += action.slice(i, i + 2);
      i++;
      continue;
    }
    if (c === '{') depth++;
    else if (c === '}') {
      depth--;
      if (depth === 1 && inList && entry !== '') {
        const f = (k: string): string | undefined => new RegExp(`:${k} ((?:\\\\.|[^\\s\\\\])+)`).exec(entry)?.[1];
        const name = (f('resname') ?? '').replace(/\\(.)/g, '$1');
        if (f('resjunk') !== 'true') out.push([name, Number(f('resorigtbl') ?? 0), Number(f('resorigcol') ?? 0)]);
        entry = '';
      }
      continue;
    } else if (depth === 1 && action.startsWith(':targetList', i)) inList = true;
    else if (depth === 1 && inList && c === ')') inList = false;
    if (depth === 2 && inList) entry += c;
  }
  return out;
}

/** Foreign keys with every side that a view exposes replaced by that view, recursively. */
export function viewForeignKeys(fks: readonly ForeignKey[], views: readonly ViewSource[], attnames: ReadonlyMap<string, Col>): ForeignKey[] {
  // view column → source column, one level; then followed to a base column.
  const direct = new Map<string, Col>();
  for (const v of views) {
    for (const [name, oid, attnum] of v.columns) {
      const src = attnames.get(`${oid}:${attnum}`);
      if (src !== undefined) direct.set(key([v.schema, v.name, name]), src);
    }
  }
  const base = (c: Col): Col => {
    let cur = c;
    for (let hops = 0; hops < 100; hops++) {
      const next = direct.get(key(cur));
      if (next === undefined) return cur;
      cur = next;
    }
    return cur;
  };
  // base table column → the view columns that expose it
  const exposed = new Map<string, Col[]>();
  for (const v of views) {
    for (const [name] of v.columns) {
      const col: Col = [v.schema, v.name, name];
      const b = base(col);
      if (b[1] === v.name && b[0] === v.schema) continue;
      const list = exposed.get(key(b)) ?? [];
      list.push(col);
      exposed.set(key(b), list);
    }
  }
  // Each relation that exposes all of a side's columns, with its column names: a view that
  // exposes a column more than once yields every combination (PostgREST's expandKeyDepCols).
  const sides = (schema: string, table: string, cols: readonly string[]): [string, string, string[]][] => {
    const out: [string, string, string[]][] = [[schema, table, [...cols]]];
    const views: [string, string][] = [];
    for (const [vs, vn] of exposed.get(key([schema, table, cols[0]!])) ?? []) {
      if (!views.some(([s, n]) => s === vs && n === vn)) views.push([vs, vn]);
    }
    for (const [vs, vn] of views) {
      let combos: string[][] = [[]];
      for (const c of cols) {
        const names = (exposed.get(key([schema, table, c])) ?? []).filter(([s, n]) => s === vs && n === vn).map((x) => x[2]);
        combos = combos.flatMap((prefix) => names.map((n) => [...prefix, n]));
      }
      for (const names of combos) out.push([vs, vn, names]);
    }
    return out;
  };
  const out: ForeignKey[] = [];
  for (const fk of fks) {
    for (const [s, t, cols] of sides(fk.schema, fk.table, fk.columns)) {
      for (const [fs, ft, fcols] of sides(fk.foreignSchema, fk.foreignTable, fk.foreignColumns)) {
        if (s === fk.schema && t === fk.table && fs === fk.foreignSchema && ft === fk.foreignTable) continue;
        out.push({ ...fk, schema: s, table: t, columns: cols, foreignSchema: fs, foreignTable: ft, foreignColumns: fcols });
      }
    }
  }
  return out;
}

const key = (c: Col): string => c.join('\u0000');
