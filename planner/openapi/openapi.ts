// The OpenAPI (Swagger 2.0) description PostgREST serves at `/`: a path per table, view and
// function the role may use, definitions from columns (types, formats, defaults, PK/FK notes,
// comments), the shared query, header and body parameters, and the optional JWT security.
// Pure: schema cache (+ the role's privileges) in, a typed Swagger document out; openapi3.ts
// turns the same document into OpenAPI 3.1.

import type { OpenApiAccess } from './openapi-access.js';
import { signatureKey } from './openapi-access.js';
import { findTable, type Column, type SchemaCache, type Table } from '../schema/model.js';
import type { Routine, RoutineParam } from '../schema/routines.js';

export type JsonValue = null | boolean | number | string | JsonValue[] | { [k: string]: JsonValue };

/** The JSON Schema subset the description uses (Swagger 2.0 schema objects). */
export interface SchemaObject {
  type?: string;
  format?: string;
  description?: string;
  items?: SchemaObject;
  properties?: Record<string, SchemaObject>;
  required?: string[];
  default?: JsonValue;
  enum?: JsonValue[];
  maxLength?: number;
  $ref?: string;
}

export interface Ref {
  $ref: string;
}

export interface QueryHeaderParam {
  name: string;
  description?: string;
  required: boolean;
  in: 'query' | 'header';
  type: string;
  format?: string;
  enum?: string[];
  default?: string;
  items?: SchemaObject;
  collectionFormat?: 'multi';
}

export interface BodyParam {
  name: string;
  description?: string;
  required: boolean;
  in: 'body';
  schema: SchemaObject;
}

export type Parameter = QueryHeaderParam | BodyParam;

export interface Operation {
  tags: string[];
  summary?: string;
  description?: string;
  produces?: string[];
  parameters?: (Ref | Parameter)[];
  responses: Record<string, { description: string; schema?: SchemaObject }>;
}

export type Method = 'get' | 'post' | 'patch' | 'delete';
export type PathItem = Partial<Record<Method, Operation>>;

export interface SecurityScheme {
  type: 'apiKey';
  name: string;
  in: 'header';
  description: string;
}

export interface Swagger2 {
  swagger: '2.0';
  info: { version: string; title: string; description: string };
  externalDocs: { description: string; url: string };
  host: string;
  basePath: string;
  schemes: string[];
  consumes: string[];
  produces: string[];
  paths: Record<string, PathItem>;
  definitions: Record<string, SchemaObject>;
  parameters: Record<string, Parameter>;
  securityDefinitions?: Record<string, SecurityScheme>;
  security?: Record<string, string[]>[];
}

export interface OpenApiOptions {
  readonly schema: string;
  /** openapi-server-proxy-uri, or null to describe the server itself. */
  readonly proxyUri: string | null;
  /** server-host as configured (the special values `*`, `!4`, … read as 0.0.0.0). */
  readonly host: string;
  readonly port: number;
  readonly version: string;
  /** openapi-security-active */
  readonly securityActive: boolean;
  /** What the role may use (follow-privileges), or null to describe everything. */
  readonly access: OpenApiAccess | null;
}

const MEDIA = ['application/json', 'application/vnd.pgrst.object+json;nulls=stripped', 'application/vnd.pgrst.object+json', 'text/csv'];
const RPC_MEDIA = ['application/json', 'application/vnd.pgrst.object+json;nulls=stripped', 'application/vnd.pgrst.object+json'];
const STRING_TYPES = new Set(['character varying', 'character', 'text']);
const INTEGER_TYPES = new Set(['smallint', 'integer', 'bigint']);
const NUMBER_TYPES = new Set(['numeric', 'real', 'double precision']);
/** A single unnamed parameter of these types takes the whole body, so the function is callable. */
const BODY_TYPES = new Set(['bytea', 'json', 'jsonb', 'text', 'xml']);

/** The type without its modifiers, as PostgREST reports it: `character varying(20)` → `character varying`. */
export function baseType(type: string): string {
  return type.replace(/\([^)]*\)/g, '');
}

/** The Swagger type of a PostgreSQL type; undefined for json/jsonb, which may hold anything. */
export function swaggerType(type: string): string | undefined {
  if (type.endsWith('[]')) return 'array';
  if (STRING_TYPES.has(type)) return 'string';
  if (type === 'boolean') return 'boolean';
  if (INTEGER_TYPES.has(type)) return 'integer';
  if (NUMBER_TYPES.has(type)) return 'number';
  if (type === 'json' || type === 'jsonb') return undefined;
  return 'string';
}

