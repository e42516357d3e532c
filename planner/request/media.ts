// Content negotiation for reads and representations: the Accept header (q-values, `*/*`,
// vendor types with `nulls=stripped`, vnd.pgrst.plan) → the MediaType the SQL builds, or 406
// PGRST107. Builtins only; types a schema's media type handlers may produce are left pending
// for media-resolve.ts. Pure; Content-Type text per media type lives here too.

import { fail, notAcceptable, ok, type Result } from '../errors.js';
import type { BodyMedia, MediaType, PlanOption } from './types.js';

export interface MediaRange {
  readonly type: string;
  readonly params: ReadonlyMap<string, string>;
  readonly q: number;
  readonly index: number;
}

export function parseAccept(header: string): MediaRange[] {
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

const JSON_MEDIA: MediaType = Object.freeze({ kind: 'json' });

/** Media types produced without a handler (a handler may still override these, but not vendor types). */
export function builtinMedia(type: string): BodyMedia | { readonly kind: 'msgpack' } | null {
  switch (type) {
    case 'application/json':
    case 'application/*':
    case '*/*':
      return JSON_MEDIA as BodyMedia;
    case 'text/csv':
      return { kind: 'csv' };
    case 'application/geo+json':
      return { kind: 'geojson' };
    case 'application/msgpack':
      return { kind: 'msgpack' };
    default:
      return null;
  }
}

/** The vendor types no handler can replace; null for any other type. */
export function vendorMedia(m: MediaRange): BodyMedia | null {
  const stripNulls = m.params.get('nulls') === 'stripped';
  switch (m.type) {
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

const PLAN_OPTIONS: readonly PlanOption[] = ['analyze', 'verbose', 'settings', 'buffers', 'wal'];

/** `application/vnd.pgrst.plan[+text|+json]`: its format, options and the `for=` range; null otherwise. */
export function planRange(m: MediaRange): { format: 'text' | 'json'; options: PlanOption[]; target: MediaRange } | null {
  let format: 'text' | 'json';
  switch (m.type) {
    case 'application/vnd.pgrst.plan':
    case 'application/vnd.pgrst.plan+text':
      format = 'text';
      break;
    case 'application/vnd.pgrst.plan+json':
      format = 'json';
      break;
    default:
      return null;
  }
  // As PostgREST: options in a fixed order, unknown ones ignored; `for` defaults to JSON.
  const given = (m.params.get('options') ?? '').split('|');
  const options = PLAN_OPTIONS.filter((o) => given.includes(o));
  const forType = m.params.get('for') ?? 'application/json';
  const target = parseAccept(forType)[0] ?? { type: 'application/json', params: new Map<string, string>(), q: 1, index: 0 };
  return { format, options, target };
}

/**
 * A range → what the builtins make of it: a MediaType, 'skip' (a plan while plans are
 * disabled), or null (only a media type handler could produce it).
 */
function producible(m: MediaRange, planEnabled: boolean): MediaType | 'skip' | null {
  const vendor = vendorMedia(m);
  if (vendor !== null) return vendor;
  const plan = planRange(m);
  if (plan !== null) {
    if (!planEnabled) return 'skip';
    const target = vendorMedia(plan.target) ?? builtinMedia(plan.target.type);
    if (target === null) return null;
    return { kind: 'plan', format: plan.format, options: plan.options, target: target.kind === 'msgpack' ? { kind: 'json' } : target };
  }
  return builtinMedia(m.type);
}

/**
 * The first producible media type in the client's preference order; no header means JSON.
 * null: a type only a media type handler could produce comes first, so the planner decides.
 */
export function negotiate(accept: string | undefined, planEnabled = false): Result<MediaType | null> {
  if (accept === undefined || accept.trim() === '') return ok(JSON_MEDIA);
  for (const m of parseAccept(accept)) {
    const media = producible(m, planEnabled);
    if (media === 'skip') continue;
    return ok(media);
  }
  return fail(noneAvailable(accept));
}

/** 406 PGRST107 naming the accepted types (without parameters), in preference order, as PostgREST. */
export function noneAvailable(accept: string): ReturnType<typeof notAcceptable> {
  const ranges = parseAccept(accept);
  const types = ranges.length > 0 ? ranges.map((m) => m.type) : accept.split(',').map((s) => s.split(';')[0]!.trim().toLowerCase());
  return notAcceptable(types.join(', '));
}

/** The media type's own name, as in `for="…"` of a plan. */
function mime(media: BodyMedia): string {
  switch (media.kind) {
    case 'json':
      return 'application/json';
    case 'csv':
      return 'text/csv';
    case 'geojson':
      return 'application/geo+json';
    case 'array':
      return 'application/vnd.pgrst.array+json;nulls=stripped';
    case 'object':
      return `application/vnd.pgrst.object+json${media.stripNulls ? ';nulls=stripped' : ''}`;
    case 'handler':
      return media.handler.contentType;
  }
}

const CHARSET_TYPES: ReadonlySet<string> = new Set(['application/json', 'text/csv', 'text/plain', 'text/xml', 'application/geo+json']);

export function contentType(media: MediaType): string {
  switch (media.kind) {
    case 'json':
    case 'csv':
    case 'geojson':
    case 'array':
    case 'object':
      return mime(media) + '; charset=utf-8';
    case 'handler':
      // As PostgREST: the types it knows by name say their charset, other types do not.
      return CHARSET_TYPES.has(media.handler.mediaType) ? media.handler.contentType + '; charset=utf-8' : media.handler.contentType;
    case 'msgpack':
      return 'application/msgpack';
    case 'plan': {
      const options = media.options.length === 0 ? '' : `; options=${media.options.join('|')}`;
      return `application/vnd.pgrst.plan+${media.format}; for="${mime(media.target)}"${options}; charset=utf-8`;
    }
  }
}

/** Media-type part of the plan-cache key. */
export function mediaShape(media: MediaType): string {
  switch (media.kind) {
    case 'json':
    case 'csv':
    case 'geojson':
    case 'msgpack':
      return media.kind;
    case 'array':
    case 'object':
      return media.kind + (media.stripNulls ? '-stripped' : '');
    case 'handler': {
      const h = media.handler;
      const target = h.target.kind === 'anyelement' ? '*' : `${h.target.schema}.${h.target.name}`;
      return `handler:${h.kind}:${h.schema}.${h.name}:${target}:${h.binary ? 'b' : 't'}`;
    }
    case 'plan':
      return `plan:${media.format}:${media.options.join('|')}:${mediaShape(media.target)}`;
  }
}
