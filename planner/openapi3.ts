// Beyond PostgREST: the Swagger 2.0 document of openapi.ts rewritten as OpenAPI 3.1 —
// definitions → components.schemas, shared query/header parameters → components.parameters,
// body parameters → components.requestBodies (or inline requestBody), host/basePath/schemes →
// servers, produces → response content, the JWT scheme as an HTTP bearer scheme. Pure.

import type { JsonValue, Method, Operation, Parameter, QueryHeaderParam, Ref, SchemaObject, Swagger2 } from './openapi.js';

type JsonObject = { [k: string]: JsonValue };

const METHODS: readonly Method[] = ['get', 'post', 'patch', 'delete'];

/** A schema object with its $refs moved from #/definitions/ to #/components/schemas/. */
function schema(s: SchemaObject): JsonObject {
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(s) as [keyof SchemaObject, SchemaObject[keyof SchemaObject]][]) {
    if (v === undefined) continue;
    if (k === '$ref') out[k] = (v as string).replace('#/definitions/', '#/components/schemas/');
    else if (k === 'items') out[k] = schema(v as SchemaObject);
    else if (k === 'properties') {
      const props: JsonObject = {};
      for (const [name, p] of Object.entries(v as Record<string, SchemaObject>)) props[name] = schema(p);
      out[k] = props;
    } else out[k] = v as JsonValue;
  }
  return out;
}

function parameter(p: QueryHeaderParam): JsonObject {
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
    schema: schema(s),
  };
}

const content = (media: readonly string[], s: SchemaObject): JsonObject => Object.fromEntries(media.map((m) => [m, { schema: schema(s) }]));

const isRef = (p: Ref | Parameter): p is Ref => '$ref' in p;

function operation(op: Operation, doc: Swagger2): JsonObject {
  const parameters: JsonValue[] = [];
  let requestBody: JsonValue | undefined;
  for (const p of op.parameters ?? []) {
    if (isRef(p)) {
      const name = p.$ref.slice('#/parameters/'.length);
      const target = doc.parameters[name];
      if (target?.in === 'body') requestBody = { $ref: `#/components/requestBodies/${name}` };
      else parameters.push({ $ref: `#/components/parameters/${name}` });
    } else if (p.in === 'body') {
      requestBody = { ...(p.description === undefined ? {} : { description: p.description }), required: p.required, content: content(doc.consumes, p.schema) };
    } else parameters.push(parameter(p));
  }
  const responses: JsonObject = {};
  for (const [status, r] of Object.entries(op.responses)) {
    responses[status] = r.schema === undefined ? { description: r.description } : { description: r.description, content: content(op.produces ?? doc.produces, r.schema) };
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

export function toOpenApi31(doc: Swagger2): JsonObject {
  const paths: JsonObject = {};
  for (const [path, item] of Object.entries(doc.paths)) {
    const out: JsonObject = {};
    for (const m of METHODS) {
      const op = item[m];
      if (op !== undefined) out[m] = operation(op, doc);
    }
    paths[path] = out;
  }
  const schemas: JsonObject = {};
  for (const [name, s] of Object.entries(doc.definitions)) schemas[name] = schema(s);
  const parameters: JsonObject = {};
  const requestBodies: JsonObject = {};
  for (const [name, p] of Object.entries(doc.parameters)) {
    if (p.in === 'body') {
      requestBodies[name] = { ...(p.description === undefined ? {} : { description: p.description }), required: p.required, content: content(doc.consumes, p.schema) };
    } else parameters[name] = parameter(p);
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
