// An open-loop load generator for latency at a fixed rate (what wrk2 does): requests are
// scheduled at R per second regardless of replies, and latency is measured from the scheduled
// time, so a stall shows up in the percentiles. Run as its own process; prints JSON.

import http from 'node:http';

interface Args {
  readonly url: string;
  readonly rate: number;
  readonly seconds: number;
  readonly method: string;
  readonly body: string | null;
  readonly expect: number;
}

function parse(argv: readonly string[]): Args {
  const [url, rate, seconds, method, body, expect] = argv;
  if (url === undefined) throw new Error('usage: openloop.js URL RATE SECONDS [METHOD] [BODY|-] [STATUS]');
  return {
    url,
    rate: Number(rate ?? 1000),
    seconds: Number(seconds ?? 5),
    method: method ?? 'GET',
    body: body === undefined || body === '-' ? null : body,
    expect: Number(expect ?? 200),
  };
}

function run(a: Args): Promise<{ sent: number; p50ms: number; p99ms: number; unexpected: number; achievedRate: number }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  const latencies: number[] = [];
  let unexpected = 0;
  let sent = 0;
  let done = 0;
  const start = performance.now();
  const total = Math.floor(a.rate * a.seconds);
  return new Promise((resolve) => {
    const finish = (): void => {
      agent.destroy();
      latencies.sort((x, y) => x - y);
      const pct = (p: number): number => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? 0;
      resolve({ sent, p50ms: pct(0.5), p99ms: pct(0.99), unexpected, achievedRate: done / ((performance.now() - start) / 1000) });
    };
    const fire = (scheduled: number): void => {
      sent++;
      const req = http.request(a.url, { method: a.method, agent, headers: { 'Content-Type': 'application/json' } }, (res) => {
        res.resume();
        res.on('end', () => {
          latencies.push(performance.now() - scheduled);
          if (res.statusCode !== a.expect) unexpected++;
          if (++done === total) finish();
        });
      });
      req.on('error', () => {
        unexpected++;
        if (++done === total) finish();
      });
      if (a.body !== null) req.write(a.body);
      req.end();
    };
    const tick = (): void => {
      const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * a.rate));
      while (sent < due) fire(start + (sent / a.rate) * 1000);
      if (sent < total) setTimeout(tick, 1);
    };
    tick();
  });
}

run(parse(process.argv.slice(2))).then((r) => process.stdout.write(JSON.stringify(r) + '\n'));
