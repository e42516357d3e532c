// Data representations (PostgREST v11+): a domain with implicit casts to json (how its values
// are shown), from json (how a request body's values are read) and from text (how a filter's
// query-string value is read). The casts come from pg_cast once per schema-cache load
// (typesQuery's `representations` rows) and are attached to every column of the domain, so a
// request only looks at its columns. Pure.

/** A cast function, called as "schema"."name"(value). */
export interface Converter {
  readonly schema: string;
  readonly name: string;
}

/** The conversions a column's type has; a missing one leaves the value as PostgreSQL has it. */
export interface Representation {
  /** domain → json: the value in a response body. */
  readonly toJson?: Converter;
  /** json → domain: the value a request body carries. */
  readonly fromJson?: Converter;
  /** text → domain: the value of a filter in the query string. */
  readonly fromText?: Converter;
}

const BUILTIN: ReadonlySet<string> = new Set(['json', 'text']);

function fail(what: string): never {
  throw new Error(`schema cache: unexpected catalog data (${what})`);
}

/**
 * typesQuery's rows `[source type, target type, function schema, function name]` (types as
 * format_type spells them, so as columns' types are) → the representations by domain type.
 */
export function decodeRepresentations(rows: unknown): ReadonlyMap<string, Representation> {
  if (rows === undefined) return new Map();
  if (!Array.isArray(rows)) fail('representations');
  const out = new Map<string, { toJson?: Converter; fromJson?: Converter; fromText?: Converter }>();
  const entry = (type: string): { toJson?: Converter; fromJson?: Converter; fromText?: Converter } => {
    let e = out.get(type);
    if (e === undefined) out.set(type, (e = {}));
    return e;
  };
  for (const row of rows as unknown[]) {
    if (!Array.isArray(row) || row.length !== 4 || !row.every((v): v is string => typeof v === 'string')) fail('representation');
    const [source, target, schema, name] = row as [string, string, string, string];
    const fn: Converter = Object.freeze({ schema, name });
    // The query returns only these three shapes (the other side a domain); anything else is ignored.
    if (target === 'json' && !BUILTIN.has(source)) entry(source).toJson = fn;
    else if (source === 'json' && !BUILTIN.has(target)) entry(target).fromJson = fn;
    else if (source === 'text' && !BUILTIN.has(target)) entry(target).fromText = fn;
  }
  for (const [k, v] of out) out.set(k, Object.freeze(v));
  return out;
}
