// Renders a benchmark report: the Markdown table, the CPU floor, issue 18's targets marked met
// or missed, and an SVG bar chart (req/s per workload for the gateway, the Fastify and
// PostGraphile peers, and the uWS hello line).

import type { BareStatementCost } from './pgbench.js';

export interface SystemResult {
  readonly rps: number;
  readonly p50ms: number;
  readonly p99ms: number;
  readonly cpuMicrosPerRequest: number | null;
  /** PostgreSQL's CPU (postmaster and every backend) per request while this system ran; null off an embedded cluster. */
  readonly pgCpuMicrosPerRequest: number | null;
  readonly rssMiB: number | null;
}

export interface WorkloadReport {
  readonly workload: string;
  readonly gateway: SystemResult | null;
  readonly fastify: SystemResult | null;
  readonly postgraphile: SystemResult | null;
  readonly skipped: string | null;
  /** The gateway at half of its peak rate (open loop). */
  readonly halfPeak: { readonly rate: number; readonly p50ms: number; readonly p99ms: number } | null;
}

/** One server-workers setting on one workload (issue 19 item 1). */
export interface WorkerRun {
  readonly workers: number;
  readonly workload: string;
  readonly rps: number;
  readonly p99ms: number;
  /** The gateway process's CPU seconds per second of the run, every thread's together. */
  readonly cores: number;
  readonly failed: number;
}

/** One workload through a gateway with db-read-uris on a streaming replica (issue 19 item 2). */
export interface ReplicaSplitRun {
  readonly workload: string;
  readonly rps: number;
  readonly p99ms: number;
  /** Requests the gateway counted, and how many of them ran on the replica and on the primary. */
  readonly requests: number;
  readonly onReplica: number;
  readonly onPrimary: number;
  readonly failed: number;
}

export interface ScalingReport {
  readonly workers: readonly WorkerRun[];
  readonly replica: { readonly runs: readonly ReplicaSplitRun[] } | { readonly skipped: string };
}

export interface Report {
  /** URL → SQL per second per workload URL, cold and plan-cached. */
  readonly planner: readonly { readonly workload: string; readonly coldPerSecond: number | null; readonly cachedPerSecond: number | null; readonly skipped: string | null }[];
  readonly date: string;
  readonly quick: boolean;
  readonly rounds: number;
  readonly seconds: number;
  readonly connections: number;
  readonly workloads: readonly WorkloadReport[];
  /**
   * The floor's parts: a uWS hello server (its CPU per request is the HTTP half) and the bare
   * prepared GET-by-pk statement pipelined by pgbench (PostgreSQL's CPU per statement).
   */
  readonly ceilings: { readonly httpHello: SystemResult | null; readonly bareStatement: BareStatementCost | null };
  readonly notes: readonly string[];
  /** Worker scaling and the replica split; absent in reports from before they were measured. */
  readonly scaling?: ScalingReport;
}

const f0 = (n: number | null | undefined): string => (n === null || n === undefined ? '–' : n.toFixed(0));
const f2 = (n: number | null | undefined): string => (n === null || n === undefined ? '–' : n.toFixed(2));
const ratio = (a: number | undefined, b: number | undefined): string =>
  a === undefined || b === undefined || b === 0 ? '–' : (a / b).toFixed(2) + '×';

