// The request cache: a request's parse, plan and statement by its raw shape (method, path,
// query string, the headers the planner reads, and for a JSON write or call body its keys), so a
// repeated shape skips toApiRequest, actionPlan and SQL building. Filter values of the plain
// comparisons (`col=eq.4242`) are masked in the key, and a template says which statement
// parameter each one becomes (and which one is the body's text); any other GET/HEAD query is
// keyed as it is. Bounded LRU; emptied when the schema cache or the config is swapped.
//
// Why it is exact: the planner is pure (same raw request, schema cache and config → same
// result). A masked template is only kept after the shape was planned twice, with the real
// values and with sentinels, and both gave the same text and the sentinels came back as whole
// parameters (and in the canonical query) and nowhere else; masked values are limited to
// characters that URL decoding and the filter grammar leave alone. A table write's body reaches
// the plan only as its keys, whether it is an array, and its text as one parameter
// (planner/request/payload.ts): the first two are in the key, the third is a template slot.
// A POST /rpc/fn with a JSON body is the same: its arguments reach the plan as their names
// (which overload, which parameters) and the body's text as the one json parameter
// (planner/request/rpc-request.ts jsonArgs, planner/plan/rpc.ts argsJson).

import { isAscii } from 'node:buffer';
import { parseJsonPayloadText, type ApiRequest, type Compiled, type Plan, type RawRequest, type SchemaCache } from '../planner/index.js';
import type { HttpResponse } from './http-response.js';

/** A request made ready to run: its plan and statements, or the error response it gets. */
export type Prepared =
  | { readonly ok: true; readonly request: ApiRequest; readonly plan: Plan; readonly main: Compiled; readonly estimate: Compiled | null }
  | { readonly ok: false; readonly response: HttpResponse };

type Entry =
  | { readonly kind: 'exact'; readonly prepared: Prepared }
  | {
      readonly kind: 'template';
      readonly request: ApiRequest;
      /** For a write or call, with the body's text left out (it is not kept: a new one fills it). */
      readonly plan: Extract<Plan, { kind: 'read' | 'mutate' | 'call' }>;
      readonly text: string;
      readonly params: readonly (string | null)[];
      /** Per parameter: the masked value it takes (index), BODY for the body's text, or -1 for the constant in `params`. */
      readonly slots: readonly number[];
      /** The canonical query (Content-Location) around the masked values: pieces[0] v0 pieces[1] … */
      readonly canonical: readonly string[];
      readonly canonicalSlots: readonly number[];
    }
  // Masking does not hold for this shape: a GET/HEAD is cached by its exact query, anything else is planned each time.
  | { readonly kind: 'unmaskable' };

interface Slot {
  readonly entry: Entry;
  refreshed: number;
}

/** The plain comparisons whose operand becomes one parameter as it is. */
const OPERATORS: readonly string[] = ['eq.', 'neq.', 'gt.', 'gte.', 'lt.', 'lte.'];
const MASKABLE_KEY = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;
/** Keys (or an embed's `rel.key`) that are not filters. */
const NOT_FILTERS: ReadonlySet<string> = new Set(['select', 'order', 'limit', 'offset', 'columns', 'on_conflict', 'and', 'or']);
const sentinel = (i: number): string => `pgrst${i}mask`;
const SENTINEL = /pgrst\d+mask/;
const MASK = '\u0002';
/** The template slot of the write body's text. */
const BODY = -2;
const COLUMNS = /(?:^|&)columns=/;
// As planner/request/payload.ts decodes a JSON body.
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The body as planner/request/payload.ts's jsonText decodes it (strict UTF-8, a leading BOM
 * dropped), or null where that fails. An ASCII body (the usual one) is read as one-byte text,
 * which is the same string without the decoder's validation pass.
 */
function bodyText(body: Uint8Array): string | null {
  if (isAscii(body)) return (body instanceof Buffer ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength)).toString('latin1');
  try {
    return strictUtf8.decode(body);
  } catch {
    return null;
  }
}
/** Bigger write bodies are planned each time: a JSON parse for the key would cost what planning saves. */
const MAX_CACHED_BODY = 64 * 1024;

interface Masked {
  /** The query with each masked value replaced by \u0002. */
  readonly shape: string;
  readonly values: readonly string[];
}

