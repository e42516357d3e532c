// Catalog rows (the JSON from queries.ts) → SchemaCache. Pure: validates shapes and builds
// the lookup maps, so a malformed catalog answer fails loudly here, not mid-request.

import { decodeRoutines } from './routines.js';
import { tableKey, type Column, type RelationKind, type SchemaCache, type Table } from './model.js';

const KINDS: ReadonlySet<string> = new Set<RelationKind>(['table', 'view', 'materialized_view', 'foreign_table', 'partitioned_table']);

function expect<T>(cond: boolean, what: string, value: T): T {
  if (!cond) throw new Error(`schema cache: unexpected catalog data (${what})`);
  return value;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (r: Record<string, unknown>, k: string): string => expect(typeof r[k] === 'string', k, r[k] as string);
const bool = (r: Record<string, unknown>, k: string): boolean => expect(typeof r[k] === 'boolean', k, r[k] as boolean);

function decodeColumn(raw: unknown): Column {
  const r = expect(isRecord(raw), 'column', raw as Record<string, unknown>);
  return { name: str(r, 'name'), type: str(r, 'type'), nullable: bool(r, 'nullable'), hasDefault: bool(r, 'has_default') };
}

function decodeTable(raw: unknown): Table {
  const r = expect(isRecord(raw), 'table', raw as Record<string, unknown>);
  const kind = str(r, 'kind');
  expect(KINDS.has(kind), 'kind', kind);
  const columns = expect(Array.isArray(r['columns']), 'columns', r['columns'] as unknown[]).map(decodeColumn);
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
  });
}

export function decodeSchemaCache(tablesJson: string, routinesJson = '[]'): SchemaCache {
  const parsed: unknown = JSON.parse(tablesJson);
  const rows = expect(Array.isArray(parsed), 'tables', parsed as unknown[]);
  const tables = new Map<string, Table>();
  for (const row of rows) {
    const t = decodeTable(row);
    tables.set(tableKey(t.schema, t.name), t);
  }
  return { tables, routines: decodeRoutines(routinesJson) };
}
