// The quick tour (shared/seeds/003) end to end: list, filter + order + limit, insert,
// update, delete against a real PostgreSQL through real HTTP.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Gateway } from '../../gateway/app.js';
import { request, sqlQuery, startTestGateway } from '../helpers/gateway.js';

interface Todo {
  id: number;
  title: string;
  done: boolean;
  created_at: string;
}

describe('quick tour', () => {
  let gw: Gateway;
  before(async () => {
    gw = await startTestGateway();
  });
  after(async () => {
    await gw.stop();
  });

  test('GET /todos lists every todo as a JSON array', async () => {
    const r = await request(gw, 'GET', '/todos');
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type') ?? '', /^application\/json; charset=utf-8/);
    const rows = r.json() as Todo[];
    const titles = rows.map((t) => t.title);
    assert.ok(titles.includes('finish tutorial 0'));
    assert.ok(titles.includes('pat self on back'));
    assert.equal(r.headers.get('content-range'), `0-${rows.length - 1}/*`);
  });

  test('filter, order and limit', async () => {
    await sqlQuery("insert into api.todos (title, done, created_at) values ('tour-old', false, now() - interval '1 day'), ('tour-done', true, now())");
    const r = await request(gw, 'GET', '/todos?done=eq.false&order=created_at.desc&limit=10');
    assert.equal(r.status, 200);
    const rows = r.json() as Todo[];
    assert.ok(rows.length <= 10);
    assert.ok(rows.every((t) => !t.done));
    const times = rows.map((t) => Date.parse(t.created_at));
    assert.deepEqual(times, [...times].sort((a, b) => b - a));
    assert.ok(!rows.some((t) => t.title === 'tour-done'));
    const limited = await request(gw, 'GET', '/todos?order=id.asc&limit=1&offset=1');
    const all = (await request(gw, 'GET', '/todos?order=id.asc')).json() as Todo[];
    assert.deepEqual(limited.json(), [all[1]]);
    assert.equal(limited.headers.get('content-range'), '1-1/*');
  });

  test('insert, update, delete', async () => {
    const created = await request(gw, 'POST', '/todos', {
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ title: 'Buy milk' }),
    });
    assert.equal(created.status, 201);
    assert.equal(created.text, '');
    const [row] = await sqlQuery<{ id: string; done: boolean }>("select id, done from api.todos where title = 'Buy milk'");
    assert.ok(row !== undefined);
    assert.equal(row.done, false);
    const id = Number(row.id);

    const patched = await request(gw, 'PATCH', `/todos?id=eq.${id}`, {
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ done: true }),
    });
    assert.equal(patched.status, 204);
    const [after1] = await sqlQuery<{ done: boolean }>('select done from api.todos where id = $1', [id]);
    assert.equal(after1?.done, true);

    const deleted = await request(gw, 'DELETE', `/todos?id=eq.${id}`);
    assert.equal(deleted.status, 204);
    assert.equal((await sqlQuery('select 1 from api.todos where id = $1', [id])).length, 0);
  });

  test('Prefer: return=representation returns the written rows', async () => {
    const created = await request(gw, 'POST', '/todos?select=title,done', {
      headers: { 'Content-Type': 'application/json', Prefer: 'return=representation' },
      body: JSON.stringify([{ title: 'rep-1', done: false }, { title: 'rep-2', done: true }]),
    });
    assert.equal(created.status, 201);
    assert.deepEqual(created.json(), [
      { title: 'rep-1', done: false },
      { title: 'rep-2', done: true },
    ]);
    assert.equal(created.headers.get('preference-applied'), 'return=representation');

    const patched = await request(gw, 'PATCH', '/todos?title=like.rep-*&select=title,done', {
      headers: { 'Content-Type': 'application/json', Prefer: 'return=representation' },
      body: JSON.stringify({ done: false }),
    });
    assert.equal(patched.status, 200);
    assert.deepEqual(
      (patched.json() as { title: string }[]).map((t) => t.title).sort(),
      ['rep-1', 'rep-2'],
    );
    assert.equal(patched.headers.get('content-range'), '0-1/*');

    const deleted = await request(gw, 'DELETE', '/todos?title=in.(rep-1,rep-2)&select=title', {
      headers: { Prefer: 'return=representation' },
    });
    assert.equal(deleted.status, 200);
    assert.equal((deleted.json() as unknown[]).length, 2);
  });
});