/** Characters URL decoding and the filter grammar leave as they are: [A-Za-z0-9_.:-]. */
function plainChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 58) || c === 95 || c === 46 || c === 45;
}

/** Where the operand of `[not.]op.operand` starts in query[from, end), when it is maskable; else -1. */
function maskedValueStart(query: string, from: number, end: number): number {
  let at = query.startsWith('not.', from) ? from + 4 : from;
  const op = OPERATORS.find((o) => query.startsWith(o, at));
  if (op === undefined) return -1;
  at += op.length;
  if (at >= end) return -1;
  for (let i = at; i < end; i++) if (!plainChar(query.charCodeAt(i))) return -1;
  return at;
}

/** The query's maskable filter values, or null when it has none. */
export function maskQuery(query: string): Masked | null {
  if (query === '' || !query.includes('.') || query.includes(MASK)) return null;
  let values: string[] | null = null;
  let shape = '';
  let copied = 0;
  for (let start = 0; start < query.length; ) {
    let end = query.indexOf('&', start);
    if (end < 0) end = query.length;
    const eq = query.indexOf('=', start);
    if (eq > start && eq < end) {
      const v = maskedValueStart(query, eq + 1, end);
      if (v >= 0) {
        const key = query.slice(start, eq);
        if (MASKABLE_KEY.test(key) && !NOT_FILTERS.has(key.slice(key.lastIndexOf('.') + 1))) {
          shape += query.slice(copied, v) + MASK;
          copied = end;
          (values ??= []).push(query.slice(v, end));
        }
      }
    }
    start = end + 1;
  }
  return values === null ? null : { shape: shape + query.slice(copied), values };
}

/** The masked query with each masked value replaced by its sentinel (the probe request's query). */
export function probeQuery(masked: Masked): string {
  let i = 0;
  return masked.shape.replace(/\u0002/g, () => sentinel(i++));
}

/** A key component, length-prefixed so no value can spell another split; absent ≠ empty. */
const h = (v: string | undefined): string => (v === undefined ? '-' : v.length + ':' + v);

/**
 * The request headers the planner reads (planner/request/request.ts): part of the key. A unit test
 * fails when planner/ reads a header missing here.
 */
export const PLANNER_HEADERS: readonly string[] = ['accept', 'accept-profile', 'content-profile', 'range', 'prefer', 'content-type'];

/** Everything besides the query that toApiRequest reads from a GET/HEAD request. */
function headKey(raw: RawRequest): string {
  const x = raw.headers;
  let key = h(raw.method) + h(raw.path);
  for (const name of PLANNER_HEADERS) key += h(x[name]);
  return key;
}

interface BodyShape {
  /** The body's text, as the planner passes it to PostgreSQL. */
  readonly text: string;
  /** What the plan takes from the body: whether it is an array, and its keys. */
  readonly keys: string;
}

/** `/rpc/<name>`: a function call (a name with no further segment). */
function isCallPath(path: string): boolean {
  return path.startsWith('/rpc/') && path.length > 5 && path.indexOf('/', 5) < 0;
}

/**
 * A POST/PATCH body's part of the key, or null when the request is not cached: not a table
 * (one path segment) or a POST /rpc/fn, not JSON, too big, not a JSON object or array of
 * objects with keys. (For a call that is where PostgREST's reading of the arguments and
 * parseJsonPayload's agree: keys of the object, or of every object of the array alike.)
 */
function bodyShape(raw: RawRequest): BodyShape | null {
  if ((raw.method !== 'POST' && raw.method !== 'PATCH') || raw.body === null || raw.body.length > MAX_CACHED_BODY) return null;
  // A percent-encoded key could spell `columns`: such queries are planned each time.
  if (raw.query.includes('%')) return null;
  if (raw.path.indexOf('/', 1) >= 0 && !(raw.method === 'POST' && isCallPath(raw.path))) return null;
  const type = raw.headers['content-type'];
  if (type !== undefined && type !== 'application/json' && type.split(';')[0]!.trim().toLowerCase() !== 'application/json') return null;
  if (COLUMNS.test(raw.query)) {
    // With ?columns= the planner does not parse the body (PostgreSQL does): neither does the key.
    const text = bodyText(raw.body);
    if (text === null) return null;
    const first = text.trimStart()[0];
    return first === '{' || first === '[' ? { text, keys: 'c' + first } : null;
  }
  const text = bodyText(raw.body);
  if (text === null) return null;
  const payload = parseJsonPayloadText(text);
  if (!payload.ok || payload.value.keys.length === 0) return null;
  return { text: payload.value.json, keys: (payload.value.isArray ? 'a' : 'o') + JSON.stringify(payload.value.keys) };
}

