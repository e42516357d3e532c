// Unit tests for gateway/workers.ts: how many threads, the db-pool split, the CPU count under a
// cgroup quota.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import { loadConfig } from '../../../gateway/config.js';
import { availableCpus, poolShares, workerCount } from '../../../gateway/workers.js';

test('db-pool is split as evenly as whole connections allow, never changing the total', () => {
  assert.deepEqual(poolShares(10, 2), [5, 5]);
  assert.deepEqual(poolShares(10, 3), [4, 3, 3]);
  assert.deepEqual(poolShares(4, 4), [1, 1, 1, 1]);
  for (const [total, n] of [[7, 2], [64, 5], [3, 3]] as const) assert.equal(poolShares(total, n).reduce((a, b) => a + b, 0), total);
});

test('server-workers: auto is one per CPU; capped by db-pool; 1 on a unix socket', () => {
  const config = (env: Record<string, string>) => loadConfig({ env });
  assert.equal(workerCount(config({}), 4), 4);
  assert.equal(workerCount(config({ PGRST_SERVER_WORKERS: '1' }), 4), 1);
  assert.equal(workerCount(config({ PGRST_SERVER_WORKERS: '3' }), 8), 3);
  // Every thread needs a connection of its own.
  assert.equal(workerCount(config({ PGRST_SERVER_WORKERS: '8', PGRST_DB_POOL: '2' }), 8), 2);
  assert.equal(workerCount(config({ PGRST_SERVER_WORKERS: '4', PGRST_SERVER_UNIX_SOCKET: '/tmp/x.sock' }), 8), 1);
});

test('a cgroup CPU quota caps the CPU count; none or "max" leaves the affinity', () => {
  const affinity = availableParallelism();
  assert.equal(availableCpus(null), affinity);
  assert.equal(availableCpus('max 100000\n'), affinity);
  assert.equal(availableCpus('100000 100000\n'), 1);
  assert.equal(availableCpus('50000 100000'), 1);
  assert.equal(availableCpus('150000 100000'), Math.min(2, affinity));
});
