// planner/schema/: the schema cache, the foundation every stage reads: its model, the catalog
// SQL the loader runs, the pure decoders of the answers, relationships, snapshots and the JSON
// dump. This file is the folder's part of planner/'s public surface (planner/index.ts
// re-exports it); inside planner/, the stages import this folder's files directly.

export { decodeSchemaCache, type CatalogAnswer } from './decode.js';
export { NO_COMMENTS, NO_TYPES } from './annotations.js';
export { commentsQuery, computedRelationshipsQuery, typesQuery, foreignKeysQuery, tablesQuery, viewsQuery } from './queries.js';
export { routineKey, routinesQuery, type Routine } from './routines.js';
export { mediaHandlersQuery, type MediaHandler, type MediaHandlers } from './media-handlers.js';
export { findTable, suggestTable, type SchemaCache, type Table, type Column } from './model.js';
export { checkSnapshot, fingerprintQuery, snapshotRecord, type SchemaSnapshot } from './snapshot.js';
export { schemaCacheToJson } from './dump.js';
