// DataRow ('D') framing for the hot path: each column becomes a Buffer slice of the socket
// chunk (null for SQL NULL), so a JSON body reaches the HTTP response without ever becoming
// a JS string. pg-protocol's Parser would decode every column to a UTF-8 string instead.

export const DATA_ROW = 0x44; // 'D'

/** Columns of the DataRow whose payload (after type byte and length) starts at `start`. */
export function readDataRow(buf: Buffer, start: number): (Buffer | null)[] {
  const count = buf.readInt16BE(start);
  let p = start + 2;
  const row: (Buffer | null)[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const len = buf.readInt32BE(p);
    p += 4;
    if (len < 0) row[i] = null;
    else {
      // A view, not a copy: the row holds the chunk alive only until the response is written.
      row[i] = buf.subarray(p, p + len);
      p += len;
    }
  }
  return row;
}

/** A complete DataRow message (type byte included) for the given columns: tests and benches. */
export function encodeDataRow(columns: readonly (Buffer | null)[]): Buffer {
  let size = 4 + 2;
  for (const c of columns) size += 4 + (c === null ? 0 : c.length);
  const out = Buffer.allocUnsafe(1 + size);
  out[0] = DATA_ROW;
  out.writeInt32BE(size, 1);
  out.writeInt16BE(columns.length, 5);
  let p = 7;
  for (const c of columns) {
    if (c === null) {
      out.writeInt32BE(-1, p);
      p += 4;
    } else {
      out.writeInt32BE(c.length, p);
      c.copy(out, p + 4);
      p += 4 + c.length;
    }
  }
  return out;
}
