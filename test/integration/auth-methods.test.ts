// Password authentication against a real PostgreSQL: trust, cleartext (`password`), md5 and
// SCRAM-SHA-256, each through pg_hba.conf lines added for roles of this test only. Needs a
// cluster whose pg_hba.conf this process can edit (the embedded one the harness starts).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { accessSync, constants, readFileSync, writeFileSync } from 'node:fs';
import { Connection, parseConnInfo } from '../../protocol/index.js';
import { sqlQuery, superuserUri } from '../helpers/gateway.js';

const ROLES = { trust: 'am_trust', password: 'am_clear', md5: 'am_md5', scram: 'am_scram' } as const;
type Method = keyof typeof ROLES;

async function hbaFile(): Promise<string | null> {
  const [row] = await sqlQuery<{ hba_file: string }>('show hba_file');
  if (row === undefined) return null;
  try {
    accessSync(row.hba_file, constants.W_OK);
    return row.hba_file;
  } catch {
    return null;
  }
}

function uriFor(role: string, password: string | null): string {
  const url = new URL(superuserUri());
  url.username = role;
  url.password = password ?? '';
  return url.toString();
}

describe('authentication methods', async () => {
  const file = await hbaFile();
  const skip = file === null ? 'pg_hba.conf is not writable here (PGRST_TEST_DB_URI points at a server this test cannot configure)' : false;
  let original = '';

  before(async () => {
    if (file === null) return;
    original = readFileSync(file, 'utf8');
    const lines = (Object.keys(ROLES) as Method[]).map((m) => `host all ${ROLES[m]} 127.0.0.1/32 ${m === 'scram' ? 'scram-sha-256' : m}`);
    // pg_hba.conf is read top-down: our lines must come before the catch-all ones.
    writeFileSync(file, lines.join('\n') + '\n' + original);
    await sqlQuery("set password_encryption = 'md5'; drop role if exists am_md5; create role am_md5 login password 'md5-pw'");
    for (const role of [ROLES.trust, ROLES.password, ROLES.scram]) {
      await sqlQuery(`drop role if exists ${role}; create role ${role} login password 'pw-${role}'`);
    }
    await sqlQuery('select pg_reload_conf()');
  });
  after(async () => {
    if (file === null) return;
    writeFileSync(file, original);
    await sqlQuery('select pg_reload_conf()');
  });

  const cases: [Method, string | null][] = [
    ['trust', null],
    ['password', `pw-${ROLES.password}`],
    ['md5', 'md5-pw'],
    ['scram', `pw-${ROLES.scram}`],
  ];
  for (const [method, password] of cases) {
    test(`${method}: connects and runs as the role`, { skip }, async () => {
      const conn = await Connection.connect(parseConnInfo(uriFor(ROLES[method], password), {}), { statementCacheSize: 4, preparedStatements: true });
      try {
        const [r] = await conn.send([{ text: 'select current_user', params: [] }]);
        assert.equal(r?.rows[0]?.[0]?.toString(), ROLES[method]);
      } finally {
        await conn.close();
      }
    });
  }

  test('a wrong password is refused with the server error, for md5 and scram', { skip }, async () => {
    for (const method of ['md5', 'scram'] as const) {
      await assert.rejects(
        Connection.connect(parseConnInfo(uriFor(ROLES[method], 'wrong'), {}), { statementCacheSize: 4, preparedStatements: true }),
        (e: unknown) => e instanceof Error && /password authentication failed/.test(e.message),
      );
    }
  });
});
