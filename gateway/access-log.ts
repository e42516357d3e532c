// PostgREST's access log: Apache combined format on stdout at log-level info (every request),
// warn (4xx and 5xx) and error (5xx). CORS preflights are not logged.

import type { LogLevel } from './config.js';

export interface AccessEntry {
  readonly method: string;
  readonly path: string;
  readonly query: string;
  readonly status: number;
  readonly bytes: number;
  readonly role: string;
  readonly referer: string;
  readonly userAgent: string;
  readonly remote: string;
  readonly time: Date;
}

/** Whether a response with this status is logged at this level. */
export function shouldLog(level: LogLevel, status: number): boolean {
  switch (level) {
    case 'crit':
      return false;
    case 'error':
      return status >= 500;
    case 'warn':
      return status >= 400;
    case 'info':
    case 'debug':
      return true;
  }
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n: number): string => String(n).padStart(2, '0');

function apacheTime(d: Date): string {
  return `${pad(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`;
}

export function formatAccess(e: AccessEntry): string {
  const target = e.query === '' ? e.path : `${e.path}?${e.query}`;
  const q = (s: string): string => s.replace(/["\\]/g, (c) => '\\' + c);
  return `${e.remote} - ${e.role} [${apacheTime(e.time)}] "${e.method} ${q(target)} HTTP/1.1" ${e.status} ${e.bytes === 0 ? '-' : e.bytes} "${q(e.referer)}" "${q(e.userAgent)}"`;
}