export class RequestCache {
  private readonly entries = new Map<string, Slot>();
  /** Insertions so far: a hit re-inserts its entry only when many came since its last refresh. */
  private clock = 0;
  private schema: SchemaCache | null = null;
  private config: object | null = null;
  private readonly capacity: number;
  hits = 0;
  misses = 0;

  constructor(capacity: number) {
    this.capacity = capacity;
  }

  get size(): number {
    return this.entries.size;
  }

  /**
   * The prepared request, from the cache when its shape was seen under this schema cache and
   * planner config; `compute` prepares one without the cache. Bodiless GET, HEAD and DELETE,
   * and POST/PATCH of a JSON body (up to 64 KiB) to a table; null for any other request (the
   * caller prepares it).
   */
  prepare(raw: RawRequest, config: object, schema: SchemaCache, compute: (raw: RawRequest) => Prepared): Prepared | null {
    const body = raw.body === null ? null : bodyShape(raw);
    if (raw.body !== null ? body === null : raw.method !== 'GET' && raw.method !== 'HEAD' && raw.method !== 'DELETE') return null;
    if (schema !== this.schema || config !== this.config) {
      this.entries.clear();
      this.schema = schema;
      this.config = config;
    }
    const head = headKey(raw);
    const masked = maskQuery(raw.query);
    // Exact, masked and write keys live apart ('x'/'m'/'w'): a query could spell a masked shape literally.
    if (body === null) {
      if (masked !== null) return this.template('m' + head + masked.shape, raw, masked, null, compute);
      return raw.method === 'DELETE' ? compute(raw) : this.exact('x' + head + raw.query, raw, compute);
    }
    // A write is only cached as a template: its body differs every time.
    if (masked === null && raw.query.includes(MASK)) return compute(raw);
    const shape = masked ?? { shape: raw.query, values: [] };
    return this.template('w' + h(body.keys) + head + shape.shape, raw, shape, body, compute);
  }

  private template(key: string, raw: RawRequest, masked: Masked, body: BodyShape | null, compute: (raw: RawRequest) => Prepared): Prepared {
    const entry = this.get(key);
    if (entry === undefined) {
      this.misses++;
      const prepared = compute(raw);
      const template = templateOf(prepared, masked, masked.values.length === 0 ? prepared : compute({ ...raw, query: probeQuery(masked) }), body?.text ?? null);
      this.set(key, template ?? { kind: 'unmaskable' });
      if (template === null && body === null && raw.method !== 'DELETE') this.set('x' + headKey(raw) + raw.query, { kind: 'exact', prepared });
      return prepared;
    }
    if (entry.kind !== 'template') return body === null && raw.method !== 'DELETE' ? this.exact('x' + headKey(raw) + raw.query, raw, compute) : compute(raw);
    this.hits++;
    const values = masked.values;
    const text = body?.text ?? null;
    const params = entry.params.map((p, i) => {
      const slot = entry.slots[i]!;
      return slot === -1 ? p : slot === BODY ? text : values[slot]!;
    });
    let canonical = entry.canonical[0]!;
    for (let i = 0; i < entry.canonicalSlots.length; i++) canonical += values[entry.canonicalSlots[i]!]! + entry.canonical[i + 1]!;
    const stored = entry.request;
    const action = stored.action;
    const request: ApiRequest = text === null
      ? { ...stored, canonicalQuery: canonical }
      : stored.payload !== null
        ? { ...stored, canonicalQuery: canonical, payload: { ...stored.payload, json: text } }
        : action.kind === 'call'
          ? { ...stored, canonicalQuery: canonical, action: { ...action, args: { ...action.args, json: text } } }
          : { ...stored, canonicalQuery: canonical };
    const plan = entry.plan.kind === 'call' && text !== null ? { ...entry.plan, request, argsJson: text } : { ...entry.plan, request };
    return { ok: true, request, plan, main: { text: entry.text, params }, estimate: null };
  }

