// Operations against a real database: Server-Timing, server-trace-header, log-query, unix
// sockets (API and admin), server-reuseport, server-host `*`, in-database config (role
// settings and db-pre-config) at start and on reload, and the CLI's --dump-config and
// invalid-config exits. The in-database tests use their own login role (90_ops.sql).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { getOnce } from '../helpers/http.js';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SignJWT } from 'jose';
import { startGateway, type Gateway } from '../../gateway/app.js';
import { ConfigError, loadConfig } from '../../gateway/config.js';
import { authenticatorUri, JWT_SECRET, request, sqlQuery, startTestGateway } from '../helpers/gateway.js';

const MAIN = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'gateway', 'main.js');

/** GET over a unix socket. */
function unixGet(socketPath: string, path: string): Promise<{ status: number; body: string }> {
  // No keep-alive: a connection must not outlive the gateway the test stops.
  return getOnce({ socketPath, path });
}

/** Runs the gateway binary with exactly this environment (and PATH). */
function runMain(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [MAIN, ...args], { env: { PATH: process.env['PATH'] ?? '', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('exit', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const a = srv.address();
      srv.close(() => resolve(typeof a === 'object' && a !== null ? a.port : 0));
    });
  });
}

/** Whether another process can bind 127.0.0.1:port with uWS's defaults (SO_REUSEPORT). */
function otherProcessCanBind(port: number): Promise<boolean> {
  const code = `require('uWebSockets.js').App().listen('127.0.0.1', ${port}, (s) => { process.stdout.write(s === false ? 'refused' : 'bound'); process.exit(0); });`;
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['-e', code], { cwd: process.cwd(), timeout: 10_000 }, (err, stdout) => {
      if (err !== null) reject(err);
      else resolve(stdout === 'bound');
    });
  });
}

describe('Server-Timing, trace header and log-query', () => {
  test('server-timing-enabled adds the five phases in PostgREST format; off by default', async () => {
    const on = await startTestGateway({ PGRST_SERVER_TIMING_ENABLED: 'true' });
    const off = await startTestGateway();
    try {
      const r = await request(on, 'GET', '/todos?limit=1');
      assert.equal(r.status, 200);
      assert.match(r.headers.get('server-timing') ?? '', /^jwt;dur=\d+\.\d, parse;dur=\d+\.\d, plan;dur=\d+\.\d, transaction;dur=\d+\.\d, response;dur=\d+\.\d$/);
      const bad = await request(on, 'GET', '/todos?id=eqq.1');
      assert.equal(bad.status, 400);
      assert.match(bad.headers.get('server-timing') ?? '', /^jwt;dur=\d+\.\d, parse;dur=\d+\.\d/);
      assert.equal((await request(off, 'GET', '/todos?limit=1')).headers.get('server-timing'), null);
      // OPTIONS has its phases too, as PostgREST's ServerTimingSpec (no plan or transaction).
      assert.match((await request(on, 'OPTIONS', '/todos')).headers.get('server-timing') ?? '', /^jwt;dur=\d+\.\d, parse;dur=\d+\.\d, response;dur=\d+\.\d$/);
    } finally {
      await on.stop();
      await off.stop();
    }
  });

  test('server-trace-header echoes the request header, on errors too', async () => {
    const gw = await startTestGateway({ PGRST_SERVER_TRACE_HEADER: 'X-Request-Id' });
    const off = await startTestGateway();
    try {
      assert.equal((await request(gw, 'GET', '/todos?limit=1', { headers: { 'X-Request-Id': 'abc-123' } })).headers.get('x-request-id'), 'abc-123');
      assert.equal((await request(gw, 'GET', '/nope', { headers: { 'x-request-id': 'e-1' } })).headers.get('x-request-id'), 'e-1');
      assert.equal((await request(gw, 'GET', '/todos?limit=1')).headers.get('x-request-id'), null);
      assert.equal((await request(off, 'GET', '/todos?limit=1', { headers: { 'X-Request-Id': 'abc' } })).headers.get('x-request-id'), null);
    } finally {
      await gw.stop();
      await off.stop();
    }
  });

  test('log-query logs the main SQL of each request the log level records', async () => {
    const lines: string[] = [];
    const info = await startTestGateway({ PGRST_LOG_QUERY: 'true', PGRST_LOG_LEVEL: 'info' }, { log: (l) => lines.push(l) });
    try {
      await request(info, 'GET', '/todos?limit=1');
      const sql = lines.filter((l) => l.startsWith('GET /todos?limit=1: '));
      assert.equal(sql.length, 1);
      assert.match(sql[0]!, /select .*"api"\."todos"/i);
    } finally {
      await info.stop();
    }
    const quiet: string[] = [];
    const warn = await startTestGateway({ PGRST_LOG_QUERY: 'true', PGRST_LOG_LEVEL: 'warn' }, { log: (l) => quiet.push(l) });
    const off: string[] = [];
    const disabled = await startTestGateway({ PGRST_LOG_LEVEL: 'info' }, { log: (l) => off.push(l) });
    try {
      await request(warn, 'GET', '/todos?limit=1');
      await request(disabled, 'GET', '/todos?limit=1');
      assert.deepEqual(quiet.filter((l) => l.startsWith('GET /todos')), [], 'a 200 is not logged at warn');
      assert.deepEqual(off.filter((l) => l.startsWith('GET /todos')), [], 'log-query is off by default');
    } finally {
      await warn.stop();
      await disabled.stop();
    }
  });
});

