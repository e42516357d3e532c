// The schema cache model: the tables, views and columns the API exposes, with lookup helpers.
// Plain immutable data so it can be swapped atomically, snapshotted, and tested without a database.

import { FuzzySet, NAME_HINT_SCORE } from '../fuzzy.js';
import type { Routine } from './routines.js';
import type { ComputedRelationship } from './computed.js';
import type { MediaHandlers } from './media-handlers.js';
import type { Representation } from './representations.js';

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
  /** The data representation of the column's domain (casts to/from json, from text). */
  readonly representation?: Representation;
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
  /** Some column is shown through a data representation (to json): `*` lists the columns. */
  readonly formatsOutput?: true;
  /** Some column reads request bodies through a data representation (from json). */
  readonly parsesJson?: true;
  /** Some column reads filter values through a data representation (from text). */
  readonly parsesText?: true;
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

const tableNames = new WeakMap<SchemaCache, Map<string, FuzzySet | null>>();

/** PostgREST builds no fuzzy index for a schema this large (its memory cost): no hint there. */
const MAX_TABLES_FOR_HINTS = 500;

/**
 * The closest table name in a schema, for PostgREST's "Perhaps you meant" hint: its fuzzy rule
 * (fuzzy.ts) with a 0.75 minimum score. The name sets are built once per schema cache.
 */
export function suggestTable(cache: SchemaCache, schema: string, name: string): string | null {
  let bySchema = tableNames.get(cache);
  if (bySchema === undefined) tableNames.set(cache, (bySchema = new Map()));
  let set = bySchema.get(schema);
  if (set === undefined) {
    const names = [...cache.tables.values()].filter((t) => t.schema === schema).map((t) => t.name);
    set = names.length >= MAX_TABLES_FOR_HINTS ? null : new FuzzySet(names);
    bySchema.set(schema, set);
  }
  return set === null ? null : set.closest(name, NAME_HINT_SCORE);
}

export { levenshtein } from '../fuzzy.js';
