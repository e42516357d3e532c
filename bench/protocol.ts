// `make bench-protocol`: the same one-row JSON query through our client, pg and postgres at
// 1, 16 and 256 closed-loop callers and 4 or 10 connections each, interleaved round by round
// in one process against an embedded PostgreSQL (or PGRST_BENCH_DB_URI). Prints queries/s,
// client CPU µs per query and our ratio to the best peer; writes bench/results/protocol.json.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEmbedded, type EmbeddedCluster } from '../gateway/embedded.js';
import { freePort } from '../test/helpers/net.js';
import { CLIENTS, openClient, QUERY, type ClientName } from './protocol-clients.js';
import { datarowBench, type DatarowResult } from './datarow.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const CALLERS = [1, 16, 256] as const;
// The same pool size for every client: ~2 × cores on the 2-core bench box, and 10, the
// PostgREST (and pg, and postgres) default.
const CONNECTIONS = [4, 10] as const;
const ROWS = 10000;

interface Sample {
  readonly queries: number;
  readonly seconds: number;
  readonly cpuMicros: number;
}

async function measure(name: ClientName, uri: string, callers: number, connections: number, seconds: number): Promise<Sample> {
  const client = openClient(name, uri, connections);
  try {
    // Warm-up: open connections and prepare the statement outside the timed window.
    await Promise.all(Array.from({ length: Math.min(callers, connections * 4) }, (_, i) => client.query(i + 1)));
    let queries = 0;
    let stop = false;
    const cpu0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    const caller = async (seed: number): Promise<void> => {
      for (let i = seed; !stop; i += 7919) {
        if ((await client.query((i % ROWS) + 1)) === 0) throw new Error(`${name}: empty result`);
        queries++;
      }
    };
    const timer = setTimeout(() => (stop = true), seconds * 1000);
    await Promise.all(Array.from({ length: callers }, (_, i) => caller(i)));
    clearTimeout(timer);
    const elapsed = Number(process.hrtime.bigint() - t0) / 1e9;
    const cpu = process.cpuUsage(cpu0);
    return { queries, seconds: elapsed, cpuMicros: cpu.user + cpu.system };
  } finally {
    await client.end();
  }
}

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const seconds = quick ? 1 : 3;
  const rounds = quick ? 1 : 3;
  let cluster: EmbeddedCluster | null = null;
  let dataDir: string | null = null;
  let uri = process.env['PGRST_BENCH_DB_URI'] ?? '';
  try {
    if (uri === '') {
      dataDir = mkdtempSync(join(tmpdir(), 'pgrest-gateway-bench-protocol-'));
      rmSync(dataDir, { recursive: true });
      cluster = await startEmbedded({ dataDir, port: await freePort() });
      uri = cluster.superuserUri;
      await cluster.exec(
        `drop table if exists bench_kv; create table bench_kv (id int primary key, title text not null, done boolean not null, score float8 not null);
         insert into bench_kv select i, 'item number ' || i, i % 3 = 0, i * 1.5 from generate_series(1, ${ROWS}) i; analyze bench_kv`,
      );
    }
    const totals = new Map<string, Sample>();
    for (let round = 0; round < rounds; round++) {
      for (const connections of CONNECTIONS) {
        for (const callers of CALLERS) {
          for (const name of CLIENTS) {
            const s = await measure(name, uri, callers, connections, seconds);
            const key = `${name}@${callers}@${connections}`;
          const prev = totals.get(key) ?? { queries: 0, seconds: 0, cpuMicros: 0 };
            totals.set(key, { queries: prev.queries + s.queries, seconds: prev.seconds + s.seconds, cpuMicros: prev.cpuMicros + s.cpuMicros });
          }
        }
      }
    }
    const results = CONNECTIONS.flatMap((connections) => CALLERS.map((callers) => {
      const per = Object.fromEntries(
        CLIENTS.map((name) => {
          const t = totals.get(`${name}@${callers}@${connections}`)!;
          return [name, { qps: Math.round(t.queries / t.seconds), cpuMicrosPerQuery: Number((t.cpuMicros / t.queries).toFixed(2)) }];
        }),
      ) as Record<ClientName, { qps: number; cpuMicrosPerQuery: number }>;
      const bestPeer = Math.max(per.pg.qps, per.postgres.qps);
      return { connections, callers, ...per, ratioToBestPeer: Number((per.ours.qps / bestPeer).toFixed(2)) };
    }));
    const datarow: DatarowResult[] = datarowBench(quick);
    const report = { date: new Date().toISOString(), node: process.version, query: QUERY, seconds, rounds, results, datarow };
    mkdirSync(join(root, 'bench', 'results'), { recursive: true });
    writeFileSync(join(root, 'bench', 'results', 'protocol.json'), JSON.stringify(report, null, 2) + '\n');
    console.log('| conns | callers | ours q/s | pg q/s | postgres q/s | ours µs/q | pg µs/q | postgres µs/q | ours / best peer |');
    console.log('| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
    for (const r of results) {
      console.log(`| ${r.connections} | ${r.callers} | ${r.ours.qps} | ${r.pg.qps} | ${r.postgres.qps} | ${r.ours.cpuMicrosPerQuery} | ${r.pg.cpuMicrosPerQuery} | ${r.postgres.cpuMicrosPerQuery} | ${r.ratioToBestPeer}× |`);
    }
    console.log('\n| DataRow body | Buffer slice ns/row | pg-protocol string + re-encode ns/row |\n| ---: | ---: | ---: |');
    for (const d of datarow) console.log(`| ${d.bodyBytes} B | ${d.sliceNs} | ${d.stringNs} |`);
  } finally {
    await cluster?.stop();
    if (dataDir !== null) rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.stack : String(err));
  process.exit(1);
});