export function markdown(r: Report): string {
  const lines = [
    `Benchmark ${r.date} (${r.quick ? 'quick' : 'full'}: ${r.rounds} round(s) × ${r.seconds}s, ${r.connections} connections, median of rounds)`,
    '',
    '| workload | gateway req/s | p50 ms | p99 ms | CPU µs/req | PG CPU µs/req | RSS MiB | Fastify+pg req/s | gateway/Fastify | Fastify PG CPU µs/req | PostGraphile req/s | gateway/PostGraphile |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const w of r.workloads) {
    if (w.skipped !== null) {
      lines.push(`| ${w.workload} | skipped: ${w.skipped} | | | | | | ${f0(w.fastify?.rps)} | | ${f0(w.fastify?.pgCpuMicrosPerRequest)} | ${f0(w.postgraphile?.rps)} | |`);
      continue;
    }
    lines.push(
      `| ${w.workload} | ${f0(w.gateway?.rps)} | ${f2(w.gateway?.p50ms)} | ${f2(w.gateway?.p99ms)} | ${f0(w.gateway?.cpuMicrosPerRequest)} | ${f0(w.gateway?.pgCpuMicrosPerRequest)} | ${f0(w.gateway?.rssMiB)} | ${f0(w.fastify?.rps)} | ${ratio(w.gateway?.rps, w.fastify?.rps)} | ${f0(w.fastify?.pgCpuMicrosPerRequest)} | ${f0(w.postgraphile?.rps)} | ${ratio(w.gateway?.rps, w.postgraphile?.rps)} |`,
    );
  }
  const half = r.workloads.filter((w) => w.halfPeak !== null);
  if (half.length > 0) {
    lines.push('', '| workload (gateway at half of peak) | rate req/s | p50 ms | p99 ms |', '| --- | ---: | ---: | ---: |');
    for (const w of half) lines.push(`| ${w.workload} | ${f0(w.halfPeak?.rate)} | ${f2(w.halfPeak?.p50ms)} | ${f2(w.halfPeak?.p99ms)} |`);
  }
  lines.push('', '| planner (URL → SQL) | cold per s | plan-cached per s |', '| --- | ---: | ---: |');
  for (const p of r.planner) {
    lines.push(p.skipped !== null ? `| ${p.workload} | ${p.skipped} | |` : `| ${p.workload} | ${f0(p.coldPerSecond)} | ${f0(p.cachedPerSecond)} |`);
  }
  if (r.scaling !== undefined) lines.push('', ...scalingLines(r.scaling));
  lines.push('');
  const fl = floor(r);
  lines.push(
    fl === null
      ? 'Floor: not measured (needs pgbench and the embedded cluster).'
      : `Floor for GET by primary key: ${f0(fl.micros)} µs of CPU per request = uWS hello ${f0(fl.httpMicros)} µs + PostgreSQL running the bare prepared statement ${f0(fl.pgMicros)} µs (16 pipelined, client excluded). uWS hello serves ${f0(r.ceilings.httpHello?.rps)} req/s.`,
  );
  lines.push('', 'Targets:', ...targetLines(r).map((t) => `- ${t}`));
  for (const n of r.notes) lines.push('', `- ${n}`);
  return lines.join('\n') + '\n';
}

/** The scale-out tables: server-workers 1 vs 2, and where a replica-backed gateway's requests ran. */
export function scalingLines(sc: ScalingReport): string[] {
  const lines = ['| server-workers | workload | req/s | vs 1 worker | p99 ms | gateway CPU cores | failed |', '| ---: | --- | ---: | ---: | ---: | ---: | ---: |'];
  for (const w of sc.workers) {
    const one = sc.workers.find((x) => x.workers === 1 && x.workload === w.workload);
    lines.push(`| ${w.workers} | ${w.workload} | ${f0(w.rps)} | ${ratio(w.rps, one?.rps)} | ${f2(w.p99ms)} | ${f2(w.cores)} | ${w.failed} |`);
  }
  lines.push('');
  if ('skipped' in sc.replica) {
    lines.push(`Read replica split: skipped (${sc.replica.skipped}).`);
    return lines;
  }
  lines.push('| db-read-uris (1 streaming replica) | req/s | p99 ms | requests | on the replica | on the primary | failed |', '| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const x of sc.replica.runs) {
    const pct = (n: number): string => (x.requests === 0 ? '–' : `${n} (${((100 * n) / x.requests).toFixed(0)}%)`);
    lines.push(`| ${x.workload} | ${f0(x.rps)} | ${f2(x.p99ms)} | ${x.requests} | ${pct(x.onReplica)} | ${pct(x.onPrimary)} | ${x.failed} |`);
  }
  return lines;
}

