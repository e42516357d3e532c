// GET / — the Swagger 2.0 description as PostgREST: paths per table, view and function with the
// methods the role may use (follow-privileges) or all of them (ignore-privileges), definitions
// with comments, defaults and PK/FK notes, shared parameters, openapi-server-proxy-uri,
// openapi-security-active, db-root-spec, 404 PGRST126 when disabled; and beyond PostgREST the
// same model as OpenAPI 3.1. Both outputs are checked by an OpenAPI schema validator.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SignJWT } from 'jose';
import { Validator } from '@seriousme/openapi-schema-validator';
import type { Gateway } from '../../gateway/app.js';
import { JWT_SECRET, request, startTestGateway, suiteGateway } from '../helpers/gateway.js';

interface Param {
  $ref?: string;
  name?: string;
  in?: string;
  required?: boolean;
  type?: string;
  format?: string;
  schema?: Prop;
}
interface Op {
  tags: string[];
  summary?: string;
  description?: string;
  parameters?: Param[];
  responses: Record<string, { description: string }>;
}
interface Prop {
  type?: string;
  format?: string;
  description?: string;
  default?: unknown;
  enum?: string[];
  maxLength?: number;
  items?: Prop;
  properties?: Record<string, Prop>;
  required?: string[];
}
interface Spec {
  swagger: string;
  info: { title: string; description: string; version: string };
  host: string;
  basePath: string;
  schemes: string[];
  paths: Record<string, Record<string, Op>>;
  definitions: Record<string, Prop & { properties: Record<string, Prop> }>;
  parameters: Record<string, Param & { description?: string }>;
  security?: unknown;
  securityDefinitions?: unknown;
}

function token(role: string): Promise<string> {
  return new SignJWT({ role }).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(new TextEncoder().encode(JWT_SECRET));
}

async function spec(gw: Gateway, headers: Record<string, string> = {}): Promise<Spec> {
  const r = await request(gw, 'GET', '/', { headers });
  assert.equal(r.status, 200, r.text);
  return r.json() as Spec;
}

async function validate(doc: unknown): Promise<{ valid: boolean; errors?: unknown }> {
  return new Validator().validate(doc as Parameters<Validator['validate']>[0]);
}

const refs = (op: Op | undefined): string[] => (op?.parameters ?? []).map((p) => p.$ref ?? `inline:${p.name ?? ''}`);

describe('OpenAPI at / (api schema)', () => {
  let gw: Gateway;
  before(async () => {
    gw = await startTestGateway({ PGRST_OPENAPI_SERVER_PROXY_URI: 'https://api.example.com/v1' });
  });
  after(async () => {
    await gw.stop();
  });

  test('describes the tables of the schema as Swagger 2.0', async () => {
    const r = await request(gw, 'GET', '/');
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('content-type'), 'application/openapi+json; charset=utf-8');
    const s = r.json() as Spec;
    assert.equal(s.swagger, '2.0');
    assert.deepEqual([s.host, s.basePath, s.schemes], ['api.example.com:443', '/v1', ['https']]);
    assert.deepEqual(Object.keys(s.paths['/todos'] ?? {}).sort(), ['delete', 'get', 'patch', 'post']);
    const todos = s.definitions['todos'];
    assert.ok(todos !== undefined);
    // PostgREST's "required" is every NOT NULL column, defaults or not.
    assert.deepEqual(todos.required, ['id', 'title', 'done', 'created_at']);
    assert.deepEqual(todos.properties['id'], { description: 'Note:\nThis is a Primary Key.<pk/>', format: 'int64', type: 'integer' });
    assert.deepEqual(todos.properties['done'], { default: false, format: 'boolean', type: 'boolean' });
    assert.equal(todos.properties['created_at']?.format, 'timestamp with time zone');
    const getParams = refs(s.paths['/todos']?.['get']);
    assert.ok(getParams.includes('#/parameters/rowFilter.todos.id'));
    assert.ok(getParams.includes('#/parameters/select'));
    assert.ok('rowFilter.todos.title' in s.parameters);
  });

  test('only what web_anon may use; HEAD has no body; other media are 406', async () => {
    const s = await spec(gw, { Accept: 'application/openapi+json' });
    assert.equal(s.paths['/secrets'], undefined, 'secrets is granted to test_user only');
    assert.equal(s.definitions['secrets'], undefined);
    const head = await request(gw, 'HEAD', '/');
    assert.equal(head.status, 200);
    assert.equal(head.text, '');
    const csv = await request(gw, 'GET', '/', { headers: { Accept: 'text/csv' } });
    assert.equal(csv.status, 406);
    assert.equal((csv.json() as { code: string }).code, 'PGRST107');
  });

  test('every relation and function of the shared fixtures gives valid 2.0 and 3.1 documents', async () => {
    const all = await startTestGateway({ PGRST_OPENAPI_MODE: 'ignore-privileges' });
    try {
      const swagger = await spec(all);
      assert.ok(Object.keys(swagger.paths).length > 20);
      assert.deepEqual(await validate(swagger), { valid: true });
      const v31 = await request(all, 'GET', '/', { headers: { Accept: 'application/openapi+json;version=3.1' } });
      assert.deepEqual(await validate(v31.json()), { valid: true });
    } finally {
      await all.stop();
    }
  });

  test('a bad JWT is refused at the root too', async () => {
    const r = await request(gw, 'GET', '/', { headers: { Authorization: 'Bearer not.a.jwt' } });
    assert.equal(r.status, 401);
  });
});

