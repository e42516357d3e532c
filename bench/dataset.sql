-- The benchmark dataset: deterministic, generated in SQL. 100k posts with a to-one author,
-- to-many comments and many-to-many tags; an RLS-protected table; a few functions.
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'web_anon') THEN CREATE ROLE web_anon NOLOGIN; END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'bench_user') THEN CREATE ROLE bench_user NOLOGIN; END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'authenticator') THEN
    CREATE ROLE authenticator NOINHERIT LOGIN PASSWORD 'pw';
  END IF;
END $$;
GRANT web_anon, bench_user TO authenticator;

DROP SCHEMA IF EXISTS bench CASCADE;
CREATE SCHEMA bench;
GRANT USAGE ON SCHEMA bench TO web_anon, bench_user;

CREATE TABLE bench.authors (id int PRIMARY KEY, name text NOT NULL, email text NOT NULL);
INSERT INTO bench.authors SELECT i, 'author ' || i, 'author' || i || '@example.com' FROM generate_series(1, 1000) i;

CREATE TABLE bench.posts (
  id int PRIMARY KEY,
  author_id int NOT NULL REFERENCES bench.authors(id),
  title text NOT NULL,
  body text NOT NULL,
  published boolean NOT NULL,
  score int NOT NULL,
  created_at timestamptz NOT NULL
);
INSERT INTO bench.posts
SELECT i, 1 + (i * 7919) % 1000, 'post ' || i, repeat('lorem ipsum ', 1 + i % 8), i % 4 <> 0, ((i::bigint * 104729) % 1000)::int,
       timestamptz '2024-01-01' + (i || ' minutes')::interval
FROM generate_series(1, 100000) i;
CREATE INDEX ON bench.posts (author_id);
CREATE INDEX ON bench.posts (published, score);

CREATE TABLE bench.comments (id int PRIMARY KEY, post_id int NOT NULL REFERENCES bench.posts(id), body text NOT NULL);
INSERT INTO bench.comments SELECT i, 1 + (i * 31) % 100000, 'comment ' || i FROM generate_series(1, 200000) i;
CREATE INDEX ON bench.comments (post_id);

CREATE TABLE bench.tags (id int PRIMARY KEY, name text NOT NULL UNIQUE);
INSERT INTO bench.tags SELECT i, 'tag' || i FROM generate_series(1, 100) i;
CREATE TABLE bench.post_tags (post_id int REFERENCES bench.posts(id), tag_id int REFERENCES bench.tags(id), PRIMARY KEY (post_id, tag_id));
INSERT INTO bench.post_tags SELECT p, 1 + (p * k) % 100 FROM generate_series(1, 100000) p, generate_series(1, 2) k ON CONFLICT DO NOTHING;

-- Writes land here so the read tables stay as generated.
CREATE TABLE bench.events (id bigserial PRIMARY KEY, kind text NOT NULL, payload jsonb, created_at timestamptz NOT NULL DEFAULT now());

CREATE TABLE bench.notes (id int PRIMARY KEY, owner text NOT NULL, body text NOT NULL);
INSERT INTO bench.notes SELECT i, 'user' || (i % 100), 'note ' || i FROM generate_series(1, 10000) i;
ALTER TABLE bench.notes ENABLE ROW LEVEL SECURITY;
CREATE INDEX ON bench.notes (owner);
-- The sub-select makes the claim an init plan, computed once per query rather than per row.
CREATE POLICY notes_owner ON bench.notes USING (owner = (SELECT current_setting('request.jwt.claims', true)::json->>'sub'));

GRANT SELECT ON ALL TABLES IN SCHEMA bench TO web_anon, bench_user;
GRANT INSERT, UPDATE ON bench.events, bench.posts TO web_anon;
GRANT USAGE ON SEQUENCE bench.events_id_seq TO web_anon;
GRANT SELECT ON bench.notes TO bench_user;

CREATE FUNCTION bench.post_count(author int) RETURNS bigint STABLE LANGUAGE sql AS
  $$ SELECT count(*) FROM bench.posts WHERE author_id = author $$;
CREATE FUNCTION bench.top_posts(min_score int) RETURNS SETOF bench.posts STABLE LANGUAGE sql AS
  $$ SELECT * FROM bench.posts WHERE score >= min_score ORDER BY score DESC, id LIMIT 25 $$;
GRANT EXECUTE ON FUNCTION bench.post_count(int), bench.top_posts(int) TO web_anon;
ANALYZE;
