// Debian's PgBouncer in transaction mode in front of the test database, for the PgBouncer
// tests: installed with apt-get when missing (as root, where apt-get exists), configured in a
// temp directory, listening on a free 127.0.0.1 port, SCRAM to the client and to PostgreSQL.

import { spawn, spawnSync, execFileSync, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './net.js';

export interface Bouncer {
  readonly port: number;
  /** The test database through PgBouncer, as the authenticator. */
  readonly authenticatorUri: string;
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
export async function startPgbouncer(binary: string, superuserUri: string, options: { poolSize?: number } = {}): Promise<Bouncer> {
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
  return {
    port,
    authenticatorUri: uri.toString(),
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
