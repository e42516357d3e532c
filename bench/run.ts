// `make bench`: embedded PostgreSQL (or BENCH_DB_URI) with the generated dataset, the gateway
// and the Fastify and PostGraphile peers as separate processes, wrk per workload, interleaved and repeated; the
// CPU floor (uWS hello + pgbench of the bare statement); server-workers 1 vs 2 and the read-replica split
// (bench/scaling.ts); a JSON report, Markdown table and SVG chart in bench/results/.

import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SignJWT } from 'jose';
import { freePort, type EmbeddedCluster } from '../gateway/embedded.js';
import { appendHistory } from './history.js';
import { benchDatabase } from './database.js';
import { bareStatementPgCpu, type BareStatementCost } from './pgbench.js';
import { Progress, type Step } from './progress.js';
import { loadBenchSchema, runPlannerBench } from './planner.js';
import { cpuMicros, rssMiB, treeCpuMicros } from './procstat.js';
import { markdown, svg, type Report, type SystemResult, type WorkloadReport } from './report.js';
import { concretePath, graphqlScenario, SCENARIOS, type Scenario } from './scenarios.js';
import { scaling } from './scaling.js';
import { ensureWrk, runWrk, runWrkPaced, type WrkResult } from './wrk.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const JWT_SECRET = 'benchbenchbenchbenchbenchbenchbench';
const CONNECTIONS = 32;

/** Start a node script and wait until its port answers HTTP. */
/**
 * Node flags the gateway runs with here and in the README's deploy advice: a 4 MB young
 * generation keeps RSS near 80 MB under load (the default grows it to 16 MB per semi-space)
 * for no measurable CPU cost.
 */
const GATEWAY_NODE_FLAGS = ['--max-semi-space-size=4'];

async function startProcess(script: string, args: string[], env: NodeJS.ProcessEnv, port: number, nodeFlags: readonly string[] = []): Promise<ChildProcess> {
  const child = spawn(process.execPath, [...nodeFlags, script, ...args], { env, stdio: ['ignore', 'ignore', 'inherit'] });
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) throw new Error(`${script} exited with ${child.exitCode}`);
    try {
      await fetch(`http://127.0.0.1:${port}/`);
      return child;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  child.kill();
  throw new Error(`${script} did not start listening on ${port}`);
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
}

function summarize(runs: readonly (WrkResult & { cpu: number | null; pgCpu: number | null; rss: number | null })[]): SystemResult {
  const cpu = runs.map((r) => r.cpu).filter((c): c is number => c !== null);
  const rss = runs.map((r) => r.rss).filter((c): c is number => c !== null);
  const pgCpu = runs.map((r) => r.pgCpu).filter((c): c is number => c !== null);
  return {
    rps: median(runs.map((r) => r.rps)),
    p50ms: median(runs.map((r) => r.p50ms)),
    p99ms: median(runs.map((r) => r.p99ms)),
    cpuMicrosPerRequest: cpu.length === 0 ? null : median(cpu),
    pgCpuMicrosPerRequest: pgCpu.length === 0 ? null : median(pgCpu),
    rssMiB: rss.length === 0 ? null : Math.max(...rss),
  };
}

async function makeTokens(dir: string, count: number): Promise<{ file: string; fixed: string }> {
  const key = new TextEncoder().encode(JWT_SECRET);
  const sign = (i: number): Promise<string> =>
    new SignJWT({ role: 'bench_user', sub: `user${i % 100}`, n: i })
      .setProtectedHeader({ alg: 'HS256' })
      .setExpirationTime('2h')
      .sign(key);
  const tokens: string[] = [];
  for (let i = 0; i < count; i++) tokens.push(await sign(i));
  const file = join(dir, 'tokens.txt');
  writeFileSync(file, tokens.join('\n') + '\n');
  return { file, fixed: tokens[7]! };
}

/** One request first: a missing feature is reported as skipped, any other surprise fails the run. */
async function preflight(base: string, s: Scenario, token: string): Promise<string | null> {
  const headers: Record<string, string> = { 'Content-Type': 'application/json', ...(s.headers ?? {}) };
  if (s.fixedToken === true || s.uniqueToken === true) headers['Authorization'] = `Bearer ${token}`;
  const res = await fetch(base + concretePath(s, 42), { method: s.method, headers, ...(s.body === undefined ? {} : { body: s.body }) });
  const text = await res.text();
  if (res.status === s.status) return null;
  const code = /"code":"([^"]+)"/.exec(text)?.[1] ?? '';
  if (['PGRST127', 'PGRST125', 'PGRST117'].includes(code)) return `not implemented yet (${res.status} ${code})`;
  throw new Error(`${s.name}: expected ${s.status}, got ${res.status}: ${text.slice(0, 300)}`);
}

