// `make bench-scale`: three gateway processes behind Debian's HAProxy on one port, wrk on GET
// by primary key through it; one gateway is killed (SIGKILL) a quarter into the run and started
// again at half time. Reports req/s and failed requests (bad statuses, socket errors) to
// bench/results/scale.json: HAProxy's health checks on /ready and its retries of idempotent
// requests should leave none failed. Then server-workers 1 vs 2 on one process, on GET by pk
// and on a 404 that never reaches PostgreSQL.

import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, type EmbeddedCluster } from '../gateway/embedded.js';
import { benchDatabase } from './database.js';
import { SCENARIOS, type Scenario } from './scenarios.js';
import { ensureWrk, runWrk, type WrkResult } from './wrk.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const GATEWAYS = 3;
const CONNECTIONS = 32;

/** Installs haproxy from Debian's packages when missing and possible; a clear error otherwise. */
function ensureHaproxy(): string {
  const find = (): string | null => {
    try {
      return execFileSync('sh', ['-c', 'command -v haproxy || ls /usr/sbin/haproxy'], { encoding: 'utf8' }).trim().split('\n')[0] ?? null;
    } catch {
      return null;
    }
  };
  const found = find();
  if (found !== null && found !== '') return found;
  if (process.getuid?.() !== 0) throw new Error('haproxy is not installed and this user cannot install it: run `sudo apt-get install -y haproxy`');
  process.stderr.write('haproxy is missing: installing it from Debian packages…\n');
  execFileSync('sh', ['-c', 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq haproxy'], { stdio: 'inherit' });
  const installed = find();
  if (installed === null || installed === '') throw new Error('apt-get install haproxy did not provide haproxy');
  return installed;
}

async function waitFor(url: string, what: string, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`${what} exited with ${child.exitCode}`);
    try {
      if ((await fetch(url)).status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} did not answer ${url}`);
}

interface GatewayProc {
  readonly port: number;
  readonly admin: number;
  child: ChildProcess;
}

function haproxyConfig(port: number, gateways: readonly GatewayProc[]): string {
  return [
    'global',
    '  maxconn 4096',
    'defaults',
    '  mode http',
    '  timeout connect 1s',
    '  timeout client 30s',
    '  timeout server 30s',
    '  timeout check 1s',
    // A request whose server died before answering is re-sent to another one (GET is
    // idempotent; HAProxy never retries a request it may have delivered unless it is safe).
    '  retries 3',
    '  option redispatch 1',
    '  retry-on all-retryable-errors',
    'frontend api',
    `  bind 127.0.0.1:${port}`,
    '  default_backend gateways',
    'backend gateways',
    '  balance leastconn',
    '  option httpchk GET /ready',
    '  http-check expect status 200',
    '  default-server inter 300ms fall 1 rise 2',
    ...gateways.map((g, i) => `  server gw${i + 1} 127.0.0.1:${g.port} check port ${g.admin}`),
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const seconds = quick ? 10 : 20;
  ensureWrk();
  const haproxyBin = ensureHaproxy();
  const work = mkdtempSync(join(tmpdir(), 'pgrest-gateway-bench-scale-'));
  const pgDataDir = join(tmpdir(), `pgrest-gateway-bench-scale-pgdata-${process.pid}`);
  let cluster: EmbeddedCluster | null = null;
  const gateways: GatewayProc[] = [];
  let haproxy: ChildProcess | null = null;
  try {
    const db = await benchDatabase(pgDataDir);
    cluster = db.cluster;
    const launch = (g: { port: number; admin: number }, workers = 1): ChildProcess =>
      spawn(process.execPath, ['--max-semi-space-size=4', join(root, 'dist', 'gateway', 'main.js')], {
        env: {
          ...process.env,
          PGRST_DB_URI: db.authenticatorUri,
          PGRST_DB_SCHEMAS: 'bench',
          PGRST_DB_ANON_ROLE: 'web_anon',
          PGRST_DB_POOL: '4',
          PGRST_SERVER_HOST: '127.0.0.1',
          PGRST_SERVER_PORT: String(g.port),
          // Three processes on a small box: one thread each (the worker phase sets more).
          PGRST_SERVER_WORKERS: String(workers),
          PGRST_ADMIN_SERVER_HOST: '127.0.0.1',
          PGRST_ADMIN_SERVER_PORT: String(g.admin),
        },
        stdio: ['ignore', 'ignore', 'inherit'],
      });
    for (let i = 0; i < GATEWAYS; i++) {
      const ports = { port: await freePort(), admin: await freePort() };
      const g = { ...ports, child: launch(ports) };
      gateways.push(g);
      await waitFor(`http://127.0.0.1:${g.admin}/ready`, `gateway ${i + 1}`, g.child);
    }
    const lbPort = await freePort();
    const cfg = join(work, 'haproxy.cfg');
    writeFileSync(cfg, haproxyConfig(lbPort, gateways));
    haproxy = spawn(haproxyBin, ['-db', '-f', cfg], { stdio: ['ignore', 'ignore', 'inherit'] });
    const scenario = SCENARIOS.find((s) => s.name === 'get-by-pk')!;
    const base = `http://127.0.0.1:${lbPort}`;
    await waitFor(base + '/posts?id=eq.1', 'haproxy', haproxy);
    const wrk = (secs: number): Promise<WrkResult> => runWrk(base, scenario, { connections: CONNECTIONS, seconds: secs, tmpDir: work, tokenFile: null, fixedToken: null });

    // Warm-up: JIT and the pools of all three, so the steady figure is not a cold start.
    await wrk(3);
    process.stderr.write(`Steady: ${GATEWAYS} gateways behind haproxy, ${quick ? 3 : 5} s…\n`);
    const steady = await wrk(quick ? 3 : 5);

    // Killed a quarter in, started again at half: the rest shows it back in rotation.
    process.stderr.write(`Failover: ${seconds} s, gateway 2 killed at ${seconds / 4} s and restarted at ${seconds / 2} s…\n`);
    const victim = gateways[1]!;
    const events: string[] = [];
    const started = Date.now();
    const at = (): string => `${((Date.now() - started) / 1000).toFixed(1)} s`;
    const run = wrk(seconds);
    const chaos = (async () => {
      await new Promise((r) => setTimeout(r, (seconds * 1000) / 4));
      victim.child.kill('SIGKILL');
      events.push(`${at()}: gateway 2 killed (SIGKILL)`);
      await new Promise((r) => setTimeout(r, (seconds * 1000) / 4));
      victim.child = launch(victim);
      events.push(`${at()}: gateway 2 started again`);
      await waitFor(`http://127.0.0.1:${victim.admin}/ready`, 'gateway 2 (restarted)', victim.child);
      events.push(`${at()}: gateway 2 ready`);
    })();
    const [failover] = await Promise.all([run, chaos]);
    // The restarted process was put back in rotation: it served part of the rest of the run.
    const metrics = await (await fetch(`http://127.0.0.1:${victim.admin}/metrics`)).text();
    const servedAfterRestart = [...metrics.matchAll(/^pgrst_http_requests_total\{[^}]*\} (\d+)$/gm)].reduce((n, m) => n + Number(m[1]), 0);

    // server-workers: one process with 1 and then 2 threads, no load balancer, on GET by pk
    // (PostgreSQL-bound on this box) and on a 404 answered from the schema cache alone.
    for (const c of [haproxy, ...gateways.map((g) => g.child)]) c?.kill('SIGTERM');
    const cheap: Scenario = { name: 'error-404', method: 'GET', path: '/no_such_table', status: 404, peer: false };
    const workerRuns: { workers: number; workload: string; rps: number; p99ms: number; failed: number }[] = [];
    for (const workers of [1, 2]) {
      const ports = { port: await freePort(), admin: await freePort() };
      const g = { ...ports, child: launch(ports, workers) };
      gateways.push(g);
      await waitFor(`http://127.0.0.1:${g.admin}/ready`, `gateway with ${workers} threads`, g.child);
      for (const s of [scenario, cheap]) {
        const opts = { connections: CONNECTIONS, tmpDir: work, tokenFile: null, fixedToken: null };
        await runWrk(`http://127.0.0.1:${g.port}`, s, { ...opts, seconds: 2 });
        const r = await runWrk(`http://127.0.0.1:${g.port}`, s, { ...opts, seconds: quick ? 3 : 5 });
        workerRuns.push({ workers, workload: s.name, rps: r.rps, p99ms: r.p99ms, failed: r.unexpected + r.socketErrors });
      }
      g.child.kill('SIGTERM');
    }

    const report = {
      date: new Date().toISOString(),
      quick,
      setup: `${GATEWAYS} gateway processes (db-pool 4 each) behind haproxy (leastconn, httpchk /ready every 300 ms, retry-on all-retryable-errors), wrk -c${CONNECTIONS} GET /posts?id=eq.{id}`,
      steady: { seconds: quick ? 3 : 5, rps: steady.rps, p50ms: steady.p50ms, p99ms: steady.p99ms, failed: steady.unexpected + steady.socketErrors },
      failover: {
        seconds,
        rps: failover.rps,
        p50ms: failover.p50ms,
        p99ms: failover.p99ms,
        requests: failover.requests,
        badStatus: failover.unexpected,
        socketErrors: failover.socketErrors,
        events,
        servedByRestartedGateway: servedAfterRestart,
      },
      workers: workerRuns,
    };
    mkdirSync(join(root, 'bench', 'results'), { recursive: true });
    writeFileSync(join(root, 'bench', 'results', quick ? 'scale-quick.json' : 'scale.json'), JSON.stringify(report, null, 2) + '\n');
    process.stdout.write(
      `steady: ${steady.rps.toFixed(0)} req/s, ${report.steady.failed} failed\n` +
        `failover: ${failover.rps.toFixed(0)} req/s, ${failover.requests} requests, ${failover.unexpected} bad statuses, ${failover.socketErrors} socket errors; ` +
        `restarted gateway served ${servedAfterRestart}\n${events.map((e) => '  ' + e).join('\n')}\n` +
        workerRuns.map((w) => `server-workers ${w.workers}, ${w.workload}: ${w.rps.toFixed(0)} req/s, ${w.failed} failed\n`).join(''),
    );
    if (failover.unexpected + failover.socketErrors > 0) process.exitCode = 1;
    if (servedAfterRestart === 0) {
      process.stderr.write('the restarted gateway got no requests back from haproxy\n');
      process.exitCode = 1;
    }
  } finally {
    const exits: Promise<void>[] = [];
    for (const c of [haproxy, ...gateways.map((g) => g.child)]) {
      if (c === null || c.exitCode !== null || c.signalCode !== null) continue;
      exits.push(new Promise((r) => c.once('exit', () => r())));
      c.kill('SIGTERM');
    }
    await Promise.all(exits);
    await cluster?.stop();
    rmSync(pgDataDir, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench-scale failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});
