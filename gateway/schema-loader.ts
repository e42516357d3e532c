// Loads the schema cache through the pool (catalog SQL from planner/schema/queries.ts),
// decodes it with pure planner code and swaps it into the state whole.

import { decodeSchemaCache, tablesQuery, type SchemaCache } from '../planner/index.js';
import type { Pool } from '../protocol/index.js';

/** The Postgres array literal for a list of names, sent as one text[] parameter. */
function textArray(names: readonly string[]): string {
  return '{' + names.map((n) => '"' + n.replace(/[\\"]/g, (c) => '\\' + c) + '"').join(',') + '}';
}

export async function loadSchemaCache(pool: Pool, schemas: readonly string[]): Promise<SchemaCache> {
  const [result] = await pool.run([{ text: tablesQuery, params: [textArray(schemas)] }]);
  const cell = result?.rows[0]?.[0];
  if (cell === undefined || cell === null) throw new Error('schema cache query returned no rows');
  return decodeSchemaCache(cell.toString('utf8'));
}
