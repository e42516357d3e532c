// jwt-role-claim-key: parses the path once at startup and walks verified claims with it.
// Accepts PostgREST v16's JSONPath subset (`$.a.b[0]`, `$['k']`, `[?(@ == "x")]`, `search()`)
// and the legacy JSPath form (`.a."b c"[0]`, `^==`, `==^`, `*==`), which share one walker.

import { ConfigError } from './config.js';

export type MatchOp = 'eq' | 'neq' | 'prefix' | 'suffix' | 'contains' | 'search';

export type PathStep =
  | { readonly kind: 'key'; readonly key: string }
  | { readonly kind: 'index'; readonly index: number }
  | { readonly kind: 'filter'; readonly op: MatchOp; readonly value: string };

const FILTER_OPS: readonly (readonly [string, MatchOp])[] = [
  ['==^', 'suffix'],
  ['^==', 'prefix'],
  ['*==', 'contains'],
  ['!=', 'neq'],
  ['==', 'eq'],
];

function quoted(src: string, pos: number): { text: string; end: number } | null {
  const q = src[pos];
  if (q !== '"' && q !== "'") return null;
  let out = '';
  for (let i = pos + 1; i < src.length; i++) {
    const ch = src.charAt(i);
    if (ch === '\\' && i + 1 < src.length) {
      out += src.charAt(++i);
      continue;
    }
    if (ch === q) return { text: out, end: i + 1 };
    out += ch;
  }
  return null;
}

function parseFilter(body: string): PathStep | null {
  // body is what sits between `[?` and `]`, e.g. `(@ == "admin")` or `search(@, "^adm")`.
  const search = /^\s*search\(\s*@\s*,\s*(["'])(.*)\1\s*\)\s*$/.exec(body);
  if (search !== null) return { kind: 'filter', op: 'search', value: search[2]! };
  const m = /^\s*\(?\s*@\s*(==\^|\^==|\*==|!=|==)\s*(["'])(.*)\2\s*\)?\s*$/.exec(body);
  if (m === null) return null;
  const op = FILTER_OPS.find(([s]) => s === m[1])?.[1];
  return op === undefined ? null : { kind: 'filter', op, value: m[3]! };
}

/** Parses a role claim key; throws ConfigError so a bad key refuses to start. */
export function parseRoleClaimKey(key: string): readonly PathStep[] {
  const bad = (): ConfigError => new ConfigError(`jwt-role-claim-key is not a valid path: ${JSON.stringify(key)}`);
  // A config file must spell `$` as `$$` (PostgREST interpolates `$(ENV)` there); accept both.
  const src = key.trim().replace(/^\$\$?/, '');
  const steps: PathStep[] = [];
  let pos = 0;
  while (pos < src.length) {
    const ch = src.charAt(pos);
    if (ch === '.') {
      const q = quoted(src, pos + 1);
      if (q !== null) {
        steps.push({ kind: 'key', key: q.text });
        pos = q.end;
        continue;
      }
      const m = /^[^.[\]"']+/.exec(src.slice(pos + 1));
      if (m === null) throw bad();
      steps.push({ kind: 'key', key: m[0] });
      pos += 1 + m[0].length;
    } else if (ch === '[') {
      const close = src.indexOf(']', pos);
      if (close < 0) throw bad();
      const inner = src.slice(pos + 1, close).trim();
      if (/^\d+$/.test(inner)) steps.push({ kind: 'index', index: Number(inner) });
      else if (inner.startsWith('?')) {
        const f = parseFilter(inner.slice(1));
        if (f === null) throw bad();
        steps.push(f);
      } else {
        const q = quoted(inner, 0);
        if (q === null || q.end !== inner.length) throw bad();
        steps.push({ kind: 'key', key: q.text });
      }
      pos = close + 1;
    } else {
      throw bad();
    }
  }
  const filterAt = steps.findIndex((s) => s.kind === 'filter');
  if (filterAt >= 0 && filterAt !== steps.length - 1) throw bad();
  return steps;
}

function matches(op: MatchOp, pattern: string, text: string): boolean {
  switch (op) {
    case 'eq': return text === pattern;
    case 'neq': return text !== pattern;
    case 'prefix': return text.startsWith(pattern);
    case 'suffix': return text.endsWith(pattern);
    case 'contains': return text.includes(pattern);
    case 'search':
      try {
        return new RegExp(pattern).test(text);
      } catch {
        return false;
      }
  }
}

/** The value at the path, or undefined; a filter picks the first matching string element. */
export function walkClaims(claims: unknown, steps: readonly PathStep[]): unknown {
  let cur: unknown = claims;
  for (const step of steps) {
    switch (step.kind) {
      case 'key':
        if (typeof cur !== 'object' || cur === null || Array.isArray(cur)) return undefined;
        cur = (cur as Record<string, unknown>)[step.key];
        break;
      case 'index':
        if (!Array.isArray(cur)) return undefined;
        cur = cur[step.index];
        break;
      case 'filter':
        if (!Array.isArray(cur)) return undefined;
        cur = cur.find((v): v is string => typeof v === 'string' && matches(step.op, step.value, v));
        break;
    }
    if (cur === undefined) return undefined;
  }
  return cur;
}

/** PostgREST's `unquoted`: a string role as is, any other JSON value as its JSON text. */
export function roleFromClaims(claims: unknown, steps: readonly PathStep[]): string | null {
  const v = walkClaims(claims, steps);
  if (v === undefined || v === null) return null;
  return typeof v === 'string' ? v : JSON.stringify(v);
}
