// Plan-time negotiation with the schema cache's media type handlers, as PostgREST's
// negotiateContent: per accepted type (client order), vendor types first (never overridden),
// then the target's `*/*` and own handlers (only with the default select), then anyelement
// handlers, then the builtins. Requests the builtins settle and no handler touches pass through.

import { fail, ok, type Result } from '../errors.js';
import { builtinMedia, mediaShape, noneAvailable, parseAccept, planRange, vendorMedia, type MediaRange } from '../request/media.js';
import type { MediaHandlers } from '../schema/media-handlers.js';
import { tableKey, type SchemaCache } from '../schema/model.js';
import type { ApiRequest, BodyMedia, MediaType, SelectItem } from '../request/types.js';

/** What the response answers for: a relation, or a routine (its result relation when it has one). */
export interface MediaTarget {
  readonly schema: string;
  readonly name: string;
  /** Function handlers (a routine returning a media domain) apply to calls only. */
  readonly call: boolean;
}

export interface MediaConfig {
  readonly planEnabled: boolean;
}

const defaultSelect = (select: readonly SelectItem[]): boolean => select.length === 0 || (select.length === 1 && select[0]!.kind === 'star');

function lookupHandler(type: string, handlers: MediaHandlers | undefined, target: MediaTarget, own: boolean): BodyMedia | { readonly kind: 'msgpack' } | null {
  if (handlers !== undefined) {
    const forTarget = own ? handlers.byTarget.get(tableKey(target.schema, target.name)) : undefined;
    const usable = (h: ReturnType<NonNullable<typeof forTarget>['get']>): typeof h => (h !== undefined && (target.call || h.kind === 'aggregate') ? h : undefined);
    const h = usable(forTarget?.get('*/*')) ?? usable(forTarget?.get(type)) ?? handlers.anyElement.get(type);
    if (h !== undefined) return { kind: 'handler', handler: h };
  }
  return builtinMedia(type);
}

function pick(m: MediaRange, handlers: MediaHandlers | undefined, target: MediaTarget, own: boolean, config: MediaConfig): MediaType | null {
  const vendor = vendorMedia(m);
  if (vendor !== null) return vendor;
  const plan = planRange(m);
  if (plan !== null) {
    if (!config.planEnabled) return null;
    const inner = vendorMedia(plan.target) ?? lookupHandler(plan.target.type, handlers, target, own);
    if (inner === null) return null;
    return { kind: 'plan', format: plan.format, options: plan.options, target: inner.kind === 'msgpack' ? { kind: 'json' } : inner };
  }
  return lookupHandler(m.type, handlers, target, own);
}

/** The request with its final media type (and a plan-cache shape that says so), or 406 PGRST107. */
export function resolveMedia(req: ApiRequest, cache: SchemaCache, target: MediaTarget, config: MediaConfig): Result<ApiRequest> {
  const handlers = cache.mediaHandlers;
  if (!req.mediaPending) {
    // The common case costs one property read: no handlers in the database.
    if (handlers === undefined) return ok(req);
    if (!handlers.overridesBuiltin && !handlers.byTarget.has(tableKey(target.schema, target.name))) return ok(req);
  }
  const own = defaultSelect(req.select);
  const ranges = req.accept === undefined || req.accept.trim() === '' ? parseAccept('*/*') : parseAccept(req.accept);
  for (const m of ranges) {
    const media = pick(m, handlers, target, own, config);
    if (media === null) continue;
    if (!req.mediaPending && mediaShape(media) === mediaShape(req.media)) return ok(req);
    return ok({ ...req, media, mediaPending: false, shape: req.shape + '\u0000resolved=' + mediaShape(media) });
  }
  return fail(noneAvailable(req.accept ?? '*/*'));
}
