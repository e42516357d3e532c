// Drives one workload with wrk: writes a Lua script that sets method, body and headers,
// randomizes `{id}`, rotates tokens, and counts responses whose status differs from the
// expected one; parses wrk's latency report.

import { execFile, execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Scenario } from './scenarios.js';

export interface WrkResult {
  readonly rps: number;
  readonly p50ms: number;
  readonly p99ms: number;
  readonly requests: number;
  readonly unexpected: number;
  readonly socketErrors: number;
}

/** Installs wrk from Debian's packages when missing and possible; a clear error otherwise. */
export function ensureWrk(): string {
  try {
    return execFileSync('which', ['wrk'], { encoding: 'utf8' }).trim();
  } catch {
    if (process.getuid?.() === 0) {
      process.stderr.write('wrk is missing: installing it from Debian packages…\n');
      execFileSync('sh', ['-c', 'apt-get update -qq && apt-get install -y -qq wrk'], { stdio: 'inherit' });
      return execFileSync('which', ['wrk'], { encoding: 'utf8' }).trim();
    }
    throw new Error('wrk is not installed and this user cannot install it: run `sudo apt-get install -y wrk`');
  }
}

const luaString = (s: string): string => JSON.stringify(s); // JSON string escapes are valid Lua escapes for our ASCII inputs.

function luaScript(s: Scenario, tokenFile: string | null, fixedToken: string | null, delayMs: number | null): string {
  const headers = Object.entries({ 'Content-Type': 'application/json', ...(s.headers ?? {}) })
    .map(([k, v]) => `wrk.headers[${luaString(k)}] = ${luaString(v)}`)
    .join('\n');
  const [pre, post] = s.path.split('{id}');
  const pathExpr = post === undefined ? luaString(pre ?? '') : `${luaString(pre ?? '')} .. math.random(1, 100000) .. ${luaString(post)}`;
  return `
wrk.method = ${luaString(s.method)}
${s.body === undefined ? '' : `wrk.body = ${luaString(s.body)}`}
${headers}
${fixedToken === null ? '' : `wrk.headers["Authorization"] = "Bearer " .. ${luaString(fixedToken)}`}
local tokens = {}
local n = 0
${tokenFile === null ? '' : `for line in io.lines(${luaString(tokenFile)}) do n = n + 1; tokens[n] = line end`}
local i = 0
unexpected = 0
request = function()
  local h = nil
  if n > 0 then
    i = i % n + 1
    h = { Authorization = "Bearer " .. tokens[i] }
  end
  return wrk.format(nil, ${pathExpr}, h)
end
${delayMs === null ? '' : `delay = function() return ${delayMs.toFixed(3)} end`}
response = function(status, headers, body)
  if status ~= ${s.status} then unexpected = unexpected + 1 end
end
done = function(summary, latency, requests)
  io.write(string.format("RESULT %d %d %.3f %.3f %d\\n", summary.requests, unexpected,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
`;
}

export interface WrkOptions {
  readonly connections: number;
  readonly seconds: number;
  readonly tmpDir: string;
  readonly tokenFile: string | null;
  readonly fixedToken: string | null;
  /** Each connection waits this long after a reply before its next request (pacing). */
  readonly delayMs?: number;
}

export function runWrk(url: string, s: Scenario, opts: WrkOptions): Promise<WrkResult> {
  const script = join(opts.tmpDir, `${s.name}.lua`);
  writeFileSync(script, luaScript(s, opts.tokenFile, opts.fixedToken, opts.delayMs ?? null));
  // Only one thread: the machine has two cores and the gateway needs one.
  const args = ['-t1', `-c${opts.connections}`, `-d${opts.seconds}s`, '-s', script, url];
  return new Promise((resolve, reject) => {
    execFile('wrk', args, { maxBuffer: 1 << 20 }, (err, stdout) => {
      if (err !== null) {
        reject(err);
        return;
      }
      const m = /RESULT (\d+) (\d+) ([\d.]+) ([\d.]+) (\d+)/.exec(stdout);
      const rps = /Requests\/sec:\s+([\d.]+)/.exec(stdout);
      if (m === null || rps === null) {
        reject(new Error(`could not parse wrk output:\n${stdout}`));
        return;
      }
      resolve({
        requests: Number(m[1]),
        unexpected: Number(m[2]),
        p50ms: Number(m[3]),
        p99ms: Number(m[4]),
        socketErrors: Number(m[5]),
        rps: Number(rps[1]),
      });
    });
  });
}

/** wrk waits whole milliseconds (it truncates the pause), so the pause is fixed and the connection count varies. */
const PACE_MS = 4;

/**
 * Latency at a fixed request rate: wrk with every connection pausing PACE_MS after each reply,
 * and as many connections as make the total come out at `rate`. A short calibration run
 * measures the cycle (pause + reply time) so the count can be set: rate = connections / cycle.
 * Latency is timed from each actual send, so a stall that delays sends is under-counted (no
 * coordinated-omission correction, unlike wrk2); at half of peak the queue it would hide is short.
 */
export async function runWrkPaced(url: string, s: Scenario, opts: Omit<WrkOptions, 'delayMs' | 'connections'> & { rate: number }): Promise<WrkResult & { connections: number }> {
  const c0 = Math.max(1, Math.round((opts.rate * PACE_MS) / 1000));
  const probe = await runWrk(url, s, { ...opts, connections: c0, seconds: 1, delayMs: PACE_MS });
  const cycleMs = (c0 * 1000) / Math.max(1, probe.rps);
  const connections = Math.max(1, Math.round((opts.rate * cycleMs) / 1000));
  return { ...(await runWrk(url, s, { ...opts, connections, delayMs: PACE_MS })), connections };
}
