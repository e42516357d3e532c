// Schema-cache loading and reloading: the first load retries with backoff (1 s doubling to
// 32 s) until it succeeds; later reloads (SIGUSR1, NOTIFY) are debounced — one runs now, a
// burst during it causes exactly one more — and a failed reload keeps serving the old cache.
// With schema-cache-snapshot, a cache restored from the snapshot is first checked against the
// live catalog fingerprint (one cheap query) and kept when it matches; every full load
// rewrites the snapshot.

import type { AppState } from './state.js';
import type { Metrics } from './metrics.js';
import { decodeRoleSettings } from './context.js';
import { fetchCatalog, fetchFingerprint, type CatalogLoad } from './schema-loader.js';
import { decodeSchemaCache, type SchemaCache } from '../planner/index.js';
import { CATALOG_QUERIES_DIGEST, writeSnapshot } from './snapshot.js';

/** A timer pair, injectable so the notice below is testable without waiting. */
export interface Timers {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}
const REAL_TIMERS: Timers = { set: (fn, ms) => setTimeout(fn, ms), clear: (h) => clearTimeout(h as NodeJS.Timeout) };

/** Runs `work`; if it is still running after `afterMs`, calls `say` once, while it runs. */
export async function sayWhenSlow<T>(work: () => Promise<T>, afterMs: number, say: () => void, timers: Timers = REAL_TIMERS): Promise<T> {
  const handle = timers.set(say, afterMs);
  try {
    return await work();
  } finally {
    timers.clear(handle);
  }
}

export const SLOW_FIRST_LOAD = 'Loading the schema cache is taking over a second (a large catalog or a busy database); requests get 503 PGRST002 until it is done';

export class SchemaReloader {
  private readonly state: AppState;
  private readonly metrics: Metrics;
  private readonly log: (line: string) => void;
  private wake: (() => void) | null = null;
  private running: Promise<void> | null = null;
  private pending = false;
  private stopped = false;
  /** Called after every successful swap (plan and statement caches are cleared there). */
  onSwap: () => void = () => undefined;
  /** Called with each successful load's raw answers (server-workers hands them to the other threads). */
  onLoaded: (load: CatalogLoad) => void = () => undefined;
  /** Runs before each load (app.ts re-reads the in-database config there). */
  beforeLoad: () => Promise<void> = () => Promise.resolve();

  /** The fingerprint of a snapshot the serving cache was restored from, until it is checked. */
  private restoredFingerprint: string | null;

  constructor(state: AppState, metrics: Metrics, log: (line: string) => void, restoredFingerprint: string | null = null) {
    this.state = state;
    this.metrics = metrics;
    this.log = log;
    this.restoredFingerprint = restoredFingerprint;
  }

  private async loadOnce(): Promise<void> {
    await this.beforeLoad();
    const started = Date.now();
    const schemas = this.state.config.dbSchemas;
    const snapshotPath = this.state.config.schemaCacheSnapshot;
    try {
      const load = await fetchCatalog(this.state.pool, schemas, snapshotPath !== null, this.state.config.dbExtraSearchPath);
      const cache = this.swap(load);
      this.metrics.schemaCacheQueryTimeSeconds = (Date.now() - started) / 1000;
      this.log(`Schema cache loaded in ${Date.now() - started} ms (${cache.tables.size} relations)`);
      this.onLoaded(load);
      if (snapshotPath !== null && load.fingerprint !== null) {
        const snapshot = { fingerprint: load.fingerprint, schemas, queries: CATALOG_QUERIES_DIGEST, createdAt: new Date().toISOString(), catalog: load.catalog, roleSettings: load.roleSettings };
        // After the swap, so requests never wait on the disk; a failed write only costs the next start a full load.
        await writeSnapshot(snapshotPath, snapshot).catch((err: unknown) =>
          this.log(`Could not write the schema cache snapshot ${snapshotPath}: ${err instanceof Error ? err.message : String(err)}`),
        );
      }
    } catch (err) {
      this.metrics.schemaCacheLoadsFail++;
      throw err;
    }
  }

  private swap(load: CatalogLoad): SchemaCache {
    const cache = decodeSchemaCache(load.catalog);
    this.state.schemaCache = cache;
    this.state.roleSettings = decodeRoleSettings(load.roleSettings);
    this.state.pool.clearStatementCaches();
    this.onSwap();
    this.metrics.schemaCacheLoadsSuccess++;
    return cache;
  }

  /** server-workers: swap in what another thread's load fetched, without asking the database. */
  adopt(load: CatalogLoad): void {
    this.swap(load);
  }

  /**
   * Whether the cache restored from a snapshot still matches the live catalog. A failed check
   * counts as a mismatch: the full load below retries, serving the snapshot meanwhile.
   */
  private async snapshotIsCurrent(fingerprint: string): Promise<boolean> {
    try {
      const live = await fetchFingerprint(this.state.pool, this.state.config.dbSchemas);
      this.log(live === fingerprint ? 'Schema cache snapshot matches the live catalog' : 'Schema cache snapshot is stale (the catalog changed); loading the schema cache');
      return live === fingerprint;
    } catch (err) {
      this.log(`Could not check the schema cache snapshot against the database: ${err instanceof Error ? err.message : String(err)}`);
      return false;
    }
  }

  /**
   * The first load: retries until it succeeds or stop() is called; none when a restored
   * snapshot is current. Without `retry` (db-pool-automatic-recovery = false) the first
   * failure is thrown instead.
   */
  async initial(retry = true): Promise<void> {
    const restored = this.restoredFingerprint;
    this.restoredFingerprint = null;
    if (restored !== null && (await this.snapshotIsCurrent(restored))) return;
    let delay = 1000;
    let first = true;
    while (!this.stopped) {
      try {
        // Only the first attempt: a retry already logged why it waits.
        if (first) await sayWhenSlow(() => this.loadOnce(), 1000, () => this.log(SLOW_FIRST_LOAD));
        else await this.loadOnce();
        return;
      } catch (err) {
        first = false;
        if (!retry) throw err;
        this.log(`Could not load the schema cache: ${err instanceof Error ? err.message : String(err)}. Retrying in ${delay / 1000} s.`);
        await new Promise<void>((r) => {
          const timer = setTimeout(r, delay);
          // stop() ends the wait at once: a gateway stopped while its database is unreadable
          // must not keep the process alive for the rest of the back-off.
          this.wake = () => {
            clearTimeout(timer);
            r();
          };
        });
        this.wake = null;
        delay = Math.min(delay * 2, 32000);
      }
    }
  }

  /** Request a reload; resolves when the reload that covers this request has finished. */
  reload(): Promise<void> {
    if (this.running !== null) {
      this.pending = true;
      return this.running.then(() => this.running ?? undefined);
    }
    const run = async (): Promise<void> => {
      do {
        this.pending = false;
        try {
          await this.loadOnce();
        } catch (err) {
          this.log(`Schema cache reload failed, keeping the old cache: ${err instanceof Error ? err.message : String(err)}`);
        }
      } while (this.pending && !this.stopped);
      this.running = null;
    };
    this.running = run();
    return this.running;
  }

  stop(): void {
    this.stopped = true;
    this.wake?.();
  }
}
