// sslmode and target_session_attrs against real servers: the shared test server has no TLS
// (answers 'N'), and a cluster of this test's own gets a self-signed certificate (answers
// 'S'): prefer falls back, require insists, verify-full checks the chain and the host name.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbedded, type EmbeddedCluster } from '../../gateway/embedded.js';
import { ClientError, Connection, parseConnInfo, type ConnInfo } from '../../protocol/index.js';
import { freePort } from '../helpers/net.js';
import { column, eventually, testConnInfo } from '../helpers/protocol.js';

const opts = { statementCacheSize: 10, preparedStatements: true };

async function sslInUse(info: ConnInfo): Promise<string | null> {
  const conn = await Connection.connect(info, opts);
  try {
    return column((await conn.send([{ text: 'select ssl::text from pg_stat_ssl where pid = pg_backend_pid()', params: [] }]))[0])[0] ?? null;
  } finally {
    await conn.close();
  }
}

const connectFailed = (e: unknown): boolean => e instanceof ClientError && e.code === 'CONNECT_FAILED';

describe('a server without TLS', () => {
  test('sslmode=prefer falls back to plain text; require and verify-full refuse', async () => {
    assert.equal(await sslInUse({ ...testConnInfo(), sslmode: 'prefer' }), 'false');
    assert.equal(await sslInUse({ ...testConnInfo(), sslmode: 'disable' }), 'false');
    await assert.rejects(Connection.connect({ ...testConnInfo(), sslmode: 'require' }, opts), connectFailed);
    await assert.rejects(Connection.connect({ ...testConnInfo(), sslmode: 'verify-full' }, opts), connectFailed);
  });

  test('target_session_attrs: a primary is read-write, never a standby', async () => {
    assert.equal(await sslInUse({ ...testConnInfo(), targetSessionAttrs: 'read-write' }), 'false');
    assert.equal(await sslInUse({ ...testConnInfo(), targetSessionAttrs: 'primary' }), 'false');
    await assert.rejects(Connection.connect({ ...testConnInfo(), targetSessionAttrs: 'standby' }, opts), connectFailed);
    await assert.rejects(Connection.connect({ ...testConnInfo(), targetSessionAttrs: 'read-only' }, opts), connectFailed);
  });
});

describe('a server with a self-signed certificate', () => {
  let dataDir: string;
  let certDir: string;
  let cluster: EmbeddedCluster;
  let uri: string;

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'pgrest-gateway-tls-'));
    rmSync(dataDir, { recursive: true });
    certDir = mkdtempSync(join(tmpdir(), 'pgrest-gateway-cert-'));
    cluster = await startEmbedded({ dataDir, port: await freePort() });
    uri = cluster.superuserUri;
    const key = join(dataDir, 'server.key');
    const crt = join(dataDir, 'server.crt');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', crt, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
    execFileSync('cp', [crt, join(certDir, 'ca.crt')]);
    // The server refuses a key others can read, and must own what it reads.
    const owner = statSync(dataDir);
    chownSync(key, owner.uid, owner.gid);
    chownSync(crt, owner.uid, owner.gid);
    execFileSync('chmod', ['600', key]);
    // ALTER SYSTEM refuses a multi-statement string (an implicit transaction): one at a time.
    await cluster.exec('alter system set ssl = on');
    await cluster.exec("alter system set ssl_cert_file = 'server.crt'");
    await cluster.exec("alter system set ssl_key_file = 'server.key'");
    await cluster.exec('select pg_reload_conf()');
    // The reload is asynchronous: wait until the server offers TLS.
    await eventually(async () => (await sslInUse(parseConnInfo(uri + '?sslmode=prefer', {}))) === 'true', 10000, 'ssl = on after reload');
  });

  after(async () => {
    await cluster.stop();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(certDir, { recursive: true, force: true });
  });

  test('prefer and require use TLS; disable does not', async () => {
    assert.equal(await sslInUse(parseConnInfo(uri + '?sslmode=prefer', {})), 'true');
    assert.equal(await sslInUse(parseConnInfo(uri + '?sslmode=require', {})), 'true');
    assert.equal(await sslInUse(parseConnInfo(uri + '?sslmode=disable', {})), 'false');
  });

  test('verify-full accepts the certificate only with its CA', async () => {
    await assert.rejects(Connection.connect(parseConnInfo(uri + '?sslmode=verify-full', {}), opts), connectFailed);
    assert.equal(await sslInUse(parseConnInfo(`${uri}?sslmode=verify-full&sslrootcert=${join(certDir, 'ca.crt')}`, {})), 'true');
  });
});
