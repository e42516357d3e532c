// Read API, filters: every operator family against the films fixture (20_read.sql), with
// not./any/all modifiers and nested and/or trees; each grammar mistake is a 400, never a 500.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request, suiteGateway } from '../helpers/gateway.js';

describe('read: filters', () => {
  const gateway = suiteGateway();

  /** The ids of the films a query selects (ordered by id). */
  async function ids(query: string): Promise<number[]> {
    const r = await request(gateway(), 'GET', `/films?select=id&order=id&${query}`);
    assert.equal(r.status, 200, `${query}: ${r.text}`);
    return (r.json() as { id: number }[]).map((row) => row.id);
  }

  test('comparison operators', async () => {
    const cases: [string, number[]][] = [
      ['year=eq.1954', [2]],
      ['year=neq.1954', [1, 3, 4]],
      ['year=gt.1954', [3, 4]],
      ['year=gte.1954', [2, 3, 4]],
      ['year=lt.1954', [1]],
      ['year=lte.1954', [1, 2]],
      ['rating=eq.8.6', [2, 4]],
      ['year=isdistinct.1954', [1, 3, 4, 5]],
      ['year=not.isdistinct.1954', [2]],
    ];
    for (const [q, expected] of cases) assert.deepEqual(await ids(q), expected, q);
  });

  test('like/ilike with * wildcards, match/imatch regexes', async () => {
    const cases: [string, number[]][] = [
      ['title=like.*Samurai', [2]],
      ['title=like.*samurai', []],
      ['title=ilike.*SAMURAI*', [2]],
      ['title=like.S*', [2, 4]],
      ['title=match.^S', [2, 4]],
      ['title=imatch.^s.*y$', [4]],
      ['title=not.match.a', [3, 5]],
    ];
    for (const [q, expected] of cases) assert.deepEqual(await ids(q), expected, q);
  });

  test('in with quoted values, commas and backslash escapes', async () => {
    assert.deepEqual(await ids('id=in.(1,3)'), [1, 3]);
    assert.deepEqual(await ids('id=not.in.(1,3)'), [2, 4, 5]);
    assert.deepEqual(await ids('title=in.("Seven Samurai","Cléo from 5 to 7")'), [2, 3]);
    assert.deepEqual(await ids('title=in.()'), []);
    const r = await request(gateway(), 'GET', '/spaced%20table?select=id&%22spaced%20col%22=in.(%22one%20two%22,x)');
    assert.deepEqual(r.json(), [{ id: 1 }]);
  });

  test('is: null, not_null, true, false, unknown', async () => {
    const cases: [string, number[]][] = [
      ['year=is.null', [5]],
      ['year=not.is.null', [1, 2, 3, 4]],
      ['year=is.not_null', [1, 2, 3, 4]],
      ['restored=is.true', [1, 4]],
      ['restored=is.false', [2]],
      ['restored=is.unknown', [3, 5]],
      ['restored=not.is.true', [2, 3, 5]],
      ['restored=is.NULL', [3, 5]],
    ];
    for (const [q, expected] of cases) assert.deepEqual(await ids(q), expected, q);
  });

  test('full-text search on tsvector and text columns, with a language', async () => {
    const cases: [string, number[]][] = [
      ['search=fts.samurai', [2]],
      ['search=fts(english).stories', [1]],
      ['search=plfts.singer waits', [3]],
      ['search=phfts(english).spirit world', [4]],
      ['search=wfts(english).samurai or girl', [2, 4]],
      ['search=not.fts.samurai', [1, 3, 4]],
      // A text column is wrapped in to_tsvector.
      ['synopsis=fts(english).witnesses', [1]],
      ['synopsis=plfts.seven samurai', [2]],
    ];
    for (const [q, expected] of cases) assert.deepEqual(await ids(q), expected, q);
  });

  test('array and range operators: cs, cd, ov, sl, sr, nxr, nxl, adj', async () => {
    const cases: [string, number[]][] = [
      ['tags=cs.{drama}', [1, 2, 3]],
      ['tags=cs.{drama,mystery}', [1]],
      ['tags=cd.{drama,mystery,action}', [1, 2, 3, 5]],
      ['tags=ov.{fantasy,mystery}', [1, 4]],
      ['shooting=cs.[6,7]', [1, 2]],
      ['shooting=sl.[20,30)', [1, 2]],
      ['shooting=sr.[20,30)', [3, 4]],
      ['shooting=nxr.[1,30)', [1, 2]],
      ['shooting=nxl.[30,31)', [3, 4]],
      ['shooting=adj.[40,50)', [3]],
      ['shooting=ov.[8,9]', [1, 2]],
      ['tags=not.cs.{drama}', [4, 5]],
    ];
    for (const [q, expected] of cases) assert.deepEqual(await ids(q), expected, q);
  });

  test('any/all modifiers', async () => {
    const cases: [string, number[]][] = [
      ['year=eq(any).{1950,2001}', [1, 4]],
      ['year=gt(all).{1950,1954}', [3, 4]],
      ['title=like(any).{R*,*Away}', [1, 4]],
      ['title=like(all).{S*,*i}', [2]],
      ['title=ilike(any).{*CLÉO*,rash*}', [1, 3]],
      ['title=match(any).{^Sev,^Spi}', [2, 4]],
      ['year=not.eq(any).{1950,2001}', [2, 3]],
    ];
    for (const [q, expected] of cases) assert.deepEqual(await ids(q), expected, q);
  });

  test('JSON paths in filters', async () => {
    assert.deepEqual(await ids('details->>lang=eq.ja'), [1, 2, 4]);
    assert.deepEqual(await ids('details->awards->>venice=eq.golden lion'), [1]);
    assert.deepEqual(await ids('details->cast->>0=eq.Mifune'), [1, 2]);
    assert.deepEqual(await ids('meta->>format=eq.digital'), [4]);
    assert.deepEqual(await ids('details->awards=not.is.null'), [1, 4]);
  });

  test('logic trees: or, and, not, nested to any depth', async () => {
    const cases: [string, number[]][] = [
      ['or=(year.eq.1950,year.eq.2001)', [1, 4]],
      ['and=(year.gte.1950,year.lt.1960)', [1, 2]],
      ['not.or=(year.eq.1950,year.is.null)', [2, 3, 4]],
      ['not.and=(year.gte.1950,year.lt.1960)', [3, 4]],
      ['or=(year.eq.1962,and(rating.gt.8.5,not.or(year.eq.2001,id.eq.1)))', [2, 3]],
      ['or=(and(or(id.eq.1,id.eq.2),rating.gt.8.3),and(or(id.eq.4,id.eq.5),year.not.is.null))', [2, 4]],
      ['or=(id.in.(1,3),title.eq."Spirited Away")', [1, 3, 4]],
      ['or=(tags.cs.{mystery},tags.cs.{fantasy})', [1, 4]],
      ['or=(title.like.*Samurai*,title.ilike(any).{rash*})', [1, 2]],
      ['or=(details->>lang.eq.fr,search.fts(english).spirit)', [3, 4]],
      ['or=(year.eq.1950,year.eq.2001)&id=gt.1', [4]],
    ];
    for (const [q, expected] of cases) assert.deepEqual(await ids(q), expected, q);
  });

  test('grammar errors are 400 PGRST100 with PostgREST-style messages', async () => {
    const cases: [string, RegExp][] = [
      ['year=eqq.1', /^"failed to parse filter \(eqq\.1\)"/],
      ['year=eq(some).{1}', /^"failed to parse filter/],
      ['year=neq(any).{1}', /^"failed to parse filter/],
      ['year=fts(bad lang).x', /^"failed to parse filter/],
      ['year=in.(1,2', /^"failed to parse filter/],
      ['year=is.maybe', /^"failed to parse filter/],
      ['year=eq', /^"failed to parse filter/],
      ['or=(year.eq.1', /^"failed to parse logic tree \(\(year\.eq\.1\)"/],
      ['or=year.eq.1', /^"failed to parse logic tree/],
      ['or=(year.nope.1)', /^"failed to parse logic tree/],
      ['not.or=(and(year.eq.1)', /^"failed to parse logic tree/],
      ['or=()', /^"failed to parse logic tree/],
    ];
    for (const [q, message] of cases) {
      const r = await request(gateway(), 'GET', `/films?${q}`);
      assert.equal(r.status, 400, q);
      const body = r.json() as { code: string; message: string; details: string };
      assert.equal(body.code, 'PGRST100', q);
      assert.match(body.message, message, q);
      assert.match(body.details, /^unexpected .* expecting /, q);
    }
  });

  test('a bad value for the column type is a 400 from PostgreSQL, not a 500', async () => {
    const r = await request(gateway(), 'GET', '/films?year=eq.notanumber');
    assert.equal(r.status, 400);
    assert.equal((r.json() as { code: string }).code, '22P02');
    const u = await request(gateway(), 'GET', '/films?nosuchcol=eq.1');
    assert.equal(u.status, 400);
    assert.equal((u.json() as { code: string }).code, '42703');
  });
});
