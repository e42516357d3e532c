// Unit tests for protocol/reader.ts: every split of a message stream into chunks yields the
// same messages; whole-in-chunk messages are views (no copy); a message spanning many chunks
// is assembled in time linear in its size; a bad length is refused instead of looping.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MessageReader } from '../../../protocol/reader.js';
import { encodeDataRow } from '../../../protocol/datarow.js';

function frame(type: string, payload: Buffer): Buffer {
  const out = Buffer.alloc(5 + payload.length);
  out[0] = type.charCodeAt(0);
  out.writeInt32BE(4 + payload.length, 1);
  payload.copy(out, 5);
  return out;
}

const stream = Buffer.concat([
  frame('1', Buffer.alloc(0)),
  encodeDataRow([Buffer.from('{"a":1}'), null]),
  frame('C', Buffer.from('SELECT 1\0')),
  encodeDataRow([Buffer.alloc(3000, 0x78)]),
  frame('Z', Buffer.from('I')),
]);

function readAll(chunks: Buffer[]): string[] {
  const reader = new MessageReader();
  const out: string[] = [];
  for (const c of chunks) reader.push(c, (buf, start, end) => out.push(buf.subarray(start, end).toString('hex')));
  assert.equal(reader.pending, false);
  return out;
}

test('every chunking of the stream gives the same messages', () => {
  const expected = readAll([stream]);
  assert.equal(expected.length, 5);
  for (const size of [1, 2, 3, 4, 5, 6, 7, 11, 64, 1000, 2999, 3001]) {
    const chunks: Buffer[] = [];
    for (let i = 0; i < stream.length; i += size) chunks.push(stream.subarray(i, i + size));
    assert.deepEqual(readAll(chunks), expected, `chunk size ${size}`);
  }
});

test('a message inside one chunk is handed over as a view of that chunk', () => {
  const reader = new MessageReader();
  const seen: Buffer[] = [];
  reader.push(stream, (buf) => seen.push(buf));
  assert.ok(seen.every((b) => b === stream));
});

test('a 64 MB message in 64 KB chunks is assembled once, in linear time', () => {
  const size = 64 * 1024 * 1024;
  const msg = encodeDataRow([Buffer.alloc(size, 0x61)]);
  const reader = new MessageReader();
  let got: Buffer | null = null;
  let calls = 0;
  for (let i = 0; i < msg.length; i += 65536) {
    reader.push(msg.subarray(i, i + 65536), (buf, start, end) => {
      calls++;
      got = buf.subarray(start, end);
    });
  }
  assert.equal(calls, 1);
  assert.ok(got !== null && (got as Buffer).equals(msg));
});

test('stopAfter hands back the offset after a large message so the caller can yield', () => {
  const big = encodeDataRow([Buffer.alloc(100)]);
  const small = frame('Z', Buffer.from('I'));
  const chunk = Buffer.concat([big, small]);
  const reader = new MessageReader();
  const out: number[] = [];
  const offset = reader.push(chunk, (_b, s, e) => out.push(e - s), (bytes) => bytes >= 100);
  assert.equal(offset, big.length);
  assert.deepEqual(out, [big.length]);
  assert.equal(reader.push(chunk, (_b, s, e) => out.push(e - s), undefined, offset), chunk.length);
  assert.deepEqual(out, [big.length, small.length]);
});

test('a length below 4 is refused, not looped on', () => {
  const bad = Buffer.from([0x5a, 0, 0, 0, 0]);
  assert.throws(() => new MessageReader().push(bad, () => undefined), /invalid message length/);
  assert.throws(() => new MessageReader().push(Buffer.from([0x5a, 0xff, 0xff, 0xff, 0xff]), () => undefined), /invalid message length/);
});