describe('reloaded log-level', () => {
  test('switching to info by reload logs every request with the client address', async () => {
    const lines: string[] = [];
    const e: Record<string, string> = {
      PGRST_DB_URI: authenticatorUri(), PGRST_DB_SCHEMAS: 'api', PGRST_DB_ANON_ROLE: 'web_anon', PGRST_SERVER_HOST: '127.0.0.1',
      PGRST_SERVER_PORT: '0', PGRST_DB_POOL: '2', PGRST_LOG_LEVEL: 'warn', PGRST_DB_CHANNEL_ENABLED: 'false', PGRST_DB_CONFIG: 'false',
    };
    const gw = await startGateway(loadConfig({ env: e }), { log: () => undefined, accessLog: (l) => lines.push(l), loadConfig: () => loadConfig({ env: e }) });
    try {
      await request(gw, 'GET', '/todos?limit=1');
      assert.deepEqual(lines, []);
      e['PGRST_LOG_LEVEL'] = 'info';
      assert.equal(await gw.reloadConfig(), true);
      await request(gw, 'GET', '/todos?limit=1');
      assert.equal(lines.length, 1);
      assert.match(lines[0]!, /^127\.0\.0\.1 - web_anon .*"GET \/todos\?limit=1 HTTP\/1\.1" 200 /);
    } finally {
      await gw.stop();
    }
  });
});

