// The admin server of a gateway started while its database is unreachable (a closed port): /live
// answers 200 from the start and /ready 503, as PostgREST's admin server does, and /ready turns
// 200 once the database comes up (a TCP proxy opened on that port later) and the schema cache
// has loaded.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { Gateway } from '../../gateway/app.js';
import { authenticatorUri, startTestGateway } from '../helpers/gateway.js';
import { freePort } from '../helpers/net.js';
import { eventually } from '../helpers/protocol.js';

const status = async (port: number, path: string): Promise<number> => (await fetch(`http://127.0.0.1:${port}${path}`)).status;

test('/live answers while the database is down, /ready once it is up and the cache loaded', async () => {
  const db = new URL(authenticatorUri());
  const dbPort = await freePort();
  const adminPort = await freePort();
  const uri = new URL(db);
  uri.port = String(dbPort);
  let proxy: Server | null = null;
  const sockets = new Set<Socket>();
  let gw: Gateway | null = null;
  // Not awaited: with the database down the start waits for the first schema-cache load.
  const starting = startTestGateway({ PGRST_DB_URI: uri.toString(), PGRST_ADMIN_SERVER_PORT: String(adminPort), PGRST_ADMIN_SERVER_HOST: '127.0.0.1' });
  starting.then((g) => (gw = g), () => undefined);
  try {
    await eventually(async () => (await status(adminPort, '/live').catch(() => 0)) === 200, 10000, 'the admin server to answer /live');
    assert.equal(gw, null, 'the start is still waiting for the database');
    assert.equal(await status(adminPort, '/live'), 200);
    assert.equal(await status(adminPort, '/ready'), 503);
    // The database becomes reachable on the configured port.
    proxy = createServer((client) => {
      const upstream = connect(Number(db.port), db.hostname);
      for (const s of [client, upstream]) {
        sockets.add(s);
        s.on('error', () => undefined);
        s.on('close', () => sockets.delete(s));
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((r) => proxy!.listen(dbPort, '127.0.0.1', r));
    await starting;
    await eventually(async () => (await status(adminPort, '/ready')) === 200, 20000, '/ready to turn 200');
    assert.equal(await status(adminPort, '/live'), 200);
  } finally {
    await (await starting.catch(() => null))?.stop();
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => (proxy === null ? r() : proxy.close(() => r())));
  }
});
