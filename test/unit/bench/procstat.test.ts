// bench/procstat.ts: a server's CPU includes its children's, the running ones and the reaped ones,
// which is how the bench sums PostgreSQL's backends under the postmaster.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpuMicros, treeCpuMicros } from '../../../bench/procstat.js';

test('treeCpuMicros counts a child that ran and exited; cpuMicros does not', () => {
  const own0 = cpuMicros(process.pid);
  const tree0 = treeCpuMicros(process.pid);
  assert.ok(tree0 >= own0);
  // A child that spins for 400 ms of its own CPU, then is reaped by execFileSync.
  execFileSync(process.execPath, ['-e', 'const t = process.cpuUsage(); while (process.cpuUsage(t).user < 400000);']);
  const childShare = treeCpuMicros(process.pid) - tree0 - (cpuMicros(process.pid) - own0);
  assert.ok(childShare >= 300_000, `the child's CPU is counted (${childShare} µs)`);
});

test('an unknown pid counts nothing', () => {
  assert.equal(treeCpuMicros(2 ** 22 + 12345), 0);
});
