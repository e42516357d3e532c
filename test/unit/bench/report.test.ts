// bench/report.ts: the CPU floor (uWS hello + the bare statement) and issue 18's targets, each
// marked met, missed (naming what missed) or not measured.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { floor, markdown, targetLines, type Report, type SystemResult } from '../../../bench/report.js';

const sys = (rps: number, cpu: number | null, pgCpu: number | null): SystemResult => ({ rps, p50ms: 1, p99ms: 3, cpuMicrosPerRequest: cpu, pgCpuMicrosPerRequest: pgCpu, rssMiB: 80 });

const report = (over: Partial<Report>): Report => ({
  planner: [{ workload: 'get-by-pk', coldPerSecond: 100_000, cachedPerSecond: 300_000, skipped: null }],
  date: '2026-12-04T00:00:00.000Z',
  quick: true,
  rounds: 1,
  seconds: 3,
  connections: 32,
  workloads: [
    { workload: 'get-by-pk', gateway: sys(9000, 18, 40), fastify: sys(5000, 30, 45), postgraphile: null, skipped: null, halfPeak: { rate: 4500, p50ms: 1, p99ms: 1.5 } },
    { workload: 'error-404', gateway: sys(30000, 4, 0), fastify: sys(18000, 10, 0), postgraphile: null, skipped: null, halfPeak: null },
  ],
  ceilings: { httpHello: sys(60000, 10, null), bareStatement: { pgCpuMicrosPerStatement: 30, statementsPerSecond: 50000 } },
  notes: [],
  ...over,
});

test('the floor is the hello server CPU plus PostgreSQL CPU of the bare statement', () => {
  assert.deepEqual(floor(report({})), { micros: 40, httpMicros: 10, pgMicros: 30 });
  assert.equal(floor(report({ ceilings: { httpHello: sys(1, 10, null), bareStatement: null } })), null);
});

test('every target met when each figure is within its bound', () => {
  const lines = targetLines(report({}));
  assert.equal(lines.filter((l) => l.includes('MISSED') || l.includes('not measured')).length, 0, lines.join('\n'));
  assert.ok(lines.some((l) => l.includes('1.45× the floor')), lines.join('\n'));
});

test('a missed target names the workload and its figure', () => {
  const r = report({
    workloads: [
      { workload: 'get-by-pk', gateway: sys(6000, 25, 50), fastify: sys(5000, 30, 45), postgraphile: null, skipped: null, halfPeak: null },
    ],
    planner: [{ workload: 'get-by-pk', coldPerSecond: 1, cachedPerSecond: 120_000, skipped: null }],
  });
  const lines = targetLines(r);
  const line = (prefix: string): string => lines.find((l) => l.startsWith(prefix)) ?? assert.fail(`no line ${prefix}`);
  assert.match(line('every workload'), /MISSED \(below: get-by-pk 1\.20×\)/);
  assert.match(line('gateway CPU'), /MISSED \(over: get-by-pk 25 > 20 µs\)/);
  assert.match(line('PostgreSQL CPU'), /MISSED \(over: get-by-pk 50 vs 45 µs\)/);
  assert.match(line('planner'), /MISSED \(below: get-by-pk 120000\/s\)/);
  assert.match(line('GET by pk total CPU'), /MISSED \(75 µs = 1\.88× the floor's 40 µs\)/);
  assert.match(line('GET by pk p99'), /not measured/);
});

test('the Markdown report states the floor and its parts', () => {
  assert.match(markdown(report({})), /Floor for GET by primary key: 40 µs of CPU per request = uWS hello 10 µs \+ PostgreSQL running the bare prepared statement 30 µs/);
  assert.match(markdown(report({ ceilings: { httpHello: null, bareStatement: null } })), /Floor: not measured/);
});