describe('error verbosity and recovery', () => {
  test('client-error-verbosity = minimal keeps code and message only', async () => {
    const minimal = await startTestGateway({ PGRST_CLIENT_ERROR_VERBOSITY: 'minimal' });
    const verbose = await startTestGateway();
    try {
      const m = await request(minimal, 'GET', '/todos?id=eqq.1');
      assert.equal(m.status, 400);
      assert.deepEqual(Object.keys(m.json() as object).sort(), ['code', 'message']);
      assert.equal((m.json() as { code: string }).code, 'PGRST100');
      const v = await request(verbose, 'GET', '/todos?id=eqq.1');
      assert.deepEqual(Object.keys(v.json() as object).sort(), ['code', 'details', 'hint', 'message']);
      assert.equal((await request(minimal, 'GET', '/todos?limit=1')).status, 200);
    } finally {
      await minimal.stop();
      await verbose.stop();
    }
  });

  test('db-pool-automatic-recovery = false: an unreachable database at start is fatal instead of retried', async () => {
    const reasons: string[] = [];
    const port = await freePort();
    const config = loadConfig({
      env: { PGRST_DB_URI: `postgresql://nobody:pw@127.0.0.1:${port}/nodb`, PGRST_SERVER_HOST: '127.0.0.1', PGRST_SERVER_PORT: '0', PGRST_DB_POOL_AUTOMATIC_RECOVERY: 'false' },
    });
    const gw = await startGateway(config, { log: () => undefined, waitForSchema: false, onFatal: (r) => reasons.push(r) });
    try {
      for (let i = 0; i < 100 && reasons.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
      assert.equal(reasons.length, 1);
      assert.match(reasons[0]!, /Could not load the schema cache/);
    } finally {
      await gw.stop();
    }
  });
});

describe('listening', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'ops-sock-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('server-unix-socket serves the API with the configured mode and removes the socket on stop', async () => {
    const path = join(dir, 'api.sock');
    const gw = await startTestGateway({ PGRST_SERVER_UNIX_SOCKET: path, PGRST_SERVER_UNIX_SOCKET_MODE: '600' });
    try {
      assert.equal(statSync(path).mode & 0o777, 0o600);
      const r = await unixGet(path, '/todos?limit=1');
      assert.equal(r.status, 200, r.body);
      assert.equal((JSON.parse(r.body) as unknown[]).length, 1);
    } finally {
      await gw.stop();
    }
    assert.equal(existsSync(path), false);
    // A socket left behind by a crash is replaced; the default mode is 660.
    const again = await startTestGateway({ PGRST_SERVER_UNIX_SOCKET: path });
    try {
      assert.equal(statSync(path).mode & 0o777, 0o660);
      const r = await unixGet(path, '/todos?limit=1');
      assert.equal(r.status, 200, r.body);
    } finally {
      await again.stop();
    }
  });

  test('a server-unix-socket path that is not a socket stops the start', async () => {
    const path = join(dir, 'regular-file');
    writeFileSync(path, 'not a socket');
    await assert.rejects(startTestGateway({ PGRST_SERVER_UNIX_SOCKET: path }), /server-unix-socket .*regular-file exists and is not a socket/);
  });

  // Regression: the first schema load starts before the bind, and a failed bind left it
  // retrying against the closed pool, its timer keeping the process alive (this file hung at exit).
  test('a start that fails at the bind (API or admin) leaves nothing running: the process exits by itself', async () => {
    const file = join(dir, 'regular-file-2');
    writeFileSync(file, 'not a socket');
    const taken = createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
    const takenPort = (taken.address() as { port: number }).port;
    const helper = join(dirname(fileURLToPath(import.meta.url)), '..', 'helpers', 'gateway.js');
    try {
      for (const env of [{ PGRST_SERVER_UNIX_SOCKET: file }, { PGRST_ADMIN_SERVER_HOST: '127.0.0.1', PGRST_ADMIN_SERVER_PORT: String(takenPort) }]) {
        const code = `const { startTestGateway } = await import(${JSON.stringify(helper)});
          await startTestGateway(${JSON.stringify(env)}).then(() => process.stdout.write('started'), () => process.stdout.write('refused'));`;
        const child = spawn(process.execPath, ['--input-type=module', '-e', code], { env: process.env, stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        child.stdout.on('data', (c: Buffer) => (out += c.toString()));
        // Only a guard against hanging the suite: the assertion is that it exits at all.
        const guard = setTimeout(() => child.kill('SIGKILL'), 30_000);
        const [exitCode, signal] = await new Promise<[number | null, string | null]>((r) => child.once('exit', (c, s) => r([c, s])));
        clearTimeout(guard);
        assert.equal(out, 'refused', JSON.stringify(env));
        assert.deepEqual([exitCode, signal], [0, null], `still running after the failed start (${JSON.stringify(env)})`);
      }
    } finally {
      taken.close();
    }
  });

  test('admin-server-unix-socket serves /live and /ready', async () => {
    const path = join(dir, 'admin.sock');
    const gw = await startTestGateway({ PGRST_ADMIN_SERVER_UNIX_SOCKET: path, PGRST_ADMIN_SERVER_UNIX_SOCKET_MODE: '640' });
    try {
      assert.equal(statSync(path).mode & 0o777, 0o640);
      assert.equal((await unixGet(path, '/live')).status, 200);
      assert.equal((await unixGet(path, '/ready')).status, 200);
      const ready = await runMain(['--ready'], { PGRST_ADMIN_SERVER_UNIX_SOCKET: path });
      assert.equal(ready.code, 0, ready.stderr);
      assert.equal(ready.stdout, `OK: unix:${path}:/ready\n`);
    } finally {
      await gw.stop();
    }
    assert.equal(existsSync(path), false);
    const down = await runMain(['--ready'], { PGRST_ADMIN_SERVER_UNIX_SOCKET: path });
    assert.equal(down.code, 1);
    assert.match(down.stderr, /^ERROR: unix:.*admin\.sock:\/ready: /);
  });

  test('server-reuseport: off binds the port exclusively, on lets another process share it', async () => {
    // uSockets sets SO_REUSEPORT only on an explicit port, so port 0 cannot show it.
    const port = await freePort();
    const exclusive = await startTestGateway({ PGRST_SERVER_PORT: String(port) });
    try {
      assert.equal(await otherProcessCanBind(exclusive.port), false);
    } finally {
      await exclusive.stop();
    }
    const shared = await startTestGateway({ PGRST_SERVER_PORT: String(port), PGRST_SERVER_REUSEPORT: 'true' });
    try {
      assert.equal(await otherProcessCanBind(shared.port), true);
    } finally {
      await shared.stop();
    }
  });

  test('server-host "*" listens on every address, IPv4 included, for the API and the admin server', async () => {
    const gw = await startTestGateway({ PGRST_SERVER_HOST: '*', PGRST_ADMIN_SERVER_PORT: String(await freePort()) });
    try {
      assert.equal((await request(gw, 'GET', '/todos?limit=1')).status, 200);
      assert.equal((await fetch(`http://127.0.0.1:${gw.adminPort}/live`)).status, 200);
    } finally {
      await gw.stop();
    }
  });

  test('admin-server-host "!6" is IPv6 only', async (t) => {
    const gw = await startTestGateway({ PGRST_ADMIN_SERVER_HOST: '!6', PGRST_ADMIN_SERVER_PORT: String(await freePort()) });
    try {
      const v6 = await fetch(`http://[::1]:${gw.adminPort}/live`).then((r) => r.status, () => null);
      if (v6 === null) {
        t.skip('this host has no IPv6 loopback');
        return;
      }
      assert.equal(v6, 200);
      await assert.rejects(fetch(`http://127.0.0.1:${gw.adminPort}/live`));
    } finally {
      await gw.stop();
    }
  });
});

