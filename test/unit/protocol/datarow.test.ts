// Byte-exact unit tests for protocol/datarow.ts: the DataRow frame layout, NULL columns,
// and that columns come out as views into the socket buffer, not copies.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeDataRow, readDataRow } from '../../../protocol/datarow.js';

test('encodeDataRow lays out type, length, count and length-prefixed columns', () => {
  const frame = encodeDataRow([Buffer.from('ab'), null]);
  // 'D', int32 length 16 (itself + int16 count + 4+2 + 4), int16 2, int32 2 'a' 'b', int32 -1
  assert.deepEqual([...frame], [0x44, 0, 0, 0, 16, 0, 2, 0, 0, 0, 2, 0x61, 0x62, 0xff, 0xff, 0xff, 0xff]);
});

test('readDataRow returns Buffer slices sharing memory with the chunk, null for NULL', () => {
  const chunk = Buffer.concat([Buffer.from([0x5a]), encodeDataRow([Buffer.from('{"a":1}'), null, Buffer.alloc(0)])]);
  const row = readDataRow(chunk, 1 + 5);
  assert.equal(row.length, 3);
  assert.equal(row[0]?.toString(), '{"a":1}');
  assert.equal(row[1], null);
  assert.equal(row[2]?.length, 0);
  assert.equal(row[0]!.buffer, chunk.buffer);
});
