// Gateway CPU per request without the whole `make bench`: one embedded PostgreSQL with the
// dataset (or BENCH_DB_URI), one gateway child started as the bench starts it, then for each
// named workload a 1 s wrk warm-up and an N-second run; prints the gateway's CPU µs per
// request (/proc utime+stime over wrk's request count). With --cpu-prof the gateway runs under
// `node --cpu-prof` and writes its profile to the given folder when it stops.
//
//   node dist/bench/cpu.js [--seconds 8] [--cpu-prof DIR] [--node-flags '…'] [--hold] [workload…]   (default: every workload;
//   --hold keeps the gateway up until SIGINT first, for strace or perf by hand)

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SignJWT } from 'jose';
import { freePort } from '../gateway/embedded.js';
import { benchDatabase } from './database.js';
import { cpuMicros } from './procstat.js';
import { SCENARIOS } from './scenarios.js';
import { ensureWrk, runWrk } from './wrk.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const JWT_SECRET = 'benchbenchbenchbenchbenchbenchbench';

function flag(name: string): string | null {
  const i = process.argv.indexOf(name);
  if (i < 0) return null;
  const v = process.argv[i + 1];
  process.argv.splice(i, 2);
  return v ?? null;
}

async function main(): Promise<void> {
  const seconds = Number(flag('--seconds') ?? 8);
  const profDir = flag('--cpu-prof');
  const extraFlags = (flag('--node-flags') ?? '').split(' ').filter((f) => f !== '');
  const hold = process.argv.includes('--hold') ? (process.argv.splice(process.argv.indexOf('--hold'), 1), true) : false;
  const names = process.argv.slice(2);
  const chosen = names.length === 0 ? SCENARIOS : SCENARIOS.filter((s) => names.includes(s.name));
  ensureWrk();
  const work = mkdtempSync(join(tmpdir(), 'pgrest-gateway-cpu-'));
  const db = await benchDatabase(join(tmpdir(), `pgrest-gateway-cpu-pgdata-${process.pid}`));
  let gateway: ChildProcess | null = null;
  try {
    const port = await freePort();
    const nodeFlags = ['--max-semi-space-size=4', ...extraFlags, ...(profDir === null ? [] : ['--cpu-prof', `--cpu-prof-dir=${profDir}`])];
    gateway = spawn(process.execPath, [...nodeFlags, join(root, 'dist', 'gateway', 'main.js')], {
      env: {
        ...process.env,
        PGRST_DB_URI: db.authenticatorUri,
        PGRST_DB_SCHEMAS: 'bench',
        PGRST_DB_ANON_ROLE: 'web_anon',
        PGRST_SERVER_HOST: '127.0.0.1',
        PGRST_SERVER_PORT: String(port),
        PGRST_SERVER_WORKERS: '1',
        PGRST_JWT_SECRET: JWT_SECRET,
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const base = `http://127.0.0.1:${port}`;
    for (let i = 0; ; i++) {
      try {
        await fetch(base + '/');
        break;
      } catch {
        if (i > 200) throw new Error('gateway did not start');
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    if (hold) {
      // For strace/perf by hand: the gateway stays up until this process gets SIGINT.
      process.stdout.write(`gateway pid ${gateway.pid} at ${base}, database ${db.authenticatorUri}\n`);
      await new Promise<void>((r) => process.once('SIGINT', () => r()));
    }
    const fixed = await new SignJWT({ role: 'bench_user', sub: 'user7', n: 7 }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('2h').sign(new TextEncoder().encode(JWT_SECRET));
    for (const s of chosen) {
      if (s.uniqueToken === true) continue;
      const opts = { connections: 32, tmpDir: work, tokenFile: null, fixedToken: s.fixedToken === true ? fixed : null };
      await runWrk(base, s, { ...opts, seconds: 1 });
      const cpu0 = cpuMicros(gateway.pid!);
      const r = await runWrk(base, s, { ...opts, seconds });
      const cpu = (cpuMicros(gateway.pid!) - cpu0) / Math.max(1, r.requests);
      const bad = r.unexpected + r.socketErrors > 0 ? `  (${r.unexpected} unexpected, ${r.socketErrors} socket errors)` : '';
      process.stdout.write(`${s.name.padEnd(26)} ${r.rps.toFixed(0).padStart(7)} req/s  ${cpu.toFixed(1).padStart(6)} CPU µs/req${bad}\n`);
    }
  } finally {
    if (gateway !== null && gateway.exitCode === null) {
      const g = gateway;
      await new Promise<void>((r) => {
        g.once('exit', () => r());
        g.kill('SIGINT');
      });
    }
    await db.cluster?.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