/** The postmaster's pid (first line of postmaster.pid), to sum PostgreSQL's CPU; null when unreadable. */
function postmasterPid(dataDir: string): number | null {
  try {
    const pid = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/** The commit the bench ran on, for the history line (null outside a git checkout). */
function gitCommit(): string | null {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const rounds = quick ? 1 : 3;
  const seconds = quick ? 3 : 5;
  ensureWrk();
  const work = mkdtempSync(join(tmpdir(), 'pgrest-gateway-bench-'));
  const pgDataDir = join(tmpdir(), `pgrest-gateway-bench-pgdata-${process.pid}`);
  let cluster: EmbeddedCluster | null = null;
  const children: ChildProcess[] = [];
  try {
    // Not inside `work`: that folder is private to this user and PostgreSQL may run as another.
    const db = await benchDatabase(pgDataDir);
    cluster = db.cluster;
    const postmaster = cluster === null ? null : postmasterPid(cluster.dataDir);
    const superuserUri = db.superuserUri;
    const authUrl = new URL(db.authenticatorUri);

    const tokens = await makeTokens(work, quick ? 2000 : 20000);
    const gwPort = await freePort();
    const gateway = await startProcess(
      join(root, 'dist', 'gateway', 'main.js'),
      [],
      {
        ...process.env,
        PGRST_DB_URI: authUrl.toString(),
        PGRST_DB_SCHEMAS: 'bench',
        PGRST_DB_ANON_ROLE: 'web_anon',
        PGRST_SERVER_HOST: '127.0.0.1',
        PGRST_SERVER_PORT: String(gwPort),
        // One thread, as every earlier report: comparable with them and with the single-process peers.
        PGRST_SERVER_WORKERS: '1',
        PGRST_JWT_SECRET: JWT_SECRET,
      },
      gwPort,
      GATEWAY_NODE_FLAGS,
    );
    children.push(gateway);
    const fastifyPort = await freePort();
    const fastify = await startProcess(join(here, 'peers', 'fastify.js'), [String(fastifyPort), superuserUri], process.env, fastifyPort);
    children.push(fastify);
    const pgPort = await freePort();
    const graphile = await startProcess(join(here, 'peers', 'postgraphile.js'), [String(pgPort), superuserUri], process.env, pgPort);
    children.push(graphile);
    const graphileBase = `http://127.0.0.1:${pgPort}`;
    for (const s of SCENARIOS) {
      const g = graphqlScenario(s);
      if (g === null) continue;
      const res = await fetch(graphileBase + g.path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: g.body ?? '' });
      const text = await res.text();
      if (res.status !== 200 || text.includes('"errors"')) throw new Error(`PostGraphile ${s.name}: ${res.status} ${text.slice(0, 300)}`);
    }
    const helloPort = await freePort();
    const hello = await startProcess(join(here, 'peers', 'hello.js'), [String(helloPort)], process.env, helloPort);
    children.push(hello);

    const gwBase = `http://127.0.0.1:${gwPort}`;
    const skipped = new Map<string, string>();
    for (const s of SCENARIOS) {
      const why = await preflight(gwBase, s, tokens.fixed);
      if (why !== null) skipped.set(s.name, why);
    }

    // Each system × workload is warmed up once (its first round): later rounds find it warm.
    const warmed = new Set<string>();
    const measure = async (system: 'gateway' | 'fastify' | 'postgraphile', s: Scenario, pid: number | undefined, base: string) => {
      const opts = {
        connections: CONNECTIONS,
        tmpDir: work,
        tokenFile: s.uniqueToken === true ? tokens.file : null,
        fixedToken: s.fixedToken === true ? tokens.fixed : null,
      };
      const key = `${system}\u0000${s.name}\u0000${base}`;
      if (!warmed.has(key)) {
        warmed.add(key);
        await runWrk(base, s, { ...opts, seconds: 1 });
      }
      const cpu0 = pid === undefined ? 0 : cpuMicros(pid);
      const pg0 = postmaster === null ? 0 : treeCpuMicros(postmaster);
      const r = await runWrk(base, s, { ...opts, seconds });
      const cpu = pid === undefined ? null : (cpuMicros(pid) - cpu0) / Math.max(1, r.requests);
      const pgCpu = postmaster === null ? null : (treeCpuMicros(postmaster) - pg0) / Math.max(1, r.requests);
      if (r.unexpected > 0 || r.socketErrors > 0) {
        throw new Error(`${system} ${s.name}: ${r.unexpected} unexpected statuses, ${r.socketErrors} socket errors`);
      }
      return { ...r, cpu, pgCpu, rss: pid === undefined ? null : rssMiB(pid) };
    };

    const gwRuns = new Map<string, (WrkResult & { cpu: number | null; pgCpu: number | null; rss: number | null })[]>();
    const fRuns = new Map<string, (WrkResult & { cpu: number | null; pgCpu: number | null; rss: number | null })[]>();
    const gRuns = new Map<string, (WrkResult & { cpu: number | null; pgCpu: number | null; rss: number | null })[]>();
    const helloRuns: (WrkResult & { cpu: number | null; pgCpu: number | null; rss: number | null })[] = [];
    const bare: BareStatementCost[] = [];
    const helloScenario: Scenario = { name: 'hello', method: 'GET', path: '/', status: 200, peer: false };
    // The plan for the progress line: each system measured `seconds`, plus a 1 s warm-up in
    // round 1; per round the floor's two parts; then latency at half of peak.
    const steps: Step[] = [];
    const halfPeakNames = SCENARIOS.filter((s) => !skipped.has(s.name) && s.fixedToken !== true && s.uniqueToken !== true && (!quick || s.name === 'get-by-pk')).map((s) => s.name);
    for (let round = 1; round <= rounds; round++) {
      SCENARIOS.forEach((s, i) => {
        const systems = (skipped.has(s.name) ? 0 : 1) + (s.peer ? 1 : 0) + (graphqlScenario(s) === null ? 0 : 1);
        steps.push({ label: `round ${round}/${rounds} · workload ${i + 1}/${SCENARIOS.length}: ${s.name}`, plannedSeconds: systems * (seconds + (round === 1 ? 1 : 0)) });
      });
      steps.push({ label: `round ${round}/${rounds} · floor (HTTP hello, bare statement)`, plannedSeconds: seconds + (round === 1 ? 1 : 0) + 2 * seconds });
    }
    halfPeakNames.forEach((name, i) => steps.push({ label: `latency at half of peak ${i + 1}/${halfPeakNames.length}: ${name}`, plannedSeconds: Math.min(seconds, 4) + 1 }));
    // Two worker settings × two workloads, then three workloads through the replica (each with a 1 s warm-up).
    steps.push({ label: 'scale-out: server-workers 1 vs 2, read-replica split', plannedSeconds: 7 * (seconds + 1) + 10 });
    const progress = new Progress(steps);
    let step = 0;
    const announce = (): void => void process.stderr.write(progress.begin(step++) + '\n');
    for (let round = 1; round <= rounds; round++) {
      for (const s of SCENARIOS) {
        announce();
        if (!skipped.has(s.name)) {
          const list = gwRuns.get(s.name) ?? [];
          list.push(await measure('gateway', s, gateway.pid, gwBase));
          gwRuns.set(s.name, list);
        }
        if (s.peer) {
          const list = fRuns.get(s.name) ?? [];
          list.push(await measure('fastify', s, fastify.pid, `http://127.0.0.1:${fastifyPort}`));
          fRuns.set(s.name, list);
        }
        const g = graphqlScenario(s);
        if (g !== null) {
          const list = gRuns.get(s.name) ?? [];
          list.push(await measure('postgraphile', g, graphile.pid, graphileBase));
          gRuns.set(s.name, list);
        }
      }
      announce();
      helloRuns.push(await measure('gateway', helloScenario, hello.pid, `http://127.0.0.1:${helloPort}`));
      // The superuser, as the Fastify peer: the authenticator has no privileges of its own.
      const b = await bareStatementPgCpu(superuserUri, { seconds, clients: 10, dir: work, postmaster });
      if (b !== null) bare.push(b);
    }

    // Latency at half of the gateway's peak, for the workloads without per-request tokens.
    const halfPeak = new Map<string, { rate: number; p50ms: number; p99ms: number }>();
    for (const s of SCENARIOS) {
      if (skipped.has(s.name) || s.fixedToken === true || s.uniqueToken === true) continue;
      if (quick && s.name !== 'get-by-pk') continue;
      announce();
      const peak = summarize(gwRuns.get(s.name) ?? []).rps;
      const r = await runWrkPaced(gwBase, s, { seconds: Math.min(seconds, 4), tmpDir: work, tokenFile: null, fixedToken: null, rate: peak / 2 });
      if (r.unexpected > 0 || r.socketErrors > 0) throw new Error(`gateway ${s.name} at half peak: ${r.unexpected} unexpected statuses, ${r.socketErrors} socket errors`);
      halfPeak.set(s.name, { rate: r.rps, p50ms: r.p50ms, p99ms: r.p99ms });
    }

    // The scale-out figures, with the main gateway idle (its own figures are the rounds' above).
    announce();
    const scale = await scaling({
      root,
      authenticatorUri: authUrl.toString(),
      superuserUri,
      embedded: cluster !== null,
      jwtSecret: JWT_SECRET,
      seconds,
      connections: CONNECTIONS,
      tmpDir: work,
      nodeFlags: GATEWAY_NODE_FLAGS,
    });
    for (const w of scale.workers) if (w.failed > 0) throw new Error(`server-workers ${w.workers} ${w.workload}: ${w.failed} failed requests`);
    if ('runs' in scale.replica) for (const x of scale.replica.runs) if (x.failed > 0) throw new Error(`replica split ${x.workload}: ${x.failed} failed requests`);

    const workloads: WorkloadReport[] = SCENARIOS.map((s) => ({
      workload: s.name,
      gateway: gwRuns.has(s.name) ? summarize(gwRuns.get(s.name)!) : null,
      fastify: fRuns.has(s.name) ? summarize(fRuns.get(s.name)!) : null,
      postgraphile: gRuns.has(s.name) ? summarize(gRuns.get(s.name)!) : null,
      skipped: skipped.get(s.name) ?? null,
      halfPeak: halfPeak.get(s.name) ?? null,
    }));
    const planner = runPlannerBench(quick ? 5000 : 20000, await loadBenchSchema(authUrl.toString()));
    const report: Report = {
      planner,
      date: new Date().toISOString(),
      quick,
      rounds,
      seconds,
      connections: CONNECTIONS,
      workloads,
      ceilings: {
        httpHello: summarize(helloRuns),
        bareStatement: bare.length === 0 ? null : bare.sort((a, b) => a.pgCpuMicrosPerStatement - b.pgCpuMicrosPerStatement)[Math.floor(bare.length / 2)]!,
      },
      notes: [
        'wrk runs one thread on the same 2-core machine as the gateway and PostgreSQL: compare ratios within one run.',
        'Where a target is missed: wrk, PostgreSQL and the gateway share 2 cores. perf on the gateway under GET by primary key puts about a third of its CPU in the kernel (loopback TCP send/receive on two sockets per request, and scheduler wake-ups of PostgreSQL and wrk), with the rest spread thinly over V8 builtins, GC and our code (planning is about 6%); 20 µs per request would leave the JS side nothing. PostgreSQL is the bottleneck for every database workload: its CPU per request (the PG CPU columns) bounds how far ahead of the Fastify peer the gateway can get, so the statement shape counts as much as the gateway CPU does. The p99 at half of peak is the tail of three busy programs (wrk, PostgreSQL backends, the gateway) time-sharing two cores: a reply waits whenever the scheduler runs another one, which a machine with PostgreSQL and the load generator elsewhere would not see.',
        'Latency at half of peak: wrk with paced connections (a 4 ms pause after each reply, with as many connections as make the total half the measured peak, from a calibration run); the rate column is the rate achieved. Latency is timed from each send (no coordinated-omission correction: wrk2 is not packaged by Debian).',
        'PostGraphile (v4) answers the read workloads as GraphQL; its get-25 query has no score filter (core PostGraphile has no range filters).',
        'server-workers: one process with 1 and then 2 uWS threads on one port (SO_REUSEPORT), db-pool split between them; "gateway CPU cores" is the process\'s CPU time over the run\'s wall time. wrk (one thread) and PostgreSQL share the same 2 cores, so a second thread has at most the CPU they leave: on this box it shows that the threads share the work, not how far it scales on a bigger one.',
        'Read-replica split: a gateway with db-read-uris on a streaming replica of the bench cluster (a base backup, as the tests make theirs; both on the same 2 cores, so req/s is not a replica speed-up). "On the replica" counts the reads the gateway sent there (pgrst_db_read_replica_reads_total less fallbacks), the rest of the requests (pgrst_http_requests_total) ran on the primary.',
        ...(bare.length === 0 ? ['pgbench not found (or not our cluster): the floor was not measured.'] : []),
      ],
      scaling: scale,
    };
    const dir = join(root, 'bench', 'results');
    mkdirSync(dir, { recursive: true });
    const name = quick ? 'latest-quick' : 'latest';
    appendHistory(join(dir, 'history.jsonl'), report, gitCommit());
    writeFileSync(join(dir, `${name}.json`), JSON.stringify(report, null, 2) + '\n');
    writeFileSync(join(dir, `${name}.md`), markdown(report));
    writeFileSync(join(dir, `${name}.svg`), svg(report));
    process.stdout.write(markdown(report));
  } finally {
    for (const c of children) await stop(c);
    await cluster?.stop();
    rmSync(work, { recursive: true, force: true });
    rmSync(pgDataDir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});
