// Connection settings from a libpq URI (postgresql://user:pw@host:port/db?opt=v) or a
// `key=value` string, with PG* environment fallbacks, sslmode and target_session_attrs
// validated here, and whether a server's reported parameters fit target_session_attrs.
// Pure; no sockets.

export const SSL_MODES = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'] as const;
export type SslMode = (typeof SSL_MODES)[number];

export const SESSION_ATTRS = ['any', 'read-write', 'read-only', 'primary', 'standby', 'prefer-standby'] as const;
export type SessionAttrs = (typeof SESSION_ATTRS)[number];

export interface ConnInfo {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string | null;
  readonly database: string;
  readonly applicationName: string;
  /** libpq's default is prefer: TLS when the server offers it, plain text otherwise. */
  readonly sslmode: SslMode;
  readonly sslrootcert: string | null;
  readonly targetSessionAttrs: SessionAttrs;
  readonly options: Readonly<Record<string, string>>;
}

function oneOf<T extends string>(name: string, value: string, allowed: readonly T[]): T {
  const found = allowed.find((a) => a === value);
  if (found === undefined) throw new Error(`invalid ${name} in db-uri: ${value} (expected one of ${allowed.join(', ')})`);
  return found;
}

function parseKeyValue(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const re = /\s*([A-Za-z_]+)\s*=\s*('(?:[^'\\]|\\.)*'|\S*)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) {
    let v = m[2]!;
    if (v.startsWith("'")) v = v.slice(1, -1).replace(/\\(.)/g, '$1');
    out[m[1]!] = v;
  }
  return out;
}

function parseUri(uri: string): Record<string, string> {
  const out: Record<string, string> = {};
  const rest = uri.replace(/^postgres(ql)?:\/\//, '');
  const q = rest.indexOf('?');
  const main = q < 0 ? rest : rest.slice(0, q);
  if (q >= 0) {
    for (const [k, v] of new URLSearchParams(rest.slice(q + 1))) out[k] = v;
  }
  const slash = main.indexOf('/');
  const authority = slash < 0 ? main : main.slice(0, slash);
  if (slash >= 0 && main.length > slash + 1) out['dbname'] = decodeURIComponent(main.slice(slash + 1));
  const at = authority.lastIndexOf('@');
  const userinfo = at < 0 ? '' : authority.slice(0, at);
  const hostport = at < 0 ? authority : authority.slice(at + 1);
  if (userinfo !== '') {
    const colon = userinfo.indexOf(':');
    out['user'] = decodeURIComponent(colon < 0 ? userinfo : userinfo.slice(0, colon));
    if (colon >= 0) out['password'] = decodeURIComponent(userinfo.slice(colon + 1));
  }
  if (hostport !== '') {
    const m = /^(\[[^\]]+\]|[^:]*)(?::(\d+))?$/.exec(hostport);
    if (m !== null) {
      if (m[1] !== '') out['host'] = decodeURIComponent(m[1]!.replace(/^\[|\]$/g, ''));
      if (m[2] !== undefined) out['port'] = m[2];
    }
  }
  return out;
}

export function parseConnInfo(text: string, env: Readonly<Record<string, string | undefined>>): ConnInfo {
  const raw = /^postgres(ql)?:\/\//.test(text) ? parseUri(text) : parseKeyValue(text);
  const user = raw['user'] ?? env['PGUSER'] ?? env['USER'] ?? 'postgres';
  const portText = raw['port'] ?? env['PGPORT'] ?? '5432';
  const port = Number(portText);
  if (!Number.isInteger(port) || port <= 0 || port > 65535) throw new Error(`invalid port in db-uri: ${portText}`);
  const known = new Set(['user', 'password', 'host', 'port', 'dbname', 'application_name', 'sslmode', 'sslrootcert', 'target_session_attrs']);
  const options: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw)) if (!known.has(k)) options[k] = v;
  return {
    host: raw['host'] ?? env['PGHOST'] ?? 'localhost',
    port,
    user,
    password: raw['password'] ?? env['PGPASSWORD'] ?? null,
    database: raw['dbname'] ?? env['PGDATABASE'] ?? user,
    applicationName: raw['application_name'] ?? env['PGAPPNAME'] ?? 'pgrest-gateway',
    sslmode: oneOf('sslmode', raw['sslmode'] ?? env['PGSSLMODE'] ?? 'prefer', SSL_MODES),
    sslrootcert: raw['sslrootcert'] ?? env['PGSSLROOTCERT'] ?? null,
    targetSessionAttrs: oneOf('target_session_attrs', raw['target_session_attrs'] ?? env['PGTARGETSESSIONATTRS'] ?? 'any', SESSION_ATTRS),
    options,
  };
}

// After startup, the server's reported parameters (in_hot_standby and
// default_transaction_read_only, sent as ParameterStatus since PG 14) say whether the session
// fits; the connection fails the connect if not.
/** null when the session fits `wanted`; otherwise why it does not. */
export function sessionMismatch(wanted: SessionAttrs, parameters: ReadonlyMap<string, string>): string | null {
  const standby = parameters.get('in_hot_standby') === 'on';
  const readOnly = standby || parameters.get('default_transaction_read_only') === 'on';
  switch (wanted) {
    case 'any':
    case 'prefer-standby':
      // With a single host, prefer-standby accepts whatever it finds, as libpq's fallback does.
      return null;
    case 'read-write':
      return readOnly ? 'session is read-only, but target_session_attrs=read-write' : null;
    case 'read-only':
      return readOnly ? null : 'session is not read-only, but target_session_attrs=read-only';
    case 'primary':
      return standby ? 'server is in hot standby, but target_session_attrs=primary' : null;
    case 'standby':
      return standby ? null : 'server is not in hot standby, but target_session_attrs=standby';
  }
}
