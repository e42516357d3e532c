// CPU time and resident memory of another process, read from /proc (Linux), so the bench can
// report gateway CPU µs per request and RSS without instrumenting the gateway.

import { readdirSync, readFileSync } from 'node:fs';

const CLOCK_TICKS_PER_SECOND = 100;

/** utime + stime of a process, in microseconds. */
export function cpuMicros(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name may contain spaces; fields resume after the closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return ((utime + stime) * 1_000_000) / CLOCK_TICKS_PER_SECOND;
}

/** Resident set size in MiB. */
export function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /VmRSS:\s+(\d+) kB/.exec(status);
  return m === null ? 0 : Number(m[1]) / 1024;
}

/** The CPU fields of /proc/PID/stat after the command name: [ppid, utime, stime, cutime, cstime]. */
function statFields(pid: number | string): readonly number[] | null {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null; // gone between the listing and the read
  }
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return [Number(f[1]), Number(f[11]), Number(f[12]), Number(f[13]), Number(f[14])];
}

/**
 * CPU of a server and its children, in microseconds: its own time, the time of children it
 * has reaped (cutime + cstime), and the time of the children alive now. For PostgreSQL's
 * postmaster that is every backend's CPU, including backends that exited during the window,
 * so the bench can report what the database spends per request for each system.
 */
export function treeCpuMicros(rootPid: number): number {
  const root = statFields(rootPid);
  if (root === null) return 0;
  let ticks = root[1]! + root[2]! + root[3]! + root[4]!;
  for (const name of readdirSync('/proc')) {
    if (name.charCodeAt(0) < 48 || name.charCodeAt(0) > 57) continue;
    const f = statFields(name);
    if (f !== null && f[0] === rootPid) ticks += f[1]! + f[2]!;
  }
  return (ticks * 1_000_000) / CLOCK_TICKS_PER_SECOND;
}
