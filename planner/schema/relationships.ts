// Relationships derived from the foreign keys in the schema cache, seen from one table:
// many-to-one, one-to-many, one-to-one (FK columns unique) and many-to-many through a
// junction table whose primary key holds both FKs' columns. Pure; PostgREST's model.

import { findTable, type ForeignKey, type SchemaCache, type Table } from './model.js';
import type { ComputedRelationship } from './computed.js';

export type Cardinality = 'many-to-one' | 'one-to-many' | 'one-to-one' | 'many-to-many';

export interface Junction {
  readonly table: Table;
  /** FK from the junction to the source table, and from the junction to the target. */
  readonly source: ForeignKey;
  readonly target: ForeignKey;
}

export interface Relationship {
  readonly cardinality: Cardinality;
  readonly table: Table;
  readonly foreignTable: Table;
  /** Column pairs: [column of table, column of foreignTable] (direct relationships). */
  readonly columns: readonly (readonly [string, string])[];
  readonly constraint: string;
  /** Which end of the FK `table` is: the referencing side or the referenced side. */
  readonly fk: ForeignKey;
  readonly junction: Junction | null;
  /** A computed relationship: the function called with the parent row (then `fk` is empty). */
  readonly computed: ComputedRelationship | null;
  /** `table` and `foreignTable` are the same relation (PostgREST's relIsSelf). */
  readonly isSelf: boolean;
}

const pairs = (a: readonly string[], b: readonly string[]): (readonly [string, string])[] => a.map((x, i) => [x, b[i]!] as const);

const isTo = (fk: ForeignKey, t: Table): boolean => fk.foreignSchema === t.schema && fk.foreignTable === t.name;
const isFrom = (fk: ForeignKey, t: Table): boolean => fk.schema === t.schema && fk.table === t.name;

const same = (a: Table, b: Table): boolean => a.schema === b.schema && a.name === b.name;

function direct(fk: ForeignKey, table: Table, foreignTable: Table, cardinality: Cardinality, columns: (readonly [string, string])[]): Relationship {
  return { cardinality, table, foreignTable, columns, constraint: fk.constraint, fk, junction: null, computed: null, isSelf: same(table, foreignTable) };
}

/**
 * Every relationship with `table` at its source end and its other end in the same schema (as
 * PostgREST keys them). A computed relationship replaces the detected ones to a relation of its
 * function's schema and name.
 */
export function relationshipsOf(cache: SchemaCache, table: Table): readonly Relationship[] {
  // Derived once per schema cache and relation (the cache is immutable and swapped whole), so
  // planning a request never walks every foreign key.
  let byTable = memo.get(cache);
  if (byTable === undefined) memo.set(cache, (byTable = new Map()));
  const key = table.schema + '\u0000' + table.name;
  let rels = byTable.get(key);
  if (rels === undefined) byTable.set(key, (rels = Object.freeze(derive(cache, table))));
  return rels;
}

const memo = new WeakMap<SchemaCache, Map<string, readonly Relationship[]>>();

function derive(cache: SchemaCache, table: Table): Relationship[] {
  const out = detected(cache, table).filter((r) => r.foreignTable.schema === table.schema);
  const computed: Relationship[] = [];
  for (const c of cache.computed ?? []) {
    if (c.tableSchema === table.schema && c.table === table.name) {
      const foreign = findTable(cache, c.foreignSchema, c.foreignTable);
      if (foreign !== undefined && foreign.schema === table.schema) computed.push(computedRelationship(c, table, foreign));
    }
  }
  if (computed.length === 0) return out;
  const overridden = (r: Relationship): boolean => computed.some((c) => c.computed!.schema === r.foreignTable.schema && c.computed!.name === r.foreignTable.name);
  return [...out.filter((r) => !overridden(r)), ...computed];
}

function detected(cache: SchemaCache, table: Table): Relationship[] {
  const out: Relationship[] = [];
  for (const fk of cache.foreignKeys) {
    if (isFrom(fk, table)) {
      const foreign = findTable(cache, fk.foreignSchema, fk.foreignTable);
      if (foreign !== undefined) out.push(direct(fk, table, foreign, fk.unique ? 'one-to-one' : 'many-to-one', pairs(fk.columns, fk.foreignColumns)));
    }
    if (isTo(fk, table)) {
      const child = findTable(cache, fk.schema, fk.table);
      if (child !== undefined) {
        out.push(direct(fk, table, child, fk.unique ? 'one-to-one' : 'one-to-many', pairs(fk.foreignColumns, fk.columns)));
        out.push(...manyToMany(cache, table, child, fk));
      }
    }
  }
  return out;
}

