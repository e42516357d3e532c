// Catalog rows (the JSON from queries.ts) → SchemaCache. Pure: validates shapes and builds
// the lookup maps, so a malformed catalog answer fails loudly here, not mid-request.

import { targetList, viewForeignKeys, type ViewSource } from './views.js';
import { decodeRoutines } from './routines.js';
import { decodeComputedRelationships } from './computed.js';
import { withViewInheritance, type SourceColumns } from './view-inherit.js';
import { decodeMediaHandlers } from './media-handlers.js';
import { columnKey, decodeAnnotations, NO_COMMENTS, NO_TYPES, type Annotations } from './annotations.js';
import { tableKey, type Column, type ForeignKey, type RelationKind, type SchemaCache, type Table } from './model.js';
import { isRecord } from '../json.js';

const KINDS: ReadonlySet<string> = new Set<RelationKind>(['table', 'view', 'materialized_view', 'foreign_table', 'partitioned_table']);

function expect<T>(cond: boolean, what: string, value: T): T {
  if (!cond) throw new Error(`schema cache: unexpected catalog data (${what})`);
  return value;
}

const str = (r: Record<string, unknown>, k: string): string => expect(typeof r[k] === 'string', k, r[k] as string);
const bool = (r: Record<string, unknown>, k: string): boolean => expect(typeof r[k] === 'boolean', k, r[k] as boolean);

function decodeColumn(raw: unknown, schema: string, table: string, extra: Annotations): Column {
  const r = expect(isRecord(raw), 'column', raw as Record<string, unknown>);
  const defaultExpr = typeof r['default'] === 'string' ? r['default'] : null;
  const base = { name: str(r, 'name'), type: str(r, 'type'), nullable: bool(r, 'nullable'), hasDefault: bool(r, 'has_default') };
  // Optional keys stay absent rather than null so columns without them stay small.
  const description = extra.comments.get(columnKey(schema, table, base.name));
  const enumValues = extra.enums.get(base.type);
  const domainBase = extra.domains.get(base.type);
  const representation = extra.representations.get(base.type);
  return {
    ...base,
    ...(defaultExpr === null ? {} : { defaultExpr }),
    ...(description === undefined ? {} : { description }),
    ...(enumValues === undefined ? {} : { enumValues }),
    ...(domainBase === undefined ? {} : { domainBase }),
    ...(representation === undefined ? {} : { representation }),
  };
}

function decodeTable(raw: unknown, extra: Annotations): Table {
  const r = expect(isRecord(raw), 'table', raw as Record<string, unknown>);
  const kind = str(r, 'kind');
  expect(KINDS.has(kind), 'kind', kind);
  const columns = expect(Array.isArray(r['columns']), 'columns', r['columns'] as unknown[]).map((c) => decodeColumn(c, str(r, 'schema'), str(r, 'name'), extra));
  const description = extra.comments.get(tableKey(str(r, 'schema'), str(r, 'name')));
  const primaryKey = expect(Array.isArray(r['primary_key']), 'primary_key', r['primary_key'] as unknown[]).map((k) =>
    expect(typeof k === 'string', 'primary key column', k as string),
  );
  return Object.freeze({
    schema: str(r, 'schema'),
    name: str(r, 'name'),
    kind: kind as RelationKind,
    columns: Object.freeze(columns),
    columnsByName: new Map(columns.map((c) => [c.name, c])),
    primaryKey: Object.freeze(primaryKey),
    insertable: bool(r, 'insertable'),
    updatable: bool(r, 'updatable'),
    deletable: bool(r, 'deletable'),
    ...(description === undefined ? {} : { description }),
    ...(columns.some((c) => c.representation?.toJson !== undefined) ? { formatsOutput: true as const } : {}),
    ...(columns.some((c) => c.representation?.fromJson !== undefined) ? { parsesJson: true as const } : {}),
    ...(columns.some((c) => c.representation?.fromText !== undefined) ? { parsesText: true as const } : {}),
  });
}

const strList = (r: Record<string, unknown>, k: string): string[] =>
  expect(Array.isArray(r[k]), k, r[k] as unknown[]).map((v) => expect(typeof v === 'string', k, v as string));

function decodeForeignKey(raw: unknown): ForeignKey {
  const r = expect(isRecord(raw), 'foreign key', raw as Record<string, unknown>);
  return Object.freeze({
    constraint: str(r, 'constraint'),
    schema: str(r, 'schema'),
    table: str(r, 'table'),
    columns: Object.freeze(strList(r, 'columns')),
    foreignSchema: str(r, 'foreign_schema'),
    foreignTable: str(r, 'foreign_table'),
    foreignColumns: Object.freeze(strList(r, 'foreign_columns')),
    unique: bool(r, 'unique'),
  });
}

