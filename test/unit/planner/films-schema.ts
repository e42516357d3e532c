// Shared planner-test fixture: a schema cache with one `api.films` table (columns of each
// type family the SQL builder treats differently), a GET request → plan helper,
// and catalog-row builders for integer tables and foreign keys.

import { actionPlan, decodeSchemaCache, toApiRequest, type Plan, type SchemaCache } from '../../../planner/index.js';

export const filmsTables = JSON.stringify([
  {
    schema: 'api',
    name: 'films',
    kind: 'table',
    insertable: true,
    updatable: true,
    deletable: true,
    primary_key: ['id'],
    columns: [
      ['id', 'integer'],
      ['title', 'text'],
      ['year', 'integer'],
      ['tags', 'text[]'],
      ['details', 'jsonb'],
      ['search', 'tsvector'],
      ['synopsis', 'text'],
      ['cost', 'api.budget'],
    ].map(([name, type]) => ({ name, type, nullable: true, has_default: false })),
  },
]);

/** A catalog row for a foreign key between `api` tables, for relationship tests. */
export const fkRow = (constraint: string, tbl: string, columns: string[], foreign_table: string, foreign_columns: string[], unique = false) => ({
  constraint,
  schema: 'api',
  table: tbl,
  columns,
  foreign_schema: 'api',
  foreign_table,
  foreign_columns,
  unique,
});

/** A catalog row for an all-integer `api.<name>` table, for relationship tests. */
export const intTable = (name: string, columns: string[], primary_key: string[] = ['id']) => ({
  schema: 'api',
  name,
  kind: 'table',
  insertable: true,
  updatable: true,
  deletable: true,
  primary_key,
  columns: columns.map((c) => ({ name: c, type: 'integer', nullable: true, has_default: false })),
});

export const filmsSchema: SchemaCache = decodeSchemaCache({ tables: filmsTables });

/** Parse and plan `GET /films?<query>`; throws on any ApiError. */
export function planGet(query: string, headers: Record<string, string> = {}, maxRows: number | null = null, schema = filmsSchema): Plan {
  const req = toApiRequest({ method: 'GET', path: '/films', query, headers, body: null }, { schemas: ['api'] });
  if (!req.ok) throw new Error(req.error.message);
  const plan = actionPlan(req.value, schema, { maxRows });
  if (!plan.ok) throw new Error(plan.error.message);
  return plan.value;
}
