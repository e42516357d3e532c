// Schema-cache load time on a generated large schema (1,000 tables, 3,000 foreign keys, 200
// views, 500 functions): `make bench-schema`. Loads through the gateway's own pool and loader,
// reports the median of several loads, and writes bench/results/schema-load.json. Also times
// what a start from a schema-cache snapshot costs instead: reading and decoding the snapshot
// file, and the one catalog-fingerprint query that checks it.

import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { freePort, startEmbedded, type EmbeddedCluster } from '../gateway/embedded.js';
import { fetchCatalog, fetchFingerprint, loadSchemaCache } from '../gateway/schema-loader.js';
import { CATALOG_QUERIES_DIGEST, readSnapshot, writeSnapshot } from '../gateway/snapshot.js';
import { parseConnInfo, Pool } from '../protocol/index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const TABLES = 1000;
const FKS_PER_TABLE = 3;
const VIEWS = 200;
const FUNCTIONS = 500;

/** DDL for the large schema, built in SQL so the generator stays deterministic and fast. */
function largeSchemaSql(): string {
  return `
DROP SCHEMA IF EXISTS big CASCADE;
CREATE SCHEMA big;
DO $$
DECLARE i int; k int;
BEGIN
  FOR i IN 1..${TABLES} LOOP
    EXECUTE format('CREATE TABLE big.t%s (id int PRIMARY KEY, name text, ref1 int, ref2 int, ref3 int, created timestamptz)', i);
    -- Comments too: the cache carries them for the OpenAPI output.
    EXECUTE format('COMMENT ON TABLE big.t%s IS %L', i, 'Table ' || i || E'\nA generated table for the load benchmark');
    EXECUTE format('COMMENT ON COLUMN big.t%s.name IS %L', i, 'The name of row ' || i);
  END LOOP;
  FOR i IN 1..${TABLES} LOOP
    FOR k IN 1..${FKS_PER_TABLE} LOOP
      EXECUTE format('ALTER TABLE big.t%s ADD FOREIGN KEY (ref%s) REFERENCES big.t%s (id)', i, k, 1 + (i * 7 + k * 13) % ${TABLES});
    END LOOP;
  END LOOP;
  FOR i IN 1..${VIEWS} LOOP
    EXECUTE format('CREATE VIEW big.v%s AS SELECT id, name, ref1 FROM big.t%s', i, i);
  END LOOP;
  FOR i IN 1..${FUNCTIONS} LOOP
    EXECUTE format('CREATE FUNCTION big.f%s(a int, b text DEFAULT %L) RETURNS SETOF big.t%s STABLE LANGUAGE sql AS %L', i, 'x', 1 + i % ${TABLES},
      format('SELECT * FROM big.t%s WHERE id = a', 1 + i % ${TABLES}));
    EXECUTE format('COMMENT ON FUNCTION big.f%s(int, text) IS %L', i, 'Function ' || i);
  END LOOP;
END $$;
ANALYZE;`;
}

async function main(): Promise<void> {
  const dataDir = join(tmpdir(), `pgrest-gateway-schema-bench-${process.pid}`);
  let cluster: EmbeddedCluster | null = null;
  try {
    let uri = process.env['BENCH_DB_URI'];
    if (uri === undefined || uri === '') {
      cluster = await startEmbedded({ dataDir, port: await freePort() });
      uri = cluster.superuserUri;
    }
    process.stderr.write('Generating the large schema…\n');
    const client = new pg.Client({ connectionString: uri });
    await client.connect();
    try {
      await client.query(largeSchemaSql());
    } finally {
      await client.end();
    }
    const pool = new Pool(parseConnInfo(uri, process.env), {
      size: 1, pipelineDepth: 1, acquisitionTimeoutMs: 30000, statementCacheSize: 10, preparedStatements: true,
    });
    const times: number[] = [];
    const fingerprintTimes: number[] = [];
    const restoreTimes: number[] = [];
    const snapshotFile = `${dataDir}-snapshot.msgpack`;
    let relations = 0;
    let snapshotBytes = 0;
    const timed = async <T>(into: number[], fn: () => Promise<T> | T): Promise<T> => {
      const started = process.hrtime.bigint();
      const out = await fn();
      into.push(Number(process.hrtime.bigint() - started) / 1e6);
      return out;
    };
    try {
      for (let i = 0; i < 7; i++) {
        const cache = await timed(times, () => loadSchemaCache(pool, ['big']));
        relations = cache.tables.size;
      }
      const load = await fetchCatalog(pool, ['big'], true);
      await writeSnapshot(snapshotFile, {
        fingerprint: load.fingerprint ?? '', schemas: ['big'], queries: CATALOG_QUERIES_DIGEST, createdAt: new Date().toISOString(),
        catalog: load.catalog, roleSettings: load.roleSettings,
      });
      snapshotBytes = statSync(snapshotFile).size;
      for (let i = 0; i < 7; i++) {
        await timed(fingerprintTimes, () => fetchFingerprint(pool, ['big']));
        const restored = await timed(restoreTimes, () => readSnapshot(snapshotFile, ['big'], () => undefined));
        if (restored?.cache.tables.size !== relations) throw new Error('the snapshot did not restore the schema cache');
      }
    } finally {
      await pool.end();
      rmSync(snapshotFile, { force: true });
    }
    const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    times.sort((a, b) => a - b);
    const report = {
      date: new Date().toISOString(),
      schema: { tables: TABLES, foreignKeys: TABLES * FKS_PER_TABLE, views: VIEWS, functions: FUNCTIONS },
      relationsLoaded: relations,
      loadMs: { min: times[0], median: times[Math.floor(times.length / 2)], max: times[times.length - 1] },
      targetMs: 500,
      snapshot: {
        bytes: snapshotBytes,
        /** Read, msgpack-decode, validate and decode the snapshot file: what a start serves after. */
        restoreMedianMs: median(restoreTimes),
        /** The one query that checks a restored snapshot against the live catalog. */
        fingerprintQueryMedianMs: median(fingerprintTimes),
      },
    };
    mkdirSync(join(root, 'bench', 'results'), { recursive: true });
    writeFileSync(join(root, 'bench', 'results', 'schema-load.json'), JSON.stringify(report, null, 2) + '\n');
    process.stdout.write(JSON.stringify(report, null, 2) + '\n');
  } finally {
    await cluster?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`schema bench failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});
