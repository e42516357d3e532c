// The gateway through PgBouncer 1.24.1 (built from Debian trixie's source by
// scripts/ensure-pgbouncer.sh) in transaction mode with max_prepared_statements, the gateway at
// db-prepared-statements = true: a read, a write, an RPC and JWT + row-level security requests,
// then bursts of many more concurrent requests than PgBouncer has backends, pipelined on the
// gateway's connections (PgBouncer >= 1.21 keeps a backend until every forwarded message is
// answered), each answered for its own role, and the named statements reused across backends.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SignJWT } from 'jose';
import pg from 'pg';
import type { Gateway } from '../../gateway/app.js';
import { Connection } from '../../protocol/index.js';
import { JWT_SECRET, request, sqlQuery, startTestGateway, superuserUri, type Reply } from '../helpers/gateway.js';
import { builtPgbouncer, checkReadWriteRpc, startPgbouncer, type Bouncer } from '../helpers/pgbouncer.js';

const binary = builtPgbouncer();
/** PgBouncer's server connections, fewer than the gateway's pool (3). */
const BACKENDS = 2;

const token = (userId: string): Promise<string> =>
  new SignJWT({ role: 'web_user', user_id: userId }).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(JWT_SECRET));

/** Rows of an admin-console SHOW command (simple query protocol: the console takes nothing else). */
async function show(uri: string, what: string): Promise<Record<string, string>[]> {
  const client = new pg.Client({ connectionString: uri });
  await client.connect();
  try {
    return (await client.query<Record<string, string>>(`SHOW ${what}`)).rows;
  } finally {
    await client.end();
  }
}

