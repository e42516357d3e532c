// The benchmark workloads: one request shape each, the status it must answer with, and
// whether the Fastify peer implements it. Used by the wrk driver and the peers alike.

export interface Scenario {
  readonly name: string;
  readonly method: 'GET' | 'POST' | 'PATCH';
  /** A path; `{id}` is replaced per request with a random id in 1..100000. */
  readonly path: string;
  readonly body?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly status: number;
  /** Authorization per request from the token file (unique token per request). */
  readonly uniqueToken?: boolean;
  /** Authorization with one fixed token (cached-token path). */
  readonly fixedToken?: boolean;
  /** Workloads the Fastify peer serves (the read and write basics a team would hand-write). */
  readonly peer: boolean;
  /** The equivalent PostGraphile query, for the read workloads. */
  readonly graphql?: string;
}

const hundredEvents = JSON.stringify(Array.from({ length: 100 }, (_, i) => ({ kind: 'bulk', payload: { i } })));

export const SCENARIOS: readonly Scenario[] = [
  {
    name: 'get-by-pk', method: 'GET', path: '/posts?id=eq.{id}', status: 200, peer: true,
    graphql: '{ postById(id: 4242) { id authorId title body published score createdAt } }',
  },
  {
    name: 'get-25-filtered-ordered',
    method: 'GET',
    path: '/posts?select=id,title,score&published=eq.true&score=gte.500&order=score.desc,id&limit=25',
    status: 200,
    peer: true,
    // Core PostGraphile has no range filter: the closest query orders and pages the same way.
    graphql: '{ allPosts(condition: {published: true}, orderBy: [SCORE_DESC, ID_ASC], first: 25) { nodes { id title score } } }',
  },
  {
    name: 'embed-one-to-many', method: 'GET', path: '/authors?select=id,name,posts(id,title)&id=eq.7', status: 200, peer: true,
    graphql: '{ authorById(id: 7) { id name postsByAuthorId { nodes { id title } } } }',
  },
  {
    name: 'embed-two-level', method: 'GET', path: '/posts?select=id,title,authors(name),tags(name)&id=eq.{id}', status: 200, peer: true,
    graphql: '{ postById(id: 4242) { id title authorByAuthorId { name } postTagsByPostId { nodes { tagByTagId { name } } } } }',
  },
  { name: 'post-one', method: 'POST', path: '/events', body: JSON.stringify({ kind: 'click', payload: { x: 1 } }), status: 201, peer: true },
  { name: 'post-100-columns', method: 'POST', path: '/events?columns=kind,payload', body: hundredEvents, status: 201, peer: true },
  { name: 'patch-by-pk', method: 'PATCH', path: '/posts?id=eq.{id}', body: JSON.stringify({ score: 5 }), status: 204, peer: true },
  { name: 'rpc-scalar-get', method: 'GET', path: '/rpc/post_count?author=7', status: 200, peer: true, graphql: '{ postCount(author: 7) }' },
  {
    name: 'rpc-setof-post', method: 'POST', path: '/rpc/top_posts', body: JSON.stringify({ min_score: 990 }), status: 200, peer: true,
    graphql: '{ topPosts(minScore: 990) { nodes { id title score } } }',
  },
  { name: 'jwt-rls-cached-token', method: 'GET', path: '/notes?select=id,body', fixedToken: true, status: 200, peer: false },
  { name: 'jwt-rls-unique-token', method: 'GET', path: '/notes?select=id,body', uniqueToken: true, status: 200, peer: false },
  { name: 'error-404', method: 'GET', path: '/nope', status: 404, peer: true },
];

export function concretePath(s: Scenario, id: number): string {
  return s.path.replace('{id}', String(id));
}

/** The PostGraphile form of a scenario: POST /graphql with the query as the body. */
export function graphqlScenario(s: Scenario): Scenario | null {
  if (s.graphql === undefined) return null;
  return { name: s.name, method: 'POST', path: '/graphql', body: JSON.stringify({ query: s.graphql }), status: 200, peer: false };
}
