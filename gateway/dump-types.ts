// `--dump-types`: the schema cache as the TypeScript `Database` type @supabase/postgrest-js
// consumes, in the shape of Supabase's type generator (per schema: Tables with Row / Insert /
// Update / Relationships, Views, Functions with Args / Returns, Enums, CompositeTypes). Pure;
// a type the mapping does not know becomes `unknown`, never an error.

import type { Column, Routine, SchemaCache, Table } from '../planner/index.js';

const NUMBER = new Set(['smallint', 'integer', 'bigint', 'real', 'double precision', 'numeric', 'oid', 'int2', 'int4', 'int8', 'float4', 'float8', 'decimal']);
const STRING = new Set([
  'text', 'character varying', 'character', 'varchar', 'char', 'bpchar', 'name', 'uuid', 'citext', 'date', 'time without time zone',
  'time with time zone', 'timestamp without time zone', 'timestamp with time zone', 'interval', 'inet', 'cidr', 'macaddr', 'macaddr8',
  'money', 'bytea', 'bit', 'bit varying', 'tsvector', 'tsquery', '"char"', 'regclass', 'regproc', 'regtype',
]);

/** `nc.priority` / `"My Schema"."T"` / `mood` → [schema, name]; unqualified names are public's. */
function splitQualified(type: string): [string, string] {
  const parts = type.match(/"(?:[^"]|"")*"|[^.]+/g) ?? [type];
  const unquote = (p: string): string => (p.startsWith('"') ? p.slice(1, -1).replace(/""/g, '"') : p);
  return parts.length === 2 ? [unquote(parts[0]!), unquote(parts[1]!)] : ['public', unquote(parts[0]!)];
}

const key = (name: string): string => (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name) ? name : JSON.stringify(name));
const literal = (s: string): string => JSON.stringify(s);

class Emitter {
  private readonly cache: SchemaCache;
  private readonly schema: string;
  /** Enum labels by type text (as format_type writes it), from the columns that use them. */
  private readonly enums: ReadonlyMap<string, readonly string[]>;

  constructor(cache: SchemaCache, schema: string, enums: ReadonlyMap<string, readonly string[]>) {
    this.cache = cache;
    this.schema = schema;
    this.enums = enums;
  }

  /** A column or argument type: enums by name when this schema has them, arrays element-wise. */
  tsType(type: string, column?: Column): string {
    if (type.endsWith('[]')) {
      const element = this.tsType(type.slice(0, -2));
      return element === 'unknown' ? 'unknown[]' : `(${element})[]`;
    }
    const labels = column?.enumValues ?? this.enums.get(type);
    if (labels !== undefined) {
      const [schema, name] = splitQualified(type);
      return schema === this.schema ? `Database[${literal(this.schema)}]["Enums"][${literal(name)}]` : labels.map(literal).join(' | ') || 'string';
    }
    const base = (column?.domainBase ?? type).replace(/\(.*\)$/, '').trim();
    if (NUMBER.has(base)) return 'number';
    if (STRING.has(base)) return 'string';
    if (base === 'boolean' || base === 'bool') return 'boolean';
    if (base === 'json' || base === 'jsonb') return 'Json';
    if (base === 'void') return 'undefined';
    if (base === 'record') return 'Record<string, unknown>';
    return 'unknown';
  }

  private columnType(c: Column): string {
    const t = this.tsType(c.type, c);
    return c.nullable ? `${t} | null` : t;
  }

  private fields(columns: readonly Column[], mode: 'Row' | 'Insert' | 'Update', indent: string): string {
    if (columns.length === 0) return '{\n' + indent + '  [_ in never]: never\n' + indent + '}';
    const sorted = [...columns].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const lines = sorted.map((c) => {
      const optional = mode === 'Update' || (mode === 'Insert' && (c.nullable || c.hasDefault));
      return `${indent}  ${key(c.name)}${optional ? '?' : ''}: ${this.columnType(c)}`;
    });
    return '{\n' + lines.join('\n') + '\n' + indent + '}';
  }

  private relationships(t: Table, indent: string): string {
    const fks = this.cache.foreignKeys.filter((f) => f.schema === t.schema && f.table === t.name && f.foreignSchema === t.schema);
    if (fks.length === 0) return '[]';
    const list = (xs: readonly string[]): string => `[${xs.map(literal).join(', ')}]`;
    const items = fks.map(
      (f) =>
        `${indent}  {\n${indent}    foreignKeyName: ${literal(f.constraint)}\n${indent}    columns: ${list(f.columns)}\n${indent}    isOneToOne: ${f.unique}\n` +
        `${indent}    referencedRelation: ${literal(f.foreignTable)}\n${indent}    referencedColumns: ${list(f.foreignColumns)}\n${indent}  },`,
    );
    return '[\n' + items.join('\n') + '\n' + indent + ']';
  }

