// Issue 15 item 3: a large insert body is checked against the role's privileges before it is
// parsed. PostgREST's schema cache holds no per-role privileges and PostgREST checks none: the
// database refuses with 42501. The gateway asks the database the same question first
// (EXPLAIN INSERT … DEFAULT VALUES, as the request's role), so a refused body is never parsed,
// and answers what PostgREST answers: 401 for the anonymous role, 403 for a signed-in one.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SignJWT } from 'jose';
import { JWT_SECRET, request, sqlQuery, suiteGateway } from '../helpers/gateway.js';
import { noHang } from '../helpers/protocol.js';

interface Err {
  code: string;
  message: string;
}

const csv = (rows: number, header = 'id,name'): string => header + '\n' + Array.from({ length: rows }, (_, i) => `${i},"name ""${i}"", quoted"`).join('\n');
/** A CSV over 1 MiB that ends in an unterminated quote: parsed, it would be 400 PGRST102. */
const brokenCsv = (rows: number): string => csv(rows) + '\n1,"unterminated';

describe('large insert bodies and privileges', () => {
  const gw = suiteGateway();
  const post = (path: string, body: string, type = 'text/csv', headers: Record<string, string> = {}): ReturnType<typeof request> =>
    request(gw(), 'POST', path, { body, headers: { 'Content-Type': type, Prefer: 'return=minimal', ...headers } });

  test('without INSERT privilege a large CSV is refused with 42501 before it is parsed (401 anonymous)', async () => {
    const body = brokenCsv(200_000);
    assert.ok(body.length > 4 * 1024 * 1024);
    const r = await post('/hold69_noinsert', body);
    assert.equal(r.status, 401, r.text);
    assert.equal(r.headers.get('www-authenticate'), 'Bearer');
    const e = r.json() as Err;
    assert.equal(e.code, '42501');
    assert.equal(e.message, 'permission denied for table hold69_noinsert');
    // A small body is parsed first, as PostgREST does: the broken CSV is what it hears of.
    const small = await post('/hold69_noinsert', 'id,name\n1,"unterminated');
    assert.equal(small.status, 400, small.text);
    assert.equal((small.json() as Err).code, 'PGRST102');
    // A small valid one reaches the database, which refuses it with the same error.
    const valid = await post('/hold69_noinsert', 'id,name\n1,a');
    assert.equal(valid.status, 401);
    assert.deepEqual(valid.json(), r.json());
  });

  test('a signed-in role without INSERT privilege gets 403 for a large JSON body', async () => {
    const token = await new SignJWT({ role: 'test_user' }).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(JWT_SECRET));
    const rows = JSON.stringify(Array.from({ length: 60_000 }, (_, i) => ({ id: i, name: `name ${i}` })));
    assert.ok(rows.length > 1024 * 1024);
    const r = await post('/hold69_noinsert', rows, 'application/json', { Authorization: `Bearer ${token}` });
    assert.equal(r.status, 403, r.text);
    assert.equal((r.json() as Err).code, '42501');
  });

  test('refused large bodies leave the process serving: small requests are answered meanwhile', async () => {
    const body = brokenCsv(400_000);
    const refusals = Array.from({ length: 4 }, () => post('/hold69_noinsert', body));
    const meanwhile = await noHang(request(gw(), 'GET', '/hold69_noinsert?select=id&limit=1'), 30_000, 'a small GET beside the refused bodies');
    assert.equal(meanwhile.status, 200);
    for (const r of await noHang(Promise.all(refusals), 60_000, 'the refusals')) {
      assert.equal(r.status, 401, r.text);
      assert.equal((r.json() as Err).code, '42501');
    }
  });

  test('an INSERT privilege on some columns passes the probe: the database judges the columns', async () => {
    const granted = await post('/hold69_colgrant', 'name\n' + Array.from({ length: 150_000 }, (_, i) => `n${i}`).join('\n'));
    assert.equal(granted.status, 201, granted.text);
    const [row] = await sqlQuery<{ n: number }>('select count(*)::int as n from api.hold69_colgrant');
    assert.equal(row!.n, 150_000);
    const other = await post('/hold69_colgrant', 'name,secret\n' + Array.from({ length: 100_000 }, (_, i) => `n${i},s`).join('\n'));
    assert.equal(other.status, 401, other.text);
    assert.equal((other.json() as Err).message, 'permission denied for table hold69_colgrant');
    await sqlQuery('delete from api.hold69_colgrant');
  });

  test('the probe runs nothing: a statement trigger fires once for a large insert', async () => {
    const [before] = await sqlQuery<{ n: number }>('select n from api.hold69_fired');
    const r = await post('/hold69_trig', 'name\n' + Array.from({ length: 150_000 }, (_, i) => `n${i}`).join('\n'));
    assert.equal(r.status, 201, r.text);
    const [after] = await sqlQuery<{ n: number }>('select n from api.hold69_fired');
    assert.equal(after!.n - before!.n, 1);
    const [rows] = await sqlQuery<{ n: number }>('select count(*)::int as n from api.hold69_trig');
    assert.equal(rows!.n, 150_000);
  });
});
