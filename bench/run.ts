// `make bench` (interim): an embedded PostgreSQL with the demo schema plus 10k generated rows,
// the gateway on a free port, and a short closed-loop load per workload from a separate
// process. Writes bench/results/latest.json and prints a Markdown table.

import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startGateway } from '../gateway/app.js';
import { loadConfig } from '../gateway/config.js';
import { startEmbedded } from '../gateway/embedded.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');

interface Workload {
  readonly name: string;
  readonly path: string;
  readonly status: number;
}

const WORKLOADS: readonly Workload[] = [
  { name: 'GET one row by primary key', path: '/todos?id=eq.42', status: 200 },
  { name: 'GET 25 rows filtered and ordered', path: '/todos?done=eq.false&order=id.desc&limit=25', status: 200 },
  { name: '404 unknown table', path: '/nope', status: 404 },
];

function load(url: string, connections: number, seconds: number, status: number): Promise<Record<string, number>> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [join(here, 'load.js'), url, String(connections), String(seconds), String(status)], (err, stdout) => {
      if (err !== null) reject(err);
      else resolve(JSON.parse(stdout) as Record<string, number>);
    });
  });
}

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const seconds = quick ? 3 : 10;
  const dataDir = mkdtempSync(join(tmpdir(), 'pgrest-gateway-bench-'));
  rmSync(dataDir, { recursive: true });
  const port = 54000 + Math.floor(Math.random() * 1000);
  const cluster = await startEmbedded({ dataDir, port });
  try {
    await cluster.exec(readFileSync(join(root, 'test', 'fixtures', '00_demo.sql'), 'utf8'));
    await cluster.exec("insert into api.todos (title, done) select 'todo ' || i, i % 3 = 0 from generate_series(1, 10000) i");
    const config = loadConfig({
      env: {
        PGRST_DB_URI: `postgresql://authenticator:pw@127.0.0.1:${port}/postgres`,
        PGRST_DB_SCHEMAS: 'api',
        PGRST_DB_ANON_ROLE: 'web_anon',
        PGRST_SERVER_HOST: '127.0.0.1',
        PGRST_SERVER_PORT: '0',
      },
    });
    const gw = await startGateway(config, { log: () => undefined });
    const results: Record<string, unknown>[] = [];
    try {
      for (const w of WORKLOADS) {
        const url = `http://127.0.0.1:${gw.port}${w.path}`;
        await load(url, 16, 1, w.status); // warm-up
        const r = await load(url, 32, seconds, w.status);
        if (r['unexpected'] !== 0) throw new Error(`${w.name}: ${r['unexpected']} responses with an unexpected status`);
        results.push({ workload: w.name, path: w.path, ...r });
      }
    } finally {
      await gw.stop();
    }
    const report = { date: new Date().toISOString(), node: process.version, quick, connections: 32, seconds, results };
    mkdirSync(join(root, 'bench', 'results'), { recursive: true });
    writeFileSync(join(root, 'bench', 'results', 'latest.json'), JSON.stringify(report, null, 2) + '\n');
    console.log('| workload | req/s | p50 ms | p99 ms |\n| --- | ---: | ---: | ---: |');
    for (const r of results) {
      const n = (k: string): string => (r[k] as number).toFixed(k === 'rps' ? 0 : 2);
      console.log(`| ${String(r['workload'])} | ${n('rps')} | ${n('p50ms')} | ${n('p99ms')} |`);
    }
  } finally {
    await cluster.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.stack : String(err));
  process.exit(1);
});
