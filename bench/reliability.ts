// `make bench-reliability` (issue 15): small GETs' latency while the gateway reads a 64 MB
// result, and 20 slow calls with db-pool=2 (how many get 504 PGRST003, and the latency of fast
// GETs meanwhile). Gateway as a child against an embedded PostgreSQL, the 64 MB read in a
// child of its own (timedInChild); report in
// bench/results/reliability.json and .md.

import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../gateway/embedded.js';
import { CANONICAL_ROLES, startGatewayChild, withBenchDatabase } from './gateway-child.js';
import { cpuMicros, rssMiB } from './procstat.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

const SETUP = CANONICAL_ROLES + `
CREATE SCHEMA rel;
GRANT USAGE ON SCHEMA rel TO web_anon;
CREATE TABLE rel.items (id int PRIMARY KEY, name text NOT NULL);
INSERT INTO rel.items SELECT i, 'item ' || i FROM generate_series(1, 1000) i;
GRANT SELECT ON rel.items TO web_anon;
CREATE FUNCTION rel.big(n int) RETURNS text LANGUAGE sql STABLE AS $$ SELECT repeat('x', n) $$;
CREATE FUNCTION rel.slow(secs float8) RETURNS int LANGUAGE sql VOLATILE AS $$ SELECT 1 FROM pg_sleep(secs) $$;
GRANT EXECUTE ON FUNCTION rel.big(int), rel.slow(float8) TO web_anon;`;

const BIG_BYTES = 64 * 1024 * 1024;
const BIG_ROUNDS = 3;
const SMALL_CLIENTS = 4;
const SLOW_CALLS = 20;
const SLOW_SECS = 3;

interface Sample {
  readonly ms: number;
  readonly status: number;
}

function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function timed(url: string): Promise<Sample> {
  const t0 = performance.now();
  const res = await fetch(url);
  await res.arrayBuffer();
  return { ms: performance.now() - t0, status: res.status };
}

/**
 * GET `url` in a child process that counts the body's bytes as they arrive: the 64 MB read's
 * own work (receiving, and what fetch would do to hold 64 MB) stays out of the process that
 * times the small GETs, so their latency is the gateway's, not this client's.
 */
function timedInChild(url: string): Promise<Sample> {
  const script = `fetch(${JSON.stringify(url)}).then(async (r) => { let n = 0; for await (const c of r.body) n += c.length; process.stdout.write(JSON.stringify({ status: r.status, bytes: n })); })`;
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('exit', () => {
      const ms = performance.now() - t0;
      try {
        const r = JSON.parse(out) as { status: number; bytes: number };
        resolve({ ms, status: r.status === 200 && r.bytes < BIG_BYTES ? 0 : r.status });
      } catch {
        reject(new Error(`the 64 MB reader printed ${JSON.stringify(out)}`));
      }
    });
  });
}

/** `clients` loops of GET `url` until `done()`; every sample. */
async function smallGets(url: string, clients: number, done: () => boolean): Promise<Sample[]> {
  const samples: Sample[] = [];
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (!done()) samples.push(await timed(url));
    }),
  );
  return samples;
}

function counts(statuses: readonly number[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of statuses) out[String(s)] = (out[String(s)] ?? 0) + 1;
  return out;
}

const round2 = (n: number): number => Number(n.toFixed(2));

/** Open the pool's connections and warm the JIT, so the figures are steady state, not start-up. */
async function warmUp(base: string): Promise<void> {
  for (let i = 0; i < 50; i++) await Promise.all(Array.from({ length: SMALL_CLIENTS }, () => timed(`${base}/items?id=eq.1`)));
}

async function bigResult(base: string, pid: number): Promise<Record<string, unknown>> {
  await warmUp(base);
  const bigMs: number[] = [];
  const small: Sample[] = [];
  let peakRss = rssMiB(pid);
  const cpu0 = cpuMicros(pid);
  for (let i = 0; i < BIG_ROUNDS; i++) {
    let done = false;
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, rssMiB(pid))), 20);
    const big = timedInChild(`${base}/rpc/big?n=${BIG_BYTES}`).then((s) => {
      done = true;
      return s;
    });
    small.push(...(await smallGets(`${base}/items?id=eq.1`, SMALL_CLIENTS, () => done)));
    const b = await big;
    clearInterval(sampler);
    if (b.status !== 200) throw new Error(`64 MB read: HTTP ${b.status}`);
    bigMs.push(b.ms);
  }
  const ms = small.map((s) => s.ms);
  return {
    rounds: BIG_ROUNDS,
    bigResultMs: bigMs.map(Math.round),
    gatewayCpuMsPerBigRead: Math.round((cpuMicros(pid) - cpu0) / 1000 / BIG_ROUNDS),
    gatewayPeakRssMiB: round2(peakRss),
    smallGets: small.length,
    smallGetStatuses: counts(small.map((s) => s.status)),
    smallGetP50Ms: round2(percentile(ms, 50)),
    smallGetP99Ms: round2(percentile(ms, 99)),
    smallGetMaxMs: round2(percentile(ms, 100)),
  };
}

