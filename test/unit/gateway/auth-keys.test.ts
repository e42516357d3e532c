// Unit tests for asymmetric keys (gateway/jwt-keys.ts through the Authenticator): RS*, PS*, ES*
// and EdDSA from a JWK or JWKS given inline or as @file and picked by kid, and jwt-jwks-uri
// against a local HTTP server, refetched when an unknown kid shows up.

import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import { Authenticator, type AuthOutcome } from '../../../gateway/auth.js';
import { loadConfig } from '../../../gateway/config.js';

interface Signer {
  readonly alg: string;
  readonly kid: string;
  readonly publicJwk: JWK;
  sign(role: string): Promise<string>;
}

async function signer(alg: string, kid: string): Promise<Signer> {
  const { privateKey, publicKey } = await generateKeyPair(alg, alg === 'EdDSA' ? { crv: 'Ed25519' } : {});
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg };
  return {
    alg,
    kid,
    publicJwk,
    sign: (role) => new SignJWT({ role }).setProtectedHeader({ alg, kid }).sign(privateKey),
  };
}

function auth(env: Record<string, string>): Authenticator {
  return new Authenticator(loadConfig({ env: { PGRST_DB_ANON_ROLE: 'web_anon', ...env } }), { maxAgeMs: 60_000, cooldownMs: 50 });
}

function roleOf(o: AuthOutcome): string {
  assert.ok(o.ok, o.ok ? '' : `${o.error.code} ${o.error.message}`);
  return o.ok ? o.auth.role : '';
}

const tmp = mkdtempSync(join(tmpdir(), 'auth-keys-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

describe('asymmetric keys', () => {
  test('each algorithm verifies against its public JWK given inline', async () => {
    for (const alg of ['RS256', 'RS384', 'RS512', 'PS256', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA']) {
      const s = await signer(alg, 'k-' + alg);
      const a = auth({ PGRST_JWT_SECRET: JSON.stringify(s.publicJwk) });
      assert.equal(roleOf(await a.authenticate(await s.sign('web_user'))), 'web_user', alg);
    }
  });

  test('a JWKS from @file picks the key by kid; an unknown key is PGRST301', async () => {
    const rs = await signer('RS256', 'rsa-1');
    const es = await signer('ES256', 'ec-1');
    const file = join(tmp, 'jwks.json');
    writeFileSync(file, JSON.stringify({ keys: [rs.publicJwk, es.publicJwk] }) + '\n');
    const a = auth({ PGRST_JWT_SECRET: '@' + file });
    assert.equal(roleOf(await a.authenticate(await rs.sign('from_rsa'))), 'from_rsa');
    assert.equal(roleOf(await a.authenticate(await es.sign('from_ec'))), 'from_ec');
    const stranger = await signer('RS256', 'rsa-1');
    const o = await a.authenticate(await stranger.sign('x'));
    assert.ok(!o.ok);
    if (!o.ok) assert.deepEqual([o.error.code, o.error.message], ['PGRST301', 'No suitable key or wrong key type']);
  });

  test('an HMAC token is refused by an RSA key set (no algorithm confusion)', async () => {
    const rs = await signer('RS256', 'rsa-1');
    const a = auth({ PGRST_JWT_SECRET: JSON.stringify({ keys: [rs.publicJwk] }) });
    const forged = await new SignJWT({ role: 'postgres' }).setProtectedHeader({ alg: 'HS256', kid: 'rsa-1' }).sign(new TextEncoder().encode(JSON.stringify(rs.publicJwk)));
    const o = await a.authenticate(forged);
    assert.ok(!o.ok);
    if (!o.ok) assert.equal(o.error.code, 'PGRST301');
  });
});

describe('jwt-jwks-uri', () => {
  let server: Server | null = null;
  after(() => server?.close());

  test('fetches the JWKS over HTTP and refetches it when an unknown kid arrives', async () => {
    const first = await signer('ES256', 'gen-1');
    const second = await signer('RS256', 'gen-2');
    let served: JWK[] = [first.publicJwk];
    let fetches = 0;
    server = createServer((_req, res) => {
      fetches++;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys: served }));
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    const addr = server.address();
    const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
    const a = auth({ PGRST_JWT_JWKS_URI: `http://127.0.0.1:${port}/jwks.json` });
    await a.refreshKeys();
    assert.equal(fetches, 1);
    assert.equal(roleOf(await a.authenticate(await first.sign('one'))), 'one');
    assert.equal(fetches, 1, 'the prefetched key set serves the first token');
    // Key rotation: the issuer starts signing with gen-2; after the cooldown it is picked up.
    served = [first.publicJwk, second.publicJwk];
    await new Promise((r) => setTimeout(r, 80));
    assert.equal(roleOf(await a.authenticate(await second.sign('two'))), 'two');
    assert.equal(fetches, 2);
  });

  test('an unreachable JWKS endpoint refuses the token with the reason in details', async () => {
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const addr = probe.address();
    const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
    await new Promise((r) => probe.close(r));
    const s = await signer('RS256', 'k');
    const o = await auth({ PGRST_JWT_JWKS_URI: `http://127.0.0.1:${port}/jwks.json` }).authenticate(await s.sign('x'));
    assert.ok(!o.ok);
    if (!o.ok) {
      assert.equal(o.error.code, 'PGRST301');
      assert.match(o.error.details ?? '', /^Could not fetch the JWKS from jwt-jwks-uri/);
    }
  });
});
