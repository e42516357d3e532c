// Content negotiation for reads and representations: the Accept header (q-values, `*/*`,
// vendor types with `nulls=stripped`) → the MediaType the SQL builds, or 406 PGRST107.
// Pure; Content-Type text per media type lives here too.

import { fail, notAcceptable, ok, type Result } from './errors.js';
import type { MediaType } from './types.js';

interface MediaRange {
  readonly type: string;
  readonly params: ReadonlyMap<string, string>;
  readonly q: number;
  readonly index: number;
}

function parseAccept(header: string): MediaRange[] {
  const out: MediaRange[] = [];
  header.split(',').forEach((raw, index) => {
    const [head, ...rest] = raw.split(';');
    const type = (head ?? '').trim().toLowerCase();
    if (type === '') return;
    const params = new Map<string, string>();
    let q = 1;
    for (const p of rest) {
      const eq = p.indexOf('=');
      if (eq < 0) continue;
      const k = p.slice(0, eq).trim().toLowerCase();
      const v = p.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1');
      if (k === 'q') q = Number.isNaN(Number(v)) ? 0 : Number(v);
      else params.set(k, v.toLowerCase());
    }
    out.push({ type, params, q, index });
  });
  // Highest q first; equal q keeps the client's order.
  return out.filter((m) => m.q > 0).sort((a, b) => b.q - a.q || a.index - b.index);
}

function producible(m: MediaRange): MediaType | null {
  const stripNulls = m.params.get('nulls') === 'stripped';
  switch (m.type) {
    case 'application/json':
    case 'application/*':
    case '*/*':
      return { kind: 'json' };
    case 'text/csv':
      return { kind: 'csv' };
    case 'application/vnd.pgrst.object+json':
    case 'application/vnd.pgrst.object':
      return { kind: 'object', stripNulls };
    case 'application/vnd.pgrst.array+json':
    case 'application/vnd.pgrst.array':
      return stripNulls ? { kind: 'array', stripNulls } : { kind: 'json' };
    default:
      return null;
  }
}

/** The first producible media type in the client's preference order; no header means JSON. */
export function negotiate(accept: string | undefined): Result<MediaType> {
  if (accept === undefined || accept.trim() === '') return ok({ kind: 'json' });
  for (const m of parseAccept(accept)) {
    const media = producible(m);
    if (media !== null) return ok(media);
  }
  return fail(notAcceptable(accept.split(',').map((s) => s.trim()).join(', ')));
}

export function contentType(media: MediaType): string {
  switch (media.kind) {
    case 'json':
      return 'application/json; charset=utf-8';
    case 'csv':
      return 'text/csv; charset=utf-8';
    case 'array':
      return 'application/vnd.pgrst.array+json;nulls=stripped; charset=utf-8';
    case 'object':
      return `application/vnd.pgrst.object+json${media.stripNulls ? ';nulls=stripped' : ''}; charset=utf-8`;
  }
}

/** Media-type part of the plan-cache key. */
export function mediaShape(media: MediaType): string {
  return media.kind === 'json' || media.kind === 'csv' ? media.kind : media.kind + (media.stripNulls ? '-stripped' : '');
}