describe('OpenAPI of the oa schema (comments, types, functions, privileges)', () => {
  const gw = suiteGateway({ PGRST_DB_SCHEMAS: 'oa' });

  test('the schema comment is the title and description', async () => {
    const s = await spec(gw());
    assert.equal(s.info.title, 'OpenAPI fixture');
    assert.equal(s.info.description, 'A schema for the description tests\nover two lines');
  });

  test('table comments become summary/description; column comments and PK/FK notes the property descriptions', async () => {
    const s = await spec(gw());
    const child = s.paths['/child_entities'];
    assert.equal(child?.['get']?.summary, 'child_entities comment');
    assert.equal(child?.['get']?.description, undefined);
    assert.deepEqual(child?.['post']?.tags, ['child_entities']);
    const grand = s.paths['/grandchild_entities']?.['get'];
    assert.equal(grand?.summary, 'grandchild_entities summary');
    assert.equal(grand?.description, 'grandchild_entities description\nthat spans\nmultiple lines');
    assert.deepEqual(refs(child?.['get']), [
      '#/parameters/rowFilter.child_entities.id',
      '#/parameters/rowFilter.child_entities.name',
      '#/parameters/rowFilter.child_entities.parent_id',
      '#/parameters/select',
      '#/parameters/order',
      '#/parameters/range',
      '#/parameters/rangeUnit',
      '#/parameters/offset',
      '#/parameters/limit',
      '#/parameters/preferCount',
    ]);
    assert.deepEqual(refs(child?.['post']), ['#/parameters/body.child_entities', '#/parameters/select', '#/parameters/preferPost']);
    assert.deepEqual(s.definitions['child_entities'], {
      description: 'child_entities comment',
      type: 'object',
      properties: {
        id: { description: 'child_entities id comment\n\nNote:\nThis is a Primary Key.<pk/>', format: 'int32', type: 'integer' },
        name: { description: 'child_entities name comment', format: 'text', type: 'string' },
        // The FK is also copied onto entities_view; the note names the table.
        parent_id: { description: "Note:\nThis is a Foreign Key to `entities.id`.<fk table='entities' column='id'/>", format: 'int32', type: 'integer' },
      },
      required: ['id'],
    });
    assert.equal(s.parameters['rowFilter.child_entities.name']?.description, 'child_entities name comment');
    assert.equal(s.definitions['entities_view']?.description, 'entities_view comment');
  });

  test('column types, formats, defaults and lengths map as in PostgREST', async () => {
    const p = (await spec(gw())).definitions['grandchild_entities']?.properties ?? {};
    assert.deepEqual(p['label'], { default: 'default', format: 'character varying', maxLength: 20, type: 'string' });
    assert.deepEqual(p['code'], { format: 'character', maxLength: 1, type: 'string' });
    assert.deepEqual(p['flag'], { default: false, format: 'boolean', type: 'boolean' });
    assert.deepEqual(p['n'], { default: 42, format: 'int32', type: 'integer' });
    assert.deepEqual(p['amount'], { default: 42.2, format: 'numeric', type: 'number' });
    assert.deepEqual(p['born'], { default: '1900-01-01', format: 'date', type: 'string' });
    assert.deepEqual(p['ratio'], { format: 'double precision', type: 'number' });
    assert.deepEqual(p['tags'], { format: 'text[]', type: 'array', items: { type: 'string' } });
    assert.deepEqual(p['counts'], { format: 'integer[]', type: 'array', items: { type: 'integer' } });
    assert.deepEqual(p['docs'], { format: 'json[]', type: 'array', items: {} });
    assert.deepEqual(p['doc'], { format: 'jsonb' });
    assert.deepEqual(p['mood'], { default: 'happy', enum: ['sad', 'happy'], format: 'oa.mood', type: 'string' });
    assert.deepEqual(p['size'], { format: 'int32', type: 'integer' });
  });

  test('functions under /rpc/: POST body schema, GET args for non-volatile ones, comments', async () => {
    const s = await spec(gw());
    const varied = s.paths['/rpc/varied_arguments'];
    assert.ok(varied !== undefined);
    const post = varied['post'];
    assert.equal(post?.summary, 'An RPC function');
    assert.equal(post?.description, 'Just a test for RPC function arguments');
    assert.deepEqual(post?.tags, ['(rpc) varied_arguments']);
    const body = post?.parameters?.[0];
    assert.equal(body?.in, 'body');
    assert.deepEqual(body?.schema, {
      description: 'An RPC function\n\nJust a test for RPC function arguments',
      type: 'object',
      properties: {
        double: { type: 'number', format: 'double precision' },
        varchar: { type: 'string', format: 'character varying' },
        boolean: { type: 'boolean', format: 'boolean' },
        date: { type: 'string', format: 'date' },
        int_arr: { type: 'array', items: { type: 'integer' }, format: 'integer[]' },
        json: { format: 'json' },
        integer: { type: 'integer', format: 'int32' },
      },
      required: ['double', 'varchar', 'boolean', 'date', 'int_arr', 'json'],
    });
    assert.equal(post?.parameters?.[1]?.$ref, '#/parameters/preferParams');
    const get = varied['get']?.parameters ?? [];
    assert.deepEqual(get.find((p) => p.name === 'int_arr'), { name: 'int_arr', required: true, in: 'query', format: 'integer[]', type: 'string' });
    assert.deepEqual(get.find((p) => p.name === 'integer'), { name: 'integer', required: false, in: 'query', format: 'int32', type: 'integer' });
    // Volatile: POST only.
    assert.deepEqual(Object.keys(s.paths['/rpc/bump'] ?? {}), ['post']);
    // OUT parameters are not arguments.
    assert.deepEqual(Object.keys(s.paths['/rpc/out_params']?.['post']?.parameters?.[0]?.schema?.properties ?? {}), ['x']);
    const variadic = s.paths['/rpc/sum_all']?.['get']?.parameters?.[0];
    assert.deepEqual(variadic, { name: 'nums', required: true, in: 'query', type: 'array', items: { type: 'integer', format: 'int32' }, collectionFormat: 'multi' });
  });

  test('follow-privileges: web_anon sees its grants, per method; web_user sees its own', async () => {
    const anon = await spec(gw());
    assert.equal(anon.paths['/authors_only'], undefined);
    assert.equal(anon.paths['/hidden'], undefined);
    assert.equal(anon.paths['/rpc/privileged_hello'], undefined);
    assert.deepEqual(Object.keys(anon.paths['/read_only'] ?? {}), ['get']);
    // Not auto-updatable: GET only even with the grants.
    assert.deepEqual(Object.keys(anon.paths['/entity_counts'] ?? {}), ['get']);
    const user = await spec(gw(), { Authorization: `Bearer ${await token('web_user')}` });
    assert.deepEqual(user.paths['/authors_only']?.['post']?.tags, ['authors_only']);
    assert.deepEqual(user.paths['/rpc/privileged_hello']?.['post']?.tags, ['(rpc) privileged_hello']);
    assert.deepEqual(Object.keys(user.paths['/read_only'] ?? {}).sort(), ['get', 'post']);
    assert.equal(user.paths['/child_entities'], undefined, 'web_user has no grant on child_entities');
    assert.equal(user.paths['/hidden'], undefined);
    // Grants apply at once, without a schema reload.
    const again = await spec(gw());
    assert.deepEqual(Object.keys(again.paths['/read_only'] ?? {}), ['get']);
  });

  test('the Swagger 2.0 output is valid', async () => {
    const result = await validate(await spec(gw(), { Authorization: `Bearer ${await token('web_user')}` }));
    assert.deepEqual(result, { valid: true });
    assert.deepEqual(await validate(await spec(gw())), { valid: true });
    // The validator does reject a broken document (so the checks above mean something).
    const broken = { ...(await spec(gw())), paths: { '/x': { get: { responses: {} , parameters: [{ name: 'a', in: 'query' }] } } } };
    assert.equal((await validate(broken)).valid, false);
  });

  test('OpenAPI 3.1 on Accept application/openapi+json;version=3.1, valid, from the same model', async () => {
    const r = await request(gw(), 'GET', '/', { headers: { Accept: 'application/openapi+json;version=3.1' } });
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('content-type'), 'application/openapi+json; version=3.1; charset=utf-8');
    const doc = r.json() as {
      openapi: string;
      servers: { url: string }[];
      paths: Record<string, Record<string, { requestBody?: { $ref?: string; content?: Record<string, { schema: Prop }> }; parameters?: { $ref?: string }[]; summary?: string }>>;
      components: { schemas: Record<string, Prop>; parameters: Record<string, unknown>; requestBodies: Record<string, unknown> };
    };
    assert.equal(doc.openapi, '3.1.0');
    assert.deepEqual(doc.servers, [{ url: 'http://127.0.0.1:0/' }]);
    assert.equal(doc.paths['/child_entities']?.['post']?.requestBody?.$ref, '#/components/requestBodies/body.child_entities');
    assert.equal(doc.paths['/child_entities']?.['get']?.parameters?.[0]?.$ref, '#/components/parameters/rowFilter.child_entities.id');
    assert.equal(doc.paths['/child_entities']?.['get']?.summary, 'child_entities comment');
    assert.equal(doc.components.schemas['child_entities']?.properties?.['id']?.description, 'child_entities id comment\n\nNote:\nThis is a Primary Key.<pk/>');
    assert.deepEqual(doc.paths['/rpc/varied_arguments']?.['post']?.requestBody?.content?.['application/json']?.schema.required?.length, 6);
    assert.deepEqual(await validate(doc), { valid: true });
    // An explicit 2.0 still gets Swagger; an unknown version is 406.
    assert.equal((await spec(gw(), { Accept: 'application/openapi+json;version=2.0' })).swagger, '2.0');
    assert.equal((await request(gw(), 'GET', '/', { headers: { Accept: 'application/openapi+json;version=9' } })).status, 406);
  });
});

