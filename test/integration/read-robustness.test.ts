// Client mistakes never become a 500: mutated query strings (the unit robustness corpus)
// sent to a real gateway and database all answer with a status below 500.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request, suiteGateway } from '../helpers/gateway.js';
import { mutate, rng, SEEDS } from '../helpers/mutations.js';

describe('read: robustness', () => {
  const gateway = suiteGateway();

  test('400 mutated queries: no 5xx', async () => {
    const r = rng(0xbeef);
    const statuses = new Map<number, number>();
    for (let i = 0; i < 400; i++) {
      const query = mutate(SEEDS[i % SEEDS.length]!, r);
      const path = '/films?' + query.replace(/[^\x21-\x7e]/g, (c) => encodeURIComponent(c)).replace(/#/g, '%23');
      const res = await request(gateway(), 'GET', path);
      assert.ok(res.status < 500, `${path} → ${res.status} ${res.text}`);
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
    }
    assert.ok((statuses.get(200) ?? 0) > 0 && (statuses.get(400) ?? 0) > 0, JSON.stringify([...statuses]));
  });
});