  relation(t: Table, writable: boolean): string {
    const i = '        ';
    const parts = [`${i}Row: ${this.fields(t.columns, 'Row', i)}`];
    if (writable) parts.push(`${i}Insert: ${this.fields(t.columns, 'Insert', i)}`, `${i}Update: ${this.fields(t.columns, 'Update', i)}`);
    parts.push(`${i}Relationships: ${this.relationships(t, i)}`);
    return `      ${key(t.name)}: {\n${parts.join('\n')}\n      }`;
  }

  private returns(r: Routine): string {
    const ret = r.returns;
    let t: string;
    switch (ret.kind) {
      case 'void':
        return 'undefined';
      case 'scalar':
        t = this.tsType(ret.type);
        break;
      case 'composite': {
        const table = this.cache.tables.get(`${ret.schema}\u0000${ret.name}`);
        const columns = table?.columns ?? ret.columns;
        t = columns.length === 0 ? 'Record<string, unknown>' : this.fields(columns, 'Row', '          ');
        break;
      }
    }
    return r.setOf ? (t.startsWith('{') ? `${t}[]` : `(${t})[]`) : t;
  }

  func(name: string, overloads: readonly Routine[]): string {
    const variants = overloads.map((r) => {
      const named = r.params.filter((p) => p.name !== '');
      const args =
        named.length === 0
          ? 'never'
          : '{\n' + named.map((p) => `            ${key(p.name)}${p.hasDefault ? '?' : ''}: ${this.tsType(p.type)}`).join('\n') + '\n          }';
      return `{\n          Args: ${args}\n          Returns: ${this.returns(r)}\n        }`;
    });
    return `      ${key(name)}:\n        | ${variants.join('\n        | ')}`;
  }
}

const NONE = '{\n      [_ in never]: never\n    }';
const section = (entries: readonly string[]): string => (entries.length === 0 ? NONE : '{\n' + entries.join('\n') + '\n    }');

/** The generated module's text, one schema block per exposed schema in db-schemas order. */
export function databaseTypes(cache: SchemaCache, schemas: readonly string[]): string {
  const allEnums = new Map<string, readonly string[]>();
  for (const t of cache.tables.values()) for (const c of t.columns) if (c.enumValues !== undefined) allEnums.set(c.type, c.enumValues);
  const blocks = schemas.map((schema) => {
    const relations = [...cache.tables.values()].filter((t) => t.schema === schema).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const e = new Emitter(cache, schema, allEnums);
    const tables = relations.filter((t) => t.kind === 'table' || t.kind === 'partitioned_table' || t.kind === 'foreign_table').map((t) => e.relation(t, true));
    const views = relations.filter((t) => t.kind === 'view' || t.kind === 'materialized_view').map((t) => e.relation(t, t.insertable || t.updatable));
    const functions = [...(cache.routines?.values() ?? [])]
      .filter((rs) => rs[0]?.schema === schema)
      .sort((a, b) => (a[0]!.name < b[0]!.name ? -1 : 1))
      .map((rs) => e.func(rs[0]!.name, rs));
    const enums = new Map<string, readonly string[]>();
    for (const [type, labels] of allEnums) {
      const [s, name] = splitQualified(type);
      if (s === schema) enums.set(name, labels);
    }
    const enumLines = [...enums].sort(([a], [b]) => (a < b ? -1 : 1)).map(([name, labels]) => `      ${key(name)}: ${labels.map(literal).join(' | ') || 'never'}`);
    return `  ${key(schema)}: {\n    Tables: ${section(tables)}\n    Views: ${section(views)}\n    Functions: ${section(functions)}\n    Enums: ${section(enumLines)}\n    CompositeTypes: ${NONE}\n  }`;
  });
  return `// Generated by pgrest-gateway --dump-types from the schema cache. Do not edit by hand.

export type Json = string | number | boolean | null | { [key: string]: Json | undefined } | Json[]

export type Database = {
  // Lets @supabase/postgrest-js type the features of the PostgREST version served.
  __InternalSupabase: {
    PostgrestVersion: "14"
  }
${blocks.join('\n')}
}
`;
}
