// target_session_attrs for one host: after startup, the server's reported parameters
// (in_hot_standby and default_transaction_read_only, sent as ParameterStatus since PG 14)
// say whether this session is acceptable. Pure; the connection fails the connect if not.

import type { SessionAttrs } from './conninfo.js';

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
