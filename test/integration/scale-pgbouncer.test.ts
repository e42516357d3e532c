// The gateway through Debian's PgBouncer in transaction mode (test/helpers/pgbouncer.ts), with
// db-prepared-statements and db-channel-enabled off: a read, a write, an RPC and JWT + row-level
// security requests, and many concurrent requests on the gateway's one connection (one batch on
// the wire at a time without prepared statements: see Connection.acceptsPipelined) while
// PgBouncer hands their transactions to two shared backends, each seeing only its own role.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SignJWT } from 'jose';
import type { Gateway } from '../../gateway/app.js';
import { JWT_SECRET, request, startTestGateway, superuserUri } from '../helpers/gateway.js';
import { checkReadWriteRpc, pgbouncerBinary, startPgbouncer, type Bouncer } from '../helpers/pgbouncer.js';

const binary = pgbouncerBinary();

const token = (userId: string): Promise<string> =>
  new SignJWT({ role: 'web_user', user_id: userId }).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(JWT_SECRET));

describe('through PgBouncer in transaction mode', { skip: 'skip' in binary ? binary.skip : false }, () => {
  let bouncer: Bouncer | null = null;
  let gw: Gateway | null = null;
  const g = (): Gateway => gw!;

  before(async () => {
    if (!('path' in binary)) return;
    bouncer = await startPgbouncer(binary.path, superuserUri());
    gw = await startTestGateway({
      PGRST_DB_URI: bouncer.authenticatorUri,
      PGRST_DB_PREPARED_STATEMENTS: 'false',
      PGRST_DB_CHANNEL_ENABLED: 'false',
      // One connection to PgBouncer: every concurrent request takes its turn on it.
      PGRST_DB_POOL: '1',
    });
  });
  after(async () => {
    await gw?.stop();
    await bouncer?.stop();
  });

  test('a read, a write and an RPC', async () => {
    await checkReadWriteRpc(g(), `via-pgbouncer-${process.pid}`);
  });

  test('JWT role and row-level security per transaction', async () => {
    const alice = await token('alice');
    const mine = await request(g(), 'GET', '/scale_notes?select=owner,body', { headers: { Authorization: `Bearer ${alice}` } });
    assert.equal(mine.status, 200, mine.text);
    assert.deepEqual(mine.json(), [{ owner: 'alice', body: 'alice note' }]);
    const add = await request(g(), 'POST', '/scale_notes', { body: '{"body":"alice via pgbouncer"}', headers: { Authorization: `Bearer ${alice}`, 'Content-Type': 'application/json' } });
    assert.equal(add.status, 201, add.text);
    // Anonymous has no grant on the table.
    const anon = await request(g(), 'GET', '/scale_notes');
    assert.equal(anon.status, 401, anon.text);
  });

  test('concurrent requests of different roles on one connection stay apart', async () => {
    const [alice, bob] = await Promise.all([token('alice'), token('bob')]);
    const replies = await Promise.all(
      Array.from({ length: 60 }, (_, i) => {
        const who = i % 3 === 0 ? 'anon' : i % 3 === 1 ? 'alice' : 'bob';
        const headers: Record<string, string> = who === 'anon' ? {} : { Authorization: `Bearer ${who === 'alice' ? alice : bob}` };
        const path = who === 'anon' ? '/scale_node' : '/scale_notes?select=owner';
        return request(g(), 'GET', path, { headers }).then((r) => ({ who, r }));
      }),
    );
    for (const { who, r } of replies) {
      assert.equal(r.status, 200, r.text);
      if (who === 'anon') assert.deepEqual(r.json(), [{ in_recovery: false }]);
      else for (const row of r.json() as { owner: string }[]) assert.equal(row.owner, who);
    }
    assert.equal(g().state.pool.stats().max, 1);
  });
});
