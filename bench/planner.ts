// Planner micro-benchmark: URL → SQL per second for each workload URL, cold (parse, plan,
// build and compile the SQL) and plan-cached (parse, plan, reuse the text and collect the
// parameters), on a schema cache decoded from a fixed description. No database, no HTTP.

import { actionPlan, decodeSchemaCache, mainStatement, toApiRequest, type RawRequest } from '../planner/index.js';
import { PlanCache } from '../gateway/plan-cache.js';
import { concretePath, SCENARIOS } from './scenarios.js';

const col = (name: string, type = 'integer'): unknown => ({ name, type, nullable: false, has_default: false });
const table = (name: string, columns: unknown[]): unknown => ({
  schema: 'bench', name, kind: 'table', insertable: true, updatable: true, deletable: true, primary_key: ['id'], columns,
});

export const benchSchema = decodeSchemaCache(
  JSON.stringify([
    table('posts', [col('id'), col('author_id'), col('title', 'text'), col('body', 'text'), col('published', 'boolean'), col('score'), col('created_at', 'timestamp with time zone')]),
    table('authors', [col('id'), col('name', 'text'), col('email', 'text')]),
    table('events', [col('id', 'bigint'), col('kind', 'text'), col('payload', 'jsonb'), col('created_at', 'timestamp with time zone')]),
    table('notes', [col('id'), col('owner', 'text'), col('body', 'text')]),
  ]),
);

export interface PlannerResult {
  readonly workload: string;
  readonly coldPerSecond: number | null;
  readonly cachedPerSecond: number | null;
  readonly skipped: string | null;
}

function perSecond(iterations: number, fn: () => unknown): number {
  for (let i = 0; i < Math.min(1000, iterations); i++) fn(); // warm-up for the JIT
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) fn();
  return iterations / (Number(process.hrtime.bigint() - start) / 1e9);
}

export function runPlannerBench(iterations: number): PlannerResult[] {
  return SCENARIOS.map((s) => {
    const url = concretePath(s, 4242);
    const q = url.indexOf('?');
    const raw: RawRequest = {
      method: s.method,
      path: q < 0 ? url : url.slice(0, q),
      query: q < 0 ? '' : url.slice(q + 1),
      headers: {},
      body: s.body === undefined ? null : Buffer.from(s.body),
    };
    const planOf = () => {
      const req = toApiRequest(raw, { schemas: ['bench'] });
      if (!req.ok) return req.error.code;
      const plan = actionPlan(req.value, benchSchema, { maxRows: null });
      return plan.ok ? plan.value : plan.error.code;
    };
    const first = planOf();
    if (typeof first === 'string') return { workload: s.name, coldPerSecond: null, cachedPerSecond: null, skipped: `planner answers ${first}` };
    const cache = new PlanCache(100);
    const cold = perSecond(iterations, () => {
      const p = planOf();
      return typeof p === 'string' ? p : mainStatement(p);
    });
    const cached = perSecond(iterations, () => {
      const p = planOf();
      return typeof p === 'string' ? p : cache.statements(p, benchSchema);
    });
    return { workload: s.name, coldPerSecond: cold, cachedPerSecond: cached, skipped: null };
  });
}

if (process.argv[1]?.endsWith('planner.js')) {
  for (const r of runPlannerBench(Number(process.argv[2] ?? 20000))) {
    const line = r.skipped !== null ? `skipped: ${r.skipped}` : `${r.coldPerSecond?.toFixed(0)} cold, ${r.cachedPerSecond?.toFixed(0)} plan-cached URL→SQL/s`;
    process.stdout.write(`${r.workload.padEnd(26)} ${line}\n`);
  }
}
