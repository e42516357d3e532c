// Beyond PostgREST: the Swagger 2.0 document of openapi.ts rewritten as OpenAPI 3.1 —
// definitions → components.schemas, shared query/header parameters → components.parameters,
// body parameters → components.requestBodies (or inline requestBody), host/basePath/schemes →
// servers, produces → response content, the JWT scheme as an HTTP bearer scheme. Component
// names must match ^[a-zA-Z0-9._-]+$ in 3.1, so other relation names get a sanitized key. Pure.

import { refName, refTo, type JsonValue, type Method, type Operation, type Parameter, type QueryHeaderParam, type Ref, type SchemaObject, type Swagger2 } from './openapi.js';

type JsonObject = { [k: string]: JsonValue };

const METHODS: readonly Method[] = ['get', 'post', 'patch', 'delete'];

/** Names → component keys matching ^[a-zA-Z0-9._-]+$: unchanged when they already do, else with
 * the other characters replaced and, on a clash, a counter appended. */
export function componentKeys(names: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  const taken = new Set(names.filter((n) => /^[a-zA-Z0-9._-]+$/.test(n)));
  for (const name of names) {
    if (taken.has(name)) {
      out.set(name, name);
      continue;
    }
    const base = name.replace(/[^a-zA-Z0-9._-]/g, '_');
    let key = base;
    for (let i = 2; taken.has(key); i++) key = `${base}_${i}`;
    taken.add(key);
    out.set(name, key);
  }
  return out;
}

interface Keys {
  readonly schemas: ReadonlyMap<string, string>;
  readonly parameters: ReadonlyMap<string, string>;
}

/** A schema object with its $refs moved from #/definitions/ to #/components/schemas/. */
function schema(s: SchemaObject, keys: Keys): JsonObject {
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(s) as [keyof SchemaObject, SchemaObject[keyof SchemaObject]][]) {
    if (v === undefined) continue;
    if (k === '$ref') out[k] = refTo('components/schemas', keys.schemas.get(refName(v as string, 'definitions') ?? '') ?? '');
    else if (k === 'items') out[k] = schema(v as SchemaObject, keys);
    else if (k === 'properties') {
      const props: JsonObject = {};
      for (const [name, p] of Object.entries(v as Record<string, SchemaObject>)) props[name] = schema(p, keys);
      out[k] = props;
    } else out[k] = v as JsonValue;
  }
  return out;
}

function parameter(p: QueryHeaderParam, keys: Keys): JsonObject {
  const s: SchemaObject = { type: p.type };
  if (p.format !== undefined) s.format = p.format;
  if (p.enum !== undefined) s.enum = p.enum;
  if (p.default !== undefined) s.default = p.default;
  if (p.items !== undefined) s.items = p.items;
  return {
    name: p.name,
    in: p.in,
    ...(p.description === undefined ? {} : { description: p.description }),
    required: p.required,
    ...(p.collectionFormat === 'multi' ? { style: 'form', explode: true } : {}),
    schema: schema(s, keys),
  };
}

const content = (media: readonly string[], s: SchemaObject, keys: Keys): JsonObject =>
  Object.fromEntries(media.map((m) => [m, { schema: schema(s, keys) }]));

const isRef = (p: Ref | Parameter): p is Ref => '$ref' in p;

function operation(op: Operation, doc: Swagger2, keys: Keys): JsonObject {
  const parameters: JsonValue[] = [];
  let requestBody: JsonValue | undefined;
  for (const p of op.parameters ?? []) {
    if (isRef(p)) {
      const name = refName(p.$ref, 'parameters') ?? '';
      const key = keys.parameters.get(name) ?? '';
      if (doc.parameters[name]?.in === 'body') requestBody = { $ref: refTo('components/requestBodies', key) };
      else parameters.push({ $ref: refTo('components/parameters', key) });
    } else if (p.in === 'body') {
      requestBody = { ...(p.description === undefined ? {} : { description: p.description }), required: p.required, content: content(doc.consumes, p.schema, keys) };
    } else parameters.push(parameter(p, keys));
  }
  const responses: JsonObject = {};
  for (const [status, r] of Object.entries(op.responses)) {
    responses[status] = r.schema === undefined ? { description: r.description } : { description: r.description, content: content(op.produces ?? doc.produces, r.schema, keys) };
  }
  return {
    tags: op.tags,
    ...(op.summary === undefined ? {} : { summary: op.summary }),
    ...(op.description === undefined ? {} : { description: op.description }),
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(requestBody === undefined ? {} : { requestBody }),
    responses,
  };
}

/**
 * A relation's columns that may be NULL say so in 3.1 (`type: [t, "null"]`): in PostgREST's
 * definitions "required" is exactly the NOT NULL columns, so the others are the nullable ones.
 */
function withNulls(def: JsonObject, required: readonly string[]): JsonObject {
  const props = def['properties'];
  if (typeof props !== 'object' || props === null || Array.isArray(props)) return def;
  const out: JsonObject = {};
  for (const [name, p] of Object.entries(props)) {
    const t = typeof p === 'object' && p !== null && !Array.isArray(p) ? p['type'] : undefined;
    out[name] = typeof t === 'string' && !required.includes(name) ? { ...(p as JsonObject), type: [t, 'null'] } : p;
  }
  return { ...def, properties: out };
}

export function toOpenApi31(doc: Swagger2): JsonObject {
  const keys: Keys = { schemas: componentKeys(Object.keys(doc.definitions)), parameters: componentKeys(Object.keys(doc.parameters)) };
  const paths: JsonObject = {};
  for (const [path, item] of Object.entries(doc.paths)) {
    const out: JsonObject = {};
    for (const m of METHODS) {
      const op = item[m];
      if (op !== undefined) out[m] = operation(op, doc, keys);
    }
    paths[path] = out;
  }
  const schemas: JsonObject = {};
  for (const [name, s] of Object.entries(doc.definitions)) schemas[keys.schemas.get(name)!] = withNulls(schema(s, keys), s.required ?? []);
  const parameters: JsonObject = {};
  const requestBodies: JsonObject = {};
  for (const [name, p] of Object.entries(doc.parameters)) {
    const key = keys.parameters.get(name)!;
    if (p.in === 'body') {
      requestBodies[key] = { ...(p.description === undefined ? {} : { description: p.description }), required: p.required, content: content(doc.consumes, p.schema, keys) };
    } else parameters[key] = parameter(p, keys);
  }
  const components: JsonObject = { schemas, parameters, requestBodies };
  if (doc.securityDefinitions !== undefined) {
    components['securitySchemes'] = {
      JWT: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'A JWT in the Authorization header: "Bearer <token>"' },
    };
  }
  return {
    openapi: '3.1.0',
    info: doc.info,
    externalDocs: doc.externalDocs,
    servers: doc.schemes.map((scheme) => ({ url: `${scheme}://${doc.host}${doc.basePath}` })),
    paths,
    components,
    ...(doc.security === undefined ? {} : { security: doc.security }),
  };
}
