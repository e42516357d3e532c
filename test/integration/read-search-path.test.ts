// The search_path of a request as PostgREST sets it (test/fixtures/69_reads2.sql): the request's
// schema, then db-extra-search-path as given, repeats kept (clients such as postgrest-js read
// it back); the default extra path is public. And query-string arguments of a call, passed
// straight into it as PostgREST does; a function returning a media-type domain answers its value.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request, suiteGateway } from '../helpers/gateway.js';

describe('read: search_path as PostgREST sets it', () => {
  const defaults = suiteGateway();
  const repeated = suiteGateway({ PGRST_DB_EXTRA_SEARCH_PATH: 'public,api,public' });
  const none = suiteGateway({ PGRST_DB_EXTRA_SEARCH_PATH: '' });

  const path = async (gw: ReturnType<typeof suiteGateway>): Promise<unknown> => {
    const r = await request(gw(), 'GET', '/rpc/rd2_search_path');
    assert.equal(r.status, 200, r.text);
    return r.json();
  };

  test('the request schema, then public by default', async () => {
    assert.equal(await path(defaults), '"api", "public"');
  });

  test('db-extra-search-path as given: a schema named twice, or the request schema again, stays', async () => {
    assert.equal(await path(repeated), '"api", "public", "api", "public"');
  });

  test('an empty db-extra-search-path leaves the request schema alone', async () => {
    assert.equal(await path(none), '"api"');
  });
});

describe('rpc: query-string arguments straight into the call', () => {
  const gw = suiteGateway({ PGRST_DB_PLAN_ENABLED: 'true' });

  test('each argument is read by its parameter type, a json one as JSON', async () => {
    const r = await request(gw(), 'GET', `/rpc/rd2_echo?j=${encodeURIComponent('{"a":[1,2]}')}&n=2`);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json(), { j: { a: [1, 2] }, n: 2, v: 'x' });
    // Form bodies too.
    const form = await request(gw(), 'POST', '/rpc/rd2_echo', { body: 'j=3&v=y', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
    assert.deepEqual(form.json(), { j: 3, n: 0, v: 'y' });
    // A repeated name keeps its last value (through the JSON path).
    const rep = await request(gw(), 'GET', '/rpc/rd2_echo?j=1&n=1&n=5');
    assert.deepEqual(rep.json(), { j: 1, n: 5, v: 'x' });
  });

  test('bad values fail as the type input does', async () => {
    const bad = await request(gw(), 'GET', '/rpc/rd2_echo?j=1&n=abc');
    assert.equal(bad.status, 400);
    assert.equal((bad.json() as { code: string }).code, '22P02');
    const json = await request(gw(), 'GET', '/rpc/rd2_echo?j={oops');
    assert.equal(json.status, 400);
    assert.equal((json.json() as { code: string }).code, '22P02');
  });

  test('the plan has no json_to_record for them', async () => {
    const r = await request(gw(), 'GET', '/rpc/rd2_echo?j=1&n=2', { headers: { Accept: 'application/vnd.pgrst.plan' } });
    assert.equal(r.status, 200, r.text);
    assert.ok(!r.text.includes('json_to_record'), r.text);
  });
});

describe('rpc: a function returning a media-type domain answers its value as it is', () => {
  const gw = suiteGateway({ PGRST_DB_PLAN_ENABLED: 'true' });
  const accept = { Accept: 'text/x-rd2' };

  test('the value is the body; a null one an empty body; counts and paging keep one row', async () => {
    const r = await request(gw(), 'GET', '/rpc/rd2_note?v=abc', { headers: accept });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.text, 'abc');
    assert.equal(r.headers.get('content-type'), 'text/x-rd2');
    const none = await request(gw(), 'GET', '/rpc/rd2_nothing', { headers: accept });
    assert.equal(none.status, 200, none.text);
    assert.equal(none.text, '');
    const counted = await request(gw(), 'GET', '/rpc/rd2_note', { headers: { ...accept, Prefer: 'count=exact' } });
    assert.equal(counted.text, 'hi');
    assert.equal(counted.headers.get('content-range'), '0-0/1');
    const paged = await request(gw(), 'GET', '/rpc/rd2_note?limit=0', { headers: accept });
    assert.ok(paged.status < 500, `${paged.status} ${paged.text}`);
    const head = await request(gw(), 'HEAD', '/rpc/rd2_note', { headers: accept });
    assert.equal(head.status, 200);
  });

  test('its plan shows the value, not an aggregate over it', async () => {
    const r = await request(gw(), 'GET', '/rpc/rd2_note?v=x', { headers: { Accept: 'application/vnd.pgrst.plan+json; for="text/x-rd2"; options=verbose' } });
    assert.equal(r.status, 200, r.text);
    const output = (r.json() as { Plan: { Output: string[] } }[])[0]!.Plan.Output;
    assert.ok(!/string_agg|COALESCE/i.test(output[2] ?? ''), output[2]);
    assert.match(output[2] ?? '', /text\/x-rd2/);
  });
});
