// Read replicas (db-read-uris): one pool per streaming replica, a probe of each every second
// (reachable? replay lag?), and the least-loaded healthy replica for a read. A replica that
// fails a request or a probe, or lags beyond db-read-max-lag, gets no reads until a probe finds
// it healthy again; with none healthy, reads go to the primary. Knows nothing of HTTP or plans.

import {
  ClientError,
  Connection,
  parseConnInfo,
  PgError,
  Pool,
  type AbortHook,
  type ConnInfo,
  type PoolOptions,
  type Query,
  type QueryResult,
  type RunOptions,
} from '../protocol/index.js';

export const PROBE_INTERVAL_MS = 1000;
const PROBE_TIMEOUT_MS = 2000;

/**
 * Replay lag in seconds. Everything received already replayed is no lag, however long ago the
 * last commit was (an idle primary sends nothing); otherwise the time since the last replayed
 * commit, and "unknown" (nothing replayed yet) counts as too much. A server that is not in
 * recovery (a promoted replica) has no lag.
 */
export const LAG_QUERY =
  'select (case when not pg_is_in_recovery() then 0 ' +
  'when pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() then 0 ' +
  'else coalesce(extract(epoch from now() - pg_last_xact_replay_timestamp()), 1e9) end)::float8::text';

type Health =
  | { readonly kind: 'unknown' }
  | { readonly kind: 'healthy'; readonly lag: number }
  | { readonly kind: 'lagging'; readonly lag: number }
  | { readonly kind: 'failing'; readonly why: string };

interface Replica {
  /** host:port, for logs and metrics (never the password). */
  readonly name: string;
  readonly info: ConnInfo;
  pool: Pool;
  health: Health;
  probe: Connection | null;
  probing: boolean;
  /** Reads sent to it, and those of them retried on the primary after a fault (for /metrics). */
  reads: number;
  fallbacks: number;
}

/** One replica's figures for /metrics. */
export interface ReplicaStats {
  readonly name: string;
  readonly healthy: boolean;
  readonly lag: number | null;
  readonly load: number;
  readonly reads: number;
  readonly fallbacks: number;
}

/**
 * The replica's pool had no connection for the read within db-pool-acquisition-timeout: it is
 * busy, not broken. The read (not started, read-only) goes to the primary; the replica stays in.
 */
export function isReplicaBusy(err: unknown): boolean {
  return err instanceof ClientError && err.code === 'POOL_TIMEOUT';
}

/**
 * Whether an error from a replica is the replica's fault (it went away, refused, shut down,
 * cancelled a query for recovery) rather than the request's: then the read is retried on the
 * primary. Read-only transactions make the retry safe.
 */
export function isReplicaFault(err: unknown): boolean {
  if (err instanceof ClientError) return err.code !== 'ABORTED' && err.code !== 'POOL_TIMEOUT';
  if (err instanceof PgError) {
    return err.code.startsWith('08') || err.code.startsWith('57P') || (err.code === '40001' && /conflict with recovery/i.test(err.message));
  }
  return false;
}

export class ReplicaSet {
  private readonly replicas: Replica[];
  private healthy: Replica[] = [];
  private readonly poolOptions: PoolOptions;
  private readonly maxLag: number;
  private readonly log: (line: string) => void;
  private readonly timer: NodeJS.Timeout;
  private ended = false;

  constructor(uris: readonly string[], poolOptions: PoolOptions, maxLagSeconds: number, log: (line: string) => void, env: NodeJS.ProcessEnv = process.env) {
    this.poolOptions = poolOptions;
    this.maxLag = maxLagSeconds;
    this.log = log;
    this.replicas = uris.map((uri) => {
      const info = parseConnInfo(uri, env);
      return { name: `${info.host}:${info.port}`, info, pool: new Pool(info, poolOptions), health: { kind: 'unknown' }, probe: null, probing: false, reads: 0, fallbacks: 0 };
    });
    this.timer = setInterval(() => this.probeAll(), PROBE_INTERVAL_MS);
    this.timer.unref();
    this.probeAll();
  }