  private exact(key: string, raw: RawRequest, compute: (raw: RawRequest) => Prepared): Prepared {
    const entry = this.get(key);
    if (entry !== undefined && entry.kind === 'exact') {
      this.hits++;
      return entry.prepared;
    }
    this.misses++;
    const prepared = compute(raw);
    this.set(key, { kind: 'exact', prepared });
    return prepared;
  }

  private get(key: string): Entry | undefined {
    const slot = this.entries.get(key);
    if (slot === undefined) return undefined;
    // The Map's order is the eviction order. Re-inserting on every hit costs two more hash
    // operations; a quarter of the capacity's insertions between refreshes keeps it near LRU.
    if (this.clock - slot.refreshed > this.capacity >> 2) {
      this.entries.delete(key);
      this.entries.set(key, slot);
      slot.refreshed = this.clock;
    }
    return slot.entry;
  }

  private set(key: string, entry: Entry): void {
    this.clock++;
    this.entries.set(key, { entry, refreshed: this.clock });
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next();
      if (oldest.done !== true) this.entries.delete(oldest.value);
    }
  }
}

/**
 * The template of a masked shape, or null when masking does not hold for it: both plans must be
 * reads with the same text, each sentinel must come back only as whole parameters where the
 * real request has its value, and the canonical queries must match the same way.
 */
function templateOf(real: Prepared, masked: Masked, probe: Prepared, bodyText: string | null): Entry | null {
  if (!real.ok || !probe.ok || real.plan.kind !== probe.plan.kind) return null;
  const kind = real.plan.kind;
  if (kind !== 'read' && kind !== 'mutate' && kind !== 'call') return null;
  // A call is only cached by its JSON body (its query-string arguments are not masked).
  if (kind === 'call' && (bodyText === null || real.plan.argsJson !== bodyText || real.plan.directValues !== null)) return null;
  if (bodyText !== null && kind !== 'call' && real.request.payload?.json !== bodyText) return null;
  if (real.estimate !== null || probe.estimate !== null || real.main.text !== probe.main.text) return null;
  const rp = real.main.params;
  const pp = probe.main.params;
  if (rp.length !== pp.length) return null;
  const index = new Map(masked.values.map((_, i) => [sentinel(i), i]));
  const slots: number[] = [];
  for (let i = 0; i < pp.length; i++) {
    const p = pp[i]!;
    const k = p === null ? undefined : index.get(p);
    if (k !== undefined) {
      if (rp[i] !== masked.values[k]) return null;
      slots.push(k);
    } else if (bodyText !== null && p === bodyText) {
      if (rp[i] !== bodyText) return null;
      slots.push(BODY);
    } else {
      if (p !== rp[i] || (p !== null && SENTINEL.test(p))) return null;
      slots.push(-1);
    }
  }
  // Content-Location: the probe's canonical query split around its sentinels.
  const canonical: string[] = [];
  const canonicalSlots: number[] = [];
  let rest = probe.request.canonicalQuery;
  for (let m = SENTINEL.exec(rest); m !== null; m = SENTINEL.exec(rest)) {
    const k = index.get(m[0]);
    if (k === undefined) return null;
    canonical.push(rest.slice(0, m.index));
    canonicalSlots.push(k);
    rest = rest.slice(m.index + m[0].length);
  }
  canonical.push(rest);
  let rebuilt = canonical[0]!;
  for (let i = 0; i < canonicalSlots.length; i++) rebuilt += masked.values[canonicalSlots[i]!]! + canonical[i + 1]!;
  if (rebuilt !== real.request.canonicalQuery) return null;
  if (bodyText !== null && !slots.includes(BODY)) return null;
  // The plan apart from its filter values, Content-Location and body text is the same for every
  // request of the shape (the filter values it holds are those of the first: nothing after
  // planning reads them). The body's text is not kept.
  const payload = real.request.payload;
  const action = real.request.action;
  const request: ApiRequest = payload !== null
    ? { ...real.request, payload: { ...payload, json: '' } }
    : action.kind === 'call' && bodyText !== null
      ? { ...real.request, action: { ...action, args: { ...action.args, json: '' } } }
      : real.request;
  const plan = (real.plan.kind === 'call' ? { ...real.plan, request, argsJson: '' } : { ...real.plan, request }) as Extract<Plan, { kind: 'read' | 'mutate' | 'call' }>;
  return { kind: 'template', request, plan, text: real.main.text, params: pp.map((p, i) => (slots[i] === -1 ? p : null)), slots, canonical, canonicalSlots };
}
