// The mutable holder for one process: current config, the schema cache (swapped whole), the
// pool. Everything else reads from here; only main.ts and the schema loader write.

import type { SchemaCache } from '../planner/index.js';
import type { Pool } from '../protocol/index.js';
import type { AppConfig } from './config.js';
import type { PlanCache } from './plan-cache.js';

export interface AppState {
  config: AppConfig;
  pool: Pool;
  schemaCache: SchemaCache | null;
  /** Statement text by request shape; empties itself when schemaCache is swapped. */
  readonly planCache: PlanCache;
}