export function svg(r: Report): string {
  const rows = r.workloads.filter((w) => w.gateway !== null || w.fastify !== null || w.postgraphile !== null);
  const max = Math.max(1, r.ceilings.httpHello?.rps ?? 0, ...rows.flatMap((w) => [w.gateway?.rps ?? 0, w.fastify?.rps ?? 0, w.postgraphile?.rps ?? 0]));
  const barH = 10;
  const rowH = 40;
  const left = 190;
  const width = 760;
  const scale = (v: number): number => ((width - left - 80) * v) / max;
  const parts: string[] = [];
  rows.forEach((w, i) => {
    const y = 20 + i * rowH;
    parts.push(`<text x="4" y="${y + 14}" font-size="12">${w.workload}</text>`);
    const g = w.gateway?.rps ?? 0;
    const p = w.fastify?.rps ?? 0;
    parts.push(`<rect x="${left}" y="${y}" width="${scale(g).toFixed(1)}" height="${barH}" fill="#2b7bb9"/><text x="${left + scale(g) + 4}" y="${y + 10}" font-size="10">${g.toFixed(0)}</text>`);
    parts.push(`<rect x="${left}" y="${y + barH + 2}" width="${scale(p).toFixed(1)}" height="${barH}" fill="#e08a2c"/><text x="${left + scale(p) + 4}" y="${y + barH + 10}" font-size="10">${p.toFixed(0)}</text>`);
    const q = w.postgraphile?.rps ?? 0;
    parts.push(`<rect x="${left}" y="${y + 2 * barH + 4}" width="${scale(q).toFixed(1)}" height="${barH}" fill="#6a9f3a"/><text x="${left + scale(q) + 4}" y="${y + 2 * barH + 12}" font-size="10">${q.toFixed(0)}</text>`);
  });
  const hello = r.ceilings.httpHello?.rps;
  const height = 40 + rows.length * rowH;
  if (hello !== undefined) {
    parts.push(`<line x1="${left + scale(hello)}" y1="10" x2="${left + scale(hello)}" y2="${height - 20}" stroke="#999" stroke-dasharray="4"/><text x="${left + scale(hello) - 60}" y="${height - 6}" font-size="10">uWS hello ${hello.toFixed(0)}</text>`);
  }
  parts.push(`<text x="4" y="${height - 6}" font-size="10"><tspan fill="#2b7bb9">■ gateway</tspan> <tspan fill="#e08a2c">■ Fastify + pg</tspan> <tspan fill="#6a9f3a">■ PostGraphile</tspan> (req/s)</text>`);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif">${parts.join('')}</svg>\n`;
}

/** CPU µs per request no server can go below on this machine: HTTP hello plus the bare statement. */
export function floor(r: Pick<Report, 'ceilings'>): { micros: number; httpMicros: number; pgMicros: number } | null {
  const http = r.ceilings.httpHello?.cpuMicrosPerRequest ?? null;
  const pg = r.ceilings.bareStatement?.pgCpuMicrosPerStatement ?? null;
  return http === null || pg === null ? null : { micros: http + pg, httpMicros: http, pgMicros: pg };
}

/** Gateway CPU µs per request each workload must stay under (issue 18); writes share one bound. */
const CPU_TARGETS: Readonly<Record<string, number>> = {
  'error-404': 5,
  'get-by-pk': 20,
  'get-25-filtered-ordered': 30,
  'post-one': 35,
  'post-100-columns': 35,
  'patch-by-pk': 35,
};

const PLANNER_TARGET_PER_SECOND = 250_000;
const FLOOR_MULTIPLE_TARGET = 1.5;

