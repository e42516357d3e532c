// The mutable holder for one process: current config, its authenticator (swapped with the
// config, which flushes the JWT cache), the schema cache and role settings (swapped whole),
// the pool. Everything else reads from here; only app.ts and the schema loader write.

import type { SchemaCache } from '../planner/index.js';
import type { Pool } from '../protocol/index.js';
import { Authenticator } from './auth.js';
import type { AppConfig } from './config.js';
import type { RoleSettings } from './context.js';
import type { PlanCache } from './plan-cache.js';
import type { ReplicaSet } from './replicas.js';

export interface AppState {
  config: AppConfig;
  auth: Authenticator;
  pool: Pool;
  schemaCache: SchemaCache | null;
  roleSettings: RoleSettings;
  /** Statement text by request shape; empties itself when schemaCache is swapped. */
  readonly planCache: PlanCache;
  /** db-read-uris: where reads go when configured (absent or null = everything on `pool`). */
  readonly replicas?: ReplicaSet | null;
}

/**
 * Swaps in a reloaded config. The authenticator is rebuilt with it, which flushes the cache of
 * verified tokens, so nothing signed with a replaced secret is honoured afterwards. It is built
 * first: a new config with a bad secret throws ConfigError and leaves the old one in place.
 */
export function applyConfig(state: AppState, next: AppConfig): void {
  const auth = new Authenticator(next);
  state.config = next;
  state.auth = auth;
}