/** `type` (+ `items` for arrays) for a type; json/jsonb get no type at all. */
function typed(type: string): SchemaObject {
  const t = swaggerType(type);
  if (t === undefined) return {};
  if (t !== 'array') return { type: t };
  const inner = swaggerType(type.slice(0, -2));
  return { type: t, items: inner === undefined ? {} : { type: inner } };
}

/** A column default as a JSON value when it is a literal, as PostgREST reads it. */
export function parseDefault(type: string, expr: string): JsonValue | undefined {
  let text = expr;
  if (swaggerType(type) === 'string') {
    const suffix = '::' + type;
    if (text.endsWith(suffix)) text = text.slice(0, -suffix.length).replace(/^'+|'+$/g, '');
    text = '"' + text + '"';
  }
  try {
    return JSON.parse(text) as JsonValue;
  } catch {
    return undefined;
  }
}

/** First line → summary, the rest (after blank lines) → description, as PostgREST splits comments. */
export function splitComment(comment: string): { summary: string; description: string } {
  const nl = comment.indexOf('\n');
  if (nl < 0) return { summary: comment, description: '' };
  return { summary: comment.slice(0, nl), description: comment.slice(nl).replace(/^\n+/, '') };
}

function described(comment: string | undefined): { summary?: string; description?: string } {
  if (comment === undefined) return {};
  const { summary, description } = splitComment(comment);
  return description === '' ? { summary } : { summary, description };
}

/** The single-column foreign key on this column, pointing at a table before a view (PostgREST's choice). */
function foreignKeyNote(cache: SchemaCache, t: Table, column: string): string | null {
  const candidates = cache.foreignKeys.filter(
    (fk) => fk.schema === t.schema && fk.table === t.name && fk.columns.length === 1 && fk.columns[0] === column,
  );
  let best: { table: string; column: string; isView: boolean } | null = null;
  for (const fk of candidates) {
    const target = findTable(cache, fk.foreignSchema, fk.foreignTable);
    if (target === undefined) continue;
    const isView = target.kind === 'view' || target.kind === 'materialized_view';
    if (best === null || (best.isView && !isView)) best = { table: fk.foreignTable, column: fk.foreignColumns[0]!, isView };
  }
  if (best === null) return null;
  return `This is a Foreign Key to \`${best.table}.${best.column}\`.<fk table='${best.table}' column='${best.column}'/>`;
}

/** PostgREST's format: int32/int64 for the integer types, else the PostgreSQL type's name. */
export function swaggerFormat(type: string): string {
  switch (type) {
    case 'smallint':
    case 'integer':
      return 'int32';
    case 'bigint':
      return 'int64';
    default:
      return type;
  }
}

function property(cache: SchemaCache, t: Table, c: Column): SchemaObject {
  const type = c.domainBase ?? baseType(c.type);
  const p: SchemaObject = {};
  if (c.defaultExpr != null) {
    const d = parseDefault(type, c.defaultExpr);
    if (d !== undefined) p.default = d;
  }
  const notes = ['Note:'];
  if (t.primaryKey.includes(c.name)) notes.push('This is a Primary Key.<pk/>');
  const fk = foreignKeyNote(cache, t, c.name);
  if (fk !== null) notes.push(fk);
  const description = notes.length > 1 ? (c.description === undefined ? '' : c.description + '\n\n') + notes.join('\n') : c.description;
  if (description !== undefined) p.description = description;
  if (c.enumValues !== undefined) p.enum = [...c.enumValues];
  p.format = swaggerFormat(type);
  const len = /^(?:character varying|character)\((\d+)\)$/.exec(c.type);
  if (len !== null) p.maxLength = Number(len[1]);
  return { ...p, ...typed(type) };
}

function definition(cache: SchemaCache, t: Table): SchemaObject {
  const properties: Record<string, SchemaObject> = {};
  for (const c of t.columns) properties[c.name] = property(cache, t, c);
  // PostgREST's "required" is the NOT NULL columns, defaults or not.
  const required = t.columns.filter((c) => !c.nullable).map((c) => c.name);
  return {
    ...(t.description === undefined ? {} : { description: t.description }),
    type: 'object',
    properties,
    ...(required.length > 0 ? { required } : {}),
  };
}

/**
 * A `$ref` to a named entry: the name as a JSON-pointer token, percent-encoded for the URI
 * fragment (PostgREST leaves spaces and non-ASCII names raw, which is not a valid reference).
 */
export function refTo(section: string, name: string): string {
  return `#/${section}/${encodeURIComponent(name.replace(/~/g, '~0').replace(/\//g, '~1'))}`;
}

