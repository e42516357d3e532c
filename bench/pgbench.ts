// The floor's database half: pgbench running the bare prepared statement of GET-by-primary-key
// (what a hand-written API sends), 16 pipelined per round trip, while PostgreSQL's own CPU is
// counted. pgbench, the client, is not a child of the postmaster, so its CPU is excluded.

import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { treeCpuMicros } from './procstat.js';

function findPgbench(): string | null {
  try {
    return execFileSync('which', ['pgbench'], { encoding: 'utf8' }).trim();
  } catch {
    const base = '/usr/lib/postgresql';
    if (!existsSync(base)) return null;
    for (const v of readdirSync(base).sort().reverse()) {
      const p = join(base, v, 'bin', 'pgbench');
      if (existsSync(p)) return p;
    }
    return null;
  }
}

/** Transactions pgbench completed running `script`. */
function run(bin: string, uri: string, script: string, seconds: number, clients: number): Promise<number> {
  return new Promise((resolve, reject) => {
    execFile(bin, ['-n', '-M', 'prepared', '-c', String(clients), '-j', '1', '-T', String(seconds), '-f', script, uri], (err, stdout, stderr) => {
      if (err !== null) {
        reject(new Error(`pgbench failed: ${stderr || err.message}`));
        return;
      }
      const m = /number of transactions actually processed: (\d+)/.exec(stdout);
      if (m === null) reject(new Error(`could not parse pgbench output:\n${stdout}`));
      else resolve(Number(m[1]));
    });
  });
}

/** The bare statement a hand-written API runs for GET /posts?id=eq.N (the Fastify peer's). */
export const BARE_PK_SQL = 'select * from bench.posts where id = $1';

const PIPELINE_DEPTH = 16;

export interface BareStatementCost {
  readonly pgCpuMicrosPerStatement: number;
  readonly statementsPerSecond: number;
}

/**
 * PostgreSQL CPU µs per bare GET-by-pk statement, pipelined 16 deep; null without pgbench or
 * without the postmaster's pid (a database that is not ours to measure).
 */
export async function bareStatementPgCpu(
  uri: string,
  opts: { seconds: number; clients: number; dir: string; postmaster: number | null },
): Promise<BareStatementCost | null> {
  const bin = findPgbench();
  if (bin === null || opts.postmaster === null) return null;
  const script = join(opts.dir, 'bare-pk16.sql');
  const vars = Array.from({ length: PIPELINE_DEPTH }, (_, i) => `\\set id${i} random(1, 100000)\n`).join('');
  const body = Array.from({ length: PIPELINE_DEPTH }, (_, i) => BARE_PK_SQL.replace('$1', `:id${i}`) + ';\n').join('');
  writeFileSync(script, `${vars}\\startpipeline\n${body}\\endpipeline\n`);
  const cpu0 = treeCpuMicros(opts.postmaster);
  const transactions = await run(bin, uri, script, opts.seconds, opts.clients);
  const cpu = treeCpuMicros(opts.postmaster) - cpu0;
  const statements = transactions * PIPELINE_DEPTH;
  return { pgCpuMicrosPerStatement: cpu / Math.max(1, statements), statementsPerSecond: statements / opts.seconds };
}
