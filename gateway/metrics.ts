// Prometheus metrics in text format: PostgREST's schema-cache metric names, plus what
// PostgREST lacks (request counts and latency histograms by method and status) and Node's
// runtime figures. Counters live here; the admin server renders them.

import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { ReplicaStats } from './replicas.js';

const BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

interface Histogram {
  readonly counts: number[];
  sum: number;
  count: number;
}

/** What a server-workers thread sends the main thread for /metrics (structured-clone safe). */
export interface MetricsExport {
  readonly requests: readonly (readonly [string, Histogram])[];
  readonly pool: { max: number; available: number; waiting: number; timeouts: number };
  /** The thread's db-read-uris read counts per replica (each thread has pools of its own). */
  readonly replicaReads?: readonly { readonly name: string; readonly reads: number; readonly fallbacks: number }[];
}

export class Metrics {
  schemaCacheLoadsSuccess = 0;
  schemaCacheLoadsFail = 0;
  schemaCacheQueryTimeSeconds = 0;
  private readonly requests = new Map<string, Histogram>();
  private readonly loopDelay = monitorEventLoopDelay({ resolution: 20 });
  /** Pool figures, provided by whoever owns the pool. */
  poolStats: () => { max: number; available: number; waiting: number; timeouts: number } = () => ({ max: 0, available: 0, waiting: 0, timeouts: 0 });

  /** db-read-uris replicas, provided when configured: health, replay lag and pool load each. */
  replicaStats: (() => readonly ReplicaStats[]) | null = null;

  /**
   * server-workers: the other threads' latest figures (pushed by them), added into this
   * thread's request counts and pool figures so /metrics covers the whole process.
   */
  peers: () => readonly MetricsExport[] = () => [];

  constructor() {
    this.loopDelay.enable();
  }

  observeRequest(method: string, status: number, seconds: number): void {
    const key = `method="${method}",status="${status}"`;
    let h = this.requests.get(key);
    if (h === undefined) {
      h = { counts: BUCKETS.map(() => 0), sum: 0, count: 0 };
      this.requests.set(key, h);
    }
    for (let i = 0; i < BUCKETS.length; i++) if (seconds <= BUCKETS[i]!) h.counts[i]!++;
    h.sum += seconds;
    h.count++;
  }

  /** This thread's request histograms and pool figures, for the thread that renders /metrics. */
  exportState(): MetricsExport {
    const replicas = this.replicaStats?.() ?? [];
    return {
      requests: [...this.requests].map(([k, h]) => [k, { counts: [...h.counts], sum: h.sum, count: h.count }]),
      pool: this.poolStats(),
      ...(replicas.length === 0 ? {} : { replicaReads: replicas.map((r) => ({ name: r.name, reads: r.reads, fallbacks: r.fallbacks })) }),
    };
  }

