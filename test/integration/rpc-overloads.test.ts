// Functions exactly as PostgREST (issue 17): overloads on unnamed parameters and defaults,
// uncallable functions, PGRST202/203 texts and hints, bodies (form, CSV, ?columns=, arrays),
// repeated and variadic GET arguments, single OUT/TABLE and domain results, widened
// character(n)/bit(n) arguments, and bad input that must never reach SQL as a syntax error.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request, suiteGateway } from '../helpers/gateway.js';

type ErrorBody = { code: string; message: string; details: string | null; hint: string | null };

describe('rpc: overload resolution as PostgREST', () => {
  const gw = suiteGateway();
  const post = (fn: string, body: string, type = 'application/json', query = '') =>
    request(gw(), 'POST', `/rpc/${fn}${query}`, { body, headers: { 'content-type': type } });

  test('a named overload wins for JSON; text/plain goes to the unnamed text one', async () => {
    const named = await post('w66_over', '{"a": 7}');
    assert.equal(named.status, 200, named.text);
    assert.equal(named.json(), 'int 7');
    const raw = await post('w66_over', 'hello', 'text/plain');
    assert.equal(raw.status, 200, raw.text);
    assert.equal(raw.json(), 'text hello');
  });

  test('no parameters vs one: chosen by the arguments given', async () => {
    assert.equal((await request(gw(), 'GET', '/rpc/w66_noargs')).json(), 'none');
    assert.equal((await request(gw(), 'GET', '/rpc/w66_noargs?a=2')).json(), 'a 2');
    assert.equal((await post('w66_noargs', '')).json(), 'none');
  });

  test('defaults: none, some or all of them', async () => {
    assert.equal((await request(gw(), 'GET', '/rpc/w66_defaults')).json(), 12);
    assert.equal((await request(gw(), 'GET', '/rpc/w66_defaults?b=5')).json(), 15);
    assert.equal((await post('w66_defaults', '{"a": 3, "b": 4}')).json(), 34);
  });

  test('two fallbacks for a JSON body → 300 PGRST203 listing them as PostgREST', async () => {
    const r = await post('w66_jj', '{"x": 1}');
    assert.equal(r.status, 300);
    const body = r.json() as ErrorBody;
    assert.equal(body.code, 'PGRST203');
    assert.equal(body.message, 'Could not choose the best candidate function between: api.w66_jj( => json), api.w66_jj( => jsonb)');
  });

  test('functions PostgREST cannot call are not found (404), never an SQL error', async () => {
    const unnamed = await post('w66_unnamed_int', '5', 'text/plain');
    assert.equal(unnamed.status, 404, unnamed.text);
    assert.deepEqual(unnamed.json(), {
      code: 'PGRST202',
      message: 'Could not find the function api.w66_unnamed_int in the schema cache',
      details: 'Searched for the function api.w66_unnamed_int with a single unnamed text parameter, but no matches were found in the schema cache.',
      hint: null,
    });
    for (const body of ['{"a": 1}', '{"a": 1, "": "x"}']) {
      const r = await post('w66_mixed', body);
      assert.equal(r.status, 404, r.text);
      assert.equal((r.json() as ErrorBody).code, 'PGRST202');
    }
    const get = await request(gw(), 'GET', '/rpc/w66_mixed?a=1&=x');
    assert.equal(get.status, 404, get.text);
  });
});

describe('rpc: PGRST202 texts and hints as PostgREST', () => {
  const gw = suiteGateway();

  test('GET: no "single unnamed json" wording; the closest function name as the hint', async () => {
    const r = await request(gw(), 'GET', '/rpc/w66_ech?v=1');
    assert.equal(r.status, 404);
    assert.deepEqual(r.json(), {
      code: 'PGRST202',
      message: 'Could not find the function api.w66_ech(v) in the schema cache',
      details: 'Searched for the function api.w66_ech with parameter v, but no matches were found in the schema cache.',
      hint: 'Perhaps you meant to call the function api.w66_echo',
    });
  });

  test('JSON POST mentions the unnamed json/jsonb fallback; the hint is the closest parameter list', async () => {
    const r = await request(gw(), 'POST', '/rpc/w66_add', { body: '{"a": 1, "c": 2}', headers: { 'content-type': 'application/json' } });
    assert.deepEqual(r.json(), {
      code: 'PGRST202',
      message: 'Could not find the function api.w66_add(a, c) in the schema cache',
      details: 'Searched for the function api.w66_add with parameters a, c or with a single unnamed json/jsonb parameter, but no matches were found in the schema cache.',
      hint: 'Perhaps you meant to call the function api.w66_add(a, b)',
    });
  });

  test('no hint when nothing is close', async () => {
    const far = await request(gw(), 'GET', '/rpc/w66_add?zzzzzz=1');
    assert.equal((far.json() as ErrorBody).hint, null);
    const unknown = await request(gw(), 'GET', '/rpc/qqqqqqqqqq');
    assert.equal((unknown.json() as ErrorBody).hint, null);
  });
});

