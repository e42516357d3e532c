// Client mistakes and database errors get PostgREST's error body and status, never a 500,
// and a failed write leaves nothing behind.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Gateway } from '../../gateway/app.js';
import { request, sqlQuery, startTestGateway, type Reply } from '../helpers/gateway.js';

interface ErrorBody {
  code: string;
  message: string;
  details: string | null;
  hint: string | null;
}

function errorOf(r: Reply): ErrorBody {
  assert.match(r.headers.get('content-type') ?? '', /^application\/json/);
  const body = r.json() as ErrorBody;
  assert.deepEqual(Object.keys(body).sort(), ['code', 'details', 'hint', 'message']);
  assert.equal(r.headers.get('proxy-status'), `PostgREST; error=${body.code}`);
  return body;
}

describe('error responses', () => {
  let gw: Gateway;
  before(async () => {
    gw = await startTestGateway();
  });
  after(async () => {
    await gw.stop();
  });

  test('malformed filter → 400 PGRST100', async () => {
    const r = await request(gw, 'GET', '/todos?id=eqq.1');
    assert.equal(r.status, 400);
    const e = errorOf(r);
    assert.equal(e.code, 'PGRST100');
    assert.match(e.message, /^"failed to parse filter \(eqq\.1\)"/);
    assert.ok(e.details !== null && e.details.length > 0);
  });

  test('each grammar error is a 400, never a 500', async () => {
    for (const q of ['id=eq', 'id=is.maybe', 'id=in.1,2', 'order=id.sideways', 'id=not.nope.1']) {
      const r = await request(gw, 'GET', `/todos?${q}`);
      assert.equal(r.status, 400, q);
      assert.equal(errorOf(r).code, 'PGRST100', q);
    }
  });

  test('unknown table → 404 PGRST205 with a suggestion', async () => {
    const r = await request(gw, 'GET', '/todoss');
    assert.equal(r.status, 404);
    const e = errorOf(r);
    assert.equal(e.code, 'PGRST205');
    assert.equal(e.message, "Could not find the table 'api.todoss' in the schema cache");
    assert.equal(e.hint, "Perhaps you meant the table 'api.todos'");
  });

  test('nested path → 404 PGRST125', async () => {
    const r = await request(gw, 'GET', '/todos/1');
    assert.equal(r.status, 404);
    assert.equal(errorOf(r).code, 'PGRST125');
  });

  test('broken JSON body → 400 PGRST102 and no row', async () => {
    const before1 = await sqlQuery<{ n: string }>('select count(*) as n from api.todos');
    for (const body of ['{"title": "x"', '', 'not json', '42', '[{"title":"a"},{"done":true}]']) {
      const r = await request(gw, 'POST', '/todos', { headers: { 'Content-Type': 'application/json' }, body });
      assert.equal(r.status, 400, body);
      assert.equal(errorOf(r).code, 'PGRST102', body);
    }
    const after1 = await sqlQuery<{ n: string }>('select count(*) as n from api.todos');
    assert.deepEqual(after1, before1);
  });

  test('unknown column in the payload → 400 PGRST204', async () => {
    const r = await request(gw, 'POST', '/todos', { body: JSON.stringify({ nope: 1 }) });
    assert.equal(r.status, 400);
    const e = errorOf(r);
    assert.equal(e.code, 'PGRST204');
    assert.equal(e.message, "Could not find the 'nope' column of 'todos' in the schema cache");
  });

  test('unknown column in select → 400 42703', async () => {
    const r = await request(gw, 'GET', '/people?select=nope');
    assert.equal(r.status, 400);
    assert.equal(errorOf(r).code, '42703');
  });

  test('unique violation → 409 23505, and a failed bulk insert leaves nothing', async () => {
    const r = await request(gw, 'POST', '/people', {
      body: JSON.stringify([
        { id: 100, name: 'Fresh' },
        { id: 101, name: 'Ada' },
      ]),
    });
    assert.equal(r.status, 409);
    const e = errorOf(r);
    assert.equal(e.code, '23505');
    assert.ok(e.details?.includes('Ada'));
    assert.equal((await sqlQuery('select 1 from api.people where id in (100, 101)')).length, 0);
  });

  test('foreign key violation → 409 23503', async () => {
    const r = await request(gw, 'POST', '/items', { body: JSON.stringify({ id: 1, label: 'x', person_id: 999 }) });
    assert.equal(r.status, 409);
    assert.equal(errorOf(r).code, '23503');
    assert.equal((await sqlQuery('select 1 from api.items where id = 1')).length, 0);
  });

  test('not-null violation → 400 23502; check violation → 400 23514', async () => {
    const a = await request(gw, 'POST', '/items', { body: JSON.stringify({ id: 2 }) });
    assert.equal(a.status, 400);
    assert.equal(errorOf(a).code, '23502');
    const b = await request(gw, 'PATCH', '/people?id=eq.1', { body: JSON.stringify({ age: -1 }) });
    assert.equal(b.status, 400);
    assert.equal(errorOf(b).code, '23514');
    const [ada] = await sqlQuery<{ age: number }>('select age from api.people where id = 1');
    assert.equal(ada?.age, 36);
  });

  test('bad value → 400 22P02', async () => {
    const r = await request(gw, 'GET', '/people?id=eq.abc');
    assert.equal(r.status, 400);
    assert.equal(errorOf(r).code, '22P02');
  });

  test('permission denied for the anonymous role → 401 42501 with WWW-Authenticate', async () => {
    const r = await request(gw, 'GET', '/secrets');
    assert.equal(r.status, 401);
    assert.equal(errorOf(r).code, '42501');
    assert.equal(r.headers.get('www-authenticate'), 'Bearer');
  });

  test('unknown schema profile → 406 PGRST106', async () => {
    const r = await request(gw, 'GET', '/todos', { headers: { 'Accept-Profile': 'private' } });
    assert.equal(r.status, 406);
    const e = errorOf(r);
    assert.equal(e.code, 'PGRST106');
    assert.equal(e.message, 'Invalid schema: private');
  });
});
