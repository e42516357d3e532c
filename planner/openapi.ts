// The OpenAPI (Swagger 2.0) description PostgREST serves at `/`: a path per table and view
// with the methods it allows, definitions from columns (types, formats, required, PK notes)
// and the shared query, header and body parameters. Pure: schema cache in, JSON value out.

import type { Column, SchemaCache, Table } from './schema/model.js';

export interface OpenApiOptions {
  readonly schema: string;
  /** openapi-server-proxy-uri, or null to describe the server itself. */
  readonly proxyUri: string | null;
  readonly host: string;
  readonly port: number;
  readonly version: string;
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

const MEDIA = ['application/json', 'application/vnd.pgrst.object+json;nulls=stripped', 'application/vnd.pgrst.object+json', 'text/csv'];

const INTEGER = new Set(['smallint', 'integer', 'bigint']);
const NUMBER = new Set(['numeric', 'real', 'double precision']);

/** A column's Swagger type and format, following PostgREST (the format is the PostgreSQL type). */
function columnType(c: Column): { [k: string]: Json } {
  const base = c.type.replace(/\(.*\)/, '');
  if (base.endsWith('[]')) return { format: c.type, type: 'array', items: { type: 'string' } };
  if (INTEGER.has(base)) return { format: base, type: 'integer' };
  if (NUMBER.has(base)) return { format: base, type: 'number' };
  if (base === 'boolean') return { format: base, type: 'boolean' };
  if (base === 'json' || base === 'jsonb') return { format: base };
  return { format: c.type, type: 'string' };
}

function definition(t: Table): Json {
  const properties: { [k: string]: Json } = {};
  for (const c of t.columns) {
    const p: { [k: string]: Json } = { ...columnType(c) };
    if (t.primaryKey.includes(c.name)) p['description'] = 'Note:\nThis is a Primary Key.<pk/>';
    properties[c.name] = p;
  }
  const required = t.columns.filter((c) => !c.nullable && !c.hasDefault).map((c) => c.name);
  return { ...(required.length > 0 ? { required } : {}), properties, type: 'object' };
}

const ref = (name: string): Json => ({ $ref: `#/parameters/${name}` });

function pathItem(t: Table): Json {
  const filters = t.columns.map((c) => ref(`rowFilter.${t.name}.${c.name}`));
  const ok = { description: 'OK', schema: { items: { $ref: `#/definitions/${t.name}` }, type: 'array' } };
  const item: { [k: string]: Json } = {
    get: {
      tags: [t.name],
      parameters: [...filters, ref('select'), ref('order'), ref('range'), ref('rangeUnit'), ref('offset'), ref('limit'), ref('preferCount')],
      responses: { '200': ok, '206': { description: 'Partial Content' } },
    },
  };
  if (t.insertable) {
    item['post'] = {
      tags: [t.name],
      parameters: [ref(`body.${t.name}`), ref('select'), ref('preferPost')],
      responses: { '201': { description: 'Created' } },
    };
  }
  if (t.deletable) {
    item['delete'] = { tags: [t.name], parameters: [...filters, ref('preferReturn')], responses: { '204': { description: 'No Content' } } };
  }
  if (t.updatable) {
    item['patch'] = {
      tags: [t.name],
      parameters: [...filters, ref(`body.${t.name}`), ref('preferReturn')],
      responses: { '204': { description: 'No Content' } },
    };
  }
  return item;
}

const header = (name: string, values: string[]): Json => ({ name: 'Prefer', description: name, required: false, enum: values, in: 'header', type: 'string' });
const query = (name: string, description: string): Json => ({ name, description, required: false, in: 'query', type: 'string' });

function sharedParameters(tables: readonly Table[]): { [k: string]: Json } {
  const out: { [k: string]: Json } = {
    preferParams: header('Preference', ['params=single-object']),
    preferReturn: header('Preference', ['return=representation', 'return=minimal', 'return=none']),
    preferCount: header('Preference', ['count=none']),
    preferPost: header('Preference', ['return=representation', 'return=minimal', 'return=none', 'resolution=ignore-duplicates', 'resolution=merge-duplicates']),
    select: query('select', 'Filtering Columns'),
    on_conflict: query('on_conflict', 'On Conflict'),
    order: query('order', 'Ordering'),
    range: { name: 'Range', description: 'Limiting and Pagination', required: false, in: 'header', type: 'string' },
    rangeUnit: { name: 'Range-Unit', description: 'Limiting and Pagination', required: false, default: 'items', in: 'header', type: 'string' },
    offset: query('offset', 'Limiting and Pagination'),
    limit: query('limit', 'Limiting and Pagination'),
  };
  for (const t of tables) {
    out[`body.${t.name}`] = { name: t.name, description: t.name, required: false, in: 'body', schema: { $ref: `#/definitions/${t.name}` } };
    for (const c of t.columns) {
      out[`rowFilter.${t.name}.${c.name}`] = { name: c.name, required: false, format: c.type, in: 'query', type: 'string' };
    }
  }
  return out;
}

/** host, basePath and schemes from openapi-server-proxy-uri, or the server's own address. */
function location(o: OpenApiOptions): { host: string; basePath: string; schemes: string[] } {
  if (o.proxyUri !== null) {
    const m = /^(https?):\/\/([^/]+)(\/.*)?$/.exec(o.proxyUri);
    if (m !== null) return { host: m[2]!, basePath: m[3] ?? '/', schemes: [m[1]!] };
  }
  return { host: `${o.host}:${o.port}`, basePath: '/', schemes: ['http'] };
}

export function openApiSpec(cache: SchemaCache, o: OpenApiOptions): Json {
  const tables = [...cache.tables.values()].filter((t) => t.schema === o.schema).sort((a, b) => a.name.localeCompare(b.name));
  const paths: { [k: string]: Json } = {
    '/': {
      get: {
        tags: ['Introspection'],
        summary: 'OpenAPI description (this document)',
        produces: ['application/openapi+json', 'application/json'],
        responses: { '200': { description: 'OK' } },
      },
    },
  };
  const definitions: { [k: string]: Json } = {};
  for (const t of tables) {
    paths[`/${t.name}`] = pathItem(t);
    definitions[t.name] = definition(t);
  }
  return {
    swagger: '2.0',
    info: { description: '', title: 'PostgREST API', version: o.version },
    ...location(o),
    consumes: MEDIA,
    produces: MEDIA,
    paths,
    definitions,
    parameters: sharedParameters(tables),
    externalDocs: { description: 'PostgREST Documentation', url: 'https://postgrest.org/en/stable/references/api.html' },
  };
}
