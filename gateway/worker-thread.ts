// A server-workers thread (started by workers.ts): one more uWS app on the main thread's port
// with its share of db-pool. It serves the schema caches the main thread hands over, re-reads
// its config when told, pushes its metrics twice a second and drains on 'stop'.

import { parentPort, workerData } from 'node:worker_threads';
import { startGateway } from './app.js';
import { loadConfig, type AppConfig } from './config.js';
import type { FromWorker, ToWorker, WorkerInit } from './workers.js';

const METRICS_PUSH_MS = 500;

async function run(): Promise<void> {
  const port = parentPort;
  if (port === null) throw new Error('worker-thread.js runs only as a server-workers thread');
  const init = workerData as WorkerInit;
  const post = (msg: FromWorker): void => port.postMessage(msg);
  const load = (db?: ReadonlyMap<string, string>): AppConfig =>
    loadConfig({ file: init.file, env: { ...process.env, ...init.env }, ...(db === undefined ? {} : { db }) });
  const gateway = await startGateway(load(), {
    allowSlowHttp: init.allowSlowHttp,
    loadConfig: load,
    ...(init.handedSchema === null ? {} : { handedSchema: init.handedSchema }),
    onFatal: (reason) => post({ kind: 'failed', message: reason }),
  });
  const push = (): void => post({ kind: 'metrics', state: gateway.metrics.exportState() });
  const timer = setInterval(push, METRICS_PUSH_MS);
  port.on('message', (msg: ToWorker) => {
    switch (msg.kind) {
      case 'schema':
        gateway.adoptSchema(msg.load);
        // The main thread's reload re-read the in-database config; this thread's copy follows.
        if (gateway.state.config.dbConfig) void gateway.reloadConfig();
        break;
      case 'reload-config':
        void gateway.reloadConfig();
        break;
      case 'stop':
        clearInterval(timer);
        void gateway.stop(msg.drainMs ?? undefined).then(() => {
          push();
          post({ kind: 'stopped' });
        });
        break;
    }
  });
  post({ kind: 'listening' });
}

run().catch((err: unknown) => {
  parentPort?.postMessage({ kind: 'failed', message: err instanceof Error ? err.message : String(err) } satisfies FromWorker);
});
