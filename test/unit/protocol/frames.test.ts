// Byte-exact unit tests for the frames protocol/ sends outside the hot path: StartupMessage,
// the md5 and cleartext password replies, SSLRequest and CancelRequest.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { serialize } from 'pg-protocol';
import type { BackendMessage } from 'pg-protocol/dist/messages.js';
import { md5Password } from '../../../protocol/auth.js';
import { parseConnInfo } from '../../../protocol/conninfo.js';
import { authenticator, startupMessage } from '../../../protocol/startup.js';
import { SSL_REQUEST } from '../../../protocol/transport.js';

const cstrings = (...parts: string[]): Buffer => Buffer.from(parts.map((p) => p + '\0').join(''), 'utf8');
const int32 = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
};

test('StartupMessage: length, protocol 3.0, key/value C strings, terminator', () => {
  const info = parseConnInfo('user=u dbname=d application_name=a', {});
  const body = Buffer.concat([
    Buffer.from([0, 3, 0, 0]),
    cstrings('user', 'u', 'database', 'd', 'application_name', 'a', 'DateStyle', 'ISO', 'client_encoding', 'UTF8', ''),
  ]);
  assert.deepEqual(startupMessage(info), Buffer.concat([int32(body.length + 4), body]));
});

test('md5 password reply: p, length, md5 hash as C string', () => {
  const info = parseConnInfo('user=postgres password=password', {});
  const salt = Buffer.from([1, 2, 3, 4]);
  const reply = authenticator(info)({ name: 'authenticationMD5Password', salt } as unknown as BackendMessage);
  const hash = md5Password('postgres', 'password', salt);
  assert.deepEqual(reply, Buffer.concat([Buffer.from('p'), int32(4 + hash.length + 1), cstrings(hash)]));
});

test('cleartext password reply, and no password configured → AUTH_FAILED', () => {
  const reply = authenticator(parseConnInfo('user=u password=pw', {}))({ name: 'authenticationCleartextPassword' } as unknown as BackendMessage);
  assert.deepEqual(reply, Buffer.concat([Buffer.from('p'), int32(4 + 3), cstrings('pw')]));
  const noPassword = authenticator(parseConnInfo('user=u', {}));
  assert.throws(() => noPassword({ name: 'authenticationCleartextPassword' } as unknown as BackendMessage), /none was configured/);
});

test('a message that is not about authentication is left to the caller', () => {
  const auth = authenticator(parseConnInfo('user=u', {}));
  assert.equal(auth({ name: 'parameterStatus' } as unknown as BackendMessage), undefined);
  assert.equal(auth({ name: 'authenticationOk' } as unknown as BackendMessage), null);
});

test('SSLRequest is length 8 and code 80877103, as pg-protocol builds it', () => {
  assert.deepEqual(SSL_REQUEST, Buffer.concat([int32(8), int32(80877103)]));
  assert.deepEqual(SSL_REQUEST, serialize.requestSsl());
});

test('CancelRequest: length 16, code 80877102, process id, secret key', () => {
  assert.deepEqual(serialize.cancel(1234, -5), Buffer.concat([int32(16), int32(80877102), int32(1234), int32(-5)]));
});