  render(): string {
    const out: string[] = [];
    const metric = (name: string, type: string, help: string, lines: string[]): void => {
      out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, ...lines);
    };
    metric('pgrst_schema_cache_query_time_seconds', 'gauge', 'Query time of the last schema cache load', [
      `pgrst_schema_cache_query_time_seconds ${this.schemaCacheQueryTimeSeconds}`,
    ]);
    metric('pgrst_schema_cache_loads_total', 'counter', 'Schema cache loads', [
      `pgrst_schema_cache_loads_total{status="SUCCESS"} ${this.schemaCacheLoadsSuccess}`,
      `pgrst_schema_cache_loads_total{status="FAIL"} ${this.schemaCacheLoadsFail}`,
    ]);
    const peers = this.peers();
    const pool = { ...this.poolStats() };
    const requests = new Map<string, Histogram>();
    for (const [k, h] of this.requests) requests.set(k, { counts: [...h.counts], sum: h.sum, count: h.count });
    for (const peer of peers) {
      pool.max += peer.pool.max;
      pool.available += peer.pool.available;
      pool.waiting += peer.pool.waiting;
      pool.timeouts += peer.pool.timeouts;
      for (const [k, h] of peer.requests) {
        const mine = requests.get(k);
        if (mine === undefined) requests.set(k, { counts: [...h.counts], sum: h.sum, count: h.count });
        else {
          h.counts.forEach((c, i) => (mine.counts[i] = (mine.counts[i] ?? 0) + c));
          mine.sum += h.sum;
          mine.count += h.count;
        }
      }
    }
    metric('pgrst_db_pool_max', 'gauge', 'Maximum pool connections', [`pgrst_db_pool_max ${pool.max}`]);
    metric('pgrst_db_pool_available', 'gauge', 'Open connections with spare pipeline capacity', [`pgrst_db_pool_available ${Math.max(0, pool.available)}`]);
    metric('pgrst_db_pool_waiting', 'gauge', 'Requests waiting for a connection', [`pgrst_db_pool_waiting ${pool.waiting}`]);
    metric('pgrst_db_pool_timeouts_total', 'counter', 'Pool acquisition timeouts', [`pgrst_db_pool_timeouts_total ${pool.timeouts}`]);
    if (this.replicaStats !== null) {
      const replicas = this.replicaStats();
      metric('pgrst_db_read_replica_healthy', 'gauge', 'Whether a db-read-uris replica gets reads (1) or not (0)', replicas.map((r) => `pgrst_db_read_replica_healthy{replica="${r.name}"} ${r.healthy ? 1 : 0}`));
      metric('pgrst_db_read_replica_lag_seconds', 'gauge', 'Replay lag of a db-read-uris replica at its last probe', replicas.filter((r) => r.lag !== null).map((r) => `pgrst_db_read_replica_lag_seconds{replica="${r.name}"} ${r.lag}`));
      // Counters add up every thread's (server-workers): each has pools of its own.
      const reads = new Map(replicas.map((r) => [r.name, { reads: r.reads, fallbacks: r.fallbacks }]));
      for (const peer of peers) {
        for (const r of peer.replicaReads ?? []) {
          const mine = reads.get(r.name);
          if (mine === undefined) reads.set(r.name, { reads: r.reads, fallbacks: r.fallbacks });
          else {
            mine.reads += r.reads;
            mine.fallbacks += r.fallbacks;
          }
        }
      }
      metric('pgrst_db_read_replica_reads_total', 'counter', 'Reads sent to a db-read-uris replica (fallbacks included)', [...reads].map(([name, r]) => `pgrst_db_read_replica_reads_total{replica="${name}"} ${r.reads}`));
      metric('pgrst_db_read_replica_fallbacks_total', 'counter', 'Reads a db-read-uris replica failed that were retried on the primary', [...reads].map(([name, r]) => `pgrst_db_read_replica_fallbacks_total{replica="${name}"} ${r.fallbacks}`));
    }
    if (peers.length > 0) {
      const served = (hs: Iterable<readonly [string, Histogram]>): number => {
        let n = 0;
        for (const [, h] of hs) n += h.count;
        return n;
      };
      metric('pgrst_server_thread_requests_total', 'counter', 'HTTP requests served by each server-workers thread (0 = main)', [
        `pgrst_server_thread_requests_total{thread="0"} ${served(this.requests)}`,
        ...peers.map((p, i) => `pgrst_server_thread_requests_total{thread="${i + 1}"} ${served(p.requests)}`),
      ]);
    }
    const hist: string[] = [];
    const counts: string[] = [];
    for (const [labels, h] of [...requests].sort(([a], [b]) => a.localeCompare(b))) {
      BUCKETS.forEach((b, i) => hist.push(`pgrst_http_request_duration_seconds_bucket{${labels},le="${b}"} ${h.counts[i]}`));
      hist.push(`pgrst_http_request_duration_seconds_bucket{${labels},le="+Inf"} ${h.count}`);
      hist.push(`pgrst_http_request_duration_seconds_sum{${labels}} ${h.sum}`, `pgrst_http_request_duration_seconds_count{${labels}} ${h.count}`);
      counts.push(`pgrst_http_requests_total{${labels}} ${h.count}`);
    }
    metric('pgrst_http_requests_total', 'counter', 'HTTP requests by method and status', counts);
    metric('pgrst_http_request_duration_seconds', 'histogram', 'HTTP request latency by method and status', hist);
    const mem = process.memoryUsage();
    const cpu = process.cpuUsage();
    metric('process_resident_memory_bytes', 'gauge', 'Resident memory', [`process_resident_memory_bytes ${mem.rss}`]);
    metric('process_cpu_seconds_total', 'counter', 'User and system CPU time', [`process_cpu_seconds_total ${(cpu.user + cpu.system) / 1e6}`]);
    metric('nodejs_heap_size_used_bytes', 'gauge', 'V8 heap used', [`nodejs_heap_size_used_bytes ${mem.heapUsed}`]);
    metric('nodejs_heap_size_total_bytes', 'gauge', 'V8 heap total', [`nodejs_heap_size_total_bytes ${mem.heapTotal}`]);
    metric('nodejs_eventloop_lag_p99_seconds', 'gauge', 'Event loop delay, 99th percentile', [
      `nodejs_eventloop_lag_p99_seconds ${this.loopDelay.percentile(99) / 1e9}`,
    ]);
    return out.join('\n') + '\n';
  }
}
