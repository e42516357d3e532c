// Media type handlers in the schema cache (PostgREST v12+): domains named after media types
// (`create domain "text/html" as text`) returned by aggregates over a relation's row type (or
// anyelement) or by functions. The catalog query, the model and its pure decoder; choosing a
// handler for a request lives in planner/plan/media-resolve.ts.

/** Who the handler answers for: one relation's (or routine's) rows, or any rows at all. */
export type HandlerTarget =
  | { readonly kind: 'anyelement' }
  | { readonly kind: 'relation'; readonly schema: string; readonly name: string };

export interface MediaHandler {
  /** The lower-cased media type the handler produces (a lone star pair for the catch-all). */
  readonly mediaType: string;
  /** Content-Type of the answer: the domain's name, application/octet-stream for the catch-all. */
  readonly contentType: string;
  /** aggregate: `schema.name(rows)`; function: the routine itself returns the domain. */
  readonly kind: 'aggregate' | 'function';
  readonly schema: string;
  readonly name: string;
  readonly target: HandlerTarget;
  /** The domain is over bytea: the body is raw bytes, not text. */
  readonly binary: boolean;
}

export interface MediaHandlers {
  /** tableKey(schema, relation or routine) → media type → handler. */
  readonly byTarget: ReadonlyMap<string, ReadonlyMap<string, MediaHandler>>;
  /** Aggregates over anyelement, by media type. */
  readonly anyElement: ReadonlyMap<string, MediaHandler>;
  /** An anyelement handler replaces a builtin type (any type, application/json, text/csv, …). */
  readonly overridesBuiltin: boolean;
}

/**
 * Aggregates of one argument (a relation's row type or anyelement) and non-set functions whose
 * result type is a media-type domain; the domain may live in any schema, as in PostgREST.
 */
export const mediaHandlersQuery = `
with media_types as (
  select t.oid, lower(t.typname) as media_type,
    case t.typname when '*/*' then 'application/octet-stream' else t.typname end as content_type,
    b.typname = 'bytea' as is_binary
  from pg_catalog.pg_type t
  join pg_catalog.pg_type b on b.oid = t.typbasetype
  where t.typtype = 'd' and (t.typname ~* '^[A-Za-z0-9.-]+/[A-Za-z0-9.\\+-]+$' or t.typname = '*/*')
)
select coalesce(json_agg(h order by h.target_schema, h.target_name, h.media_type, h.kind), '[]')::text from (
  select 'aggregate' as kind, pn.nspname as schema, p.proname as name,
    case when a.oid = 'pg_catalog.anyelement'::regtype then '' else an.nspname end as target_schema,
    case when a.oid = 'pg_catalog.anyelement'::regtype then '' else c.relname end as target_name,
    a.oid = 'pg_catalog.anyelement'::regtype as anyelement,
    m.media_type, m.content_type, m.is_binary as binary
  from media_types m
  join pg_catalog.pg_proc p on p.prorettype = m.oid
  join pg_catalog.pg_namespace pn on pn.oid = p.pronamespace
  join pg_catalog.pg_aggregate ag on ag.aggfnoid = p.oid
  join pg_catalog.pg_type a on a.oid = p.proargtypes[0]
  left join pg_catalog.pg_class c on c.oid = a.typrelid and c.relkind in ('v', 'r', 'm', 'f', 'p')
  left join pg_catalog.pg_namespace an on an.oid = c.relnamespace
  where pn.nspname = any($1::text[]) and p.pronargs = 1
    and (a.oid = 'pg_catalog.anyelement'::regtype or c.oid is not null)
  union all
  select 'function', pn.nspname, p.proname, pn.nspname, p.proname, false, m.media_type, m.content_type, m.is_binary
  from media_types m
  join pg_catalog.pg_proc p on p.prorettype = m.oid
  join pg_catalog.pg_namespace pn on pn.oid = p.pronamespace
  where pn.nspname = any($1::text[]) and not p.proretset and p.prokind = 'f'
) h`;

/** Media types the gateway produces without a handler; an anyelement handler may replace them. */
const BUILTIN: ReadonlySet<string> = new Set(['*/*', 'application/json', 'text/csv', 'application/geo+json', 'application/msgpack']);

const key = (schema: string, name: string): string => schema + '\u0000' + name;

function field<T>(r: Record<string, unknown>, k: string, type: 'string' | 'boolean'): T {
  const v = r[k];
  if (typeof v !== type) throw new Error(`schema cache: unexpected catalog data (media handler ${k})`);
  return v as T;
}

/** The catalog JSON → handlers, or undefined when the database defines none (the common case). */
export function decodeMediaHandlers(json: string): MediaHandlers | undefined {
  const rows: unknown = JSON.parse(json);
  if (!Array.isArray(rows)) throw new Error('schema cache: unexpected catalog data (media handlers)');
  if (rows.length === 0) return undefined;
  const byTarget = new Map<string, Map<string, MediaHandler>>();
  const anyElement = new Map<string, MediaHandler>();
  for (const raw of rows) {
    if (typeof raw !== 'object' || raw === null) throw new Error('schema cache: unexpected catalog data (media handler)');
    const r = raw as Record<string, unknown>;
    const kind = field<string>(r, 'kind', 'string');
    if (kind !== 'aggregate' && kind !== 'function') throw new Error('schema cache: unexpected catalog data (media handler kind)');
    const anyelement = field<boolean>(r, 'anyelement', 'boolean');
    const targetSchema = field<string>(r, 'target_schema', 'string');
    const targetName = field<string>(r, 'target_name', 'string');
    const handler: MediaHandler = Object.freeze({
      mediaType: field<string>(r, 'media_type', 'string'),
      contentType: field<string>(r, 'content_type', 'string'),
      kind,
      schema: field<string>(r, 'schema', 'string'),
      name: field<string>(r, 'name', 'string'),
      target: anyelement ? { kind: 'anyelement' as const } : { kind: 'relation' as const, schema: targetSchema, name: targetName },
      binary: field<boolean>(r, 'binary', 'boolean'),
    });
    // Rows come ordered, so when two handlers claim the same pair the choice is stable.
    if (anyelement) {
      if (!anyElement.has(handler.mediaType)) anyElement.set(handler.mediaType, handler);
      continue;
    }
    const k = key(targetSchema, targetName);
    let forTarget = byTarget.get(k);
    if (forTarget === undefined) byTarget.set(k, (forTarget = new Map()));
    if (!forTarget.has(handler.mediaType)) forTarget.set(handler.mediaType, handler);
  }
  const overridesBuiltin = [...anyElement.keys()].some((m) => BUILTIN.has(m));
  return { byTarget, anyElement, overridesBuiltin };
}
