// GET / names the schema it describes in Content-Profile when several schemas are exposed
// (PostgREST does so for every response then), and the description is that schema's.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Gateway } from '../../gateway/app.js';
import { request, startTestGateway, suiteGateway } from '../helpers/gateway.js';

describe('openapi: Content-Profile on GET /', () => {
  let gw: Gateway;
  before(async () => {
    gw = await startTestGateway({ PGRST_DB_SCHEMAS: 'api, v2' });
  });
  after(async () => {
    await gw.stop();
  });

  test('the default schema, and the one Accept-Profile picks', async () => {
    const def = await request(gw, 'GET', '/');
    assert.equal(def.status, 200, def.text);
    assert.equal(def.headers.get('content-profile'), 'api');
    const v2 = await request(gw, 'GET', '/', { headers: { 'Accept-Profile': 'v2' } });
    assert.equal(v2.status, 200, v2.text);
    assert.equal(v2.headers.get('content-profile'), 'v2');
    assert.ok('/things' in ((v2.json() as { paths: Record<string, unknown> }).paths));
    const bad = await request(gw, 'GET', '/', { headers: { 'Accept-Profile': 'nope' } });
    assert.equal(bad.status, 406);
  });
});

describe('openapi: one schema, no Content-Profile', () => {
  const gateway = suiteGateway();
  test('GET / without Content-Profile; integer formats as PostgREST', async () => {
    const r = await request(gateway(), 'GET', '/');
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('content-profile'), null);
    const doc = r.json() as { definitions: Record<string, { properties: Record<string, { format?: string }> }> };
    assert.equal(doc.definitions['w66_items']?.properties['id']?.format, 'int32');
  });
});
