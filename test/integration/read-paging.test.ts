// Read API, paging: limit/offset, Range/Range-Unit headers (also open-ended), Content-Range
// on every read, Prefer: count=…, 206 for a partial range, 416 PGRST103, db-max-rows, HEAD.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request, sqlQuery, suiteGateway } from '../helpers/gateway.js';

describe('read: paging', () => {
  const gateway = suiteGateway();
  const capped = suiteGateway({ PGRST_DB_MAX_ROWS: '2' });

  async function page(path: string, headers: Record<string, string> = {}, g = gateway()) {
    const r = await request(g, 'GET', path, { headers });
    const ids = r.status < 300 ? (r.json() as { id: number }[]).map((x) => x.id) : [];
    return { status: r.status, range: r.headers.get('content-range'), ids, r };
  }

  test('Content-Range on every read, without a count', async () => {
    const all = await page('/films?select=id&order=id');
    assert.deepEqual([all.status, all.range, all.ids], [200, '0-4/*', [1, 2, 3, 4, 5]]);
    const p = await page('/films?select=id&order=id&limit=2&offset=1');
    assert.deepEqual([p.status, p.range, p.ids], [200, '1-2/*', [2, 3]]);
    const none = await page('/films?select=id&id=eq.999');
    assert.deepEqual([none.status, none.range, none.ids], [200, '*/*', []]);
  });

  test('limit=0 answers [] with */*', async () => {
    const p = await page('/films?limit=0');
    assert.deepEqual([p.status, p.range, p.r.text], [200, '*/*', '[]']);
  });

  test('Prefer: count=exact gives the total, 206 for a partial page, */0 when empty', async () => {
    const all = await page('/films?select=id', { prefer: 'count=exact' });
    assert.deepEqual([all.status, all.range], [200, '0-4/5']);
    assert.equal(all.r.headers.get('preference-applied'), 'count=exact');
    const part = await page('/films?select=id&order=id&limit=2', { prefer: 'count=exact' });
    assert.deepEqual([part.status, part.range, part.ids], [206, '0-1/5', [1, 2]]);
    const filtered = await page('/films?select=id&year=gt.1954', { prefer: 'count=exact' });
    assert.deepEqual([filtered.status, filtered.range], [200, '0-1/2']);
    const empty = await page('/films?select=id&id=eq.999', { prefer: 'count=exact' });
    assert.deepEqual([empty.status, empty.range], [200, '*/0']);
    const zero = await page('/films?limit=0', { prefer: 'count=exact' });
    assert.deepEqual([zero.status, zero.range], [206, '*/5']);
  });

  test('count=planned and count=estimated give a number', async () => {
    for (const count of ['planned', 'estimated']) {
      const p = await page('/films?select=id', { prefer: `count=${count}` });
      assert.equal(p.status < 300, true, count);
      assert.match(p.range ?? '', /^0-4\/\d+$/, count);
      assert.equal(p.r.headers.get('preference-applied'), `count=${count}`);
    }
  });

  test('planned is the planner estimate; estimated is exact up to db-max-rows, the larger of both beyond (and without a cap)', async () => {
    const rows = await sqlQuery<{ 'QUERY PLAN': [{ Plan: { 'Plan Rows': number } }] }>(
      'EXPLAIN (FORMAT JSON) SELECT 1 FROM api.films WHERE year > 1900',
    );
    const estimate = rows[0]!['QUERY PLAN'][0].Plan['Plan Rows'];
    const planned = await page('/films?select=id&year=gt.1900', { prefer: 'count=planned' });
    assert.equal(planned.range, `0-3/${estimate}`);
    // Without db-max-rows PostgREST always takes the larger of the exact count and the estimate.
    const open = await page('/films?select=id&year=gt.1900', { prefer: 'count=estimated' });
    assert.equal(open.range, `0-3/${Math.max(4, estimate)}`);
    const beyond = await page('/films?select=id&order=id&year=gt.1900', { prefer: 'count=estimated' }, capped());
    assert.equal(beyond.range, `0-1/${estimate}`);
    const within = await page('/films?select=id&order=id&year=gt.1955', { prefer: 'count=estimated' }, capped());
    assert.deepEqual([within.status, within.range], [200, '0-1/2']);
  });

  test('Range header, closed and open-ended, with or without Range-Unit', async () => {
    const closed = await page('/films?select=id&order=id', { range: '1-2', 'range-unit': 'items' });
    assert.deepEqual([closed.status, closed.range, closed.ids], [200, '1-2/*', [2, 3]]);
    const open = await page('/films?select=id&order=id', { range: '3-' });
    assert.deepEqual([open.range, open.ids], ['3-4/*', [4, 5]]);
    const counted = await page('/films?select=id&order=id', { range: '0-1', prefer: 'count=exact' });
    assert.deepEqual([counted.status, counted.range], [206, '0-1/5']);
    // Intersected with limit/offset.
    const both = await page('/films?select=id&order=id&limit=2', { range: '1-4' });
    assert.deepEqual([both.range, both.ids], ['1-1/*', [2]]);
    const disjoint = await page('/films?select=id&order=id&limit=1', { range: '2-4' });
    assert.equal(disjoint.status, 416);
    assert.equal((disjoint.r.json() as { details: string }).details, 'Limit should be greater than or equal to zero.');
    const limitZero = await page('/films?limit=0', { range: '2-4' });
    assert.deepEqual([limitZero.status, limitZero.r.text], [200, '[]']);
    // Not a range PostgREST understands: ignored.
    const junk = await page('/films?select=id', { range: 'bytes=x' });
    assert.deepEqual([junk.status, junk.range], [200, '0-4/*']);
  });

  test('416 PGRST103 for an unsatisfiable range', async () => {
    const past = await page('/films?offset=10', { prefer: 'count=exact' });
    assert.equal(past.status, 416);
    assert.deepEqual(past.r.json(), {
      code: 'PGRST103',
      message: 'Requested range not satisfiable',
      details: 'An offset of 10 was requested, but there are only 5 rows.',
      hint: null,
    });
    const inverted = await page('/films', { range: '5-2' });
    assert.equal(inverted.status, 416);
    assert.deepEqual(inverted.r.json(), {
      code: 'PGRST103',
      message: 'Requested range not satisfiable',
      details: 'The lower boundary must be lower than or equal to the upper boundary in the Range header.',
      hint: null,
    });
    // Without a count there is nothing to compare with: an empty 200.
    const uncounted = await page('/films?offset=10');
    assert.deepEqual([uncounted.status, uncounted.range, uncounted.r.text], [200, '*/*', '[]']);
  });

  test('db-max-rows caps every read', async () => {
    const p = await page('/films?select=id&order=id', {}, capped());
    assert.deepEqual([p.range, p.ids], ['0-1/*', [1, 2]]);
    const asked = await page('/films?select=id&order=id&limit=4', {}, capped());
    assert.deepEqual(asked.ids, [1, 2]);
    const counted = await page('/films?select=id&order=id', { prefer: 'count=exact' }, capped());
    assert.deepEqual([counted.status, counted.range], [206, '0-1/5']);
  });

  test('HEAD: the same headers as GET and no body', async () => {
    const head = await request(gateway(), 'HEAD', '/films?select=id&limit=2', { headers: { prefer: 'count=exact' } });
    assert.equal(head.status, 206);
    assert.equal(head.headers.get('content-range'), '0-1/5');
    assert.match(head.headers.get('content-type') ?? '', /^application\/json/);
    assert.equal(head.text, '');
  });
});
