// server-workers: N uWS apps in one process, the main thread's and one per worker thread, all
// on one port (SO_REUSEPORT: the kernel spreads connections), db-pool split between them. The
// main thread owns what is per process: schema-cache loads (handed to the workers, which never
// query the catalog), NOTIFY, signals and config reloads (forwarded), the admin server (its
// /metrics adds every thread's figures) and shutdown. A worker that dies takes the process down,
// so the orchestrator restarts it whole. Message shapes live here; worker-thread.ts is the other side.

import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { startGateway, type Gateway, type StartOptions } from './app.js';
import type { AppConfig } from './config.js';
import type { MetricsExport } from './metrics.js';
import type { CatalogLoad } from './schema-loader.js';

/** main → worker */
export type ToWorker =
  | { readonly kind: 'schema'; readonly load: CatalogLoad }
  | { readonly kind: 'reload-config' }
  | { readonly kind: 'stop'; readonly drainMs: number | null };

/** worker → main */
export type FromWorker =
  | { readonly kind: 'listening' }
  | { readonly kind: 'metrics'; readonly state: MetricsExport }
  | { readonly kind: 'stopped' }
  | { readonly kind: 'failed'; readonly message: string };

export interface WorkerInit {
  readonly file: string | null;
  /** PGRST_* overrides on top of the process environment: port, pool share, no admin, no LISTEN. */
  readonly env: Readonly<Record<string, string>>;
  readonly allowSlowHttp: boolean;
  readonly handedSchema: CatalogLoad | null;
}

/**
 * The CPUs this process may use: its affinity, capped by a cgroup v2 CPU quota (a container's
 * CPU limit, which affinity does not show: a 1-CPU pod on a 16-core node has 16 in affinity).
 */
export function availableCpus(cpuMax: string | null = readCpuMax()): number {
  const affinity = availableParallelism();
  const m = cpuMax === null ? null : /^(\d+)\s+(\d+)/.exec(cpuMax.trim());
  if (m === null) return affinity;
  return Math.max(1, Math.min(affinity, Math.ceil(Number(m[1]) / Number(m[2]))));
}

function readCpuMax(): string | null {
  try {
    return readFileSync('/sys/fs/cgroup/cpu.max', 'utf8');
  } catch {
    return null;
  }
}

/** How many apps to run: server-workers, capped by db-pool (each needs a connection); 1 on a unix socket. */
export function workerCount(config: AppConfig, cpus = availableCpus()): number {
  if (config.serverUnixSocket !== null) return 1;
  const wanted = config.serverWorkers === 'auto' ? cpus : config.serverWorkers;
  return Math.max(1, Math.min(wanted, config.dbPool));
}

/** db-pool split as evenly as whole connections allow; the total stays db-pool. */
export function poolShares(total: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => Math.floor(total / count) + (i < total % count ? 1 : 0));
}

export interface ProcessGateway {
  readonly port: number;
  reloadSchema(): Promise<void>;
  reloadConfig(): Promise<boolean>;
  /** Stop serving; with `drainMs`, open connections are still answered for up to that long (server-drain-timeout). */
  stop(drainMs?: number): Promise<void>;
}

/**
 * The process's gateway: one app as today when `count` is 1, else the main thread's app plus
 * count - 1 workers. `loadConfig(env, db)` builds a config from the file, `env` and db settings.
 */
export async function startProcessGateway(
  count: number,
  file: string | null,
  loadConfig: (env: Readonly<Record<string, string | undefined>>, db?: ReadonlyMap<string, string>) => AppConfig,
  options: StartOptions & { readonly allowSlowHttp: boolean },
): Promise<ProcessGateway> {
  const log = options.log ?? ((line: string) => process.stderr.write(line + '\n'));
  const base = loadConfig(process.env);
  if (count <= 1) {
    const load = (db?: ReadonlyMap<string, string>): AppConfig => loadConfig(process.env, db);
    return startGateway(base, { ...options, loadConfig: load });
  }
  const shares = poolShares(base.dbPool, count);
  const mainEnv = { ...process.env, PGRST_DB_POOL: String(shares[0]), PGRST_SERVER_REUSEPORT: 'true' };
  const workers: Worker[] = [];
  const peers = new Map<Worker, MetricsExport>();
  let lastLoad: CatalogLoad | null = null;
  let stopping = false;
  const send = (msg: ToWorker): void => {
    for (const w of workers) w.postMessage(msg);
  };
  const gateway: Gateway = await startGateway(loadConfig(mainEnv), {
    ...options,
    loadConfig: (db) => loadConfig(mainEnv, db),
    onSchemaLoaded: (load) => {
      lastLoad = load;
      send({ kind: 'schema', load });
    },
    onConfigReloaded: () => send({ kind: 'reload-config' }),
  });
  gateway.metrics.peers = () => [...peers.values()];
  const stopped = new Map<Worker, Promise<void>>();
  try {
    for (let i = 1; i < count; i++) {
      const init: WorkerInit = {
        file,
        env: {
          PGRST_DB_POOL: String(shares[i]),
          PGRST_SERVER_PORT: String(gateway.port),
          PGRST_SERVER_REUSEPORT: 'true',
          // One LISTEN and one admin server per process: the main thread's.
          PGRST_DB_CHANNEL_ENABLED: 'false',
          PGRST_ADMIN_SERVER_PORT: '',
          PGRST_ADMIN_SERVER_UNIX_SOCKET: '',
          // Only the main thread writes the snapshot; a worker reads it only when handed nothing.
          ...(lastLoad === null ? {} : { PGRST_SCHEMA_CACHE_SNAPSHOT: '' }),
        },
        allowSlowHttp: options.allowSlowHttp,
        handedSchema: lastLoad,
      };
      const worker = new Worker(new URL('./worker-thread.js', import.meta.url), { workerData: init });
      workers.push(worker);
      await new Promise<void>((resolve, reject) => {
        let done: (() => void) | null = null;
        stopped.set(worker, new Promise<void>((r) => (done = r)));
        worker.on('message', (msg: FromWorker) => {
          switch (msg.kind) {
            case 'listening':
              resolve();
              break;
            case 'metrics':
              peers.set(worker, msg.state);
              break;
            case 'stopped':
              done?.();
              break;
            case 'failed':
              reject(new Error(`server worker ${i}: ${msg.message}`));
              if (!stopping) fatal(`server worker ${i} failed: ${msg.message}`);
              break;
          }
        });
        worker.on('error', (err) => {
          reject(err);
          if (!stopping) fatal(`server worker ${i} crashed: ${err.message}`);
        });
        worker.on('exit', (code) => {
          done?.();
          if (!stopping) fatal(`server worker ${i} exited with ${code}`);
        });
      });
    }
  } catch (err) {
    stopping = true;
    await Promise.all(workers.map((w) => w.terminate()));
    await gateway.stop();
    throw err;
  }
  log(`Serving with ${count} threads (db-pool ${shares.join(' + ')})`);
  function fatal(reason: string): void {
    log(reason);
    options.onFatal?.(reason);
  }
  return {
    port: gateway.port,
    reloadSchema: () => gateway.reloadSchema(),
    reloadConfig: () => gateway.reloadConfig(),
    stop: async (drainMs?: number) => {
      stopping = true;
      send({ kind: 'stop', drainMs: drainMs ?? null });
      await Promise.all([gateway.stop(drainMs), ...workers.map((w) => stopped.get(w))]);
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}
