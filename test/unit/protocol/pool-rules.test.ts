// Unit tests for the pure rules under the pool and connection: the reconnect backoff
// schedule, Retry-After rounding, which server errors trigger a re-prepare, and the
// statement-cache key and LRU with eviction.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { backoffDelayMs, retryAfterSeconds } from '../../../protocol/pool.js';
import { isStalePlan, PgError } from '../../../protocol/errors.js';
import { StatementCache, statementKey } from '../../../protocol/statement-cache.js';

describe('reconnect backoff', () => {
  test('1 s doubling to 32 s, then capped', () => {
    assert.deepEqual([1, 2, 3, 4, 5, 6, 7, 8, 100].map(backoffDelayMs), [1000, 2000, 4000, 8000, 16000, 32000, 32000, 32000, 32000]);
  });
  test('Retry-After rounds up and is never 0', () => {
    assert.equal(retryAfterSeconds(10_000, 8_500), 2);
    assert.equal(retryAfterSeconds(10_000, 10_000), 1);
    assert.equal(retryAfterSeconds(10_000, 12_000), 1);
    assert.equal(retryAfterSeconds(42_000, 10_000), 32);
  });
});

describe('stale-plan errors', () => {
  const err = (code: string, message: string): PgError => new PgError({ code, message });
  test('0A000 cached plan and 26000 are retried; other 0A000 are not', () => {
    assert.equal(isStalePlan(err('0A000', 'cached plan must not change result type')), true);
    assert.equal(isStalePlan(err('26000', 'prepared statement "p1" does not exist')), true);
    assert.equal(isStalePlan(err('0A000', 'cannot use window functions here')), false);
    assert.equal(isStalePlan(err('42P01', 'relation does not exist')), false);
  });
});

describe('statement cache', () => {
  test('key includes parameter types', () => {
    assert.equal(statementKey('select $1', undefined), 'select $1');
    assert.equal(statementKey('select $1', []), 'select $1');
    assert.equal(statementKey('select $1', [23, 25]), '23,25\0select $1');
    assert.notEqual(statementKey('select $1', [23]), statementKey('select $1', [25]));
  });

  test('entries are used only once ready; LRU evicts the least recently used ready name', () => {
    const cache = new StatementCache(2);
    const a = cache.reserve('a');
    assert.deepEqual(a.evicted, []);
    assert.equal(cache.lookup('a')?.ready, false);
    a.entry.ready = true;
    const b = cache.reserve('b');
    b.entry.ready = true;
    // Touch a: b becomes the least recently used.
    assert.equal(cache.lookup('a'), a.entry);
    const c = cache.reserve('c');
    assert.deepEqual(c.evicted, [b.entry.name]);
    assert.equal(cache.lookup('b'), undefined);
    assert.equal(cache.size, 2);
  });

  test('an unconfirmed entry is evicted silently and forget only removes the same entry', () => {
    const cache = new StatementCache(1);
    const a = cache.reserve('a');
    const b = cache.reserve('b');
    assert.deepEqual(b.evicted, []);
    assert.equal(cache.has('a', a.entry), false);
    cache.forget('b', a.entry);
    assert.equal(cache.has('b', b.entry), true);
    cache.forget('b', b.entry);
    assert.equal(cache.size, 0);
  });

  test('names are unique per cache and clear() empties it, returning the names to Close', () => {
    const cache = new StatementCache(10);
    const entries = ['x', 'y', 'z'].map((k) => cache.reserve(k).entry);
    assert.equal(new Set(entries.map((e) => e.name)).size, 3);
    entries[0]!.ready = true;
    entries[2]!.ready = true;
    assert.deepEqual(cache.clear(), [entries[0]!.name, entries[2]!.name]);
    assert.equal(cache.size, 0);
  });
});
