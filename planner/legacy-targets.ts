// url-use-legacy-target-names (PostgREST v16): an embedded filter, order, limit or offset may
// name an aliased embed by its table name (`select=dir:directors(*)&directors.name=eq.X`).
// Resolved here, before planning, by rewriting such paths to the alias; the caller adds
// PostgREST's deprecation Warning header. Pure; a request without aliased embeds is untouched.

import type { EmbedParam } from './embed-params.js';
import type { ScopedCondition, SelectItem } from './types.js';

/** The Warning header PostgREST v16 sends when a legacy target name was used. */
export const LEGACY_TARGET_WARNING =
  '299 PostgRESTv16 "Deprecated: an aliased embedded resource was referenced by its table name in a filter, order or limit; use its alias (url-use-legacy-target-names)"';

type Embed = Extract<SelectItem, { kind: 'embed' }>;

/** The path with every segment that names an aliased embed's table (and not a key) replaced by the alias; null when unchanged. */
function resolvePath(select: readonly SelectItem[], path: readonly string[]): string[] | null {
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
}

export function resolveLegacyTargets(select: readonly SelectItem[], filters: readonly ScopedCondition[], params: readonly EmbedParam[]): LegacyResolution {
  if (!select.some((i) => i.kind === 'embed')) return { filters, params, used: false };
  let used = false;
  const mapFilter = (f: ScopedCondition): ScopedCondition => {
    if (f.path.length === 0) return f;
    const p = resolvePath(select, f.path);
    if (p === null) return f;
    used = true;
    return { ...f, path: p };
  };
  const mapParam = (e: EmbedParam): EmbedParam => {
    const p = resolvePath(select, e.path);
    if (p === null) return e;
    used = true;
    return { ...e, path: p };
  };
  const nf = filters.map(mapFilter);
  const np = params.map(mapParam);
  return used ? { filters: nf, params: np, used } : { filters, params, used: false };
}
