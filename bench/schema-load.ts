// Schema-cache load time on a generated large schema (1,000 tables, 3,000 foreign keys, 200
// views, 500 functions): `make bench-schema`. Loads through the gateway's own pool and loader,
// reports the median of several loads, and writes bench/results/schema-load.json.

import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { freePort, startEmbedded, type EmbeddedCluster } from '../gateway/embedded.js';
import { loadSchemaCache } from '../gateway/schema-loader.js';
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
    let relations = 0;
    try {
      for (let i = 0; i < 7; i++) {
        const started = process.hrtime.bigint();
        const cache = await loadSchemaCache(pool, ['big']);
        times.push(Number(process.hrtime.bigint() - started) / 1e6);
        relations = cache.tables.size;
      }
    } finally {
      await pool.end();
    }
    times.sort((a, b) => a - b);
    const report = {
      date: new Date().toISOString(),
      schema: { tables: TABLES, foreignKeys: TABLES * FKS_PER_TABLE, views: VIEWS, functions: FUNCTIONS },
      relationsLoaded: relations,
      loadMs: { min: times[0], median: times[Math.floor(times.length / 2)], max: times[times.length - 1] },
      targetMs: 500,
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