describe('in-database config', () => {
  let database = '';
  const uri = (): string => {
    const u = new URL(authenticatorUri());
    u.username = 'ops_authenticator';
    return u.toString();
  };
  const env = (extra: Record<string, string> = {}): Record<string, string> => ({
    PGRST_DB_URI: uri(),
    PGRST_DB_SCHEMAS: 'api',
    PGRST_DB_ANON_ROLE: 'web_anon',
    PGRST_SERVER_HOST: '127.0.0.1',
    PGRST_SERVER_PORT: '0',
    PGRST_DB_POOL: '2',
    PGRST_JWT_SECRET: JWT_SECRET,
    PGRST_DB_MAX_ROWS: '5',
    // A channel of its own, so the NOTIFY below reaches no other suite's gateway.
    PGRST_DB_CHANNEL: 'ops_reload',
    ...extra,
  });
  const start = (extra: Record<string, string> = {}): Promise<Gateway> => {
    const e = env(extra);
    return startGateway(loadConfig({ env: e }), {
      log: () => undefined,
      accessLog: () => undefined,
      loadConfig: (db) => loadConfig({ env: e, ...(db === undefined ? {} : { db }) }),
    });
  };
  const setRole = (name: string, value: string): Promise<unknown> =>
    sqlQuery(`alter role ops_authenticator in database "${database}" set pgrst.${name} = '${value}'`);
  const rows = async (gw: Gateway): Promise<number> => ((await request(gw, 'GET', '/todos')).json() as unknown[]).length;

  before(async () => {
    database = (await sqlQuery<{ db: string }>('select current_database() as db'))[0]!.db;
  });
  after(async () => {
    await sqlQuery(`alter role ops_authenticator in database "${database}" reset all`);
    await sqlQuery('delete from ops_config.flags');
  });

  test('role settings override the environment at start; db-config = false ignores them', async () => {
    await setRole('db_max_rows', '1');
    const gw = await start();
    const off = await start({ PGRST_DB_CONFIG: 'false' });
    try {
      assert.equal(gw.state.config.dbMaxRows, 1);
      assert.equal(await rows(gw), 1);
      assert.equal(off.state.config.dbMaxRows, 5);
    } finally {
      await gw.stop();
      await off.stop();
    }
  });

  test('db-pre-config sets options through set_config, under the role settings', async () => {
    await sqlQuery("insert into ops_config.flags values ('server_timing_enabled', 'true'), ('db_max_rows', '2')");
    const gw = await start({ PGRST_DB_PRE_CONFIG: 'ops_config.pre_config' });
    try {
      assert.match((await request(gw, 'GET', '/todos')).headers.get('server-timing') ?? '', /^jwt;dur=/);
      // The role setting (1) wins over the function's value (2), as PostgREST orders them.
      assert.equal(gw.state.config.dbMaxRows, 1);
    } finally {
      await gw.stop();
      await sqlQuery('delete from ops_config.flags');
    }
  });

  test('reload config (SIGUSR2 entry point and NOTIFY) re-reads the role settings; an invalid one keeps the old config', async () => {
    await setRole('db_max_rows', '1');
    const gw = await start();
    try {
      assert.equal(gw.state.config.dbMaxRows, 1);
      await setRole('db_max_rows', '2');
      assert.equal(await gw.reloadConfig(), true);
      assert.equal(gw.state.config.dbMaxRows, 2);

      await setRole('db_max_rows', 'lots');
      assert.equal(await gw.reloadConfig(), false);
      assert.equal(gw.state.config.dbMaxRows, 2);
      assert.equal((await request(gw, 'GET', '/todos')).status, 200);

      await setRole('db_max_rows', '1');
      await sqlQuery("notify ops_reload, 'reload config'");
      for (let i = 0; i < 100 && gw.state.config.dbMaxRows !== 1; i++) await new Promise((r) => setTimeout(r, 50));
      assert.equal(gw.state.config.dbMaxRows, 1);
    } finally {
      await gw.stop();
    }
  });

  test('db-pool-automatic-recovery = false: a connection lost under a request is fatal', async () => {
    await setRole('db_max_rows', '1');
    const reasons: string[] = [];
    const e = env({ PGRST_DB_POOL_AUTOMATIC_RECOVERY: 'false', PGRST_DB_CHANNEL_ENABLED: 'false', PGRST_DB_POOL: '1' });
    const gw = await startGateway(loadConfig({ env: e }), { log: () => undefined, onFatal: (r) => reasons.push(r) });
    try {
      assert.equal((await request(gw, 'GET', '/todos')).status, 200);
      // The pool reconnects transparently after a plain termination; refusing the login too
      // makes the loss visible to the request, deterministically.
      await sqlQuery('alter role ops_authenticator nologin');
      await sqlQuery("select pg_terminate_backend(pid) from pg_stat_activity where usename = 'ops_authenticator'");
      let status = 200;
      for (let i = 0; i < 20 && status === 200; i++) status = (await request(gw, 'GET', '/todos')).status;
      assert.equal(status, 503);
      assert.deepEqual(reasons, ['The database connection was lost']);
    } finally {
      await sqlQuery('alter role ops_authenticator login');
      await gw.stop();
    }
  });

  test('new db-schemas from the database on reload also reload the schema cache', async () => {
    await setRole('db_max_rows', '1');
    const gw = await start();
    const flags = (): Promise<number> => request(gw, 'GET', '/flags', { headers: { 'Accept-Profile': 'ops_config' } }).then((r) => r.status);
    try {
      assert.equal(await flags(), 406);
      await setRole('db_schemas', 'api,ops_config');
      assert.equal(await gw.reloadConfig(), true);
      assert.deepEqual(gw.state.config.dbSchemas, ['api', 'ops_config']);
      let status = 0;
      for (let i = 0; i < 100; i++) {
        status = await flags();
        if (status !== 406 && status !== 404) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      // Exposed and found now; web_anon has no grant on it, so PostgreSQL refuses the read.
      assert.equal(status, 401);
    } finally {
      await sqlQuery(`alter role ops_authenticator in database "${database}" reset pgrst.db_schemas`);
      await gw.stop();
    }
  });

  test('a jwt-secret @file is read again on config reload', async () => {
    await setRole('db_max_rows', '1');
    const dir = mkdtempSync(join(tmpdir(), 'ops-secret-'));
    const file = join(dir, 'secret');
    const secretA = 'ops-secret-a-0123456789abcdef0123456789';
    const secretB = 'ops-secret-b-0123456789abcdef0123456789';
    writeFileSync(file, secretA + '\n');
    const gw = await start({ PGRST_JWT_SECRET: `@${file}` });
    const token = (secret: string): Promise<string> =>
      new SignJWT({ role: 'web_anon' }).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(secret));
    const status = async (secret: string): Promise<number> =>
      (await request(gw, 'GET', '/todos', { headers: { Authorization: `Bearer ${await token(secret)}` } })).status;
    try {
      assert.equal(await status(secretA), 200);
      writeFileSync(file, secretB + '\n');
      assert.equal(await gw.reloadConfig(), true);
      assert.equal(await status(secretB), 200);
      assert.equal(await status(secretA), 401);
    } finally {
      await gw.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a changed db-channel or db-channel-enabled restarts the listener on reload', async () => {
    await setRole('db_max_rows', '1');
    const e = env();
    const gw = await startGateway(loadConfig({ env: e }), { log: () => undefined, accessLog: () => undefined, loadConfig: (db) => loadConfig({ env: e, ...(db === undefined ? {} : { db }) }) });
    const listening = async (): Promise<string[]> =>
      (await sqlQuery<{ query: string }>("select query from pg_stat_activity where usename = 'ops_authenticator' and query ilike 'listen %'")).map((r) => r.query);
    const until = async (check: () => Promise<boolean>): Promise<void> => {
      for (let i = 0; i < 100 && !(await check()); i++) await new Promise((r) => setTimeout(r, 50));
    };
    try {
      await until(async () => (await listening()).length === 1);
      assert.deepEqual(await listening(), ['LISTEN "ops_reload"']);
      e['PGRST_DB_CHANNEL'] = 'ops_reload_two';
      assert.equal(await gw.reloadConfig(), true);
      await until(async () => (await listening()).join() === 'LISTEN "ops_reload_two"');
      assert.deepEqual(await listening(), ['LISTEN "ops_reload_two"']);
      // The new channel carries reloads.
      await setRole('db_max_rows', '2');
      await until(async () => {
        await sqlQuery("notify ops_reload_two, 'reload config'");
        await new Promise((r) => setTimeout(r, 50));
        return gw.state.config.dbMaxRows === 2;
      });
      assert.equal(gw.state.config.dbMaxRows, 2);
      e['PGRST_DB_CHANNEL_ENABLED'] = 'false';
      assert.equal(await gw.reloadConfig(), true);
      await until(async () => (await listening()).length === 0);
      assert.deepEqual(await listening(), []);
    } finally {
      await gw.stop();
      await setRole('db_max_rows', '1');
    }
  });

  test('an invalid in-database value stops the start with a clear message', async () => {
    await setRole('db_max_rows', 'lots');
    try {
      await assert.rejects(start(), (err: unknown) => err instanceof ConfigError && /in-database config \(db-config\): db-max-rows must be an integer/.test(err.message));
    } finally {
      await setRole('db_max_rows', '1');
    }
  });

  test('the binary applies role settings at start, re-reads them on SIGUSR2 and exits 0 on SIGTERM', async () => {
    await setRole('db_max_rows', '1');
    const port = await freePort();
    const child = spawn(process.execPath, [MAIN], { env: { PATH: process.env['PATH'] ?? '', ...env({ PGRST_SERVER_PORT: String(port) }) } });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const count = async (): Promise<number> => {
      const res = await fetch(`http://127.0.0.1:${port}/todos`);
      return ((await res.json()) as unknown[]).length;
    };
    try {
      for (let i = 0; i < 200 && !stderr.includes('Schema cache loaded'); i++) await new Promise((r) => setTimeout(r, 50));
      assert.equal(await count(), 1, stderr);
      await setRole('db_max_rows', '2');
      child.kill('SIGUSR2');
      let n = 1;
      for (let i = 0; i < 100 && n !== 2; i++) {
        await new Promise((r) => setTimeout(r, 50));
        n = await count();
      }
      assert.equal(n, 2, stderr);
      assert.match(stderr, /SIGUSR2 received, reloading the config\n[^]*Config reloaded/);
    } finally {
      child.kill('SIGTERM');
      assert.equal(await exited, 0);
      await setRole('db_max_rows', '1');
    }
  });

  test('--dump-config shows the in-database values; invalid config exits 1 with the reason', async () => {
    const run = (args: string[], extra: Record<string, string>): ReturnType<typeof runMain> => runMain(args, env(extra));
    await setRole('db_max_rows', '1');
    const dumped = await run(['--dump-config'], {});
    assert.equal(dumped.code, 0, dumped.stderr);
    assert.match(dumped.stdout, /^db-max-rows = 1$/m);
    assert.match(dumped.stdout, /^db-channel = "ops_reload"$/m);

    const bad = await run([], { PGRST_SERVER_UNIX_SOCKET_MODE: '999' });
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /^Configuration error: server-unix-socket-mode must be an octal mode between 600 and 777, got "999"$/m);

    await setRole('db_max_rows', 'lots');
    const badDb = await run([], {});
    assert.equal(badDb.code, 1);
    assert.match(badDb.stderr, /Configuration error: in-database config \(db-config\): db-max-rows must be an integer/);
    await setRole('db_max_rows', '1');
  });
});