/** The entry name a refTo() reference points at, or null when it points elsewhere. */
export function refName(ref: string, section: string): string | null {
  const prefix = `#/${section}/`;
  if (!ref.startsWith(prefix)) return null;
  return decodeURIComponent(ref.slice(prefix.length)).replace(/~1/g, '/').replace(/~0/g, '~');
}

const ref = (name: string): Ref => ({ $ref: refTo('parameters', name) });

function pathItem(t: Table, access: OpenApiAccess | null): PathItem {
  const allowed = access === null ? null : access.tables.get(t.name);
  const filters = t.columns.map((c) => ref(`rowFilter.${t.name}.${c.name}`));
  const base = { tags: [t.name], ...described(t.description) };
  const item: PathItem = {};
  if (allowed == null || allowed.select) {
    item.get = {
      ...base,
      parameters: [...filters, ref('select'), ref('order'), ref('range'), ref('rangeUnit'), ref('offset'), ref('limit'), ref('preferCount')],
      responses: {
        '200': { description: 'OK', schema: { items: { $ref: refTo('definitions', t.name) }, type: 'array' } },
        '206': { description: 'Partial Content' },
      },
    };
  }
  if (t.insertable && (allowed == null || allowed.insert)) {
    item.post = { ...base, parameters: [ref(`body.${t.name}`), ref('select'), ref('preferPost')], responses: { '201': { description: 'Created' } } };
  }
  if (t.deletable && (allowed == null || allowed.delete)) {
    item.delete = { ...base, parameters: [...filters, ref('preferReturn')], responses: { '204': { description: 'No Content' } } };
  }
  if (t.updatable && (allowed == null || allowed.update)) {
    item.patch = { ...base, parameters: [...filters, ref(`body.${t.name}`), ref('preferReturn')], responses: { '204': { description: 'No Content' } } };
  }
  return item;
}

/** Functions PostgREST can call by name: every parameter named, or one unnamed body-typed one. */
function callable(r: Routine): boolean {
  if (r.returns.kind === 'scalar' && r.returns.type === 'trigger') return false;
  const unnamed = r.params.filter((p) => p.name === '');
  if (unnamed.length === 0) return true;
  return unnamed.length === 1 && r.params.length === 1 && BODY_TYPES.has(r.params[0]!.type);
}

function procGetParam(p: RoutineParam): QueryHeaderParam {
  const base = { name: p.name, required: !p.hasDefault, in: 'query' as const };
  if (p.variadic) {
    const elem = p.type.endsWith('[]') ? p.type.slice(0, -2) : p.type;
    return { ...base, type: swaggerType(p.type) ?? 'string', items: { type: swaggerType(elem) ?? 'string', format: swaggerFormat(elem) }, collectionFormat: 'multi' };
  }
  const t = swaggerType(p.type);
  // Arrays go in the query string as {a,b}; json has no query type of its own.
  return { ...base, format: swaggerFormat(p.type), type: t === undefined || t === 'array' ? 'string' : t };
}

function procPathItem(r: Routine): PathItem {
  const base = { tags: [`(rpc) ${r.name}`], ...described(r.description), produces: RPC_MEDIA, responses: { '200': { description: 'OK' } } };
  const properties: Record<string, SchemaObject> = {};
  for (const p of r.params) properties[p.name] = { ...typed(p.type), format: swaggerFormat(p.type) };
  const required = r.params.filter((p) => !p.hasDefault).map((p) => p.name);
  const body: BodyParam = {
    name: 'args',
    required: true,
    in: 'body',
    schema: {
      ...(r.description === undefined ? {} : { description: r.description }),
      type: 'object',
      properties,
      ...(required.length > 0 ? { required } : {}),
    },
  };
  const item: PathItem = { post: { ...base, parameters: [body, ref('preferParams')] } };
  if (r.volatility !== 'volatile') item.get = { ...base, parameters: r.params.map(procGetParam) };
  return item;
}

