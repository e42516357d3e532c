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
}

const pairs = (a: readonly string[], b: readonly string[]): (readonly [string, string])[] => a.map((x, i) => [x, b[i]!] as const);

const isTo = (fk: ForeignKey, t: Table): boolean => fk.foreignSchema === t.schema && fk.foreignTable === t.name;
const isFrom = (fk: ForeignKey, t: Table): boolean => fk.schema === t.schema && fk.table === t.name;

function direct(fk: ForeignKey, table: Table, foreignTable: Table, cardinality: Cardinality, columns: (readonly [string, string])[]): Relationship {
  return { cardinality, table, foreignTable, columns, constraint: fk.constraint, fk, junction: null, computed: null };
}

/** Every relationship with `table` at its source end. */
export function relationshipsOf(cache: SchemaCache, table: Table): Relationship[] {
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
  for (const c of cache.computed ?? []) {
    if (c.tableSchema === table.schema && c.table === table.name) {
      const foreign = findTable(cache, c.foreignSchema, c.foreignTable);
      if (foreign !== undefined) out.push(computedRelationship(c, table, foreign));
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
  return { cardinality: c.toOne ? 'many-to-one' : 'one-to-many', table, foreignTable, columns: [], constraint: c.name, fk, junction: null, computed: c };
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
    });
  }
  return out;
}

/** Whether an embed of this relationship yields one object (else an array). */
export const isToOne = (r: Relationship): boolean => r.cardinality === 'many-to-one' || r.cardinality === 'one-to-one';
