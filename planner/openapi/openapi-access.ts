// What the request role may use in one schema, for openapi-mode = follow-privileges: the
// catalog query (run as that role, right after the request context switches to it) and its
// decoder. Asked per root request rather than cached: grants change without a schema reload,
// any JWT role can ask, and has_*_privilege already follows role membership, PUBLIC grants,
// column grants and ownership, which a copy of the ACLs in the cache would have to redo.

export interface TableAccess {
  readonly select: boolean;
  readonly insert: boolean;
  readonly update: boolean;
  readonly delete: boolean;
}

export interface OpenApiAccess {
  /** Relations of the schema on which the role holds any of the four privileges, by name. */
  readonly tables: ReadonlyMap<string, TableAccess>;
  /** Functions the role may EXECUTE, as signatureKey(name, input types). */
  readonly routines: ReadonlySet<string>;
}

/**
 * A function overload's identity: its name and its input types as the text of proargtypes (type
 * oids: type names would depend on the search_path each query ran with).
 */
export const signatureKey = (name: string, types: readonly string[]): string => name + '\u0000' + types.join('\u0000');

/**
 * $1 = the schema. One JSON text: `{"tables":[[name, select, insert, update, delete], …],
 * "routines":[[name, [proargtypes text]], …]}`. Column grants count (has_any_column_privilege).
 */
export const openApiAccessQuery = `
select json_build_object(
  'tables', coalesce((
    select json_agg(json_build_array(a.relname, a.s, a.i, a.u, a.d) order by a.relname)
    from (
      select c.relname,
        pg_catalog.has_any_column_privilege(c.oid, 'SELECT') as s,
        pg_catalog.has_any_column_privilege(c.oid, 'INSERT') as i,
        pg_catalog.has_any_column_privilege(c.oid, 'UPDATE') as u,
        pg_catalog.has_table_privilege(c.oid, 'DELETE') as d
      from pg_catalog.pg_class c
      where c.relnamespace = n.oid and c.relkind in ('r', 'v', 'm', 'f', 'p') and not c.relispartition
    ) a
    where a.s or a.i or a.u or a.d), '[]'),
  'routines', coalesce((
    select json_agg(json_build_array(p.proname, json_build_array(p.proargtypes::text)) order by p.proname, p.oid)
    from pg_catalog.pg_proc p
    where p.pronamespace = n.oid and p.prokind = 'f' and pg_catalog.has_function_privilege(p.oid, 'EXECUTE')), '[]')
)::text
from pg_catalog.pg_namespace n
where n.nspname = $1`;

function fail(what: string): never {
  throw new Error(`openapi: unexpected privileges data (${what})`);
}

/** The query's JSON → OpenApiAccess; a schema that does not exist yields nothing accessible. */
export function decodeOpenApiAccess(json: string | null): OpenApiAccess {
  const tables = new Map<string, TableAccess>();
  const routines = new Set<string>();
  if (json === null) return { tables, routines };
  const parsed: unknown = JSON.parse(json);
  if (typeof parsed !== 'object' || parsed === null) fail('document');
  const doc = parsed as { tables?: unknown; routines?: unknown };
  if (!Array.isArray(doc.tables) || !Array.isArray(doc.routines)) fail('lists');
  for (const row of doc.tables as unknown[]) {
    if (!Array.isArray(row) || row.length !== 5 || typeof row[0] !== 'string') fail('table');
    const [name, s, i, u, d] = row as [string, unknown, unknown, unknown, unknown];
    tables.set(name, { select: s === true, insert: i === true, update: u === true, delete: d === true });
  }
  for (const row of doc.routines as unknown[]) {
    if (!Array.isArray(row) || row.length !== 2 || typeof row[0] !== 'string' || !Array.isArray(row[1])) fail('routine');
    const types = (row[1] as unknown[]).map((t) => (typeof t === 'string' ? t : fail('routine type')));
    routines.add(signatureKey(row[0] as string, types));
  }
  return { tables, routines };
}
