// Issue 15 item 6: deep nesting in the URL grammar (logic trees, embeds, JSON paths) and in
// JWT claims answers PostgREST-style 4xx errors, never 500 "Maximum call stack size
// exceeded"; nesting within the limits still works.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { JWT_SECRET, request, suiteGateway } from '../helpers/gateway.js';

/** HS256 over claims text built by hand: JSON.stringify itself overflows at 5,000 levels. */
function signText(claims: string): string {
  const part = (s: string): string => Buffer.from(s).toString('base64url');
  const input = part('{"alg":"HS256","typ":"JWT"}') + '.' + part(claims);
  return input + '.' + createHmac('sha256', JWT_SECRET).update(input).digest('base64url');
}

const nestedTree = (depth: number): string => 'and=(' + 'or('.repeat(depth) + 'id.eq.1' + ')'.repeat(depth) + ')';
const nestedSelect = (depth: number): string => 'select=id,' + 'proto63_read(id,'.repeat(depth) + 'id' + ')'.repeat(depth);
const nestedClaims = (depth: number): string => '{"role":"web_anon","x":' + '{"x":'.repeat(depth) + 'true' + '}'.repeat(depth) + '}';

function assertCode(r: { status: number; text: string; json(): unknown }, status: number, code: string): void {
  assert.equal(r.status, status, r.text.slice(0, 300));
  assert.equal((r.json() as { code: string }).code, code);
}

describe('deep nesting', () => {
  const gw = suiteGateway();

  test('a logic tree 3,000 deep → 400 PGRST100; 20 deep works', async () => {
    assertCode(await request(gw(), 'GET', `/proto63_read?${nestedTree(3000)}`), 400, 'PGRST100');
    assertCode(await request(gw(), 'GET', `/proto63_read?not.${nestedTree(3000).replace('and=', 'or=')}`), 400, 'PGRST100');
    const r = await request(gw(), 'GET', `/proto63_read?select=id&${nestedTree(20)}`);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json(), [{ id: 1 }]);
  });

  test('an embed 3,000 deep → 400 PGRST100', async () => {
    assertCode(await request(gw(), 'GET', `/proto63_read?${nestedSelect(3000)}`), 400, 'PGRST100');
  });

  test('a JSON path 3,000 deep → 400 PGRST100, not 500; 100 steps work', async () => {
    assertCode(await request(gw(), 'GET', `/proto63_read?select=doc${'->a'.repeat(3000)}&id=eq.1`), 400, 'PGRST100');
    assertCode(await request(gw(), 'GET', `/proto63_read?select=id&doc${'->a'.repeat(3000)}=eq.1`), 400, 'PGRST100');
    assertCode(await request(gw(), 'GET', `/proto63_read?order=doc${'->a'.repeat(3000)}`), 400, 'PGRST100');
    const hundred = await request(gw(), 'GET', `/proto63_read?select=doc${'->a'.repeat(100)}&id=eq.1`);
    assert.equal(hundred.status, 200, hundred.text.slice(0, 200));
    assert.deepEqual(hundred.json(), [{ a: null }]);
    const r = await request(gw(), 'GET', '/proto63_read?select=b:doc->a->b&id=eq.2');
    assert.deepEqual(r.json(), [{ b: 2 }]);
  });

  test('a valid JWT with 5,000-deep claims → 401, not 500; modest nesting works', async () => {
    const deep = signText(nestedClaims(5000));
    const r = await request(gw(), 'GET', '/proto63_read?select=id&id=eq.1', { headers: { Authorization: `Bearer ${deep}` } });
    assert.equal(r.status, 401, r.text.slice(0, 300));
    assert.match((r.json() as { code: string }).code, /^PGRST30[13]$/);
    const fine = signText(nestedClaims(10));
    const ok = await request(gw(), 'GET', '/proto63_read?select=id&id=eq.1', { headers: { Authorization: `Bearer ${fine}` } });
    assert.equal(ok.status, 200, ok.text);
  });
});
