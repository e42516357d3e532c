// The plan cache: statement text by request shape, the gateway's memo of the stateless
// planner's output. A repeated shape reuses the text (the same string, so prepared statements
// keep hitting) and only collects parameters. Bounded LRU; emptied on a schema-cache swap.

import {
  collectParams,
  compile,
  estimateSql,
  mainStatementSql,
  type Compiled,
  type Plan,
  type SchemaCache,
  type Sql,
} from '../planner/index.js';
import { RequestCache } from './request-cache.js';

export interface Statements {
  readonly main: Compiled;
  readonly estimate: Compiled | null;
}

interface Entry {
  readonly main: string;
  readonly estimate: string | null;
}

export class PlanCache {
  private readonly entries = new Map<string, Entry>();
  private schema: SchemaCache | null = null;
  hits = 0;
  misses = 0;

  private readonly capacity: number;
  /** In front of this one: bodiless GET/HEAD requests by raw shape (parse and plan skipped). */
  readonly requests: RequestCache;

  constructor(capacity: number) {
    this.capacity = capacity;
    this.requests = new RequestCache(capacity);
  }

  get size(): number {
    return this.entries.size;
  }

  /** The statements for a plan, from the cache when its shape was seen under this schema cache. */
  statements(plan: Plan, schema: SchemaCache): Statements {
    if (schema !== this.schema) {
      this.entries.clear();
      this.schema = schema;
    }
    // db-max-rows (config, reloadable) decides whether count=estimated is a bounded count,
    // whether the count is the page's, and puts a LIMIT on every embed of reads and calls.
    const key = (plan.kind === 'read' || plan.kind === 'call') && plan.maxRows !== null ? plan.request.shape + '\u0000capped' : plan.request.shape;
    // db-tx-end and Prefer: tx are not part of the shape: a rollback adds statements, not text.
    const main = mainStatementSql(plan);
    const estimate = estimateSql(plan);
    const entry = this.entries.get(key);
    if (entry !== undefined) {
      this.hits++;
      // Re-insert: the Map's order is the LRU order.
      this.entries.delete(key);
      this.entries.set(key, entry);
      const est = estimate === null ? null : entry.estimate === null ? compile(estimate) : reuse(entry.estimate, estimate);
      return { main: reuse(entry.main, main), estimate: est };
    }
    this.misses++;
    const compiledMain = compile(main);
    const compiledEstimate = estimate === null ? null : compile(estimate);
    this.entries.set(key, { main: compiledMain.text, estimate: compiledEstimate?.text ?? null });
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next();
      if (oldest.done !== true) this.entries.delete(oldest.value);
    }
    return { main: compiledMain, estimate: compiledEstimate };
  }
}

const reuse = (text: string, tree: Sql): Compiled => ({ text, params: collectParams(tree) });
