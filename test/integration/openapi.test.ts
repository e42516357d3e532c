// GET / — the Swagger 2.0 description: paths per table with the methods it allows, column
// definitions, shared parameters; openapi-server-proxy-uri; 404 PGRST126 when disabled.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Gateway } from '../../gateway/app.js';
import { request, startTestGateway } from '../helpers/gateway.js';

interface Spec {
  swagger: string;
  host: string;
  basePath: string;
  schemes: string[];
  paths: Record<string, Record<string, { parameters?: { $ref: string }[] }>>;
  definitions: Record<string, { required?: string[]; properties: Record<string, { type?: string; format?: string; description?: string }> }>;
  parameters: Record<string, unknown>;
}

describe('OpenAPI at /', () => {
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
    const spec = r.json() as Spec;
    assert.equal(spec.swagger, '2.0');
    assert.deepEqual([spec.host, spec.basePath, spec.schemes], ['api.example.com', '/v1', ['https']]);
    assert.deepEqual(Object.keys(spec.paths['/todos'] ?? {}).sort(), ['delete', 'get', 'patch', 'post']);
    const todos = spec.definitions['todos'];
    assert.ok(todos !== undefined);
    assert.deepEqual(todos.required, ['title']);
    assert.equal(todos.properties['id']?.type, 'integer');
    assert.equal(todos.properties['id']?.format, 'bigint');
    assert.match(todos.properties['id']?.description ?? '', /Primary Key/);
    assert.equal(todos.properties['done']?.type, 'boolean');
    const getParams = (spec.paths['/todos']?.['get']?.parameters ?? []).map((p) => p.$ref);
    assert.ok(getParams.includes('#/parameters/rowFilter.todos.id'));
    assert.ok(getParams.includes('#/parameters/select'));
    assert.ok('rowFilter.todos.title' in spec.parameters);
  });

  test('every table is described; HEAD has no body; other media are 406', async () => {
    const spec = (await request(gw, 'GET', '/', { headers: { Accept: 'application/openapi+json' } })).json() as Spec;
    assert.ok(spec.paths['/secrets']?.['get'] !== undefined);
    const head = await request(gw, 'HEAD', '/');
    assert.equal(head.status, 200);
    assert.equal(head.text, '');
    const csv = await request(gw, 'GET', '/', { headers: { Accept: 'text/csv' } });
    assert.equal(csv.status, 406);
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
