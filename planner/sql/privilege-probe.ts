// The privilege probe for a large insert body: a statement that PostgreSQL refuses with the
// same 42501 as the real insert when the role may not insert into the target at all, run
// before the body is parsed. PostgREST's schema cache holds no per-role privileges (its
// insertable/updatable flags say what a relation supports, not who may write it) and
// PostgREST checks none itself: the database answers. So does the probe, without the body.

import { LARGE_BODY_BYTES, type RequestHead } from '../request/request.js';
import { findTable, type SchemaCache } from '../schema/model.js';
import { compile, ident, sql, type Compiled } from './sql.js';

/**
 * `EXPLAIN INSERT … DEFAULT VALUES` for a POST whose body is large, to a table the schema
 * cache has; else null. EXPLAIN plans and starts the executor, which checks privileges, but
 * runs nothing: no row, no trigger, no default evaluated. With no column named, PostgreSQL
 * lets it through when the role may insert into any column, so a refusal means the real
 * insert (whatever its columns) is refused too, by the same check and message.
 */
export function insertProbe(head: RequestHead, bodyBytes: number, cache: SchemaCache): Compiled | null {
  if (head.action.kind !== 'create' || bodyBytes < LARGE_BODY_BYTES) return null;
  if (findTable(cache, head.schema, head.relation) === undefined) return null;
  return compile(sql`EXPLAIN INSERT INTO ${ident(head.schema, head.relation)} DEFAULT VALUES`);
}
