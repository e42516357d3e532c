// Read shapes and paging as PostgREST (test/fixtures/65_reads.sql): empty nested embeds add no
// key, related orders inside an embed, a select ending in a stray `)`, Prefer: timezone=, and
// limit/offset edge values (negative offset ignored, negative limit 416, garbage ignored).

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request, suiteGateway } from '../helpers/gateway.js';

describe('read: shapes, timezone and ranges', () => {
  const gw = suiteGateway();

  const get = async (path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: unknown; headers: Headers }> => {
    const r = await request(gw(), 'GET', path, { headers });
    return { status: r.status, body: r.json(), headers: r.headers };
  };

  test('an embed whose nested embeds are all empty adds no key, but still filters with !inner', async () => {
    assert.deepEqual((await get('/rd_country?select=name,rd_capital(rd_country())&order=id')).body, [{ name: 'France' }, { name: 'Japan' }, { name: 'Nowhere' }]);
    assert.deepEqual((await get('/rd_country?select=name,rd_capital!inner(rd_country())&order=id')).body, [{ name: 'France' }, { name: 'Japan' }]);
    // A nested empty embed beside columns drops only itself.
    assert.deepEqual((await get('/rd_country?select=name,rd_capital(name,rd_country())&id=eq.1')).body, [{ name: 'France', rd_capital: [{ name: 'Paris' }] }]);
  });

  test('an embed orders by a to-one embed of its own; to-many and unknown targets are errors', async () => {
    const r = await get('/rd_clients?select=name,rd_projects(name,rd_clients(name))&id=eq.1&rd_projects.order=rd_clients(name).desc,name');
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(r.body, [{ name: 'Acme', rd_projects: [{ name: 'Anvil', rd_clients: { name: 'Acme' } }, { name: 'Rocket', rd_clients: { name: 'Acme' } }] }]);
    const toMany = await get('/rd_country?select=name,rd_capital(name,rd_country(name,rd_capital(name)))&rd_capital.rd_country.order=rd_capital(name)');
    assert.equal(toMany.status, 400);
    assert.equal((toMany.body as { code: string }).code, 'PGRST118');
    const missing = await get('/rd_clients?select=name,rd_projects(name)&rd_projects.order=rd_clients(name)');
    assert.equal(missing.status, 400);
    assert.equal((missing.body as { code: string }).code, 'PGRST108');
  });

  test('a select ending in an unmatched ) ignores the rest, as PostgREST', async () => {
    assert.deepEqual((await get('/rd_capital?select=name,rd_country(name))junk&id=eq.10')).body, [{ name: 'Paris', rd_country: { name: 'France' } }]);
  });

  test('Prefer: timezone= sets the transaction TimeZone; a bad zone is PostgreSQL 22023', async () => {
    const la = await get('/rd_events?select=t&order=id', { Prefer: 'timezone=America/Los_Angeles' });
    assert.equal(la.status, 200);
    assert.deepEqual(la.body, [{ t: '2023-10-18T05:37:59.611-07:00' }, { t: '2023-10-18T07:37:59.611-07:00' }]);
    assert.equal(la.headers.get('preference-applied'), 'timezone=America/Los_Angeles');
    // POSIX offsets count west of Greenwich positive.
    const off = await get('/rd_events?select=t&id=eq.1', { Prefer: 'handling=strict, timezone=+05:30' });
    assert.equal(off.status, 200, JSON.stringify(off.body));
    assert.deepEqual(off.body, [{ t: '2023-10-18T07:07:59.611-05:30' }]);
    assert.equal(off.headers.get('preference-applied'), 'handling=strict, timezone=+05:30');
    // Nothing leaks into the next request on the connection.
    assert.deepEqual((await get('/rd_events?select=t&id=eq.1')).body, [{ t: '2023-10-18T12:37:59.611+00:00' }]);
    const bad = await get('/rd_events', { Prefer: 'handling=lenient, timezone=Invalid/Zone' });
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.body, { code: '22023', details: null, hint: null, message: 'invalid value for parameter "TimeZone": "Invalid/Zone"' });
    const leap = await get('/rd_events', { Prefer: 'timezone=05:30:15' });
    assert.equal(leap.status, 400);
    assert.equal((leap.body as { details: string }).details, 'PostgreSQL does not support leap seconds.');
  });

  test('limit and offset edge values as PostgREST', async () => {
    const all = [{ id: 1 }, { id: 2 }, { id: 3 }, { id: 4 }];
    const neg = await get('/rd_projects?select=id&offset=-4&order=id');
    assert.deepEqual(neg.body, all);
    assert.equal(neg.headers.get('content-range'), '0-3/*');
    assert.deepEqual((await get('/rd_projects?select=id&limit=abc&offset=x&order=id')).body, all);
    const limit = await get('/rd_projects?select=id&limit=-1');
    assert.equal(limit.status, 416);
    assert.deepEqual(limit.body, { code: 'PGRST103', details: 'Limit should be greater than or equal to zero.', hint: null, message: 'Requested range not satisfiable' });
    const zero = await get('/rd_projects?select=id&limit=0&offset=-2');
    assert.equal(zero.status, 200);
    assert.deepEqual(zero.body, []);
    // An offset past the counted total is 416 and still tells the total.
    const past = await get('/rd_projects?select=id&offset=9', { Prefer: 'count=exact' });
    assert.equal(past.status, 416);
    assert.equal(past.headers.get('content-range'), '*/4');
    assert.equal((past.body as { details: string }).details, 'An offset of 9 was requested, but there are only 4 rows.');
  });

  test('in lists skip blanks after ( (an all-blank list is empty); a stray quote is a literal', async () => {
    const blank = await get('/rd_projects?select=id&id=in.(    )');
    assert.equal(blank.status, 200);
    assert.deepEqual(blank.body, []);
    assert.deepEqual((await get('/rd_projects?select=id&id=in.( 1, 3 )&order=id')).body, [{ id: 1 }, { id: 3 }]);
    assert.deepEqual((await get('/rd_projects?select=id&name=in.(")')).body, []);
  });

  test('full-text search on a domain over a domain over tsvector uses the column as it is', async () => {
    const r = await get('/rd_texts?select=id&v=fts(simple).fun');
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(r.body, [{ id: 1 }]);
    assert.deepEqual((await get('/rd_texts?select=id&v=plfts(simple).nothing%20here')).body, [{ id: 2 }]);
  });

  test('rel.is.null inside or=(…) tests the embed (after its own filters), at any level, counted too', async () => {
    const one = await get('/rd_projects?select=id,rd_clients()&rd_clients.name=eq.Globex&or=(rd_clients.not.is.null,id.eq.4)&order=id', { Prefer: 'count=exact' });
    assert.equal(one.status, 200, JSON.stringify(one.body));
    assert.deepEqual(one.body, [{ id: 3 }, { id: 4 }]);
    assert.equal(one.headers.get('content-range'), '0-1/2');
    assert.deepEqual((await get('/rd_country?select=name,rd_capital()&rd_capital.name=eq.Paris&or=(rd_capital.not.is.null,name.eq.Nowhere)&order=id')).body, [
      { name: 'France' },
      { name: 'Nowhere' },
    ]);
    assert.deepEqual((await get('/rd_country?select=name,rd_capital()&rd_capital.name=eq.Paris&or=(rd_capital.is.null,name.eq.France)&order=id')).body, [
      { name: 'France' },
      { name: 'Japan' },
      { name: 'Nowhere' },
    ]);
    assert.deepEqual((await get('/rd_clients?select=name,rd_projects(id,rd_clients())&rd_projects.or=(rd_clients.is.null,id.eq.1)&id=eq.1')).body, [
      { name: 'Acme', rd_projects: [{ id: 1 }] },
    ]);
    // A name that is neither an embed nor a column stays PostgreSQL's 42703.
    const bad = await get('/rd_projects?select=id&or=(rd_nothing.is.null,id.eq.1)');
    assert.equal(bad.status, 400);
    assert.equal((bad.body as { code: string }).code, '42703');
  });
});
