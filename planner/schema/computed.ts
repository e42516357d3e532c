// Computed relationships: functions `f(tbl) RETURNS [SETOF] other` of an exposed schema, where
// both tbl and other are row types of relations. The model and the pure decoder of
// computedRelationshipsQuery's JSON; relationships.ts turns them into Relationships.

import { isRecord } from '../json.js';

export interface ComputedRelationship {
  /** The function, whose name is the relationship's name. */
  readonly schema: string;
  readonly name: string;
  /** The relation whose row is the argument, and the relation whose rows come back. */
  readonly tableSchema: string;
  readonly table: string;
  readonly foreignSchema: string;
  readonly foreignTable: string;
  /** Not SETOF, or ROWS 1: the embed is one object. */
  readonly toOne: boolean;
}


function field<T>(r: Record<string, unknown>, k: string, type: 'string' | 'boolean'): T {
  if (typeof r[k] !== type) throw new Error(`schema cache: unexpected computed relationship data (${k})`);
  return r[k] as T;
}

export function decodeComputedRelationships(json: string): readonly ComputedRelationship[] {
  const parsed: unknown = JSON.parse(json);
  if (!Array.isArray(parsed)) throw new Error('schema cache: unexpected computed relationship data (list)');
  return Object.freeze(
    parsed.map((raw: unknown): ComputedRelationship => {
      if (!isRecord(raw)) throw new Error('schema cache: unexpected computed relationship data (row)');
      return Object.freeze({
        schema: field<string>(raw, 'schema', 'string'),
        name: field<string>(raw, 'name', 'string'),
        tableSchema: field<string>(raw, 'table_schema', 'string'),
        table: field<string>(raw, 'table', 'string'),
        foreignSchema: field<string>(raw, 'foreign_schema', 'string'),
        foreignTable: field<string>(raw, 'foreign_table', 'string'),
        toOne: field<boolean>(raw, 'to_one', 'boolean'),
      });
    }),
  );
}
