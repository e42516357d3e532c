// Ceiling: pgbench replaying the exact SQL the gateway sends for GET-by-primary-key (the
// set_config statement plus the main statement, one Sync), with the same parameters as
// pgbench variables; once per round trip and 16 pipelined per round trip.

import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { actionPlan, decodeSchemaCache, mainStatement, toApiRequest, txVarsStatement } from '../planner/index.js';

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

const literal = (v: string | null): string => (v === null ? 'NULL' : "'" + v.replace(/'/g, "''") + "'");

/** The gateway's statements for GET /posts?id=eq.N with `:id` as the only variable. */
export function gatewaySql(): string {
  const cache = decodeSchemaCache(
    JSON.stringify([
      {
        schema: 'bench', name: 'posts', kind: 'table', insertable: true, updatable: true, deletable: true,
        primary_key: ['id'], columns: [{ name: 'id', type: 'integer', nullable: false, has_default: false }],
      },
    ]),
  );
  const req = toApiRequest({ method: 'GET', path: '/posts', query: 'id=eq.1', headers: {}, body: null }, { schemas: ['bench'] });
  if (!req.ok) throw new Error(req.error.message);
  const plan = actionPlan(req.value, cache, { maxRows: null });
  if (!plan.ok) throw new Error(plan.error.message);
  const main = mainStatement(plan.value);
  const tx = txVarsStatement({
    role: 'web_anon', claims: '{}', method: 'GET', path: '/posts', headers: '{}', cookies: '{}',
    searchPath: '"bench", "public"', settings: [], readOnly: true,
  });
  const txText = tx.text.replace(/\$(\d+)/g, (_, n: string) => literal(tx.params[Number(n) - 1] ?? null));
  const mainText = main.text.replace(/\$(\d+)/g, (_, n: string) => (n === '1' ? ':id' : literal(main.params[Number(n) - 1] ?? null)));
  return `${txText};\n${mainText};\n`;
}

function run(bin: string, uri: string, script: string, seconds: number, clients: number): Promise<number> {
  return new Promise((resolve, reject) => {
    execFile(bin, ['-n', '-M', 'extended', '-c', String(clients), '-j', '1', '-T', String(seconds), '-f', script, uri], (err, stdout, stderr) => {
      if (err !== null) {
        reject(new Error(`pgbench failed: ${stderr || err.message}`));
        return;
      }
      const m = /tps = ([\d.]+)/.exec(stdout);
      if (m === null) reject(new Error(`could not parse pgbench output:\n${stdout}`));
      else resolve(Number(m[1]));
    });
  });
}

export async function runPgbench(
  uri: string,
  opts: { seconds: number; clients: number; dir: string },
): Promise<{ perRoundTrip1: number; perRoundTrip16: number } | null> {
  const bin = findPgbench();
  if (bin === null) return null;
  const statements = gatewaySql();
  const one = join(opts.dir, 'pk1.sql');
  const sixteen = join(opts.dir, 'pk16.sql');
  const setId = '\\set id random(1, 100000)\n';
  writeFileSync(one, `${setId}\\startpipeline\n${statements}\\endpipeline\n`);
  writeFileSync(sixteen, `${setId}\\startpipeline\n${statements.repeat(16)}\\endpipeline\n`);
  const tps1 = await run(bin, uri, one, opts.seconds, opts.clients);
  const tps16 = await run(bin, uri, sixteen, opts.seconds, opts.clients);
  return { perRoundTrip1: tps1, perRoundTrip16: tps16 * 16 };
}
