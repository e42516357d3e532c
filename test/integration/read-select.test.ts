// Read API, vertical filtering and names: select with aliases, casts, JSON/composite/array
// paths, computed columns in select/filter/order, unicode, spaced, dotted and case-sensitive
// identifiers, Prefer handling, Preference-Applied, Content-Location and column errors.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request, suiteGateway } from '../helpers/gateway.js';

describe('read: select and identifiers', () => {
  const gateway = suiteGateway();

  const json = async (path: string, headers: Record<string, string> = {}): Promise<unknown> => {
    const r = await request(gateway(), 'GET', path, { headers });
    assert.equal(r.status, 200, `${path}: ${r.text}`);
    return r.json();
  };

  test('aliases and casts', async () => {
    assert.deepEqual(await json('/films?select=film:title,year::text,rating::int&id=eq.1'), [{ film: 'Rashomon', year: '1950', rating: 8 }]);
    assert.deepEqual(await json('/films?select=y:year::text&id=eq.2'), [{ y: '1954' }]);
  });

  test('JSON, composite and array paths', async () => {
    assert.deepEqual(await json('/films?select=id,details->>lang,details->awards,meta->>format&id=eq.1'), [
      { id: 1, lang: 'ja', awards: { venice: 'golden lion' }, format: '35mm' },
    ]);
    // A path ending in an index is named after its last key (PostgREST).
    assert.deepEqual(await json('/films?select=first:details->cast->>0,details->cast->1&id=eq.2'), [{ first: 'Mifune', cast: 'Shimura' }]);
    assert.deepEqual(await json('/films?select=cost->amount,cost->>currency&id=eq.4'), [{ amount: 19000000, currency: 'USD' }]);
    assert.deepEqual(await json('/films?select=scores->0,top:scores->>0&id=eq.4'), [{ scores: 10, top: '10' }]);
    assert.deepEqual(await json('/films?select=id&cost->>currency=eq.JPY&order=id'), [{ id: 1 }, { id: 2 }]);
    assert.deepEqual(await json('/films?select=id&scores->0=eq.9'), [{ id: 2 }]);
  });

  test('order by JSON paths, several keys, nulls placement', async () => {
    assert.deepEqual(await json('/films?select=id&order=details->>lang.desc.nullslast,id.desc'), [{ id: 4 }, { id: 2 }, { id: 1 }, { id: 3 }, { id: 5 }]);
    assert.deepEqual(await json('/films?select=id&order=year.nullsfirst'), [{ id: 5 }, { id: 1 }, { id: 2 }, { id: 3 }, { id: 4 }]);
    assert.deepEqual(await json('/films?select=id&order=rating.desc.nullslast,year.asc&limit=3'), [{ id: 2 }, { id: 4 }, { id: 1 }]);
  });

  test('computed columns in select, filters and order', async () => {
    assert.deepEqual(await json('/films?select=id,label&id=eq.1'), [{ id: 1, label: 'Rashomon (1950)' }]);
    assert.deepEqual(await json('/films?select=id&label=like.*(195*)&order=label.desc'), [{ id: 2 }, { id: 1 }]);
    assert.deepEqual(await json('/films?select=title:label&id=eq.5'), [{ title: 'Untitled' }]);
  });

  test('filters on resources that are not embedded are PGRST108, not a 500', async () => {
    for (const q of ['directors.name=eq.x', 'directors.or=(id.eq.1)', 'directors.limit=1']) {
      const r = await request(gateway(), 'GET', `/films?${q}`);
      assert.equal(r.status, 400, q);
      assert.equal((r.json() as { code: string }).code, 'PGRST108', q);
    }
  });

  test('star with extra columns', async () => {
    const rows = (await json('/directors?select=*,n:name&id=eq.1')) as Record<string, unknown>[];
    assert.deepEqual(rows, [{ id: 1, name: 'Akira Kurosawa', born: '1910-03-23', n: 'Akira Kurosawa' }]);
  });

  test('percent-encoded unicode table and column names', async () => {
    const path = `/${encodeURIComponent('Фильмы')}?select=${encodeURIComponent('название')}&${encodeURIComponent('год')}=gt.1975`;
    assert.deepEqual(await json(path), [{ название: 'Сталкер' }]);
  });

  test('spaced, dotted and case-sensitive names', async () => {
    assert.deepEqual(await json('/spaced%20table?select=id,%22spaced%20col%22&order=id'), [
      { id: 1, 'spaced col': 'one two' },
      { id: 2, 'spaced col': 'three' },
    ]);
    assert.deepEqual(await json('/spaced%20table?select=%22information.cpe%22&%22information.cpe%22=eq.cpe:/a:two'), [{ 'information.cpe': 'cpe:/a:two' }]);
    assert.deepEqual(await json('/spaced%20table?select=CamelCol&CamelCol=gt.15'), [{ CamelCol: 20 }]);
    assert.deepEqual(await json('/spaced%20table?select=id&order=%22information.cpe%22.desc'), [{ id: 2 }, { id: 1 }]);
    const lower = await request(gateway(), 'GET', '/spaced%20table?select=camelcol');
    assert.equal(lower.status, 400);
    assert.equal((lower.json() as { code: string }).code, '42703');
  });

  test('unknown column → 400 42703 with PostgreSQL’s hint', async () => {
    const r = await request(gateway(), 'GET', '/films?select=titel');
    assert.equal(r.status, 400);
    const body = r.json() as { code: string; message: string; hint: string | null };
    assert.equal(body.code, '42703');
    assert.match(body.message, /titel/);
    assert.match(body.hint ?? '', /Perhaps you meant to reference the column "films.title"/);
    const table = await request(gateway(), 'GET', '/filmz');
    assert.equal(table.status, 404);
    assert.equal((table.json() as { hint: string }).hint, "Perhaps you meant the table 'api.films'");
    // PostgREST's fuzzy rule (0.75 similarity): a swapped pair in five letters is too far.
    const swapped = await request(gateway(), 'GET', '/flims');
    assert.equal((swapped.json() as { hint: string | null }).hint, null);
  });

  test('Prefer: handling=strict rejects unknown preferences (PGRST122), lenient ignores them', async () => {
    const strict = await request(gateway(), 'GET', '/films?select=id', { headers: { prefer: 'handling=strict, foo=bar, count=exact' } });
    assert.equal(strict.status, 400);
    assert.deepEqual(strict.json(), {
      code: 'PGRST122',
      message: 'Invalid preferences given with handling=strict',
      details: 'Invalid preferences: foo=bar',
      hint: null,
    });
    const lenient = await request(gateway(), 'GET', '/films?select=id', { headers: { prefer: 'handling=lenient, foo=bar' } });
    assert.equal(lenient.status, 200);
    assert.equal(lenient.headers.get('preference-applied'), 'handling=lenient');
    const fine = await request(gateway(), 'GET', '/films?select=id', { headers: { prefer: 'handling=strict, count=exact' } });
    assert.equal(fine.status, 200);
    assert.equal(fine.headers.get('preference-applied'), 'count=exact, handling=strict');
  });

  test('Content-Location is the relation with the canonical query string', async () => {
    const r = await request(gateway(), 'GET', '/films?select=id&order=id&id=gt.3');
    assert.equal(r.headers.get('content-location'), '/films?id=gt.3&order=id&select=id');
    const bare = await request(gateway(), 'GET', '/films');
    assert.equal(bare.headers.get('content-location'), '/films');
  });
});
