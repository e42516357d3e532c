// Unit tests for protocol/statement-cache.ts: reserve/lookup/ready semantics, LRU eviction
// (only confirmed statements are reported for Close), forget() and clear().

import { test, describe } from 'node:test';
import assert from 'node:assert/strict';

import { StatementCache } from '../../../protocol/statement-cache.js';

describe('StatementCache', () => {
  test('reserve gives a fresh, not-ready name; lookup finds it', () => {
    const c = new StatementCache(4);
    assert.equal(c.lookup('select 1'), undefined);
    const { entry, evicted } = c.reserve('select 1');
    assert.equal(entry.ready, false);
    assert.match(entry.name, /^p[0-9a-z]+$/);
    assert.deepEqual(evicted, []);
    assert.equal(c.size, 1);
    // A reserved-but-unconfirmed entry is visible so callers can fall back to the unnamed statement.
    assert.equal(c.lookup('select 1'), entry);
    assert.equal(c.lookup('select 1')?.ready, false);
  });

  test('every reservation gets a distinct name, even for the same key', () => {
    const c = new StatementCache(10);
    const names = new Set<string>();
    for (let i = 0; i < 50; i++) names.add(c.reserve(`q${i % 3}`).entry.name);
    assert.equal(names.size, 50);
    assert.equal(c.size, 3);
  });

  test('has() is true only for the entry currently mapped to the key', () => {
    const c = new StatementCache(4);
    const a = c.reserve('k').entry;
    assert.equal(c.has('k', a), true);
    const b = c.reserve('k').entry;
    assert.equal(c.has('k', a), false);
    assert.equal(c.has('k', b), true);
    assert.equal(c.has('other', b), false);
  });

  test('evicts least recently used first and returns only ready names', () => {
    const c = new StatementCache(2);
    const a = c.reserve('a').entry;
    const b = c.reserve('b').entry;
    a.ready = true;
    b.ready = true;
    const r1 = c.reserve('c');
    assert.deepEqual(r1.evicted, [a.name]);
    assert.equal(c.lookup('a'), undefined);
    assert.equal(c.lookup('b'), b);
    assert.equal(c.size, 2);
  });

  test('a statement in use survives a stream of new ones in a bigger cache (refreshed every few operations)', () => {
    const c = new StatementCache(8);
    const hot = c.reserve('hot').entry;
    hot.ready = true;
    const evicted: string[] = [];
    for (let i = 0; i < 100; i++) {
      const r = c.reserve(`q${i}`);
      r.entry.ready = true;
      evicted.push(...r.evicted);
      assert.equal(c.lookup('hot'), hot);
    }
    assert.equal(evicted.includes(hot.name), false);
    assert.equal(evicted.length, 100 - 7);
    assert.equal(c.size, 8);
  });

  test('lookup of a ready entry refreshes it, so the other one is evicted', () => {
    const c = new StatementCache(2);
    const a = c.reserve('a').entry;
    const b = c.reserve('b').entry;
    a.ready = true;
    b.ready = true;
    assert.equal(c.lookup('a'), a);
    const { evicted } = c.reserve('c');
    assert.deepEqual(evicted, [b.name]);
    assert.equal(c.lookup('a'), a);
    assert.equal(c.lookup('b'), undefined);
  });

  test('lookup of a not-ready entry does not refresh it', () => {
    const c = new StatementCache(2);
    const a = c.reserve('a').entry;
    const b = c.reserve('b').entry;
    b.ready = true;
    c.lookup('a');
    const { evicted } = c.reserve('c');
    assert.deepEqual(evicted, [], 'a was oldest and not ready: dropped silently');
    assert.equal(c.has('a', a), false);
    assert.equal(c.has('b', b), true);
  });

  test('not-ready entries are dropped silently; several can be evicted at once in LRU order', () => {
    const c = new StatementCache(3);
    const entries = ['a', 'b', 'c'].map((k) => c.reserve(k).entry);
    entries[0]!.ready = true;
    entries[2]!.ready = true;
    assert.deepEqual(c.reserve('d').evicted, [entries[0]!.name]);
    assert.deepEqual(c.reserve('e').evicted, [], 'b was never confirmed');
    assert.deepEqual(c.reserve('f').evicted, [entries[2]!.name]);
    assert.equal(c.size, 3);
  });

  test('a cache of size 1 evicts the previous entry on every reserve', () => {
    const c = new StatementCache(1);
    const a = c.reserve('a').entry;
    a.ready = true;
    const b = c.reserve('b');
    assert.deepEqual(b.evicted, [a.name]);
    assert.equal(c.size, 1);
    assert.equal(c.lookup('b'), b.entry);
  });

  test('forget removes only the matching entry', () => {
    const c = new StatementCache(4);
    const old = c.reserve('k').entry;
    const current = c.reserve('k').entry;
    c.forget('k', old);
    assert.equal(c.lookup('k'), current, 'a stale entry does not remove the newer one');
    c.forget('other', current);
    assert.equal(c.lookup('k'), current, 'another key does not match');
    c.forget('k', current);
    assert.equal(c.lookup('k'), undefined);
    assert.equal(c.size, 0);
  });

  test('clear forgets everything but keeps names unique', () => {
    const c = new StatementCache(4);
    const a = c.reserve('a').entry;
    c.reserve('b');
    c.clear();
    assert.equal(c.size, 0);
    assert.equal(c.lookup('a'), undefined);
    assert.equal(c.lookup('b'), undefined);
    const again = c.reserve('a').entry;
    assert.notEqual(again.name, a.name, 'a name reused after clear could collide with a statement still open on the server');
  });
});
