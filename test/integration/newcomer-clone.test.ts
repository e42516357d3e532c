// A newcomer's first command from a fresh clone inside a private (0700) home directory, as
// root does it in ~/gw: `make run`'s program starts the embedded PostgreSQL and the gateway
// from there and serves the tour; a data directory the postgres user cannot reach is one
// sentence, not a stack trace.
//
// Not a nested `make test` (too slow for CI's budget): the clone gets this build's dist/ and a
// hard-linked node_modules (the binaries then sit under the 0700 directory, which is what
// broke), and runs dist/gateway/dev.js, which is what `make run` runs after building.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, cpSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../gateway/embedded.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

interface Run {
  readonly code: number | null;
  readonly stderr: string;
}

/** Starts dev.js in the clone; resolves once `ready` appears in its stderr or it exits. */
function startDev(cwd: string, env: NodeJS.ProcessEnv, ready: string): { started: Promise<string>; stop(): Promise<Run> } {
  const child = spawn(process.execPath, ['dist/gateway/dev.js'], { cwd, env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  const exited = new Promise<Run>((resolve) => child.once('exit', (code) => resolve({ code, stderr })));
  const started = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`dev.js printed no "${ready}" in 120 s: ${stderr}`)), 120_000);
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
      if (stderr.includes(ready)) {
        clearTimeout(timer);
        resolve(stderr);
      }
    });
    void exited.then(() => {
      clearTimeout(timer);
      resolve(stderr);
    });
  });
  return {
    started,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

describe('a fresh clone in a 0700 home directory', () => {
  let home: string;
  let clone: string;
  let dataDir: string;
  before(() => {
    home = mkdtempSync(join(tmpdir(), 'pgrest-gateway-home-'));
    chmodSync(home, 0o700);
    clone = join(home, 'gw');
    const git = spawnSync('git', ['clone', '--quiet', root, clone], { encoding: 'utf8' });
    assert.equal(git.status, 0, `git clone failed: ${git.stderr}`);
    const linked = spawnSync('cp', ['-al', join(root, 'node_modules'), join(clone, 'node_modules')]);
    if (linked.status !== 0) cpSync(join(root, 'node_modules'), join(clone, 'node_modules'), { recursive: true, verbatimSymlinks: true });
    cpSync(join(root, 'dist'), join(clone, 'dist'), { recursive: true });
    // A fresh name directly under the temp dir (mkdtemp's own directory is 0700 too).
    dataDir = mkdtempSync(join(tmpdir(), 'pgrest-gateway-newcomer-'));
    rmSync(dataDir, { recursive: true });
  });
  after(() => {
    rmSync(home, { recursive: true, force: true });
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('make run (dev.js) starts PostgreSQL and the gateway there and serves the tour', async () => {
    assert.equal(statSync(home).mode & 0o777, 0o700);
    const apiPort = await freePort();
    const env = { ...process.env, HOME: home, PGRST_EMBEDDED_PORT: String(await freePort()), PGRST_EMBEDDED_DATA_DIR: dataDir, PGRST_SERVER_PORT: String(apiPort) };
    const dev = startDev(clone, env, '(Ctrl-C stops)');
    let run: Run | null = null;
    try {
      const stderr = await dev.started;
      // make run's first words once the API is up: the URL, the explorer and a curl to try.
      assert.match(stderr, new RegExp(`API ready: http://localhost:${apiPort}/todos\\nAPI explorer: http://localhost:${apiPort}/docs/\\nTry: curl 'http://localhost:${apiPort}/todos\\?done=is\\.false&order=id\\.asc'\\n`), stderr);
      const docs = await fetch(`http://127.0.0.1:${apiPort}/docs/`);
      assert.equal(docs.status, 200);
      assert.match(await docs.text(), /swagger-ui-bundle\.js/);
      const r = await fetch(`http://127.0.0.1:${apiPort}/todos?order=id.asc`);
      assert.equal(r.status, 200);
      const rows = (await r.json()) as { title: string }[];
      assert.equal(rows[0]?.title, 'finish tutorial 0');
    } finally {
      run = await dev.stop();
    }
    assert.equal(run.code, 0, run.stderr);
    assert.doesNotMatch(run.stderr, /\n\s+at /, 'no stack trace');
  });

  test('a data directory the postgres user cannot reach: one sentence, exit 1, no stack trace', { skip: process.getuid?.() !== 0 ? 'only root hands the server to another OS user' : false }, async () => {
    const env = { ...process.env, HOME: home, PGRST_EMBEDDED_PORT: String(await freePort()), PGRST_EMBEDDED_DATA_DIR: join(home, 'pgdata'), PGRST_SERVER_PORT: String(await freePort()) };
    const dev = startDev(clone, env, 'API ready');
    await dev.started;
    const run = await dev.stop();
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stderr, /Fatal: The embedded PostgreSQL runs as the OS user postgres, which cannot reach its data directory .*pgdata: pick one under /);
    assert.doesNotMatch(run.stderr, /\n\s+at /, 'no stack trace');
  });
});
