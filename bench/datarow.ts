// Micro-benchmark for the hot-path decision in protocol/datarow.ts: DataRow columns as
// Buffer slices versus pg-protocol's Parser (UTF-8 string per column) plus the re-encode to
// bytes a response write needs. Same frames, same process; reports ns per row.

import { Parser } from 'pg-protocol/dist/parser.js';
import { encodeDataRow, readDataRow } from '../protocol/datarow.js';

export interface DatarowResult {
  readonly bodyBytes: number;
  readonly sliceNs: number;
  readonly stringNs: number;
}

function frameWithBody(bytes: number): Buffer {
  const body = Buffer.from('[' + '{"id":1,"title":"item"},'.repeat(Math.max(1, Math.floor(bytes / 24))).slice(0, -1) + ']');
  // The main statement's row shape: total, page total, body, headers, status.
  return encodeDataRow([Buffer.from('1'), Buffer.from('1'), body, null, null]);
}

function time(iterations: number, fn: () => number): number {
  let sink = 0;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) sink += fn();
  const ns = Number(process.hrtime.bigint() - t0) / iterations;
  if (sink < 0) throw new Error('unreachable: keeps the work observable');
  return Number(ns.toFixed(1));
}

export function datarowBench(quick: boolean): DatarowResult[] {
  const out: DatarowResult[] = [];
  for (const size of [100, 10_000, 1_000_000]) {
    const frame = frameWithBody(size);
    const iterations = Math.max(20, Math.floor((quick ? 2e7 : 1e8) / (size + 1000)));
    const parser = new Parser();
    const viaString = (): number => {
      let n = 0;
      parser.parse(frame, (msg) => {
        const fields = (msg as unknown as { fields: (string | null)[] }).fields;
        n = Buffer.from(fields[2] ?? '').length;
      });
      return n;
    };
    const viaSlice = (): number => readDataRow(frame, 5)[2]?.length ?? 0;
    // Warm both paths before timing so the JIT treats them alike.
    time(Math.min(iterations, 1000), viaString);
    time(Math.min(iterations, 1000), viaSlice);
    out.push({ bodyBytes: frame.length, sliceNs: time(iterations, viaSlice), stringNs: time(iterations, viaString) });
  }
  return out;
}