describe('through PgBouncer >= 1.21 in transaction mode with prepared statements', { skip: 'skip' in binary ? binary.skip : false }, () => {
  let bouncer: Bouncer | null = null;
  let gw: Gateway | null = null;
  const g = (): Gateway => gw!;
  const stats = async (): Promise<{ binds: number; clientParses: number; serverParses: number }> => {
    const db = new URL(superuserUri()).pathname.slice(1);
    const row = (await show(bouncer!.consoleUri, 'STATS')).find((r) => r['database'] === db);
    assert.ok(row !== undefined, `SHOW STATS has a row for ${db}`);
    return { binds: Number(row['total_bind_count']), clientParses: Number(row['total_client_parse_count']), serverParses: Number(row['total_server_parse_count']) };
  };

  before(async () => {
    if (!('path' in binary)) return;
    bouncer = await startPgbouncer(binary.path, superuserUri(), { poolSize: BACKENDS, maxPreparedStatements: 200 });
    gw = await startTestGateway({
      PGRST_DB_URI: bouncer.authenticatorUri,
      PGRST_DB_PREPARED_STATEMENTS: 'true',
      PGRST_DB_CHANNEL_ENABLED: 'false',
      // More gateway connections than PgBouncer has backends: they take turns on them.
      PGRST_DB_POOL: '3',
    });
  });
  after(async () => {
    await gw?.stop();
    await bouncer?.stop();
    if ('path' in binary) await sqlQuery('drop table if exists api.pgb_prepared_t');
  });

  test('the binary is PgBouncer 1.21 or later', async () => {
    const version = Object.values((await show(bouncer!.consoleUri, 'VERSION'))[0]!)[0]!;
    const m = /^PgBouncer (\d+)\.(\d+)\./.exec(version);
    assert.ok(m !== null && (Number(m[1]) > 1 || Number(m[2]) >= 21), version);
  });

  test('a read, a write and an RPC', async () => {
    await checkReadWriteRpc(g(), `via-pgbouncer-prepared-${process.pid}`);
  });

  test('JWT role and row-level security per transaction', async () => {
    const user = `carol-${process.pid}`;
    const auth = { Authorization: `Bearer ${await token(user)}` };
    const add = await request(g(), 'POST', '/scale_notes', { body: '{"body":"carol via pgbouncer"}', headers: { ...auth, 'Content-Type': 'application/json' } });
    assert.equal(add.status, 201, add.text);
    const mine = await request(g(), 'GET', '/scale_notes?select=owner,body', { headers: auth });
    assert.equal(mine.status, 200, mine.text);
    assert.deepEqual(mine.json(), [{ owner: user, body: 'carol via pgbouncer' }]);
    const anon = await request(g(), 'GET', '/scale_notes');
    assert.equal(anon.status, 401, anon.text);
  });

  test('bursts of more requests than PgBouncer has backends are pipelined, each answered for its own role, statements reused', async (t) => {
    const users = [`dave-${process.pid}`, `erin-${process.pid}`];
    const tokens = await Promise.all(users.map(token));
    // How many batches were already on the wire as each one was handed to a connection.
    const ahead: number[] = [];
    const submit = Connection.prototype.submit;
    Connection.prototype.submit = function (this: Connection, queries) {
      ahead.push(this.inFlight);
      return submit.call(this, queries);
    };
    const start = await stats();
    const ROUNDS = 6;
    const PER_ROUND = 90;
    const written = new Map<string, number>(users.map((u) => [u, 0]));
    try {
      for (let round = 0; round < ROUNDS; round++) {
        const replies = await Promise.all(
          Array.from({ length: PER_ROUND }, (_, i): Promise<{ kind: string; who: string; r: Reply }> => {
            const u = i % 2;
            const who = users[u]!;
            const auth = { Authorization: `Bearer ${tokens[u]!}` };
            switch (i % 5) {
              case 0:
                return request(g(), 'GET', '/scale_node').then((r) => ({ kind: 'anon', who: '', r }));
              case 1:
                return request(g(), 'GET', '/rpc/scale_in_recovery').then((r) => ({ kind: 'rpc', who: '', r }));
              case 2:
                // 3–6 KB bodies: batches straddle PgBouncer's 4 KB reads, where 1.18 split them.
                written.set(who, written.get(who)! + 1);
                return request(g(), 'POST', '/scale_notes', { body: JSON.stringify({ body: `r${round}-${'x'.repeat(3000 + 37 * i)}` }), headers: { ...auth, 'Content-Type': 'application/json', Prefer: 'return=representation' } }).then((r) => ({ kind: 'write', who, r }));
              default:
                return request(g(), 'GET', `/scale_notes?select=owner&body=neq.${i}`, { headers: auth }).then((r) => ({ kind: 'read', who, r }));
            }
          }),
        );
        for (const { kind, who, r } of replies) {
          assert.equal(r.status, kind === 'write' ? 201 : 200, `round ${round} ${kind}: ${r.text}`);
          if (kind === 'anon') assert.deepEqual(r.json(), [{ in_recovery: false }]);
          else if (kind === 'rpc') assert.equal(r.json(), false);
          else for (const row of r.json() as { owner: string }[]) assert.equal(row.owner, who);
        }
      }
    } finally {
      Connection.prototype.submit = submit;
    }
    // Every write landed once, under its own user.
    for (const [who, n] of written) {
      const rows = await sqlQuery<{ n: string }>('select count(*) as n from api.scale_notes where owner = $1', [who]);
      assert.equal(Number(rows[0]!.n), n, who);
    }
    // Pipelined: batches went onto connections that had others in flight.
    const pipelined = ahead.filter((n) => n > 0).length;
    assert.ok(pipelined > 0, `pipelined: ${pipelined} of ${ahead.length} batches (max ahead ${Math.max(...ahead)})`);
    assert.equal(g().state.pool.stats().max, 3);
    // Prepared statements reused: each request binds named statements that PgBouncer parsed on a
    // backend only the first time that backend met the text (a handful of texts, two backends).
    const end = await stats();
    const binds = end.binds - start.binds;
    const serverParses = end.serverParses - start.serverParses;
    assert.ok(binds >= ROUNDS * PER_ROUND, `binds ${binds}`);
    assert.ok(serverParses * 20 < binds, `server parses ${serverParses} for ${binds} binds`);
    const servers = await show(bouncer!.consoleUri, 'SERVERS');
    t.diagnostic(`${pipelined} of ${ahead.length} batches pipelined (max ${Math.max(...ahead)} ahead); ${binds} binds, ${serverParses} server parses, ${end.clientParses - start.clientParses} client parses; prepared per server: ${servers.map((s) => s['prepared_statements']).join(', ')}`);
    assert.ok(servers.length > 0 && servers.length <= BACKENDS, `servers: ${servers.length}`);
    for (const s of servers) assert.ok(Number(s['prepared_statements']) > 0, `server ${s['id']} holds prepared statements`);
  });

  test('after a schema reload (cached statements closed) requests through PgBouncer see the new column', async () => {
    await sqlQuery('create table api.pgb_prepared_t (id int primary key); grant select on api.pgb_prepared_t to web_anon; insert into api.pgb_prepared_t values (1)');
    await g().reloadSchema();
    const first = await Promise.all(Array.from({ length: 20 }, () => request(g(), 'GET', '/pgb_prepared_t')));
    for (const r of first) assert.deepEqual([r.status, r.json()], [200, [{ id: 1 }]], r.text);
    await sqlQuery("alter table api.pgb_prepared_t add column extra text default 'x'");
    await g().reloadSchema();
    // The same URL, now with the new column: the cached statements were closed and re-parsed.
    const second = await Promise.all(Array.from({ length: 20 }, () => request(g(), 'GET', '/pgb_prepared_t')));
    for (const r of second) assert.deepEqual([r.status, r.json()], [200, [{ id: 1, extra: 'x' }]], r.text);
  });
});
