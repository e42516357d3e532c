// bench/history.ts: a full run becomes one JSON line of rounded per-system figures; quick runs
// are not history.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { appendHistory, historyEntry } from '../../../bench/history.js';
import type { Report } from '../../../bench/report.js';

const sys = (rps: number, cpu: number | null) => ({ rps, p50ms: 1, p99ms: 2.345, cpuMicrosPerRequest: cpu, pgCpuMicrosPerRequest: cpu === null ? null : cpu * 2, rssMiB: 80 });

const report = (quick: boolean): Report => ({
  planner: [],
  date: '2026-12-03T18:00:00.000Z',
  quick,
  rounds: 3,
  seconds: 5,
  connections: 32,
  workloads: [{ workload: 'get-by-pk', gateway: sys(9876.6, 64.7), fastify: sys(5000.2, null), postgraphile: null, skipped: null, halfPeak: null }],
  ceilings: { httpHello: null, bareStatement: null },
  notes: [],
});

test('historyEntry rounds each system and leaves out the ones not measured', () => {
  assert.deepEqual(JSON.parse(historyEntry(report(false), 'abc123')), {
    date: '2026-12-03T18:00:00.000Z',
    commit: 'abc123',
    workloads: { 'get-by-pk': { gateway: { rps: 9877, p99ms: 2.35, cpuUs: 65, pgCpuUs: 129 }, fastify: { rps: 5000, p99ms: 2.35, cpuUs: null, pgCpuUs: null } } },
  });
});

test('appendHistory appends full runs only, one line each', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bench-history-'));
  try {
    const file = join(dir, 'history.jsonl');
    appendHistory(file, report(true), null);
    assert.equal(existsSync(file), false);
    appendHistory(file, report(false), 'a');
    appendHistory(file, report(false), 'b');
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    assert.deepEqual(lines.map((l) => (JSON.parse(l) as { commit: string }).commit), ['a', 'b']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
