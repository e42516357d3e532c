// Schema reloads under load on the embedding fixture (test/fixtures/50_embed.sql): workers keep
// embed requests in flight while `NOTIFY pgrst, 'reload schema'` arrives repeatedly and DDL adds
// a column and a new relationship. Every request must succeed with the right body (no 5xx,
// some of them spanning a cache swap), and the new column and relationship must be usable
// once the reload after the DDL is done.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Gateway } from '../../gateway/app.js';
import type { SchemaCache } from '../../planner/index.js';
import { request, sqlQuery, startTestGateway } from '../helpers/gateway.js';

/** Embed requests and the bodies the fixture gives them, none affected by the DDL below. */
const EXPECTED: readonly (readonly [string, unknown])[] = [
  ['/emb_films?select=title,emb_directors(name)&order=id', [
    { title: 'Rashomon', emb_directors: { name: 'Kurosawa' } },
    { title: 'Seven Samurai', emb_directors: { name: 'Kurosawa' } },
    { title: 'Cleo', emb_directors: { name: 'Varda' } },
    { title: 'Orphan', emb_directors: null },
  ]],
  ['/emb_directors?select=name,emb_films(title)&order=id&emb_films.order=id.desc', [
    { name: 'Kurosawa', emb_films: [{ title: 'Seven Samurai' }, { title: 'Rashomon' }] },
    { name: 'Varda', emb_films: [{ title: 'Cleo' }] },
    { name: 'Nobody', emb_films: [] },
  ]],
  ['/emb_films?select=title,emb_actors(name)&id=eq.1&emb_actors.order=name', [{ title: 'Rashomon', emb_actors: [{ name: 'Mifune' }, { name: 'Shimura' }] }]],
  ['/emb_films?select=id,emb_box_office(gross)&id=in.(1,2)&order=id&emb_box_office.order=gross.desc', [
    { id: 1, emb_box_office: [{ gross: 150 }, { gross: 100 }] },
    { id: 2, emb_box_office: [] },
  ]],
  ['/emb_films_view2?select=film,emb_directors(name),emb_actors(name)&film=eq.3', [{ film: 3, emb_directors: { name: 'Varda' }, emb_actors: [{ name: 'Marchand' }] }]],
  ['/emb_technical_specs?select=runtime,emb_films(title)&film_id=eq.2', [{ runtime: 207, emb_films: { title: 'Seven Samurai' } }]],
];

const WORKERS = 12;

async function eventually(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  assert.fail(`timed out waiting for ${what}`);
}

const cleanup = 'drop table if exists api.emb_reload_reviews; alter table api.emb_directors drop column if exists born';

describe('schema reload under embed load', () => {
  let gw: Gateway;
  before(async () => {
    await sqlQuery(cleanup);
    gw = await startTestGateway();
  });
  after(async () => {
    await gw.stop();
    await sqlQuery(cleanup);
  });

  test('every in-flight embed request succeeds across NOTIFY reloads and DDL; the new column and relationship work after', async () => {
    const failures: string[] = [];
    let completed = 0;
    let spanningSwap = 0;
    let running = true;
    const worker = async (w: number): Promise<void> => {
      for (let i = w; running; i++) {
        const [path, body] = EXPECTED[i % EXPECTED.length]!;
        const cacheBefore: SchemaCache | null = gw.state.schemaCache;
        const r = await request(gw, 'GET', path);
        if (gw.state.schemaCache !== cacheBefore) spanningSwap++;
        completed++;
        if (r.status !== 200) failures.push(`${path}: ${r.status} ${r.text}`);
        else {
          try {
            assert.deepEqual(r.json(), body);
          } catch {
            failures.push(`${path}: wrong body ${r.text}`);
          }
        }
      }
    };
    const workers = Array.from({ length: WORKERS }, (_, w) => worker(w));

    const reloadAndWait = async (): Promise<void> => {
      const loads = gw.metrics.schemaCacheLoadsSuccess;
      await sqlQuery("notify pgrst, 'reload schema'");
      await eventually(async () => gw.metrics.schemaCacheLoadsSuccess > loads, 'the reload to finish');
    };
    try {
      await eventually(async () => completed > 20, 'the workers to get going');
      for (let i = 0; i < 3; i++) await reloadAndWait();
      // A burst: debounced into at most one more load after the one in progress.
      await Promise.all([1, 2, 3, 4].map(() => sqlQuery("notify pgrst, 'reload schema'")));
      await sqlQuery('alter table api.emb_directors add column born int');
      await sqlQuery('update api.emb_directors set born = 1910 where id = 1');
      await sqlQuery(`create table api.emb_reload_reviews (id int primary key, film_id int not null references api.emb_films(id), stars int not null);
        insert into api.emb_reload_reviews values (1, 1, 5), (2, 1, 4), (3, 3, 5);
        grant select on api.emb_reload_reviews to web_anon`);
      await reloadAndWait();
      await reloadAndWait();
    } finally {
      running = false;
      await Promise.all(workers);
    }

    assert.deepEqual(failures.slice(0, 5), []);
    assert.ok(completed > 50, `only ${completed} requests completed`);
    assert.ok(spanningSwap > 0, 'no request was in flight across a cache swap');

    // The reload after the DDL made the new relationship (both directions) and column usable.
    const reviews = await request(gw, 'GET', '/emb_films?select=title,emb_reload_reviews(stars)&id=in.(1,3)&order=id&emb_reload_reviews.order=stars.desc');
    assert.equal(reviews.status, 200, reviews.text);
    assert.deepEqual(reviews.json(), [
      { title: 'Rashomon', emb_reload_reviews: [{ stars: 5 }, { stars: 4 }] },
      { title: 'Cleo', emb_reload_reviews: [{ stars: 5 }] },
    ]);
    const back = await request(gw, 'GET', '/emb_reload_reviews?select=stars,emb_films(title,emb_directors(name,born))&id=eq.1');
    assert.equal(back.status, 200, back.text);
    assert.deepEqual(back.json(), [{ stars: 5, emb_films: { title: 'Rashomon', emb_directors: { name: 'Kurosawa', born: 1910 } } }]);
  });
});
