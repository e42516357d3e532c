// A small closed-loop HTTP load generator run as its own process: C keep-alive connections
// each sending the next request when the previous answers, for a fixed time. Prints JSON.
// A stand-in until the wrk-based harness (it caps well below uWS's ceiling).

import http from 'node:http';

interface LoadResult {
  readonly requests: number;
  readonly seconds: number;
  readonly rps: number;
  readonly p50ms: number;
  readonly p99ms: number;
  readonly unexpected: number;
}

function run(url: string, connections: number, seconds: number, expectStatus: number): Promise<LoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const latencies: number[] = [];
  let unexpected = 0;
  const deadline = Date.now() + seconds * 1000;
  const one = (): Promise<void> =>
    new Promise((resolve) => {
      const start = process.hrtime.bigint();
      const req = http.get(url, { agent }, (res) => {
        res.resume();
        res.on('end', () => {
          latencies.push(Number(process.hrtime.bigint() - start) / 1e6);
          if (res.statusCode !== expectStatus) unexpected++;
          resolve();
        });
      });
      req.on('error', () => {
        unexpected++;
        resolve();
      });
    });
  const loop = async (): Promise<void> => {
    while (Date.now() < deadline) await one();
  };
  const started = Date.now();
  return Promise.all(Array.from({ length: connections }, loop)).then(() => {
    agent.destroy();
    const elapsed = (Date.now() - started) / 1000;
    latencies.sort((a, b) => a - b);
    const pct = (p: number): number => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? 0;
    return { requests: latencies.length, seconds: elapsed, rps: latencies.length / elapsed, p50ms: pct(0.5), p99ms: pct(0.99), unexpected };
  });
}

const [url, connections, seconds, status] = process.argv.slice(2);
if (url === undefined) {
  process.stderr.write('usage: load.js URL [connections] [seconds] [expected-status]\n');
  process.exit(2);
}
run(url, Number(connections ?? 32), Number(seconds ?? 5), Number(status ?? 200)).then((r) => {
  process.stdout.write(JSON.stringify(r) + '\n');
});
