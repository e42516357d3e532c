// Aggregate functions in select over HTTP against test/fixtures/95_aggregates.sql, with
// db-aggregates-enabled on: count()/sum()/avg()/min()/max(), automatic GROUP BY, aliases and
// casts, embeds as grouping columns, aggregates inside embeds, hoisting out of to-one spreads,
// to-many spreads, filters and RPC results; and PGRST123 while the option is off (the default).

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request, suiteGateway, type Reply } from '../helpers/gateway.js';

type Row = Record<string, unknown>;

const byKey = (key: string) => (a: Row, b: Row): number => String(a[key]).localeCompare(String(b[key]));

describe('read: aggregate functions (db-aggregates-enabled = true)', () => {
  const gateway = suiteGateway({ PGRST_DB_AGGREGATES_ENABLED: 'true' });

  const json = async (path: string): Promise<Row[]> => {
    const r = await request(gateway(), 'GET', path);
    assert.equal(r.status, 200, `${path}: ${r.text}`);
    return r.json() as Row[];
  };

  test('each function over the whole table, named after the function', async () => {
    assert.deepEqual(await json('/agg_orders?select=amount.sum(),amount.min(),amount.max(),amount.avg()'), [
      { sum: 185.75, min: 5.25, max: 100, avg: 37.15 },
    ]);
    assert.deepEqual(await json('/agg_orders?select=count()'), [{ count: 5 }]);
    // col.count() counts the non-null values.
    assert.deepEqual(await json('/agg_orders?select=details.count()'), [{ count: 4 }]);
  });

  test('GROUP BY the other selected columns, aliases on both', async () => {
    assert.deepEqual(await json('/agg_orders?select=day:order_date,total:amount.sum(),n:count()&order=order_date'), [
      { day: '2024-01-01', total: 15.75, n: 2 },
      { day: '2024-01-02', total: 170, n: 3 },
    ]);
  });

  test('output and input casts', async () => {
    assert.deepEqual(await json('/agg_orders?select=amount.avg()::int,c:count()::text'), [{ avg: 37, c: '5' }]);
    assert.deepEqual(await json('/agg_orders?select=tax:details->>tax::numeric.sum()::text'), [{ tax: '14.0' }]);
  });

  test('filters apply before aggregating', async () => {
    assert.deepEqual(await json('/agg_orders?select=amount.sum()&customer_id=eq.1'), [{ sum: 30.5 }]);
    assert.deepEqual(await json('/agg_orders?select=amount.sum()&customer_id=eq.4'), [{ sum: null }]);
  });

  test('an embedded resource is a grouping column', async () => {
    const rows = await json('/agg_orders?select=amount.sum(),agg_customers(name)');
    assert.deepEqual(rows.sort((a, b) => byKey('name')(a['agg_customers'] as Row, b['agg_customers'] as Row)), [
      { sum: 30.5, agg_customers: { name: 'Ann' } },
      { sum: 5.25, agg_customers: { name: 'Bob' } },
      { sum: 150, agg_customers: { name: 'Cid' } },
    ]);
  });

  test('aggregates inside an embed aggregate the related rows of each parent', async () => {
    assert.deepEqual(await json('/agg_customers?select=name,agg_orders(amount.sum(),count())&order=id'), [
      { name: 'Ann', agg_orders: [{ sum: 30.5, count: 2 }] },
      { name: 'Bob', agg_orders: [{ sum: 5.25, count: 1 }] },
      { name: 'Cid', agg_orders: [{ sum: 150, count: 2 }] },
      { name: 'Dee', agg_orders: [{ sum: null, count: 0 }] },
    ]);
    assert.deepEqual(await json('/agg_customers?select=name,agg_orders(order_date,amount.sum())&id=eq.1&agg_orders.order=order_date'), [
      { name: 'Ann', agg_orders: [{ order_date: '2024-01-01', sum: 10.5 }, { order_date: '2024-01-02', sum: 20 }] },
    ]);
  });

  test('to-one spread: its columns group, its aggregates are hoisted to the top level', async () => {
    assert.deepEqual(await json('/agg_orders?select=amount.sum(),...agg_customers(city)&order=agg_customers(city)'), [
      { sum: 35.75, city: 'Paris' },
      { sum: 150, city: 'Rome' },
    ]);
    assert.deepEqual(await json('/agg_orders?select=order_date,...agg_customers(buyers:name.count(),first:name.min(),count())&order=order_date'), [
      { order_date: '2024-01-01', buyers: 2, first: 'Ann', count: 2 },
      { order_date: '2024-01-02', buyers: 3, first: 'Ann', count: 3 },
    ]);
    // A spread of aggregates only: the whole table is one group.
    assert.deepEqual(await json('/agg_orders?select=...agg_customers(count(),cities:city.min())'), [{ count: 5, cities: 'Paris' }]);
  });

  test('to-many spread: aggregates over each parent\'s related rows', async () => {
    assert.deepEqual(await json('/agg_customers?select=name,...agg_orders(total:amount.sum(),n:count())&order=id'), [
      { name: 'Ann', total: 30.5, n: 2 },
      { name: 'Bob', total: 5.25, n: 1 },
      { name: 'Cid', total: 150, n: 2 },
      { name: 'Dee', total: null, n: 0 },
    ]);
  });

  test('aggregates over a set-returning function', async () => {
    assert.deepEqual(await json('/rpc/agg_all_orders?select=amount.max()'), [{ max: 100 }]);
    assert.deepEqual(await json('/rpc/agg_all_orders?select=order_date,count()&order=order_date'), [
      { order_date: '2024-01-01', count: 2 },
      { order_date: '2024-01-02', count: 3 },
    ]);
  });

  test('CSV of an aggregate', async () => {
    const r = await request(gateway(), 'GET', '/agg_orders?select=order_date,count()&order=order_date', { headers: { accept: 'text/csv' } });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.text, 'order_date,count\n2024-01-01,2\n2024-01-02,3');
  });

  test('a column neither grouped nor aggregated is PostgreSQL\'s error, not a 500', async () => {
    const r = await request(gateway(), 'GET', '/agg_orders?select=amount.sum()&order=id');
    assert.equal(r.status, 400, r.text);
    assert.equal((r.json() as { code: string }).code, '42803');
  });
});

describe('read: aggregate functions disabled (the default)', () => {
  const gateway = suiteGateway();

  const refused = (r: Reply): void => {
    assert.equal(r.status, 400, r.text);
    assert.deepEqual(r.json(), { code: 'PGRST123', message: 'Use of aggregate functions is not allowed', details: null, hint: null });
  };

  test('PGRST123 at the top level, in embeds and in spreads', async () => {
    refused(await request(gateway(), 'GET', '/agg_orders?select=amount.sum()'));
    refused(await request(gateway(), 'GET', '/agg_customers?select=name,agg_orders(count())'));
    refused(await request(gateway(), 'GET', '/agg_orders?select=...agg_customers(id.count())'));
    refused(await request(gateway(), 'GET', '/rpc/agg_all_orders?select=amount.max()'));
  });

  test('plain selects are unaffected', async () => {
    const r = await request(gateway(), 'GET', '/agg_orders?select=id&order=id&limit=1');
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json(), [{ id: 1 }]);
  });
});