  /** Run a read on the least-loaded healthy replica, or on `primary` when none is (or it fails). */
  async run(primary: Pool, queries: readonly Query[], signal?: AbortHook, options?: RunOptions): Promise<QueryResult[]> {
    const replica = this.pick();
    if (replica === null) return primary.run(queries, signal, options);
    replica.reads++;
    const pool = replica.pool;
    try {
      return await pool.run(queries, signal, options);
    } catch (err) {
      if (isReplicaBusy(err)) {
        replica.fallbacks++;
        return primary.run(queries, signal, options);
      }
      if (!isReplicaFault(err)) throw err;
      replica.fallbacks++;
      this.takeOut(replica, pool, err instanceof Error ? err.message : String(err));
      return primary.run(queries, signal, options);
    }
  }

  private pick(): Replica | null {
    const healthy = this.healthy;
    if (healthy.length === 0) return null;
    let best = healthy[0]!;
    for (let i = 1; i < healthy.length; i++) if (healthy[i]!.pool.load < best.pool.load) best = healthy[i]!;
    return best;
  }

  /** A request found the replica broken: no more reads until a probe says otherwise. */
  private takeOut(replica: Replica, pool: Pool, why: string): void {
    // Only once per broken pool: the other reads in flight on it fail the same way.
    if (replica.pool !== pool || this.ended) return;
    this.setHealth(replica, { kind: 'failing', why });
    // A fresh pool for when it is back: the old one's reconnect backoff must not delay that.
    replica.pool = new Pool(replica.info, this.poolOptions);
    void pool.end();
  }

  private setHealth(replica: Replica, next: Health): void {
    const before = replica.health.kind;
    replica.health = next;
    if (before !== next.kind) {
      const detail = next.kind === 'failing' ? `: ${next.why}` : next.kind === 'unknown' ? '' : ` (replay lag ${next.lag.toFixed(1)} s)`;
      this.log(`Read replica ${replica.name} is ${next.kind}${detail}`);
    }
    this.healthy = this.replicas.filter((r) => r.health.kind === 'healthy');
  }

  private probeAll(): void {
    for (const r of this.replicas) if (!r.probing) void this.probeOne(r);
  }

  private async probeOne(replica: Replica): Promise<void> {
    replica.probing = true;
    let timer: NodeJS.Timeout | null = null;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer to the probe within ${PROBE_TIMEOUT_MS} ms`)), PROBE_TIMEOUT_MS);
    });
    try {
      const lag = await Promise.race([this.measureLag(replica), timeout]);
      if (this.ended) return;
      this.setHealth(replica, lag <= this.maxLag ? { kind: 'healthy', lag } : { kind: 'lagging', lag });
    } catch (err) {
      const probe = replica.probe;
      replica.probe = null;
      void probe?.close();
      if (!this.ended) this.setHealth(replica, { kind: 'failing', why: err instanceof Error ? err.message : String(err) });
    } finally {
      if (timer !== null) clearTimeout(timer);
      replica.probing = false;
    }
  }

  private async measureLag(replica: Replica): Promise<number> {
    if (replica.probe === null || replica.probe.isClosed) {
      replica.probe = await Connection.connect(replica.info, { statementCacheSize: 0, preparedStatements: false });
      if (this.ended) void replica.probe.close();
    }
    const [result] = await replica.probe.send([{ text: LAG_QUERY, params: [] }]);
    const cell = result?.rows[0]?.[0];
    if (cell === undefined || cell === null) throw new Error('the lag probe returned no row');
    return Number(cell.toString('latin1'));
  }

  /** Forget prepared statements on every replica connection (after a schema reload). */
  clearStatementCaches(): void {
    for (const r of this.replicas) r.pool.clearStatementCaches();
  }

  /** Per replica: its name, health, pool load and read counts (for /metrics). */
  stats(): ReplicaStats[] {
    return this.replicas.map((r) => ({
      name: r.name,
      healthy: r.health.kind === 'healthy',
      lag: r.health.kind === 'healthy' || r.health.kind === 'lagging' ? r.health.lag : null,
      load: r.pool.load,
      reads: r.reads,
      fallbacks: r.fallbacks,
    }));
  }

  async end(): Promise<void> {
    this.ended = true;
    clearInterval(this.timer);
    await Promise.all(this.replicas.map(async (r) => {
      await r.probe?.close();
      await r.pool.end();
    }));
  }
}
