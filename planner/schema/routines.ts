// Functions of the exposed schemas in the schema cache: the catalog query, the model and its
// decoder. Pure: the loader runs routinesQuery ($1 = schemas as text[]) and hands the JSON here.
// Overload resolution lives in planner/plan/rpc.ts; this file only describes what exists.

import type { Column } from './model.js';
import { isRecord } from '../json.js';

export interface RoutineParam {
  /** '' for an unnamed parameter. */
  readonly name: string;
  /** format_type() text, as PostgREST names it (PGRST203, OpenAPI, body-type matching): exposed schemas' types unqualified. */
  readonly type: string;
  /** The type arguments are read as (schema-qualified unless visible): character(n)/bit(n) widened to varying. */
  readonly castType: string;
  readonly hasDefault: boolean;
  readonly variadic: boolean;
}

export type Volatility = 'volatile' | 'stable' | 'immutable';

/** What the function gives back, as the response body is built from it. */
export type ReturnShape =
  | { readonly kind: 'void' }
  | { readonly kind: 'scalar'; readonly type: string }
  | {
      readonly kind: 'composite';
      readonly schema: string;
      readonly name: string;
      readonly columns: readonly Column[];
      /** A base type named by its single OUT/TABLE column (`OUT num_plus_one int`): called in FROM, never expanded. */
      readonly scalarOut?: true;
    };

export interface Routine {
  readonly schema: string;
  readonly name: string;
  /** Input parameters (IN, INOUT, VARIADIC) in declaration order. */
  readonly params: readonly RoutineParam[];
  readonly returns: ReturnShape;
  readonly setOf: boolean;
  readonly volatility: Volatility;
  /** `SET name = value` clauses of the function, as `name=value`. */
  readonly settings: readonly string[];
  /** COMMENT ON FUNCTION, when there is one. */
  readonly description?: string;
  /** proargtypes as text (input type oids): matches the overload to its EXECUTE privilege. */
  readonly signature?: string;
}

/**
 * Input parameters, output columns (OUT/TABLE or the composite type's), return shape. As
 * PostgREST: a domain return type is read as its base type (a domain over a composite is a
 * composite), OUT/INOUT/TABLE parameters make the result a composite even with one column,
 * trigger functions and functions PostgREST cannot call (more than one unnamed parameter, or
 * one that is not bytea/json/jsonb/text/xml) are left out, and character(n)/bit(n)
 * parameters are read as varying types so that longer input is not cut to the declared length.
 */
export const routinesQuery = `
select coalesce(json_agg(r), '[]')::text from (
  select n.nspname as schema, p.proname as name, p.proretset as set_of, pd.description as description, p.proargtypes::text as signature,
    case p.provolatile when 'v' then 'volatile' when 's' then 'stable' else 'immutable' end as volatility,
    coalesce(to_json(p.proconfig), '[]') as settings,
    case when t.oid = 'pg_catalog.void'::regtype then 'void'
         when t.typtype = 'c' or t.oid = 'pg_catalog.record'::regtype or outs.n > 0 then 'composite'
         else 'scalar' end as return_kind,
    (t.typtype <> 'c' and t.oid <> 'pg_catalog.record'::regtype and outs.n > 0) as scalar_out,
    pg_catalog.format_type(t.oid, null) as return_type,
    coalesce(tn.nspname, '') as return_schema, coalesce(t.typname, '') as return_name,
    ins.params as params,
    coalesce(case when t.typtype = 'c' and t.typrelid <> 0 then
        (select json_agg(json_build_object('name', at.attname, 'type', pg_catalog.format_type(at.atttypid, at.atttypmod),
            'nullable', not at.attnotnull, 'has_default', false) order by at.attnum)
         from pg_catalog.pg_attribute at where at.attrelid = t.typrelid and at.attnum > 0 and not at.attisdropped)
      else
        (select json_agg(json_build_object('name', x.name, 'type', pg_catalog.format_type(x.type, null),
            'nullable', true, 'has_default', false) order by x.idx)
         from unnest(p.proallargtypes, p.proargmodes::text[], p.proargnames) with ordinality as x(type, mode, name, idx)
         where x.mode in ('o', 'b', 't'))
      end, '[]') as columns
  from pg_catalog.pg_proc p
  join pg_catalog.pg_namespace n on n.oid = p.pronamespace
  -- The return type, a domain read as its base type.
  join pg_catalog.pg_type t on t.oid = (
    with recursive d(oid) as (
      select p.prorettype
      union all
      select dt.typbasetype from d join pg_catalog.pg_type dt on dt.oid = d.oid where dt.typtype = 'd')
    select d.oid from d join pg_catalog.pg_type dt on dt.oid = d.oid where dt.typtype <> 'd' limit 1)
  left join pg_catalog.pg_namespace tn on tn.oid = t.typnamespace
  left join pg_catalog.pg_description pd on pd.objoid = p.oid and pd.classoid = 'pg_catalog.pg_proc'::regclass and pd.objsubid = 0
  cross join lateral (
    select coalesce(json_agg(json_build_object('name', a.name,
        -- Named as PostgREST shows it: a type of an exposed schema without its schema.
        'type', case when a.ns = any($1::text[]) and position(pg_catalog.quote_ident(a.ns) || '.' in a.ft) = 1
                     then substr(a.ft, length(pg_catalog.quote_ident(a.ns)) + 2) else a.ft end,
        'cast_type', case a.type when 'pg_catalog.bit'::regtype then 'bit varying' when 'pg_catalog.bit[]'::regtype then 'bit varying[]'
                                 when 'pg_catalog.bpchar'::regtype then 'character varying' when 'pg_catalog.bpchar[]'::regtype then 'character varying[]'
                                 else pg_catalog.format_type(a.type, null) end,
        'variadic', a.mode = 'v', 'has_default', a.pos > p.pronargs - p.pronargdefaults) order by a.pos), '[]') as params,
      count(*) filter (where a.name = '') as unnamed,
      bool_and(a.name <> '' or a.type in ('pg_catalog.bytea'::regtype, 'pg_catalog.json'::regtype, 'pg_catalog.jsonb'::regtype,
                                          'pg_catalog.text'::regtype, 'pg_catalog.xml'::regtype)) as unnamed_ok
    from (select x.type, coalesce(x.mode, 'i') as mode, coalesce(x.name, '') as name, row_number() over (order by x.idx) as pos,
            pg_catalog.format_type(x.type, null) as ft, (select pn.nspname from pg_catalog.pg_type pt join pg_catalog.pg_namespace pn on pn.oid = pt.typnamespace where pt.oid = x.type) as ns
          from unnest(coalesce(p.proallargtypes, p.proargtypes::oid[]), p.proargmodes::text[], p.proargnames)
            with ordinality as x(type, mode, name, idx)
          where coalesce(x.mode, 'i') in ('i', 'b', 'v')) a) ins
  cross join lateral (select count(*) as n from unnest(p.proargmodes::text[]) as m where m in ('o', 'b', 't')) outs
  where p.prokind = 'f' and n.nspname = any($1::text[]) and t.oid <> 'pg_catalog.trigger'::regtype
    and (ins.unnamed = 0 or (ins.unnamed = 1 and ins.unnamed_ok))
  order by n.nspname, p.proname, p.oid
) r`;