describe('openapi-mode = ignore-privileges, openapi-security-active, openapi-version = 3.1', () => {
  const gw = suiteGateway({
    PGRST_DB_SCHEMAS: 'oa',
    PGRST_OPENAPI_MODE: 'ignore-privileges',
    PGRST_OPENAPI_SECURITY_ACTIVE: 'true',
    PGRST_OPENAPI_VERSION: '3.1',
  });

  test('everything is described, with the JWT security scheme, as 3.1 by default', async () => {
    const r = await request(gw(), 'GET', '/');
    const doc = r.json() as { openapi: string; paths: Record<string, unknown>; security: unknown; components: { securitySchemes: Record<string, { type: string; scheme: string }> } };
    assert.equal(doc.openapi, '3.1.0');
    assert.ok(doc.paths['/hidden'] !== undefined);
    assert.ok(doc.paths['/authors_only'] !== undefined);
    assert.ok(doc.paths['/rpc/privileged_hello'] !== undefined);
    assert.deepEqual(doc.security, [{ JWT: [] }]);
    assert.equal(doc.components.securitySchemes['JWT']?.scheme, 'bearer');
    assert.deepEqual(await validate(doc), { valid: true });
  });

  test('Swagger 2.0 on request, with PostgREST securityDefinitions', async () => {
    const s = await spec(gw(), { Accept: 'application/openapi+json;version=2.0' });
    assert.deepEqual(s.security, [{ JWT: [] }]);
    assert.deepEqual(s.securityDefinitions, {
      JWT: { type: 'apiKey', name: 'Authorization', in: 'header', description: 'Add the token prepending "Bearer " (without quotes) to it' },
    });
    assert.deepEqual(Object.keys(s.paths['/hidden'] ?? {}).sort(), ['delete', 'get', 'patch', 'post']);
    assert.deepEqual(await validate(s), { valid: true });
  });
});

describe('db-root-spec', () => {
  const gw = suiteGateway({ PGRST_DB_SCHEMAS: 'oa', PGRST_DB_ROOT_SPEC: 'root_spec' });

  test("the function's result is served at /", async () => {
    const r = await request(gw(), 'GET', '/', { headers: { Accept: 'application/openapi+json' } });
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('content-type'), 'application/openapi+json; charset=utf-8');
    assert.deepEqual(r.json(), { swagger: '2.0', info: { title: 'Custom root', version: '1' } });
    const json = await request(gw(), 'GET', '/', { headers: { Accept: 'application/json' } });
    assert.equal(json.status, 200);
    assert.match(json.headers.get('content-type') ?? '', /^application\/json/);
    assert.deepEqual(json.json(), { swagger: '2.0', info: { title: 'Custom root', version: '1' } });
  });
});

describe('openapi-mode = disabled', () => {
  test('the root is 404 PGRST126', async () => {
    const gw = await startTestGateway({ PGRST_OPENAPI_MODE: 'disabled' });
    try {
      const r = await request(gw, 'GET', '/');
      assert.equal(r.status, 404);
      assert.equal((r.json() as { code: string }).code, 'PGRST126');
    } finally {
      await gw.stop();
    }
  });
});
