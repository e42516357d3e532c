// The embed part of the select grammar: `[alias:][...]name[!hint][!inner|!left](select)`,
// nested (up to MAX_NESTING, checked before parsing) through the select parser passed in. Pure; errors are PGRST100 in
// PostgREST's wording.

import { fail, ok, type Result } from '../errors.js';
import { unexpected, wholeName } from './field.js';
import type { SelectItem } from './types.js';

export type SelectParser = (value: string) => Result<SelectItem[]>;

/** The first `(` outside double quotes (a quoted name may hold one), or -1. */
export function openParen(piece: string): number {
  let quoted = false;
  for (let i = 0; i < piece.length; i++) {
    const c = piece[i];
    if (c === '"') quoted = !quoted;
    else if (c === '(' && !quoted) return i;
  }
  return -1;
}

/** One `...(...)` select piece; `full`/`at` locate it for error columns. */
export function parseEmbed(piece: string, full: string, at: number, parseSelect: SelectParser): Result<SelectItem> {
  const open = openParen(piece);
  if (!piece.endsWith(')')) return fail(unexpected('select parameter', at + piece.length, full, '")"'));
  let head = piece.slice(0, open).trim();
  const inner = piece.slice(open + 1, -1);
  let alias: string | null = null;
  const colon = head.indexOf(':');
  if (colon >= 0) {
    alias = wholeName(head.slice(0, colon).trim());
    head = head.slice(colon + 1).trim();
    if (alias === null) return fail(unexpected('select parameter', at, full, 'field name (* or [a..z0..9_$])'));
  }
  let spread = false;
  if (head.startsWith('...')) {
    spread = true;
    head = head.slice(3);
  }
  const parts = head.split('!');
  // Alias, name and hint are PostgREST's field names: `'`, `;`, `[`… are no part of one.
  const name = wholeName(parts[0] ?? '');
  if (name === null) return fail(unexpected('select parameter', at, full, 'field name (* or [a..z0..9_$])'));
  let hint: string | null = null;
  let join: 'inner' | 'left' | null = null;
  for (const p of parts.slice(1)) {
    if (p === 'inner' || p === 'left') {
      if (join !== null) return fail(unexpected('select parameter', at + open, full, '"("'));
      join = p;
    } else if (hint === null && wholeName(p) !== null) {
      hint = wholeName(p);
    } else {
      return fail(unexpected('select parameter', at + open, full, '"inner", "left" or "("'));
    }
  }
  const sub = inner.trim() === '' ? ok<SelectItem[]>([]) : parseSelect(inner);
  if (!sub.ok) return sub;
  return ok({ kind: 'embed', name, alias, hint, join, spread, select: sub.value });
}
