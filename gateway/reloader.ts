// Schema-cache loading and reloading: the first load retries with backoff (1 s doubling to
// 32 s) until it succeeds; later reloads (SIGUSR1, NOTIFY) are debounced — one runs now, a
// burst during it causes exactly one more — and a failed reload keeps serving the old cache.

import type { AppState } from './state.js';
import type { Metrics } from './metrics.js';
import { loadRoleSettings, loadSchemaCache } from './schema-loader.js';

export class SchemaReloader {
  private readonly state: AppState;
  private readonly metrics: Metrics;
  private readonly log: (line: string) => void;
  private running: Promise<void> | null = null;
  private pending = false;
  private stopped = false;
  /** Called after every successful swap (plan and statement caches are cleared there). */
  onSwap: () => void = () => undefined;
  /** Runs before each load (app.ts re-reads the in-database config there). */
  beforeLoad: () => Promise<void> = () => Promise.resolve();

  constructor(state: AppState, metrics: Metrics, log: (line: string) => void) {
    this.state = state;
    this.metrics = metrics;
    this.log = log;
  }

  private async loadOnce(): Promise<void> {
    await this.beforeLoad();
    const started = Date.now();
    try {
      const [cache, roleSettings] = await Promise.all([
        loadSchemaCache(this.state.pool, this.state.config.dbSchemas),
        loadRoleSettings(this.state.pool),
      ]);
      this.state.schemaCache = cache;
      this.state.roleSettings = roleSettings;
      this.state.pool.clearStatementCaches();
      this.onSwap();
      this.metrics.schemaCacheQueryTimeSeconds = (Date.now() - started) / 1000;
      this.metrics.schemaCacheLoadsSuccess++;
      this.log(`Schema cache loaded in ${Date.now() - started} ms (${cache.tables.size} relations)`);
    } catch (err) {
      this.metrics.schemaCacheLoadsFail++;
      throw err;
    }
  }

  /**
   * The first load: retries until it succeeds or stop() is called. Without `retry`
   * (db-pool-automatic-recovery = false) the first failure is thrown instead.
   */
  async initial(retry = true): Promise<void> {
    let delay = 1000;
    while (!this.stopped) {
      try {
        await this.loadOnce();
        return;
      } catch (err) {
        if (!retry) throw err;
        this.log(`Could not load the schema cache: ${err instanceof Error ? err.message : String(err)}. Retrying in ${delay / 1000} s.`);
        await new Promise((r) => setTimeout(r, delay));
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
  }
}