describe('rpc: bodies and arguments as PostgREST', () => {
  const gw = suiteGateway();
  const post = (path: string, body: string, type: string) => request(gw(), 'POST', path, { body, headers: { 'content-type': type } });

  test('form-urlencoded and CSV bodies are arguments (CSV: its first row)', async () => {
    const form = await post('/rpc/w66_add', 'a=1&b=2', 'application/x-www-form-urlencoded');
    assert.equal(form.status, 200, form.text);
    assert.equal(form.json(), 3);
    const csv = await post('/rpc/w66_add', 'a,b\n10,20\n30,40', 'text/csv');
    assert.equal(csv.status, 200, csv.text);
    assert.equal(csv.json(), 30);
  });

  test('an array payload calls with its first object; ?columns= keeps only those keys', async () => {
    const arr = await post('/rpc/w66_add', '[{"a": 1, "b": 2}, {"a": 4, "b": 5}]', 'application/json');
    assert.equal(arr.status, 200, arr.text);
    assert.equal(arr.json(), 3);
    const cols = await post('/rpc/w66_defaults?columns=b', '{"a": 9, "b": 7}', 'application/json');
    assert.equal(cols.status, 200, cols.text);
    assert.equal(cols.json(), 17);
  });

  test('bad bodies: mixed keys, an unreadable Content-Type → 400 PGRST102', async () => {
    const mixed = await post('/rpc/w66_add', '[{"a": 1, "b": 2}, {"a": 4}]', 'application/json');
    assert.equal(mixed.status, 400);
    assert.deepEqual([(mixed.json() as ErrorBody).code, (mixed.json() as ErrorBody).message], ['PGRST102', 'All object keys must match']);
    const other = await post('/rpc/w66_add', 'a=1', 'application/x-made-up');
    assert.equal(other.status, 400);
    assert.deepEqual([(other.json() as ErrorBody).code, (other.json() as ErrorBody).message], ['PGRST102', 'Content-Type not acceptable: application/x-made-up']);
  });

  test('repeated GET arguments: the last wins, unless the parameter is variadic', async () => {
    assert.equal((await request(gw(), 'GET', '/rpc/w66_echo?v=first&v=last')).json(), 'last');
    assert.equal((await request(gw(), 'GET', '/rpc/w66_join?v=a&v=b&v=c')).json(), 'a,b,c');
    assert.equal((await request(gw(), 'GET', '/rpc/w66_join?v=only')).json(), 'only');
  });

  test('character(n) and bit(n) parameters take longer values, as PostgREST widens them', async () => {
    const r = await request(gw(), 'GET', '/rpc/w66_chars?c=abc&b=101');
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json(), 'abc/101');
  });
});

describe('rpc: results as PostgREST', () => {
  const gw = suiteGateway();

  test('a single OUT parameter is an object; a one-column TABLE rows of objects', async () => {
    assert.deepEqual((await request(gw(), 'GET', '/rpc/w66_one_out?n=5')).json(), { plus_one: 6 });
    assert.deepEqual((await request(gw(), 'GET', '/rpc/w66_one_col?n=2')).json(), [{ v: 1 }, { v: 2 }]);
    assert.deepEqual((await request(gw(), 'GET', '/rpc/w66_one_col?n=3&v=gt.1&select=v')).json(), [{ v: 2 }, { v: 3 }]);
  });

  test('a domain over a composite is an object', async () => {
    assert.deepEqual((await request(gw(), 'GET', '/rpc/w66_point')).json(), { x: 3, y: 4 });
  });

  test('RAISE with a PT code that is no number → 500', async () => {
    const r = await request(gw(), 'POST', '/rpc/w66_raise_pt', { body: '{}', headers: { 'content-type': 'application/json' } });
    assert.equal(r.status, 500);
    assert.equal((r.json() as ErrorBody).message, 'bad pt');
  });
});
