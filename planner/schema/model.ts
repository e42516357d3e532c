// The schema cache model: the tables, views and columns the API exposes, with lookup helpers.
// Plain immutable data so it can be swapped atomically, snapshotted, and tested without a database.

import type { Routine } from './routines.js';
import type { ComputedRelationship } from './computed.js';
import type { MediaHandlers } from './media-handlers.js';

export interface Column {
  readonly name: string;
  readonly type: string;
  readonly nullable: boolean;
  readonly hasDefault: boolean;
  /** The default's SQL text from the catalog (pg_get_expr), used by Prefer: missing=default. */
  readonly defaultExpr?: string | null;
  /** COMMENT ON COLUMN, when there is one. */
  readonly description?: string;
  /** The labels of an enum-typed column, in their sort order. */
  readonly enumValues?: readonly string[];
  /** For a domain over a built-in type: that type (format_type, no modifiers). */
  readonly domainBase?: string;
}

export type RelationKind = 'table' | 'view' | 'materialized_view' | 'foreign_table' | 'partitioned_table';

export interface Table {
  readonly schema: string;
  readonly name: string;
  readonly kind: RelationKind;
  readonly columns: readonly Column[];
  readonly columnsByName: ReadonlyMap<string, Column>;
  readonly primaryKey: readonly string[];
  readonly insertable: boolean;
  readonly updatable: boolean;
  readonly deletable: boolean;
  /** COMMENT ON TABLE / VIEW, when there is one. */
  readonly description?: string;
}

/** A foreign key; `unique` when its columns are also a primary key or unique constraint. */
export interface ForeignKey {
  readonly constraint: string;
  readonly schema: string;
  readonly table: string;
  readonly columns: readonly string[];
  readonly foreignSchema: string;
  readonly foreignTable: string;
  readonly foreignColumns: readonly string[];
  readonly unique: boolean;
}

export interface SchemaCache {
  readonly tables: ReadonlyMap<string, Table>;
  readonly foreignKeys: readonly ForeignKey[];
  /** Functions by schema + name (routineKey), overloads together; absent in table-only caches. */
  readonly routines?: ReadonlyMap<string, readonly Routine[]>;
  /** Functions that relate a relation's row to other rows; absent in table-only caches. */
  readonly computed?: readonly ComputedRelationship[];
  /** Media type handlers; absent when the database defines none. */
  readonly mediaHandlers?: MediaHandlers;
  /** COMMENT ON SCHEMA of the exposed schemas that have one (the OpenAPI title and description). */
  readonly schemaDescriptions?: ReadonlyMap<string, string>;
}

export const tableKey = (schema: string, name: string): string => schema + '\u0000' + name;

export function findTable(cache: SchemaCache, schema: string, name: string): Table | undefined {
  return cache.tables.get(tableKey(schema, name));
}

/** The closest table name in a schema, for PostgREST's "Perhaps you meant" hint. */
export function suggestTable(cache: SchemaCache, schema: string, name: string): string | null {
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const t of cache.tables.values()) {
    if (t.schema !== schema) continue;
    const d = levenshtein(name.toLowerCase(), t.name.toLowerCase());
    if (d < bestDistance) {
      bestDistance = d;
      best = t.name;
    }
  }
  // Only suggest names that are plausibly a typo of the request.
  return best !== null && bestDistance <= Math.max(2, Math.floor(name.length / 3)) ? best : null;
}

export function levenshtein(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length]!;
}
