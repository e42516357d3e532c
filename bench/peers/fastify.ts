// Peer: the hand-written Fastify + pg (Pool) API a team would otherwise write, serving the
// same workloads with the same JSON. Run as its own process: `node fastify.js PORT DB_URI`.
// Every statement is a named query, so pg prepares it once per pooled connection and then
// only binds and executes it, as a team tuning a hand-written API would (issue 18: the peer
// uses prepared statements where pg offers them).

import Fastify from 'fastify';
import pg from 'pg';

const [portArg, uri] = process.argv.slice(2);
const pool = new pg.Pool({ connectionString: uri, max: 10 });
const app = Fastify({ logger: false });

type Query = Record<string, string | undefined>;

const eqInt = (v: string | undefined): number | null => {
  const m = /^eq\.(\d+)$/.exec(v ?? '');
  return m === null ? null : Number(m[1]);
};

app.get('/posts', async (req, reply) => {
  const q = req.query as Query;
  const id = eqInt(q['id']);
  if (q['select'] === 'id,title,authors(name),tags(name)' && id !== null) {
    const r = await pool.query({ name: 'post-embed-two', text: `select p.id, p.title, json_build_object('name', a.name) as authors,
              coalesce((select json_agg(json_build_object('name', t.name)) from bench.post_tags pt join bench.tags t on t.id = pt.tag_id where pt.post_id = p.id), '[]') as tags
       from bench.posts p join bench.authors a on a.id = p.author_id where p.id = $1`, values: [id] });
    return reply.send(r.rows);
  }
  if (id !== null) {
    const r = await pool.query({ name: 'post-by-pk', text: 'select * from bench.posts where id = $1', values: [id] });
    return reply.send(r.rows);
  }
  const r = await pool.query({ name: 'posts-25', text: 'select id, title, score from bench.posts where published = $1 and score >= $2 order by score desc, id limit $3', values: [true, 500, 25] });
  return reply.send(r.rows);
});

app.get('/authors', async (req, reply) => {
  const id = eqInt((req.query as Query)['id']);
  const r = await pool.query({ name: 'author-embed', text: `select a.id, a.name, coalesce((select json_agg(json_build_object('id', p.id, 'title', p.title)) from bench.posts p where p.author_id = a.id), '[]') as posts
     from bench.authors a where a.id = $1`, values: [id] });
  return reply.send(r.rows);
});

app.post('/events', async (req, reply) => {
  const body = req.body as { kind: string; payload: unknown } | { kind: string; payload: unknown }[];
  const rows = Array.isArray(body) ? body : [body];
  await pool.query({ name: 'events-insert', text: 'insert into bench.events (kind, payload) select kind, payload from json_to_recordset($1) as x(kind text, payload jsonb)', values: [JSON.stringify(rows)] });
  return reply.code(201).send();
});

app.patch('/posts', async (req, reply) => {
  const id = eqInt((req.query as Query)['id']);
  const body = req.body as { score: number };
  await pool.query({ name: 'post-patch', text: 'update bench.posts set score = $1 where id = $2', values: [body.score, id] });
  return reply.code(204).send();
});

app.get('/rpc/post_count', async (req, reply) => {
  const r = await pool.query({ name: 'post-count', text: 'select bench.post_count($1) as n', values: [Number((req.query as Query)['author'])] });
  return reply.send(Number(r.rows[0]?.n));
});

app.post('/rpc/top_posts', async (req, reply) => {
  const r = await pool.query({ name: 'top-posts', text: 'select * from bench.top_posts($1)', values: [(req.body as { min_score: number }).min_score] });
  return reply.send(r.rows);
});

app.listen({ port: Number(portArg), host: '127.0.0.1' }).then(
  () => process.stdout.write('ready\n'),
  (err: unknown) => {
    process.stderr.write(String(err) + '\n');
    process.exit(1);
  },
);
