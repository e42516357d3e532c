// `make bench-memory`: the gateway's RSS growth on big write bodies, as PostgREST's
// memory-tests.sh measures them — bulk arrays of 1k/10k/100k rows with ?columns= and one JSON
// value of 1/10/50 MB (POST and PATCH). The gateway runs as a child; /proc gives its RSS.

import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../gateway/embedded.js';
import { rssMiB } from './procstat.js';
import { CANONICAL_ROLES, startGatewayChild, withBenchDatabase } from './gateway-child.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');

const SETUP = CANONICAL_ROLES + `
CREATE SCHEMA IF NOT EXISTS mem;
GRANT USAGE ON SCHEMA mem TO web_anon;
CREATE TABLE mem.perf_articles (id integer PRIMARY KEY, body text NOT NULL);
CREATE TABLE mem.leak (id serial PRIMARY KEY, blob text);
INSERT INTO mem.leak (blob) VALUES ('');
GRANT SELECT, INSERT, UPDATE, DELETE ON mem.perf_articles, mem.leak TO web_anon;
GRANT USAGE ON SEQUENCE mem.leak_id_seq TO web_anon;`;

interface Case {
  readonly name: string;
  readonly method: 'POST' | 'PATCH';
  readonly path: string;
  readonly body: () => string;
  readonly bodyMiB?: number;
}

const bulk = (rows: number): string => JSON.stringify(Array.from({ length: rows }, (_, i) => ({ id: i + 1, body: `article number ${i + 1}: lorem ipsum dolor sit amet` })));
const blob = (mib: number): string => JSON.stringify({ blob: 'x'.repeat(mib * 1024 * 1024) });

const CASES: readonly Case[] = [
  ...[1_000, 10_000, 100_000].map((n): Case => ({ name: `bulk ${n} rows, ?columns=id,body`, method: 'POST', path: '/perf_articles?columns=id,body', body: () => bulk(n) })),
  ...[1, 10, 50].flatMap((mib): Case[] => [
    { name: `one ${mib} MB JSON value, POST ?columns=blob`, method: 'POST', path: '/leak?columns=blob', body: () => blob(mib) },
    { name: `one ${mib} MB JSON value, PATCH ?columns=blob`, method: 'PATCH', path: '/leak?id=eq.1&columns=blob', body: () => blob(mib) },
  ]),
];

/** Run one request while sampling the gateway's RSS every 5 ms; growth = peak − before. */
async function measure(pid: number, port: number, c: Case): Promise<Record<string, number | string>> {
  const body = c.body();
  await new Promise((r) => setTimeout(r, 300));
  const before = rssMiB(pid);
  let peak = before;
  const timer = setInterval(() => {
    peak = Math.max(peak, rssMiB(pid));
  }, 5);
  const t0 = performance.now();
  const res = await fetch(`http://127.0.0.1:${port}${c.path}`, { method: c.method, headers: { 'Content-Type': 'application/json' }, body });
  await res.arrayBuffer();
  const ms = performance.now() - t0;
  clearInterval(timer);
  peak = Math.max(peak, rssMiB(pid));
  await new Promise((r) => setTimeout(r, 500));
  const after = rssMiB(pid);
  if (res.status >= 300) throw new Error(`${c.name}: HTTP ${res.status}`);
  const mib = (n: number): number => Number(n.toFixed(1));
  return { case: c.name, status: res.status, bodyMiB: mib(Buffer.byteLength(body) / 1048576), ms: Math.round(ms), rssBeforeMiB: mib(before), rssPeakMiB: mib(peak), growthMiB: mib(peak - before), rssAfterMiB: mib(after) };
}

async function main(): Promise<void> {
  await withBenchDatabase('memory', SETUP, async (cluster, authUri) => {
    const port = await freePort();
    const gateway = await startGatewayChild(authUri, port, { PGRST_DB_SCHEMAS: 'mem', PGRST_DB_ANON_ROLE: 'web_anon' }, '/leak?limit=0');
    try {
      const results = [];
      for (const c of CASES) {
        await cluster.exec('TRUNCATE mem.perf_articles');
        const r = await measure(gateway.pid!, port, c);
        results.push(r);
        console.log(JSON.stringify(r));
      }
      const report = { date: new Date().toISOString(), node: process.version, note: 'Gateway RSS (MiB) sampled every 5 ms during one request; growth = peak − RSS before the request.', results };
      mkdirSync(join(root, 'bench', 'results'), { recursive: true });
      writeFileSync(join(root, 'bench', 'results', 'bulk-memory.json'), JSON.stringify(report, null, 2) + '\n');
    } finally {
      gateway.kill('SIGTERM');
    }
  });
}

main().catch((err: unknown) => {
  process.stderr.write(`bench-memory failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});
