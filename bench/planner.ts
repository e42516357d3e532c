// Planner micro-benchmark: URL → SQL per second for each workload URL, cold (parse, plan,
// build and compile the SQL), plan-cached (parse, plan, reuse the text and collect the
// parameters) and shape-cached (the gateway's request cache: a known GET shape skips parse and
// plan; a new `{id}` each time, as under load; a JSON table write by its keys, a call with a body not at all), on the schema cache of the benchmark database (loaded once, so embeds and
// functions plan as the gateway plans them). No HTTP; the timed loop never touches the database.

import { actionPlan, mainStatement, toApiRequest, type RawRequest, type SchemaCache } from '../planner/index.js';
import { PlanCache } from '../gateway/plan-cache.js';
import { RequestCache, type Prepared } from '../gateway/request-cache.js';
import { errorResponse } from '../gateway/http-response.js';
import { loadSchemaCache } from '../gateway/schema-loader.js';
import { parseConnInfo, Pool } from '../protocol/index.js';
import { concretePath, SCENARIOS } from './scenarios.js';

export interface PlannerResult {
  readonly workload: string;
  readonly coldPerSecond: number | null;
  readonly cachedPerSecond: number | null;
  readonly shapeCachedPerSecond: number | null;
  readonly skipped: string | null;
}

/**
 * The median of three timed loops: the machine is shared (wrk, PostgreSQL, other processes), and
 * one loop the scheduler preempted measures the other processes, not the planner; the median
 * drops that loop without reporting the luckiest one.
 */
function perSecond(iterations: number, fn: () => unknown): number {
  for (let i = 0; i < Math.min(1000, iterations); i++) fn(); // warm-up for the JIT
  const rates: number[] = [];
  for (let round = 0; round < 3; round++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) fn();
    rates.push(iterations / (Number(process.hrtime.bigint() - start) / 1e9));
  }
  return rates.sort((a, b) => a - b)[1]!;
}

export function runPlannerBench(iterations: number, benchSchema: SchemaCache): PlannerResult[] {
  return SCENARIOS.map((s) => {
    // The body's bytes arrive from the socket: encoding them is not URL → SQL work, so they
    // are made once (the planner never writes into a body).
    const body = s.body === undefined ? null : Buffer.from(s.body);
    const rawFor = (id: number): RawRequest => {
      const url = concretePath(s, id);
      const q = url.indexOf('?');
      return {
        method: s.method,
        path: q < 0 ? url : url.slice(0, q),
        query: q < 0 ? '' : url.slice(q + 1),
        headers: {},
        body,
      };
    };
    const raw = rawFor(4242);
    const planOf = () => {
      const req = toApiRequest(raw, { schemas: ['bench'] });
      if (!req.ok) return req.error.code;
      const plan = actionPlan(req.value, benchSchema, { maxRows: null });
      return plan.ok ? plan.value : plan.error.code;
    };
    const first = planOf();
    if (typeof first === 'string') return { workload: s.name, coldPerSecond: null, cachedPerSecond: null, shapeCachedPerSecond: null, skipped: `planner answers ${first}` };
    const cache = new PlanCache(100);
    const cold = perSecond(iterations, () => {
      const p = planOf();
      return typeof p === 'string' ? p : mainStatement(p);
    });
    const cached = perSecond(iterations, () => {
      const p = planOf();
      return typeof p === 'string' ? p : cache.statements(p, benchSchema);
    });
    // As the handler: parse, plan and statements behind the request cache.
    const config = { schemas: ['bench'] };
    const compute = (r: RawRequest): Prepared => {
      const req = toApiRequest(r, config);
      if (!req.ok) return { ok: false, response: errorResponse(req.error) };
      const plan = actionPlan(req.value, benchSchema, { maxRows: null });
      if (!plan.ok) return { ok: false, response: errorResponse(plan.error) };
      const { main, estimate } = cache.statements(plan.value, benchSchema);
      return { ok: true, request: req.value, plan: plan.value, main, estimate };
    };
    const requests = new RequestCache(100);
    let i = 0;
    const shapeCached = perSecond(iterations, () => {
      const r = rawFor(1 + (i++ % 100000));
      return requests.prepare(r, config, benchSchema, compute) ?? compute(r);
    });
    return { workload: s.name, coldPerSecond: cold, cachedPerSecond: cached, shapeCachedPerSecond: shapeCached, skipped: null };
  });
}

/** The benchmark schema's cache, read through our own pool (as the gateway reads it). */
export async function loadBenchSchema(dbUri: string): Promise<SchemaCache> {
  const pool = new Pool(parseConnInfo(dbUri, process.env), { size: 1, pipelineDepth: 4, acquisitionTimeoutMs: 10_000, statementCacheSize: 10, preparedStatements: true });
  try {
    return await loadSchemaCache(pool, ['bench']);
  } finally {
    await pool.end();
  }
}

// Standalone: `node dist/bench/planner.js DB_URI [iterations]` against a database with bench/dataset.sql loaded.
if (process.argv[1]?.endsWith('planner.js')) {
  const uri = process.argv[2];
  if (uri === undefined) throw new Error('usage: node dist/bench/planner.js DB_URI [iterations] (a database with bench/dataset.sql loaded)');
  for (const r of runPlannerBench(Number(process.argv[3] ?? 20000), await loadBenchSchema(uri))) {
    const line = r.skipped !== null ? `skipped: ${r.skipped}` : `${r.coldPerSecond?.toFixed(0)} cold, ${r.cachedPerSecond?.toFixed(0)} plan-cached, ${r.shapeCachedPerSecond?.toFixed(0)} shape-cached URL→SQL/s`;
    process.stdout.write(`${r.workload.padEnd(26)} ${line}\n`);
  }
}
