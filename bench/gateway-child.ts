// For benches: the gateway as a child process (dist/gateway/main.js), ready once a probe path
// answers, so RSS and CPU are the gateway's own; and an embedded PostgreSQL for one run.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, startEmbedded, type EmbeddedCluster } from '../gateway/embedded.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** PostgREST's canonical roles for a bench database: `authenticator` (pw) with nothing but `web_anon`. */
export const CANONICAL_ROLES = `
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'web_anon') THEN CREATE ROLE web_anon NOLOGIN; END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'authenticator') THEN CREATE ROLE authenticator NOINHERIT LOGIN PASSWORD 'pw'; END IF;
END $$;
GRANT web_anon TO authenticator;
`;

/** Start the gateway with PGRST_* settings `env` (schema, anon role, …); waits until `probe` answers 2xx. */
export async function startGatewayChild(uri: string, port: number, env: Record<string, string>, probe: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--expose-gc', join(root, 'dist', 'gateway', 'main.js')], {
    env: { ...process.env, PGRST_DB_URI: uri, PGRST_SERVER_HOST: '127.0.0.1', PGRST_SERVER_PORT: String(port), PGRST_LOG_LEVEL: 'crit', ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  for (let i = 0; i < 200; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}${probe}`)).ok) return child;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill();
  throw new Error('gateway did not start');
}

/**
 * An embedded PostgreSQL in a fresh temp dir, loaded with `setup`, for the length of `fn`;
 * `fn` gets the cluster and the URI of the `authenticator` role (password pw) that `setup` creates.
 */
export async function withBenchDatabase<T>(name: string, setup: string, fn: (cluster: EmbeddedCluster, authUri: string) => Promise<T>): Promise<T> {
  const dataDir = mkdtempSync(join(tmpdir(), `pgrest-gateway-bench-${name}-`));
  rmSync(dataDir, { recursive: true });
  let cluster: EmbeddedCluster | null = null;
  try {
    cluster = await startEmbedded({ dataDir, port: await freePort() });
    await cluster.exec(setup);
    const auth = new URL(cluster.superuserUri);
    auth.username = 'authenticator';
    auth.password = 'pw';
    return await fn(cluster, auth.toString());
  } finally {
    await cluster?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
