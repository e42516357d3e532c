// The scale-out tables of the bench report: server-workers rows against the 1-worker figure of
// the same workload, and where a replica-backed gateway's requests ran (or why it was skipped).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { scalingLines } from '../../../bench/report.js';

test('worker rows are compared with one worker on the same workload', () => {
  const lines = scalingLines({
    workers: [
      { workers: 1, workload: 'error-404', rps: 40000, p99ms: 1.5, cores: 0.9, failed: 0 },
      { workers: 2, workload: 'error-404', rps: 60000, p99ms: 2.25, cores: 1.4, failed: 0 },
    ],
    replica: { skipped: 'no replica here' },
  });
  assert.ok(lines.includes('| 1 | error-404 | 40000 | 1.00× | 1.50 | 0.90 | 0 |'), lines.join('\n'));
  assert.ok(lines.includes('| 2 | error-404 | 60000 | 1.50× | 2.25 | 1.40 | 0 |'), lines.join('\n'));
  assert.equal(lines.at(-1), 'Read replica split: skipped (no replica here).');
});

test('the replica split shows counts and shares of the requests', () => {
  const lines = scalingLines({
    workers: [],
    replica: { runs: [{ workload: 'get-by-pk', rps: 5000, p99ms: 3, requests: 200, onReplica: 150, onPrimary: 50, failed: 0 }] },
  });
  assert.ok(lines.includes('| get-by-pk | 5000 | 3.00 | 200 | 150 (75%) | 50 (25%) | 0 |'), lines.join('\n'));
});
