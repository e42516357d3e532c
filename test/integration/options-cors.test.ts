// OPTIONS (Allow from the schema cache, no database round trip) and CORS headers on
// preflights and ordinary responses.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Gateway } from '../../gateway/app.js';
import { request, sqlQuery, startTestGateway } from '../helpers/gateway.js';

describe('OPTIONS', () => {
  let gw: Gateway;
  before(async () => {
    gw = await startTestGateway();
    await sqlQuery('create or replace view api.todo_titles as select title from api.todos');
    await sqlQuery('create or replace view api.todo_counts as select count(*) as n from api.todos');
    await sqlQuery('grant select on api.todo_titles, api.todo_counts to web_anon');
    // The view was created after start: reload by restarting this test's gateway.
    await gw.stop();
    gw = await startTestGateway();
  });
  after(async () => {
    await gw.stop();
    await sqlQuery('drop view if exists api.todo_titles, api.todo_counts');
  });

  test('a table with a primary key allows every method', async () => {
    const r = await request(gw, 'OPTIONS', '/todos');
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('allow'), 'OPTIONS,GET,HEAD,POST,PUT,PATCH,DELETE');
    assert.equal(r.text, '');
  });

  test('views allow what PostgreSQL can write through them (no PUT without a key); the root allows GET', async () => {
    const root = await request(gw, 'OPTIONS', '/');
    assert.equal(root.status, 200);
    assert.equal(root.headers.get('allow'), 'OPTIONS,GET,HEAD');
    const view = await request(gw, 'OPTIONS', '/todo_titles');
    assert.equal(view.status, 200);
    assert.equal(view.headers.get('allow'), 'OPTIONS,GET,HEAD,POST,PATCH,DELETE');
    const aggregate = await request(gw, 'OPTIONS', '/todo_counts');
    assert.equal(aggregate.headers.get('allow'), 'OPTIONS,GET,HEAD');
  });

  test('an unknown table is 404 PGRST205', async () => {
    const r = await request(gw, 'OPTIONS', '/todoss');
    assert.equal(r.status, 404);
    assert.equal((r.json() as { code: string }).code, 'PGRST205');
  });

  test('a CORS preflight gets the allow headers', async () => {
    const r = await request(gw, 'OPTIONS', '/todos', {
      headers: { Origin: 'http://example.com', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type' },
    });
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('access-control-allow-origin'), '*');
    // Credentials only with server-cors-allowed-origins, as wai-cors.
    assert.equal(r.headers.get('access-control-allow-credentials'), null);
    assert.match(r.headers.get('access-control-allow-methods') ?? '', /POST/);
    assert.equal(r.headers.get('access-control-allow-headers'), 'Authorization, content-type, Accept, Accept-Language, Content-Language');
    assert.equal(r.headers.get('access-control-max-age'), '86400');
  });

  test('ordinary responses to a request with Origin expose the PostgREST headers', async () => {
    const r = await request(gw, 'GET', '/todos?limit=1', { headers: { Origin: 'http://example.com' } });
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('access-control-allow-origin'), '*');
    assert.match(r.headers.get('access-control-expose-headers') ?? '', /Content-Range/);
    const plain = await request(gw, 'GET', '/todos?limit=1');
    assert.equal(plain.headers.get('access-control-allow-origin'), null);
  });
});

describe('server-cors-allowed-origins', () => {
  let gw: Gateway;
  before(async () => {
    gw = await startTestGateway({ PGRST_SERVER_CORS_ALLOWED_ORIGINS: 'http://good.example, http://also.example' });
  });
  after(async () => {
    await gw.stop();
  });

  test('only listed origins are echoed', async () => {
    const good = await request(gw, 'GET', '/todos?limit=1', { headers: { Origin: 'http://also.example' } });
    assert.equal(good.headers.get('access-control-allow-origin'), 'http://also.example');
    const bad = await request(gw, 'GET', '/todos?limit=1', { headers: { Origin: 'http://evil.example' } });
    assert.equal(bad.headers.get('access-control-allow-origin'), null);
  });
});
