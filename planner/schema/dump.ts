// The schema cache as plain JSON (for `--dump-schema` and the admin `/schema_cache`):
// maps become arrays, derived lookup maps are left out. Pure.

import type { SchemaCache } from './model.js';

export function schemaCacheToJson(cache: SchemaCache): unknown {
  return {
    dbTables: [...cache.tables.values()].map((t) => ({
      schema: t.schema,
      name: t.name,
      kind: t.kind,
      insertable: t.insertable,
      updatable: t.updatable,
      deletable: t.deletable,
      ...(t.description === undefined ? {} : { description: t.description }),
      primaryKey: t.primaryKey,
      columns: t.columns,
    })),
    // Table foreign keys and their copies onto views that expose the key columns.
    dbForeignKeys: cache.foreignKeys,
    dbComputedRelationships: cache.computed ?? [],
    // Functions (overloads listed one by one), as PostgREST's dbRoutines.
    dbRoutines: [...(cache.routines?.values() ?? [])].flat(),
    // Media type handlers, relation-specific then anyelement ones (PostgREST's dbMediaHandlers).
    dbMediaHandlers: cache.mediaHandlers === undefined
      ? []
      : [...[...cache.mediaHandlers.byTarget.values()].flatMap((m) => [...m.values()]), ...cache.mediaHandlers.anyElement.values()],
  };
}