function computedRelationship(c: ComputedRelationship, table: Table, foreignTable: Table): Relationship {
  const fk: ForeignKey = {
    constraint: c.name,
    schema: table.schema,
    table: table.name,
    columns: [],
    foreignSchema: foreignTable.schema,
    foreignTable: foreignTable.name,
    foreignColumns: [],
    unique: c.toOne,
  };
  return { cardinality: c.toOne ? 'many-to-one' : 'one-to-many', table, foreignTable, columns: [], constraint: c.name, fk, junction: null, computed: c, isSelf: same(table, foreignTable) };
}

/** `source` FK goes from `junction` to the table; pair it with each other FK of the junction. */
function manyToMany(cache: SchemaCache, table: Table, junction: Table, source: ForeignKey): Relationship[] {
  const key = new Set(junction.primaryKey);
  const inKey = (fk: ForeignKey): boolean => fk.columns.every((c) => key.has(c));
  if (!inKey(source)) return [];
  const out: Relationship[] = [];
  for (const target of cache.foreignKeys) {
    if (target === source || !isFrom(target, junction) || !inKey(target)) continue;
    const foreign = findTable(cache, target.foreignSchema, target.foreignTable);
    if (foreign === undefined) continue;
    out.push({
      cardinality: 'many-to-many',
      table,
      foreignTable: foreign,
      columns: [],
      constraint: target.constraint,
      fk: target,
      junction: { table: junction, source, target },
      computed: null,
      isSelf: same(table, foreign),
    });
  }
  return out;
}

/** Whether an embed of this relationship yields one object (else an array). */
export const isToOne = (r: Relationship): boolean => r.cardinality === 'many-to-one' || r.cardinality === 'one-to-one';

// PostgREST lists ambiguous candidates in its derived order of relationships: detected before
// computed, then by foreign relation, self last, O2M < M2O < O2O < M2M, then constraint and
// columns (O2O: the referencing side first), then whether either end is a view.
const cardinalityRank: Record<Cardinality, number> = { 'one-to-many': 0, 'many-to-one': 1, 'one-to-one': 2, 'many-to-many': 3 };
const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
const cmpBool = (a: boolean, b: boolean): number => Number(a) - Number(b);
const cmpPairs = (a: readonly (readonly [string, string])[], b: readonly (readonly [string, string])[]): number => {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const d = cmp(a[i]![0], b[i]![0]) || cmp(a[i]![1], b[i]![1]);
    if (d !== 0) return d;
  }
  return a.length - b.length;
};
const isViewKind = (t: Table): boolean => t.kind === 'view' || t.kind === 'materialized_view';
const isParent = (r: Relationship): boolean => !(r.fk.schema === r.table.schema && r.fk.table === r.table.name);

export function compareRelationships(a: Relationship, b: Relationship): number {
  return (
    cmpBool(a.computed !== null, b.computed !== null) ||
    cmp(a.foreignTable.schema, b.foreignTable.schema) ||
    cmp(a.foreignTable.name, b.foreignTable.name) ||
    cmpBool(a.isSelf, b.isSelf) ||
    cardinalityRank[a.cardinality] - cardinalityRank[b.cardinality] ||
    cmp(a.junction?.table.schema ?? '', b.junction?.table.schema ?? '') ||
    cmp(a.junction?.table.name ?? '', b.junction?.table.name ?? '') ||
    cmp(a.junction?.source.constraint ?? '', b.junction?.source.constraint ?? '') ||
    cmp(a.constraint, b.constraint) ||
    cmpPairs(a.columns, b.columns) ||
    cmpBool(a.cardinality === 'one-to-one' && isParent(a), b.cardinality === 'one-to-one' && isParent(b)) ||
    cmpBool(isViewKind(a.table), isViewKind(b.table)) ||
    cmpBool(isViewKind(a.foreignTable), isViewKind(b.foreignTable))
  );
}
