// JSON paths as PostgREST reads them (test/fixtures/65_reads.sql): the output name is the last
// key (the column's when only indexes follow), keys may hold any character but `-:.,>()`,
// a malformed percent-escape stays literal while the others decode, and bad paths get
// PGRST100 at PostgREST's position and in its words.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request, suiteGateway } from '../helpers/gateway.js';

describe('read: JSON paths', () => {
  const gw = suiteGateway();

  const json = async (path: string): Promise<unknown> => {
    const r = await request(gw(), 'GET', path);
    assert.equal(r.status, 200, `${path}: ${r.text}`);
    return r.json();
  };
  const parseError = async (path: string): Promise<{ message: string; details: string }> => {
    const r = await request(gw(), 'GET', path);
    assert.equal(r.status, 400, `${path}: ${r.text}`);
    const body = r.json() as { code: string; message: string; details: string };
    assert.equal(body.code, 'PGRST100');
    return body;
  };

  test('a path ending in an index is named after its last key, else after the column', async () => {
    assert.deepEqual(await json('/rd_docs?select=data->>0::int,x:data->>-1::int&id=eq.1'), [{ data: 1, x: 3 }]);
    assert.deepEqual(await json('/rd_docs?select=data->c->0->d->>4::int&id=eq.2'), [{ d: 8 }]);
    assert.deepEqual(await json('/rd_docs?select=data->c->>0&id=eq.2'), [{ c: '{"d": [4, 5, 6, 7, 8]}' }]);
    // Digits not ending the path are a key.
    assert.deepEqual(await json('/rd_docs?select=data->78xy&id=eq.2'), [{ '78xy': null }]);
  });

  test('keys with reserved URL characters, with a malformed percent-escape left as it is', async () => {
    // `%^` is no escape: it stays, while %23 and %26 still decode (# and &).
    const key = '!@%23$%^%26*_k';
    assert.deepEqual(await json(`/rd_docs?select=data->${key}&data->${key}->>e=eq.3`), [{ '!@#$%^&*_k': { e: 3 } }]);
    assert.deepEqual(await json(`/rd_docs?select=id&data->${key}->>e=eq.4`), []);
  });

  test('bad paths: PGRST100 at the position PostgREST reports', async () => {
    assert.deepEqual(await parseError('/rd_docs?select=data->>--34'), {
      code: 'PGRST100',
      hint: null,
      message: '"failed to parse select parameter (data->>--34)" (line 1, column 9)',
      details: 'unexpected "-" expecting digit',
    });
    const paren = await parseError('/rd_docs?select=id,data->(k');
    assert.equal(paren.message, '"failed to parse select parameter (id,data->(k)" (line 1, column 10)');
    assert.equal(paren.details, 'unexpected "(" expecting "-", digit or any non reserved character different from: .,>()');
    const digits = await parseError('/rd_docs?select=data->>-78xy');
    assert.equal(digits.message, '"failed to parse select parameter (data->>-78xy)" (line 1, column 11)');
    assert.equal(digits.details, `unexpected 'x' expecting digit, "->", "::", ".", "," or end of input`);
    const aliased = await parseError('/rd_docs?select=v:data->>--1');
    assert.equal(aliased.message, '"failed to parse select parameter (v:data->>--1)" (line 1, column 11)');
  });
});
