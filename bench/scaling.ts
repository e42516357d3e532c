// The scale-out figures of `make bench` (issue 19): server-workers 1 vs 2 in one process, on a
// 404 answered from the schema cache alone and on GET by primary key; and the read-replica split,
// a gateway with db-read-uris on a streaming replica of the bench cluster (made as the tests
// make theirs), counting from /metrics how many requests of a read, a stable call and a write
// workload went to the replica and how many to the primary. Each phase starts its own gateway.

import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { freePort } from '../gateway/embedded.js';
import { replicaUnsupported, startReplica, type Replica } from '../test/helpers/replica.js';
import { cpuMicros } from './procstat.js';
import type { ReplicaSplitRun, ScalingReport, WorkerRun } from './report.js';
import { SCENARIOS, type Scenario } from './scenarios.js';
import { runWrk } from './wrk.js';

export interface ScalingOptions {
  readonly root: string;
  /** The bench database as the authenticator, and as the superuser (the replica is made of it). */
  readonly authenticatorUri: string;
  readonly superuserUri: string;
  /** Whether the database is the bench's embedded cluster (a replica needs its data directory). */
  readonly embedded: boolean;
  readonly jwtSecret: string;
  readonly seconds: number;
  readonly connections: number;
  readonly tmpDir: string;
  readonly nodeFlags: readonly string[];
}

const scenario = (name: string): Scenario => {
  const s = SCENARIOS.find((x) => x.name === name);
  if (s === undefined) throw new Error(`no bench scenario ${name}`);
  return s;
};

async function waitUntil(check: () => Promise<boolean>, what: string, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`${what}: the gateway exited with ${child.exitCode}`);
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what}: timed out`);
}

function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

function launch(o: ScalingOptions, port: number, env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, [...o.nodeFlags, join(o.root, 'dist', 'gateway', 'main.js')], {
    env: {
      ...process.env,
      PGRST_DB_URI: o.authenticatorUri,
      PGRST_DB_SCHEMAS: 'bench',
      PGRST_DB_ANON_ROLE: 'web_anon',
      PGRST_SERVER_HOST: '127.0.0.1',
      PGRST_SERVER_PORT: String(port),
      PGRST_JWT_SECRET: o.jwtSecret,
      // A short drain: the phase is over when it is stopped.
      PGRST_SERVER_DRAIN_TIMEOUT: '1',
      ...env,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

/** server-workers 1 and then 2, each on a fresh process: req/s, p99 and the cores the process used. */
export async function workerScaling(o: ScalingOptions): Promise<WorkerRun[]> {
  const runs: WorkerRun[] = [];
  for (const workers of [1, 2]) {
    const port = await freePort();
    const child = launch(o, port, { PGRST_SERVER_WORKERS: String(workers) });
    try {
      await waitUntil(async () => (await fetch(`http://127.0.0.1:${port}/posts?id=eq.1`)).status === 200, `server-workers ${workers}`, child);
      for (const s of [scenario('error-404'), scenario('get-by-pk')]) {
        const opts = { connections: o.connections, tmpDir: o.tmpDir, tokenFile: null, fixedToken: null };
        // Warms both threads' JIT and pool shares (the kernel spreads wrk's connections over them).
        await runWrk(`http://127.0.0.1:${port}`, s, { ...opts, seconds: 1 });
        const cpu0 = cpuMicros(child.pid!);
        const t0 = process.hrtime.bigint();
        const r = await runWrk(`http://127.0.0.1:${port}`, s, { ...opts, seconds: o.seconds });
        const wallMicros = Number(process.hrtime.bigint() - t0) / 1000;
        runs.push({
          workers,
          workload: s.name,
          rps: r.rps,
          p99ms: r.p99ms,
          cores: (cpuMicros(child.pid!) - cpu0) / wallMicros,
          failed: r.unexpected + r.socketErrors,
        });
      }
    } finally {
      await stopChild(child);
    }
  }
  return runs;
}

/** A counter's value in a /metrics text (summed over its label sets); 0 when absent. */
function counter(metrics: string, name: string, labels = ''): number {
  let n = 0;
  for (const m of metrics.matchAll(new RegExp(`^${name}\\{([^}]*)\\} (\\S+)$`, 'gm'))) if (m[1]!.includes(labels)) n += Number(m[2]);
  return n;
}

/**
 * The replica split: reads (GET by pk, a stable RPC) and a write (PATCH by pk) through a gateway
 * with db-read-uris set to a streaming replica of the bench cluster. Null with the reason when
 * no replica can be made (BENCH_DB_URI elsewhere, PostgreSQL before 15).
 */
export async function replicaSplit(o: ScalingOptions): Promise<{ runs: ReplicaSplitRun[] } | { skipped: string }> {
  if (!o.embedded) return { skipped: 'BENCH_DB_URI is set: the replica is made of the embedded cluster only' };
  const why = await replicaUnsupported(o.superuserUri);
  if (why !== null) return { skipped: why };
  let replica: Replica | null = null;
  let child: ChildProcess | null = null;
  try {
    process.stderr.write('Starting a streaming replica of the bench cluster…\n');
    replica = await startReplica(o.superuserUri);
    const port = await freePort();
    const admin = await freePort();
    child = launch(o, port, {
      PGRST_SERVER_WORKERS: '1',
      PGRST_DB_READ_URIS: replica.authenticatorUri,
      PGRST_ADMIN_SERVER_HOST: '127.0.0.1',
      PGRST_ADMIN_SERVER_PORT: String(admin),
    });
    const metrics = async (): Promise<string> => (await fetch(`http://127.0.0.1:${admin}/metrics`)).text();
    const c = child;
    await waitUntil(async () => /^pgrst_db_read_replica_healthy\{[^}]*\} 1$/m.test(await metrics()), 'the replica is healthy', c);
    const runs: ReplicaSplitRun[] = [];
    for (const s of [scenario('get-by-pk'), scenario('rpc-scalar-get'), scenario('patch-by-pk')]) {
      const opts = { connections: o.connections, tmpDir: o.tmpDir, tokenFile: null, fixedToken: null };
      await runWrk(`http://127.0.0.1:${port}`, s, { ...opts, seconds: 1 });
      // Requests still in flight when wrk exits are counted a moment later: let both counters settle.
      const settle = (): Promise<void> => new Promise((res) => setTimeout(res, 200));
      await settle();
      const before = await metrics();
      const r = await runWrk(`http://127.0.0.1:${port}`, s, { ...opts, seconds: o.seconds });
      await settle();
      const after = await metrics();
      const delta = (name: string, labels = ''): number => counter(after, name, labels) - counter(before, name, labels);
      const served = delta('pgrst_http_requests_total', `method="${s.method}"`);
      const onReplica = delta('pgrst_db_read_replica_reads_total') - delta('pgrst_db_read_replica_fallbacks_total');
      runs.push({ workload: s.name, rps: r.rps, p99ms: r.p99ms, requests: served, onReplica, onPrimary: served - onReplica, failed: r.unexpected + r.socketErrors });
    }
    return { runs };
  } finally {
    if (child !== null) await stopChild(child);
    await replica?.destroy();
  }
}

/** Both phases, for the report. */
export async function scaling(o: ScalingOptions): Promise<ScalingReport> {
  process.stderr.write('Scale-out: server-workers 1 vs 2…\n');
  const workers = await workerScaling(o);
  process.stderr.write('Scale-out: the read-replica split…\n');
  const replica = await replicaSplit(o);
  return { workers, replica };
}
