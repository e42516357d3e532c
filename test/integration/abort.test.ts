// A client that disconnects mid-request: the gateway cancels its running query (it is alone on
// its connection) instead of letting it run on, and the connection serves the next request.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Gateway } from '../../gateway/app.js';
import { request, sqlQuery, startTestGateway } from '../helpers/gateway.js';

describe('client abort', () => {
  let gw: Gateway;
  before(async () => {
    await sqlQuery('create or replace view api.abort_slow as select pg_sleep(20) is null as slept');
    await sqlQuery('grant select on api.abort_slow to web_anon');
    gw = await startTestGateway({ PGRST_DB_POOL: '1' });
  });
  after(async () => {
    await gw.stop();
    await sqlQuery('drop view if exists api.abort_slow');
  });

  test('the running query is cancelled when the client goes away', async () => {
    const controller = new AbortController();
    const pending = fetch(`http://127.0.0.1:${gw.port}/abort_slow`, { signal: controller.signal }).catch((e: unknown) => e);
    const running = async (): Promise<number> =>
      (await sqlQuery<{ n: string }>("select count(*) as n from pg_stat_activity where query like '%abort_slow%' and state = 'active' and pid <> pg_backend_pid()"))[0]?.n === '0' ? 0 : 1;
    for (let i = 0; i < 100 && (await running()) === 0; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(await running(), 1, 'the slow query started');
    controller.abort();
    assert.ok((await pending) instanceof Error);
    let stillRunning = 1;
    for (let i = 0; i < 100 && stillRunning === 1; i++) {
      await new Promise((r) => setTimeout(r, 50));
      stillRunning = await running();
    }
    assert.equal(stillRunning, 0, 'the query was cancelled well before its 20 s');
    const next = await request(gw, 'GET', '/todos?limit=1');
    assert.equal(next.status, 200);
  });
});
