// bench/results/history.jsonl: one line per full `make bench` run (date, commit, each workload's
// req/s, p99 and CPU per request for every system), so the trend is visible in one file instead
// of a folder of timestamped reports. The latest report itself stays in latest.json / .md / .svg.

import { appendFileSync } from 'node:fs';
import type { Report, SystemResult } from './report.js';

type Figures = { readonly rps: number; readonly p99ms: number; readonly cpuUs: number | null; readonly pgCpuUs: number | null };

const SYSTEMS = ['gateway', 'fastify', 'postgraphile'] as const;

/** One history line for a report: the per-system figures of each workload, rounded. */
export function historyEntry(report: Pick<Report, 'date' | 'workloads'>, commit: string | null): string {
  const workloads: Record<string, Record<string, Figures>> = {};
  const figures = (v: SystemResult): Figures => ({
    rps: Math.round(v.rps),
    p99ms: Math.round(v.p99ms * 100) / 100,
    cpuUs: v.cpuMicrosPerRequest === null ? null : Math.round(v.cpuMicrosPerRequest),
    // Reports from before PostgreSQL's CPU was measured have no such field.
    pgCpuUs: v.pgCpuMicrosPerRequest == null ? null : Math.round(v.pgCpuMicrosPerRequest),
  });
  for (const w of report.workloads) {
    const systems: Record<string, Figures> = {};
    for (const name of SYSTEMS) {
      const v = w[name];
      if (v !== null) systems[name] = figures(v);
    }
    workloads[w.workload] = systems;
  }
  return JSON.stringify({ date: report.date, commit, workloads });
}

/** Appends a full run's entry; quick runs are not history (fewer rounds, shorter windows). */
export function appendHistory(file: string, report: Report, commit: string | null): void {
  if (report.quick) return;
  appendFileSync(file, historyEntry(report, commit) + '\n');
}
