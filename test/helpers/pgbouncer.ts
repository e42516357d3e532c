// PgBouncer in transaction mode in front of the test database, for the PgBouncer tests:
// Debian's (installed with apt-get when missing, as root where apt-get exists) or 1.24.1 built
// from Debian trixie's source by scripts/ensure-pgbouncer.sh; configured in a temp directory,
// listening on a free 127.0.0.1 port, SCRAM to the client and to PostgreSQL.

import { spawn, spawnSync, execFileSync, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import type { Gateway } from '../../gateway/app.js';
import { request, sqlQuery } from './gateway.js';
import { freePort } from './net.js';

export interface Bouncer {
  readonly port: number;
  /** The test database through PgBouncer, as the authenticator. */
  readonly authenticatorUri: string;
  /** PgBouncer's admin console (database `pgbouncer`, simple query protocol only), as the authenticator. */
  readonly consoleUri: string;
  stop(): Promise<void>;
}

const CANDIDATES = ['/usr/sbin/pgbouncer', '/usr/bin/pgbouncer', '/usr/local/bin/pgbouncer'];

function findBinary(): string | null {
  return CANDIDATES.find((p) => existsSync(p)) ?? null;
}

const isRoot = (): boolean => typeof process.getuid === 'function' && process.getuid() === 0;

/**
 * The pgbouncer binary, installing Debian's package when it is missing and this process may
 * (root with apt-get); otherwise why the PgBouncer tests cannot run.
 */
export function pgbouncerBinary(): { path: string } | { skip: string } {
  let found = findBinary();
  if (found !== null) return { path: found };
  if (!isRoot() || !existsSync('/usr/bin/apt-get')) return { skip: 'pgbouncer is not installed and this is not root on a Debian-like system (apt-get install pgbouncer)' };
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  let install = spawnSync('apt-get', ['install', '-y', '-qq', 'pgbouncer'], { env, stdio: 'ignore' });
  if (install.status !== 0) {
    spawnSync('apt-get', ['update', '-qq'], { env, stdio: 'ignore' });
    install = spawnSync('apt-get', ['install', '-y', '-qq', 'pgbouncer'], { env, stdio: 'ignore' });
  }
  found = findBinary();
  return found !== null ? { path: found } : { skip: `apt-get install pgbouncer failed (exit ${install.status ?? 'signal'})` };
}

/**
 * PgBouncer 1.24.1 built from Debian trixie's source (protocol-level prepared statements in
 * transaction mode, which bookworm's 1.18 lacks), cached by scripts/ensure-pgbouncer.sh; else
 * the script's reason, for the test to skip with.
 */
export function builtPgbouncer(): { path: string } | { skip: string } {
  const script = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'scripts', 'ensure-pgbouncer.sh');
  const run = spawnSync('bash', [script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (run.stderr !== '') process.stderr.write(run.stderr);
  const path = run.stdout.trim().split('\n').pop() ?? '';
  if (run.status === 0 && path !== '' && existsSync(path)) return { path };
  const why = run.stderr.trim().split('\n').pop();
  return { skip: why !== undefined && why !== '' ? why : `scripts/ensure-pgbouncer.sh gave no binary (exit ${run.status ?? 'signal'})` };
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/** PgBouncer in front of the database in `superuserUri`, its authenticator (password `pw`) allowed. */
export async function startPgbouncer(binary: string, superuserUri: string, options: { poolSize?: number; maxPreparedStatements?: number } = {}): Promise<Bouncer> {
  const db = new URL(superuserUri);
  const dbname = db.pathname.slice(1);
  const dir = mkdtempSync(join(tmpdir(), 'pgrest-gateway-pgbouncer-'));
  const port = await freePort();
  writeFileSync(join(dir, 'users.txt'), '"authenticator" "pw"\n');
  writeFileSync(
    join(dir, 'pgbouncer.ini'),
    [
      '[databases]',
      `${dbname} = host=127.0.0.1 port=${db.port} dbname=${dbname}`,
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${port}`,
      'unix_socket_dir =',
      'auth_type = scram-sha-256',
      `auth_file = ${join(dir, 'users.txt')}`,
      'pool_mode = transaction',
      // Fewer server connections than the gateway's pool: transactions of different clients
      // and roles take turns on the same backends, which is what transaction mode is about.
      `default_pool_size = ${options.poolSize ?? 2}`,
      'max_client_conn = 100',
      'server_reset_query =',
      // SHOW STATS / SHOW SERVERS for the tests.
      'admin_users = authenticator',
      // PgBouncer >= 1.21 only: track named statements across server connections.
      ...(options.maxPreparedStatements !== undefined ? [`max_prepared_statements = ${options.maxPreparedStatements}`] : []),
      '',
    ].join('\n'),
  );
  // PgBouncer refuses to run as root; -u switches to the postgres user, which must read the files.
  const args = [join(dir, 'pgbouncer.ini')];
  if (isRoot()) {
    const id = (flag: string): number => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
    for (const f of ['', 'users.txt', 'pgbouncer.ini']) chownSync(join(dir, f), id('-u'), id('-g'));
    args.unshift('-u', 'postgres');
  }
  const child: ChildProcess = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr?.on('data', (c: Buffer) => {
    log = (log + c.toString()).slice(-4000);
  });
  for (let i = 0; !(await listening(port)); i++) {
    if (child.exitCode !== null || i > 100) {
      child.kill('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`pgbouncer did not start: ${log}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const uri = new URL(superuserUri);
  uri.port = String(port);
  uri.username = 'authenticator';
  uri.password = 'pw';
  const consoleUri = new URL(uri);
  consoleUri.pathname = '/pgbouncer';
  return {
    port,
    authenticatorUri: uri.toString(),
    consoleUri: consoleUri.toString(),
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise<void>((r) => child.once('exit', () => r()));
        // SIGINT: PgBouncer's safe shutdown waits for clients; SIGTERM exits at once.
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A read, a write (checked in the table), an RPC and a client error through a gateway in front
 * of PgBouncer: each answered as against PostgreSQL itself, the next request unaffected.
 */
export async function checkReadWriteRpc(gw: Gateway, label: string): Promise<void> {
  const read = await request(gw, 'GET', '/scale_node');
  assert.equal(read.status, 200, read.text);
  assert.deepEqual(read.json(), [{ in_recovery: false }]);
  const write = await request(gw, 'POST', '/scale_items', { body: JSON.stringify({ label }), headers: { 'Content-Type': 'application/json', Prefer: 'return=representation' } });
  assert.equal(write.status, 201, write.text);
  assert.equal((write.json() as { label: string }[])[0]!.label, label);
  assert.equal((await sqlQuery('select 1 from api.scale_items where label = $1', [label])).length, 1);
  const rpc = await request(gw, 'GET', '/rpc/scale_in_recovery');
  assert.equal(rpc.status, 200, rpc.text);
  assert.equal(rpc.json(), false);
  // A client error still gets its PostgREST error through PgBouncer, and the next request is fine.
  const bad = await request(gw, 'GET', '/scale_items?id=eq.not-a-number');
  assert.equal(bad.status, 400, bad.text);
  assert.equal((bad.json() as { code: string }).code, '22P02');
}
