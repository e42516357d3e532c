// The three clients `make bench-protocol` compares, behind one shape: ours (protocol/Pool),
// node-postgres (pg.Pool, named prepared statement) and porsager/postgres (prepared). Each
// runs the same parameterized one-row query and returns the JSON text's byte length.

import pg from 'pg';
import postgres from 'postgres';
import { parseConnInfo, Pool } from '../protocol/index.js';

export type ClientName = 'ours' | 'pg' | 'postgres';
export const CLIENTS: readonly ClientName[] = ['ours', 'pg', 'postgres'];

/** One row by primary key, JSON text out: the shape of a PostgREST single-row GET. */
export const QUERY = 'select row_to_json(t)::text as j from bench_kv t where id = $1';

export interface BenchClient {
  query(id: number): Promise<number>;
  end(): Promise<void>;
}

export function openClient(name: ClientName, uri: string, connections: number): BenchClient {
  switch (name) {
    case 'ours': {
      const pool = new Pool(parseConnInfo(uri, {}), {
        size: connections,
        pipelineDepth: 64,
        acquisitionTimeoutMs: 30000,
        statementCacheSize: 100,
        preparedStatements: true,
      });
      return {
        query: async (id) => {
          const [r] = await pool.run([{ text: QUERY, params: [String(id)] }]);
          return r?.rows[0]?.[0]?.length ?? 0;
        },
        end: () => pool.end(),
      };
    }
    case 'pg': {
      const pool = new pg.Pool({ connectionString: uri, max: connections });
      return {
        query: async (id) => {
          const r = await pool.query<{ j: string }>({ name: 'bench_kv_one', text: QUERY, values: [id] });
          return Buffer.byteLength(r.rows[0]?.j ?? '');
        },
        end: () => pool.end(),
      };
    }
    case 'postgres': {
      const sql = postgres(uri, { max: connections, prepare: true, onnotice: () => undefined });
      return {
        query: async (id) => {
          const rows = await sql.unsafe<{ j: string }[]>(QUERY, [id], { prepare: true });
          return Buffer.byteLength(rows[0]?.j ?? '');
        },
        end: () => sql.end(),
      };
    }
  }
}
