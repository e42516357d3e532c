// Prometheus metrics in text format: PostgREST's schema-cache metric names, plus what
// PostgREST lacks (request counts and latency histograms by method and status) and Node's
// runtime figures. Counters live here; the admin server renders them.

import { monitorEventLoopDelay } from 'node:perf_hooks';

const BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

interface Histogram {
  readonly counts: number[];
  sum: number;
  count: number;
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
  replicaStats: (() => readonly { name: string; healthy: boolean; lag: number | null; load: number }[]) | null = null;

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
    const pool = this.poolStats();
    metric('pgrst_db_pool_max', 'gauge', 'Maximum pool connections', [`pgrst_db_pool_max ${pool.max}`]);
    metric('pgrst_db_pool_available', 'gauge', 'Open connections with spare pipeline capacity', [`pgrst_db_pool_available ${Math.max(0, pool.available)}`]);
    metric('pgrst_db_pool_waiting', 'gauge', 'Requests waiting for a connection', [`pgrst_db_pool_waiting ${pool.waiting}`]);
    metric('pgrst_db_pool_timeouts_total', 'counter', 'Pool acquisition timeouts', [`pgrst_db_pool_timeouts_total ${pool.timeouts}`]);
    if (this.replicaStats !== null) {
      const replicas = this.replicaStats();
      metric('pgrst_db_read_replica_healthy', 'gauge', 'Whether a db-read-uris replica gets reads (1) or not (0)', replicas.map((r) => `pgrst_db_read_replica_healthy{replica="${r.name}"} ${r.healthy ? 1 : 0}`));
      metric('pgrst_db_read_replica_lag_seconds', 'gauge', 'Replay lag of a db-read-uris replica at its last probe', replicas.filter((r) => r.lag !== null).map((r) => `pgrst_db_read_replica_lag_seconds{replica="${r.name}"} ${r.lag}`));
    }
    const hist: string[] = [];
    const counts: string[] = [];
    for (const [labels, h] of [...this.requests].sort(([a], [b]) => a.localeCompare(b))) {
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