async function slowCalls(base: string): Promise<Record<string, unknown>> {
  await warmUp(base);
  let done = false;
  const t0 = performance.now();
  const slow = Promise.all(Array.from({ length: SLOW_CALLS }, () => timed(`${base}/rpc/slow?secs=${SLOW_SECS}`))).then((s) => {
    done = true;
    return s;
  });
  const fast = await smallGets(`${base}/items?id=eq.1`, SMALL_CLIENTS, () => done);
  const slowSamples = await slow;
  const wallMs = performance.now() - t0;
  const fastMs = fast.map((s) => s.ms);
  const fastOk = fast.filter((s) => s.status === 200).map((s) => s.ms);
  return {
    slowCalls: SLOW_CALLS,
    slowSecs: SLOW_SECS,
    wallMs: Math.round(wallMs),
    slowStatuses: counts(slowSamples.map((s) => s.status)),
    slow504: slowSamples.filter((s) => s.status === 504).length,
    slowMaxMs: Math.round(percentile(slowSamples.map((s) => s.ms), 100)),
    fastGets: fast.length,
    fastStatuses: counts(fast.map((s) => s.status)),
    fastP50Ms: round2(percentile(fastMs, 50)),
    fastP99Ms: round2(percentile(fastMs, 99)),
    fast200P99Ms: round2(percentile(fastOk, 99)),
  };
}

function markdown(report: { date: string; big: Record<string, unknown>; slow: Record<string, unknown> }): string {
  const b = report.big;
  const s = report.slow;
  const verdict = (p99: unknown): string => (typeof p99 === 'number' && p99 < 50 ? 'met' : 'MISSED');
  return [
    `Reliability bench ${report.date} (make bench-reliability)`,
    '',
    `## 64 MB result read while small GETs run (db-pool=10, ${SMALL_CLIENTS} small-GET clients, ${String(b['rounds'])} reads)`,
    '',
    '| 64 MB read ms | gateway CPU ms per read | gateway peak RSS MiB | small GETs | statuses | p50 ms | p99 ms | max ms |',
    '| --- | ---: | ---: | ---: | --- | ---: | ---: | ---: |',
    `| ${(b['bigResultMs'] as number[]).join(', ')} | ${String(b['gatewayCpuMsPerBigRead'])} | ${String(b['gatewayPeakRssMiB'])} | ${String(b['smallGets'])} | ${JSON.stringify(b['smallGetStatuses'])} | ${String(b['smallGetP50Ms'])} | ${String(b['smallGetP99Ms'])} | ${String(b['smallGetMaxMs'])} |`,
    '',
    `Target small-GET p99 < 50 ms: ${verdict(b['smallGetP99Ms'])}. The 64 MB read runs in a process of its own, so the small GETs' times are not this client's own stalls; on a shared 2-core machine they still include waiting for a CPU while PostgreSQL, the gateway and the reader are busy.`,
    '',
    `## ${SLOW_CALLS} calls of a ${SLOW_SECS} s function with db-pool=2, db-pool-acquisition-timeout=1, fast GETs meanwhile`,
    '',
    '| wall ms | slow statuses | slow 504s | fast GETs | fast statuses | fast p50 ms | fast p99 ms | fast 200s p99 ms |',
    '| ---: | --- | ---: | ---: | --- | ---: | ---: | ---: |',
    `| ${String(s['wallMs'])} | ${JSON.stringify(s['slowStatuses'])} | ${String(s['slow504'])} | ${String(s['fastGets'])} | ${JSON.stringify(s['fastStatuses'])} | ${String(s['fastP50Ms'])} | ${String(s['fastP99Ms'])} | ${String(s['fast200P99Ms'])} |`,
    '',
    `Target fast-GET p99 < 50 ms: ${verdict(s['fastP99Ms'])}. While both connections run ${SLOW_SECS} s calls no GET can run: fast GETs then get 504 PGRST003 after the 1 s acquisition timeout, as PostgREST's would.`,
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  await withBenchDatabase('reliability', SETUP, async (_cluster, authUri) => {
    const env = { PGRST_DB_SCHEMAS: 'rel', PGRST_DB_ANON_ROLE: 'web_anon' };
    const run = async <T>(extra: Record<string, string>, fn: (base: string, pid: number) => Promise<T>): Promise<T> => {
      const port = await freePort();
      const gateway = await startGatewayChild(authUri, port, { ...env, ...extra }, '/items?limit=0');
      try {
        return await fn(`http://127.0.0.1:${port}`, gateway.pid!);
      } finally {
        gateway.kill('SIGTERM');
      }
    };
    const big = await run({}, bigResult);
    console.log(JSON.stringify(big));
    const slow = await run({ PGRST_DB_POOL: '2', PGRST_DB_POOL_ACQUISITION_TIMEOUT: '1' }, slowCalls);
    console.log(JSON.stringify(slow));
    const report = { date: new Date().toISOString(), node: process.version, big, slow };
    mkdirSync(join(root, 'bench', 'results'), { recursive: true });
    writeFileSync(join(root, 'bench', 'results', 'reliability.json'), JSON.stringify(report, null, 2) + '\n');
    writeFileSync(join(root, 'bench', 'results', 'reliability.md'), markdown(report));
  });
}

main().catch((err: unknown) => {
  process.stderr.write(`bench-reliability failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});
