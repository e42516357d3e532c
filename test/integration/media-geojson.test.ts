// Accept: application/geo+json → PostgREST's FeatureCollection (ST_AsGeoJSON over each row).
// Needs PostGIS; the embedded PostgreSQL usually lacks it, so the PostGIS tests skip and say so.
// Without PostGIS the request still fails as PostgREST's does (the function is missing: 404 42883).

import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request, sqlQuery, suiteGateway } from '../helpers/gateway.js';

describe('application/geo+json', () => {
  const gateway = suiteGateway();
  let postgis = false;

  before(async () => {
    postgis = (await sqlQuery("select 1 from pg_available_extensions where name = 'postgis'")).length > 0;
    if (postgis) {
      await sqlQuery('create extension if not exists postgis');
      await sqlQuery(`create table if not exists api.media_places (id int primary key, name text, geom geometry(Point, 4326));
        insert into api.media_places values (1, 'origin', 'SRID=4326;POINT(0 0)'), (2, 'east', 'SRID=4326;POINT(1 0)') on conflict do nothing;
        grant select on api.media_places to web_anon`);
      await gateway().reloadSchema();
    }
  });

  const NO_POSTGIS = 'PostGIS is not available in this PostgreSQL (pg_available_extensions has no postgis)';

  test('a FeatureCollection of the rows, other columns as properties', async (t) => {
    if (!postgis) return t.skip(NO_POSTGIS);
    const r = await request(gateway(), 'GET', '/media_places?order=id', { headers: { accept: 'application/geo+json' } });
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('content-type'), 'application/geo+json; charset=utf-8');
    const fc = r.json() as { type: string; features: { type: string; geometry: { type: string; coordinates: number[] }; properties: Record<string, unknown> }[] };
    assert.equal(fc.type, 'FeatureCollection');
    assert.deepEqual(fc.features.map((f) => f.geometry.coordinates), [[0, 0], [1, 0]]);
    assert.deepEqual(fc.features[0]!.properties, { id: 1, name: 'origin' });
    const none = await request(gateway(), 'GET', '/media_places?id=eq.99', { headers: { accept: 'application/geo+json' } });
    assert.deepEqual(none.json(), { type: 'FeatureCollection', features: [] });
  });

  test('without PostGIS the request fails with the missing function, never a 500', async (t) => {
    if (postgis) return t.skip('PostGIS is installed here; the PostGIS test above covers geo+json');
    const r = await request(gateway(), 'GET', '/directors', { headers: { accept: 'application/geo+json' } });
    assert.equal(r.status, 404);
    const err = r.json() as { code: string; message: string };
    assert.equal(err.code, '42883');
    assert.match(err.message, /st_asgeojson/);
  });
});
