// Builds the per-request context that txVarsStatement sets transaction-locally: headers and
// cookies as JSON, the search_path, app.settings.* and the impersonated role's stored settings.
// Also finds the jwt-cookie-name token, since cookies are parsed here anyway.

import type { RawRequest, RequestContext } from '../planner/index.js';
import type { AuthResult } from './auth.js';
import type { AppConfig } from './config.js';

/** Role name → its stored settings (`ALTER ROLE … SET`), loaded with the schema cache. */
export type RoleSettings = ReadonlyMap<string, readonly (readonly [string, string])[]>;

/** `a=1; b=2` → {a: '1', b: '2'}; the first occurrence of a name wins, as browsers send it. */
export function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (header === undefined) return out;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    if (name === '' || Object.prototype.hasOwnProperty.call(out, name)) continue;
    let value = part.slice(eq + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    try {
      value = decodeURIComponent(value);
    } catch {
      // Not percent-encoded after all: keep the raw text.
    }
    out[name] = value;
  }
  return out;
}

/**
 * The target schema first, then db-extra-search-path as given (a repeated schema stays
 * repeated, as PostgREST sets it: clients read it back), each quoted as an identifier.
 */
export function searchPath(schema: string, extra: readonly string[]): string {
  return [schema, ...extra].map((s) => '"' + s.replace(/"/g, '""') + '"').join(', ');
}

type Settings = readonly (readonly [string, string])[];

// The config is frozen and swapped whole on reload, so its app settings are listed once per config.
const appSettingsOf = new WeakMap<AppConfig, Settings>();

/** app.settings.* in config order, then the role's settings (which win on a clash). */
export function settingsFor(config: AppConfig, roleSettings: RoleSettings, role: string): Settings {
  let app = appSettingsOf.get(config);
  if (app === undefined) {
    app = Object.entries(config.appSettings).map(([k, v]): readonly [string, string] => ['app.settings.' + k, v]);
    appSettingsOf.set(config, app);
  }
  const own = roleSettings.get(role) ?? [];
  return own.length === 0 ? app : [...app, ...own];
}

const searchPaths = new WeakMap<AppConfig, Map<string, string>>();

/** searchPath() once per config and schema: the exposed schemas are few and fixed per config. */
function searchPathFor(config: AppConfig, schema: string): string {
  let bySchema = searchPaths.get(config);
  if (bySchema === undefined) {
    bySchema = new Map();
    searchPaths.set(config, bySchema);
  }
  let path = bySchema.get(schema);
  if (path === undefined) {
    path = searchPath(schema, config.dbExtraSearchPath);
    bySchema.set(schema, path);
  }
  return path;
}

function hasNoKeys(o: Readonly<Record<string, string>>): boolean {
  for (const _ in o) return false;
  return true;
}

export interface ContextInput {
  readonly raw: RawRequest;
  readonly cookies: Readonly<Record<string, string>>;
  readonly auth: AuthResult;
  readonly schema: string;
  readonly readOnly: boolean;
}

export function requestContext(config: AppConfig, roleSettings: RoleSettings, input: ContextInput): RequestContext {
  const { raw, auth } = input;
  return {
    role: auth.role,
    claims: auth.claims,
    method: raw.method,
    path: raw.path,
    headers: JSON.stringify(raw.headers),
    cookies: hasNoKeys(input.cookies) ? '{}' : JSON.stringify(input.cookies),
    searchPath: searchPathFor(config, input.schema),
    settings: settingsFor(config, roleSettings, auth.role),
    readOnly: input.readOnly,
  };
}

/** Decodes the role-settings query's JSON (`[[role, "name=value"], …]`) into a map. */
export function decodeRoleSettings(json: string): RoleSettings {
  const out = new Map<string, [string, string][]>();
  const parsed: unknown = JSON.parse(json);
  if (!Array.isArray(parsed)) return out;
  for (const item of parsed) {
    if (!Array.isArray(item) || typeof item[0] !== 'string' || typeof item[1] !== 'string') continue;
    const [role, setting] = item as [string, string];
    const eq = setting.indexOf('=');
    if (eq <= 0) continue;
    const list = out.get(role) ?? [];
    list.push([setting.slice(0, eq), setting.slice(eq + 1)]);
    out.set(role, list);
  }
  return out;
}
