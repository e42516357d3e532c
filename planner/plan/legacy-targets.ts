// url-use-legacy-target-names (PostgREST v16): an embedded filter, order, limit or offset may
// name an aliased embed by its table name (`select=dir:directors(*)&directors.name=eq.X`).
// Resolved here, before planning, by rewriting such paths to the alias; the caller adds
// PostgREST's deprecation Warning header. Pure; a request without aliased embeds is untouched.

import type { ApiError } from '../errors.js';
import { notEmbedded } from './embed-errors.js';
import type { EmbedParam } from '../request/embed-params.js';
import type { ScopedCondition, SelectItem } from '../request/types.js';

/** PostgREST's Warning header for legacy target names; `renames` are the (table name, alias) pairs used. */
export function legacyTargetWarning(renames: readonly (readonly [string, string])[]): string {
  const update = renames.map(([name, alias]) => `\`${name}\` to \`${alias}\``).join(', ');
  return `299 PostgRESTv16 "Embedded resource was referenced by relation name even though it has an alias. This is deprecated and will stop working in a future release. Update ${update} in query string filters, orders or limits."`;
}

type Embed = Extract<SelectItem, { kind: 'embed' }>;

/**
 * The path with every segment that names an aliased embed's table (and not a key) replaced by
 * the alias, recording each (table name, alias) in `renames`; null when unchanged.
 */
function resolvePath(select: readonly SelectItem[], path: readonly string[], renames: [string, string][] = []): string[] | null {
  let level = select;
  const out: string[] = [];
  let changed = false;
  for (const segment of path) {
    const embeds = level.filter((i): i is Embed => i.kind === 'embed');
    let hit = embeds.find((e) => (e.alias ?? e.name) === segment);
    if (hit === undefined) {
      const byName = embeds.filter((e) => e.alias !== null && e.name === segment);
      // Only an unambiguous table name resolves: two aliases of one table stay an error.
      if (byName.length !== 1) return null;
      hit = byName[0]!;
      if (!renames.some(([n, a]) => n === segment && a === hit!.alias)) renames.push([segment, hit.alias!]);
      changed = true;
    }
    out.push(hit.alias ?? hit.name);
    level = hit.select;
  }
  return changed ? out : null;
}

export interface LegacyResolution {
  readonly filters: readonly ScopedCondition[];
  readonly params: readonly EmbedParam[];
  /** Whether any path was rewritten (the response carries the Warning header). */
  readonly used: boolean;
  /** The (table name, alias) pairs rewritten, for the Warning text. */
  readonly renames: readonly (readonly [string, string])[];
}

export function resolveLegacyTargets(select: readonly SelectItem[], filters: readonly ScopedCondition[], params: readonly EmbedParam[]): LegacyResolution {
  if (!select.some((i) => i.kind === 'embed')) return { filters, params, used: false, renames: [] };
  const renames: [string, string][] = [];
  const mapFilter = (f: ScopedCondition): ScopedCondition => {
    if (f.path.length === 0) return f;
    const p = resolvePath(select, f.path, renames);
    return p === null ? f : { ...f, path: p };
  };
  const mapParam = (e: EmbedParam): EmbedParam => {
    const p = resolvePath(select, e.path, renames);
    return p === null ? e : { ...e, path: p };
  };
  const nf = filters.map(mapFilter);
  const np = params.map(mapParam);
  return renames.length > 0 ? { filters: nf, params: np, used: true, renames } : { filters, params, used: false, renames: [] };
}

/**
 * With legacy target names off, a path that resolves only through an aliased embed's table
 * name is PostgREST's PGRST108 naming the alias to use; null when there is none.
 */
export function legacyTargetError(select: readonly SelectItem[], filters: readonly ScopedCondition[], params: readonly EmbedParam[]): ApiError | null {
  const first = resolveLegacyTargets(select, filters, params).renames[0];
  if (first === undefined) return null;
  const [name, alias] = first;
  return notEmbedded(name, alias);
}
