// The benchmarks' database: BENCH_DB_URI, or an embedded PostgreSQL in `dataDir` (outside any
// private temp folder: PostgreSQL may run as another user), loaded with bench/dataset.sql.

import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { freePort, startEmbedded, type EmbeddedCluster } from '../gateway/embedded.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface BenchDatabase {
  /** The embedded cluster to stop afterwards, or null with BENCH_DB_URI. */
  readonly cluster: EmbeddedCluster | null;
  readonly superuserUri: string;
  /** The same database as the dataset's authenticator role. */
  readonly authenticatorUri: string;
}

export async function benchDatabase(dataDir: string): Promise<BenchDatabase> {
  let cluster: EmbeddedCluster | null = null;
  let superuserUri = process.env['BENCH_DB_URI'];
  if (superuserUri === undefined || superuserUri === '') {
    cluster = await startEmbedded({ dataDir, port: await freePort() });
    superuserUri = cluster.superuserUri;
  }
  process.stderr.write('Loading the benchmark dataset…\n');
  const client = new pg.Client({ connectionString: superuserUri });
  client.on('error', () => undefined);
  await client.connect();
  try {
    await client.query(readFileSync(join(root, 'bench', 'dataset.sql'), 'utf8'));
  } finally {
    await client.end();
  }
  const authUrl = new URL(superuserUri);
  authUrl.username = 'authenticator';
  authUrl.password = 'pw';
  return { cluster, superuserUri, authenticatorUri: authUrl.toString() };
}
