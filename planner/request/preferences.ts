// The Prefer header (RFC 7240) as PostgREST reads it: comma-joined or repeated, first
// occurrence of a key wins, unknown values remembered for `handling=strict`.

import type { CountPreference, Preferences, ReturnPreference } from './types.js';

const RETURNS: ReadonlySet<string> = new Set<ReturnPreference>(['minimal', 'headers-only', 'representation']);
const COUNTS: ReadonlySet<string> = new Set<CountPreference>(['exact', 'planned', 'estimated']);

export const noPreferences: Preferences = {
  return: null,
  count: null,
  handling: null,
  resolution: null,
  missing: null,
  tx: null,
  maxAffected: null,
  read: null,
  timezone: null,
  invalid: [],
};

export function parsePreferences(header: string | undefined): Preferences {
  if (header === undefined || header === '') return noPreferences;
  let ret: ReturnPreference | null = null;
  let count: CountPreference | null = null;
  let handling: Preferences['handling'] = null;
  let resolution: Preferences['resolution'] = null;
  let missing: Preferences['missing'] = null;
  let tx: Preferences['tx'] = null;
  let maxAffected: number | null = null;
  let read: Preferences['read'] = null;
  let timezone: string | null = null;
  const invalid: string[] = [];
  for (const raw of header.split(',')) {
    const item = raw.trim();
    if (item === '') continue;
    const eq = item.indexOf('=');
    const key = (eq < 0 ? item : item.slice(0, eq)).trim().toLowerCase();
    const value = (eq < 0 ? '' : item.slice(eq + 1)).trim();
    if (key === 'return' && RETURNS.has(value)) ret ??= value as ReturnPreference;
    else if (key === 'count' && COUNTS.has(value)) count ??= value as CountPreference;
    else if (key === 'handling' && (value === 'strict' || value === 'lenient')) handling ??= value;
    else if (key === 'resolution' && (value === 'merge-duplicates' || value === 'ignore-duplicates')) resolution ??= value;
    else if (key === 'missing' && (value === 'default' || value === 'null')) missing ??= value;
    else if (key === 'tx' && (value === 'commit' || value === 'rollback')) tx ??= value;
    else if (key === 'max-affected' && /^\d{1,15}$/.test(value)) maxAffected ??= Number(value);
    else if (key === 'read' && value === 'primary') read ??= value;
    else if (key === 'timezone' && eq >= 0) timezone ??= value;
    else invalid.push(item);
  }
  return { return: ret, count, handling, resolution, missing, tx, maxAffected, read, timezone, invalid };
}