function expect<T>(cond: boolean, what: string, value: T): T {
  if (!cond) throw new Error(`schema cache: unexpected routine data (${what})`);
  return value;
}

const str = (r: Record<string, unknown>, k: string): string => expect(typeof r[k] === 'string', k, r[k] as string);
const bool = (r: Record<string, unknown>, k: string): boolean => expect(typeof r[k] === 'boolean', k, r[k] as boolean);
const list = (r: Record<string, unknown>, k: string): unknown[] => expect(Array.isArray(r[k]), k, r[k] as unknown[]);
const rec = (v: unknown, what: string): Record<string, unknown> => expect(isRecord(v), what, v as Record<string, unknown>);

const VOLATILITIES: ReadonlySet<string> = new Set<Volatility>(['volatile', 'stable', 'immutable']);

function decodeReturns(r: Record<string, unknown>): ReturnShape {
  const kind = str(r, 'return_kind');
  switch (kind) {
    case 'void':
      return { kind: 'void' };
    case 'scalar':
      return { kind: 'scalar', type: str(r, 'return_type') };
    case 'composite': {
      const columns = list(r, 'columns').map((c): Column => {
        const o = rec(c, 'column');
        return { name: str(o, 'name'), type: str(o, 'type'), nullable: bool(o, 'nullable'), hasDefault: bool(o, 'has_default') };
      });
      // `record` without OUT parameters has no known columns: its values are returned as they
      // come (PostgREST treats it as a scalar).
      if (columns.length === 0 && str(r, 'return_type') === 'record') return { kind: 'scalar', type: 'record' };
      const shape = { kind: 'composite' as const, schema: str(r, 'return_schema'), name: str(r, 'return_name'), columns };
      return r['scalar_out'] === true ? { ...shape, scalarOut: true } : shape;
    }
    default:
      throw new Error(`schema cache: unexpected routine data (return_kind ${kind})`);
  }
}

export function decodeRoutine(raw: unknown): Routine {
  const r = rec(raw, 'routine');
  const volatility = str(r, 'volatility');
  expect(VOLATILITIES.has(volatility), 'volatility', volatility);
  const params = list(r, 'params').map((p): RoutineParam => {
    const o = rec(p, 'param');
    const type = str(o, 'type');
    const castType = typeof o['cast_type'] === 'string' ? o['cast_type'] : type;
    return { name: str(o, 'name'), type, castType, hasDefault: bool(o, 'has_default'), variadic: bool(o, 'variadic') };
  });
  const settings = list(r, 'settings').map((s) => expect(typeof s === 'string', 'setting', s as string));
  const description = r['description'];
  const signature = r['signature'];
  return Object.freeze({
    ...(typeof description === 'string' ? { description } : {}),
    ...(typeof signature === 'string' ? { signature } : {}),
    schema: str(r, 'schema'),
    name: str(r, 'name'),
    params: Object.freeze(params),
    returns: decodeReturns(r),
    setOf: bool(r, 'set_of'),
    volatility: volatility as Volatility,
    settings: Object.freeze(settings),
  });
}

export const routineKey = (schema: string, name: string): string => schema + '\u0000' + name;

/** The routines JSON → overloads grouped by schema and name. */
export function decodeRoutines(json: string): ReadonlyMap<string, readonly Routine[]> {
  const parsed: unknown = JSON.parse(json);
  const out = new Map<string, Routine[]>();
  for (const raw of expect(Array.isArray(parsed), 'routines', parsed as unknown[])) {
    const r = decodeRoutine(raw);
    const key = routineKey(r.schema, r.name);
    const group = out.get(key);
    if (group === undefined) out.set(key, [r]);
    else group.push(r);
  }
  return out;
}
