// Many concurrent requests through Debian's PgBouncer (1.18 on Debian 12) in transaction mode,
// more gateway connections than PgBouncer has server connections, so clients queue for
// backends as in production: every request must complete with its own role's answer. Before
// the fix this wedged (PgBouncer injected `SET DateStyle` after part of a pipelined batch) or
// lost connections (it handed a backend to another client in the middle of a batch); the
// deterministic wire rule is in protocol-pool.test.ts. Also: the gateway's startup DateStyle is
// the server's own spelling, so PgBouncer has nothing to SET at each transaction.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SignJWT } from 'jose';
import type { Gateway } from '../../gateway/app.js';
import { parseConnInfo, Pool } from '../../protocol/index.js';
import { JWT_SECRET, request, startTestGateway, superuserUri } from '../helpers/gateway.js';
import { pgbouncerBinary, startPgbouncer, type Bouncer } from '../helpers/pgbouncer.js';

const binary = pgbouncerBinary();

const token = (userId: string): Promise<string> =>
  new SignJWT({ role: 'web_user', user_id: userId }).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(JWT_SECRET));

describe('through PgBouncer under contention', { skip: 'skip' in binary ? binary.skip : false }, () => {
  let bouncer: Bouncer | null = null;
  let gw: Gateway | null = null;

  before(async () => {
    if (!('path' in binary)) return;
    // One server connection for three gateway connections: they take turns on it.
    bouncer = await startPgbouncer(binary.path, superuserUri(), { poolSize: 1 });
    gw = await startTestGateway({
      PGRST_DB_URI: bouncer.authenticatorUri,
      PGRST_DB_PREPARED_STATEMENTS: 'false',
      PGRST_DB_CHANNEL_ENABLED: 'false',
      PGRST_DB_POOL: '3',
    });
  });
  after(async () => {
    await gw?.stop();
    await bouncer?.stop();
  });

  test('rounds of concurrent requests of three roles all complete, each with its own rows', async () => {
    const [alice, bob] = await Promise.all([token('alice'), token('bob')]);
    for (let round = 0; round < 8; round++) {
      const replies = await Promise.all(
        Array.from({ length: 60 }, (_, i) => {
          const who = i % 3 === 0 ? 'anon' : i % 3 === 1 ? 'alice' : 'bob';
          const headers: Record<string, string> = who === 'anon' ? {} : { Authorization: `Bearer ${who === 'alice' ? alice : bob}` };
          return request(gw!, 'GET', who === 'anon' ? '/scale_node' : '/scale_notes?select=owner', { headers }).then((r) => ({ who, r }));
        }),
      );
      for (const { who, r } of replies) {
        assert.equal(r.status, 200, `round ${round}: ${r.text}`);
        if (who === 'anon') assert.deepEqual(r.json(), [{ in_recovery: false }]);
        else for (const row of r.json() as { owner: string }[]) assert.equal(row.owner, who);
      }
    }
  });

  test('connections start with the DateStyle the server reports, which PgBouncer echoes back', async () => {
    const pool = new Pool(parseConnInfo(bouncer!.authenticatorUri, {}), { size: 1, pipelineDepth: 1, acquisitionTimeoutMs: 5000, statementCacheSize: 10, preparedStatements: false });
    try {
      const [r] = await pool.run([{ text: "select current_setting('DateStyle')", params: [] }]);
      const server = r!.rows[0]![0]!.toString();
      assert.match(server, /^ISO, /);
      // PgBouncer reports the client's own startup value: equal to the server's, no SET needed.
      assert.deepEqual(pool.parameter('DateStyle'), [server]);
    } finally {
      await pool.end();
    }
  });
});