/** The targets, each marked met or missed with the measured figures. */
export function targetLines(r: Report): string[] {
  const out: string[] = [];
  const mark = (ok: boolean | null): string => (ok === null ? 'not measured' : ok ? 'met' : 'MISSED');
  const list = (xs: readonly string[], word: string): string => (xs.length === 0 ? '' : ` (${word}: ${xs.join(', ')})`);
  const pk = r.workloads.find((w) => w.workload === 'get-by-pk');
  const g = pk?.gateway ?? null;

  // Every workload against the Fastify + pg peer: throughput, and what PostgreSQL spends per request.
  const paired = r.workloads.filter((w) => w.gateway !== null && w.fastify !== null);
  const slow = paired.filter((w) => w.gateway!.rps < 1.5 * w.fastify!.rps).map((w) => `${w.workload} ${ratio(w.gateway?.rps, w.fastify?.rps)}`);
  out.push(`every workload ≥ 1.5× the Fastify + pg peer: ${mark(paired.length === 0 ? null : slow.length === 0)}${list(slow, 'below')}`);

  const cpuMeasured = Object.entries(CPU_TARGETS).flatMap(([name, bound]) => {
    const cpu = r.workloads.find((w) => w.workload === name)?.gateway?.cpuMicrosPerRequest ?? null;
    return cpu === null ? [] : [{ name, bound, cpu }];
  });
  const cpuOver = cpuMeasured.filter((c) => c.cpu > c.bound).map((c) => `${c.name} ${f0(c.cpu)} > ${c.bound} µs`);
  out.push(`gateway CPU per request (error-404 ≤ 5, get-by-pk ≤ 20, get-25 ≤ 30, writes ≤ 35 µs): ${mark(cpuMeasured.length === 0 ? null : cpuOver.length === 0)}${list(cpuOver, 'over')}`);

  const pgPaired = paired.filter((w) => w.gateway!.pgCpuMicrosPerRequest !== null && w.fastify!.pgCpuMicrosPerRequest !== null);
  const pgOver = pgPaired.filter((w) => w.gateway!.pgCpuMicrosPerRequest! > w.fastify!.pgCpuMicrosPerRequest!).map((w) => `${w.workload} ${f0(w.gateway!.pgCpuMicrosPerRequest)} vs ${f0(w.fastify!.pgCpuMicrosPerRequest)} µs`);
  out.push(`PostgreSQL CPU per request ≤ the Fastify peer's on every workload: ${mark(pgPaired.length === 0 ? null : pgOver.length === 0)}${list(pgOver, 'over')}`);

  const planned = r.planner.filter((p) => p.skipped === null && p.cachedPerSecond !== null);
  const plannerSlow = planned.filter((p) => p.cachedPerSecond! < PLANNER_TARGET_PER_SECOND).map((p) => `${p.workload} ${f0(p.cachedPerSecond)}/s`);
  out.push(`planner ≥ 250k URL → SQL per second once the shape is known: ${mark(planned.length === 0 ? null : plannerSlow.length === 0)}${list(plannerSlow, 'below')}`);

  const fl = floor(r);
  const total = g === null || g.cpuMicrosPerRequest === null || g.pgCpuMicrosPerRequest === null ? null : g.cpuMicrosPerRequest + g.pgCpuMicrosPerRequest;
  const multiple = fl === null || total === null ? null : total / fl.micros;
  out.push(
    `GET by pk total CPU (gateway + PostgreSQL) ≤ 1.5× the floor: ${mark(multiple === null ? null : multiple <= FLOOR_MULTIPLE_TARGET)}` +
      (multiple === null ? '' : ` (${f0(total)} µs = ${multiple.toFixed(2)}× the floor's ${f0(fl!.micros)} µs)`),
  );

  const half = pk?.halfPeak ?? null;
  out.push(`GET by pk p99 ≤ 2 ms at half of peak: ${mark(half === null ? null : half.p99ms <= 2)} (${f2(half?.p99ms)} ms)`);
  const rss = Math.max(0, ...r.workloads.map((w) => w.gateway?.rssMiB ?? 0));
  out.push(`RSS ≤ 100 MB under load: ${mark(rss === 0 ? null : rss <= 100)} (${f0(rss)} MiB)`);
  return out;
}
