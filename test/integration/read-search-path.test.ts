// The search_path of a request as PostgREST sets it (test/fixtures/69_reads2.sql): the request's
// schema, then db-extra-search-path as given, repeats kept (clients such as postgrest-js read
// it back); the default extra path is public.

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