/**
 * The JSON text each catalog query of queries.ts returned, as the loader received it (and as a
 * snapshot keeps it). Only the tables are required: a missing answer decodes as an empty one.
 */
export interface CatalogAnswer {
  readonly tables: string;
  readonly foreignKeys: string;
  readonly views: string;
  readonly routines: string;
  /** Computed relationships (functions from a row type to a row type). */
  readonly computed: string;
  /** Media type handlers (aggregates and functions returning media-type domains). */
  readonly mediaHandlers: string;
  /** Comments on schemas, relations and columns. */
  readonly comments: string;
  /** Enum labels and domain base types. */
  readonly types: string;
}

export function decodeSchemaCache(catalog: Pick<CatalogAnswer, 'tables'> & Partial<CatalogAnswer>): SchemaCache {
  const {
    tables: tablesJson,
    foreignKeys: foreignKeysJson = '[]',
    views: viewsJson = '{"views":[],"columns":[]}',
    routines: routinesJson = '[]',
    computed: computedJson = '[]',
    mediaHandlers: mediaHandlersJson = '[]',
    comments: commentsJson = NO_COMMENTS,
    types: typesJson = NO_TYPES,
  } = catalog;
  const extra = decodeAnnotations(commentsJson, typesJson);
  const fks: unknown = JSON.parse(foreignKeysJson);
  const tableFks = expect(Array.isArray(fks), 'foreign keys', fks as unknown[]).map(decodeForeignKey);
  const v = decodeViews(viewsJson);
  // Foreign keys are carried over to the views that expose their columns.
  const foreignKeys = Object.freeze([...tableFks, ...viewForeignKeys(tableFks, v.views, v.attnames)]);
  const parsed: unknown = JSON.parse(tablesJson);
  const rows = expect(Array.isArray(parsed), 'tables', parsed as unknown[]);
  const tables = new Map<string, Table>();
  for (const row of rows) {
    const t = decodeTable(row, extra);
    tables.set(tableKey(t.schema, t.name), t);
  }
  const inherited = withViewInheritance(tables, v.views, v.sources, tableKey);
  const mediaHandlers = decodeMediaHandlers(mediaHandlersJson);
  const cache = { tables: inherited, foreignKeys, routines: decodeRoutines(routinesJson), computed: decodeComputedRelationships(computedJson), schemaDescriptions: extra.schemaDescriptions };
  return mediaHandlers === undefined ? cache : { ...cache, mediaHandlers };
}

interface DecodedViews {
  readonly views: ViewSource[];
  /** `oid:attnum` → [schema, relation, column] of every column the views read. */
  readonly attnames: Map<string, readonly [string, string, string]>;
  /** Defaults and key membership of those columns, for what views inherit. */
  readonly sources: SourceColumns;
}

/** The views JSON: each view's top-level target list, and the columns those lists read. */
function decodeViews(viewsJson: string): DecodedViews {
  const parsed: unknown = JSON.parse(viewsJson);
  const r = expect(isRecord(parsed), 'views', parsed as Record<string, unknown>);
  const views: ViewSource[] = expect(Array.isArray(r['views']), 'views', r['views'] as unknown[]).map((raw) => {
    const v = expect(isRecord(raw), 'view', raw as Record<string, unknown>);
    return { schema: str(v, 'schema'), name: str(v, 'name'), columns: targetList(str(v, 'action')) };
  });
  const attnames = new Map<string, readonly [string, string, string]>();
  const defaults = new Map<string, string>();
  const keys = new Map<string, Set<number>>();
  const ids = new Map<string, string>();
  for (const row of expect(Array.isArray(r['columns']), 'view columns', r['columns'] as unknown[])) {
    const [oid, schema, rel, attnum, name, dflt, inKey] = expect(Array.isArray(row) && row.length >= 5, 'view column', row as unknown[]);
    const id = `${String(oid)}:${String(attnum)}`;
    attnames.set(id, [String(schema), String(rel), String(name)]);
    ids.set(`${String(schema)}\u0000${String(rel)}\u0000${String(name)}`, id);
    if (typeof dflt === 'string') defaults.set(id, dflt);
    if (inKey === true) keys.set(String(oid), (keys.get(String(oid)) ?? new Set<number>()).add(Number(attnum)));
  }
  return { views, attnames, sources: { defaults, keys, ids } };
}