/** One function per name, as PostgREST lists them: the overload with the most parameters wins. */
function describedRoutines(cache: SchemaCache, schema: string, access: OpenApiAccess | null): Routine[] {
  const out: Routine[] = [];
  for (const group of cache.routines?.values() ?? []) {
    let pick: Routine | null = null;
    for (const r of group) {
      if (r.schema !== schema || !callable(r)) continue;
      if (access !== null && !access.routines.has(signatureKey(r.name, r.signature !== undefined ? [r.signature] : r.params.map((p) => p.type)))) continue;
      if (pick === null || r.params.length >= pick.params.length) pick = r;
    }
    if (pick !== null) out.push(pick);
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

const header = (values: string[] | null): QueryHeaderParam => ({
  name: 'Prefer',
  description: 'Preference',
  required: false,
  in: 'header',
  type: 'string',
  ...(values === null ? {} : { enum: values }),
});
const query = (name: string, description: string): QueryHeaderParam => ({ name, description, required: false, in: 'query', type: 'string' });

function sharedParameters(tables: readonly Table[]): Record<string, Parameter> {
  const out: Record<string, Parameter> = {
    // PostgREST v13 dropped params=single-object; the parameter stays for the RPC operations.
    preferParams: header(null),
    preferReturn: header(['return=representation', 'return=minimal', 'return=none']),
    preferCount: header(['count=none']),
    preferPost: header(['return=representation', 'return=minimal', 'return=none', 'resolution=ignore-duplicates', 'resolution=merge-duplicates']),
    select: query('select', 'Filtering Columns'),
    on_conflict: query('on_conflict', 'On Conflict'),
    order: query('order', 'Ordering'),
    range: { name: 'Range', description: 'Limiting and Pagination', required: false, in: 'header', type: 'string' },
    rangeUnit: { name: 'Range-Unit', description: 'Limiting and Pagination', required: false, in: 'header', type: 'string', default: 'items' },
    offset: query('offset', 'Limiting and Pagination'),
    limit: query('limit', 'Limiting and Pagination'),
  };
  for (const t of tables) {
    out[`body.${t.name}`] = { name: t.name, description: t.name, required: false, in: 'body', schema: { $ref: refTo('definitions', t.name) } };
    for (const c of t.columns) {
      out[`rowFilter.${t.name}.${c.name}`] = {
        name: c.name,
        ...(c.description === undefined ? {} : { description: c.description }),
        required: false,
        in: 'query',
        type: 'string',
      };
    }
  }
  return out;
}

const SPECIAL_HOSTS = new Set(['*', '*4', '!4', '*6', '!6']);

/** host (with its port), basePath and schemes from openapi-server-proxy-uri, or the server's own address. */
export function location(o: Pick<OpenApiOptions, 'proxyUri' | 'host' | 'port'>): { host: string; basePath: string; schemes: string[] } {
  if (o.proxyUri !== null) {
    const m = /^(https?):\/\/([^/:?#]+)(?::(\d+))?([^?#]*)/i.exec(o.proxyUri);
    if (m !== null) {
      const scheme = m[1]!.toLowerCase();
      const port = m[3] ?? (scheme === 'https' ? '443' : '80');
      return { host: `${m[2]!}:${port}`, basePath: m[4] === undefined || m[4] === '' ? '/' : m[4], schemes: [scheme] };
    }
  }
  const host = SPECIAL_HOSTS.has(o.host) ? '0.0.0.0' : o.host;
  return { host: `${host}:${o.port}`, basePath: '/', schemes: ['http'] };
}

export function openApiSpec(cache: SchemaCache, o: OpenApiOptions): Swagger2 {
  const access = o.access;
  const tables = [...cache.tables.values()]
    .filter((t) => t.schema === o.schema && (access === null || access.tables.has(t.name)))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const paths: Record<string, PathItem> = {
    '/': {
      get: {
        tags: ['Introspection'],
        summary: 'OpenAPI description (this document)',
        produces: ['application/openapi+json', 'application/json'],
        responses: { '200': { description: 'OK' } },
      },
    },
  };
  const definitions: Record<string, SchemaObject> = {};
  for (const t of tables) {
    const item = pathItem(t, access);
    if (Object.keys(item).length > 0) paths[`/${t.name}`] = item;
    definitions[t.name] = definition(cache, t);
  }
  for (const r of describedRoutines(cache, o.schema, access)) paths[`/rpc/${r.name}`] = procPathItem(r);
  const schemaComment = cache.schemaDescriptions?.get(o.schema);
  const info = schemaComment === undefined
    ? { title: 'PostgREST API', description: 'This is a dynamic API generated by PostgREST' }
    : { title: splitComment(schemaComment).summary, description: splitComment(schemaComment).description };
  const spec: Swagger2 = {
    swagger: '2.0',
    info: { version: o.version, ...info },
    externalDocs: { description: 'PostgREST Documentation', url: 'https://postgrest.org/en/latest/references/api.html' },
    ...location(o),
    consumes: MEDIA,
    produces: MEDIA,
    paths,
    definitions,
    parameters: sharedParameters(tables),
  };
  if (o.securityActive) {
    spec.securityDefinitions = {
      JWT: { type: 'apiKey', name: 'Authorization', in: 'header', description: 'Add the token prepending "Bearer " (without quotes) to it' },
    };
    spec.security = [{ JWT: [] }];
  }
  return spec;
}
